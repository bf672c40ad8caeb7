//! One target's batch: read its outbox, list what Supabase holds (names and digests),
//! plan, send one bulk upsert and one bulk delete, record the outcome in one write.
//!
//! A rejected upsert is split in halves until the offending variables are alone, so
//! only they are marked failed and the rest sync. A batch that fails as a whole (401,
//! 5xx, a timeout) leaves Supabase as it was and counts toward the target's health;
//! a 429 is waited out inside `Clients::call` and never counts.

use std::sync::Arc;

use super::clients::Clients;
use crate::vault::{Millis, OutboxOp, SyncState, Vault};

mod send;
mod snapshot;

pub(crate) use snapshot::{Snapshot, snapshot};

/// What one batch did, for events.
#[derive(Debug, Default)]
pub struct BatchReport {
    pub target: String,
    /// (variable, new state; None = gone from the target)
    pub changed: Vec<(String, Option<SyncState>)>,
    pub health: Option<crate::vault::TargetHealth>,
    /// Counts and failures, for the daemon's log line; None when nothing was due.
    pub summary: Option<super::event::BatchSummary>,
    /// What recording the batch changed in the vault (None: not recorded).
    pub touched: Option<crate::vault::Touched>,
}

/// The outcome of sending, before it is recorded.
#[derive(Default)]
struct Outcome {
    /// Already there with the right value (also in `pushed`, which records them).
    unchanged: usize,
    overwritten: Vec<String>,
    pushed: Vec<(String, OutboxOp)>,
    /// A rename's old names kept live because a new name did not land: (old, new).
    held: Vec<(String, Vec<String>)>,
    deleted: Vec<String>,
    forgotten: Vec<String>,
    failed: Vec<(String, String)>,
    /// A whole-batch failure: counts toward the target's health.
    target_error: Option<String>,
}

/// Runs one batch for `target` and records it. Never panics on API errors: they are
/// recorded as failures.
pub async fn run(vault: Arc<Vault>, clients: Arc<Clients>, target: String) -> BatchReport {
    let now = vault.now();
    let snap = match snapshot(&vault, &target, now) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("sync of {target} skipped: {e}");
            return BatchReport {
                target,
                ..BatchReport::default()
            };
        }
    };
    let outcome = send::send(&vault, &clients, &snap).await;
    record(vault, &clients, snap, outcome).await
}

async fn record(vault: Arc<Vault>, clients: &Clients, snap: Snapshot, out: Outcome) -> BatchReport {
    let target = snap.target.project_ref.clone();
    let policy = clients.config().retry.clone();
    let now = vault.now();
    let t2 = target.clone();
    let failed = out.failed.clone();
    let mut summary = super::event::BatchSummary {
        target: target.clone(),
        pushed: out.pushed.len() - out.unchanged,
        deleted: out.deleted.len(),
        unchanged: out.unchanged,
        overwritten: out.overwritten.clone(),
        failed: out.failed.clone(),
    };
    // A drift overwrite that did not go out is not one.
    summary
        .overwritten
        .retain(|n| out.pushed.iter().any(|(p, _)| p == n));
    let nothing = snap.ops.is_empty();
    let written = tokio::task::spawn_blocking(move || {
        vault
            .write_touched(None, |tx| {
                tx.record_pushed(&t2, &out.pushed)?;
                tx.record_deleted(&t2, &out.forgotten, false)?;
                tx.record_deleted(&t2, &out.deleted, true)?;
                let retry_at = |attempts: u32| {
                    let d = policy.delay(attempts, &mut rand::thread_rng());
                    now + d.as_millis() as Millis
                };
                tx.record_failed(&t2, &out.failed, out.target_error.as_deref(), &retry_at)?;
                for (old, new) in &out.held {
                    tx.hold_deletion(&t2, old, new, retry_at(1))?;
                }
                tx.record_target_result(&t2, out.target_error.as_deref(), policy.unhealthy_after)
            })
            .map(|(h, touched)| (h, touched, out.pushed, out.deleted, out.forgotten))
    })
    .await;
    let mut report = BatchReport {
        target,
        summary: (!nothing).then_some(summary),
        ..BatchReport::default()
    };
    match written {
        Ok(Ok((health, touched, pushed, deleted, forgotten))) => {
            report.health = health;
            report.touched = Some(touched);
            for (n, _) in pushed {
                report.changed.push((n, Some(SyncState::Synced)));
            }
            for n in deleted.into_iter().chain(forgotten) {
                report.changed.push((n, None));
            }
            for (n, _) in failed {
                report.changed.push((n, Some(SyncState::Failed)));
            }
        }
        Ok(Err(e)) => tracing::warn!("recording the sync of {} failed: {e}", report.target),
        Err(e) => tracing::warn!("recording the sync of {} failed: {e}", report.target),
    }
    report
}
