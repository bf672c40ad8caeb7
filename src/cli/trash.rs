//! `keyward trash list | purge [PROJECT/NAME]`.

use super::common::{addr, print_json, session, unexpected};
use super::secret::report_push;
use super::{CmdResult, GlobalArgs};
use crate::ops::{Change, Outcome, Query, Reply};
use crate::vault::{TRASH_RETENTION, rfc3339};

#[derive(clap::Subcommand, Debug)]
pub enum TrashCmd {
    /// List trashed secrets and when each will be purged
    List {
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Purge one trashed secret for good, or the whole trash (--all)
    Purge {
        #[arg(value_name = "PROJECT/NAME")]
        secret: Option<String>,
        /// Empty the whole trash: every trashed secret and its history, for good
        #[arg(long, conflicts_with = "secret")]
        all: bool,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
}

pub fn run(g: &GlobalArgs, c: TrashCmd) -> CmdResult {
    let s = session(g)?;
    match c {
        TrashCmd::List { json } => {
            let items = match s.query(Query::Trash)? {
                Reply::Trash(t) => t,
                other => return Err(unexpected(&other)),
            };
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
            secret: Some(secret),
            json,
            ..
        } => {
            let (p, n) = addr(&secret)?;
            let change = Change::Purge {
                project: p.clone(),
                name: n.clone(),
            };
            let a = s.apply(g, vec![change], true)?;
            report_push(&a.push);
            if json {
                return print_json(&serde_json::json!({ "purged": 1, "push": a.push }));
            }
            println!("purged {p}/{n} for good");
        }
        TrashCmd::Purge {
            secret: None,
            all: false,
            ..
        } => {
            return Err("say which trashed secret to purge (PROJECT/NAME; see `keyward trash list`), or pass --all to empty the whole trash for good".into());
        }
        TrashCmd::Purge {
            secret: None, json, ..
        } => {
            let a = s.apply(g, vec![Change::PurgeAll], true)?;
            report_push(&a.push);
            let n = match a.outcomes.first() {
                Some(Outcome::Count(n)) => *n,
                _ => 0,
            };
            if json {
                return print_json(&serde_json::json!({ "purged": n, "push": a.push }));
            }
            println!("purged {n} secret(s) for good");
        }
    }
    Ok(())
}
