//! The sync requests: push now, retry, and the two dry looks at Supabase (plan, drift).

use std::time::Duration;

use super::Owner;
use crate::ops::{Reply, SyncOutcome};

impl Owner {
    pub(super) async fn sync_now(&self, timeout_ms: Option<u64>) -> Result<Reply, String> {
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

    pub(super) async fn retry(&self, target: Option<String>, wait: bool) -> Result<Reply, String> {
        if !wait {
            let lease = self.lease(None);
            let retried = lease.handle.retry(target).await;
            lease.done().await;
            return Ok(Reply::Retried(retried.map_err(super::engine_error)?));
        }
        let lease = self.lease(None);
        let retried = lease.handle.retry(target).await;
        let finished = super::wait::until(&lease.handle, &self.vault, None, super::settled).await;
        lease.done().await;
        retried.map_err(super::engine_error)?;
        self.synced(finished).await
    }

    pub(super) async fn plan(&self, target: Option<String>) -> Result<Reply, String> {
        // A dry run must not push what the outbox holds: no engine is started.
        let plans = match self.engine() {
            Some(h) => h.plan(target).await.map_err(super::engine_error)?,
            None => {
                crate::engine::inspect::plan_all(self.vault.clone(), self.clients.clone(), target)
                    .await
                    .map_err(|e| e.to_string())?
            }
        };
        Ok(Reply::Plans(plans))
    }

    pub(super) async fn drift(&self, target: Option<String>) -> Result<Reply, String> {
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

    pub(super) async fn synced(&self, finished: bool) -> Result<Reply, String> {
        let status = self.read(|r| r.sync_status(None)).await?;
        Ok(Reply::Synced(SyncOutcome { finished, status }))
    }
}
