//! The rotation loops: one tick over every rotation, the driver loop, and starting and
//! stopping both loops with the vault-policy scheduler.

use super::*;

impl KeyRotator {
    /// One look at every rotation: recover interrupted attempts, run due automatic ones,
    /// retry pending clean-ups and end expired graces. Returns what happened, per
    /// rotation, and the earliest time something is due next.
    pub async fn tick(&self) -> R<KeyTick> {
        let now = self.vault.now();
        let all = self.vault.read()?.key_rotations()?;
        let mut t = KeyTick::default();
        for r in all {
            let name = r.name.clone();
            // A command of this process is on it; the change it commits wakes us again.
            if super::InFlight::busy(&self.vault, &name) {
                continue;
            }
            let retry_ok = r.state.retry_at.is_none_or(|at| at <= now);
            if !matches!(r.state.phase, Phase::Idle) {
                if let Err(e) = self.recover_one(&name).await {
                    t.failed.push((name.clone(), e.to_string()));
                    continue;
                }
            }
            let r = self.read(&name)?;
            // A previous key in its grace waits for it: a rotation now would make three.
            let in_grace = r.state.previous_until.is_some_and(|u| u > now);
            if r.auto && r.state.next_due <= now && retry_ok && !in_grace {
                match self.attempt(&name, Some(r.state.next_due)).await {
                    Ok(done) => t.rotated.push(done),
                    Err(e) => t.failed.push((name.clone(), e.to_string())),
                }
            } else {
                let grace_over = r.state.previous_until.is_some_and(|u| u <= now);
                if (r.state.cleanup_pending() && retry_ok) || grace_over {
                    let cleaned = match self.client(&r) {
                        Ok(c) => self.cleanup(&c, &name).await,
                        Err(e) => Err(e),
                    };
                    if let Err(e) = cleaned {
                        t.failed.push((name.clone(), e.to_string()));
                    }
                }
            }
            let r = self.read(&name)?;
            let mut wake = vec![r.state.retry_at, r.state.previous_until];
            if r.auto {
                wake.push(Some(r.state.next_due.max(r.state.retry_at.unwrap_or(0))));
            }
            for w in wake.into_iter().flatten() {
                t.next_wake = Some(t.next_wake.map_or(w, |n| n.min(w)));
            }
        }
        Ok(t)
    }

    /// Ticks, then sleeps until something is due (at most `cap`), waking on vault
    /// changes. Ends when the engine stops.
    pub async fn run(mut self) {
        let mut events = self.handle.subscribe();
        let mut stop = self.stop.take();
        loop {
            let wait = match self.tick().await {
                Ok(t) => {
                    crate::engine::schedule::wait_until(t.next_wake, self.vault.now(), self.cap)
                }
                Err(KeyRotationError::Engine(EngineError::Stopped)) => return,
                Err(e) => {
                    tracing::warn!("key rotation: {e}");
                    self.cap
                }
            };
            // A wait of zero after a failure would spin: the backoff is in retry_at.
            let wait = wait.max(Duration::from_millis(200));
            if !wait_or_change(&mut events, stop.as_mut(), wait).await {
                return;
            }
        }
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
#[derive(Debug, Default)]
pub struct KeyTick {
    pub rotated: Vec<Rotated>,
    pub failed: Vec<(String, String)>,
    pub next_wake: Option<Millis>,
}
