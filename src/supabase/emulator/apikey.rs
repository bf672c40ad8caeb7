//! A project's API keys as the emulator keeps them, and how the API shows them.

use serde::{Deserialize, Serialize};

use super::clock;
use crate::supabase::api::{self, ApiKey, ApiKeyType};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyRecord {
    pub id: String,
    pub key_type: ApiKeyType,
    pub name: String,
    pub description: Option<String>,
    pub api_key: String,
    pub prefix: String,
    pub secret_jwt_template: Option<serde_json::Map<String, serde_json::Value>>,
    pub inserted_at: String,
    pub updated_at: String,
}

/// A deleted key, kept so tests can see what the delete said.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeletedKey {
    pub project_ref: String,
    pub id: String,
    pub name: String,
    pub was_compromised: bool,
    pub reason: Option<String>,
}

/// The privileges of a project's default secret key: the `service_role` database role.
pub fn service_role_template() -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("role".into(), serde_json::Value::from("service_role"));
    m
}

pub fn new_key(key_type: ApiKeyType, name: &str, description: Option<String>) -> KeyRecord {
    let now = clock::now_rfc3339();
    // The real API's legacy entries: the role as id, a fixed description.
    let (id, description) = match key_type {
        ApiKeyType::Legacy => (name.to_owned(), Some(format!("Legacy {name} API key"))),
        _ => (clock::uuid_v4(), description),
    };
    let (api_key, prefix) = match key_type {
        ApiKeyType::Legacy | ApiKeyType::Unknown => {
            let k = format!(
                "eyJhbGciOiJIUzI1NiJ9.{}.{}",
                clock::random_alnum(48),
                clock::random_alnum(43)
            );
            (k, String::new())
        }
        ApiKeyType::Publishable => {
            let k = format!("sb_publishable_{}", clock::random_alnum(31));
            let p = k[..19].to_owned();
            (k, p)
        }
        ApiKeyType::Secret => {
            let k = format!("sb_secret_{}", clock::random_alnum(31));
            let p = k[..14].to_owned();
            (k, p)
        }
    };
    KeyRecord {
        id,
        key_type,
        name: name.to_owned(),
        description,
        api_key,
        prefix,
        secret_jwt_template: None,
        inserted_at: now.clone(),
        updated_at: now,
    }
}

/// How a secret key's value appears when not revealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Masking {
    /// Prefix followed by dots.
    #[default]
    Masked,
    /// `api_key: null`.
    Null,
}

impl KeyRecord {
    /// The key as the API shows it. Legacy entries, as recorded from the real API, carry
    /// empty `prefix` and `hash` strings and no timestamps; an unrevealed secret key is
    /// its prefix followed by `·`.
    pub fn view(&self, reveal: bool, masking: Masking) -> ApiKey {
        let api_key = match (self.key_type, reveal, masking) {
            (ApiKeyType::Secret, false, Masking::Null) => None,
            (ApiKeyType::Secret, false, Masking::Masked) => {
                Some(format!("{}{}", self.prefix, "·".repeat(16)))
            }
            _ => Some(self.api_key.clone()),
        };
        let legacy = self.key_type == ApiKeyType::Legacy;
        ApiKey {
            api_key,
            id: Some(self.id.clone()),
            key_type: Some(self.key_type),
            prefix: Some(self.prefix.clone()),
            name: self.name.clone(),
            description: self.description.clone(),
            hash: Some(if legacy {
                String::new()
            } else {
                api::secret_digest(&self.api_key)
            }),
            secret_jwt_template: self.secret_jwt_template.clone(),
            inserted_at: (!legacy).then(|| self.inserted_at.clone()),
            updated_at: (!legacy).then(|| self.updated_at.clone()),
        }
    }
}
