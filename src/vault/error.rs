//! One error type for the vault. Every message is a single line that says what went
//! wrong and what to do; none ever contains a value, a passphrase or a token. An error of
//! redb, age or the file system behind one is kept as its `source` (for logs and
//! debugging), never added to the message.

use std::path::PathBuf;

pub type Result<T, E = VaultError> = std::result::Result<T, E>;

/// An error of a library underneath (redb, age, the file system), kept as a source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at {0}: create one with `keyward init`, or pass --vault PATH")]
    NoVault(PathBuf),
    #[error(
        "cannot look for the vault at {path}: {why}; check the permissions of the directories on the way (`ls -ld {dir}`), or pass --vault PATH"
    )]
    Unreachable {
        path: PathBuf,
        dir: PathBuf,
        why: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the vault {0} is read-only for this user: keyward writes to it on every use (each unseal and each reveal is audited), even to list; make it writable (`chmod u+w`), or copy it somewhere writable to look into it"
    )]
    ReadOnly(PathBuf),
    #[error(
        "this user may not read the vault {0} (permission denied): run keyward as the user who owns it, or fix its owner and mode (0600)"
    )]
    Unreadable(PathBuf),
    #[error("a file already exists at {0}: keep it, or pass --vault PATH for the new vault")]
    AlreadyExists(PathBuf),
    #[error(
        "{path} is not a usable keyward vault ({why}): check --vault / KEYWARD_VAULT, or restore the file from a backup"
    )]
    NotAVault {
        path: PathBuf,
        why: String,
        /// The error of redb or age that said so, when there was one.
        #[source]
        source: Option<BoxError>,
    },
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
    /// A record the vault's own index points at is gone or unreadable.
    #[error(
        "the vault file is damaged ({0}): restore it from a backup; `keyward audit verify` tells whether its log was touched too"
    )]
    Damaged(String),
    /// An error of redb, of the file system, of a record's decoding or of the thread a
    /// write ran on: `why` says it in one line, and the error itself is kept as the source.
    #[error("vault storage error ({why}): check the disk and the file's permissions, then retry")]
    Storage {
        why: String,
        #[source]
        source: BoxError,
    },
}

/// Whether something is at the vault's `path`. Only "not found" means no vault: a
/// directory on the way that this user may not enter is reported as such, not as a
/// missing vault to create.
pub fn present(path: &std::path::Path) -> Result<bool> {
    path.try_exists().map_err(|e| {
        // The nearest directory on the way that exists but cannot be entered or read.
        let dir = path
            .ancestors()
            .skip(1)
            .find(|d| std::fs::metadata(d).is_ok() && std::fs::read_dir(d).is_err())
            .or_else(|| path.parent())
            .unwrap_or(path)
            .to_path_buf();
        let why = match e.kind() {
            std::io::ErrorKind::PermissionDenied => {
                format!("permission denied on {}", dir.display())
            }
            _ => e.to_string(),
        };
        VaultError::Unreachable {
            path: path.to_path_buf(),
            dir,
            why,
            source: e,
        }
    })
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
    /// A storage error whose message is `why`, keeping `source` behind it.
    pub(crate) fn storage(why: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Storage {
            why: why.into(),
            source: source.into(),
        }
    }
    /// A refusal (invalid, conflict) whose message starts with what it is about
    /// (`what: message`); any other error unchanged.
    pub(crate) fn about(self, what: &str) -> Self {
        match self {
            Self::Invalid(m) => Self::Invalid(format!("{what}: {m}")),
            Self::Conflict(m) => Self::Conflict(format!("{what}: {m}")),
            other => other,
        }
    }
    /// A blocking task that panicked or was cancelled: a storage error whose message is
    /// `prefix` and the task's error, keeping it behind.
    pub(crate) fn task_failed(prefix: &str, e: tokio::task::JoinError) -> Self {
        Self::storage(format!("{prefix}{e}"), e)
    }
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for VaultError {
            fn from(e: $t) -> Self {
                // Storage errors carry no record content, only redb's own description.
                VaultError::storage(
                    e.to_string().lines().next().unwrap_or("unknown"),
                    e,
                )
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
        VaultError::storage(format!("a record could not be decoded: {e}"), e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn storage_errors_keep_their_source_and_their_one_line() {
        let e = VaultError::from(std::io::Error::other("disk on fire\nsecond line"));
        assert_eq!(
            e.to_string(),
            "vault storage error (disk on fire): check the disk and the file's permissions, then retry"
        );
        let source = e.source().expect("the io error is kept");
        assert!(source.to_string().starts_with("disk on fire"));
        let json = serde_json::from_str::<u8>("x").unwrap_err();
        let said = json.to_string();
        let e = VaultError::from(json);
        assert_eq!(
            e.to_string(),
            format!(
                "vault storage error (a record could not be decoded: {said}): check the disk and the file's permissions, then retry"
            )
        );
        assert_eq!(
            e.source().expect("the json error is kept").to_string(),
            said
        );
    }
}
