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

fn state(r: &LegacyReport) -> String {
    match r.enabled {
        Some(true) => format!("enabled ({})", r.keys.join(", ")),
        Some(false) => "disabled".into(),
        None => "gone (the project has no legacy keys endpoint)".into(),
    }
}

/// What still uses the keys, one line each.
fn plan(r: &LegacyReport) -> Vec<String> {
    let mut out = Vec::new();
    for h in &r.holders {
        let what = match &h.field {
            Some(f) => format!("field {f} of {}", h.secret),
            None => h.secret.clone(),
        };
        let mapped = if h.mapped.is_empty() {
            "not mapped".to_owned()
        } else {
            let to: Vec<String> = h
                .mapped
                .iter()
                .map(|(t, v)| format!("{v} on {t}"))
                .collect();
            format!("mapped as {}", to.join(", "))
        };
        out.push(format!(
            "vault secret {what} holds the {} key; {mapped}",
            h.key
        ));
    }
    for (var, key) in &r.remote {
        let whose = if var.starts_with("SUPABASE_") {
            " (the platform's own variable)"
        } else {
            ""
        };
        out.push(format!(
            "variable {var} on {} holds the {key} key{whose}",
            r.target
        ));
    }
    out
}

fn print_report(r: &LegacyReport) {
    println!("legacy keys of {}: {}", r.target, state(r));
    let uses = plan(r);
    if uses.is_empty() {
        println!(
            "  no vault secret and no variable on {} holds a legacy key",
            r.target
        );
    } else {
        println!("  still in use, as far as keyward can see:");
        for l in uses {
            println!("    {l}");
        }
    }
    match &r.publishable {
        Some(p) => println!("  clients should use the publishable key {p} instead"),
        None => println!(
            "  the project has no publishable key yet: create one before disabling (`keyward supabase-key create NAME --target {} --type publishable`)",
            r.target
        ),
    }
    for c in &r.checks {
        println!("  checked: {c}");
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
            println!("{target}: legacy API keys {}", state(&done));
        }
    }
    Ok(())
}
