//! `keyward import PROJECT FILE.env [--dry-run]` and `keyward export PROJECT`.

use std::io::Write;
use std::path::PathBuf;

use super::common::{print_json, session, unexpected};
use super::secret::report_push;
use super::{CmdResult, GlobalArgs};
use crate::ops::{Change, Outcome, Query, Reply, Sensitive};
use crate::vault::ImportChange;

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    pub project: String,
    #[arg(value_name = "FILE.env")]
    pub file: PathBuf,
    /// List what would be created or updated (names only) and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as one JSON document (see docs/json.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    pub project: String,
    /// Output format (only `env` for now)
    #[arg(long, default_value = "env", value_parser = ["env"])]
    pub format: String,
}

pub fn import(g: &GlobalArgs, a: ImportArgs) -> CmdResult {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(&a.file)
            .map_err(|e| format!("cannot read {}: {e}", a.file.display()))?,
    );
    let s = session(g)?;
    let change = Change::Import {
        project: a.project.clone(),
        text: Sensitive::from(text),
        dry_run: a.dry_run,
    };
    let applied = s.apply(g, vec![change], !a.dry_run)?;
    report_push(&applied.push);
    let plan = match applied.outcomes.into_iter().next() {
        Some(Outcome::Imported(p)) => p,
        _ => Vec::new(),
    };
    if a.json {
        return print_json(
            &serde_json::json!({ "project": a.project, "dry_run": a.dry_run, "changes": plan, "push": applied.push }),
        );
    }
    let verb = |c: ImportChange| match (c, a.dry_run) {
        (ImportChange::Create, true) => "would create",
        (ImportChange::Update, true) => "would update",
        (ImportChange::Create, false) => "created",
        (ImportChange::Update, false) => "updated",
        (ImportChange::Unchanged, _) => "unchanged",
        (ImportChange::Skipped, _) => "skipped",
    };
    for p in &plan {
        println!("{}\t{}", verb(p.change), p.name);
        if p.change == ImportChange::Skipped {
            eprintln!(
                "warning: {} has an empty value and was not imported: the vault keeps no empty secrets (set one with `keyward secret set {}/{}`)",
                p.name, a.project, p.name
            );
        }
    }
    Ok(())
}

pub fn export(g: &GlobalArgs, a: ExportArgs) -> CmdResult {
    let s = session(g)?;
    // The owner records the export before it answers: it reveals values.
    let reply = s.query(Query::Export {
        project: a.project.clone(),
    })?;
    let Reply::Exported { lines, skipped } = reply else {
        return Err(unexpected(&reply));
    };
    let mut out = std::io::stdout().lock();
    for l in &lines {
        writeln!(out, "{}", l.expose())?;
    }
    for s in skipped {
        eprintln!(
            "warning: {}/{s} has no usable environment name and was left out",
            a.project
        );
    }
    Ok(())
}
