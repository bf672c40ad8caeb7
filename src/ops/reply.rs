//! What the owner answers. Reads are snapshots shaped like what a screen or command
//! shows; a value appears only in the replies whose request asked to show one
//! (`Revealed`, `Exported`, a new access key, an ad hoc Supabase key).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Outcome, Sensitive};
use crate::engine::{TargetDrift, TargetPlan};
use crate::vault::{
    AccessKeyInfo, AuditEntry, Connection, KeyRotation, LegacyKeysState, Listed, MappingRow,
    Millis, Overview, Policy, Project, SecretId, SecretMeta, SecretValue, SigningRotation, Target,
    TargetTotals, VarState, VarStatus, Verdict, VersionMeta,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    Done,
    VaultInfo(crate::vault::KeyInfo),
    Applied(Applied),
    Mapped(Mapped),
    Projects(Vec<(Project, usize)>),
    Secrets(SecretListing),
    Secret(SecretMeta),
    Revealed {
        version: u32,
        value: SecretValue,
    },
    History {
        meta: SecretMeta,
        versions: Vec<VersionMeta>,
    },
    Trash(Vec<Listed>),
    Exported {
        lines: Vec<Sensitive>,
        skipped: Vec<String>,
    },
    Audit(Vec<AuditEntry>),
    Verdict(Verdict),
    /// API key rotations, and the JWT signing key rotations beside them.
    KeyRotations {
        now: Millis,
        items: Vec<KeyRotation>,
        #[serde(default)]
        signing: Vec<SigningRotation>,
    },
    SigningRotations {
        now: Millis,
        items: Vec<SigningRotation>,
    },
    AccessKeys(Vec<AccessKeyInfo>),
    Connections {
        connections: Vec<Connection>,
        targets: Vec<Target>,
    },
    Targets(Vec<(Target, TargetTotals)>),
    Status {
        targets: Vec<(Target, TargetTotals)>,
        variables: Vec<VarStatus>,
        /// What keyward last saw of each target's legacy API keys.
        #[serde(default)]
        legacy: Vec<(String, LegacyKeysState)>,
        #[serde(default)]
        key_rotations: Vec<KeyRotation>,
        #[serde(default)]
        signing_rotations: Vec<SigningRotation>,
        #[serde(default)]
        now: Millis,
    },
    Policies {
        meta: SecretMeta,
        policies: Vec<Policy>,
    },
    Mappings(Vec<MappingRow>),
    /// ("project/name", why Supabase would refuse its value), for `Query::TooLong`.
    TooLong(Vec<(String, String)>),
    Dashboard(Box<Dashboard>),
    /// What changed, read now: None where the thing is gone (a secret purged or in the
    /// trash, a variable no longer managed, a target removed).
    Delta(Box<DashboardDelta>),
    Synced(SyncOutcome),
    /// The targets a retry woke (it did not wait).
    Retried(Vec<String>),
    Plans(Vec<TargetPlan>),
    Drift(Vec<TargetDrift>),
    Names(BTreeSet<String>),
    RemoteProjects {
        candidates: Vec<Candidate>,
        errors: Vec<String>,
    },
    Connected(Connected),
    Target(Target),
    /// A target's followed branches (`Query::Branches`).
    Branches(Box<BranchList>),
    /// What a branch listing or seed changed, and the push of what it queued.
    BranchesFollowed(Box<Followed>),
    /// How many variables keyward deleted (target removal) or keys (rotation removal).
    Removed(usize),
    Rotated(RotatedKey),
    SigningRotated(super::SigningRotated),
    SupabaseKey(SupabaseKey),
    LegacyKeys(Box<super::LegacyReport>),
    TargetKeys(Box<super::TargetKeys>),
    Alerts {
        /// The config file the owner read, if any.
        file: Option<String>,
        alerts: Vec<AlertRow>,
    },
    AlertTest(Vec<crate::alerts::Delivery>),
}

/// One alert as `keyward alert list` shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertRow {
    pub name: String,
    pub on: Vec<crate::alerts::Kind>,
    /// `run: prog` or `url: host`.
    pub how: String,
    pub interval_secs: u64,
    /// For a webhook: whether the vault holds its signing secret.
    pub signing_secret: Option<bool>,
    pub last_at: Option<Millis>,
    pub last_ok: Option<bool>,
    pub last_detail: Option<String>,
}

/// A transaction's outcome, one per change, and what its push did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Applied {
    pub outcomes: Vec<Outcome>,
    pub push: Option<PushReport>,
}

/// What a branch listing or seed changed, and the push of what it queued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Followed {
    pub changes: crate::vault::BranchChanges,
    pub push: Option<PushReport>,
}

/// A followed target and its branches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BranchList {
    pub parent: Target,
    pub branches: Vec<BranchRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BranchRow {
    pub target: Target,
    pub totals: TargetTotals,
    /// (the parent's secret, the secret whose value this branch gets instead).
    pub overrides: Vec<(String, String)>,
}

/// What a command's own push did, per target it touched.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PushReport {
    /// Targets now holding the change.
    pub pushed: Vec<String>,
    /// Targets where the change is still queued, with why.
    pub queued: Vec<Queued>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Queued {
    pub target: String,
    pub reason: String,
    /// Supabase refused the change itself (a name, a value, the cap): retrying as it
    /// is will not help. Otherwise the request failed and the change is retried.
    #[serde(default)]
    pub refused: bool,
}

impl PushReport {
    /// One line per outcome, as a command prints them on stderr.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.pushed.is_empty() {
            out.push(format!("pushed to {} target(s)", self.pushed.len()));
        }
        for q in &self.queued {
            out.push(if q.refused {
                format!(
                    "refused by target {}: {}; the change stays queued until it is fixed",
                    q.target, q.reason
                )
            } else {
                format!(
                    "queued for target {}: {}; it will be retried by `keyward sync` or the daemon",
                    q.target, q.reason
                )
            });
        }
        out
    }

    /// The first refusal by Supabase, if any: (target, reason).
    pub fn refusal(&self) -> Option<&Queued> {
        self.queued.iter().find(|q| q.refused)
    }
}

/// `map`: each pair mapped (with its variable names) or refused (with why).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Mapped {
    /// (project/name, target, variable names)
    pub mapped: Vec<(String, String, Vec<String>)>,
    /// "project/name -> target: why"
    pub refused: Vec<String>,
    pub push: Option<PushReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecretListing {
    pub secrets: Vec<Listed>,
    /// Rotation policies by secret (only secrets that have one).
    pub policies: Vec<(SecretId, Vec<Policy>)>,
    pub status: Vec<VarStatus>,
}

/// What the dashboard's panes show, read from one snapshot. No values.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Dashboard {
    pub overview: Overview,
    pub connections: Vec<Connection>,
    /// Every target with the variables keyward manages there.
    pub targets: Vec<(Target, Vec<(String, VarState)>)>,
}

/// Part of a [`Dashboard`], re-read after a change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DashboardDelta {
    /// Live secrets as listed; None when purged or in the trash.
    pub secrets: Vec<(SecretId, Option<Listed>)>,
    pub trashed: usize,
    /// (target, variable, state)
    pub vars: Vec<(String, String, Option<VarState>)>,
    pub targets: Vec<(String, Option<Target>)>,
}

/// The end of a sync, retry or removal wait.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncOutcome {
    /// False when the wait timed out with work still open.
    pub finished: bool,
    pub status: Vec<VarStatus>,
}

/// One project a connection can see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub connection: String,
    pub project_ref: String,
    pub name: String,
    pub organization: String,
    pub added: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Connected {
    pub connection: Connection,
    pub projects_seen: usize,
    /// The token's format looks unusual (the API accepted it anyway).
    pub warning: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RotatedKey {
    pub name: String,
    pub key_id: String,
    pub key_name: String,
    pub version: u32,
    pub cleanup_pending: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SupabaseKey {
    pub id: String,
    /// The key, when it was not saved into the vault: shown once.
    pub value: Option<Sensitive>,
    /// (project, name, version) it was saved into.
    pub saved: Option<(String, String, u32)>,
}

/// Who owns a vault: what an attaching front end learns first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OwnerInfo {
    pub pid: u32,
    /// `keyward daemon`, `keyward serve`, `keyward` (a dashboard).
    pub command: String,
    pub vault: String,
    /// Waiting for `keyward unseal`.
    pub sealed: bool,
    pub version: String,
}

impl Reply {
    /// The variant's name, for a "wrong answer" error (a front end and an owner of
    /// different versions).
    pub fn kind(&self) -> &'static str {
        match self {
            Reply::Done => "done",
            Reply::VaultInfo(_) => "vault_info",
            Reply::Applied(_) => "applied",
            Reply::Mapped(_) => "mapped",
            Reply::Projects(_) => "projects",
            Reply::Secrets(_) => "secrets",
            Reply::Secret(_) => "secret",
            Reply::Revealed { .. } => "revealed",
            Reply::History { .. } => "history",
            Reply::Trash(_) => "trash",
            Reply::Exported { .. } => "exported",
            Reply::Audit(_) => "audit",
            Reply::Verdict(_) => "verdict",
            Reply::KeyRotations { .. } => "key_rotations",
            Reply::SigningRotations { .. } => "signing_rotations",
            Reply::AccessKeys(_) => "access_keys",
            Reply::Connections { .. } => "connections",
            Reply::Targets(_) => "targets",
            Reply::Status { .. } => "status",
            Reply::Policies { .. } => "policies",
            Reply::Mappings(_) => "mappings",
            Reply::TooLong(_) => "too_long",
            Reply::Dashboard(_) => "dashboard",
            Reply::Delta(_) => "delta",
            Reply::Synced(_) => "synced",
            Reply::Retried(_) => "retried",
            Reply::Plans(_) => "plans",
            Reply::Drift(_) => "drift",
            Reply::Names(_) => "names",
            Reply::RemoteProjects { .. } => "remote_projects",
            Reply::Connected(_) => "connected",
            Reply::Target(_) => "target",
            Reply::Branches(_) => "branches",
            Reply::BranchesFollowed(_) => "branches_followed",
            Reply::Removed(_) => "removed",
            Reply::Rotated(_) => "rotated",
            Reply::SigningRotated(_) => "signing_rotated",
            Reply::SupabaseKey(_) => "supabase_key",
            Reply::LegacyKeys(_) => "legacy_keys",
            Reply::TargetKeys(_) => "target_keys",
            Reply::Alerts { .. } => "alerts",
            Reply::AlertTest(_) => "alert_test",
        }
    }
}
