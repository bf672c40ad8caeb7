//! Making a new vault: the file (its user's only from the first byte), the key and its
//! wraps, and the first transaction, which writes the format, the wraps, every table and
//! the `init` audit entry. A half-made file is removed.

use super::*;

impl Vault {
    /// Creates a new vault file. Refuses to touch an existing file.
    pub fn create(path: &Path, opts: &InitOptions) -> Result<Vault> {
        Self::create_with(path, opts, Clock::system())
    }

    pub fn create_with(path: &Path, opts: &InitOptions, clock: Clock) -> Result<Vault> {
        if crate::vault::error::present(path)? {
            return Err(VaultError::AlreadyExists(path.to_path_buf()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            // A directory made for the vault holds its lock note (and, without a
            // runtime dir, the owner's socket): its user's only.
            crate::private::dir(dir)?;
        }
        let key = VaultKey::generate();
        let pass_wrap = seal::wrap_with_passphrase(
            &key,
            &opts.passphrase,
            opts.work_factor.unwrap_or(seal::DEFAULT_WORK_FACTOR),
        )?;
        let rcpt_wrap = if opts.recipients.is_empty() {
            None
        } else {
            Some(seal::wrap_to_recipients(&key, &opts.recipients)?)
        };
        let db = create_db(path)?;
        let lock = LockNote::take(path);
        let vault = Vault {
            db,
            meta_key: key.derive("meta"),
            access_mac_key: key.derive("access-keys"),
            key,
            path: path.to_path_buf(),
            actor: audit::actor(),
            clock,
            _lock: lock,
        };
        let made = vault
            .write(|tx| tx.initialise(&pass_wrap, rcpt_wrap.as_deref(), opts.recipients.len()));
        if let Err(e) = made {
            // Leave no half-made file behind for the next `init` to trip over.
            drop(vault);
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        Ok(vault)
    }
}

/// The new vault file: 0600 from the first byte, and never over a file that appeared
/// meanwhile; removed again if redb cannot make a database of it.
fn create_db(path: &Path) -> Result<Database> {
    let file = crate::private::create_new(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => VaultError::AlreadyExists(path.to_path_buf()),
        _ => e.into(),
    })?;
    redb::backends::FileBackend::new(file)
        .and_then(|b| redb::Builder::new().create_with_backend(b))
        .map_err(|e| {
            let _ = std::fs::remove_file(path);
            open_error(path, e)
        })
}

impl WriteTx<'_> {
    /// A new vault's first transaction: its format, the key's wraps, every table (so
    /// read transactions never meet a missing one) and the `init` audit entry.
    fn initialise(
        &mut self,
        pass_wrap: &[u8],
        rcpt_wrap: Option<&[u8]>,
        recipients: usize,
    ) -> Result<()> {
        let mut meta = self.tx.open_table(META)?;
        meta.insert("format", FORMAT)?;
        meta.insert("next_id", 1u64.to_be_bytes().as_slice())?;
        let mut wraps = self.tx.open_table(KEYWRAP)?;
        keywrap::put(&mut wraps, keywrap::PASSPHRASE, pass_wrap)?;
        if let Some(w) = rcpt_wrap {
            keywrap::put(&mut wraps, keywrap::RECIPIENTS, w)?;
        }
        drop((meta, wraps));
        self.tx.open_table(PROJECTS)?;
        self.tx.open_table(PROJECT_NAMES)?;
        self.tx.open_table(SECRETS)?;
        self.tx.open_table(SECRET_NAMES)?;
        self.tx.open_table(VERSIONS)?;
        self.tx.open_table(VALUES)?;
        self.tx.open_table(POLICIES)?;
        self.tx
            .open_table(crate::vault::supabase_keys::api::rotations::KEY_ROTATIONS)?;
        self.tx.open_table(TRASH_EXPIRY)?;
        self.tx.open_table(AUDIT_PENDING)?;
        self.create_sync_tables()?;
        let detail = format!("{recipients} recipient(s) besides the passphrase");
        self.audit("init", "vault", Outcome::Ok, &detail)
    }
}
