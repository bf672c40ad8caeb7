//! Mappings: "this secret goes to this target". Checked when made (names, values,
//! conflicts, the 100-variable cap, names on Supabase that keyward does not own), so a
//! sync never meets a mapping it must refuse.

use std::collections::BTreeSet;

use redb::ReadableTable;

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::secrets::record::SecretId;
use crate::vault::storage::database::{ReadTx, WriteTx};
use crate::vault::sync::outbox::{LEDGER, MAPPINGS, decode_target, scan_ledger};
use crate::vault::sync::record::{
    Mapping, MappingRow, SyncState, TargetTotals, VarState, VarStatus,
};

impl WriteTx<'_> {
    /// Unmaps; its variables there are queued for deletion.
    pub fn unmap(&mut self, project: &str, name: &str, target: &str) -> Result<()> {
        let meta = self.secret(project, name)?;
        if let Some((_, m)) = self
            .mappings_of(meta.id)?
            .into_iter()
            .find(|(t, _)| t == target)
            && (m.inherited || m.overrides.is_some())
            && let Some(b) = self.target_opt(target)?.and_then(|t| t.branch)
        {
            return Err(VaultError::invalid(format!(
                "{project}/{name} goes to the branch {} through its parent {}: unmap it from {} (or end an override with `unmap ... --from {} --branch {}`)",
                b.name, b.parent, b.parent, b.parent, b.name
            )));
        }
        let removed = self
            .tx
            .open_table(MAPPINGS)?
            .remove((meta.id.0, target))?
            .is_some();
        if !removed {
            return Err(VaultError::not_found(format!(
                "{project}/{name} is not mapped to {target}: see `keyward status`"
            )));
        }
        self.resync(meta.id, target, None)?;
        self.fan_out(target)?;
        self.audit(
            "sync-unmap",
            &format!("{project}/{name}"),
            Outcome::Ok,
            &format!("from {target}"),
        )
    }
}

impl ReadTx<'_> {
    fn mapping_rows(&self, only: impl Fn(SecretId, &str) -> bool) -> Result<Vec<MappingRow>> {
        let t = self.tx.open_table(MAPPINGS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            let (id, target) = k.value();
            if !only(SecretId(id), target) {
                continue;
            }
            let mapping: Mapping = crate::vault::storage::tagged::decode(
                &self.vault.meta_key,
                "mappings",
                &[&id.to_string(), target],
                v.value(),
            )?;
            let variables = self
                .var_rows(target)?
                .into_iter()
                .filter(|(_, s)| s.secret.0 == id && s.state != SyncState::Removing)
                .map(|(n, _)| n)
                .collect();
            out.push(MappingRow {
                secret: self.label(SecretId(id))?,
                secret_id: SecretId(id),
                target: target.to_string(),
                mapping,
                variables,
            });
        }
        Ok(out)
    }

    /// Where a secret goes.
    pub fn mappings_for_secret(&self, project: &str, name: &str) -> Result<Vec<MappingRow>> {
        let id = self.secret(project, name)?.id;
        self.mapping_rows(|s, _| s == id)
    }

    /// What goes to a target.
    pub fn mappings_for_target(&self, target: &str) -> Result<Vec<MappingRow>> {
        self.mapping_rows(|_, t| t == target)
    }

    pub fn all_mappings(&self) -> Result<Vec<MappingRow>> {
        self.mapping_rows(|_, _| true)
    }

    pub(crate) fn var_rows(&self, target: &str) -> Result<Vec<(String, VarState)>> {
        decode_target(
            &self.vault.meta_key,
            &self.tx.open_table(crate::vault::sync::outbox::VARS)?,
            "sync_vars",
            target,
        )
    }

    /// Every variable keyward manages (or is removing), of one target or all.
    pub fn sync_status(&self, target: Option<&str>) -> Result<Vec<VarStatus>> {
        let refs: Vec<String> = match target {
            Some(t) => vec![self.target(t)?.project_ref],
            None => self.targets()?.into_iter().map(|t| t.project_ref).collect(),
        };
        // One secret has many variables (fields, targets): each label is made once.
        let secrets = self
            .tx
            .open_table(crate::vault::storage::database::SECRETS)?;
        let projects = self
            .tx
            .open_table(crate::vault::storage::database::PROJECTS)?;
        let mut labels: std::collections::HashMap<SecretId, String> = Default::default();
        let mut out = Vec::new();
        for r in refs {
            for (variable, state) in self.var_rows(&r)? {
                let secret = match labels.get(&state.secret) {
                    Some(l) => l.clone(),
                    None => {
                        let l = crate::vault::sync::outbox::label_of(
                            &secrets,
                            &projects,
                            state.secret,
                        )?;
                        labels.insert(state.secret, l.clone());
                        l
                    }
                };
                out.push(VarStatus {
                    target: r.clone(),
                    variable,
                    secret,
                    state,
                });
            }
        }
        Ok(out)
    }

    /// Counts per state for one target.
    pub fn target_totals(&self, target: &str) -> Result<TargetTotals> {
        let mut t = TargetTotals::default();
        for (_, s) in self.var_rows(target)? {
            t.count(s.state);
        }
        Ok(t)
    }

    /// Names keyward owns in a target.
    pub fn owned_names(&self, target: &str) -> Result<BTreeSet<String>> {
        scan_ledger(&self.vault.meta_key, &self.tx.open_table(LEDGER)?, target)
    }
}
