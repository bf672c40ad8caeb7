//! The signing rotation loop: one tick over every signing rotation (recover, rotate
//! what is due, age keys whose grace ended), then sleep until the next thing is due.

use super::*;
use crate::engine::handle::EngineError;
use crate::engine::schedule::{wait_or_change, wait_until};

/// The result of one [`SigningRotator::tick`].
#[derive(Debug, Default)]
pub struct SigningTick {
    pub rotated: Vec<Promoted>,
    pub failed: Vec<(String, String)>,
    pub next_wake: Option<Millis>,
}

impl SigningRotator {
    pub async fn tick(&self) -> R<SigningTick> {
        let now = self.vault.now();
        let all = self.vault.read()?.signing_rotations()?;
        let mut t = SigningTick::default();
        for r in all {
            let name = r.name.clone();
            if InFlight::busy(&self.vault, &name) {
                continue;
            }
            if !matches!(r.state.phase, SigningPhase::Idle)
                && let Err(e) = self.recover_one(&name).await
            {
                t.failed.push((name.clone(), e.to_string()));
                continue;
            }
            let r = self.read(&name)?;
            let retry_ok = r.state.retry_at.is_none_or(|at| at <= now);
            if r.auto && r.state.next_due <= now && retry_ok {
                match self.attempt(&name, Some(r.state.next_due)).await {
                    Ok(p) => t.rotated.push(p),
                    Err(e) => t.failed.push((name.clone(), e.to_string())),
                }
            } else if retry_ok && r.next_aging().is_some_and(|u| u <= now) {
                let aged = match self.client(&r) {
                    Ok(c) => self.age(&c, &name).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = aged {
                    t.failed.push((name.clone(), e.to_string()));
                }
            }
            let r = self.read(&name)?;
            let mut wake = vec![r.state.retry_at, r.next_aging()];
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
    /// changes. Ends when the engine stops or `stop` turns true.
    pub async fn run(mut self) {
        let mut events = self.handle.subscribe();
        let mut stop = self.stop.take();
        loop {
            let wait = match self.tick().await {
                Ok(t) => wait_until(t.next_wake, self.vault.now(), self.cap),
                Err(KeyRotationError::Engine(EngineError::Stopped)) => return,
                Err(e) => {
                    tracing::warn!("signing key rotation: {e}");
                    self.cap
                }
            };
            let wait = wait.max(Duration::from_millis(200));
            if !wait_or_change(&mut events, stop.as_mut(), wait).await {
                return;
            }
        }
    }
}
