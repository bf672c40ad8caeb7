//! `keyward sync | status | drift | retry`.

use std::io::Write;

use super::common::{print_json, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Query, Reply, Request, SyncOutcome};
use crate::vault::{
    KeyRotation, LegacyKeysState, Millis, SigningRotation, SyncState, Target, TargetTotals,
    VarStatus, rfc3339,
};

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
    #[arg(long, conflicts_with = "watch")]
    pub json: bool,
    /// Follow the running owner's events live (pushes, failures, health, rotations)
    #[arg(long)]
    pub watch: bool,
    /// With --watch: one JSON object per line
    #[arg(
        long,
        requires = "watch",
        value_name = "text|json",
        default_value = "text"
    )]
    pub format: String,
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
    let s = session(g)?;
    if a.plan {
        let plans = match s.call(Request::Plan { target: None })? {
            Reply::Plans(p) => p,
            other => return Err(unexpected(&other)),
        };
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
    let timeout_ms = a.timeout.map(|s| s.saturating_mul(1000));
    match s.call(Request::Sync { timeout_ms })? {
        Reply::Synced(o) => summary(&o, a.wait),
        other => Err(unexpected(&other)),
    }
}

fn summary(o: &SyncOutcome, strict: bool) -> CmdResult {
    let failed: Vec<&VarStatus> = o
        .status
        .iter()
        .filter(|s| {
            s.state.state == SyncState::Failed
                || (s.state.error.is_some() && s.state.state == SyncState::Removing)
        })
        .collect();
    let synced = o
        .status
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
    if !o.finished {
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

pub fn status(g: &GlobalArgs, a: StatusArgs) -> CmdResult {
    if a.watch {
        return super::daemon::watch(g, &a.format);
    }
    let s = session(g)?;
    let reply = s.query(Query::Status)?;
    let Reply::Status {
        targets,
        variables: vars,
        legacy,
        key_rotations: keys,
        signing_rotations: signing,
        now,
    } = reply
    else {
        return Err(unexpected(&reply));
    };
    let v = StatusView {
        targets,
        vars,
        legacy,
        keys,
        signing,
        now,
    };
    if a.json {
        return status_json(&v);
    }
    super::common::hint_if_empty(
        v.targets.len(),
        "nothing is synced yet: connect (`keyward connect`), add a target and map secrets to it",
    );
    status_text(&v)
}

/// What `status` shows, as the owner answered it.
struct StatusView {
    targets: Vec<(Target, TargetTotals)>,
    vars: Vec<VarStatus>,
    legacy: Vec<(String, LegacyKeysState)>,
    keys: Vec<KeyRotation>,
    signing: Vec<SigningRotation>,
    now: Millis,
}

/// `status --json` (docs/json.md).
fn status_json(v: &StatusView) -> CmdResult {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        legacy_keys: Vec<serde_json::Value>,
        rotations: Vec<serde_json::Value>,
        targets: Vec<crate::engine::report::TargetRow<'a>>,
        variables: Vec<crate::engine::report::VarRow<'a>>,
    }
    use super::rotation_list::{key_row, signing_row};
    print_json(&Doc {
        legacy_keys: v
            .legacy
            .iter()
            .map(|(t, l)| {
                serde_json::json!({
                    "target": t, "enabled": l.enabled, "checked": rfc3339(l.checked),
                    "message": l.message,
                })
            })
            .collect(),
        rotations: v
            .keys
            .iter()
            .map(|r| key_row(r, v.now))
            .chain(v.signing.iter().map(|r| signing_row(r, v.now)))
            .collect(),
        targets: crate::engine::report::grouped(&v.targets, |(t, _)| t)
            .into_iter()
            .map(|(t, n)| crate::engine::report::target_row(t, n))
            .collect(),
        variables: v.vars.iter().map(crate::engine::report::var_row).collect(),
    })
}

/// `status` as text: each target with its health, legacy keys and variables, then the
/// rotations.
fn status_text(v: &StatusView) -> CmdResult {
    // Each target's variables, in one pass; one write at the end.
    let mut by_target: std::collections::HashMap<&str, Vec<&VarStatus>> = Default::default();
    for var in &v.vars {
        by_target.entry(var.target.as_str()).or_default().push(var);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (t, _) in crate::engine::report::grouped(&v.targets, |(t, _)| t) {
        let (pad, what) = target_what(t);
        writeln!(
            out,
            "{pad}{} ({what}) via {}: {}",
            t.project_ref,
            t.connection,
            target_health(t)
        )?;
        if let Some((_, l)) = v.legacy.iter().find(|(r, _)| *r == t.project_ref) {
            let state = match l.enabled {
                Some(true) => "enabled",
                Some(false) => "disabled",
                None => "gone",
            };
            writeln!(
                out,
                "  legacy API keys: {state} (checked {})",
                rfc3339(l.checked)
            )?;
        }
        for var in by_target.get(t.project_ref.as_str()).into_iter().flatten() {
            writeln!(
                out,
                "{pad}  {}\t{}\t{}\t{}",
                var.variable,
                var.secret,
                var.state.state.as_str(),
                var_detail(var)
            )?;
        }
    }
    if !v.keys.is_empty() || !v.signing.is_empty() {
        writeln!(out, "rotations:")?;
        for l in super::rotation_list::lines(&v.keys, &v.signing, v.now) {
            writeln!(out, "  {l}")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// A target's indent and description: a branch reads under its parent, indented.
fn target_what(t: &Target) -> (&'static str, String) {
    match &t.branch {
        Some(b) => (
            "  ",
            format!(
                "branch {} of {}: {}{}, {}",
                b.name,
                b.parent,
                b.git_branch
                    .as_deref()
                    .map(|g| format!("git {g}, "))
                    .unwrap_or_default(),
                b.kind(),
                b.state("waiting to be ready")
            ),
        ),
        None => ("", t.name.clone()),
    }
}

/// A target's health (a branch's is its own).
fn target_health(t: &Target) -> String {
    if t.health.unhealthy {
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
    }
}

/// The last column of a variable's line: when it was synced, or why it failed.
fn var_detail(v: &VarStatus) -> String {
    match v.state.state {
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
    }
}

pub fn drift(g: &GlobalArgs, a: DriftArgs) -> CmdResult {
    let s = session(g)?;
    let report = match s.call(Request::Drift {
        target: a.target.clone(),
    })? {
        Reply::Drift(d) => d,
        other => return Err(unexpected(&other)),
    };
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
    let s = session(g)?;
    match s.call(Request::Retry {
        target: a.target,
        wait: true,
    })? {
        Reply::Synced(o) => summary(&o, true),
        other => Err(unexpected(&other)),
    }
}
