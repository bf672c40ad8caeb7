//! `keyward audit [--json] [--action A] | verify`.

use super::common::{print_json, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Query, Reply};
use crate::vault::{AuditEntry, Outcome, rfc3339};

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub verify: Option<AuditCmd>,
    /// Only entries of this action (e.g. secret-rotate, unseal)
    #[arg(long)]
    pub action: Option<String>,
    /// Print the result as one JSON document (see docs/json.md)
    #[arg(long, conflicts_with = "jsonl")]
    pub json: bool,
    /// One JSON object per line (for export to log tooling)
    #[arg(long)]
    pub jsonl: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum AuditCmd {
    /// Check the chain: exit 1 if an entry was edited or removed
    Verify {
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
}

fn row(e: &AuditEntry) -> serde_json::Value {
    let mut v = serde_json::json!({
        "seq": e.seq, "at": rfc3339(e.event.at), "actor": e.event.actor, "action": e.event.action,
        "subject": e.event.subject, "outcome": e.event.outcome,
    });
    if !e.event.detail.is_empty() {
        v["detail"] = e.event.detail.clone().into();
    }
    if e.event.late {
        // Its content was written without the key: only its place in the chain is.
        v["late"] = true.into();
        v["authenticated"] = false.into();
    }
    if let Some(via) = &e.event.via {
        v["via"] = via.clone().into();
    }
    v
}

pub fn run(g: &GlobalArgs, a: AuditArgs) -> CmdResult {
    let s = session(g)?;
    match a.verify {
        Some(AuditCmd::Verify { json }) => {
            let v = match s.query(Query::VerifyAudit)? {
                Reply::Verdict(v) => v,
                other => return Err(unexpected(&other)),
            };
            if json {
                print_json(&v)?;
            }
            match v.problem {
                None => {
                    if !json {
                        println!("the audit log is intact: {} entries", v.entries);
                        if !v.unauthenticated.is_empty() {
                            println!(
                                "{} recorded while sealed, not authenticated (their content is as the file said at the next unseal): {}",
                                plural(v.unauthenticated.len(), "entry", "entries"),
                                v.unauthenticated
                                    .iter()
                                    .map(u64::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            );
                        }
                    }
                    Ok(())
                }
                Some(p) => Err(format!("the audit log was tampered with: {p}; restore the vault from a backup and investigate").into()),
            }
        }
        None => {
            let entries = match s.query(Query::Audit { action: a.action })? {
                Reply::Audit(e) => e,
                other => return Err(unexpected(&other)),
            };
            if a.json {
                return print_json(&entries.iter().map(row).collect::<Vec<_>>());
            }
            if a.jsonl {
                for e in &entries {
                    println!("{}", row(e));
                }
                return Ok(());
            }
            for e in entries {
                let outcome = if e.event.outcome == Outcome::Ok {
                    "ok"
                } else {
                    "FAILED"
                };
                let late = if e.event.late {
                    " (recorded while sealed, not authenticated)"
                } else {
                    ""
                };
                let actor = match &e.event.via {
                    Some(via) => format!("{} ({via})", e.event.actor),
                    None => e.event.actor.clone(),
                };
                println!(
                    "{:>5}  {}  {}  {}  {}  {}  {}{late}",
                    e.seq,
                    rfc3339(e.event.at),
                    actor,
                    e.event.action,
                    e.event.subject,
                    outcome,
                    e.event.detail
                );
            }
            Ok(())
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
