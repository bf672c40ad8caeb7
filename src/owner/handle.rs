//! The owner's one entry point: every request, from this process or an attached one,
//! goes through [`Owner::handle`].

use super::Owner;
use crate::ops::{Applied, Change, Reply, Request};

impl Owner {
    /// Applies `req` on behalf of `via` (an attached front end, named in the audit log;
    /// None for this process). The error is the one line a person sees.
    pub async fn handle(&self, via: Option<String>, req: Request) -> Result<Reply, String> {
        match req {
            Request::Query(q) => self.query(via, q).await,
            Request::Apply { changes, push } => self.apply_changes(via, changes, push).await,
            Request::Map(m) => self.map(via, m).await,
            Request::Sync { timeout_ms } => self.sync_now(timeout_ms).await,
            Request::Retry { target, wait } => self.retry(target, wait).await,
            Request::Plan { target } => self.plan(target).await,
            Request::Drift { target } => self.drift(target).await,
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
                self.change_passphrase(new, work_factor).await
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

    async fn change_passphrase(
        &self,
        new: crate::ops::Sensitive,
        work_factor: Option<u8>,
    ) -> Result<Reply, String> {
        let v = self.vault.clone();
        let pass = age::secrecy::SecretString::from(new.expose().to_string());
        tokio::task::spawn_blocking(move || v.change_passphrase(&pass, work_factor))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        Ok(Reply::Done)
    }
}
