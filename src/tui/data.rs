//! What the dashboard shows: the owner's `Query::Dashboard` answer (one vault snapshot),
//! indexed for the panes. Reloaded when an event says something changed.

use std::collections::{HashMap, HashSet};

use crate::ops::{Dashboard, DashboardDelta};
use crate::vault::{Connection, Listed, Project, SecretId, SyncState, Target, VarState};

/// Counts of mapped variables per state.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub synced: usize,
    pub pending: usize,
    pub failed: usize,
    pub drifted: usize,
    pub removing: usize,
}

impl Totals {
    fn add(&mut self, s: SyncState) {
        match s {
            SyncState::Synced => self.synced += 1,
            SyncState::Pending => self.pending += 1,
            SyncState::Failed => self.failed += 1,
            SyncState::Drifted => self.drifted += 1,
            SyncState::Removing => self.removing += 1,
        }
    }
}

/// A target with every variable keyward manages there.
#[derive(Debug, Clone)]
pub struct TargetView {
    pub target: Target,
    pub vars: Vec<(String, VarState)>,
    pub totals: Totals,
}

#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    /// Projects with their live secret counts, by name.
    pub projects: Vec<(Project, usize)>,
    /// Every live secret, sorted by project then name.
    pub secrets: Vec<Listed>,
    pub trashed: usize,
    pub connections: Vec<Connection>,
    pub targets: Vec<TargetView>,
    /// Per secret: (index into `targets`, index into that target's `vars`).
    pub by_secret: HashMap<SecretId, Vec<(usize, usize)>>,
    pub totals: Totals,
    pub unhealthy: usize,
}

impl Snapshot {
    /// Indexes what the owner read: totals per target and overall, and each secret's
    /// variables, so the panes cost nothing per frame.
    pub fn from_dashboard(d: Dashboard) -> Snapshot {
        let o = d.overview;
        let mut s = Snapshot {
            projects: o.projects,
            secrets: o.secrets,
            trashed: o.trashed,
            connections: d.connections,
            targets: d
                .targets
                .into_iter()
                .map(|(target, vars)| TargetView {
                    target,
                    vars,
                    totals: Totals::default(),
                })
                .collect(),
            ..Snapshot::default()
        };
        s.reindex();
        s
    }

    /// Patches in what changed (the owner's answer to a delta query): secrets, their
    /// variables and targets, in place. The cost is the change and one pass to recount,
    /// never a re-read of the whole vault.
    pub fn apply(&mut self, d: DashboardDelta) {
        self.trashed = d.trashed;
        if !d.secrets.is_empty() {
            let ids: HashSet<SecretId> = d.secrets.iter().map(|(id, _)| *id).collect();
            self.secrets.retain(|s| !ids.contains(&s.meta.id));
            for l in d.secrets.into_iter().filter_map(|(_, l)| l) {
                let key = (l.project.as_str(), l.meta.name.as_str());
                let at = self
                    .secrets
                    .partition_point(|s| (s.project.as_str(), s.meta.name.as_str()) < key);
                self.secrets.insert(at, l);
            }
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for s in &self.secrets {
                *counts.entry(s.project.as_str()).or_default() += 1;
            }
            for (p, n) in &mut self.projects {
                *n = counts.get(p.name.as_str()).copied().unwrap_or(0);
            }
        }
        for (r, target) in d.targets {
            let at = self.targets.iter().position(|t| t.target.project_ref == r);
            match (at, target) {
                (Some(i), Some(t)) => self.targets[i].target = t,
                (None, Some(t)) => {
                    let i = self
                        .targets
                        .partition_point(|v| v.target.project_ref < t.project_ref);
                    self.targets.insert(
                        i,
                        TargetView {
                            target: t,
                            vars: Vec::new(),
                            totals: Totals::default(),
                        },
                    );
                }
                (Some(i), None) => {
                    self.targets.remove(i);
                }
                (None, None) => {}
            }
        }
        for (r, var, state) in d.vars {
            let Some(t) = self.targets.iter_mut().find(|t| t.target.project_ref == r) else {
                continue;
            };
            let at = t.vars.binary_search_by(|(n, _)| n.as_str().cmp(&var));
            match (at, state) {
                (Ok(i), Some(st)) => t.vars[i].1 = st,
                (Err(i), Some(st)) => t.vars.insert(i, (var, st)),
                (Ok(i), None) => {
                    t.vars.remove(i);
                }
                (Err(_), None) => {}
            }
        }
        self.reindex();
    }

    /// Totals per target and overall, unhealthy targets, and each secret's variables.
    fn reindex(&mut self) {
        self.totals = Totals::default();
        self.unhealthy = 0;
        self.by_secret.clear();
        for (ti, t) in self.targets.iter_mut().enumerate() {
            t.totals = Totals::default();
            for (vi, (_, v)) in t.vars.iter().enumerate() {
                t.totals.add(v.state);
                self.totals.add(v.state);
                self.by_secret.entry(v.secret).or_default().push((ti, vi));
            }
            self.unhealthy += usize::from(t.target.health.unhealthy);
        }
    }

    /// The variables of one secret, with their target.
    pub fn vars_of(&self, id: SecretId) -> Vec<(&TargetView, &str, &VarState)> {
        self.by_secret
            .get(&id)
            .map(|v| {
                v.iter()
                    .map(|(ti, vi)| {
                        let t = &self.targets[*ti];
                        let (name, st) = &t.vars[*vi];
                        (t, name.as_str(), st)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The secrets of one project: a contiguous run, since secrets sort by project.
    pub fn secrets_of(&self, project: &str) -> &[Listed] {
        let start = self
            .secrets
            .partition_point(|s| s.project.as_str() < project);
        let end = self
            .secrets
            .partition_point(|s| s.project.as_str() <= project);
        &self.secrets[start..end]
    }
}
