//! `keyward trash list | purge [PROJECT/NAME]`.

use super::autopush::{before, push};
use super::common::{addr, open, print_json};
use super::{CmdResult, GlobalArgs};
use crate::vault::{TRASH_RETENTION, rfc3339};

#[derive(clap::Subcommand, Debug)]
pub enum TrashCmd {
    /// List trashed secrets and when each will be purged
    List {
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Purge one trashed secret for good, or the whole trash
    Purge {
        #[arg(value_name = "PROJECT/NAME")]
        secret: Option<String>,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
}

pub fn run(g: &GlobalArgs, c: TrashCmd) -> CmdResult {
    let vault = open(g)?;
    match c {
        TrashCmd::List { json } => {
            let items = vault.read()?.trash()?;
            if json {
                let rows: Vec<_> = items
                    .iter()
                    .map(|s| {
                        let t = s.meta.trashed.unwrap_or_default();
                        serde_json::json!({
                            "project": s.project, "name": s.meta.name, "version": s.meta.version,
                            "trashed": rfc3339(t), "purge_after": rfc3339(t + TRASH_RETENTION),
                        })
                    })
                    .collect();
                return print_json(&rows);
            }
            super::common::hint_if_empty(items.len(), "the trash is empty");
            for s in items {
                let t = s.meta.trashed.unwrap_or_default();
                println!(
                    "{}/{}\ttrashed {}\tpurged after {}",
                    s.project,
                    s.meta.name,
                    rfc3339(t),
                    rfc3339(t + TRASH_RETENTION)
                );
            }
        }
        TrashCmd::Purge {
            secret: Some(s),
            json,
        } => {
            let (p, n) = addr(&s)?;
            let b = before(g, &vault);
            vault.write(|tx| tx.purge(&p, &n))?;
            let pushed = push(vault, b);
            if json {
                return print_json(&serde_json::json!({ "purged": 1, "push": pushed }));
            }
            println!("purged {p}/{n} for good");
        }
        TrashCmd::Purge { secret: None, json } => {
            let b = before(g, &vault);
            let n = vault.write(|tx| tx.purge_all())?;
            let pushed = push(vault, b);
            if json {
                return print_json(&serde_json::json!({ "purged": n, "push": pushed }));
            }
            println!("purged {n} secret(s) for good");
        }
    }
    Ok(())
}
