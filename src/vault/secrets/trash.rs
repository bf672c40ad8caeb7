//! Trash: a trashed secret keeps its versions for 30 days, then is purged for good.

use redb::{ReadableTable, ReadableTableMetadata};

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::secrets::record::{Cause, Listed, SecretMeta};
use crate::vault::secrets::versions::Written;
use crate::vault::storage::database::{
    POLICIES, PROJECTS, ReadTx, SECRET_NAMES, SECRETS, TRASH_EXPIRY, TRASH_RETENTION, VALUES,
    VERSIONS, WriteTx,
};

impl WriteTx<'_> {
    pub fn trash(&mut self, project: &str, name: &str) -> Result<SecretMeta> {
        let mut m = self.secret(project, name)?;
        if m.is_trashed() {
            return Err(VaultError::conflict(format!(
                "{project}/{name} is already in the trash: restore it with `keyward secret restore`, or purge it"
            )));
        }
        m.trashed = Some(self.now);
        self.put_meta(&m)?;
        self.tx
            .open_table(TRASH_EXPIRY)?
            .insert((self.now + TRASH_RETENTION, m.id.0), ())?;
        self.audit(
            "secret-trash",
            &format!("{project}/{name}"),
            Outcome::Ok,
            &format!("version {}", m.version),
        )?;
        // Deleted from every target at once, not after 30 days.
        self.sync_secret(m.id)?;
        Ok(m)
    }

    /// Brings a secret back with its current value, recorded as a `restore` version so
    /// whatever consumes versions (the sync engine) sees it come back.
    pub fn restore(&mut self, project: &str, name: &str) -> Result<Written> {
        let mut m = self.secret(project, name)?;
        if !m.is_trashed() {
            return Err(VaultError::conflict(format!(
                "{project}/{name} is not in the trash: nothing to restore"
            )));
        }
        self.unindex_trash(&m)?;
        m.trashed = None;
        self.put_meta(&m)?;
        let value = self.value_at(m.id, m.version)?;
        self.set_value(project, name, &value, Cause::Restore)
    }

    /// Purges one trashed secret for good: metadata, every version, policies.
    pub fn purge(&mut self, project: &str, name: &str) -> Result<()> {
        let m = self.secret(project, name)?;
        if !m.is_trashed() {
            return Err(VaultError::conflict(format!(
                "{project}/{name} is not in the trash: `keyward secret rm {project}/{name}` first"
            )));
        }
        self.erase(&m)?;
        self.audit(
            "secret-purge",
            &format!("{project}/{name}"),
            Outcome::Ok,
            "on demand",
        )
    }

    /// Purges everything in the trash; returns how many secrets went.
    pub fn purge_all(&mut self) -> Result<usize> {
        let ids: Vec<(i64, u64)> = {
            let t = self.tx.open_table(TRASH_EXPIRY)?;
            t.iter()?
                .map(|r| r.map(|(k, _)| k.value()))
                .collect::<Result<_, _>>()?
        };
        self.purge_ids(&ids, "on demand")
    }

    /// Purges trash past its retention: a range scan over the expiry index, so the cost
    /// is proportional to what expired, not to the size of the vault.
    pub(crate) fn purge_expired(&mut self) -> Result<usize> {
        let ids: Vec<(i64, u64)> = {
            let t = self.tx.open_table(TRASH_EXPIRY)?;
            t.range(..=(self.now, u64::MAX))?
                .map(|r| r.map(|(k, _)| k.value()))
                .collect::<Result<_, _>>()?
        };
        self.purge_ids(&ids, "expired after 30 days")
    }

    fn purge_ids(&mut self, ids: &[(i64, u64)], why: &str) -> Result<usize> {
        for (_, id) in ids {
            let m: SecretMeta = {
                let t = self.tx.open_table(SECRETS)?;
                let g = t.get(*id)?.ok_or_else(|| {
                    VaultError::Damaged(format!("trashed secret {id} is missing"))
                })?;
                crate::vault::storage::meta_row::decode_meta(g.value())?
            };
            let project = self.project_name(m.project.0)?;
            self.erase(&m)?;
            self.audit(
                "secret-purge",
                &format!("{project}/{}", m.name),
                Outcome::Ok,
                why,
            )?;
        }
        Ok(ids.len())
    }

    /// Drops the secret's expiry entry: the exact key first (the common case), then, if
    /// the retention period changed since it was trashed, a scan of the (small) index by
    /// id so that no entry is ever orphaned.
    fn unindex_trash(&mut self, m: &SecretMeta) -> Result<()> {
        let mut t = self.tx.open_table(TRASH_EXPIRY)?;
        let exact = match m.trashed {
            Some(at) => t.remove((at + TRASH_RETENTION, m.id.0))?.is_some(),
            None => false,
        };
        if !exact {
            t.retain(|(_, sid), _| sid != m.id.0)?;
        }
        Ok(())
    }

    fn project_name(&self, id: u64) -> Result<String> {
        let t = self.tx.open_table(PROJECTS)?;
        let g = t
            .get(id)?
            .ok_or_else(|| VaultError::Damaged(format!("project {id} is missing")))?;
        Ok(serde_json::from_slice::<crate::vault::secrets::record::Project>(g.value())?.name)
    }

    fn erase(&mut self, m: &SecretMeta) -> Result<()> {
        let id = m.id.0;
        self.forget_secret(m.id)?;
        self.tx
            .open_table(VERSIONS)?
            .retain_in((id, 0)..=(id, u32::MAX), |_, _| false)?;
        self.tx
            .open_table(VALUES)?
            .retain_in((id, 0)..=(id, u32::MAX), |_, _| false)?;
        let fields: Vec<String> = {
            let t = self.tx.open_table(POLICIES)?;
            t.range((id, "")..(id + 1, ""))?
                .map(|r| r.map(|(k, _)| k.value().1.to_string()))
                .collect::<Result<_, _>>()?
        };
        let mut pol = self.tx.open_table(POLICIES)?;
        for f in &fields {
            pol.remove((id, f.as_str()))?;
        }
        drop(pol);
        self.unindex_trash(m)?;
        self.tx
            .open_table(SECRET_NAMES)?
            .remove((m.project.0, m.name.as_str()))?;
        self.tx.open_table(SECRETS)?.remove(id)?;
        self.touched.secrets.insert(m.id);
        Ok(())
    }
}

impl ReadTx<'_> {
    /// How many secrets are in the trash (one expiry row each).
    pub fn trashed_count(&self) -> Result<usize> {
        Ok(self.tx.open_table(TRASH_EXPIRY)?.len()? as usize)
    }

    /// Trashed secrets, by project then name.
    pub fn trash(&self) -> Result<Vec<Listed>> {
        self.listing(None, true)
    }
}
