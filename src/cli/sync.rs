//! `keyward sync | status | drift | retry | daemon`.

use std::sync::Arc;
use std::time::Duration;

use super::common::{open, print_json};
use super::engine_rt::{runtime, settled, start, wait_until};
use super::{CmdResult, GlobalArgs};
use crate::engine::EngineConfig;
use crate::engine::clients::Clients;
use crate::vault::{SyncState, VarStatus, Vault, rfc3339};

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// Show what would be created, updated and deleted per target; change nothing
    #[arg(long)]
    pub plan: bool,
    /// Wait until nothing is pending; exit 1 if anything failed
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this many seconds
    #[arg(long, requires = "wait", value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Print the plan as one JSON document (with --plan; see docs/json.md)
    #[arg(long, requires = "plan")]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// Print the result as one JSON document (see docs/json.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct DriftArgs {
    #[arg(value_name = "REF")]
    pub target: Option<String>,
    /// Print the result as one JSON document (see docs/json.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct RetryArgs {
    #[arg(value_name = "REF")]
    pub target: Option<String>,
}

pub fn sync(g: &GlobalArgs, a: SyncArgs) -> CmdResult {
    let vault = Arc::new(open(g)?);
    let rt = runtime()?;
    if a.plan {
        // Without the engine: a dry run must not push what the outbox holds.
        let clients = Arc::new(Clients::new(vault.clone(), EngineConfig::from_env()));
        let plans = rt.block_on(crate::engine::inspect::plan_all(
            vault.clone(),
            clients,
            None,
        ))?;
        if a.json {
            return print_json(&plans);
        }
        for p in plans {
            if let Some(e) = p.error {
                println!("{}: cannot plan: {e}", p.target);
                continue;
            }
            println!(
                "{}: {} to create, {} to update, {} to overwrite (edited on Supabase), {} to delete, {} unchanged",
                p.target,
                p.create.len(),
                p.update.len(),
                p.overwrite.len(),
                p.delete.len(),
                p.unchanged
            );
            for (sign, names) in [
                ("+", &p.create),
                ("~", &p.update),
                ("!", &p.overwrite),
                ("-", &p.delete),
            ] {
                for n in names {
                    println!("  {sign} {n}");
                }
            }
            for (n, why) in p.refused {
                println!("  x {n}: {why}");
            }
        }
        return Ok(());
    }
    let timeout = a.timeout.map(Duration::from_secs);
    let done = rt.block_on(async {
        let h = start(&vault);
        let queued = h.sync_all(None).await;
        let done = wait_until(&h, &vault, timeout, settled).await;
        h.shutdown();
        queued.map(|_| done)
    })?;
    summary(&vault, a.wait, done)
}

fn summary(vault: &Vault, strict: bool, done: bool) -> CmdResult {
    let status = vault.read()?.sync_status(None)?;
    let failed: Vec<&VarStatus> = status
        .iter()
        .filter(|s| {
            s.state.state == SyncState::Failed
                || (s.state.error.is_some() && s.state.state == SyncState::Removing)
        })
        .collect();
    let synced = status
        .iter()
        .filter(|s| s.state.state == SyncState::Synced)
        .count();
    println!("{synced} variable(s) synced, {} failed", failed.len());
    for f in &failed {
        println!(
            "  {} {}: {}",
            f.target,
            f.variable,
            f.state.error.as_deref().unwrap_or("")
        );
    }
    if !done {
        return Err("timed out before everything was pushed: the rest stays queued; run `keyward sync --wait` again".into());
    }
    if strict && !failed.is_empty() {
        let first = failed[0];
        return Err(format!(
            "{} variable(s) failed to sync, first {} on {}: {} (see `keyward status`; `keyward retry` to try again now)",
            failed.len(),
            first.variable,
            first.target,
            first.state.error.as_deref().unwrap_or("unknown error")
        )
        .into());
    }
    Ok(())
}

use crate::engine::report::var_json;

/// The per-target rows of `secret list --json` for one secret.
pub fn secret_targets(all: &[VarStatus], label: &str) -> Vec<serde_json::Value> {
    all.iter()
        .filter(|s| s.secret == label)
        .map(var_json)
        .collect()
}

pub fn status(g: &GlobalArgs, a: StatusArgs) -> CmdResult {
    let vault = open(g)?;
    let r = vault.read()?;
    let targets = r.targets()?;
    let vars = r.sync_status(None)?;
    if a.json {
        let mut ts = Vec::new();
        for t in &targets {
            ts.push(super::target::target_json(
                t,
                &r.target_totals(&t.project_ref)?,
            ));
        }
        let vs: Vec<_> = vars.iter().map(var_json).collect();
        return print_json(&serde_json::json!({ "targets": ts, "variables": vs }));
    }
    super::common::hint_if_empty(
        targets.len(),
        "nothing is synced yet: connect (`keyward connect`), add a target and map secrets to it",
    );
    for t in &targets {
        let health = if t.health.unhealthy {
            format!(
                "UNHEALTHY after {} failures: {} (fix it, then `keyward retry {}`)",
                t.health.consecutive_failures,
                t.health.last_error.as_deref().unwrap_or(""),
                t.project_ref
            )
        } else if t.removing {
            "being removed".into()
        } else {
            "healthy".into()
        };
        println!(
            "{} ({}) via {}: {health}",
            t.project_ref, t.name, t.connection
        );
        for v in vars.iter().filter(|v| v.target == t.project_ref) {
            let extra = match v.state.state {
                SyncState::Synced => format!(
                    "v{} at {}",
                    v.state.pushed_version.unwrap_or(0),
                    v.state.synced_at.map(rfc3339).unwrap_or_default()
                ),
                SyncState::Failed => format!(
                    "{} (attempt {}, next {})",
                    v.state.error.as_deref().unwrap_or(""),
                    v.state.attempts,
                    v.state.next_retry.map(rfc3339).unwrap_or_default()
                ),
                _ => String::new(),
            };
            println!(
                "  {}\t{}\t{}\t{extra}",
                v.variable,
                v.secret,
                v.state.state.as_str()
            );
        }
    }
    Ok(())
}

pub fn drift(g: &GlobalArgs, a: DriftArgs) -> CmdResult {
    let vault = Arc::new(open(g)?);
    let rt = runtime()?;
    let clients = Arc::new(Clients::new(vault.clone(), EngineConfig::from_env()));
    let report = rt.block_on(crate::engine::inspect::drift_all(
        vault.clone(),
        clients,
        a.target.clone(),
    ))?;
    if a.json {
        return print_json(&report);
    }
    for d in report {
        if let Some(e) = d.error {
            println!("{}: cannot list: {e}", d.target);
            continue;
        }
        println!(
            "{}: {} drifted, {} missing, {} unmanaged",
            d.target,
            d.drifted.len(),
            d.missing.len(),
            d.unmanaged.len()
        );
        for n in d.drifted {
            println!("  drifted   {n} (edited on Supabase; the next push overwrites it)");
        }
        for n in d.missing {
            println!("  missing   {n} (deleted on Supabase; `keyward sync` puts it back)");
        }
        for n in d.unmanaged {
            println!("  unmanaged {n}");
        }
    }
    Ok(())
}

pub fn retry(g: &GlobalArgs, a: RetryArgs) -> CmdResult {
    let vault = Arc::new(open(g)?);
    let rt = runtime()?;
    let done = rt.block_on(async {
        let h = start(&vault);
        let r = h.retry(a.target.clone()).await;
        let done = wait_until(&h, &vault, None, settled).await;
        h.shutdown();
        r.map(|_| done)
    })?;
    summary(&vault, true, done)
}

pub fn daemon(g: &GlobalArgs) -> CmdResult {
    let vault = Arc::new(open(g)?);
    let rt = runtime()?;
    rt.block_on(async {
        let h = start(&vault);
        h.kick();
        // The rotation scheduler (vault policies) and the API key rotation driver.
        let rotations_tasks = crate::engine::keyrotation::start(
            vault.clone(),
            h.clone(),
            crate::engine::EngineConfig::from_env(),
        );
        let (targets, rotations) = vault
            .read()
            .map(|r| {
                (
                    r.targets().map(|t| t.len()).unwrap_or(0),
                    r.key_rotations().map(|k| k.len()).unwrap_or(0),
                )
            })
            .unwrap_or((0, 0));
        eprintln!(
            "keyward daemon: syncing {targets} target(s), {rotations} key rotation(s) and the rotation policies; Ctrl-C or SIGTERM stops it"
        );
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await?;
        // Let a rotation in flight finish before the engine stops.
        rotations_tasks
            .stop(std::time::Duration::from_secs(30))
            .await;
        h.shutdown();
        Ok::<(), std::io::Error>(())
    })?;
    Ok(())
}
