//! Import from and export to `.env` files, with a dry run that lists names only.

use serde::{Deserialize, Serialize};

use crate::vault::error::Result;
use crate::vault::names;
use crate::vault::secrets::dotenv;
use crate::vault::secrets::record::{Cause, SecretValue};
use crate::vault::storage::database::{ReadTx, WriteTx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportChange {
    Create,
    Update,
    Unchanged,
    /// Not imported: the value is empty, and the vault keeps no empty secrets.
    Skipped,
}

/// One line of an import plan: a name and what would happen to it. Never a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    pub name: String,
    pub change: ImportChange,
    /// Why a name was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl WriteTx<'_> {
    /// Imports every `KEY=VALUE` of `text` as a simple secret named KEY in `project`.
    /// All or nothing: a malformed line, a value over the limit or a secret in the trash
    /// aborts the whole import. `KEY=` (an empty value) is skipped and reported as such:
    /// the vault keeps no empty secrets, and an existing secret is never emptied by one.
    /// With `dry_run`, nothing is written.
    pub fn import_env(&mut self, project: &str, text: &str, dry_run: bool) -> Result<Vec<Planned>> {
        let entries = dotenv::parse(text)?;
        self.project_id(project)?;
        let mut plan = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            if value.is_empty() {
                plan.push(Planned {
                    name: key,
                    change: ImportChange::Skipped,
                    reason: Some("empty value".into()),
                });
                continue;
            }
            let value = SecretValue::Simple(value);
            crate::vault::limits::value(&value).map_err(|e| {
                crate::vault::error::VaultError::invalid(format!(
                    "{key}: {e}; nothing was imported"
                ))
            })?;
            let change = match self.secret(project, &key) {
                Ok(m) if m.is_trashed() => {
                    return Err(crate::vault::secrets::versions::in_trash(project, &key));
                }
                Ok(m) if self.value_at(m.id, m.version)? == value => ImportChange::Unchanged,
                Ok(_) => ImportChange::Update,
                Err(crate::vault::error::VaultError::NotFound(_)) => ImportChange::Create,
                Err(e) => return Err(e),
            };
            if !dry_run && change != ImportChange::Unchanged {
                self.set_value(project, &key, &value, Cause::Import)?;
            }
            plan.push(Planned {
                name: key,
                change,
                reason: None,
            });
        }
        Ok(plan)
    }
}

impl ReadTx<'_> {
    /// The project's live secrets as `.env` lines: simple secrets under their derived
    /// environment name, structured ones as one `<NAME>_<FIELD>` per field. Names that
    /// derive to nothing are skipped and returned separately.
    pub fn export_env(
        &self,
        project: &str,
    ) -> Result<(Vec<zeroize::Zeroizing<String>>, Vec<String>)> {
        let mut lines = Vec::new();
        let mut skipped = Vec::new();
        for s in self.secrets(Some(project))? {
            let (_, value) = self.value(project, &s.meta.name, None)?;
            match &value {
                SecretValue::Simple(v) => {
                    let env = names::env_name(&s.meta.name);
                    if env.is_empty() {
                        skipped.push(s.meta.name.clone());
                    } else {
                        lines.push(dotenv::line(&env, v));
                    }
                }
                SecretValue::Fields(fs) => {
                    // The names sync gives them: a field that makes no name is
                    // skipped, as sync refuses it.
                    for (f, v) in fs {
                        match names::derive_field_env_name(&s.meta.name, f) {
                            Some(env) => lines.push(dotenv::line(&env, v)),
                            None => skipped.push(format!("{}.{f}", s.meta.name)),
                        }
                    }
                }
            }
        }
        // Two secrets that derive the same variable would silently shadow each other in
        // the file; refuse instead.
        let mut seen = std::collections::HashSet::new();
        for l in &lines {
            let var = l.split('=').next().unwrap_or_default();
            if !seen.insert(var) {
                return Err(crate::vault::error::VaultError::conflict(format!(
                    "two secrets of {project} export as {var}: rename one of them (`keyward secret rename`)"
                )));
            }
        }
        Ok((lines, skipped))
    }
}
