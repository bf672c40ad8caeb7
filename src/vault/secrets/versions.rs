//! Secrets and their versions: set, read, history, rename, rollback.

use redb::ReadableTable;

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::limits;
use crate::vault::secrets::record::{
    Cause, Listed, Project, ProjectId, SecretId, SecretMeta, SecretValue, VersionMeta,
};
use crate::vault::storage::database::{
    PROJECTS, ReadTx, SECRET_NAMES, SECRETS, VALUES, VALUES_TABLE, VERSIONS, WriteTx, value_key,
};

/// What a write did to a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Written {
    pub id: SecretId,
    pub version: u32,
    /// False when the value was identical and no version was made.
    pub changed: bool,
    pub created: bool,
}

pub(crate) fn unknown_secret(project: &str, name: &str) -> VaultError {
    VaultError::not_found(format!(
        "no secret {project}/{name}: see `keyward secret list {project}` (trashed ones: `keyward trash list`)"
    ))
}

pub(crate) fn in_trash(project: &str, name: &str) -> VaultError {
    VaultError::conflict(format!(
        "{project}/{name} is in the trash: `keyward secret restore {project}/{name}` first"
    ))
}

fn meta_of(
    t: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
    key: &[u8; 32],
) -> Result<SecretMeta> {
    let g = t
        .get(id)?
        .ok_or_else(|| VaultError::Damaged(format!("secret {id} is indexed but missing")))?;
    crate::vault::storage::meta_row::decode_meta_verified(g.value(), id, key)
}

fn version_meta(
    t: &impl ReadableTable<(u64, u32), &'static [u8]>,
    id: u64,
    n: u32,
) -> Result<Option<VersionMeta>> {
    t.get((id, n))?
        .map(|g| serde_json::from_slice(g.value()).map_err(Into::into))
        .transpose()
}

/// The metadata of the secret `name` of `project` (whose id is `pid`), trashed or not.
fn named_meta(
    names: &impl ReadableTable<(u64, &'static str), u64>,
    secrets: &impl ReadableTable<u64, &'static [u8]>,
    key: &[u8; 32],
    (pid, project, name): (u64, &str, &str),
) -> Result<SecretMeta> {
    let id = names
        .get((pid, name))?
        .map(|g| g.value())
        .ok_or_else(|| unknown_secret(project, name))?;
    meta_of(secrets, id, key)
}

/// The secret reads a write transaction answers as a read one does (redb's two kinds
/// of transaction share no trait to write them once over).
macro_rules! secret_reads {
    ($($tx:ident),*) => {$(
        impl $tx<'_> {
            /// The secret's metadata, trashed or not.
            pub fn secret(&self, project: &str, name: &str) -> Result<SecretMeta> {
                let pid = self.project_id(project)?;
                named_meta(
                    &self.tx.open_table(SECRET_NAMES)?,
                    &self.tx.open_table(SECRETS)?,
                    &self.vault.meta_key,
                    (pid.0, project, name),
                )
            }

            /// A secret by its stable id, with its project's and its own current names
            /// (project name, secret name, metadata); None when it was purged.
            pub fn secret_by_id(
                &self,
                id: SecretId,
            ) -> Result<Option<(String, String, SecretMeta)>> {
                by_id(
                    &self.tx.open_table(SECRETS)?,
                    &self.tx.open_table(PROJECTS)?,
                    id,
                    &self.vault.meta_key,
                )
            }
        }
    )*};
}
secret_reads!(ReadTx, WriteTx);

impl WriteTx<'_> {
    /// The secret's metadata, refusing trashed ones.
    pub(crate) fn live_secret(&self, project: &str, name: &str) -> Result<SecretMeta> {
        let m = self.secret(project, name)?;
        if m.is_trashed() {
            return Err(in_trash(project, name));
        }
        Ok(m)
    }

    pub(crate) fn put_meta(&mut self, m: &SecretMeta) -> Result<()> {
        self.touched.secrets.insert(m.id);
        self.tx.open_table(SECRETS)?.insert(
            m.id.0,
            crate::vault::storage::meta_row::encode_meta(m, &self.vault.meta_key).as_slice(),
        )?;
        Ok(())
    }

    pub(crate) fn value_at(&self, id: SecretId, version: u32) -> Result<SecretValue> {
        open_value(&self.vault.key, &self.tx.open_table(VALUES)?, id, version)
    }

    /// Records `value` as a new version (creating the secret if it does not exist).
    /// An identical value makes no version, unless the cause demands a record (restore).
    pub fn set_value(
        &mut self,
        project: &str,
        name: &str,
        value: &SecretValue,
        cause: Cause,
    ) -> Result<Written> {
        limits::secret_name(name)?;
        limits::value(value)?;
        let pid = self.project_id(project)?;
        let existing = self
            .tx
            .open_table(SECRET_NAMES)?
            .get((pid.0, name))?
            .map(|g| g.value());
        let (mut meta, created) = match existing {
            Some(id) => {
                let m = meta_of(&self.tx.open_table(SECRETS)?, id, &self.vault.meta_key)?;
                if m.is_trashed() {
                    return Err(in_trash(project, name));
                }
                (m, false)
            }
            None => {
                let id = SecretId(self.next_id()?);
                self.tx
                    .open_table(SECRET_NAMES)?
                    .insert((pid.0, name), id.0)?;
                let m = SecretMeta {
                    id,
                    project: pid,
                    name: name.into(),
                    note: None,
                    shape: value.shape(),
                    version: 0,
                    created: self.now,
                    updated: self.now,
                    trashed: None,
                };
                (m, true)
            }
        };
        if !created && cause != Cause::Restore && self.value_at(meta.id, meta.version)? == *value {
            return Ok(Written {
                id: meta.id,
                version: meta.version,
                changed: false,
                created,
            });
        }
        let version = self.push_version(&mut meta, value, cause)?;
        let action = match (created, cause) {
            (true, _) => "secret-create",
            (_, Cause::Edit) => "secret-edit",
            (_, Cause::Rotation) => "secret-rotate",
            (_, Cause::Rollback { .. }) => "secret-rollback",
            (_, Cause::Restore) => "secret-restore",
            (_, Cause::Import) => "secret-import",
        };
        let detail = match cause {
            Cause::Rollback { from } => format!("version {version} (value of version {from})"),
            c => format!("version {version} ({})", c.as_str()),
        };
        self.audit(action, &format!("{project}/{name}"), Outcome::Ok, &detail)?;
        self.sync_secret(meta.id)?;
        Ok(Written {
            id: meta.id,
            version,
            changed: true,
            created,
        })
    }

    /// Appends a version row and its sealed value, and updates the metadata row.
    fn push_version(
        &mut self,
        meta: &mut SecretMeta,
        value: &SecretValue,
        cause: Cause,
    ) -> Result<u32> {
        let n = meta.version + 1;
        let v = VersionMeta {
            number: n,
            at: self.now,
            actor: self.vault.actor().into(),
            cause,
        };
        self.tx
            .open_table(VERSIONS)?
            .insert((meta.id.0, n), serde_json::to_vec(&v)?.as_slice())?;
        let sealed = self.seal(VALUES_TABLE, &value_key(meta.id.0, n), &value.encode());
        self.tx
            .open_table(VALUES)?
            .insert((meta.id.0, n), sealed.as_slice())?;
        meta.version = n;
        meta.shape = value.shape();
        meta.updated = self.now;
        self.put_meta(meta)?;
        Ok(n)
    }

    /// Sets some fields of a structured secret, keeping the others in their place; new
    /// fields go at the end. A missing or simple secret gets exactly the given fields.
    /// With `replace`, the given fields become the whole set (how a field is removed).
    pub fn set_fields(
        &mut self,
        project: &str,
        name: &str,
        given: SecretValue,
        replace: bool,
        cause: Cause,
    ) -> Result<Written> {
        let SecretValue::Fields(given) = given else {
            return self.set_value(project, name, &given, cause);
        };
        let current = match self.secret(project, name) {
            Ok(m) if !replace && !m.is_trashed() => Some(self.value_at(m.id, m.version)?),
            _ => None,
        };
        let merged = match current {
            Some(SecretValue::Fields(mut fs)) => {
                for (k, v) in given {
                    match fs.iter_mut().find(|(f, _)| *f == k) {
                        Some(slot) => slot.1 = v,
                        None => fs.push((k, v)),
                    }
                }
                fs
            }
            _ => given,
        };
        self.set_value(project, name, &SecretValue::Fields(merged), cause)
    }

    pub fn set_note(&mut self, project: &str, name: &str, note: Option<&str>) -> Result<()> {
        if let Some(n) = note {
            limits::note(n)?;
        }
        let mut m = self.live_secret(project, name)?;
        m.note = note.filter(|n| !n.is_empty()).map(str::to_string);
        m.updated = self.now;
        self.put_meta(&m)?;
        self.audit("secret-note", &format!("{project}/{name}"), Outcome::Ok, "")
    }

    /// Renames within the project; the id, versions and policies stay.
    pub fn rename(&mut self, project: &str, name: &str, new_name: &str) -> Result<SecretMeta> {
        limits::secret_name(new_name)?;
        let mut m = self.live_secret(project, name)?;
        if name == new_name {
            return Ok(m);
        }
        let mut names = self.tx.open_table(SECRET_NAMES)?;
        if names.get((m.project.0, new_name))?.is_some() {
            return Err(VaultError::conflict(format!(
                "{project}/{new_name} already exists (perhaps in the trash): choose another name"
            )));
        }
        names.remove((m.project.0, name))?;
        names.insert((m.project.0, new_name), m.id.0)?;
        drop(names);
        m.name = new_name.into();
        m.updated = self.now;
        self.put_meta(&m)?;
        self.audit(
            "secret-rename",
            &format!("{project}/{new_name}"),
            Outcome::Ok,
            &format!("from {name:?}"),
        )?;
        // New names are upserted, the old ones deleted after (upserts go first).
        self.sync_secret(m.id)?;
        Ok(m)
    }

    /// Makes a new version holding version `to`'s value.
    pub fn rollback(&mut self, project: &str, name: &str, to: u32) -> Result<Written> {
        let m = self.live_secret(project, name)?;
        if to == 0 || to > m.version {
            return Err(VaultError::not_found(format!(
                "{project}/{name} has no version {to}: it has versions 1 to {}, see `keyward secret history {project}/{name}`",
                m.version
            )));
        }
        let value = self.value_at(m.id, to)?;
        let mut m = m;
        let version = self.push_version(&mut m, &value, Cause::Rollback { from: to })?;
        self.audit(
            "secret-rollback",
            &format!("{project}/{name}"),
            Outcome::Ok,
            &format!("version {version} (value of version {to})"),
        )?;
        self.sync_secret(m.id)?;
        Ok(Written {
            id: m.id,
            version,
            changed: true,
            created: false,
        })
    }
}

fn by_id(
    secrets: &impl ReadableTable<u64, &'static [u8]>,
    projects: &impl ReadableTable<u64, &'static [u8]>,
    id: SecretId,
    key: &[u8; 32],
) -> Result<Option<(String, String, SecretMeta)>> {
    if secrets.get(id.0)?.is_none() {
        return Ok(None);
    }
    let m = meta_of(secrets, id.0, key)?;
    let project: Project = match projects.get(m.project.0)? {
        Some(g) => serde_json::from_slice(g.value())?,
        None => return Ok(None),
    };
    Ok(Some((project.name, m.name.clone(), m)))
}

pub(crate) fn open_value(
    key: &crate::vault::storage::seal::VaultKey,
    values: &impl ReadableTable<(u64, u32), &'static [u8]>,
    id: SecretId,
    version: u32,
) -> Result<SecretValue> {
    let g = values
        .get((id.0, version))?
        .ok_or_else(|| VaultError::Damaged(format!("the value of version {version} is missing")))?;
    let plain = key.open(VALUES_TABLE, &value_key(id.0, version), g.value())?;
    SecretValue::decode(&plain).ok_or_else(|| VaultError::Tampered("value encoding".into()))
}

impl ReadTx<'_> {
    /// Live secrets (not trashed), of one project or all, sorted by project then name.
    /// Reads metadata rows only: no sealed record is opened.
    pub fn secrets(&self, project: Option<&str>) -> Result<Vec<Listed>> {
        self.listing(project, false)
    }

    pub(crate) fn listing(&self, project: Option<&str>, trashed: bool) -> Result<Vec<Listed>> {
        let projects = self.project_names()?;
        let only = project.map(|p| self.project_id(p)).transpose()?;
        let t = self.tx.open_table(SECRETS)?;
        let mut out = Vec::new();
        let mut keep = |bytes: &[u8]| -> Result<()> {
            let meta = crate::vault::storage::meta_row::decode_meta(bytes)?;
            if meta.is_trashed() == trashed && only.is_none_or(|p| p == meta.project) {
                let project = projects.get(&meta.project).cloned().unwrap_or_default();
                out.push(Listed { project, meta });
            }
            Ok(())
        };
        match only {
            // One project: its ids from the name index, so a listing costs the project's
            // size, not the vault's.
            Some(p) => {
                for row in self
                    .tx
                    .open_table(SECRET_NAMES)?
                    .range((p.0, "")..(p.0 + 1, ""))?
                {
                    if let Some(g) = t.get(row?.1.value())? {
                        keep(g.value())?;
                    }
                }
            }
            None => {
                for row in t.iter()? {
                    keep(row?.1.value())?;
                }
            }
        }
        out.sort_by(|a, b| (&a.project, &a.meta.name).cmp(&(&b.project, &b.meta.name)));
        Ok(out)
    }

    fn project_names(&self) -> Result<std::collections::HashMap<ProjectId, String>> {
        let mut out = std::collections::HashMap::new();
        for row in self.tx.open_table(PROJECTS)?.iter()? {
            let p: Project = serde_json::from_slice(row?.1.value())?;
            out.insert(p.id, p.name);
        }
        Ok(out)
    }

    /// Every version, oldest first.
    pub fn history(&self, project: &str, name: &str) -> Result<Vec<VersionMeta>> {
        let m = self.secret(project, name)?;
        let t = self.tx.open_table(VERSIONS)?;
        let mut out = Vec::with_capacity(m.version as usize);
        for row in t.range((m.id.0, 0)..=(m.id.0, u32::MAX))? {
            out.push(serde_json::from_slice(row?.1.value())?);
        }
        Ok(out)
    }

    /// The value at `version` (default: current) of a live secret.
    pub fn value(
        &self,
        project: &str,
        name: &str,
        version: Option<u32>,
    ) -> Result<(u32, SecretValue)> {
        let m = self.secret(project, name)?;
        if m.is_trashed() {
            return Err(in_trash(project, name));
        }
        let n = version.unwrap_or(m.version);
        if n == 0 || n > m.version {
            return Err(VaultError::not_found(format!(
                "{project}/{name} has no version {n}: it has versions 1 to {}",
                m.version
            )));
        }
        if version_meta(&self.tx.open_table(VERSIONS)?, m.id.0, n)?.is_none() {
            return Err(VaultError::Damaged(format!(
                "the record of version {n} of {project}/{name} is missing"
            )));
        }
        Ok((
            n,
            open_value(&self.vault.key, &self.tx.open_table(VALUES)?, m.id, n)?,
        ))
    }
}
