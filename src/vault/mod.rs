//! The domain and its storage: the only code that opens redb or touches keys.
//!
//! Entry points: [`Vault::create`] / [`Vault::open`] (unseal), then [`Vault::read`] for a
//! snapshot and [`Vault::write`] for one durable transaction. Operations are methods of
//! [`ReadTx`] and [`WriteTx`], spread over one file per concept.

mod audit;
mod clock;
mod codec;
mod dotenv;
mod envfile;
mod error;
mod generate;
mod limits;
mod lock;
mod model;
mod names;
mod projects;
mod rotation;
mod seal;
mod secrets;
mod store;
mod trash;

pub use audit::{Entry as AuditEntry, Event as AuditEvent, Outcome, Verdict};
pub use clock::{Clock, DAY_MS, Millis, format_duration, parse_duration, rfc3339};
pub use envfile::{Change, Planned};
pub use error::{Result, VaultError};
pub use generate::Generator;
pub use limits::{
    FIELD_NAME_MAX, FIELDS_MAX, NOTE_MAX, PROJECT_NAME_MAX, SECRET_NAME_MAX, VALUE_MAX,
};
pub use model::{
    Cause, Listed, Policy, Project, ProjectId, SecretId, SecretMeta, SecretValue, Shape,
    VersionMeta,
};
pub use names::{env_name, field_env_name};
pub use seal::{
    RECOMMENDED_MIN_WORK_FACTOR, load_identities, parse_recipient, work_factor_from_env,
};
pub use secrets::Written;
pub use store::{
    InitOptions, ReadTx, SealedVault, TRASH_RETENTION, Unlock, UnsealedKey, Vault, WriteTx,
};
