//! The sync side of the domain: connections, targets, mappings, the outbox and the
//! per-variable state. Metadata only (names, refs, versions, times): the one secret here,
//! a connection's token, is sealed in its own table and never appears in these types.

use serde::{Deserialize, Serialize};

use crate::vault::clock::Millis;
use crate::vault::secrets::record::SecretId;

/// A Management API account: instance URL and (sealed elsewhere) its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub name: String,
    pub url: String,
    /// For a token scoped to projects: the project it was validated against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_ref: Option<String>,
    /// A project's own URL (`{ref}` replaced by the project ref) for key checks, when
    /// the instance is self-hosted or proxied; None = the engine's (the hosted platform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_url: Option<String>,
    /// At most the last 4 characters of the token.
    pub fingerprint: String,
    pub created: Millis,
    /// Bumped by every reconnect, so the engine knows its cached client is stale.
    #[serde(default)]
    pub generation: u64,
}

/// One Supabase project keyward writes to, reached through a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(rename = "ref")]
    pub project_ref: String,
    pub name: String,
    pub organization: String,
    pub connection: String,
    pub added: Millis,
    #[serde(default)]
    pub health: TargetHealth,
    /// Being removed: its variables are being deleted; the record goes when they are.
    #[serde(default)]
    pub removing: bool,
    /// Its preview branches are followed (listed, added as targets, seeded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches: Option<crate::vault::sync::branches::record::BranchWatch>,
    /// This target is a preview branch of another: its mappings follow the parent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<Box<crate::vault::sync::branches::record::BranchInfo>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetHealth {
    pub consecutive_failures: u32,
    /// Out of automatic retries until reconnect or `retry`.
    pub unhealthy: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<Millis>,
}

/// "This secret goes to this target."
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// Overrides the derived variable name (a prefix for a structured secret's fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_name: Option<String>,
    /// The user agreed to take over a name that existed on Supabase.
    #[serde(default)]
    pub adopt: bool,
    pub created: Millis,
    /// On a branch: copied from the parent's mapping of the same secret (kept in line
    /// with it; never made or removed by hand).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inherited: bool,
    /// On a branch: this secret gives the variables the parent's mapping of that secret
    /// makes (a per-branch value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<SecretId>,
}

/// Pending work for one (target, variable): the outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum OutboxOp {
    Upsert {
        secret: SecretId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
        version: u32,
    },
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncState {
    Pending,
    Synced,
    Failed,
    Removing,
    Drifted,
}

impl SyncState {
    pub fn as_str(&self) -> &'static str {
        match self {
            SyncState::Pending => "pending",
            SyncState::Synced => "synced",
            SyncState::Failed => "failed",
            SyncState::Removing => "removing",
            SyncState::Drifted => "drifted",
        }
    }
}

/// The state of one variable keyward manages in one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VarState {
    pub secret: SecretId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub state: SyncState,
    /// The version that should be there.
    pub version: u32,
    /// The version last pushed successfully, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced_at: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_retry: Option<Millis>,
    /// The last failure was Supabase refusing this variable (its name, its value, the
    /// cap), not the request failing: retrying as is will not help.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refused: bool,
}

/// One row of `status`: a mapped variable with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VarStatus {
    pub target: String,
    pub variable: String,
    /// "project/name", or "" when the secret is gone (a delete still in flight).
    pub secret: String,
    // Not flattened: VarState has a `secret` (its id) of its own.
    pub state: VarState,
}

/// Per-target counts, for dashboards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetTotals {
    pub variables: usize,
    pub pending: usize,
    pub synced: usize,
    pub failed: usize,
    pub removing: usize,
    pub drifted: usize,
}

impl TargetTotals {
    /// One more variable in `state`.
    pub fn count(&mut self, state: SyncState) {
        self.variables += 1;
        match state {
            SyncState::Pending => self.pending += 1,
            SyncState::Synced => self.synced += 1,
            SyncState::Failed => self.failed += 1,
            SyncState::Removing => self.removing += 1,
            SyncState::Drifted => self.drifted += 1,
        }
    }
}

/// A mapping as listed: secret, target and the variables it makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingRow {
    pub secret: String,
    pub secret_id: SecretId,
    pub target: String,
    #[serde(flatten)]
    pub mapping: Mapping,
    pub variables: Vec<String>,
}
