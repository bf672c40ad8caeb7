//! The JWT signing key rotation driver (Auth's signing keys of a project).
//!
//! One attempt: import the legacy JWT secret as a signing key where the project still
//! signs with it -> record `Creating` -> create a standby key (Supabase generates it;
//! its private half never leaves the project) -> record its id -> promote it to in use
//! (the key in use becomes previously used and keeps verifying JWTs) -> record. Later,
//! [`SigningRotator::age`] revokes a previously used key once its grace has passed
//! (longer than any JWT it signed lives), and deletes a revoked key after a further
//! grace. The legacy secret is revoked only once the legacy API keys are disabled: they
//! are JWTs it signed.
//!
//! Every step is written to the vault before the next call to Supabase, so a kill is
//! recovered by [`SigningRotator::recover_one`]: an interrupted import or creation is
//! found on Supabase and kept (a standby key is promoted by the next attempt, never
//! made twice); a promotion that reached Supabase is recorded.

use std::sync::Arc;
use std::time::Duration;

use super::handle::EngineHandle;
use super::keyrotation::{InFlight, KeyRotationError};
use super::retry::RetryPolicy;
use super::schedule::apply_get;
use crate::supabase::Client;
use crate::supabase::api::{
    CreateSigningKey, SigningAlgorithm, SigningKey, SigningKeyStatus, UpdateSigningKey,
};
use crate::vault::{
    Aging, Millis, Outcome, SigningAlg, SigningKeyRef, SigningPhase, SigningRotation, Vault,
    WriteTx, next_due_after,
};

mod age;
mod attempt;
mod recover;
mod tasks;

pub use tasks::SigningTick;

/// Finds the client that reaches a signing rotation's project.
pub type SigningClientFor = Arc<dyn Fn(&SigningRotation) -> Result<Client, String> + Send + Sync>;

type R<T> = Result<T, KeyRotationError>;

/// What a successful attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promoted {
    pub name: String,
    pub key_id: String,
    pub algorithm: String,
    /// The legacy JWT secret was imported as a signing key first.
    pub imported_legacy: bool,
    /// The key that was in use before (now previously used).
    pub previous: Option<String>,
}

#[derive(Clone)]
pub struct SigningRotator {
    vault: Arc<Vault>,
    handle: EngineHandle,
    clients: SigningClientFor,
    pub retry: RetryPolicy,
    /// Longest sleep of [`SigningRotator::run`].
    pub cap: Duration,
    /// When it turns true, `run` returns at its next wait.
    pub stop: Option<tokio::sync::watch::Receiver<bool>>,
}

fn api_alg(a: SigningAlg) -> SigningAlgorithm {
    match a {
        SigningAlg::RS256 => SigningAlgorithm::RS256,
        SigningAlg::ES256 => SigningAlgorithm::ES256,
        SigningAlg::EdDSA => SigningAlgorithm::EdDSA,
    }
}

fn key_ref(k: &SigningKey) -> SigningKeyRef {
    SigningKeyRef {
        id: k.id.clone(),
        algorithm: k.algorithm.as_str().to_owned(),
    }
}

fn failed(name: &str, message: impl Into<String>) -> KeyRotationError {
    KeyRotationError::Failed {
        name: name.to_owned(),
        message: message.into(),
    }
}

/// Records a promotion of `new` (the old current key, when another, now ages).
fn promote_record(tx: &mut WriteTx<'_>, r: &mut SigningRotation, new: SigningKeyRef) {
    let now = tx.now();
    let s = &mut r.state;
    if let Some(old) = s.current.take()
        && old.id != new.id
    {
        s.previous.push(Aging {
            key: old,
            until: now + r.grace,
        });
    }
    s.current = Some(new.clone());
    s.standby = None;
    s.phase = SigningPhase::Idle;
    s.last_success = Some(now);
    s.next_due = next_due_after(now, r.every_days, r.at_minute);
    s.failures = 0;
    s.retry_at = None;
    s.last_message = Some(format!("rotated: {} key {} in use", new.algorithm, new.id));
}

impl SigningRotator {
    pub fn new(vault: Arc<Vault>, handle: EngineHandle, clients: SigningClientFor) -> Self {
        Self {
            vault,
            handle,
            clients,
            retry: RetryPolicy::default(),
            cap: Duration::from_secs(60),
            stop: None,
        }
    }

    /// One step, for the daemon log and attached dashboards (ids, never key material).
    fn say(&self, name: &str, ok: bool, message: String) {
        self.handle.notify(super::event::Event::Rotation {
            name: name.to_owned(),
            ok,
            message,
        });
    }

    fn read(&self, name: &str) -> R<SigningRotation> {
        Ok(self.vault.read()?.signing_rotation(name)?)
    }

    fn client(&self, r: &SigningRotation) -> R<Client> {
        (self.clients)(r).map_err(|m| failed(&r.name, m))
    }

    /// Records a failed attempt (status, backoff, audit); `standby` keeps a key made
    /// but not promoted for the next attempt.
    async fn fail(&self, name: &str, message: String) -> KeyRotationError {
        let retry = self.retry.clone();
        let (n, m) = (name.to_owned(), message.clone());
        let recorded = self
            .handle
            .apply(move |tx| {
                let mut r = tx.signing_rotation(&n)?;
                r.state.phase = SigningPhase::Idle;
                r.state.failures += 1;
                let delay = retry.delay(r.state.failures, &mut rand::thread_rng());
                r.state.retry_at = Some(tx.now() + delay.as_millis() as Millis);
                r.state.last_message = Some(m.clone());
                tx.save_signing_rotation(&r)?;
                tx.audit("signing-rotation", &n, Outcome::Failed, &m)
            })
            .await;
        if let Err(e) = recorded {
            tracing::warn!(rotation = name, "recording a failed signing rotation: {e}");
        }
        self.say(
            name,
            false,
            format!("{} {message}", super::keyrotation::SAID_FAILED),
        );
        failed(name, message)
    }

    /// Rotates now, whatever the schedule says.
    pub async fn rotate_now(&self, name: &str) -> R<Promoted> {
        let _busy = InFlight::start(&self.vault, name);
        self.attempt(name, None).await
    }
}
