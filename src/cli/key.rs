//! `keyward key create | list | revoke`: access keys for `keyward serve`.

use super::common::{print_json, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Change, Outcome, Query, Reply};
use crate::vault::{AccessKeyInfo, rfc3339};

#[derive(clap::Subcommand, Debug)]
pub enum KeyCmd {
    /// Create an access key; prints the full key once (it cannot be shown again)
    Create {
        /// A label for the key (e.g. the CI job that uses it)
        name: String,
        /// A project the key may read (repeat for several) [default: every project]
        #[arg(long = "project", value_name = "P")]
        projects: Vec<String>,
        /// Also allow triggering syncs through the API (any key may read sync status)
        #[arg(long)]
        allow_sync: bool,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// List access keys, newest first, with their last 4 characters
    List {
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Revoke an access key for good
    Revoke {
        /// The key's id (the KSUID shown by `keyward key list`)
        id: String,
    },
}

pub fn run(g: &GlobalArgs, c: KeyCmd) -> CmdResult {
    let s = session(g)?;
    match c {
        KeyCmd::Create {
            name,
            projects,
            allow_sync,
            json,
        } => {
            let change = Change::CreateAccessKey {
                name,
                projects,
                allow_sync,
            };
            let a = s.apply(g, vec![change], false)?;
            let Some(Outcome::AccessKey { info, key }) = a.outcomes.into_iter().next() else {
                return Err("the vault's owner did not return the new key: restart the owner with this version".into());
            };
            if json {
                let mut doc = info_json(&info);
                doc["key"] = key.expose().into();
                return print_json(&doc);
            }
            println!("{}", key.expose());
            eprintln!(
                "created the access key {} ({}): copy it now, it is shown only this once",
                info.id,
                scope_text(&info)
            );
        }
        KeyCmd::List { json } => {
            let keys = match s.query(Query::AccessKeys)? {
                Reply::AccessKeys(k) => k,
                other => return Err(unexpected(&other)),
            };
            if json {
                let rows: Vec<_> = keys.iter().map(info_json).collect();
                return print_json(&rows);
            }
            super::common::hint_if_empty(
                keys.len(),
                "no access keys yet: create one with `keyward key create NAME`",
            );
            for k in keys {
                let state = match (k.revoked, k.last_used) {
                    (Some(at), _) => format!("revoked {}", rfc3339(at)),
                    (None, Some(at)) => format!("last used {}", rfc3339(at)),
                    (None, None) => "never used".into(),
                };
                println!(
                    "{}\t…{}\t{}\t{}\tcreated {}\t{state}",
                    k.id,
                    k.last4,
                    k.name,
                    scope_text(&k),
                    rfc3339(k.created)
                );
            }
        }
        KeyCmd::Revoke { id } => {
            let a = s.apply(g, vec![Change::RevokeAccessKey { id }], false)?;
            let Some(Outcome::AccessKeyRevoked(k)) = a.outcomes.into_iter().next() else {
                return Err("the vault's owner did not confirm the revocation: restart the owner with this version".into());
            };
            println!("revoked the access key {} ({})", k.id, k.name);
        }
    }
    Ok(())
}

fn scope_text(k: &AccessKeyInfo) -> String {
    let what = if k.scope.allow_sync {
        "read+sync"
    } else {
        "read"
    };
    match &k.project_names {
        None => format!("{what}, every project"),
        Some(p) => format!("{what}, {}", p.join(", ")),
    }
}

fn info_json(k: &AccessKeyInfo) -> serde_json::Value {
    serde_json::json!({
        "id": k.id,
        "name": k.name,
        "last4": k.last4,
        "projects": k.project_names,
        "allow_sync": k.scope.allow_sync,
        "created": rfc3339(k.created),
        "last_used": k.last_used.map(rfc3339),
        "revoked": k.revoked.map(rfc3339),
    })
}
