//! Making a mapping: checked when made (names, values, conflicts, the 100-variable cap,
//! names on Supabase that keyward does not own), so a sync never meets a mapping it must
//! refuse. Mappings made one after another in one transaction share what they read
//! ([`Mapper`]): a bulk map of 50 secrets x 200 targets read and MAC-checked each
//! secret's record 200 times and each target's 50.

use std::collections::{BTreeSet, HashMap};

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::names as rules;
use crate::vault::secrets::record::{SecretId, SecretMeta};
use crate::vault::storage::database::WriteTx;
use crate::vault::sync::outbox::{LEDGER, derive_vars};
use crate::vault::sync::record::{Mapping, SyncState};

/// Supabase's cap on a project's variables: what keyward will hold on the target (its
/// other secrets' variables and `vars`, the ones `id` makes) plus what others hold by
/// hand. Counted, not collected: building that set for every pair was a tenth of a bulk
/// map.
fn check_cap(
    secret: &str,
    target: &str,
    names: &Names,
    id: SecretId,
    vars: &[&str],
    remote: Option<&BTreeSet<String>>,
) -> Result<()> {
    let others = names.held_by_others(id);
    let mine = vars
        .iter()
        .enumerate()
        .filter(|(i, v)| !vars[..*i].contains(v) && !names.other_holds(id, v))
        .count();
    let by_hand = remote.map_or(0, |r| {
        r.iter()
            .map(String::as_str)
            .filter(|n| !n.starts_with(rules::RESERVED_PREFIX))
            .filter(|n| !vars.contains(n) && !names.other_holds(id, n))
            .count()
    });
    let total = others + mine + by_hand;
    if total > rules::PROJECT_SECRET_CAP {
        let over = total - rules::PROJECT_SECRET_CAP;
        return Err(VaultError::invalid(format!(
            "{secret} would take {target} to {total} variables, {over} over Supabase's cap of {}: unmap others, or bundle related values as one structured secret stored as JSON",
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
    states: HashMap<String, (SecretId, bool)>,
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

    /// Whether a secret other than `id` holds `var` there (and keeps it).
    fn other_holds(&self, id: SecretId, var: &str) -> bool {
        self.states
            .get(var)
            .is_some_and(|(secret, removing)| !removing && *secret != id)
    }

    /// How many variables there secrets other than `id` hold (and keep).
    fn held_by_others(&self, id: SecretId) -> usize {
        self.states
            .values()
            .filter(|(secret, removing)| !removing && *secret != id)
            .count()
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

/// Mappings made one after another in one transaction: they share the secrets' and
/// the targets' records as first read. A mapping writes neither, and while a `Mapper`
/// holds the transaction nothing else can write it, so nothing kept goes stale (a
/// fan-out to a target's branches may write targets: they are read again after one).
pub(crate) struct Mapper<'t, 'v> {
    tx: &'t mut WriteTx<'v>,
    secrets: HashMap<String, HashMap<String, SecretMeta>>,
    /// target -> (on its way out, follows branches)
    targets: HashMap<String, (bool, bool)>,
}

/// How a secret goes to a target: its variable's name, whether names on Supabase that
/// keyward did not create are taken over, and what the target holds now (from a
/// listing) when the caller could list it: names there that keyward does not own are
/// refused unless `adopt`, and they count toward the cap.
#[derive(Clone, Copy)]
pub(crate) struct How<'a> {
    pub(crate) env_name: Option<&'a str>,
    pub(crate) adopt: bool,
    pub(crate) remote: Option<&'a BTreeSet<String>>,
}

impl<'v> WriteTx<'v> {
    /// Maps `project/name` to `target` (see [`How`] for the rest).
    pub fn map(
        &mut self,
        project: &str,
        name: &str,
        target: &str,
        env_name: Option<&str>,
        adopt: bool,
        remote: Option<&BTreeSet<String>>,
    ) -> Result<Vec<String>> {
        let how = How {
            env_name,
            adopt,
            remote,
        };
        self.mapper().map(project, name, target, how)
    }

    /// For many mappings in a row (see [`Mapper`]).
    pub(crate) fn mapper(&mut self) -> Mapper<'_, 'v> {
        Mapper {
            tx: self,
            secrets: HashMap::new(),
            targets: HashMap::new(),
        }
    }
}

impl Mapper<'_, '_> {
    /// Maps `project/name` to `target`; returns the variables it makes there.
    pub(crate) fn map(
        &mut self,
        project: &str,
        name: &str,
        target: &str,
        how: How<'_>,
    ) -> Result<Vec<String>> {
        let meta = self.live_secret(project, name)?;
        let follows_branches = self.live_target(target)?;
        if let Some(n) = how.env_name {
            rules::check_env_name(n).map_err(|e| VaultError::invalid(e.to_string()))?;
        }
        let mapping = Mapping {
            env_name: how.env_name.map(str::to_string),
            adopt: how.adopt,
            created: self.tx.now,
            ..Mapping::default()
        };
        let label = format!("{project}/{name}");
        let vars =
            derive_vars(&meta, &mapping).map_err(|e| e.about(&format!("{label} -> {target}")))?;
        let var_names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
        let tx = &mut *self.tx;
        let mut names = match tx.names.take() {
            Some(n) if n.target == target => n,
            _ => Names::read(tx, target)?,
        };
        if let Some(remote) = how.remote {
            let mut taken = Vec::new();
            for n in var_names.iter().copied() {
                if remote.contains(n) && !names.other_holds(meta.id, n) && !tx.owns(target, n)? {
                    taken.push(n);
                }
            }
            tx.adopt_or_refuse(target, taken, how.adopt)?;
        }
        check_cap(&label, target, &names, meta.id, &var_names, how.remote)?;
        tx.put_mapping(meta.id, target, &mapping)?;
        tx.resync_known(meta.id, Some(&meta), target, Some(&mapping))?;
        names.claim(meta.id, &var_names);
        if follows_branches {
            tx.fan_out(target)?;
            self.targets.clear();
        }
        let tx = &mut *self.tx;
        if tx.names.is_none() {
            tx.names = Some(names);
        }
        let names: Vec<String> = vars.into_iter().map(|(n, _)| n).collect();
        let detail = format!("to {target} as {}", names.join(", "));
        tx.audit("sync-map", &label, Outcome::Ok, &detail)?;
        Ok(names)
    }

    /// The secret's record, refusing a trashed one.
    fn live_secret(&mut self, project: &str, name: &str) -> Result<SecretMeta> {
        if let Some(m) = self.secrets.get(project).and_then(|p| p.get(name)) {
            return Ok(m.clone());
        }
        let m = self.tx.live_secret(project, name)?;
        self.secrets
            .entry(project.to_string())
            .or_default()
            .insert(name.to_string(), m.clone());
        Ok(m)
    }

    /// Refuses a target on its way out; whether it follows branches.
    fn live_target(&mut self, target: &str) -> Result<bool> {
        let (removing, follows) = match self.targets.get(target) {
            Some(t) => *t,
            None => {
                let t = self.tx.target_record(target)?;
                let seen = (t.removing, t.branches.is_some());
                self.targets.insert(target.to_string(), seen);
                seen
            }
        };
        if removing {
            return Err(crate::vault::sync::targets::unknown_target(target));
        }
        Ok(follows)
    }
}

impl WriteTx<'_> {
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
}
