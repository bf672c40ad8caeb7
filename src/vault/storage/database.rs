//! The redb layer: table definitions and key encodings, opening and creating the file,
//! and the typed transactions every other vault module works through.
//!
//! `Vault::write` runs a closure in one redb write transaction and commits it durably;
//! modules extend [`WriteTx`] with their own `impl` blocks (the sync engine will add its
//! outbox rows there, in the same transaction as the change that caused them).

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::vault::audit::{self, Outcome};
use crate::vault::clock::{Clock, Millis};
use crate::vault::error::{Result, VaultError};
use crate::vault::storage::keywrap;
use crate::vault::storage::lock::LockNote;
use crate::vault::storage::seal::{self, UnwrapError, VaultKey};

mod create;

// Tables. Names are part of the file format and of every sealed record's associated data:
// never rename one.
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
pub(crate) const KEYWRAP: TableDefinition<&str, &[u8]> = TableDefinition::new("keywrap");
pub(crate) const PROJECTS: TableDefinition<u64, &[u8]> = TableDefinition::new("projects");
pub(crate) const PROJECT_NAMES: TableDefinition<&str, u64> = TableDefinition::new("project_names");
pub(crate) const SECRETS: TableDefinition<u64, &[u8]> = TableDefinition::new("secrets");
/// (project id, secret name) -> secret id. Trashed secrets keep their name reserved.
pub(crate) const SECRET_NAMES: TableDefinition<(u64, &str), u64> =
    TableDefinition::new("secret_names");
/// (secret id, version) -> VersionMeta (clear).
pub(crate) const VERSIONS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("versions");
/// (secret id, version) -> sealed SecretValue.
pub(crate) const VALUES: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("values");
/// (secret id, field or "" for the whole secret) -> Policy.
pub(crate) const POLICIES: TableDefinition<(u64, &str), &[u8]> = TableDefinition::new("policies");
/// (purge-after time, secret id): lets opening purge expired trash with a range scan.
pub(crate) const TRASH_EXPIRY: TableDefinition<(i64, u64), ()> =
    TableDefinition::new("trash_expiry");
pub(crate) const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
/// Events recorded while the key is unavailable (failed unseals); folded into the keyed
/// chain at the next successful unseal.
pub(crate) const AUDIT_PENDING: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_pending");

pub(crate) const VALUES_TABLE: &str = "values";
const FORMAT: &[u8] = b"keyward-vault-1";

pub const TRASH_RETENTION: Millis = 30 * crate::vault::clock::DAY_MS;

/// The associated data key of a sealed value: big-endian (secret id, version).
pub(crate) fn value_key(secret: u64, version: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&secret.to_be_bytes());
    k[8..].copy_from_slice(&version.to_be_bytes());
    k
}

/// How to unseal an existing vault.
pub enum Unlock {
    Passphrase(SecretString),
    /// An age identity file holding X25519 keys the vault was sealed to.
    Identity(PathBuf),
    /// The text of such a file, read by a front end and handed to the owner
    /// (`keyward unseal --identity FILE` on a sealed daemon).
    IdentityText(zeroize::Zeroizing<String>),
}

/// What `init` needs.
pub struct InitOptions {
    pub passphrase: SecretString,
    pub recipients: Vec<age::x25519::Recipient>,
    /// scrypt log2(N); None = `DEFAULT_WORK_FACTOR`.
    pub work_factor: Option<u8>,
}

pub struct Vault {
    // Declared first so the holder note goes before the redb lock is released.
    _lock: LockNote,
    pub(crate) db: Database,
    pub(crate) key: VaultKey,
    /// Authenticates metadata rows (see storage/tagged.rs); derived once per open.
    pub(crate) meta_key: zeroize::Zeroizing<[u8; 32]>,
    /// Keys access key verifiers (access/keys.rs); derived once per open, not per request.
    pub(crate) access_mac_key: zeroize::Zeroizing<[u8; 32]>,
    path: PathBuf,
    actor: String,
    clock: Clock,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Vault {
    pub fn open(path: &Path, unlock: &Unlock) -> Result<Vault> {
        Self::open_with(path, unlock, Clock::system())
    }

    /// Opens and unseals in one go; see [`SealedVault`] for the steps.
    pub fn open_with(path: &Path, unlock: &Unlock, clock: Clock) -> Result<Vault> {
        let sealed = SealedVault::open(path, clock)?;
        let key = sealed.unwrap_key(unlock)?;
        sealed.finish(key)
    }

    /// Folds pending audit events into the chain and purges trash past its retention.
    fn housekeeping(&self) -> Result<()> {
        let now = self.clock.now();
        let work = {
            let r = self.db.begin_read()?;
            let pending = r.open_table(AUDIT_PENDING)?.first()?.is_some();
            let expired = r
                .open_table(TRASH_EXPIRY)?
                .range(..=(now, u64::MAX))?
                .next()
                .is_some();
            // Vaults made before the sync tables existed get them once.
            let old = r
                .open_table(crate::vault::sync::targets::UNHEALTHY)
                .is_err();
            let unindexed = r
                .open_table(crate::vault::sync::states::VARS_BY_SECRET)
                .is_err();
            (pending || expired || old || unindexed, unindexed)
        };
        if let (true, unindexed) = work {
            self.write(|tx| {
                tx.create_sync_tables()?;
                if unindexed {
                    tx.build_var_index()?;
                }
                tx.fold_pending_audit()?;
                tx.purge_expired()
            })?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn actor(&self) -> &str {
        &self.actor
    }
    pub fn now(&self) -> Millis {
        self.clock.now()
    }
    /// The clock every transaction takes its time from (schedulers read it too).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A snapshot: sees the state as of now, never blocks or is blocked by the writer.
    pub fn read(&self) -> Result<ReadTx<'_>> {
        Ok(ReadTx {
            tx: self.db.begin_read()?,
            vault: self,
        })
    }

    /// Runs `f` in one write transaction and commits it durably if `f` succeeds; on error
    /// nothing is written.
    pub fn write<T>(&self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        self.write_via(None, f)
    }

    /// `write` on behalf of an attached front end: its audit entries name it (`via`).
    pub fn write_via<T>(
        &self,
        via: Option<&str>,
        f: impl FnOnce(&mut WriteTx<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_touched(via, f).map(|(t, _)| t)
    }

    /// `write_via`, also saying what the transaction changed.
    pub fn write_touched<T>(
        &self,
        via: Option<&str>,
        f: impl FnOnce(&mut WriteTx<'_>) -> Result<T>,
    ) -> Result<(T, Touched)> {
        let tx = self.db.begin_write()?;
        let mut wtx = WriteTx {
            tx,
            vault: self,
            now: self.clock.now(),
            via: via.map(str::to_owned),
            touched: Touched::default(),
            names: None,
            values: Default::default(),
            audit_tail: None,
        };
        let out = f(&mut wtx)?;
        wtx.write_audit_head()?;
        let touched = std::mem::take(&mut wtx.touched);
        wtx.tx.commit()?;
        Ok((out, touched))
    }

    /// Forgets the key and keeps the file (and its lock): `keyward seal`. Sealed again,
    /// the vault waits for [`SealedVault::unwrap_key`] like a fresh open.
    pub fn seal(self) -> Result<SealedVault> {
        let (pass_wrap, rcpt_wrap) = keywrap::read(&self.db, &self.path)?;
        // The key and its derived keys are zeroized as they drop here.
        Ok(SealedVault {
            lock: self._lock,
            db: self.db,
            path: self.path,
            clock: self.clock,
            pass_wrap,
            rcpt_wrap,
        })
    }

    /// How the vault is sealed (no key needed): `keyward info`.
    pub fn key_info(&self) -> Result<keywrap::KeyInfo> {
        keywrap::info(&self.db, &self.path)
    }

    /// Re-wraps the vault key to a new passphrase (and work factor; None: the default).
    /// Values are not re-sealed: the key is unchanged, only its passphrase wrap is
    /// replaced.
    pub fn change_passphrase(&self, new: &SecretString, work_factor: Option<u8>) -> Result<()> {
        let wrap = seal::wrap_with_passphrase(
            &self.key,
            new,
            work_factor.unwrap_or(seal::DEFAULT_WORK_FACTOR),
        )?;
        self.write(|tx| {
            keywrap::put(&mut tx.tx.open_table(KEYWRAP)?, keywrap::PASSPHRASE, &wrap)?;
            tx.audit("passphrase-change", "vault", Outcome::Ok, "")
        })
    }
}

/// A vault file that is open and locked but still sealed. Splitting the open lets a
/// prompt retry a wrong passphrase without reopening the file, and lets the benchmark
/// time "open after the key is unwrapped" on its own.
pub struct SealedVault {
    lock: LockNote,
    db: Database,
    path: PathBuf,
    clock: Clock,
    pass_wrap: keywrap::Wrap,
    rcpt_wrap: Option<keywrap::Wrap>,
}

/// The vault key, unwrapped, waiting for [`SealedVault::finish`]. Opaque and redacted.
/// The second field names the wrap that opened, when it has no checksum yet.
pub struct UnsealedKey(VaultKey, Option<&'static str>);

impl std::fmt::Debug for UnsealedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnsealedKey(<redacted>)")
    }
}

impl SealedVault {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How the vault is sealed: readable without the key.
    pub fn key_info(&self) -> Result<keywrap::KeyInfo> {
        keywrap::info(&self.db, &self.path)
    }

    /// Opens the file (taking the lock) and checks that it is a keyward vault.
    pub fn open(path: &Path, clock: Clock) -> Result<SealedVault> {
        let db = open_db(path)?;
        let lock = LockNote::take(path);
        let (pass_wrap, rcpt_wrap) = keywrap::read(&db, path)?;
        Ok(SealedVault {
            lock,
            db,
            path: path.to_path_buf(),
            clock,
            pass_wrap,
            rcpt_wrap,
        })
    }

    /// Unwraps the vault key (the scrypt or X25519 work). A failure is recorded for the
    /// audit log and can be retried.
    pub fn unwrap_key(&self, unlock: &Unlock) -> Result<UnsealedKey> {
        self.unwrap_key_via(unlock, None)
    }

    /// `unwrap_key` for an attached front end (`keyward unseal`): a failure's audit
    /// entry names it.
    pub fn unwrap_key_via(&self, unlock: &Unlock, via: Option<&str>) -> Result<UnsealedKey> {
        let (wrap, name) = match unlock {
            Unlock::Passphrase(_) => (Some(&self.pass_wrap), keywrap::PASSPHRASE),
            _ => (self.rcpt_wrap.as_ref(), keywrap::RECIPIENTS),
        };
        if let Some(e) = wrap.and_then(|w| w.damage(&self.path, name)) {
            return Err(e);
        }
        let unwrapped = match unlock {
            Unlock::Passphrase(p) => seal::unwrap_with_passphrase(&self.pass_wrap.bytes, p),
            Unlock::Identity(file) => self.unwrap_with(&seal::load_identities(file)?),
            Unlock::IdentityText(text) => self.unwrap_with(&seal::parse_identities(text)?),
        };
        match unwrapped {
            Ok(k) => Ok(UnsealedKey(
                k,
                wrap.is_some_and(|w| w.unchecked).then_some(name),
            )),
            Err(UnwrapError::NoMatch) => {
                let (err, how) = match unlock {
                    Unlock::Passphrase(_) => (
                        VaultError::WrongPassphrase(self.path.clone()),
                        "wrong passphrase",
                    ),
                    Unlock::Identity(_) | Unlock::IdentityText(_) => (
                        VaultError::WrongIdentity(self.path.clone()),
                        "identity did not match",
                    ),
                };
                audit::record_pending(&self.db, self.clock.now(), how, via)?;
                Err(err)
            }
            Err(UnwrapError::Damaged(why, source)) => Err(VaultError::NotAVault {
                path: self.path.clone(),
                why: format!("its sealed key is damaged: {why}"),
                source,
            }),
        }
    }

    fn unwrap_with(
        &self,
        ids: &[Box<dyn age::Identity + Send + Sync>],
    ) -> std::result::Result<VaultKey, UnwrapError> {
        match &self.rcpt_wrap {
            Some(w) => seal::unwrap_with_identities(&w.bytes, ids),
            None => Err(UnwrapError::NoMatch),
        }
    }

    /// Finishes opening: folds pending audit events and purges expired trash (index
    /// probes; a write only when there is work).
    pub fn finish(self, key: UnsealedKey) -> Result<Vault> {
        // The wrap that just opened the key is sound: its checksum, if it has none yet.
        let unchecked = key.1.and_then(|name| {
            let bytes = if name == keywrap::PASSPHRASE {
                Some(self.pass_wrap.bytes)
            } else {
                self.rcpt_wrap.map(|w| w.bytes)
            };
            bytes.map(|b| (name, b))
        });
        let vault = Vault {
            _lock: self.lock,
            db: self.db,
            meta_key: key.0.derive("meta"),
            access_mac_key: key.0.derive("access-keys"),
            key: key.0,
            path: self.path,
            actor: audit::actor(),
            clock: self.clock,
        };
        vault.housekeeping()?;
        if let Some((name, bytes)) = unchecked {
            // From now on damage is told apart from a wrong passphrase.
            vault.write(|tx| keywrap::put(&mut tx.tx.open_table(KEYWRAP)?, name, &bytes))?;
        }
        Ok(vault)
    }
}

fn open_db(path: &Path) -> Result<Database> {
    let md = match std::fs::metadata(path) {
        Ok(md) => md,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(VaultError::NoVault(path.to_path_buf()));
        }
        Err(e) => return Err(e.into()),
    };
    let not_a_vault = |why: &str| VaultError::NotAVault {
        path: path.to_path_buf(),
        why: why.into(),
        source: None,
    };
    if md.is_dir() {
        return Err(not_a_vault("it is a directory"));
    }
    if md.len() == 0 {
        // redb would happily initialise an empty file; an empty file is never a vault.
        return Err(not_a_vault("the file is empty"));
    }
    let db = Database::builder()
        .open(path)
        .map_err(|e| open_error(path, e))?;
    let format = (|| -> Result<bool> {
        let r = db.begin_read()?;
        let meta = match r.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        Ok(meta.get("format")?.is_some_and(|f| f.value() == FORMAT))
    })()
    .map_err(|e| not_a_vault(&e.to_string()))?;
    if !format {
        return Err(not_a_vault("a redb database, but not one keyward created"));
    }
    Ok(db)
}

fn open_error(path: &Path, e: redb::DatabaseError) -> VaultError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => VaultError::Locked {
            path: path.to_path_buf(),
            holder: LockNote::describe_holder(path),
        },
        redb::DatabaseError::Storage(redb::StorageError::Io(io))
            if matches!(
                io.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            // Readable but not writable is its own case: every use writes (unseals and
            // reveals are audited), and "permission denied" alone sends people to check
            // the wrong thing.
            if std::fs::File::open(path).is_ok() {
                VaultError::ReadOnly(path.to_path_buf())
            } else {
                VaultError::Unreadable(path.to_path_buf())
            }
        }
        other => VaultError::NotAVault {
            path: path.to_path_buf(),
            why: other.to_string(),
            source: Some(Box::new(other)),
        },
    }
}

/// A read snapshot.
pub struct ReadTx<'v> {
    pub(crate) tx: redb::ReadTransaction,
    pub(crate) vault: &'v Vault,
}

/// One write transaction. Other vault modules add operations with `impl WriteTx<'_>`.
pub struct WriteTx<'v> {
    pub(crate) tx: redb::WriteTransaction,
    pub(crate) vault: &'v Vault,
    /// One timestamp for everything this transaction records.
    pub(crate) now: Millis,
    /// The attached front end this change came from, for the audit log.
    pub(crate) via: Option<String>,
    /// What this transaction changed, for whoever shows it.
    pub(crate) touched: Touched,
    /// One target's variable names as mapping checks them, kept across the mappings of
    /// one transaction (see `sync::mapper::Names`).
    pub(crate) names: Option<crate::vault::sync::mapper::Names>,
    /// Secret values this transaction opened (see `sync::outbox::ValueCache`).
    pub(crate) values: crate::vault::sync::outbox::ValueCache,
    /// The audit chain's end, once this transaction appended to it.
    pub(crate) audit_tail: Option<crate::vault::audit::Tail>,
}

/// What a committed write changed: front ends re-read only that, and the sync engine
/// looks for due work only when sync state moved. `full`: something with no finer
/// account (projects, connections), re-read everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    pub secrets: std::collections::BTreeSet<crate::vault::SecretId>,
    /// (target, variable)
    pub vars: std::collections::BTreeSet<(String, String)>,
    pub targets: std::collections::BTreeSet<String>,
    /// The outbox, a retry wait or a target's health changed: work may be due.
    pub sync: bool,
    pub full: bool,
}

impl WriteTx<'_> {
    pub fn now(&self) -> Millis {
        self.now
    }

    /// Allocates a fresh, never-reused id (projects and secrets share the sequence).
    pub(crate) fn next_id(&mut self) -> Result<u64> {
        let mut meta = self.tx.open_table(META)?;
        let id = meta
            .get("next_id")?
            .and_then(|g| g.value().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(1);
        meta.insert("next_id", (id + 1).to_be_bytes().as_slice())?;
        Ok(id)
    }

    pub(crate) fn seal(&self, table: &str, key: &[u8], plain: &[u8]) -> Vec<u8> {
        self.vault.key.seal(table, key, plain)
    }
}
