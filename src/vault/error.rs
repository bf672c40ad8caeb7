//! One error type for the vault. Every message is a single line that says what went
//! wrong and what to do; none ever contains a value, a passphrase or a token.

use std::path::PathBuf;

pub type Result<T, E = VaultError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at {0}: create one with `keyward init`, or pass --vault PATH")]
    NoVault(PathBuf),
    #[error("a file already exists at {0}: keep it, or pass --vault PATH for the new vault")]
    AlreadyExists(PathBuf),
    #[error(
        "{path} is not a usable keyward vault ({why}): check --vault / KEYWARD_VAULT, or restore the file from a backup"
    )]
    NotAVault { path: PathBuf, why: String },
    #[error(
        "the vault {path} is open in another process ({holder}): close it or wait for it to finish, then retry"
    )]
    Locked { path: PathBuf, holder: String },
    #[error(
        "wrong passphrase for {0}: try again (KEYWARD_PASSPHRASE, --passphrase-file or the prompt)"
    )]
    WrongPassphrase(PathBuf),
    #[error(
        "the identity cannot unseal {0}: use the passphrase, or an identity the vault was sealed to with `init --recipient`"
    )]
    WrongIdentity(PathBuf),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(
        "a sealed record failed to open ({0}): the vault file is damaged or was tampered with; restore it from a backup"
    )]
    Tampered(String),
    #[error("vault storage error ({0}): check the disk and the file's permissions, then retry")]
    Storage(String),
}

impl VaultError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }
    pub(crate) fn not_found(msg: impl Into<String>) -> Self {
        Self::NotFound(msg.into())
    }
    pub(crate) fn conflict(msg: impl Into<String>) -> Self {
        Self::Conflict(msg.into())
    }
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for VaultError {
            fn from(e: $t) -> Self {
                // Storage errors carry no record content, only redb's own description.
                VaultError::Storage(e.to_string().lines().next().unwrap_or("unknown").to_string())
            }
        }
    )*};
}
storage_from!(
    redb::Error,
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    std::io::Error
);

impl From<serde_json::Error> for VaultError {
    fn from(e: serde_json::Error) -> Self {
        VaultError::Storage(format!("a record could not be decoded: {e}"))
    }
}
