//! One target's batch: read its outbox, list what Supabase holds (names and digests),
//! plan, send one bulk upsert and one bulk delete, record the outcome in one write.
//!
//! A rejected upsert is split in halves until the offending variables are alone, so
//! only they are marked failed and the rest sync. A batch that fails as a whole (401,
//! 5xx, a timeout) leaves Supabase as it was and counts toward the target's health;
//! a 429 is waited out inside `Clients::call` and never counts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use zeroize::Zeroizing;

use super::clients::Clients;
use super::plan::{self, Desired, Refusal, Remote, TargetState};
use crate::supabase::api::{NewSecret, secret_digest};
use crate::supabase::{Client, Error};
use crate::vault::names;
use crate::vault::{Connection, Millis, OutboxOp, SyncState, Target, Vault, VaultError};

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

/// Everything a batch needs, read from one snapshot.
pub(crate) struct Snapshot {
    pub target: Target,
    pub conn: Connection,
    /// Due operations.
    pub ops: Vec<(String, OutboxOp)>,
    pub values: BTreeMap<String, Zeroizing<String>>,
    pub state: TargetState,
    /// Refused before sending (bad name or value): (var, reason).
    pub invalid: Vec<(String, String)>,
    /// A rename's old names whose new names are not due now (waiting for a retry):
    /// kept live, and waiting with them.
    pub held: Vec<(String, Vec<String>)>,
}

pub(crate) fn snapshot(vault: &Vault, target: &str, now: Millis) -> Result<Snapshot, VaultError> {
    let r = vault.read()?;
    let t = r.target(target)?;
    let conn = r.connection(&t.connection)?;
    let vars = r.var_rows(target)?;
    let mut snap = Snapshot {
        state: TargetState {
            owned: r.owned_names(target)?,
            ..TargetState::default()
        },
        target: t,
        conn,
        ops: Vec::new(),
        values: BTreeMap::new(),
        invalid: Vec::new(),
        held: Vec::new(),
    };
    let due = |s: &crate::vault::VarState| s.next_retry.is_none_or(|at| at <= now);
    for (var, op) in r.outbox(target)? {
        let st = vars.iter().find(|(n, _)| *n == var).map(|(_, s)| s);
        if st.is_some_and(|s| !due(s)) {
            continue;
        }
        match &op {
            OutboxOp::Delete => {
                if !deletion(&mut snap, &vars, &var, st, due) {
                    continue;
                }
            }
            OutboxOp::Upsert {
                secret,
                field,
                version,
            } => {
                let Some(value) = r.variable_value(*secret, *version, field.as_deref())? else {
                    snap.invalid
                        .push((var.clone(), "the value is gone from the vault".into()));
                    continue;
                };
                if let Err(e) =
                    names::check_env_name(&var).and_then(|()| names::check_value(&var, &value))
                {
                    snap.invalid.push((var.clone(), e.to_string()));
                    continue;
                }
                snap.state.desired.push(Desired {
                    name: var.clone(),
                    digest: secret_digest(&value),
                    version: u64::from(*version),
                });
                snap.values.insert(var.clone(), value);
                if let Some(pv) = st.and_then(|s| s.pushed_version)
                    && let Some(old) = r.variable_value(*secret, pv, field.as_deref())?
                {
                    snap.state.pushed.insert(var.clone(), secret_digest(&old));
                }
            }
        }
        snap.ops.push((var, op));
    }
    Ok(snap)
}

/// A deletion due now, noted in `snap`; false when it is held instead (a rename whose
/// new names are waiting for a retry).
fn deletion(
    snap: &mut Snapshot,
    vars: &[(String, crate::vault::VarState)],
    var: &str,
    st: Option<&crate::vault::VarState>,
    due: impl Fn(&crate::vault::VarState) -> bool,
) -> bool {
    // A rename: the secret's new names on this target not yet there. The old
    // name may go only once they are.
    let new: Vec<&(String, crate::vault::VarState)> = match st {
        Some(s) => vars
            .iter()
            .filter(|(n, v)| {
                n.as_str() != var
                    && v.secret == s.secret
                    && matches!(v.state, SyncState::Pending | SyncState::Failed)
            })
            .collect(),
        _ => Vec::new(),
    };
    let names: Vec<String> = new.iter().map(|(n, _)| n.clone()).collect();
    if new.iter().any(|(_, v)| !due(v)) {
        snap.held.push((var.to_owned(), names));
        return false;
    }
    if !names.is_empty() {
        snap.state.replacing.insert(var.to_owned(), names);
    }
    snap.state.deletions.push(var.to_owned());
    true
}

fn refusal_text(name: &str, target: &str, r: &Refusal) -> String {
    match r {
        Refusal::NotOwned => format!(
            "{name} exists on {target} and keyward did not create it: map it again with --adopt to take it over"
        ),
        Refusal::OverCap { cap, would_be } => format!(
            "{target} would hold {would_be} secrets, over Supabase's cap of {cap}: unmap some, or bundle related values as one structured secret stored as JSON"
        ),
    }
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
    let outcome = send(&vault, &clients, &snap).await;
    record(vault, &clients, snap, outcome).await
}

async fn send(vault: &Arc<Vault>, clients: &Clients, snap: &Snapshot) -> Outcome {
    let mut out = Outcome {
        failed: snap.invalid.clone(),
        held: snap.held.clone(),
        ..Outcome::default()
    };
    let r = snap.target.project_ref.as_str();
    let all_fail = |out: &mut Outcome, e: String| {
        for (var, _) in &snap.ops {
            if !out.failed.iter().any(|(n, _)| n == var) {
                out.failed.push((var.clone(), e.clone()));
            }
        }
        out.target_error = Some(e);
    };
    if snap.state.desired.is_empty() && snap.state.deletions.is_empty() {
        return out;
    }
    // A whole-batch failure fails the rename's new name: its old name stays, and waits.
    let hold_renames = |out: &mut Outcome| {
        for (old, new) in &snap.state.replacing {
            out.failed.retain(|(n, _)| n != old);
            out.held.push((old.clone(), new.clone()));
        }
    };
    let client = match clients.client(&snap.conn) {
        Ok(c) => c,
        Err(e) => {
            all_fail(&mut out, e);
            return out;
        }
    };
    let listed = client.list_secrets(r).await;
    let remote = match listed {
        Ok(l) => l,
        Err(e) => {
            all_fail(&mut out, e.to_string());
            hold_renames(&mut out);
            return out;
        }
    };
    let mut state = snap.state.clone();
    state.remote = remote
        .into_iter()
        .map(|s| Remote {
            name: s.name,
            digest: s.value,
        })
        .collect();
    let p = plan::plan(&state);
    planned(snap, &p, &mut out);
    if let Err(e) = claim(vault, r, &p).await {
        all_fail(
            &mut out,
            format!("cannot record ownership in the vault: {e}"),
        );
        hold_renames(&mut out);
        return out;
    }
    execute(snap, &client, &p, &mut out).await;
    if let Some(e) = out.target_error.clone() {
        fail_undone(snap, &mut out, e);
    }
    out
}

/// What the plan settles before anything is sent: the unchanged (recorded as pushed),
/// the overwritten, the refused, the held and the forgotten.
fn planned(snap: &Snapshot, p: &plan::Plan, out: &mut Outcome) {
    let r = snap.target.project_ref.as_str();
    let op_of = |name: &str| {
        snap.ops
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, o)| o.clone())
    };
    for d in &p.unchanged {
        if let Some(op) = op_of(&d.name) {
            out.pushed.push((d.name.clone(), op));
            out.unchanged += 1;
        }
    }
    out.overwritten = p
        .upserts
        .iter()
        .filter(|u| u.kind == plan::UpsertKind::OverwriteDrift)
        .map(|u| u.name.clone())
        .collect();
    for (name, why) in &p.refused {
        out.failed.push((name.clone(), refusal_text(name, r, why)));
    }
    out.held.extend(p.held.iter().cloned());
    out.forgotten = p.forgotten.clone();
}

/// The names the plan creates, recorded as keyward's before they are sent.
async fn claim(vault: &Arc<Vault>, r: &str, p: &plan::Plan) -> Result<(), String> {
    let creates: Vec<String> = p
        .upserts
        .iter()
        .filter(|u| u.kind == plan::UpsertKind::Create)
        .map(|u| u.name.clone())
        .collect();
    if !creates.is_empty() {
        let (v, t) = (vault.clone(), r.to_string());
        let claimed =
            tokio::task::spawn_blocking(move || v.write(|tx| tx.claim_names(&t, &creates)))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()));
        claimed?;
    }
    Ok(())
}

/// The plan's deletes and upserts, in the order it asks for; a rename's old names last.
async fn execute(snap: &Snapshot, client: &Client, p: &plan::Plan, out: &mut Outcome) {
    let upserts: Vec<String> = p.upserts.iter().map(|u| u.name.clone()).collect();
    let order_deletes_first = p.deletes_first;
    if order_deletes_first {
        delete(snap, client, &p.deletes, out).await;
    }
    if out.target_error.is_none() {
        upsert(snap, client, upserts, out).await;
    }
    // A rename's old name goes once every new name is there; else it stays live.
    let landed: BTreeSet<&str> = out.pushed.iter().map(|(n, _)| n.as_str()).collect();
    let mut after = Vec::new();
    for (old, new) in &p.deferred {
        if out.target_error.is_none() && new.iter().all(|n| landed.contains(n.as_str())) {
            after.push(old.clone());
        } else {
            out.held.push((old.clone(), new.clone()));
        }
    }
    if !order_deletes_first && out.target_error.is_none() {
        after.extend(p.deletes.iter().cloned());
    }
    if out.target_error.is_none() {
        delete(snap, client, &after, out).await;
    }
}

/// Whatever was not done is failed with the batch's error `e`.
fn fail_undone(snap: &Snapshot, out: &mut Outcome, e: String) {
    let done: BTreeSet<String> = out
        .pushed
        .iter()
        .map(|(n, _)| n.clone())
        .chain(out.deleted.iter().cloned())
        .chain(out.forgotten.iter().cloned())
        .chain(out.failed.iter().map(|(n, _)| n.clone()))
        .chain(out.held.iter().map(|(n, _)| n.clone()))
        .collect();
    for (var, _) in &snap.ops {
        if !done.contains(var) {
            out.failed.push((var.clone(), e.clone()));
        }
    }
}

async fn delete(snap: &Snapshot, client: &Client, names: &[String], out: &mut Outcome) {
    if names.is_empty() {
        return;
    }
    let r = snap.target.project_ref.as_str();
    let res = client.delete_secrets(r, names).await;
    match res {
        Ok(()) => out.deleted.extend(names.iter().cloned()),
        Err(e) => {
            for n in names {
                out.failed.push((n.clone(), e.to_string()));
            }
            out.target_error = Some(e.to_string());
        }
    }
}

/// Sends `names` as one upsert; on a 4xx rejection, splits to find the offenders.
async fn upsert(snap: &Snapshot, client: &Client, names: Vec<String>, out: &mut Outcome) {
    let r = snap.target.project_ref.as_str();
    let mut queue = vec![names];
    while let Some(batch) = queue.pop() {
        if batch.is_empty() {
            continue;
        }
        let body: Vec<NewSecret> = batch
            .iter()
            .map(|n| NewSecret::new(n.clone(), snap.values[n].as_str()))
            .collect();
        let res = client.upsert_secrets(r, &body).await;
        drop(body);
        match res {
            Ok(()) => {
                for n in batch {
                    if let Some(op) = snap.ops.iter().find(|(v, _)| *v == n).map(|(_, o)| o) {
                        out.pushed.push((n, op.clone()));
                    }
                }
            }
            Err(e) if is_rejection(&e) && batch.len() > 1 => {
                let mut a = batch;
                let b = a.split_off(a.len() / 2);
                queue.push(b);
                queue.push(a);
            }
            Err(e) if is_rejection(&e) => out.failed.push((batch[0].clone(), e.to_string())),
            Err(e) => {
                for n in batch {
                    out.failed.push((n, e.to_string()));
                }
                for rest in queue.drain(..) {
                    for n in rest {
                        out.failed.push((n, e.to_string()));
                    }
                }
                out.target_error = Some(e.to_string());
                return;
            }
        }
    }
}

/// Supabase refused the content (a name, a value, the cap), not the request.
fn is_rejection(e: &Error) -> bool {
    matches!(e, Error::Rejected { status, .. } if (400..500).contains(status) && *status != 429)
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
