//! The domain and its storage: the only code that opens redb or touches keys.
//!
//! Opening: [`Vault::create`] (init) and [`Vault::open`] (unseal), or step by step with
//! [`SealedVault`] (open file and lock, [`SealedVault::unwrap_key`] which may be retried,
//! [`SealedVault::finish`]). Then:
//!
//! - [`Vault::read`] gives a [`ReadTx`]: a snapshot that never blocks and is never
//!   blocked by the writer (the TUI renders from these).
//! - [`Vault::write`] runs a closure on a [`WriteTx`] in one redb write transaction,
//!   committed durably if the closure returns `Ok`, discarded otherwise. Everything a
//!   change implies (version row, sealed value, audit entry, and later the sync
//!   engine's outbox rows) goes in that one transaction.
//!
//! Operations are methods of `ReadTx`/`WriteTx`, one file per concept. To add a concept
//! (connections, targets, mappings, outbox, ledger...): declare its tables in its own
//! file with `redb::TableDefinition` (names are part of the file format and of sealed
//! records' associated data), create them in `Vault::create_with` (and lazily for vaults
//! made before), and add `impl WriteTx<'_>` / `impl ReadTx<'_>` blocks there. Secret
//! material is sealed with `WriteTx::seal(table, record_key, plaintext)` and opened with
//! the vault key bound to the same table and key.

mod access;
mod access_key;
mod access_row;
mod alert_secrets;
mod audit;
mod branch_model;
mod branches;
mod clock;
mod codec;
mod connections;
mod dotenv;
mod envfile;
mod error;
mod generate;
mod invisible;
mod keyrotation;
mod keyrotation_model;
mod keywrap;
mod legacy_keys;
mod limits;
mod lock;
mod mappings;
mod model;
pub mod names;
mod outbox;
mod outbox_watch;
mod overview;
mod projects;
mod rotation;
mod seal;
mod secrets;
mod signing_model;
mod signing_rotation;
mod store;
mod sync_model;
mod sync_record;
mod tagged;
mod targets;
mod trash;

pub use access::{AccessKeyInfo, Grant, NewAccessKey, Refusal, Scope};
pub use access_key::{
    ID_LEN as ACCESS_KEY_ID_LEN, KEY_LEN as ACCESS_KEY_LEN, PREFIX as ACCESS_KEY_PREFIX,
    id_of as access_key_id, new_id as ksuid_at,
};
pub use alert_secrets::check_alert_name;
pub use audit::{Entry as AuditEntry, Event as AuditEvent, Outcome, Verdict, actor};
pub use branch_model::{BranchChanges, BranchInfo, BranchWatch, ListedBranch, glob_match};
pub use clock::{Clock, DAY_MS, Millis, format_duration, parse_duration, rfc3339};
pub use connections::token_fingerprint;
pub use envfile::{ImportChange, Planned};
pub use error::{Result, VaultError, present};
pub use generate::Generator;
pub use keyrotation_model::{
    IntoSecret, JwtTemplate, KeyKind, KeyRef, KeyRotation, KeyRotationState, KeyRotationStatus,
    NewKeyRotation, Phase, ROTATION_NAME_MAX, format_time_of_day, next_due_after,
    parse_time_of_day, reserved_name_warning,
};
pub use keywrap::KeyInfo;
pub use legacy_keys::{Holder, LegacyKeysState};
pub use limits::{
    FIELD_NAME_MAX, FIELDS_MAX, NOTE_MAX, PROJECT_NAME_MAX, SECRET_NAME_MAX, VALUE_MAX,
};
pub use lock::{LockNote, command_label, set_command_label};
pub use model::{
    Cause, Listed, Policy, Project, ProjectId, SecretId, SecretMeta, SecretValue, Shape,
    VersionMeta,
};
pub use names::env_name;
pub use outbox::RemoteDigests;
pub use outbox_watch::{OutboxRows, RowState, touched_rows};
pub use overview::Overview;
pub use rotation::DueRotation;
pub use seal::{
    DEFAULT_WORK_FACTOR, MAX_WORK_FACTOR, MIN_WORK_FACTOR, choose_work_factor, kdf_memory_mib,
    load_identities, parse_recipient,
};
pub use secrets::Written;
pub use signing_model::{
    Aging, DEFAULT_SIGNING_GRACE, NewSigningRotation, SigningAlg, SigningKeyRef, SigningPhase,
    SigningRotation, SigningState,
};
pub use store::{
    InitOptions, ReadTx, SealedVault, TRASH_RETENTION, Touched, Unlock, UnsealedKey, Vault, WriteTx,
};
pub use sync_model::{
    Connection, Mapping, MappingRow, OutboxOp, SyncState, Target, TargetHealth, TargetTotals,
    VarState, VarStatus,
};
