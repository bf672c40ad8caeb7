//! `keyward secret get | history`: what a secret holds now (or held at a version) and
//! every version it had; the commands that only read, apart from the listing
//! (`secret_list`).

use std::io::Write;

use super::common::{addr, print_json, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Query, Reply};
use crate::vault::{Cause, SecretValue, rfc3339};

/// `secret get`: the value (or a field, or an older version) on stdout.
pub fn get(
    g: &GlobalArgs,
    secret: &str,
    field: Option<String>,
    version: Option<u32>,
    json: bool,
) -> CmdResult {
    let (p, n) = addr(secret)?;
    let s = session(g)?;
    let reply = s.query(Query::Reveal {
        project: p.clone(),
        name: n.clone(),
        field: field.clone(),
        version,
    })?;
    let Reply::Revealed { version: v, value } = reply else {
        return Err(unexpected(&reply));
    };
    let mut out = std::io::stdout().lock();
    if json {
        let mut doc = serde_json::json!({ "project": p, "name": n, "version": v });
        match &value {
            SecretValue::Simple(s) => doc["value"] = s.as_str().into(),
            SecretValue::Fields(fs) => {
                doc["fields"] = fs
                    .iter()
                    .map(|(k, v)| serde_json::json!({ "name": k, "value": v.as_str() }))
                    .collect();
            }
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        match &value {
            SecretValue::Simple(s) => writeln!(out, "{}", s.as_str())?,
            SecretValue::Fields(fs) => {
                for (k, v) in fs {
                    writeln!(out, "{k}={}", v.as_str())?;
                }
            }
        }
    }
    Ok(())
}

/// `secret history`: every version, as a table or JSON.
pub fn history(g: &GlobalArgs, secret: &str, json: bool) -> CmdResult {
    let (p, n) = addr(secret)?;
    let s = session(g)?;
    let reply = s.query(Query::History {
        project: p,
        name: n,
    })?;
    let Reply::History { meta, versions } = reply else {
        return Err(unexpected(&reply));
    };
    if json {
        let rows: Vec<_> = versions
            .iter()
            .map(|v| {
                let mut o = serde_json::json!({
                    "version": v.number, "at": rfc3339(v.at), "actor": v.actor,
                    "cause": v.cause.as_str(), "current": v.number == meta.version,
                });
                if let Cause::Rollback { from } = v.cause {
                    o["from"] = from.into();
                }
                o
            })
            .collect();
        return print_json(&rows);
    }
    for v in versions {
        let from = match v.cause {
            Cause::Rollback { from } => format!(" (value of version {from})"),
            _ => String::new(),
        };
        let cur = if v.number == meta.version {
            "  <- current"
        } else {
            ""
        };
        println!(
            "{:>4}  {}  {}  {}{from}{cur}",
            v.number,
            rfc3339(v.at),
            v.actor,
            v.cause.as_str()
        );
    }
    Ok(())
}
