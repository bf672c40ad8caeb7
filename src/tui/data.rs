//! What the dashboard shows, read from one vault snapshot (a redb read transaction:
//! never blocks, never blocked by the engine's writes). Reloaded on `Event::Changed`.

use crate::vault::{AuditEntry, Listed, Project, ReadTx, Result, VersionMeta};

#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    /// Projects with their live secret counts, by name.
    pub projects: Vec<(Project, usize)>,
    /// Every live secret, sorted by project then name.
    pub secrets: Vec<Listed>,
    pub trashed: usize,
}

impl Snapshot {
    pub fn load(r: &ReadTx<'_>) -> Result<Snapshot> {
        let o = r.overview()?;
        Ok(Snapshot {
            projects: o.projects,
            secrets: o.secrets,
            trashed: o.trashed,
        })
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

/// Loads for the modals: each reads its own snapshot when opened.
pub fn history(r: &ReadTx<'_>, project: &str, name: &str) -> Result<Vec<VersionMeta>> {
    let mut h = r.history(project, name)?;
    h.reverse();
    Ok(h)
}

pub fn trash(r: &ReadTx<'_>) -> Result<Vec<Listed>> {
    r.trash()
}

pub fn audit(r: &ReadTx<'_>) -> Result<Vec<AuditEntry>> {
    let mut e = r.audit_entries(None)?;
    e.reverse();
    Ok(e)
}
