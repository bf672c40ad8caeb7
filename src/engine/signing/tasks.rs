//! The signing rotation loop: what differs from the API key one (`rotation_loop` runs
//! both): no grace holds a run back, and the upkeep is ageing keys whose grace ended.

use std::future::Future;

use super::*;
use crate::engine::rotation_loop::{self, Driver, Tick};

/// The result of one [`SigningRotator::tick`].
pub type SigningTick = Tick<Promoted>;

impl Driver for SigningRotator {
    type Record = SigningRotation;
    type Done = Promoted;
    const LABEL: &'static str = "signing key rotation";
    const RETRY_AS_LISTED: bool = false;

    fn vault(&self) -> &Arc<Vault> {
        &self.vault
    }
    fn load_all(&self) -> R<Vec<SigningRotation>> {
        Ok(self.vault.read()?.signing_rotations()?)
    }
    fn load(&self, name: &str) -> R<SigningRotation> {
        self.read(name)
    }
    fn recover_interrupted(&self, name: &str) -> impl Future<Output = R<()>> + Send {
        self.recover_one(name)
    }
    fn run_due(&self, name: &str, due: Millis) -> impl Future<Output = R<Promoted>> + Send {
        self.attempt(name, Some(due))
    }
    fn may_rotate(_: &SigningRotation, _: Millis) -> bool {
        true
    }
    /// Keys whose grace ended are revoked, or deleted.
    fn upkeep_due(r: &SigningRotation, retry_ok: bool, now: Millis) -> bool {
        retry_ok && r.next_aging().is_some_and(|u| u <= now)
    }
    async fn upkeep(&self, r: &SigningRotation) -> R<()> {
        let c = self.client(r)?;
        self.age(&c, &r.name).await.map(|_| ())
    }
    fn upkeep_at(r: &SigningRotation) -> Option<Millis> {
        r.next_aging()
    }
}

impl SigningRotator {
    /// One look at every signing rotation: recover, rotate what is due, age keys whose
    /// grace ended.
    pub async fn tick(&self) -> R<SigningTick> {
        rotation_loop::tick(self).await
    }

    /// Ticks, then sleeps until something is due (at most `cap`), waking on vault
    /// changes. Ends when the engine stops or `stop` turns true.
    pub async fn run(mut self) {
        let stop = self.stop.take();
        rotation_loop::run(&self, &self.handle, stop, self.cap).await
    }
}
