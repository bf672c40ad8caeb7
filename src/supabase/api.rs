//! Request and response types of the Management API endpoints keyward uses, shaped like
//! the official OpenAPI document (`../shared/supabase/management-api-openapi.json`).
//!
//! Field names follow the spec's JSON exactly. Fields the spec marks `nullable` are
//! `Option`s that serialize as `null`; fields it leaves optional are skipped when absent,
//! so a round trip through these types never invents a field the API would not send.

use serde::{Deserialize, Serialize};

pub use super::auth_keys::*;
pub use super::branch_api::*;

/// `V1ProjectWithDatabaseResponse`: one item of `GET /v1/projects`, and `GET /v1/projects/{ref}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Deprecated by the API in favour of `ref`; still required in its responses, but
    /// read leniently so its removal upstream does not break listing.
    #[serde(default)]
    pub id: String,
    #[serde(rename = "ref")]
    pub project_ref: String,
    /// Deprecated by the API in favour of `organization_slug`; still required (read leniently).
    #[serde(default)]
    pub organization_id: String,
    pub organization_slug: String,
    pub name: String,
    pub region: String,
    pub created_at: String,
    pub status: String,
    pub database: Database,
}

/// The `database` object of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    pub host: String,
    pub version: String,
    pub postgres_engine: String,
    pub release_channel: String,
}

/// `OrganizationResponseV1`: one item of `GET /v1/organizations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Deprecated by the API in favour of `slug`; still required (read leniently).
    #[serde(default)]
    pub id: String,
    pub slug: String,
    pub name: String,
}

/// `SecretResponse`: one item of `GET /v1/projects/{ref}/secrets`. `value` is the lowercase
/// hex SHA-256 of the plaintext, never the plaintext itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret {
    pub name: String,
    /// SHA-256 hex digest of the value.
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// One item of `CreateSecretBody` (the body of `POST /v1/projects/{ref}/secrets` is a bare
/// JSON array of these). The value is plaintext; Debug never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSecret {
    pub name: String,
    pub value: String,
}

impl NewSecret {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret")
            .field("name", &self.name)
            .field("value", &"[redacted]")
            .finish()
    }
}

/// `ApiKeyResponse`. Every field but `name` is nullable in the spec, so every one is an
/// `Option` here; a secret key's `api_key` is masked (prefix + dots) or `null` unless
/// the request asked for `reveal=true`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(rename = "type", default)]
    pub key_type: Option<ApiKeyType>,
    #[serde(default)]
    pub prefix: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub hash: Option<String>,
    #[serde(default)]
    pub secret_jwt_template: Option<serde_json::Map<String, serde_json::Value>>,
    /// Absent, not null, on the legacy entries (as the real API sends them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inserted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

impl ApiKey {
    /// The key's full value, when the response carried it: `None` when it is `null` or
    /// masked (a secret key listed without `reveal=true`).
    pub fn revealed_key(&self) -> Option<&str> {
        let key = self.api_key.as_deref()?;
        if is_masked(key) { None } else { Some(key) }
    }
}

/// Masked keys are the key's prefix followed by dots. Real keys are letters, digits and
/// underscores, so any mask character anywhere means masked (`•`, `·`, `…`, `...`, `*`:
/// the mask is presentation, not contract).
pub fn is_masked(key: &str) -> bool {
    key.is_empty() || key.contains(['•', '·', '…', '*']) || key.contains("...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_type_still_parses() {
        let k: ApiKey = serde_json::from_str(r#"{"name": "x", "type": "quantum"}"#).unwrap();
        assert_eq!(k.key_type, Some(ApiKeyType::Unknown));
        let k: ApiKey = serde_json::from_str(r#"{"name": "x", "type": null}"#).unwrap();
        assert_eq!(k.key_type, None);
    }

    #[test]
    fn masks_are_recognised_and_real_keys_are_not() {
        assert!(is_masked("sb_secret_abcd••••••••"));
        assert!(is_masked("sb_secret_abcd..."));
        assert!(!is_masked("sb_secret_abcdEFGH1234_xyz"));
        assert_eq!(secret_digest("").len(), 64);
        assert_eq!(
            secret_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A revealed secret key is a credential: keep it out of logs and panics.
        let shown = match (&self.api_key, self.key_type) {
            (None, _) => "null",
            (Some(_), Some(ApiKeyType::Publishable)) => "[publishable]",
            (Some(k), _) if is_masked(k) => "[masked]",
            (Some(_), _) => "[redacted]",
        };
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("type", &self.key_type)
            .field("name", &self.name)
            .field("prefix", &self.prefix)
            .field("api_key", &shown)
            .field("description", &self.description)
            .field("inserted_at", &self.inserted_at)
            .finish_non_exhaustive()
    }
}

/// The `type` enum of `ApiKeyResponse` (`legacy` keys are the JWT anon/service_role ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiKeyType {
    Legacy,
    Publishable,
    Secret,
    /// A type this build does not know: a new one must not make the whole list unreadable.
    #[serde(other)]
    Unknown,
}

/// The key types that can be created (`CreateApiKeyBody.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NewApiKeyType {
    Publishable,
    Secret,
}

impl std::str::FromStr for NewApiKeyType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "publishable" => Ok(Self::Publishable),
            "secret" => Ok(Self::Secret),
            other => Err(format!(
                "unknown key type `{other}`: use `publishable` or `secret`"
            )),
        }
    }
}

/// `CreateApiKeyBody`: `name` is 4–64 characters matching `^[a-z_][a-z0-9_]+$`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateApiKey {
    #[serde(rename = "type")]
    pub key_type: NewApiKeyType,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_jwt_template: Option<serde_json::Map<String, serde_json::Value>>,
}

impl CreateApiKey {
    pub fn new(key_type: NewApiKeyType, name: impl Into<String>) -> Self {
        Self {
            key_type,
            name: name.into(),
            description: None,
            secret_jwt_template: None,
        }
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// The query of `DELETE /v1/projects/{ref}/api-keys/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteApiKey {
    /// Tells Supabase the key leaked, not merely retired.
    pub was_compromised: bool,
    /// Free text; the spec's example is `rotating_key`.
    pub reason: Option<String>,
}

/// The error body of the API: `{"message": ...}`, sometimes with `errorEventId`, and for
/// scoped tokens' 403s `missing_permissions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(
        rename = "errorEventId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_event_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_permissions: Vec<String>,
}

/// Limits from the spec and NOTES.md that both the client and the emulator enforce.
pub mod limits {
    /// Secrets per project; only the project's own count (the emulator's reading of an
    /// unconfirmed rule: the platform's `SUPABASE_*` entries do not).
    pub const MAX_SECRETS_PER_PROJECT: usize = 100;
    /// Secrets in one request: never more, whatever the API might tolerate.
    pub const MAX_SECRETS_PER_REQUEST: usize = 100;
    pub const MAX_SECRET_NAME_LEN: usize = 256;
    pub const MAX_SECRET_VALUE_LEN: usize = 24_576;
    pub const RESERVED_PREFIX: &str = "SUPABASE_";
}

/// A project ref is 20 lowercase ASCII letters.
pub fn is_valid_project_ref(s: &str) -> bool {
    s.len() == 20 && s.bytes().all(|b| b.is_ascii_lowercase())
}

/// The lowercase hex SHA-256 of a value: what the secrets list reports instead of it.
pub fn secret_digest(value: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::encoding::hex(&Sha256::digest(value.as_bytes()))
}
