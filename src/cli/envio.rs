//! `keyward import PROJECT FILE.env [--dry-run]` and `keyward export PROJECT`.

use std::io::Write;
use std::path::PathBuf;

use super::autopush::{before, push};
use super::common::{open, print_json};
use super::{CmdResult, GlobalArgs};
use crate::vault::{Change, Outcome};

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
    let vault = open(g)?;
    let b = before(g, &vault);
    let plan = vault.write(|tx| tx.import_env(&a.project, &text, a.dry_run))?;
    let pushed = push(vault, b);
    if a.json {
        return print_json(
            &serde_json::json!({ "project": a.project, "dry_run": a.dry_run, "changes": plan, "push": pushed }),
        );
    }
    let verb = |c: Change| match (c, a.dry_run) {
        (Change::Create, true) => "would create",
        (Change::Update, true) => "would update",
        (Change::Create, false) => "created",
        (Change::Update, false) => "updated",
        (Change::Unchanged, _) => "unchanged",
    };
    for p in &plan {
        println!("{}\t{}", verb(p.change), p.name);
    }
    Ok(())
}

pub fn export(g: &GlobalArgs, a: ExportArgs) -> CmdResult {
    let vault = open(g)?;
    let (lines, skipped) = vault.read()?.export_env(&a.project)?;
    // The export reveals values: record it before anything is printed.
    vault.write(|tx| {
        tx.audit(
            "export",
            &a.project,
            Outcome::Ok,
            &format!("{} variable(s)", lines.len()),
        )
    })?;
    let mut out = std::io::stdout().lock();
    for l in &lines {
        writeln!(out, "{}", l.as_str())?;
    }
    for s in skipped {
        eprintln!(
            "warning: {}/{s} has no usable environment name and was left out",
            a.project
        );
    }
    Ok(())
}
