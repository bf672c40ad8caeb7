//! What keyward last saw of a target's legacy `anon`/`service_role` API keys (enabled
//! or not, when checked), so `status` can show it without asking Supabase; and which
//! vault secrets hold a given key value (what still uses a legacy key, as far as the
//! vault can tell). The values compared are opened here and never leave.

use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::vault::clock::Millis;
use crate::vault::error::Result;
use crate::vault::storage::database::{ReadTx, WriteTx};

/// target ref -> LegacyKeysState (JSON, tagged).
pub(crate) const LEGACY_KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("legacy_keys");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyKeysState {
    /// None: the project has no legacy keys endpoint (they are gone for good).
    pub enabled: Option<bool>,
    pub checked: Millis,
    /// The last disable/enable and what its check found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A vault secret (or one field of it) whose value is one of the given keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// `project/name`.
    pub secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The label of the key it holds (`anon`, `service_role`).
    pub key: String,
    /// (target, variable) where it is mapped.
    pub mapped: Vec<(String, String)>,
}

impl WriteTx<'_> {
    pub fn record_legacy_keys(
        &mut self,
        target: &str,
        enabled: Option<bool>,
        message: Option<String>,
    ) -> Result<LegacyKeysState> {
        let state = LegacyKeysState {
            enabled,
            checked: self.now,
            message,
        };
        self.tx.open_table(LEGACY_KEYS)?.insert(
            target,
            crate::vault::storage::tagged::encode(
                &self.vault.meta_key,
                "legacy_keys",
                &[target],
                &state,
            )?
            .as_slice(),
        )?;
        Ok(state)
    }
}

impl ReadTx<'_> {
    /// The last state seen of each target's legacy keys (targets never checked: none).
    pub fn legacy_keys_states(&self) -> Result<Vec<(String, LegacyKeysState)>> {
        let t = match self.tx.open_table(LEGACY_KEYS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            let s = crate::vault::storage::tagged::decode(
                &self.vault.meta_key,
                "legacy_keys",
                &[k.value()],
                v.value(),
            )?;
            out.push((k.value().to_owned(), s));
        }
        Ok(out)
    }

    /// Live secrets (and fields) whose current value equals one of `keys` (label,
    /// value), with where each is mapped. Comparisons are constant-time.
    pub fn secrets_holding(&self, keys: &[(&str, &str)]) -> Result<Vec<Holder>> {
        let same = |a: &str, b: &str| crate::crypto::verify(a.as_bytes(), b.as_bytes());
        let mut out = Vec::new();
        if keys.is_empty() {
            return Ok(out);
        }
        for s in self.secrets(None)? {
            let (_, value) = self.value(&s.project, &s.meta.name, None)?;
            let parts: Vec<(Option<String>, &str)> = match &value {
                crate::vault::SecretValue::Simple(v) => vec![(None, v.as_str())],
                crate::vault::SecretValue::Fields(fs) => fs
                    .iter()
                    .map(|(k, v)| (Some(k.clone()), v.as_str()))
                    .collect(),
            };
            for (field, v) in parts {
                let Some((label, _)) = keys.iter().find(|(_, k)| same(k, v)) else {
                    continue;
                };
                let mapped = self
                    .mappings_for_secret(&s.project, &s.meta.name)?
                    .into_iter()
                    .flat_map(|m| {
                        let t = m.target.clone();
                        m.variables.into_iter().map(move |v| (t.clone(), v))
                    })
                    .collect();
                out.push(Holder {
                    secret: format!("{}/{}", s.project, s.meta.name),
                    field,
                    key: (*label).to_owned(),
                    mapped,
                });
            }
        }
        Ok(out)
    }
}
