//! The loop both Supabase key rotation drivers run (API keys: `keyrotation`, signing
//! keys: `signing`), written once. A tick looks at every rotation of the kind: it skips
//! one a command of this process is working on, recovers an attempt a kill interrupted,
//! runs a due automatic one, or else does the kind's upkeep (deleting retired API keys,
//! revoking and deleting aged signing keys); then the loop sleeps until the earliest
//! thing due, waking on vault changes. A kind says only what differs, as a [`Driver`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::handle::{EngineError, EngineHandle};
use super::keyrotation::{InFlight, KeyRotationError};
use super::schedule::{wait_or_change, wait_until};
use crate::vault::{Millis, Scheduled, Vault};

type R<T> = Result<T, KeyRotationError>;

/// The result of one tick: what was rotated, what failed (name, message) and the
/// earliest time something is due next.
#[derive(Debug)]
pub struct Tick<T> {
    pub rotated: Vec<T>,
    pub failed: Vec<(String, String)>,
    pub next_wake: Option<Millis>,
}

impl<T> Default for Tick<T> {
    fn default() -> Self {
        Self {
            rotated: Vec::new(),
            failed: Vec::new(),
            next_wake: None,
        }
    }
}

/// What a rotation kind's driver gives the loop.
pub(crate) trait Driver: Sync {
    type Record: Scheduled + Send;
    /// What a successful attempt reports.
    type Done: Send;
    /// How the loop's warnings begin in the log.
    const LABEL: &'static str;
    /// Whether the retry time that holds an automatic run or the upkeep back is the
    /// record's as listed at the start of the tick, before any recovery (API keys), or
    /// as read after it (signing keys).
    const RETRY_AS_LISTED: bool;

    fn vault(&self) -> &Arc<Vault>;
    fn load_all(&self) -> R<Vec<Self::Record>>;
    fn load(&self, name: &str) -> R<Self::Record>;
    fn recover_interrupted(&self, name: &str) -> impl Future<Output = R<()>> + Send;
    fn run_due(&self, name: &str, due: Millis) -> impl Future<Output = R<Self::Done>> + Send;
    /// Besides being automatic, due and past its retry time: may a run start now?
    fn may_rotate(r: &Self::Record, now: Millis) -> bool;
    fn upkeep_due(r: &Self::Record, retry_ok: bool, now: Millis) -> bool;
    fn upkeep(&self, r: &Self::Record) -> impl Future<Output = R<()>> + Send;
    /// When the upkeep is next due (a grace ending), if ever.
    fn upkeep_at(r: &Self::Record) -> Option<Millis>;
}

/// One look at every rotation of the kind.
pub(crate) async fn tick<D: Driver>(d: &D) -> R<Tick<D::Done>> {
    let now = d.vault().now();
    let all = d.load_all()?;
    let mut t = Tick::default();
    for listed in all {
        let name = listed.name().to_owned();
        // A command of this process is on it; the change it commits wakes us again.
        if InFlight::busy(d.vault(), &name) {
            continue;
        }
        if !listed.idle()
            && let Err(e) = d.recover_interrupted(&name).await
        {
            t.failed.push((name.clone(), e.to_string()));
            continue;
        }
        let r = d.load(&name)?;
        let retry_at = if D::RETRY_AS_LISTED {
            listed.retry_at()
        } else {
            r.retry_at()
        };
        let retry_ok = retry_at.is_none_or(|at| at <= now);
        if r.auto() && r.next_due() <= now && retry_ok && D::may_rotate(&r, now) {
            match d.run_due(&name, r.next_due()).await {
                Ok(done) => t.rotated.push(done),
                Err(e) => t.failed.push((name.clone(), e.to_string())),
            }
        } else if D::upkeep_due(&r, retry_ok, now)
            && let Err(e) = d.upkeep(&r).await
        {
            t.failed.push((name.clone(), e.to_string()));
        }
        let r = d.load(&name)?;
        let mut wake = vec![r.retry_at(), D::upkeep_at(&r)];
        if r.auto() {
            wake.push(Some(r.next_due().max(r.retry_at().unwrap_or(0))));
        }
        for w in wake.into_iter().flatten() {
            t.next_wake = Some(t.next_wake.map_or(w, |n| n.min(w)));
        }
    }
    Ok(t)
}

/// Ticks, then sleeps until something is due (at most `cap`), waking on vault changes.
/// Ends when the engine stops or `stop` turns true.
pub(crate) async fn run<D: Driver>(
    d: &D,
    handle: &EngineHandle,
    mut stop: Option<tokio::sync::watch::Receiver<bool>>,
    cap: Duration,
) {
    let mut events = handle.subscribe();
    loop {
        let wait = match tick(d).await {
            Ok(t) => wait_until(t.next_wake, d.vault().now(), cap),
            Err(KeyRotationError::Engine(EngineError::Stopped)) => return,
            Err(e) => {
                tracing::warn!("{}: {e}", D::LABEL);
                cap
            }
        };
        // A wait of zero after a failure would spin: the backoff is in retry_at.
        let wait = wait.max(Duration::from_millis(200));
        if !wait_or_change(&mut events, stop.as_mut(), wait).await {
            return;
        }
    }
}
