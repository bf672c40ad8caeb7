//! A JWT signing key rotation's record: its settings (target project, algorithm, every
//! N days at HH:MM UTC, auto on/off, grace) and the state the engine's driver keeps: the
//! key in use, the keys previously used (still verifying JWTs until their grace ends),
//! the revoked ones (deleted after a further grace), a standby key made but not yet
//! promoted, and the phase of an attempt in flight. Its schedule is the API key
//! rotations' (`supabase_keys::schedule`). Stored by `rotations`.
//!
//! No key material is stored: Supabase generates the keys and keeps their private half.

use serde::{Deserialize, Serialize};

use crate::vault::clock::{DAY_MS, Millis};
use crate::vault::error::{Result, VaultError};
use crate::vault::supabase_keys::api::record::KeyRotationStatus;

/// The asymmetric algorithms a rotation creates keys with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SigningAlg {
    #[default]
    RS256,
    ES256,
    EdDSA,
}

impl SigningAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::ES256 => "ES256",
            SigningAlg::EdDSA => "EdDSA",
        }
    }
}

impl std::str::FromStr for SigningAlg {
    type Err = VaultError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "RS256" | "rs256" => Ok(SigningAlg::RS256),
            "ES256" | "es256" => Ok(SigningAlg::ES256),
            "EdDSA" | "eddsa" | "EDDSA" => Ok(SigningAlg::EdDSA),
            other => Err(VaultError::invalid(format!(
                "unknown signing algorithm {other:?}: use RS256, ES256 or EdDSA"
            ))),
        }
    }
}

/// The default grace: longer than any JWT Supabase Auth issues lives (an hour by
/// default, at most a week is unusual), so no signed-in user is thrown out.
pub const DEFAULT_SIGNING_GRACE: Millis = DAY_MS;

/// A signing key of the project, as the rotation knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyRef {
    pub id: String,
    /// `RS256`, `ES256`, `EdDSA`, or `HS256` for the imported legacy JWT secret.
    pub algorithm: String,
}

/// A key waiting for a time: revocation (previously used) or deletion (revoked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aging {
    pub key: SigningKeyRef,
    pub until: Millis,
}

/// Where an attempt stands. Written durably before each external step.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "lowercase")]
pub enum SigningPhase {
    #[default]
    Idle,
    /// About to import the legacy JWT secret as a signing key.
    Importing,
    /// About to create a standby key; `key_id` once Supabase answered. A restart finds
    /// it (by id, or as the one standby key) and keeps it as the standby to promote.
    Creating {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SigningState {
    /// The key Auth signs with (in use).
    pub current: Option<SigningKeyRef>,
    /// Previously used keys: still verify JWTs; revoked when `until` passes.
    #[serde(default)]
    pub previous: Vec<Aging>,
    /// Revoked keys: deleted when `until` passes.
    #[serde(default)]
    pub revoked: Vec<Aging>,
    /// A standby key this rotation made and has not promoted yet (an interrupted or
    /// failed attempt): the next attempt promotes it instead of making another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standby: Option<SigningKeyRef>,
    /// The project's legacy JWT secret, once imported as a signing key: it signs the
    /// legacy API keys, so it is revoked only once they are disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_id: Option<String>,
    pub phase: SigningPhase,
    pub next_due: Millis,
    pub last_attempt: Option<Millis>,
    pub last_success: Option<Millis>,
    pub last_message: Option<String>,
    /// Consecutive failed attempts, for the backoff.
    pub failures: u32,
    pub retry_at: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningRotation {
    pub name: String,
    pub project_ref: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    pub algorithm: SigningAlg,
    pub every_days: u32,
    pub at_minute: u32,
    pub auto: bool,
    /// How long a previous key keeps verifying before it is revoked, and a revoked key
    /// is kept before it is deleted.
    pub grace: Millis,
    pub created: Millis,
    pub state: SigningState,
}

impl SigningRotation {
    pub fn status(&self, now: Millis) -> KeyRotationStatus {
        let s = &self.state;
        if !matches!(s.phase, SigningPhase::Idle) {
            KeyRotationStatus::Rotating
        } else if s.retry_at.is_some() {
            KeyRotationStatus::Failing
        } else if s.current.is_none() {
            KeyRotationStatus::New
        } else if s.next_due <= now {
            KeyRotationStatus::Due
        } else {
            KeyRotationStatus::Ok
        }
    }

    /// Every key id the rotation knows (to tell its keys from others).
    pub fn known_ids(&self) -> Vec<&str> {
        let s = &self.state;
        s.current
            .iter()
            .chain(s.standby.iter())
            .map(|k| k.id.as_str())
            .chain(s.previous.iter().map(|a| a.key.id.as_str()))
            .chain(s.revoked.iter().map(|a| a.key.id.as_str()))
            .collect()
    }

    /// The earliest time a previous key is to be revoked or a revoked one deleted.
    pub fn next_aging(&self) -> Option<Millis> {
        let s = &self.state;
        s.previous
            .iter()
            .chain(s.revoked.iter())
            .map(|a| a.until)
            .min()
    }
}

/// What `add_signing_rotation` needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewSigningRotation {
    pub name: String,
    pub project_ref: String,
    pub connection: Option<String>,
    pub algorithm: SigningAlg,
    pub every_days: u32,
    pub at_minute: u32,
    pub auto: bool,
    /// None: [`DEFAULT_SIGNING_GRACE`].
    pub grace: Option<Millis>,
}
