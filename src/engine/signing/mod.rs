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

use super::keyrotation::{InFlight, KeyRotationError};
use super::rotator::{Kind, RecordClients, Rotator, failed, rotation_kind};
use super::schedule::apply_get;
use crate::supabase::Client;
use crate::supabase::api::{
    CreateSigningKey, SigningAlgorithm, SigningKey, SigningKeyStatus, UpdateSigningKey,
};
use crate::vault::{
    Aging, Millis, Outcome, SigningAlg, SigningKeyRef, SigningPhase, SigningRotation, Vault,
    WriteTx,
};

mod age;
mod attempt;
mod recover;
mod tasks;

pub use tasks::SigningTick;

/// Finds the client that reaches a signing rotation's project.
pub type SigningClientFor = RecordClients<SigningRotation>;

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

rotation_kind!(
    /// The signing key kind of [`Rotator`].
    SigningKeys,
    record: SigningRotation,
    idle: SigningPhase::Idle,
    audit: "signing-rotation",
    what: "signing rotation",
    read: signing_rotation,
    save: save_signing_rotation,
);

pub type SigningRotator = Rotator<SigningKeys>;

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
    s.standby = None;
    let message = format!("rotated: {} key {} in use", new.algorithm, new.id);
    s.current = Some(new);
    SigningKeys::end_attempt(r).succeeded(now, message);
}

impl SigningRotator {
    /// Rotates now, whatever the schedule says.
    pub async fn rotate_now(&self, name: &str) -> R<Promoted> {
        let _busy = InFlight::start(&self.vault, name);
        self.attempt(name, None).await
    }
}
