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

    /// One attempt; `due`: the scheduled due time it is for (never rotated twice).
    async fn attempt(&self, name: &str, due: Option<Millis>) -> R<Promoted> {
        if !matches!(self.read(name)?.state.phase, SigningPhase::Idle) {
            self.recover_one(name).await?;
        }
        let r = self.read(name)?;
        let client = match self.client(&r) {
            Ok(c) => c,
            Err(KeyRotationError::Failed { message, .. }) => {
                return Err(self.fail(name, message).await);
            }
            Err(e) => return Err(e),
        };
        // Keys whose grace ended go first; a failure there does not stop the rotation.
        let _ = self.age(&client, name).await;
        let keys = match client.list_signing_keys(&r.project_ref).await {
            Ok(k) => k,
            Err(e) => {
                return Err(self
                    .fail(name, format!("listing the project's signing keys: {e}"))
                    .await);
            }
        };
        let r = self.read(name)?;
        let ours = r.state.standby.clone().filter(|s| {
            keys.iter()
                .any(|k| k.id == s.id && k.status == SigningKeyStatus::Standby)
        });
        if let Some(other) = keys.iter().find(|k| {
            k.status == SigningKeyStatus::Standby && Some(&k.id) != ours.as_ref().map(|o| &o.id)
        }) {
            return Err(self
                .fail(
                    name,
                    format!(
                        "the project has a standby signing key keyward did not make ({}): promote or revoke it on Supabase first, then run the rotation again",
                        other.id
                    ),
                )
                .await);
        }
        let in_use = keys
            .iter()
            .find(|k| k.status == SigningKeyStatus::InUse)
            .map(key_ref);
        // 1. Record the attempt: what is in use now, and the next step.
        let n = name.to_owned();
        let standby = ours.clone();
        let started = apply_get(&self.handle, move |tx| {
            let mut r = tx.signing_rotation(&n)?;
            let still_due = due.is_none_or(|d| r.state.next_due == d && d <= tx.now());
            if !matches!(r.state.phase, SigningPhase::Idle) || !still_due {
                return Ok(false);
            }
            if let Some(k) = &in_use
                && r.state.current.as_ref() != Some(k)
            {
                tx.audit(
                    "signing-rotation-adopt",
                    &n,
                    Outcome::Ok,
                    &format!("{} key {} in use", k.algorithm, k.id),
                )?;
                r.state.current = Some(k.clone());
            }
            r.state.standby = standby.clone();
            r.state.phase = match (&in_use, &standby) {
                (None, _) => SigningPhase::Importing,
                (Some(_), s) => SigningPhase::Creating {
                    key_id: s.as_ref().map(|s| s.id.clone()),
                },
            };
            r.state.last_attempt = Some(tx.now());
            tx.save_signing_rotation(&r)?;
            tx.audit("signing-rotation-start", &n, Outcome::Ok, "")?;
            Ok(true)
        })
        .await?;
        if !started {
            return Err(failed(
                name,
                "not due any more, or another attempt is in flight",
            ));
        }
        self.say(name, true, "started".into());
        // 2. The project still signs with its legacy JWT secret: import it first, so the
        // rotation can move Auth off it without invalidating the JWTs it signed.
        let mut imported_legacy = false;
        if matches!(self.read(name)?.state.phase, SigningPhase::Importing) {
            let imported = match client.import_legacy_signing_key(&r.project_ref).await {
                Ok(k) => Ok(k),
                Err(first) => client
                    .legacy_signing_key(&r.project_ref)
                    .await
                    .map_err(|_| first),
            };
            let k = match imported {
                Ok(k) => key_ref(&k),
                Err(e) => {
                    return Err(self
                        .fail(name, format!("importing the legacy JWT secret: {e}"))
                        .await);
                }
            };
            let n = name.to_owned();
            let id = k.id.clone();
            self.handle
                .apply(move |tx| {
                    let mut r = tx.signing_rotation(&n)?;
                    r.state.legacy_id = Some(k.id.clone());
                    r.state.current = Some(k);
                    r.state.phase = SigningPhase::Creating { key_id: None };
                    tx.save_signing_rotation(&r)?;
                    tx.audit(
                        "signing-rotation-import",
                        &n,
                        Outcome::Ok,
                        &format!("legacy JWT secret as HS256 key {id}"),
                    )
                })
                .await?;
            imported_legacy = true;
            self.say(
                name,
                true,
                "imported the legacy JWT secret as a signing key".into(),
            );
        }
        // 3. A standby key: the one kept from an interrupted attempt, or a new one.
        let new = match ours {
            Some(k) => k,
            None => {
                let body = CreateSigningKey {
                    algorithm: api_alg(r.algorithm),
                    status: Some(SigningKeyStatus::Standby),
                };
                let k = match client.create_signing_key(&r.project_ref, &body).await {
                    Ok(k) => key_ref(&k),
                    Err(e) => {
                        return Err(self
                            .fail(
                                name,
                                format!("Supabase did not create the standby key: {e}"),
                            )
                            .await);
                    }
                };
                let n = name.to_owned();
                let k2 = k.clone();
                self.handle
                    .apply(move |tx| {
                        let mut r = tx.signing_rotation(&n)?;
                        r.state.phase = SigningPhase::Creating {
                            key_id: Some(k2.id.clone()),
                        };
                        r.state.standby = Some(k2.clone());
                        tx.save_signing_rotation(&r)?;
                        tx.audit(
                            "signing-rotation-create",
                            &n,
                            Outcome::Ok,
                            &format!("standby {} key {}", k2.algorithm, k2.id),
                        )
                    })
                    .await?;
                self.say(
                    name,
                    true,
                    format!("created standby {} key {}; promoting it", k.algorithm, k.id),
                );
                k
            }
        };
        // 4. Promote: Auth signs with it from now on; the old key keeps verifying.
        let body = UpdateSigningKey {
            status: SigningKeyStatus::InUse,
        };
        if let Err(e) = client
            .update_signing_key(&r.project_ref, &new.id, &body)
            .await
        {
            // The standby key stays recorded: the next attempt promotes it.
            return Err(self
                .fail(
                    name,
                    format!("Supabase did not promote the standby key: {e}"),
                )
                .await);
        }
        let n = name.to_owned();
        let k = new.clone();
        let previous = apply_get(&self.handle, move |tx| {
            let mut r = tx.signing_rotation(&n)?;
            let previous = r.state.current.as_ref().map(|c| c.id.clone());
            promote_record(tx, &mut r, k.clone());
            tx.save_signing_rotation(&r)?;
            tx.audit(
                "signing-rotation-promote",
                &n,
                Outcome::Ok,
                &format!(
                    "{} key {} in use; previous {} verifies until its grace ends",
                    k.algorithm,
                    k.id,
                    previous.as_deref().unwrap_or("none")
                ),
            )?;
            Ok(previous)
        })
        .await?;
        self.say(
            name,
            true,
            format!("promoted {} key {} to in use", new.algorithm, new.id),
        );
        Ok(Promoted {
            name: name.to_owned(),
            key_id: new.id,
            algorithm: new.algorithm,
            imported_legacy,
            previous,
        })
    }
}
