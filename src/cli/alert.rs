//! `keyward alert list | test KIND | secret NAME`: the alerts of the config file as the
//! vault's owner runs them (docs/user-guide.md "Alerts").

use super::common::{print_json, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::alerts::Kind;
use crate::ops::{Change, Outcome, Query, Reply, Request, Sensitive};
use crate::vault::rfc3339;

#[derive(clap::Subcommand, Debug)]
pub enum AlertCmd {
    /// The alerts the vault's owner runs, with their last delivery
    List {
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Send a sample event of KIND to every alert listening to it, now
    Test {
        /// push_failed, target_unhealthy, target_healthy, drift_found, rotation_failed,
        /// rotation_cleanup_pending, key_revoked or access_key_refused
        kind: String,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Make a webhook alert's signing secret (printed once, whsec_...), or store the
    /// one given on stdin with --stdin
    Secret {
        /// The alert's name in the config file
        name: String,
        /// Read the secret (whsec_...) from stdin instead of making one
        #[arg(long)]
        stdin: bool,
    },
}

pub fn run(g: &GlobalArgs, c: AlertCmd) -> CmdResult {
    match c {
        AlertCmd::List { json } => list(g, json),
        AlertCmd::Test { kind, json } => test(g, &kind, json),
        AlertCmd::Secret { name, stdin } => secret(g, name, stdin),
    }
}

fn list(g: &GlobalArgs, json: bool) -> CmdResult {
    let (file, alerts) = match session(g)?.query(Query::Alerts)? {
        Reply::Alerts { file, alerts } => (file, alerts),
        other => return Err(unexpected(&other)),
    };
    if json {
        return print_json(&serde_json::json!({ "file": file, "alerts": alerts }));
    }
    if alerts.is_empty() {
        let at = file.or_else(|| crate::alerts::config::path().map(|p| p.display().to_string()));
        eprintln!(
            "no alerts: add [[alert]] entries to {} (docs/user-guide.md \"Alerts\")",
            at.unwrap_or_else(|| "the config file".into())
        );
        return Ok(());
    }
    for a in alerts {
        let on: Vec<&str> = a.on.iter().map(|k| k.as_str()).collect();
        let last = match (a.last_at, a.last_ok, &a.last_detail) {
            (Some(at), Some(ok), Some(d)) => {
                format!("{} {}: {d}", rfc3339(at), if ok { "ok" } else { "FAILED" })
            }
            _ => "never sent".into(),
        };
        let secret = match a.signing_secret {
            Some(false) => format!(" (no signing secret: `keyward alert secret {}`)", a.name),
            _ => String::new(),
        };
        println!(
            "{}\t{}{secret}\ton {}\tlast: {last}",
            a.name,
            a.how,
            on.join(",")
        );
    }
    Ok(())
}

fn test(g: &GlobalArgs, kind: &str, json: bool) -> CmdResult {
    let kind: Kind = kind.parse()?;
    let done = match session(g)?.call(Request::AlertTest { kind })? {
        Reply::AlertTest(d) => d,
        other => return Err(unexpected(&other)),
    };
    if json {
        return print_json(&done);
    }
    let failed = done.iter().filter(|d| !d.ok).count();
    for d in &done {
        println!("{}\t{}", d.alert, d.detail());
    }
    if failed > 0 {
        return Err(format!(
            "{failed} of {} alert(s) could not be delivered: see above",
            done.len()
        )
        .into());
    }
    Ok(())
}

fn secret(g: &GlobalArgs, name: String, stdin: bool) -> CmdResult {
    let given = match stdin {
        true => Some(Sensitive::from(super::common::read_value(
            None,
            &format!("the signing secret of {name}"),
        )?)),
        false => None,
    };
    // A typo would store a secret no alert uses: said, not refused (the entry may be
    // added to the file next).
    if let Ok(c) = crate::alerts::Config::load()
        && !c.alerts.iter().any(|a| a.name == name)
    {
        eprintln!(
            "warning: no [[alert]] named {name:?} in {}: the secret is stored for when one is added",
            c.file
                .or_else(crate::alerts::config::path)
                .map_or("the config file".into(), |p| p.display().to_string())
        );
    }
    let s = session(g)?;
    let change = Change::SetAlertSecret {
        name: name.clone(),
        secret: given.clone(),
    };
    let a = s.apply(g, vec![change], false)?;
    let Some(Outcome::AlertSecret(text)) = a.outcomes.into_iter().next() else {
        return Err(
            "the vault's owner did not confirm the secret: restart the owner with this version"
                .into(),
        );
    };
    if given.is_some() {
        eprintln!("stored the signing secret of {name} in the vault");
        return Ok(());
    }
    println!("{}", text.expose());
    eprintln!(
        "stored a new signing secret for {name}: give it to the receiver now, it is shown only this once (a running owner uses it from the next delivery)"
    );
    Ok(())
}
