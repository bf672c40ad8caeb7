//! The Supabase API key rotation driver: dual phase, two keys alive.
//!
//! One attempt: delete the key retired a rotation ago, anything queued for deletion and
//! strays (so at most two of its keys are ever alive) -> record `Creating` -> create the
//! key (revealed, a secret key with an explicit JWT template) -> record its id -> check
//! it against the project -> promote (write it into the vault secret as a new version,
//! cause rotation, which syncs onward; the old current key becomes the previous one and
//! keeps working until the next attempt, or until its grace ends). Every step is written to the vault before the next
//! external call, so a kill anywhere is recovered by [`KeyRotator::recover`]: a key
//! created but never promoted is found by its recorded id or by its name and deleted
//! (its value was never stored), and the rotation, still due, runs again.
//!
//! A failure before promotion changes nothing the project's clients use and is retried
//! with backoff; a failed delete after promotion is "rotated, clean-up pending", retried,
//! and never reported as a failed rotation. Audit entries name keys, never values.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use super::handle::{EngineError, EngineHandle};
use super::rotator::{Kind, RecordClients, Rotator, rotation_kind};
use super::schedule::apply_get;
use crate::supabase::api::{CreateApiKey, DeleteApiKey, NewApiKeyType};
use crate::supabase::{Client, Error as ApiError, KeyCheck};
use crate::vault::{
    KeyKind, KeyRef, KeyRotation, Millis, Outcome, Phase, SecretValue, Vault, VaultError,
};

mod attempt;
mod cleanup;
mod clients;
mod prepare;
mod tasks;

pub use clients::{TargetClients, connection_of_target, create_key};

/// How the rotation steps that need a person begin, in their events' words (key and
/// signing rotations alike): the daemon log shows them and alerts tell them apart by
/// them (alerts/classify.rs).
pub const SAID_FAILED: &str = "failed:";
pub const SAID_CLEANUP_PENDING: &str = "rotated, clean-up pending";
pub const SAID_REVOKED: &str = "revoked as compromised";
pub use tasks::{KeyTick, RotationTasks, start};

/// Finds the client that reaches a rotation's project (its target's connection).
pub type ClientFor = RecordClients<KeyRotation>;

/// Why a command on a rotation did not do what was asked. One line, no key value.
#[derive(Debug, thiserror::Error)]
pub enum KeyRotationError {
    #[error("{0}")]
    Vault(#[from] VaultError),
    #[error("{0}")]
    Engine(#[from] EngineError),
    /// The attempt failed; the current key is untouched and the attempt is retried.
    #[error("rotation {name} failed: {message}")]
    Failed { name: String, message: String },
}

type R<T> = Result<T, KeyRotationError>;

/// What a successful attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    pub name: String,
    pub key_id: String,
    pub key_name: String,
    /// The vault secret's new version.
    pub version: u32,
    /// Some retired key could not be deleted yet; retried later.
    pub cleanup_pending: bool,
}

rotation_kind!(
    /// The API key kind of [`Rotator`].
    ApiKeys,
    record: KeyRotation,
    idle: Phase::Idle,
    audit: "key-rotation",
    what: "rotation",
    read: key_rotation,
    save: save_key_rotation,
);

pub type KeyRotator = Rotator<ApiKeys>;

fn api_key_type(k: KeyKind) -> NewApiKeyType {
    match k {
        KeyKind::Publishable => NewApiKeyType::Publishable,
        KeyKind::Secret => NewApiKeyType::Secret,
    }
}

impl KeyRotator {
    /// Rotates now, whatever the schedule says (manual "rotate now").
    pub async fn rotate_now(&self, name: &str) -> R<Rotated> {
        let _busy = InFlight::start(&self.vault, name);
        self.attempt(name, None).await
    }
}

/// Rotations a command (run now, revoke, remove) is working on in this process. The
/// loop of the same process and vault (the dashboard runs both) leaves them alone:
/// otherwise it would take an attempt in flight for an interrupted one and "recover" it
/// from under the command.
static IN_FLIGHT: std::sync::Mutex<Vec<(usize, String)>> = std::sync::Mutex::new(Vec::new());

pub(crate) struct InFlight(usize, String);

impl InFlight {
    pub(crate) fn start(vault: &Arc<Vault>, name: &str) -> InFlight {
        let key = (Arc::as_ptr(vault) as usize, name.to_owned());
        if let Ok(mut v) = IN_FLIGHT.lock() {
            v.push(key.clone());
        }
        InFlight(key.0, key.1)
    }

    pub(crate) fn busy(vault: &Arc<Vault>, name: &str) -> bool {
        let v = Arc::as_ptr(vault) as usize;
        IN_FLIGHT
            .lock()
            .map(|l| l.iter().any(|(p, n)| *p == v && n == name))
            .unwrap_or(false)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut v) = IN_FLIGHT.lock() {
            if let Some(i) = v.iter().position(|(p, n)| *p == self.0 && *n == self.1) {
                v.swap_remove(i);
            }
        }
    }
}
