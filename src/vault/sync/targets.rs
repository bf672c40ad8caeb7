//! Targets: Supabase projects keyward writes to. Removing one queues a delete of every
//! variable keyward owns there (only those) and clears its mappings; the record itself
//! goes once the engine has done those deletes.

use redb::{ReadableTable, TableDefinition};

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::storage::database::{ReadTx, WriteTx};
use crate::vault::sync::outbox::{LEDGER, MAPPINGS, OUTBOX, scan_ledger};
use crate::vault::sync::record::{OutboxOp, SyncState, Target, TargetHealth};

pub(crate) const TARGETS: TableDefinition<&str, &[u8]> = TableDefinition::new("targets");
/// Refs of unhealthy targets, beside their (tagged) records so the scheduler skips them
/// without opening every record after every batch. Derived from the records.
pub(crate) const UNHEALTHY: TableDefinition<&str, ()> = TableDefinition::new("sync_unhealthy");

pub(crate) fn unknown_target(r: &str) -> VaultError {
    VaultError::not_found(format!(
        "no target {r}: see `keyward target list`, or add it with `keyward target add {r}`"
    ))
}

impl WriteTx<'_> {
    /// Adds a project (as listed by the connection's token) as a target.
    pub fn add_target(
        &mut self,
        project_ref: &str,
        name: &str,
        organization: &str,
        connection: &str,
    ) -> Result<Target> {
        self.connection_record(connection)?;
        if let Some(t) = self.target_opt(project_ref)? {
            return Err(VaultError::conflict(if t.removing {
                format!(
                    "{project_ref} is still being removed: wait for `keyward sync --wait`, then add it again"
                )
            } else {
                format!(
                    "{project_ref} is already a target (through {})",
                    t.connection
                )
            }));
        }
        let t = Target {
            project_ref: project_ref.into(),
            name: name.into(),
            organization: organization.into(),
            connection: connection.into(),
            added: self.now,
            health: TargetHealth::default(),
            removing: false,
            branches: None,
            branch: None,
        };
        self.put_target(&t)?;
        self.audit(
            "target-add",
            project_ref,
            Outcome::Ok,
            &format!("{name} via {connection}"),
        )?;
        Ok(t)
    }

    pub(crate) fn put_target(&mut self, t: &Target) -> Result<()> {
        self.touched.targets.insert(t.project_ref.clone());
        self.touched.sync = true;
        let mut sick = self.tx.open_table(UNHEALTHY)?;
        if t.health.unhealthy {
            sick.insert(t.project_ref.as_str(), ())?;
        } else {
            sick.remove(t.project_ref.as_str())?;
        }
        drop(sick);
        self.tx.open_table(TARGETS)?.insert(
            t.project_ref.as_str(),
            crate::vault::storage::tagged::encode(
                &self.vault.meta_key,
                "targets",
                &[&t.project_ref],
                t,
            )?
            .as_slice(),
        )?;
        Ok(())
    }

    pub(crate) fn target_opt(&self, r: &str) -> Result<Option<Target>> {
        let t = self.tx.open_table(TARGETS)?;
        let g = t.get(r)?;
        g.map(|g| {
            crate::vault::storage::tagged::decode(&self.vault.meta_key, "targets", &[r], g.value())
        })
        .transpose()
    }

    pub(crate) fn target_record(&self, r: &str) -> Result<Target> {
        self.target_opt(r)?.ok_or_else(|| unknown_target(r))
    }

    pub(crate) fn targets_of(&self, connection: &str) -> Result<Vec<Target>> {
        let t = self.tx.open_table(TARGETS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            let t: Target = crate::vault::storage::tagged::decode(
                &self.vault.meta_key,
                "targets",
                &[k.value()],
                v.value(),
            )?;
            if t.connection == connection {
                out.push(t);
            }
        }
        Ok(out)
    }

    pub fn reset_target_health(&mut self, r: &str) -> Result<()> {
        let mut t = self.target_record(r)?;
        t.health = TargetHealth {
            last_sync: t.health.last_sync,
            ..TargetHealth::default()
        };
        self.put_target(&t)?;
        // Failed work becomes due at once.
        for (var, mut s) in self.var_states(r)? {
            if s.next_retry.is_some() {
                s.next_retry = None;
                self.put_var(r, &var, &s)?;
            }
        }
        Ok(())
    }

    /// Queues the deletion of every variable keyward owns in the target and clears its
    /// mappings. Returns the names to be deleted.
    pub fn remove_target(&mut self, r: &str) -> Result<Vec<String>> {
        let mut t = self.target_record(r)?;
        if let Some(b) = &t.branch {
            return Err(VaultError::invalid(format!(
                "{r} is the branch {} of {}: keyward follows it with its parent; stop with `keyward branch unwatch {}`",
                b.name, b.parent, b.parent
            )));
        }
        // Its branches go with it, untouched: keyward only stops following them.
        for child in self.branch_targets(r)? {
            self.forget_branch(&child.project_ref)?;
        }
        let owned = scan_ledger(&self.vault.meta_key, &self.tx.open_table(LEDGER)?, r)?;
        let mapped: Vec<u64> = {
            let m = self.tx.open_table(MAPPINGS)?;
            let mut ids = Vec::new();
            for row in m.iter()? {
                let (k, _) = row?;
                let (id, tr) = k.value();
                if tr == r {
                    ids.push(id);
                }
            }
            ids
        };
        let mut maps = self.tx.open_table(MAPPINGS)?;
        for id in mapped {
            maps.remove((id, r))?;
        }
        drop(maps);
        let states = self.var_states(r)?;
        for (var, mut s) in states {
            if owned.contains(&var) {
                s.state = SyncState::Removing;
                s.error = None;
                s.next_retry = None;
                self.put_var(r, &var, &s)?;
            } else {
                self.drop_var(r, &var)?;
                self.tx.open_table(OUTBOX)?.remove((r, var.as_str()))?;
            }
        }
        for var in &owned {
            self.put_op(r, var, &OutboxOp::Delete)?;
        }
        t.removing = true;
        t.health = TargetHealth::default();
        self.put_target(&t)?;
        self.audit(
            "target-rm",
            r,
            Outcome::Ok,
            &format!("{} variable(s) to delete", owned.len()),
        )?;
        self.finish_removal(r)?;
        Ok(owned.into_iter().collect())
    }

    /// Drops a removed target's record once nothing is left to delete there.
    pub(crate) fn finish_removal(&mut self, r: &str) -> Result<bool> {
        let Some(t) = self.target_opt(r)? else {
            return Ok(false);
        };
        let pending = crate::vault::sync::outbox::scan_target(&self.tx.open_table(OUTBOX)?, r)?;
        if !t.removing || !pending.is_empty() {
            return Ok(false);
        }
        self.drop_target_rows(r)?;
        Ok(true)
    }

    /// Forgets a target and every row about it (states, ledger, health), without
    /// queuing anything: its outbox must be empty or about to be cleared.
    pub(crate) fn drop_target_rows(&mut self, r: &str) -> Result<()> {
        for (var, _) in self.var_states(r)? {
            self.drop_var(r, &var)?;
        }
        // Read first: a table opened in the loop's head stays open through its body.
        let owned = scan_ledger(&self.vault.meta_key, &self.tx.open_table(LEDGER)?, r)?;
        let mut ledger = self.tx.open_table(LEDGER)?;
        for var in owned {
            ledger.remove((r, var.as_str()))?;
        }
        drop(ledger);
        self.tx.open_table(TARGETS)?.remove(r)?;
        self.tx.open_table(UNHEALTHY)?.remove(r)?;
        self.touched.targets.insert(r.to_string());
        self.touched.sync = true;
        Ok(())
    }
}

impl ReadTx<'_> {
    /// Every target (ones being removed included, `removing` set), by ref.
    pub fn targets(&self) -> Result<Vec<Target>> {
        let t = self.tx.open_table(TARGETS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            out.push(crate::vault::storage::tagged::decode(
                &self.vault.meta_key,
                "targets",
                &[k.value()],
                v.value(),
            )?);
        }
        Ok(out)
    }

    pub fn target(&self, r: &str) -> Result<Target> {
        let t = self.tx.open_table(TARGETS)?;
        let g = t.get(r)?.ok_or_else(|| unknown_target(r))?;
        crate::vault::storage::tagged::decode(&self.vault.meta_key, "targets", &[r], g.value())
    }
}
