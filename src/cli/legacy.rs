//! `keyward legacy-keys status | disable [--yes] | enable REF`: retiring a project's
//! legacy `anon`/`service_role` API keys with a plan first and a check after.

use std::io::{BufRead, Write};

use super::common::{has_tty, print_json, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{LegacyAction, LegacyReport, Reply, Request};

#[derive(clap::Subcommand, Debug)]
pub enum LegacyCmd {
    /// Whether they are enabled, and which vault secrets hold their values (and where
    /// those are mapped)
    Status {
        #[arg(value_name = "REF")]
        target: String,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Disable them, after showing what still uses them; checks the publishable key
    /// still answers and the anon key no longer does (rolls back if clients would break)
    Disable {
        #[arg(value_name = "REF")]
        target: String,
        /// Go ahead without asking (the plan is still printed)
        #[arg(long)]
        yes: bool,
    },
    /// Enable them again: the roll-back of a disable, in one step
    Enable {
        #[arg(value_name = "REF")]
        target: String,
    },
}

fn report(r: Reply) -> CmdResult<LegacyReport> {
    match r {
        Reply::LegacyKeys(rep) => Ok(*rep),
        other => Err(unexpected(&other)),
    }
}

fn print_report(r: &LegacyReport) {
    for l in r.lines() {
        println!("{l}");
    }
    if r.publishable.is_none() {
        println!(
            "  (`keyward supabase-key create NAME --target {} --type publishable` creates one)",
            r.target
        );
    }
}

/// Asks on the terminal; false when there is none or the answer is not yes.
fn confirm(question: &str) -> bool {
    let Ok(mut tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return false;
    };
    let _ = write!(tty, "{question} [y/N] ");
    let _ = tty.flush();
    let mut line = String::new();
    let _ = std::io::BufReader::new(tty).read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes")
}

pub fn run(g: &GlobalArgs, c: LegacyCmd) -> CmdResult {
    let s = session(g)?;
    let call = |target: &str, action| {
        s.call(Request::LegacyKeys {
            target: target.to_owned(),
            action,
        })
        .and_then(report)
    };
    match c {
        LegacyCmd::Status { target, json } => {
            let r = call(&target, LegacyAction::Status)?;
            if json {
                return print_json(&r);
            }
            print_report(&r);
        }
        LegacyCmd::Disable { target, yes } => {
            let plan = call(&target, LegacyAction::Disable { confirm: false })?;
            print_report(&plan);
            if plan.enabled != Some(true) {
                return Ok(());
            }
            if !yes {
                let asked =
                    has_tty() && confirm(&format!("Disable the legacy API keys of {target}?"));
                if !asked {
                    return Err(format!(
                        "nothing changed: run `keyward legacy-keys disable {target} --yes` to disable them"
                    )
                    .into());
                }
            }
            let done = call(&target, LegacyAction::Disable { confirm: true })?;
            for c in &done.checks {
                println!("checked: {c}");
            }
            println!(
                "{target}: legacy API keys disabled; `keyward legacy-keys enable {target}` rolls back"
            );
        }
        LegacyCmd::Enable { target } => {
            let done = call(&target, LegacyAction::Enable)?;
            for c in &done.checks {
                println!("checked: {c}");
            }
            println!("{target}: legacy API keys {}", done.state());
        }
    }
    Ok(())
}
