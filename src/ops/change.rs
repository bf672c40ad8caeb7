//! Changes to the vault, as data: one variant per write a front end may ask for. A list
//! of them is applied in one durable transaction (`Request::Apply`), so a form that
//! renames, sets a value and a note commits all or nothing.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Sensitive;
use crate::vault::{
    AccessKeyInfo, Cause, Generator, KeyRotation, Millis, NewKeyRotation, Planned, Policy, Project,
    SecretMeta, SecretValue, Target, Written,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    AddProject {
        name: String,
    },
    /// Adds the project unless it exists (the default home of rotated keys).
    EnsureProject {
        name: String,
    },
    RemoveProject {
        name: String,
    },
    /// Secrets, history and scopes follow the project (they hold its id).
    RenameProject {
        name: String,
        new_name: String,
    },
    /// A new version of a secret (creating it when missing). `merge`: the given fields
    /// are set and the secret's other fields kept; otherwise the value replaces it.
    Set {
        project: String,
        name: String,
        value: SecretValue,
        merge: bool,
        cause: Cause,
    },
    /// The note; nothing is written when it is already this.
    SetNote {
        project: String,
        name: String,
        note: Option<String>,
    },
    Rename {
        project: String,
        name: String,
        new_name: String,
    },
    Rollback {
        project: String,
        name: String,
        version: u32,
    },
    /// A new value from the rotation policy, now.
    Rotate {
        project: String,
        name: String,
        field: Option<String>,
    },
    SetPolicy {
        project: String,
        name: String,
        field: Option<String>,
        every: Millis,
        generator: Generator,
    },
    ClearPolicy {
        project: String,
        name: String,
        field: Option<String>,
    },
    Trash {
        project: String,
        name: String,
    },
    Restore {
        project: String,
        name: String,
    },
    Purge {
        project: String,
        name: String,
    },
    PurgeAll,
    /// A `.env` file's text; all or nothing.
    Import {
        project: String,
        text: Sensitive,
        dry_run: bool,
    },
    /// `remote`: the names the target holds now (from a listing), to refuse or adopt
    /// names keyward does not own and to count the cap.
    Map {
        project: String,
        name: String,
        target: String,
        env_name: Option<String>,
        adopt: bool,
        remote: Option<BTreeSet<String>>,
    },
    /// Takes over `variable`, found on the target and not created by keyward: maps the
    /// secret there again (keeping its variable name) with adopt, so the vault's value
    /// replaces it.
    Adopt {
        project: String,
        name: String,
        target: String,
        variable: String,
    },
    Unmap {
        project: String,
        name: String,
        target: String,
    },
    /// A project a connection's token can see, recorded as a target (the dashboard picks
    /// it from a listing; `keyward target add` looks it up first).
    AddTarget {
        project_ref: String,
        name: String,
        organization: String,
        connection: String,
    },
    /// Follow a target's preview branches (`Some`: with a pattern, or every
    /// non-default branch) or stop (`None`: nothing on the branches is deleted).
    WatchBranches {
        target: String,
        watch: Option<crate::vault::BranchWatch>,
    },
    /// On one branch of `target`, the variables `project/name` makes there get the value
    /// of `from` (`project`, `name`) instead; None ends the override.
    OverrideBranch {
        target: String,
        branch: String,
        project: String,
        name: String,
        from: Option<(String, String)>,
    },
    /// A Supabase API key rotation; with no connection, the target's.
    AddKeyRotation(NewKeyRotation),
    /// A JWT signing key rotation; with no connection, the target's.
    AddSigningRotation(crate::vault::NewSigningRotation),
    /// Schedule of a rotation; `grace` None keeps the one it has.
    EditKeyRotation {
        name: String,
        every_days: u32,
        at_minute: u32,
        auto: bool,
        grace: Option<Option<Millis>>,
    },
    SetKeyRotationAuto {
        name: String,
        auto: bool,
    },
    /// The JWT template new secret keys of a rotation get (None: the replaced key's).
    SetKeyRotationTemplate {
        name: String,
        template: Option<crate::vault::JwtTemplate>,
    },
    CreateAccessKey {
        name: String,
        projects: Vec<String>,
        allow_sync: bool,
    },
    RevokeAccessKey {
        id: String,
    },
    /// Store an alert's webhook signing secret (`whsec_...`), or make one (None).
    SetAlertSecret {
        name: String,
        secret: Option<Sensitive>,
    },
}

/// What one change did, in the order the changes were given.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    Project(Project),
    Written(Written),
    Meta(SecretMeta),
    Count(usize),
    Policy(Policy),
    Imported(Vec<Planned>),
    /// The variable names a mapping makes.
    Mapped(Vec<String>),
    Target(Target),
    KeyRotation {
        rotation: Box<KeyRotation>,
        warning: Option<String>,
    },
    SigningRotation(Box<crate::vault::SigningRotation>),
    /// A new access key: the only time its full key exists outside the caller.
    AccessKey {
        info: AccessKeyInfo,
        key: Sensitive,
    },
    AccessKeyRevoked(AccessKeyInfo),
    /// The signing secret as `whsec_<base64>`: shown once, for the receiver.
    AlertSecret(Sensitive),
}
