//! The outbox and the hook every secret-changing write calls.
//!
//! `VARS` holds, per (target, variable), which secret (and field) it comes from and its
//! sync state; `OUTBOX` holds the pending operation for it (upsert version V | delete);
//! `LEDGER` the names keyward created (or adopted) in each target. The hook
//! [`WriteTx::sync_secret`] runs inside the transaction of the change, so the change and
//! the work it causes commit together: a crash loses neither.

use std::collections::BTreeSet;

use redb::{ReadableTable, TableDefinition};

use crate::vault::error::{Result, VaultError};
use crate::vault::names as rules;
use crate::vault::secrets::record::{SecretId, SecretMeta};
use crate::vault::storage::database::{PROJECTS, ReadTx, SECRETS, WriteTx};
use crate::vault::sync::record::{Mapping, OutboxOp, SyncState, VarState};
use crate::vault::sync::states::TargetStates;

/// (secret id, target ref) -> Mapping
pub(crate) const MAPPINGS: TableDefinition<(u64, &str), &[u8]> = TableDefinition::new("mappings");
/// (target ref, variable) -> VarState
pub(crate) const VARS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("sync_vars");
/// (target ref, variable) -> OutboxOp
pub(crate) const OUTBOX: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("outbox");
/// (target ref, variable) -> retry time: variables whose last attempt failed. Kept
/// beside VARS so the scheduler finds due work by key scans, without decoding states.
pub(crate) const WAITS: TableDefinition<(&str, &str), i64> = TableDefinition::new("sync_waits");
/// (target ref, variable) -> tag : names keyward owns there. The value is the row's
/// HMAC (see tagged.rs), so an owned name cannot be slipped in to have keyward delete a
/// variable it never made.
pub(crate) const LEDGER: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("ledger");

/// Variables of `target` in a (target, variable)-keyed table, with their raw bytes.
pub(crate) fn scan_target(
    t: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    target: &str,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for row in t.range((target, "")..)? {
        let (k, v) = row?;
        let (tr, var) = k.value();
        if tr != target {
            break;
        }
        out.push((var.to_string(), v.value().to_vec()));
    }
    Ok(out)
}

/// A target's rows of a tagged (target, variable) table, by variable, decoded; `name` is
/// the table's, which each row's tag is bound to with the target and the variable.
pub(crate) fn decode_target<T: serde::de::DeserializeOwned>(
    key: &[u8; 32],
    t: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    name: &str,
    target: &str,
) -> Result<Vec<(String, T)>> {
    scan_target(t, target)?
        .into_iter()
        .map(|(n, b)| {
            let v = crate::vault::storage::tagged::decode(key, name, &[target, &n], &b)?;
            Ok((n, v))
        })
        .collect()
}

/// One row of a tagged (target, variable) table, decoded (None: no such row).
pub(crate) fn decode_var<T: serde::de::DeserializeOwned>(
    key: &[u8; 32],
    t: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    name: &str,
    target: &str,
    var: &str,
) -> Result<Option<T>> {
    t.get((target, var))?
        .map(|g| crate::vault::storage::tagged::decode(key, name, &[target, var], g.value()))
        .transpose()
}

pub(crate) fn scan_ledger(
    key: &[u8; 32],
    t: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    target: &str,
) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for row in t.range((target, "")..)? {
        let (k, v) = row?;
        let (tr, var) = k.value();
        if tr != target {
            break;
        }
        let () = crate::vault::storage::tagged::decode(key, "ledger", &[tr, var], v.value())?;
        out.insert(var.to_string());
    }
    Ok(out)
}

/// The ledger row of an owned name.
pub(crate) fn ledger_row(key: &[u8; 32], target: &str, var: &str) -> Result<Vec<u8>> {
    crate::vault::storage::tagged::encode(key, "ledger", &[target, var], &())
}

pub(crate) fn meta_by_id(
    t: &impl ReadableTable<u64, &'static [u8]>,
    id: SecretId,
) -> Result<Option<SecretMeta>> {
    t.get(id.0)?
        .map(|g| crate::vault::storage::meta_row::decode_meta(g.value()))
        .transpose()
}

pub(crate) fn label_of(
    secrets: &impl ReadableTable<u64, &'static [u8]>,
    projects: &impl ReadableTable<u64, &'static [u8]>,
    id: SecretId,
) -> Result<String> {
    let Some(m) = meta_by_id(secrets, id)? else {
        return Ok(String::new());
    };
    let project = match projects.get(m.project.0)? {
        Some(g) => {
            serde_json::from_slice::<crate::vault::secrets::record::Project>(g.value())?.name
        }
        None => String::new(),
    };
    Ok(format!("{project}/{}", m.name))
}

/// The variables a mapped secret makes: (name, field), by the one rule
/// ([`crate::vault::names::variables`]).
pub(crate) fn derive_vars(
    meta: &SecretMeta,
    mapping: &Mapping,
) -> Result<Vec<(String, Option<String>)>> {
    crate::vault::names::variables(&meta.name, &meta.shape, mapping.env_name.as_deref())
}

impl WriteTx<'_> {
    pub(crate) fn create_sync_tables(&mut self) -> Result<()> {
        self.tx.open_table(MAPPINGS)?;
        self.tx.open_table(VARS)?;
        self.tx.open_table(OUTBOX)?;
        self.tx.open_table(LEDGER)?;
        self.tx.open_table(WAITS)?;
        self.tx
            .open_table(crate::vault::sync::states::VARS_BY_SECRET)?;
        self.tx.open_table(crate::vault::sync::targets::TARGETS)?;
        self.tx.open_table(crate::vault::sync::targets::UNHEALTHY)?;
        self.tx
            .open_table(crate::vault::sync::connections::CONNECTIONS)?;
        self.tx
            .open_table(crate::vault::sync::connections::TOKENS)?;
        Ok(())
    }

    pub(crate) fn meta_by_id(&self, id: SecretId) -> Result<Option<SecretMeta>> {
        meta_by_id(&self.tx.open_table(SECRETS)?, id)
    }

    pub(crate) fn label(&self, id: SecretId) -> Result<String> {
        label_of(
            &self.tx.open_table(SECRETS)?,
            &self.tx.open_table(PROJECTS)?,
            id,
        )
    }

    pub(crate) fn mappings_of(&self, id: SecretId) -> Result<Vec<(String, Mapping)>> {
        let t = self.tx.open_table(MAPPINGS)?;
        let mut out = Vec::new();
        for row in t.range((id.0, "")..(id.0 + 1, ""))? {
            let (k, v) = row?;
            let t = k.value().1;
            let m = crate::vault::storage::tagged::decode(
                &self.vault.meta_key,
                "mappings",
                &[&id.0.to_string(), t],
                v.value(),
            )?;
            out.push((t.to_string(), m));
        }
        Ok(out)
    }

    pub(crate) fn var_states(&self, target: &str) -> Result<Vec<(String, VarState)>> {
        decode_target(
            &self.vault.meta_key,
            &self.tx.open_table(VARS)?,
            "sync_vars",
            target,
        )
    }

    pub(crate) fn put_var(&mut self, target: &str, var: &str, s: &VarState) -> Result<()> {
        self.touch_var(target, var);
        self.index_var(s.secret, target, var)?;
        self.tx.open_table(VARS)?.insert(
            (target, var),
            crate::vault::storage::tagged::encode(
                &self.vault.meta_key,
                "sync_vars",
                &[target, var],
                s,
            )?
            .as_slice(),
        )?;
        let mut waits = self.tx.open_table(WAITS)?;
        match s.next_retry {
            Some(at) => waits.insert((target, var), at)?,
            None => waits.remove((target, var))?,
        };
        Ok(())
    }

    pub(crate) fn var_state(&self, target: &str, var: &str) -> Result<Option<VarState>> {
        let t = self.tx.open_table(VARS)?;
        decode_var(&self.vault.meta_key, &t, "sync_vars", target, var)
    }

    fn touch_var(&mut self, target: &str, var: &str) {
        // A mapping's view of this target's names is stale once another write moves them.
        if self.names.as_ref().is_some_and(|n| n.target == target) {
            self.names = None;
        }
        self.touched
            .vars
            .insert((target.to_string(), var.to_string()));
        self.touched.sync = true;
    }

    pub(crate) fn drop_var(&mut self, target: &str, var: &str) -> Result<()> {
        self.touch_var(target, var);
        if let Some(s) = self.var_state(target, var)? {
            self.unindex_var(s.secret, target, var)?;
        }
        self.tx.open_table(VARS)?.remove((target, var))?;
        self.tx.open_table(WAITS)?.remove((target, var))?;
        Ok(())
    }

    pub(crate) fn put_op(&mut self, target: &str, var: &str, op: &OutboxOp) -> Result<()> {
        self.touched.sync = true;
        self.tx.open_table(OUTBOX)?.insert(
            (target, var),
            crate::vault::storage::tagged::encode(
                &self.vault.meta_key,
                "outbox",
                &[target, var],
                op,
            )?
            .as_slice(),
        )?;
        Ok(())
    }

    /// THE hook: every write that changes a secret's value, name or life calls it, in
    /// its own transaction, so the outbox always matches the vault.
    pub(crate) fn sync_secret(&mut self, id: SecretId) -> Result<()> {
        let meta = self.meta_by_id(id)?;
        for (target, m) in self.mappings_of(id)? {
            self.resync_known(id, meta.as_ref(), &target, Some(&m))?;
        }
        Ok(())
    }

    /// Brings (secret, target) up to date: upserts for every variable it should make,
    /// deletes for those it made and no longer does. `mapping` None = not mapped any more.
    pub(crate) fn resync(
        &mut self,
        id: SecretId,
        target: &str,
        mapping: Option<&Mapping>,
    ) -> Result<()> {
        let meta = self.meta_by_id(id)?;
        self.resync_known(id, meta.as_ref(), target, mapping)
    }

    /// `resync` with the secret's record already read (None: it was purged): a secret
    /// set in a vault where it goes to 200 targets read it again for each.
    pub(crate) fn resync_known(
        &mut self,
        id: SecretId,
        meta: Option<&SecretMeta>,
        target: &str,
        mapping: Option<&Mapping>,
    ) -> Result<()> {
        let mut states = TargetStates::lazy();
        self.resync_with(id, meta, target, mapping, &mut states, None)
    }

    /// `resync` for many secrets of one target: its states are read and decoded once
    /// (and each value opened once per call), not once per secret, so a full
    /// reconciliation costs the number of variables, not its square. With `listed`
    /// (the target's names and value digests on Supabase, just listed), a variable
    /// already synced at its version whose digest there matches is not queued at all:
    /// a no-op reconciliation writes nothing.
    pub(crate) fn resync_many(
        &mut self,
        target: &str,
        pairs: &[(SecretId, Option<&Mapping>)],
        listed: Option<&RemoteDigests>,
    ) -> Result<()> {
        let mut states = TargetStates::load(self, target)?;
        for (id, mapping) in pairs {
            let meta = self.meta_by_id(*id)?;
            self.resync_with(*id, meta.as_ref(), target, *mapping, &mut states, listed)?;
        }
        Ok(())
    }

    fn resync_with(
        &mut self,
        id: SecretId,
        meta: Option<&SecretMeta>,
        target: &str,
        mapping: Option<&Mapping>,
        states: &mut TargetStates,
        listed: Option<&RemoteDigests>,
    ) -> Result<()> {
        let live = meta.filter(|m| !m.is_trashed());
        let desired = match (live, mapping) {
            (Some(m), Some(map)) => derive_vars(m, map).map_err(|e| in_target(e, target))?,
            _ => Vec::new(),
        };
        if let Some(m) = live.filter(|_| !desired.is_empty()) {
            // Out of the cache while the states are written (they borrow the
            // transaction), back in after.
            let key = (m.id, m.version);
            let value = match self.values.0.remove(&key) {
                Some(v) => v,
                None => self.value_at(m.id, m.version)?,
            };
            self.check_desired(id, target, &desired, &value, states)?;
            for var in &desired {
                self.queue_upsert(m, target, var, &value, states, listed)?;
            }
            self.values.0.insert(key, value);
        }
        self.retire_undesired(id, target, &desired, states)
    }

    /// Refuses before anything is written: a name another secret holds on the target,
    /// or a value Supabase would refuse.
    fn check_desired(
        &self,
        id: SecretId,
        target: &str,
        desired: &[(String, Option<String>)],
        value: &crate::vault::secrets::record::SecretValue,
        states: &mut TargetStates,
    ) -> Result<()> {
        for (var, field) in desired {
            if let Some(other) = states
                .get(self, target, var)?
                .filter(|s| s.secret != id && s.state != SyncState::Removing)
            {
                let other = other.secret;
                let this = self.label(id)?;
                let that = self.label(other)?;
                return Err(VaultError::conflict(format!(
                    "in {target}, {}",
                    rules::Conflict {
                        name: var.clone(),
                        first: that,
                        second: this,
                    }
                )));
            }
            rules::check_value(var, field_text(value, field))
                .map_err(|e| in_target(VaultError::invalid(e.to_string()), target))?;
        }
        Ok(())
    }

    /// Queues a variable (name, field) of secret `m` for an upsert on `target`, pending
    /// at its version.
    fn queue_upsert(
        &mut self,
        m: &SecretMeta,
        target: &str,
        (var, field): &(String, Option<String>),
        value: &crate::vault::secrets::record::SecretValue,
        states: &mut TargetStates,
        listed: Option<&RemoteDigests>,
    ) -> Result<()> {
        let id = m.id;
        let old = states.get(self, target, var)?.filter(|s| s.secret == id);
        let op = OutboxOp::Upsert {
            secret: id,
            field: field.clone(),
            version: m.version,
        };
        // Already synced at this version: only the check is queued, and not even that
        // when the listing shows the same value there; the row stays as it is (a full
        // reconciliation of 10,000 such variables rewrote them all twice, to pending
        // and back).
        if old.is_some_and(|o| {
            o.state == SyncState::Synced
                && o.field == *field
                && o.version == m.version
                && o.pushed_version == Some(m.version)
                && o.error.is_none()
        }) {
            let there = listed.and_then(|l| l.get(var));
            if there
                .is_none_or(|d| *d != crate::supabase::api::secret_digest(field_text(value, field)))
            {
                self.put_op(target, var, &op)?;
            }
            return Ok(());
        }
        let s = VarState {
            secret: id,
            field: field.clone(),
            state: SyncState::Pending,
            version: m.version,
            pushed_version: old.and_then(|s| s.pushed_version),
            synced_at: old.and_then(|s| s.synced_at),
            error: None,
            attempts: 0,
            next_retry: None,
            refused: false,
        };
        self.put_var(target, var, &s)?;
        self.put_op(target, var, &op)?;
        states.put(var, s);
        Ok(())
    }

    /// Queues deletes for the variables secret `id` made on `target` and no longer does.
    fn retire_undesired(
        &mut self,
        id: SecretId,
        target: &str,
        desired: &[(String, Option<String>)],
        states: &mut TargetStates,
    ) -> Result<()> {
        for var in states.own(self, target, id)? {
            if desired.iter().any(|(n, _)| *n == var) {
                continue;
            }
            let Some(mut s) = states
                .get(self, target, &var)?
                .filter(|s| s.secret == id)
                .cloned()
            else {
                continue;
            };
            s.state = SyncState::Removing;
            s.error = None;
            s.attempts = 0;
            s.next_retry = None;
            self.put_var(target, &var, &s)?;
            self.put_op(target, &var, &OutboxOp::Delete)?;
            states.put(&var, s);
        }
        Ok(())
    }

    /// Called as a secret is erased for good: its variables are deleted, its
    /// mappings dropped.
    pub(crate) fn forget_secret(&mut self, id: SecretId) -> Result<()> {
        let maps = self.mappings_of(id)?;
        for (target, _) in &maps {
            self.resync(id, target, None)?;
            self.tx
                .open_table(MAPPINGS)?
                .remove((id.0, target.as_str()))?;
        }
        Ok(())
    }
}

fn in_target(e: VaultError, target: &str) -> VaultError {
    e.about(&format!("mapped to {target}"))
}

impl ReadTx<'_> {
    /// One variable's state in one target (None: keyward manages no such variable).
    pub fn var_state(&self, target: &str, var: &str) -> Result<Option<VarState>> {
        let t = self.tx.open_table(VARS)?;
        decode_var(&self.vault.meta_key, &t, "sync_vars", target, var)
    }

    pub(crate) fn label(&self, id: SecretId) -> Result<String> {
        label_of(
            &self.tx.open_table(SECRETS)?,
            &self.tx.open_table(PROJECTS)?,
            id,
        )
    }
}

/// A target's variables on Supabase, as a listing shows them: name -> value digest.
pub type RemoteDigests = std::collections::HashMap<String, String>;

/// Secret values opened during one write transaction, by (secret, version): a secret
/// mapped to 200 targets is decrypted once, not 200 times (a version's value never
/// changes). Values zeroize when it drops, with the transaction.
#[derive(Default)]
pub(crate) struct ValueCache(
    std::collections::HashMap<(SecretId, u32), crate::vault::secrets::record::SecretValue>,
);

/// The text a variable carries: its field of a structured value, or the whole value.
fn field_text<'a>(
    value: &'a crate::vault::secrets::record::SecretValue,
    field: &Option<String>,
) -> &'a str {
    match field {
        Some(f) => value.field(f).unwrap_or_default(),
        None => value.as_simple().unwrap_or_default(),
    }
}
