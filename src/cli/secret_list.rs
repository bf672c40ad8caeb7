//! `keyward secret list [PROJECT] [--json]`: typed rows streamed into one buffered
//! writer. Building a `serde_json::Value` per secret (and a line-buffered `println!` per
//! line) made 50,000 secrets cost most of a second in allocation; the fields stay in
//! alphabetical order, as the document has always been.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use super::common::{hint_if_empty, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::engine::report::{VarRow, var_row};
use crate::ops::{Query, Reply};
use crate::vault::{Listed, Policy, SecretId, Shape, format_duration, rfc3339};

#[derive(Serialize)]
struct SecretRow<'a> {
    created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a [String]>,
    id: u64,
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: &'a Option<String>,
    project: &'a str,
    rotation: Vec<PolicyRow<'a>>,
    targets: Vec<VarRow<'a>>,
    updated: String,
    version: u32,
}

/// A rotation policy as `secret list --json` and `secret policy --json` show it.
#[derive(Serialize)]
pub struct PolicyRow<'a> {
    every: String,
    field: &'a Option<String>,
    generate: String,
    last_rotated: Option<String>,
    next_due: String,
}

pub fn policy_row(p: &Policy) -> PolicyRow<'_> {
    PolicyRow {
        every: format_duration(p.every),
        field: &p.field,
        generate: p.generator.to_string(),
        last_rotated: p.last_rotated.map(rfc3339),
        next_due: rfc3339(p.next_due),
    }
}

pub fn list(g: &GlobalArgs, project: Option<String>, json: bool) -> CmdResult {
    let s = session(g)?;
    let reply = s.query(Query::Secrets { project })?;
    let Reply::Secrets(listing) = reply else {
        return Err(unexpected(&reply));
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let policies: HashMap<SecretId, Vec<Policy>> = listing.policies.into_iter().collect();
        // One pass over the status, not one per secret.
        let mut targets: HashMap<&str, Vec<VarRow>> = HashMap::new();
        for v in &listing.status {
            targets
                .entry(v.secret.as_str())
                .or_default()
                .push(var_row(v));
        }
        let mut key = String::new();
        let rows: Vec<SecretRow> = listing
            .secrets
            .iter()
            .map(|s: &Listed| {
                key.clear();
                key.push_str(&s.project);
                key.push('/');
                key.push_str(&s.meta.name);
                SecretRow {
                    created: rfc3339(s.meta.created),
                    fields: match &s.meta.shape {
                        Shape::Simple => None,
                        Shape::Structured { fields } => Some(fields),
                    },
                    id: s.meta.id.0,
                    kind: match s.meta.shape {
                        Shape::Simple => "simple",
                        Shape::Structured { .. } => "structured",
                    },
                    name: &s.meta.name,
                    note: &s.meta.note,
                    project: &s.project,
                    rotation: policies
                        .get(&s.meta.id)
                        .map(|ps| ps.iter().map(policy_row).collect())
                        .unwrap_or_default(),
                    targets: targets.remove(key.as_str()).unwrap_or_default(),
                    updated: rfc3339(s.meta.updated),
                    version: s.meta.version,
                }
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        out.write_all(b"\n")?;
        out.flush()?;
        return Ok(());
    }
    hint_if_empty(
        listing.secrets.len(),
        "no secrets yet: add one with `keyward secret set PROJECT/NAME` (the value on stdin)",
    );
    for s in &listing.secrets {
        write!(
            out,
            "{}/{}\tv{}\tupdated {}",
            s.project,
            s.meta.name,
            s.meta.version,
            rfc3339(s.meta.updated)
        )?;
        if let Shape::Structured { fields } = &s.meta.shape {
            write!(out, "\t[{}]", fields.join(", "))?;
        }
        writeln!(out)?;
    }
    out.flush()?;
    Ok(())
}
