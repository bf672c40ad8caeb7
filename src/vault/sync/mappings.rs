//! Mappings: "this secret goes to this target". Checked when made (names, values,
//! conflicts, the 100-variable cap, names on Supabase that keyward does not own), so a
//! sync never meets a mapping it must refuse.

use std::collections::BTreeSet;

use redb::ReadableTable;

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::names as rules;
use crate::vault::secrets::record::SecretId;
use crate::vault::storage::database::{ReadTx, WriteTx};
use crate::vault::sync::outbox::{LEDGER, MAPPINGS, decode_target, derive_vars, scan_ledger};
use crate::vault::sync::record::{
    Mapping, MappingRow, SyncState, TargetTotals, VarState, VarStatus,
};

/// Supabase's cap on a project's variables: what keyward will hold on `target` (its
/// other variables and `vars`, the ones `secret` makes) plus what others hold by hand.
fn check_cap(
    secret: &str,
    target: &str,
    ours_now: &BTreeSet<&str>,
    vars: &[&str],
    remote: Option<&BTreeSet<String>>,
) -> Result<()> {
    let mut total: BTreeSet<&str> = ours_now.clone();
    total.extend(vars.iter().copied());
    if let Some(remote) = remote {
        total.extend(
            remote
                .iter()
                .map(String::as_str)
                .filter(|n| !n.starts_with(rules::RESERVED_PREFIX)),
        );
    }
    if total.len() > rules::PROJECT_SECRET_CAP {
        let over = total.len() - rules::PROJECT_SECRET_CAP;
        return Err(VaultError::invalid(format!(
            "{secret} would take {target} to {} variables, {over} over Supabase's cap of {}: unmap others, or bundle related values as one structured secret stored as JSON",
            total.len(),
            rules::PROJECT_SECRET_CAP
        )));
    }
    Ok(())
}

/// A target's variables as mapping checks them (name -> which secret, on its way out),
/// read once per transaction and kept current by the mappings made in it: a bulk map of
/// 50 secrets read and MAC-checked every state of the target 50 times. Any other write
/// that moves the target's states drops it (`touch_var`).
pub(crate) struct Names {
    pub(crate) target: String,
    states: std::collections::HashMap<String, (SecretId, bool)>,
}

impl Names {
    fn read(tx: &WriteTx<'_>, target: &str) -> Result<Names> {
        let states = tx
            .var_states(target)?
            .into_iter()
            .map(|(n, s)| (n, (s.secret, s.state == SyncState::Removing)))
            .collect();
        Ok(Names {
            target: target.to_string(),
            states,
        })
    }

    /// After `id` was mapped to make `vars`: the next mapping of this transaction to the
    /// same target starts from here (these names are its own, the ones it no longer
    /// makes on their way out).
    fn claim(&mut self, id: SecretId, vars: &[&str]) {
        for (n, (secret, removing)) in self.states.iter_mut() {
            if *secret == id && !vars.contains(&n.as_str()) {
                *removing = true;
            }
        }
        for n in vars {
            self.states.insert(n.to_string(), (id, false));
        }
    }
}

impl WriteTx<'_> {
    /// Maps `project/name` to `target`. `remote` is the set of names the target holds
    /// now (from a listing), when the caller could list it: names there that keyward
    /// does not own are refused unless `adopt`, and they count toward the cap.
    pub fn map(
        &mut self,
        project: &str,
        name: &str,
        target: &str,
        env_name: Option<&str>,
        adopt: bool,
        remote: Option<&BTreeSet<String>>,
    ) -> Result<Vec<String>> {
        let meta = self.live_secret(project, name)?;
        let t = self.target_record(target)?;
        if t.removing {
            return Err(crate::vault::sync::targets::unknown_target(target));
        }
        if let Some(n) = env_name {
            rules::check_env_name(n).map_err(|e| VaultError::invalid(e.to_string()))?;
        }
        let mapping = Mapping {
            env_name: env_name.map(str::to_string),
            adopt,
            created: self.now,
            ..Mapping::default()
        };
        let vars = derive_vars(&meta, &mapping)
            .map_err(|e| prefix(e, &format!("{project}/{name} -> {target}")))?;
        let names = match self.names.take() {
            Some(n) if n.target == target => n,
            _ => Names::read(self, target)?,
        };
        let ours_now: BTreeSet<&str> = names
            .states
            .iter()
            .filter(|(_, (secret, removing))| !removing && *secret != meta.id)
            .map(|(n, _)| n.as_str())
            .collect();
        let var_names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
        if let Some(remote) = remote {
            let mut taken = Vec::new();
            for n in var_names.iter().copied() {
                if remote.contains(n) && !ours_now.contains(n) && !self.owns(target, n)? {
                    taken.push(n);
                }
            }
            self.adopt_or_refuse(target, taken, adopt)?;
        }
        check_cap(
            &format!("{project}/{name}"),
            target,
            &ours_now,
            &var_names,
            remote,
        )?;
        self.tx.open_table(MAPPINGS)?.insert(
            (meta.id.0, target),
            crate::vault::storage::tagged::encode(
                &self.vault.meta_key,
                "mappings",
                &[&meta.id.0.to_string(), target],
                &mapping,
            )?
            .as_slice(),
        )?;
        self.resync(meta.id, target, Some(&mapping))?;
        let mut names = names;
        names.claim(meta.id, &var_names);
        if t.branches.is_some() {
            self.fan_out(target)?;
        }
        if self.names.is_none() {
            self.names = Some(names);
        }
        let names: Vec<String> = vars.into_iter().map(|(n, _)| n).collect();
        self.audit(
            "sync-map",
            &format!("{project}/{name}"),
            Outcome::Ok,
            &format!("to {target} as {}", names.join(", ")),
        )?;
        Ok(names)
    }

    /// Whether keyward's ledger holds `var` of `target` (its tag checked).
    fn owns(&self, target: &str, var: &str) -> Result<bool> {
        let t = self.tx.open_table(LEDGER)?;
        let row: Option<()> = crate::vault::sync::outbox::decode_var(
            &self.vault.meta_key,
            &t,
            "ledger",
            target,
            var,
        )?;
        Ok(row.is_some())
    }

    /// Names on the target that keyward did not create: refused unless `adopt`, and then
    /// claimed in the ledger (the vault's value will replace them).
    fn adopt_or_refuse(&self, target: &str, taken: Vec<&str>, adopt: bool) -> Result<()> {
        if !taken.is_empty() && !adopt {
            return Err(VaultError::conflict(format!(
                "{} already exist(s) on {target} and keyward did not create it: map with --adopt to take it over (the vault's value will replace it)",
                taken.join(", ")
            )));
        }
        if adopt {
            let mut ledger = self.tx.open_table(LEDGER)?;
            for n in taken {
                let row = crate::vault::sync::outbox::ledger_row(&self.vault.meta_key, target, n)?;
                ledger.insert((target, n), row.as_slice())?;
            }
        }
        Ok(())
    }

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

fn prefix(e: VaultError, what: &str) -> VaultError {
    match e {
        VaultError::Invalid(m) => VaultError::Invalid(format!("{what}: {m}")),
        VaultError::Conflict(m) => VaultError::Conflict(format!("{what}: {m}")),
        other => other,
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
