//! The vault key's wraps (age, to a passphrase and optionally to recipients) as stored,
//! each with a SHA-256 checksum beside it. A wrong passphrase and a damaged wrap fail
//! the same AEAD check, so without the checksum one flipped bit reads as "wrong
//! passphrase" and is recorded as a failed unseal. The checksum is not a defence
//! against someone who edits the file (they can rewrite both); it tells damage from a
//! wrong guess, before the passphrase is even tried.

use std::path::Path;

use redb::{Database, ReadableDatabase, Table};
use sha2::{Digest, Sha256};

use crate::vault::error::{Result, VaultError};
use crate::vault::storage::database::KEYWRAP;

pub(crate) const PASSPHRASE: &str = "passphrase";
pub(crate) const RECIPIENTS: &str = "recipients";

fn sum_key(name: &str) -> String {
    format!("{name}.sha256")
}

/// Stores a wrap and its checksum.
pub(crate) fn put(t: &mut Table<&str, &[u8]>, name: &str, wrap: &[u8]) -> Result<()> {
    t.insert(name, wrap)?;
    t.insert(sum_key(name).as_str(), Sha256::digest(wrap).as_slice())?;
    Ok(())
}

/// A wrap as read, and whether it failed its checksum.
pub(crate) struct Wrap {
    pub bytes: Vec<u8>,
    pub damaged: bool,
    /// Written by a version before checksums: added at the next successful unseal.
    pub unchecked: bool,
}

impl Wrap {
    /// The error to give instead of trying a passphrase or identity on a damaged wrap.
    pub fn damage(&self, path: &Path, what: &str) -> Option<VaultError> {
        self.damaged.then(|| VaultError::NotAVault {
            path: path.to_path_buf(),
            why: format!(
                "its {what} wrap of the vault key is damaged (it no longer matches its checksum), so the {what} was not tried"
            ),
            source: None,
        })
    }
}

/// The passphrase wrap and the recipients wrap, if any.
pub(crate) fn read(db: &Database, path: &Path) -> Result<(Wrap, Option<Wrap>)> {
    let r = db.begin_read()?;
    let t = r.open_table(KEYWRAP).map_err(|e| VaultError::NotAVault {
        path: path.to_path_buf(),
        why: e.to_string(),
        source: Some(Box::new(e)),
    })?;
    let one = |name: &str| -> Result<Option<Wrap>> {
        let Some(bytes) = t.get(name)?.map(|g| g.value().to_vec()) else {
            return Ok(None);
        };
        let sum = t.get(sum_key(name).as_str())?.map(|g| g.value().to_vec());
        Ok(Some(Wrap {
            damaged: sum
                .as_deref()
                .is_some_and(|s| s != Sha256::digest(&bytes).as_slice()),
            unchecked: sum.is_none(),
            bytes,
        }))
    };
    let pass = one(PASSPHRASE)?.ok_or_else(|| VaultError::NotAVault {
        path: path.to_path_buf(),
        why: "its sealed key is missing".into(),
        source: None,
    })?;
    Ok((pass, one(RECIPIENTS)?))
}

/// What can be said about a vault's sealing without its key: `keyward info`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyInfo {
    /// scrypt log2 N of the passphrase wrap (None: unreadable header).
    pub kdf_work_factor: Option<u8>,
    /// What one unseal with the passphrase takes in memory.
    pub kdf_memory_mib: Option<u64>,
    /// X25519 recipients that can unseal with `--identity`.
    pub recipients: usize,
    /// Whether the wraps carry checksums (vaults from before them get one at unseal).
    pub checksums: bool,
    pub file_bytes: u64,
}

pub(crate) fn info(db: &Database, path: &Path) -> Result<KeyInfo> {
    let (pass, rcpt) = read(db, path)?;
    let n = crate::vault::storage::seal::wrap_work_factor(&pass.bytes);
    Ok(KeyInfo {
        kdf_work_factor: n,
        kdf_memory_mib: n.map(crate::vault::storage::seal::kdf_memory_mib),
        recipients: rcpt.as_ref().map_or(0, |w| {
            crate::vault::storage::seal::wrap_recipients(&w.bytes)
        }),
        checksums: !pass.unchecked && rcpt.as_ref().is_none_or(|w| !w.unchecked),
        file_bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
    })
}
