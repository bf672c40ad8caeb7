//! The owner's one entry point: every request, from this process or an attached one,
//! goes through [`Owner::handle`].

use std::time::Duration;

use super::Owner;

use crate::ops::{Applied, Change, Reply, Request, SyncOutcome};

impl Owner {
    /// Applies `req` on behalf of `via` (an attached front end, named in the audit log;
    /// None for this process). The error is the one line a person sees.
    pub async fn handle(&self, via: Option<String>, req: Request) -> Result<Reply, String> {
        match req {
            Request::Query(q) => self.query(via, q).await,
            Request::Apply { changes, push } => self.apply_changes(via, changes, push).await,
            Request::Map(m) => self.map(via, m).await,
            Request::Sync { timeout_ms } => {
                let lease = self.lease(None);
                let queued = lease.handle.sync_all(None).await;
                let finished = super::wait::until(
                    &lease.handle,
                    &self.vault,
                    timeout_ms.map(Duration::from_millis),
                    super::settled,
                )
                .await;
                lease.done().await;
                queued.map_err(super::engine_error)?;
                self.synced(finished).await
            }
            Request::Retry {
                target,
                wait: false,
            } => {
                let lease = self.lease(None);
                let retried = lease.handle.retry(target).await;
                lease.done().await;
                Ok(Reply::Retried(retried.map_err(super::engine_error)?))
            }
            Request::Retry { target, wait: true } => {
                let lease = self.lease(None);
                let retried = lease.handle.retry(target).await;
                let finished =
                    super::wait::until(&lease.handle, &self.vault, None, super::settled).await;
                lease.done().await;
                retried.map_err(super::engine_error)?;
                self.synced(finished).await
            }
            Request::Plan { target } => {
                // A dry run must not push what the outbox holds: no engine is started.
                let plans = match self.engine() {
                    Some(h) => h.plan(target).await.map_err(super::engine_error)?,
                    None => crate::engine::inspect::plan_all(
                        self.vault.clone(),
                        self.clients.clone(),
                        target,
                    )
                    .await
                    .map_err(|e| e.to_string())?,
                };
                Ok(Reply::Plans(plans))
            }
            Request::Drift { target } => {
                let found = match self.engine() {
                    Some(h) => h.drift(target).await.map_err(super::engine_error)?,
                    None => {
                        let found = crate::engine::inspect::drift_all(
                            self.vault.clone(),
                            self.clients.clone(),
                            target,
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                        crate::engine::inspect::announce_drift(&self.events, &found);
                        found
                    }
                };
                Ok(Reply::Drift(found))
            }
            Request::RemoteNames { target } => Ok(Reply::Names(self.remote_names(target).await?)),
            Request::RemoteProjects => self.remote_projects().await,
            Request::Connect {
                name,
                url,
                project_ref,
                project_url,
                insecure_http,
                token,
            } => {
                let how = super::supabase::ConnectHow {
                    project_ref,
                    project_url,
                    insecure_http,
                };
                self.connect(via, name, url, how, token).await
            }
            Request::Reconnect { name, token } => self.reconnect(via, name, token).await,
            Request::Disconnect {
                name,
                remove_targets,
            } => self.disconnect(via, name, remove_targets).await,
            Request::AddTarget {
                project_ref,
                connection,
                branches,
            } => self.add_target(via, project_ref, connection, branches).await,
            Request::Branches { target, seed } => self.follow_branches(target, seed).await,
            Request::RemoveTarget { project_ref } => self.remove_target(via, project_ref).await,
            Request::RotationRun { name } => self.rotation_run(name, None).await,
            Request::AlertTest { kind } => self.alert_test(via, kind).await,
            Request::RotationRevoke { name, reason } => {
                self.rotation_run(name, Some(reason)).await
            }
            Request::RotationRemove { name } => self.rotation_remove(name).await,
            Request::LegacyKeys { target, action } => {
                self.legacy_keys(via, target, action).await
            }
            Request::TargetKeys { target } => self.target_keys(target).await,
            Request::CreateSupabaseKey {
                name,
                target,
                kind,
                description,
                into,
            } => {
                self.create_supabase_key(via, name, target, kind, description, into)
                    .await
            }
            Request::ChangePassphrase { new, work_factor } => {
                let v = self.vault.clone();
                let pass = age::secrecy::SecretString::from(new.expose().to_string());
                tokio::task::spawn_blocking(move || v.change_passphrase(&pass, work_factor))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
                Ok(Reply::Done)
            }
            Request::Unseal(_) => Err("the vault is already unsealed".into()),
            Request::Seal => Err(
                "no keyward daemon owns this vault, so there is nothing to seal: `keyward seal` makes a running daemon forget its key"
                    .into(),
            ),
        }
    }

    /// One transaction of changes; with `push`, then the change's own push.
    async fn apply_changes(
        &self,
        via: Option<String>,
        changes: Vec<Change>,
        push: bool,
    ) -> Result<Reply, String> {
        let (outcomes, rows) = self
            .write(via, move |tx| {
                let mut out = Vec::with_capacity(changes.len());
                for c in changes {
                    out.push(super::apply(tx, c)?);
                }
                let rows = if push { tx.queued_rows()? } else { Vec::new() };
                Ok((out, rows))
            })
            .await?;
        let push = self.push_rows(rows).await;
        Ok(Reply::Applied(Applied { outcomes, push }))
    }

    async fn synced(&self, finished: bool) -> Result<Reply, String> {
        let status = self.read(|r| r.sync_status(None)).await?;
        Ok(Reply::Synced(SyncOutcome { finished, status }))
    }
}
