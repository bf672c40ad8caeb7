//! Following a target's preview branches: turning it on or off, reconciling the branch
//! targets with a listing, deriving a branch's mappings from its parent's (`inherit`,
//! called whenever the parent's mappings change), per-branch overrides, and dropping a
//! branch that is gone or scheduled for deletion without writing anything to it.

use redb::ReadableTable;

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::names as rules;
use crate::vault::secrets::record::SecretId;
use crate::vault::storage::database::{ReadTx, WriteTx};
use crate::vault::sync::branches::record::{BranchChanges, BranchWatch, ListedBranch};
use crate::vault::sync::outbox::{MAPPINGS, OUTBOX, scan_target};
use crate::vault::sync::record::{Mapping, Target, TargetHealth};
use crate::vault::sync::targets::TARGETS;

/// Every (secret, mapping) of one target: a scan, since the table is keyed by secret.
fn mappings_to(
    key: &[u8; 32],
    t: &impl ReadableTable<(u64, &'static str), &'static [u8]>,
    target: &str,
) -> Result<Vec<(SecretId, Mapping)>> {
    let mut out = Vec::new();
    for row in t.iter()? {
        let (k, v) = row?;
        let (id, tr) = k.value();
        if tr == target {
            let m = crate::vault::storage::tagged::decode(
                key,
                "mappings",
                &[&id.to_string(), tr],
                v.value(),
            )?;
            out.push((SecretId(id), m));
        }
    }
    Ok(out)
}

fn decode_all(
    key: &[u8; 32],
    t: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    for row in t.iter()? {
        let (k, v) = row?;
        out.push(crate::vault::storage::tagged::decode(
            key,
            "targets",
            &[k.value()],
            v.value(),
        )?);
    }
    Ok(out)
}

impl WriteTx<'_> {
    /// The branch targets of `parent`.
    pub(crate) fn branch_targets(&self, parent: &str) -> Result<Vec<Target>> {
        Ok(
            decode_all(&self.vault.meta_key, &self.tx.open_table(TARGETS)?)?
                .into_iter()
                .filter(|t| t.branch.as_ref().is_some_and(|b| b.parent == parent))
                .collect(),
        )
    }

    /// Follows `r`'s preview branches (`Some`) or stops (`None`: its branch targets are
    /// forgotten, nothing on them is deleted). A narrower pattern forgets the branches
    /// it no longer matches.
    pub fn watch_branches(&mut self, r: &str, watch: Option<BranchWatch>) -> Result<Target> {
        let mut t = self.target_record(r)?;
        if t.removing {
            return Err(crate::vault::sync::targets::unknown_target(r));
        }
        if let Some(b) = &t.branch {
            return Err(VaultError::invalid(format!(
                "{r} is itself the branch {} of {}: follow the branches of {}",
                b.name, b.parent, b.parent
            )));
        }
        if let Some(p) = watch.as_ref().and_then(|w| w.pattern.as_deref())
            && p.trim().is_empty()
        {
            return Err(VaultError::invalid(
                "--branches needs a pattern, e.g. 'feat/*' (or leave it out for every branch)",
            ));
        }
        for child in self.branch_targets(r)? {
            let keep = watch
                .as_ref()
                .is_some_and(|w| child.branch.as_ref().is_some_and(|b| w.matches(b)));
            if !keep {
                self.forget_branch(&child.project_ref)?;
            }
        }
        let detail = match &watch {
            None => "off".to_string(),
            Some(w) => format!("on ({})", w.pattern.as_deref().unwrap_or("every branch")),
        };
        t.branches = watch;
        self.put_target(&t)?;
        self.audit("target-branches", r, Outcome::Ok, &detail)?;
        Ok(t)
    }

    /// Brings `parent`'s branch targets in line with a listing of its branches: a new
    /// matching branch becomes a target, a ready one gets the parent's mappings (its
    /// variables are queued like any target's), one scheduled for deletion or absent
    /// from the listing is forgotten. `only`: the listing names just this branch (the
    /// others are left alone); `force_ready`: seed it even before the API says ready.
    pub fn reconcile_branches(
        &mut self,
        parent: &str,
        listed: &[ListedBranch],
        only: Option<&str>,
        force_ready: bool,
    ) -> Result<BranchChanges> {
        let mut out = BranchChanges::default();
        let Some(p) = self.target_opt(parent)? else {
            return Ok(out);
        };
        let Some(watch) = p.branches.clone().filter(|_| !p.removing) else {
            return Ok(out);
        };
        let children = self.branch_targets(parent)?;
        for l in listed {
            let existing = children.iter().find(|c| c.project_ref == l.project_ref);
            let wanted = !l.is_default
                && l.project_ref != parent
                && watch.matches(&l.info)
                && l.info.deletion_scheduled_at.is_none();
            if !wanted {
                if existing.is_some() {
                    self.forget_branch(&l.project_ref)?;
                    out.dropped.push(l.project_ref.clone());
                }
                continue;
            }
            let mut info = l.info.clone();
            info.parent = parent.to_string();
            // Once seeded, a branch stays seeded (a status that moves back does not
            // take its mappings away); after that, `fan_out` keeps it in line.
            let seeded = existing.is_some_and(is_ready);
            info.ready = info.ready || force_ready || seeded;
            match existing {
                Some(c) if c.branch.as_deref() == Some(&info) => {}
                Some(c) => {
                    let mut c = c.clone();
                    c.branch = Some(Box::new(info.clone()));
                    self.put_target(&c)?;
                }
                None => {
                    if self.target_opt(&l.project_ref)?.is_some() {
                        // A target of its own already: leave it as the user made it.
                        continue;
                    }
                    self.put_target(&Target {
                        project_ref: l.project_ref.clone(),
                        name: info.name.clone(),
                        organization: p.organization.clone(),
                        connection: p.connection.clone(),
                        added: self.now,
                        health: TargetHealth::default(),
                        removing: false,
                        branches: None,
                        branch: Some(Box::new(info.clone())),
                    })?;
                    self.audit(
                        "branch-add",
                        &l.project_ref,
                        Outcome::Ok,
                        &format!("{} of {parent}", info.name),
                    )?;
                    out.added.push(l.project_ref.clone());
                }
            }
            if info.ready && (!seeded || force_ready) && self.inherit(parent, &l.project_ref)? {
                out.seeded.push(l.project_ref.clone());
            }
        }
        if only.is_none() {
            for c in children {
                if !listed.iter().any(|l| l.project_ref == c.project_ref) {
                    self.forget_branch(&c.project_ref)?;
                    out.dropped.push(c.project_ref);
                }
            }
        }
        Ok(out)
    }

    /// Makes a branch's inherited mappings those of its parent (minus the secrets it
    /// overrides), queuing what changed. True when anything changed.
    pub(crate) fn inherit(&mut self, parent: &str, branch: &str) -> Result<bool> {
        let (theirs, ours) = {
            let key = &self.vault.meta_key;
            let t = self.tx.open_table(MAPPINGS)?;
            (mappings_to(key, &t, parent)?, mappings_to(key, &t, branch)?)
        };
        let mut changed = false;
        // An override of a secret the parent no longer maps has nothing to override.
        for (id, m) in &ours {
            if let Some(of) = m.overrides
                && !theirs.iter().any(|(p, _)| *p == of)
            {
                self.drop_mapping(*id, branch)?;
                changed = true;
            }
        }
        let overridden: Vec<SecretId> = ours.iter().filter_map(|(_, m)| m.overrides).collect();
        for (id, m) in &theirs {
            if overridden.contains(id) {
                continue;
            }
            let want = Mapping {
                env_name: m.env_name.clone(),
                adopt: false,
                created: m.created,
                inherited: true,
                overrides: None,
            };
            match ours.iter().find(|(o, _)| o == id) {
                Some((_, have)) if have.env_name == want.env_name => continue,
                // Mapped on the branch by hand: that mapping wins.
                Some((_, have)) if !have.inherited => continue,
                _ => {}
            }
            self.put_mapping(*id, branch, &want)?;
            self.resync(*id, branch, Some(&want))?;
            changed = true;
        }
        for (id, m) in &ours {
            if m.inherited && !theirs.iter().any(|(p, _)| p == id) {
                self.drop_mapping(*id, branch)?;
                changed = true;
            }
        }
        Ok(changed)
    }

    /// After the parent's mappings changed: every ready branch follows.
    pub(crate) fn fan_out(&mut self, parent: &str) -> Result<()> {
        // Most targets follow no branches: one record read, not a scan of them all.
        if self
            .target_opt(parent)?
            .is_none_or(|t| t.branches.is_none())
        {
            return Ok(());
        }
        for c in self.branch_targets(parent)? {
            if is_ready(&c) {
                self.inherit(parent, &c.project_ref)?;
            }
        }
        Ok(())
    }

    pub(crate) fn put_mapping(&mut self, id: SecretId, target: &str, m: &Mapping) -> Result<()> {
        let row = crate::vault::storage::tagged::encode(
            &self.vault.meta_key,
            "mappings",
            &[&id.0.to_string(), target],
            m,
        )?;
        self.tx
            .open_table(MAPPINGS)?
            .insert((id.0, target), row.as_slice())?;
        Ok(())
    }

    fn drop_mapping(&mut self, id: SecretId, target: &str) -> Result<()> {
        self.tx.open_table(MAPPINGS)?.remove((id.0, target))?;
        self.resync(id, target, None)
    }

    /// Stops following a branch: its mappings, states, queued work and ledger go, and
    /// nothing is written to it (it is gone, going, or no longer wanted).
    pub(crate) fn forget_branch(&mut self, r: &str) -> Result<()> {
        let ids: Vec<SecretId> = {
            let t = self.tx.open_table(MAPPINGS)?;
            mappings_to(&self.vault.meta_key, &t, r)?
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        };
        let mut maps = self.tx.open_table(MAPPINGS)?;
        for id in ids {
            maps.remove((id.0, r))?;
        }
        drop(maps);
        let queued = scan_target(&self.tx.open_table(OUTBOX)?, r)?;
        let mut outbox = self.tx.open_table(OUTBOX)?;
        for (var, _) in queued {
            outbox.remove((r, var.as_str()))?;
        }
        drop(outbox);
        self.drop_target_rows(r)?;
        self.audit("branch-drop", r, Outcome::Ok, "no longer followed")
    }

    /// The branch `name` (or git branch) of `parent`.
    pub(crate) fn branch_named(&self, parent: &str, name: &str) -> Result<Target> {
        self.target_record(parent)?;
        self.branch_targets(parent)?
            .into_iter()
            .find(|c| {
                c.branch
                    .as_ref()
                    .is_some_and(|b| b.name == name || b.git_branch.as_deref() == Some(name))
            })
            .ok_or_else(|| {
                VaultError::not_found(format!(
                    "{parent} has no followed branch {name}: see `keyward branch list {parent}`"
                ))
            })
    }

    /// On one branch, the variables `project/name` makes through the parent get the
    /// value of `from` instead. Returns those variable names.
    pub fn override_branch(
        &mut self,
        parent: &str,
        branch: &str,
        (project, name): (&str, &str),
        (from_project, from_name): (&str, &str),
    ) -> Result<Vec<String>> {
        let child = self.branch_named(parent, branch)?;
        let b = child.project_ref.clone();
        let meta = self.live_secret(project, name)?;
        let from = self.live_secret(from_project, from_name)?;
        let Some((_, pm)) = self
            .mappings_of(meta.id)?
            .into_iter()
            .find(|(t, _)| t == parent)
        else {
            return Err(VaultError::not_found(format!(
                "{project}/{name} is not mapped to {parent}: map it there first, then override it on {branch}"
            )));
        };
        if from.id == meta.id {
            return Err(VaultError::invalid(format!(
                "--from names {project}/{name} itself: give the secret whose value {branch} should get"
            )));
        }
        if let Some((_, m)) = self
            .mappings_of(from.id)?
            .into_iter()
            .find(|(t, _)| *t == b)
            && m.overrides != Some(meta.id)
        {
            return Err(VaultError::conflict(format!(
                "{from_project}/{from_name} already goes to {branch} as its own variable: an override needs a secret not mapped there"
            )));
        }
        let base = match &pm.env_name {
            Some(n) => n.clone(),
            None => rules::derive_env_name(&meta.name)
                .ok_or_else(|| VaultError::invalid(format!("{name} makes no variable name")))?,
        };
        // The previous override of the same secret, and its inherited mapping, go first,
        // so their variables are free for the new source.
        let ours: Vec<(SecretId, Mapping)> = {
            let t = self.tx.open_table(MAPPINGS)?;
            mappings_to(&self.vault.meta_key, &t, &b)?
        };
        for (id, m) in ours {
            if m.overrides == Some(meta.id) || (id == meta.id && m.inherited) {
                self.drop_mapping(id, &b)?;
            }
        }
        let m = Mapping {
            env_name: Some(base),
            adopt: false,
            created: self.now,
            inherited: false,
            overrides: Some(meta.id),
        };
        self.put_mapping(from.id, &b, &m)?;
        self.resync(from.id, &b, Some(&m))?;
        let vars = crate::vault::sync::outbox::derive_vars(&from, &m)?;
        self.audit(
            "branch-override",
            &format!("{project}/{name}"),
            Outcome::Ok,
            &format!("on {branch} of {parent} from {from_project}/{from_name}"),
        )?;
        Ok(vars.into_iter().map(|(n, _)| n).collect())
    }

    /// Ends an override: the branch gets the parent's secret again.
    pub fn clear_override(
        &mut self,
        parent: &str,
        branch: &str,
        (project, name): (&str, &str),
    ) -> Result<()> {
        let b = self.branch_named(parent, branch)?.project_ref;
        let meta = self.secret(project, name)?;
        let ours: Vec<(SecretId, Mapping)> = {
            let t = self.tx.open_table(MAPPINGS)?;
            mappings_to(&self.vault.meta_key, &t, &b)?
        };
        let Some((id, _)) = ours.iter().find(|(_, m)| m.overrides == Some(meta.id)) else {
            return Err(VaultError::not_found(format!(
                "{project}/{name} has no override on {branch}: see `keyward branch list {parent}`"
            )));
        };
        self.drop_mapping(*id, &b)?;
        self.inherit(parent, &b)?;
        self.audit(
            "branch-override",
            &format!("{project}/{name}"),
            Outcome::Ok,
            &format!("cleared on {branch} of {parent}"),
        )
    }
}

fn is_ready(t: &Target) -> bool {
    t.branch.as_ref().is_some_and(|b| b.ready)
}

impl ReadTx<'_> {
    /// The branch targets of `parent`, by ref.
    pub fn branches_of(&self, parent: &str) -> Result<Vec<Target>> {
        Ok(
            decode_all(&self.vault.meta_key, &self.tx.open_table(TARGETS)?)?
                .into_iter()
                .filter(|t| t.branch.as_ref().is_some_and(|b| b.parent == parent))
                .collect(),
        )
    }

    /// A branch's overrides: (the parent's secret, the secret that replaces it).
    pub fn branch_overrides(&self, branch: &str) -> Result<Vec<(String, String)>> {
        let t = self.tx.open_table(MAPPINGS)?;
        let mut out = Vec::new();
        for (id, m) in mappings_to(&self.vault.meta_key, &t, branch)? {
            if let Some(of) = m.overrides {
                out.push((self.label(of)?, self.label(id)?));
            }
        }
        Ok(out)
    }
}
