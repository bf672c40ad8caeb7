//! Sending a batch: list what Supabase holds, plan, then one bulk upsert and one bulk
//! delete, a rejected upsert split and a whole-batch failure spread as `push` describes.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::engine::clients::Clients;
use crate::engine::plan::{self, Refusal, Remote};
use crate::supabase::api::NewSecret;
use crate::supabase::{Client, Error};
use crate::vault::Vault;

use super::{Outcome, Snapshot};

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

pub(super) async fn send(vault: &Arc<Vault>, clients: &Clients, snap: &Snapshot) -> Outcome {
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
