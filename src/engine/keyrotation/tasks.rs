//! The API key rotation loop (what differs from the signing one: `rotation_loop` runs
//! both), and starting and stopping the rotation loops with the vault-policy scheduler.

use std::future::Future;

use super::*;
use crate::engine::rotation_loop::{self, Driver, Tick};

impl Driver for KeyRotator {
    type Record = KeyRotation;
    type Done = Rotated;
    const LABEL: &'static str = "key rotation";
    const RETRY_AS_LISTED: bool = true;

    fn vault(&self) -> &Arc<Vault> {
        &self.vault
    }
    fn load_all(&self) -> R<Vec<KeyRotation>> {
        Ok(self.vault.read()?.key_rotations()?)
    }
    fn load(&self, name: &str) -> R<KeyRotation> {
        self.read(name)
    }
    fn recover_interrupted(&self, name: &str) -> impl Future<Output = R<()>> + Send {
        self.recover_one(name)
    }
    fn run_due(&self, name: &str, due: Millis) -> impl Future<Output = R<Rotated>> + Send {
        self.attempt(name, Some(due))
    }
    /// A previous key in its grace waits for it: a rotation now would make three.
    fn may_rotate(r: &KeyRotation, now: Millis) -> bool {
        r.state.previous_until.is_none_or(|u| u <= now)
    }
    /// Pending clean-ups are retried, and expired graces ended.
    fn upkeep_due(r: &KeyRotation, retry_ok: bool, now: Millis) -> bool {
        let grace_over = r.state.previous_until.is_some_and(|u| u <= now);
        (r.state.cleanup_pending() && retry_ok) || grace_over
    }
    async fn upkeep(&self, r: &KeyRotation) -> R<()> {
        let c = self.client(r)?;
        self.cleanup(&c, &r.name).await.map(|_| ())
    }
    fn upkeep_at(r: &KeyRotation) -> Option<Millis> {
        r.state.previous_until
    }
}

impl KeyRotator {
    /// One look at every rotation: recover interrupted attempts, run due automatic ones,
    /// retry pending clean-ups and end expired graces. Returns what happened, per
    /// rotation, and the earliest time something is due next.
    pub async fn tick(&self) -> R<KeyTick> {
        rotation_loop::tick(self).await
    }

    /// Ticks, then sleeps until something is due (at most `cap`), waking on vault
    /// changes. Ends when the engine stops.
    pub async fn run(mut self) {
        let stop = self.stop.take();
        rotation_loop::run(&self, &self.handle, stop, self.cap).await
    }
}

/// The rotation loops a front end runs: the vault-policy scheduler, the API key driver
/// and the signing key driver.
/// Keep it while they should run: dropping it stops them at their next wait, like
/// [`RotationTasks::stop`] without waiting.
pub struct RotationTasks {
    pub scheduler: tokio::task::JoinHandle<()>,
    pub keys: tokio::task::JoinHandle<()>,
    pub signing: tokio::task::JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl RotationTasks {
    /// Asks both loops to stop at their next wait and waits for them (at most
    /// `timeout`), so a rotation in flight finishes before the engine is shut down. A
    /// rotation cut short anyway is recovered at the next start.
    pub async fn stop(self, timeout: Duration) {
        let _ = self.stop.send(true);
        let both = async {
            let _ = self.scheduler.await;
            let _ = self.keys.await;
            let _ = self.signing.await;
        };
        let _ = tokio::time::timeout(timeout, both).await;
    }
}

/// Starts both rotation loops on the current runtime (`keyward daemon`, the dashboard),
/// reaching Supabase through each target's stored connection with the process's
/// clients. They end when the engine stops.
pub fn start(
    vault: Arc<Vault>,
    handle: EngineHandle,
    config: crate::engine::EngineConfig,
    clients: Arc<crate::engine::clients::Clients>,
) -> RotationTasks {
    let targets = TargetClients::new(vault.clone(), clients);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut scheduler =
        crate::engine::schedule::PolicyScheduler::new(vault.clone(), handle.clone());
    scheduler.stop = Some(stopped.clone());
    let mut signing = crate::engine::signing::SigningRotator::new(
        vault.clone(),
        handle.clone(),
        targets.for_signing(),
    );
    signing.retry = config.retry.clone();
    signing.stop = Some(stopped.clone());
    let mut keys = KeyRotator::new(vault, handle, targets.for_rotations());
    keys.retry = config.retry;
    keys.stop = Some(stopped);
    RotationTasks {
        scheduler: tokio::spawn(scheduler.run()),
        keys: tokio::spawn(keys.run()),
        signing: tokio::spawn(signing.run()),
        stop,
    }
}

/// The result of one [`KeyRotator::tick`].
pub type KeyTick = Tick<Rotated>;
