//! Pushing a headless command's own change before it exits (product.md §4: a change to
//! a mapped secret reaches every target that maps it). The command snapshots the outbox
//! before its write; whatever rows the write added or rewrote are pushed by the engine
//! runner `sync --wait` uses, limited to the targets they belong to, with a bounded
//! wait. A failure leaves the work queued (the vault change already committed), so the
//! command still succeeds and says what `keyward sync` or the daemon will retry.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::engine_rt::{runtime, start_for, wait_until};
use super::{CmdResult, GlobalArgs};
use crate::vault::{OutboxRows, RowState, Vault, touched_rows};

/// How long a command waits for its push; the engine's request timeouts bound each
/// request inside it. KEYWARD_PUSH_TIMEOUT_MS overrides it (tests, slow links).
const PUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// The outbox before a command's write; None under --no-push (nothing will be pushed).
pub struct Before(Option<OutboxRows>);

/// What a command's push did, per target it touched.
#[derive(Debug, Default, Serialize)]
pub struct PushReport {
    /// Targets now holding the change.
    pub pushed: Vec<String>,
    /// Targets where the change is still queued, with why.
    pub queued: Vec<Queued>,
}

#[derive(Debug, Serialize)]
pub struct Queued {
    pub target: String,
    pub reason: String,
}

/// Snapshot before the write. A failed read disables the push (the command itself goes
/// on: its change still queues as before).
pub fn before(g: &GlobalArgs, vault: &Vault) -> Before {
    if g.no_push {
        return Before(None);
    }
    Before(vault.read().and_then(|r| r.outbox_rows()).ok())
}

/// Pushes what the write queued and reports it on stderr, one line per outcome. None
/// when nothing was queued (an unmapped secret): no engine, no request.
pub fn push(vault: Vault, before: Before) -> Option<PushReport> {
    let report = push_quiet(vault, before)?;
    for line in report.lines() {
        eprintln!("{line}");
    }
    Some(report)
}

/// `push` without the report on stderr: for a command that fails anyway and must say
/// everything in its one error line.
pub fn push_quiet(vault: Vault, before: Before) -> Option<PushReport> {
    let before = before.0?;
    let after = vault.read().and_then(|r| r.outbox_rows()).ok()?;
    let rows = touched_rows(&before, &after);
    if rows.is_empty() {
        return None;
    }
    let targets: BTreeSet<String> = rows.iter().map(|(t, _)| t.clone()).collect();
    let report = run(vault, &rows, &targets).unwrap_or_else(|e| PushReport {
        pushed: Vec::new(),
        queued: targets
            .iter()
            .map(|t| Queued {
                target: t.clone(),
                reason: e.to_string(),
            })
            .collect(),
    });
    Some(report)
}

fn timeout() -> Duration {
    std::env::var("KEYWARD_PUSH_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis)
        .unwrap_or(PUSH_TIMEOUT)
}

fn run(
    vault: Vault,
    rows: &[(String, String)],
    targets: &BTreeSet<String>,
) -> CmdResult<PushReport> {
    let vault = Arc::new(vault);
    let state = |v: &Vault, t: &str, n: &str| {
        v.read()
            .and_then(|r| r.outbox_row_state(t, n))
            .unwrap_or(RowState::Failed)
    };
    let rt = runtime()?;
    let timeout = timeout();
    let finished = rt.block_on(async {
        let h = start_for(&vault, Some(targets.clone()));
        let done = wait_until(&h, &vault, Some(timeout), |v| {
            rows.iter().all(|(t, n)| state(v, t, n) != RowState::Open)
        })
        .await;
        h.shutdown();
        done
    });
    let status = vault.read()?.sync_status(None)?;
    let mut report = PushReport::default();
    for t in targets {
        let mut reason = None;
        for (_, n) in rows.iter().filter(|(rt, _)| rt == t) {
            match state(&vault, t, n) {
                RowState::Done => {}
                RowState::Failed => {
                    let err = status
                        .iter()
                        .find(|s| &s.target == t && &s.variable == n)
                        .and_then(|s| s.state.error.clone());
                    reason = Some(err.unwrap_or_else(|| {
                        "the target is unhealthy (see `keyward status`)".into()
                    }));
                    break;
                }
                RowState::Open if !finished => {
                    reason = Some(format!("not pushed within {} s", timeout.as_secs()));
                }
                RowState::Open => reason = Some("not pushed yet".into()),
            }
        }
        match reason {
            None => report.pushed.push(t.clone()),
            Some(reason) => report.queued.push(Queued {
                target: t.clone(),
                reason,
            }),
        }
    }
    Ok(report)
}

impl PushReport {
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.pushed.is_empty() {
            out.push(format!("pushed to {} target(s)", self.pushed.len()));
        }
        for q in &self.queued {
            out.push(format!(
                "queued for target {}: {}; it will be retried by `keyward sync` or the daemon",
                q.target, q.reason
            ));
        }
        out
    }
}
