//! What a front end asks the owner: reads, a transaction of changes, and the commands
//! that need the engine or Supabase.

use serde::{Deserialize, Serialize};

use super::{Change, Sensitive};
use crate::vault::KeyKind;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// A read: what a screen or a command shows.
    Query(Query),
    /// Changes applied in one durable transaction. `push`: wait until what they queued
    /// is pushed (or failed), and report it, as a headless command does.
    Apply {
        changes: Vec<Change>,
        push: bool,
    },
    /// Many secrets x many targets, each pair in its own transaction (a refused pair
    /// never stops the others), after listing each target's names.
    Map(MapRequest),
    /// Queue every mapping and push; wait until nothing is open (at most `timeout_ms`).
    Sync {
        timeout_ms: Option<u64>,
    },
    /// Retry now, unhealthy targets included; with `wait`, until it settles.
    Retry {
        target: Option<String>,
        wait: bool,
    },
    /// What a sync would create, update, overwrite and delete (asks Supabase).
    Plan {
        target: Option<String>,
    },
    /// Compare targets with what keyward pushed; marks drifted variables.
    Drift {
        target: Option<String>,
    },
    /// The names a target holds on Supabase now (one listing).
    RemoteNames {
        target: String,
    },
    /// Every project each connection's token can see (for "add a target").
    RemoteProjects,
    /// Validate a Personal Access Token with the Management API, then store it.
    Connect {
        name: String,
        url: String,
        project_ref: Option<String>,
        /// The projects' own URL template (`https://{ref}.example.com`) for key checks,
        /// stored with the connection; None = the hosted platform's.
        #[serde(default)]
        project_url: Option<String>,
        /// Allow a plain `http://` URL to another machine (the token then travels in
        /// clear); refused without it.
        #[serde(default)]
        insecure_http: bool,
        token: Sensitive,
    },
    Reconnect {
        name: String,
        token: Sensitive,
    },
    /// Delete a connection's token; `remove_targets` first removes its targets (and
    /// waits until keyward's variables are deleted there).
    Disconnect {
        name: String,
        remove_targets: bool,
    },
    /// Look the project up through the connection, then record it as a target.
    AddTarget {
        project_ref: String,
        connection: Option<String>,
        /// Follow its preview branches too (listed, added and seeded at once).
        #[serde(default)]
        branches: Option<crate::vault::BranchWatch>,
    },
    /// A followed target's branches, now: list them (one request), add, seed and drop
    /// as the listing says, and push what that queued. With `seed`, only that branch
    /// (by name or git branch), read by name and seeded even before it reports ready.
    Branches {
        target: String,
        seed: Option<String>,
    },
    /// Remove a target and wait until every variable keyward put there is deleted.
    RemoveTarget {
        project_ref: String,
    },
    /// Supabase API key rotations: run now, revoke as compromised, remove.
    RotationRun {
        name: String,
    },
    RotationRevoke {
        name: String,
        reason: String,
    },
    RotationRemove {
        name: String,
    },
    /// A target's legacy `anon`/`service_role` API keys: what uses them, and turning
    /// them off (after a plan and with a check) or on again.
    LegacyKeys {
        target: String,
        action: LegacyAction,
    },
    /// Every key of a target as Supabase lists it (API keys with their templates, the
    /// legacy keys' state, the JWT signing keys), marked with the rotation that owns it.
    TargetKeys {
        target: String,
    },
    /// An ad hoc Supabase API key; its value comes back once, or goes into `into`.
    CreateSupabaseKey {
        name: String,
        target: String,
        kind: KeyKind,
        description: Option<String>,
        into: Option<(String, String)>,
    },
    /// Re-wrap the vault key to a new passphrase.
    ChangePassphrase {
        new: Sensitive,
        work_factor: Option<u8>,
    },
    /// Send a sample event of this kind to every alert listening to it, now.
    AlertTest {
        kind: crate::alerts::Kind,
    },
    /// Give a sealed owner its key.
    Unseal(UnsealWith),
    /// Make the owner forget its key (it keeps the file and waits for `Unseal`).
    Seal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegacyAction {
    /// Enabled or not, and what still holds their values.
    Status,
    /// Disable them; without `confirm` only the plan is returned.
    Disable { confirm: bool },
    /// Enable them again (the roll-back).
    Enable,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnsealWith {
    Passphrase(Sensitive),
    /// The text of an age identity file.
    Identity(Sensitive),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapRequest {
    /// (project, secret name) pairs.
    pub secrets: Vec<(String, String)>,
    pub targets: Vec<String>,
    pub env_name: Option<String>,
    pub adopt: bool,
    pub push: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Query {
    /// Projects with their number of secrets.
    Projects,
    /// Live secrets (of one project or all), their policies and per-target status.
    Secrets {
        project: Option<String>,
    },
    /// One secret's metadata.
    Secret {
        project: String,
        name: String,
    },
    /// A value (or one field, or an older version). Audited: the purpose is to show it.
    Reveal {
        project: String,
        name: String,
        field: Option<String>,
        version: Option<u32>,
    },
    History {
        project: String,
        name: String,
    },
    Trash,
    /// A project as `.env` lines. Audited: it reveals values.
    Export {
        project: String,
    },
    Audit {
        action: Option<String>,
    },
    VerifyAudit,
    KeyRotations,
    /// JWT signing key rotations.
    SigningRotations,
    AccessKeys,
    Connections,
    Targets,
    /// A target's followed branches with their counts and overrides.
    Branches {
        target: String,
    },
    /// Every target with its health and counts, and every mapped variable's state.
    Status,
    Policies {
        project: String,
        name: String,
    },
    Mappings {
        project: String,
        name: String,
    },
    /// Which of these (project, name) secrets hold a value or field that Supabase would
    /// refuse (over 24,576 characters), so a sync review can say so before mapping.
    /// Only the reasons leave the owner, never a value: not an audited reveal.
    TooLong {
        secrets: Vec<(String, String)>,
    },
    /// Everything the dashboard's panes show (masked: no values).
    Dashboard,
    /// How the vault is sealed (answered sealed too: it needs no key).
    VaultInfo,
    /// The alerts the owner runs, with their last delivery.
    Alerts,
    /// Only what an event said changed, for the panes to patch in place.
    Delta(crate::engine::Delta),
}
