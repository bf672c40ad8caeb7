//! What the dashboard shows: the owner's `Query::Dashboard` answer (one vault snapshot),
//! indexed for the panes. Reloaded when an event says something changed.

use std::collections::HashMap;

use crate::ops::Dashboard;
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
            ..Snapshot::default()
        };
        for (t, vars) in d.targets {
            let mut totals = Totals::default();
            let ti = s.targets.len();
            for (vi, (_, v)) in vars.iter().enumerate() {
                totals.add(v.state);
                s.totals.add(v.state);
                s.by_secret.entry(v.secret).or_default().push((ti, vi));
            }
            s.unhealthy += usize::from(t.health.unhealthy);
            s.targets.push(TargetView {
                target: t,
                vars,
                totals,
            });
        }
        s
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
