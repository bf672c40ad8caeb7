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
mod alert_secrets;
mod audit;
mod clock;
mod error;
mod invisible;
mod limits;
pub mod names;
mod secrets;
mod storage;
mod supabase_keys;
mod sync;

pub use access::format::{
    ID_LEN as ACCESS_KEY_ID_LEN, KEY_LEN as ACCESS_KEY_LEN, PREFIX as ACCESS_KEY_PREFIX,
    id_of as access_key_id, new_id as ksuid_at,
};
pub use access::keys::{AccessKeyInfo, Grant, NewAccessKey, Refusal, Scope};
pub use alert_secrets::check_alert_name;
pub use audit::{Entry as AuditEntry, Event as AuditEvent, Outcome, Verdict, actor};
pub use clock::{Clock, DAY_MS, Millis, format_duration, parse_duration, rfc3339};
pub use error::{Result, VaultError, present};
pub use limits::{
    FIELD_NAME_MAX, FIELDS_MAX, NOTE_MAX, PROJECT_NAME_MAX, SECRET_NAME_MAX, VALUE_MAX,
};
pub use names::env_name;
pub use secrets::envfile::{ImportChange, Planned};
pub use secrets::generate::Generator;
pub use secrets::overview::Overview;
pub use secrets::policies::DueRotation;
pub use secrets::record::{
    Cause, Listed, Policy, Project, ProjectId, SecretId, SecretMeta, SecretValue, Shape,
    VersionMeta,
};
pub use secrets::versions::Written;
pub use storage::database::{
    InitOptions, ReadTx, SealedVault, TRASH_RETENTION, Touched, Unlock, UnsealedKey, Vault, WriteTx,
};
pub use storage::keywrap::KeyInfo;
pub use storage::lock::{LockNote, command_label, set_command_label};
pub use storage::seal::{
    DEFAULT_WORK_FACTOR, MAX_WORK_FACTOR, MIN_WORK_FACTOR, choose_work_factor, kdf_memory_mib,
    load_identities, parse_recipient,
};
pub use supabase_keys::api::record::{
    IntoSecret, JwtTemplate, KeyKind, KeyRef, KeyRotation, KeyRotationState, KeyRotationStatus,
    NewKeyRotation, Phase, reserved_name_warning,
};
pub use supabase_keys::legacy::{Holder, LegacyKeysState};
pub use supabase_keys::schedule::{
    ROTATION_NAME_MAX, Scheduled, format_schedule, format_time_of_day, next_due_after,
    parse_time_of_day,
};
pub use supabase_keys::signing::record::{
    Aging, DEFAULT_SIGNING_GRACE, NewSigningRotation, SigningAlg, SigningKeyRef, SigningPhase,
    SigningRotation, SigningState,
};
pub use sync::branches::record::{
    BranchChanges, BranchInfo, BranchWatch, ListedBranch, glob_match,
};
pub use sync::connections::token_fingerprint;
pub(crate) use sync::mapper::How;
pub use sync::outbox::RemoteDigests;
pub use sync::outbox_watch::{OutboxRows, RowState, touched_rows};
pub use sync::record::{
    Connection, Mapping, MappingRow, OutboxOp, SyncState, Target, TargetHealth, TargetTotals,
    VarState, VarStatus,
};
