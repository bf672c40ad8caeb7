//! Looking without writing: the plan of a sync (dry run) and drift (what Supabase holds
//! against what keyward pushed). Names only, never values.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::clients::Clients;
use super::plan::{self, Desired, Remote, TargetState, UpsertKind};
use crate::supabase::api::secret_digest;
use crate::vault::{OutboxOp, SyncState, Vault, VaultError};

/// What a sync would do to one target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetPlan {
    pub target: String,
    pub create: Vec<String>,
    pub update: Vec<String>,
    /// Edited on Supabase out of band; the vault's value will replace it.
    pub overwrite: Vec<String>,
    pub delete: Vec<String>,
    /// (name, why) — not written.
    pub refused: Vec<(String, String)>,
    pub unchanged: usize,
    /// The listing failed: nothing could be planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What drifted on one target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetDrift {
    pub target: String,
    pub drifted: Vec<String>,
    pub missing: Vec<String>,
    pub unmanaged: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The full desired state of a target (every mapped variable, not only queued work).
fn full_state(vault: &Vault, target: &str) -> Result<TargetState, VaultError> {
    let r = vault.read()?;
    let mut st = TargetState {
        owned: r.owned_names(target)?,
        ..TargetState::default()
    };
    for (var, s) in r.var_rows(target)? {
        if s.state == SyncState::Removing {
            continue;
        }
        let Some(v) = r.variable_value(s.secret, s.version, s.field.as_deref())? else {
            continue;
        };
        st.desired.push(Desired {
            name: var.clone(),
            digest: secret_digest(&v),
            version: u64::from(s.version),
        });
        if let Some(pv) = s.pushed_version
            && let Some(old) = r.variable_value(s.secret, pv, s.field.as_deref())?
        {
            st.pushed.insert(var, secret_digest(&old));
        }
    }
    for (var, op) in r.outbox(target)? {
        if op == OutboxOp::Delete {
            st.deletions.push(var);
        }
    }
    Ok(st)
}

/// The names a target holds now (a listing), for mapping-time checks.
pub async fn remote_names(
    vault: Arc<Vault>,
    clients: Arc<Clients>,
    target: String,
) -> Result<std::collections::BTreeSet<String>, VaultError> {
    remote(&vault, &clients, &target)
        .await
        .map(|r| r.into_iter().map(|r| r.name).collect())
        .map_err(|e| VaultError::Invalid(format!("cannot list {target}: {e}")))
}

async fn remote(vault: &Vault, clients: &Clients, target: &str) -> Result<Vec<Remote>, String> {
    let (conn, r) = {
        let read = vault.read().map_err(|e| e.to_string())?;
        let t = read.target(target).map_err(|e| e.to_string())?;
        (
            read.connection(&t.connection).map_err(|e| e.to_string())?,
            t.project_ref,
        )
    };
    let client = clients.client(&conn)?;
    let list = client.list_secrets(&r).await.map_err(|e| e.to_string())?;
    Ok(list
        .into_iter()
        .map(|s| Remote {
            name: s.name,
            digest: s.value,
        })
        .collect())
}

/// What each target (one or all) holds now, name -> value digest, `width` listings at
/// a time: what a full reconciliation compares against before queueing anything. A
/// target that cannot be listed is left out; its variables are queued and its push
/// says why.
pub async fn listings(
    vault: &Vault,
    clients: &Clients,
    target: Option<&str>,
    width: usize,
) -> std::collections::HashMap<String, crate::vault::RemoteDigests> {
    use futures_util::StreamExt;
    let Ok(refs) = refs(vault, target) else {
        return Default::default();
    };
    futures_util::stream::iter(refs)
        .map(|r| async move {
            let listed = remote(vault, clients, &r).await.ok()?;
            Some((r, listed.into_iter().map(|x| (x.name, x.digest)).collect()))
        })
        .buffer_unordered(width.max(1))
        .filter_map(|x| async move { x })
        .collect()
        .await
}

fn refs(vault: &Vault, target: Option<&str>) -> Result<Vec<String>, VaultError> {
    let r = vault.read()?;
    Ok(match target {
        Some(t) => vec![r.target(t)?.project_ref],
        None => {
            // Each branch right after its parent, as status shows them.
            let all: Vec<_> = r.targets()?.into_iter().filter(|t| !t.removing).collect();
            super::report::grouped(&all, |t| t)
                .into_iter()
                .map(|t| t.project_ref.clone())
                .collect()
        }
    })
}

pub async fn plan_all(
    vault: Arc<Vault>,
    clients: Arc<Clients>,
    target: Option<String>,
) -> Result<Vec<TargetPlan>, VaultError> {
    let mut out = Vec::new();
    for r in refs(&vault, target.as_deref())? {
        let mut st = full_state(&vault, &r)?;
        let mut tp = TargetPlan {
            target: r.clone(),
            ..TargetPlan::default()
        };
        match remote(&vault, &clients, &r).await {
            Ok(rem) => st.remote = rem,
            Err(e) => {
                tp.error = Some(e);
                out.push(tp);
                continue;
            }
        }
        let p = plan::plan(&st);
        for u in p.upserts {
            match u.kind {
                UpsertKind::Create => tp.create.push(u.name),
                UpsertKind::Update => tp.update.push(u.name),
                UpsertKind::OverwriteDrift => tp.overwrite.push(u.name),
            }
        }
        tp.delete = p.deletes;
        tp.unchanged = p.unchanged.len();
        tp.refused = p
            .refused
            .into_iter()
            .map(|(n, why)| {
                let text = match why {
                    plan::Refusal::NotOwned => {
                        "exists on Supabase and keyward did not create it (map with --adopt)".into()
                    }
                    plan::Refusal::OverCap { cap, would_be } => {
                        format!("would make {would_be} secrets, over the cap of {cap}")
                    }
                };
                (n, text)
            })
            .collect();
        out.push(tp);
    }
    Ok(out)
}

/// Lists each target and compares; marks drifted variables in the vault.
pub async fn drift_all(
    vault: Arc<Vault>,
    clients: Arc<Clients>,
    target: Option<String>,
) -> Result<Vec<TargetDrift>, VaultError> {
    let mut out = Vec::new();
    for r in refs(&vault, target.as_deref())? {
        let mut st = full_state(&vault, &r)?;
        let mut td = TargetDrift {
            target: r.clone(),
            ..TargetDrift::default()
        };
        match remote(&vault, &clients, &r).await {
            Ok(rem) => st.remote = rem,
            Err(e) => {
                td.error = Some(e);
                out.push(td);
                continue;
            }
        }
        let d = plan::drift(&st);
        td.drifted = d.drifted;
        td.missing = d.missing;
        td.unmanaged = d.unmanaged;
        if !td.drifted.is_empty() {
            let v = vault.clone();
            let (t, names) = (r.clone(), td.drifted.clone());
            tokio::task::spawn_blocking(move || v.write(|tx| tx.mark_drifted(&t, &names)))
                .await
                .map_err(|e| VaultError::task_failed("", e))??;
        }
        out.push(td);
    }
    Ok(out)
}

/// Tells every front end about each target where drift was found (the daemon logs it).
pub fn announce_drift(
    events: &tokio::sync::broadcast::Sender<super::event::Event>,
    found: &[TargetDrift],
) {
    for d in found {
        if !d.drifted.is_empty() || !d.missing.is_empty() {
            let _ = events.send(super::event::Event::Drift {
                target: d.target.clone(),
                drifted: d.drifted.clone(),
                missing: d.missing.clone(),
            });
        }
    }
}
