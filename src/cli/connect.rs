//! `keyward connect | connections | reconnect | disconnect`.

use std::sync::Arc;

use super::common::{open, print_json, read_value};
use super::engine_rt::{client_for, runtime, start, wait_until};
use super::{CmdResult, GlobalArgs};
use crate::supabase::client::DEFAULT_INSTANCE_URL;
use crate::vault::{Vault, rfc3339};

#[derive(clap::Args, Debug)]
pub struct ConnectArgs {
    /// A name for this connection (e.g. the account or org)
    pub name: String,
    /// The Management API's URL (self-hosted or proxied)
    #[arg(long, default_value = DEFAULT_INSTANCE_URL)]
    pub url: String,
    /// For a token scoped to projects: a project it can read, to validate against
    #[arg(long, value_name = "REF")]
    pub project_ref: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ConnectionsArgs {
    /// Print the result as one JSON document (see docs/json.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ReconnectArgs {
    pub name: String,
}

#[derive(clap::Args, Debug)]
pub struct DisconnectArgs {
    pub name: String,
    /// Remove its targets first (deleting every variable keyward put there)
    #[arg(long)]
    pub remove_targets: bool,
}

const REVOKE_HINT: &str =
    "revoke it on Supabase too: https://supabase.com/dashboard/account/tokens";

/// Reads the token from stdin and checks it with the API before anything is stored.
fn validated(
    url: &str,
    project_ref: Option<&str>,
) -> CmdResult<(zeroize::Zeroizing<String>, usize)> {
    let token = read_value(None, "the access token")?;
    let token = zeroize::Zeroizing::new(token.trim().to_string());
    if token.is_empty() {
        return Err("no token on stdin: pipe the Personal Access Token in, e.g. `keyward connect NAME < token.txt`".into());
    }
    let client = client_for(url, &token)?;
    let v = runtime()?.block_on(client.validate_token(project_ref))?;
    if let Some(w) = &v.format_warning {
        eprintln!("warning: {w}");
    }
    Ok((token, v.projects().len()))
}

pub fn connect(g: &GlobalArgs, a: ConnectArgs) -> CmdResult {
    let vault = open(g)?;
    let (token, seen) = validated(&a.url, a.project_ref.as_deref())?;
    let c =
        vault.write(|tx| tx.add_connection(&a.name, &a.url, a.project_ref.as_deref(), &token))?;
    println!(
        "connected {} ({} project(s) visible; token …{})",
        c.name, seen, c.fingerprint
    );
    Ok(())
}

pub fn reconnect(g: &GlobalArgs, a: ReconnectArgs) -> CmdResult {
    let vault = open(g)?;
    let conn = vault.read()?.connection(&a.name)?;
    let (token, _) = validated(&conn.url, conn.project_ref.as_deref())?;
    let c = vault.write(|tx| tx.reconnect(&a.name, &token))?;
    println!(
        "reconnected {} (token …{}); its targets are healthy again: run `keyward sync` to push what is pending",
        c.name, c.fingerprint
    );
    Ok(())
}

pub fn connections(g: &GlobalArgs, a: ConnectionsArgs) -> CmdResult {
    let vault = open(g)?;
    let r = vault.read()?;
    let conns = r.connections()?;
    let targets = r.targets()?;
    if a.json {
        let rows: Vec<_> = conns
            .iter()
            .map(|c| {
                let refs: Vec<&str> = targets
                    .iter()
                    .filter(|t| t.connection == c.name)
                    .map(|t| t.project_ref.as_str())
                    .collect();
                serde_json::json!({
                    "name": c.name, "url": c.url, "project_ref": c.project_ref,
                    "fingerprint": c.fingerprint, "created": rfc3339(c.created), "targets": refs,
                })
            })
            .collect();
        return print_json(&rows);
    }
    super::common::hint_if_empty(
        conns.len(),
        "no connections yet: add one with `keyward connect NAME` (a Supabase access token on stdin)",
    );
    for c in conns {
        let n = targets.iter().filter(|t| t.connection == c.name).count();
        println!(
            "{}\t{}\ttoken …{}\t{n} target(s)",
            c.name, c.url, c.fingerprint
        );
    }
    Ok(())
}

pub fn disconnect(g: &GlobalArgs, a: DisconnectArgs) -> CmdResult {
    let vault = Arc::new(open(g)?);
    let refs: Vec<String> = vault
        .read()?
        .targets()?
        .into_iter()
        .filter(|t| t.connection == a.name)
        .map(|t| t.project_ref)
        .collect();
    vault.read()?.connection(&a.name)?;
    if !refs.is_empty() {
        if !a.remove_targets {
            return Err(format!(
                "the connection {} still has target(s) {}: remove them with `keyward target rm REF`, or `keyward disconnect {} --remove-targets`",
                a.name,
                refs.join(", "),
                a.name
            )
            .into());
        }
        for r in &refs {
            let r = r.clone();
            vault.write(move |tx| tx.remove_target(&r).map(|_| ()))?;
        }
        remove_wait(&vault, &refs)?;
    }
    vault.write(|tx| tx.disconnect(&a.name))?;
    println!(
        "disconnected {}: the token was deleted from the vault; {REVOKE_HINT}",
        a.name
    );
    Ok(())
}

/// Runs the engine until the removed targets' deletes are done.
pub fn remove_wait(vault: &Arc<Vault>, refs: &[String]) -> CmdResult {
    let rt = runtime()?;
    let gone = |v: &Vault| {
        v.read()
            .and_then(|r| r.targets())
            .map(|ts| {
                ts.iter().all(|t| {
                    !refs.contains(&t.project_ref)
                        || (t.health.consecutive_failures > 0 && super::engine_rt::settled(v))
                })
            })
            .unwrap_or(true)
    };
    let done = rt.block_on(async {
        let h = start(vault);
        h.kick();
        let ok = wait_until(&h, vault, Some(std::time::Duration::from_secs(120)), gone).await;
        h.shutdown();
        ok
    });
    let r = vault.read()?;
    let left: Vec<String> = r
        .targets()?
        .into_iter()
        .filter(|t| refs.contains(&t.project_ref))
        .map(|t| {
            format!(
                "{} ({})",
                t.project_ref,
                t.health.last_error.unwrap_or_else(|| "not done yet".into())
            )
        })
        .collect();
    if !done || !left.is_empty() {
        return Err(format!(
            "keyward's variables could not all be deleted from {}: they stay queued; fix the cause and run `keyward sync --wait`",
            left.join(", ")
        )
        .into());
    }
    Ok(())
}
