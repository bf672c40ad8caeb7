//! A Supabase API key rotation's record: its settings (target project, key type, every N
//! days at HH:MM UTC, auto on/off, the receiving vault secret, grace), the state the
//! engine's driver keeps (keys alive, the phase of an attempt in flight, status), and the
//! schedule it shares with signing key rotations (`supabase_keys::schedule`). Stored by
//! `rotations`.

use serde::{Deserialize, Serialize};

use crate::vault::clock::Millis;
use crate::vault::error::{Result, VaultError};
use crate::vault::names::env_name;
use crate::vault::secrets::record::SecretId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    Publishable,
    Secret,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Publishable => "publishable",
            KeyKind::Secret => "secret",
        }
    }
}

impl std::str::FromStr for KeyKind {
    type Err = VaultError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "publishable" => Ok(KeyKind::Publishable),
            "secret" => Ok(KeyKind::Secret),
            other => Err(VaultError::invalid(format!(
                "unknown key type {other:?}: use publishable or secret"
            ))),
        }
    }
}

/// A key this rotation created on Supabase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRef {
    pub id: String,
    pub name: String,
}

/// Where an attempt stands. Written durably before each external step.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "lowercase")]
pub enum Phase {
    #[default]
    Idle,
    /// About to ask Supabase for a key named `key_name`; `key_id` once it answered.
    /// A restart in this phase finds the key (by id, or by name in the key list) and
    /// deletes it: the value was never stored, so it cannot be promoted.
    Creating {
        key_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_id: Option<String>,
    },
}

/// The receiving vault secret: by id once it exists (so renames are followed), by name
/// until then (the first promotion creates it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntoSecret {
    pub project: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<SecretId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KeyRotationState {
    /// The key the vault secret holds now.
    pub current: Option<KeyRef>,
    /// The key it held before: still alive so running clients keep working; deleted at
    /// the next rotation, or once `previous_until` passes when a grace is set.
    pub previous: Option<KeyRef>,
    pub previous_until: Option<Millis>,
    /// Keys to delete (retired, or orphans of a failed attempt). Non-empty after a
    /// failed delete: "rotated, clean-up pending".
    pub retiring: Vec<KeyRef>,
    pub phase: Phase,
    pub next_due: Millis,
    pub last_attempt: Option<Millis>,
    pub last_success: Option<Millis>,
    pub last_message: Option<String>,
    /// Consecutive failed attempts (rotation or clean-up), for the backoff.
    pub failures: u32,
    /// When a failed attempt or clean-up is tried again.
    pub retry_at: Option<Millis>,
    /// Counts keys created, to name each one uniquely.
    pub generation: u32,
    /// The JWT template (its privileges) the current secret key was created with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<JwtTemplate>,
}

/// A secret key's `secret_jwt_template`: the claims (above all the database `role`) its
/// requests carry.
pub type JwtTemplate = serde_json::Map<String, serde_json::Value>;

impl KeyRotationState {
    pub fn cleanup_pending(&self) -> bool {
        !self.retiring.is_empty()
    }
}

/// A one-word summary for listings and the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyRotationStatus {
    /// No key yet: the first run creates one.
    New,
    /// An attempt is in flight (or was interrupted and awaits recovery).
    Rotating,
    /// The last attempt failed; retried at `retry_at`.
    Failing,
    /// Rotated; a retired key is still to be deleted.
    CleanupPending,
    /// Due now (waiting for the scheduler, or for a manual run).
    Due,
    Ok,
}

impl KeyRotationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Rotating => "rotating",
            Self::Failing => "failing",
            Self::CleanupPending => "cleanup_pending",
            Self::Due => "due",
            Self::Ok => "ok",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotation {
    pub name: String,
    pub project_ref: String,
    /// The connection that reaches the project; None until connections exist (then
    /// the target's own connection is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    pub key_type: KeyKind,
    pub every_days: u32,
    /// Minutes after midnight UTC.
    pub at_minute: u32,
    pub auto: bool,
    pub into: IntoSecret,
    /// Delete the previous key this long after a rotation instead of at the next one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<Millis>,
    /// The template every new secret key gets; None: the one of the key it replaces, or
    /// else the project's default secret key's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<JwtTemplate>,
    pub created: Millis,
    pub state: KeyRotationState,
}

impl KeyRotation {
    /// The name of the key a new attempt creates: Supabase allows 4-64 characters of
    /// `[a-z0-9_]`, starting with a letter or `_`.
    pub fn key_name(&self, generation: u32) -> String {
        format!("keyward_{}_{generation}", self.name.replace('-', "_"))
    }

    /// True when `name` is one this rotation would give a key (orphan search).
    pub fn owns_key_name(&self, name: &str) -> bool {
        let prefix = format!("keyward_{}_", self.name.replace('-', "_"));
        name.strip_prefix(&prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }

    pub fn status(&self, now: Millis) -> KeyRotationStatus {
        let s = &self.state;
        if !matches!(s.phase, Phase::Idle) {
            KeyRotationStatus::Rotating
        } else if s.retry_at.is_some() && !s.cleanup_pending() {
            KeyRotationStatus::Failing
        } else if s.cleanup_pending() {
            KeyRotationStatus::CleanupPending
        } else if s.current.is_none() {
            KeyRotationStatus::New
        } else if s.next_due <= now {
            KeyRotationStatus::Due
        } else {
            KeyRotationStatus::Ok
        }
    }

    /// Every key this rotation knows it created and has not deleted.
    pub fn live_keys(&self) -> Vec<KeyRef> {
        let mut out: Vec<KeyRef> = self.state.current.iter().cloned().collect();
        out.extend(self.state.previous.iter().cloned());
        out.extend(self.state.retiring.iter().cloned());
        out
    }
}

/// What `add_key_rotation` needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewKeyRotation {
    pub name: String,
    pub project_ref: String,
    pub connection: Option<String>,
    pub key_type: KeyKind,
    pub every_days: u32,
    pub at_minute: u32,
    pub auto: bool,
    pub into_project: String,
    pub into_name: String,
    pub grace: Option<Millis>,
}

/// The warning for a receiving secret whose variable Supabase would refuse to sync.
pub fn reserved_name_warning(secret_name: &str) -> Option<String> {
    let env = env_name(secret_name);
    env.starts_with(crate::vault::names::RESERVED_PREFIX).then(|| {
        format!(
            "the secret {secret_name:?} would sync as {env}, which Supabase reserves: it cannot be mapped to a target; rename it (e.g. without the SUPABASE prefix) if it should sync"
        )
    })
}
