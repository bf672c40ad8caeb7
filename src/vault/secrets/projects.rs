//! Projects: named groups of secrets.

use redb::ReadableTable;

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::limits;
use crate::vault::secrets::record::{Project, ProjectId};
use crate::vault::storage::database::{PROJECT_NAMES, PROJECTS, ReadTx, SECRET_NAMES, WriteTx};

fn unknown(name: &str) -> VaultError {
    VaultError::not_found(format!(
        "no project named {name:?}: see `keyward project list`, or create it with `keyward project add`"
    ))
}

pub(crate) fn lookup(
    names: &impl ReadableTable<&'static str, u64>,
    name: &str,
) -> Result<ProjectId> {
    names
        .get(name)?
        .map(|g| ProjectId(g.value()))
        .ok_or_else(|| unknown(name))
}

impl WriteTx<'_> {
    pub fn add_project(&mut self, name: &str) -> Result<Project> {
        limits::project_name(name)?;
        if self.tx.open_table(PROJECT_NAMES)?.get(name)?.is_some() {
            return Err(VaultError::conflict(format!(
                "a project named {name:?} already exists: pick another name"
            )));
        }
        let p = Project {
            id: ProjectId(self.next_id()?),
            name: name.into(),
            created: self.now,
        };
        self.tx
            .open_table(PROJECTS)?
            .insert(p.id.0, serde_json::to_vec(&p)?.as_slice())?;
        self.tx.open_table(PROJECT_NAMES)?.insert(name, p.id.0)?;
        self.touched.full = true;
        self.audit("project-add", name, Outcome::Ok, "")?;
        Ok(p)
    }

    /// Removes an empty project. Secrets (trashed ones included) must be purged first so
    /// that removal never destroys history silently.
    pub fn remove_project(&mut self, name: &str) -> Result<()> {
        let id = lookup(&self.tx.open_table(PROJECT_NAMES)?, name)?;
        let has_secrets = self
            .tx
            .open_table(SECRET_NAMES)?
            .range((id.0, "")..(id.0 + 1, ""))?
            .next()
            .is_some();
        if has_secrets {
            return Err(VaultError::conflict(format!(
                "the project {name:?} still holds secrets (trashed ones count): `keyward secret rm` and `keyward trash purge` them first"
            )));
        }
        self.tx.open_table(PROJECTS)?.remove(id.0)?;
        self.touched.full = true;
        self.tx.open_table(PROJECT_NAMES)?.remove(name)?;
        self.audit("project-rm", name, Outcome::Ok, "")
    }

    /// Renames a project: its secrets, history and access key scopes follow (they hold
    /// its id); key rotations that write into it are pointed at the new name.
    pub fn rename_project(&mut self, name: &str, new_name: &str) -> Result<Project> {
        let id = lookup(&self.tx.open_table(PROJECT_NAMES)?, name)?;
        let mut p: Project = {
            let t = self.tx.open_table(PROJECTS)?;
            let row = t.get(id.0)?.ok_or_else(|| unknown(name))?;
            serde_json::from_slice(row.value())?
        };
        if new_name == name {
            return Ok(p);
        }
        limits::project_name(new_name)?;
        if self.tx.open_table(PROJECT_NAMES)?.get(new_name)?.is_some() {
            return Err(VaultError::conflict(format!(
                "a project named {new_name:?} already exists: pick another name"
            )));
        }
        p.name = new_name.into();
        self.tx
            .open_table(PROJECTS)?
            .insert(id.0, serde_json::to_vec(&p)?.as_slice())?;
        let mut names = self.tx.open_table(PROJECT_NAMES)?;
        names.remove(name)?;
        names.insert(new_name, id.0)?;
        drop(names);
        for mut r in self.key_rotations_tx()? {
            if r.into.project == name {
                r.into.project = new_name.into();
                self.save_key_rotation(&r)?;
            }
        }
        self.touched.full = true;
        self.audit(
            "project-rename",
            new_name,
            Outcome::Ok,
            &format!("from {name}"),
        )?;
        Ok(p)
    }

    pub(crate) fn project_id(&self, name: &str) -> Result<ProjectId> {
        lookup(&self.tx.open_table(PROJECT_NAMES)?, name)
    }
}

impl ReadTx<'_> {
    /// Every project by name, with how many live (untrashed) secrets it holds.
    pub fn projects(&self) -> Result<Vec<(Project, usize)>> {
        let t = self.tx.open_table(PROJECTS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let p: Project = serde_json::from_slice(row?.1.value())?;
            out.push((p, 0));
        }
        // Counted on the name index (keys only, no record decoded); trashed secrets keep
        // their name until purged, so the few in the trash are taken off.
        let names = self.tx.open_table(SECRET_NAMES)?;
        for (p, n) in out.iter_mut() {
            *n = names.range((p.id.0, "")..(p.id.0 + 1, ""))?.count();
        }
        let secrets = self
            .tx
            .open_table(crate::vault::storage::database::SECRETS)?;
        for row in self
            .tx
            .open_table(crate::vault::storage::database::TRASH_EXPIRY)?
            .iter()?
        {
            let id = row?.0.value().1;
            if let Some(m) = crate::vault::sync::outbox::meta_by_id(
                &secrets,
                crate::vault::secrets::record::SecretId(id),
            )? && let Some((_, n)) = out.iter_mut().find(|(p, _)| p.id == m.project)
            {
                *n = n.saturating_sub(1);
            }
        }
        out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        Ok(out)
    }

    pub fn project_id(&self, name: &str) -> Result<ProjectId> {
        lookup(&self.tx.open_table(PROJECT_NAMES)?, name)
    }
}
