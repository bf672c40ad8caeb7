//! The emulator's data: tokens, organizations, projects, their secrets and API keys, and
//! the rules the API applies to them. Plain data behind one mutex; serializable so
//! `--state FILE` can persist it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::clock;
use super::reply::ApiError;
use crate::supabase::api::{self, ApiKey, ApiKeyType, Database, Organization, Project, limits};

/// The platform's own secrets, present in every project's list and untouchable.
pub const PLATFORM_SECRETS: [&str; 4] = [
    "SUPABASE_URL",
    "SUPABASE_ANON_KEY",
    "SUPABASE_SERVICE_ROLE_KEY",
    "SUPABASE_DB_URL",
];

/// The permissions (the spec's `fga_permissions`) of the routes the emulator serves.
pub mod perm {
    pub const PROJECTS_READ: &str = "projects_read";
    pub const PROJECT_READ: &str = "project_admin_read";
    pub const ORGANIZATIONS_READ: &str = "organizations_read";
    pub const SECRETS_READ: &str = "edge_functions_secrets_read";
    pub const SECRETS_WRITE: &str = "edge_functions_secrets_write";
    pub const KEYS_READ: &str = "api_gateway_keys_read";
    pub const KEYS_WRITE: &str = "api_gateway_keys_write";
    /// What a token scoped to projects holds: everything but the account-wide reads.
    pub const PROJECT_SCOPED: [&str; 5] = [
        PROJECT_READ,
        SECRETS_READ,
        SECRETS_WRITE,
        KEYS_READ,
        KEYS_WRITE,
    ];
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenSpec {
    pub token: String,
    /// `None`: every project. `Some`: only these refs (a project-scoped token).
    #[serde(default)]
    pub projects: Option<BTreeSet<String>>,
    /// `None`: every permission. `Some`: only these `fga_permissions`.
    #[serde(default)]
    pub permissions: Option<BTreeSet<String>>,
    #[serde(default)]
    pub revoked: bool,
}

impl TokenSpec {
    /// A classic account token that sees every project.
    pub fn account(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            projects: None,
            permissions: None,
            revoked: false,
        }
    }

    /// A token scoped to these projects: it cannot list the account's projects or orgs.
    pub fn scoped<I: IntoIterator<Item = S>, S: Into<String>>(
        token: impl Into<String>,
        refs: I,
    ) -> Self {
        Self {
            token: token.into(),
            projects: Some(refs.into_iter().map(Into::into).collect()),
            permissions: Some(perm::PROJECT_SCOPED.iter().map(|p| p.to_string()).collect()),
            revoked: false,
        }
    }

    pub fn sees(&self, project_ref: &str) -> bool {
        self.projects
            .as_ref()
            .is_none_or(|p| p.contains(project_ref))
    }

    pub fn has(&self, permission: &str) -> bool {
        self.permissions
            .as_ref()
            .is_none_or(|p| p.contains(permission))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecretRecord {
    /// Plaintext: the emulator stands in for Supabase, which holds it too.
    pub value: String,
    pub updated_at: String,
}

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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectRecord {
    pub name: String,
    pub organization_slug: String,
    pub region: String,
    pub created_at: String,
    pub status: String,
    pub secrets: BTreeMap<String, SecretRecord>,
    pub api_keys: Vec<KeyRecord>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct World {
    pub tokens: BTreeMap<String, TokenSpec>,
    /// slug -> name
    pub organizations: BTreeMap<String, String>,
    pub projects: BTreeMap<String, ProjectRecord>,
    #[serde(default)]
    pub deleted_keys: Vec<DeletedKey>,
}

impl World {
    pub fn add_token(&mut self, spec: TokenSpec) {
        self.tokens.insert(spec.token.clone(), spec);
    }

    pub fn add_organization(&mut self, slug: &str, name: &str) {
        self.organizations.insert(slug.to_owned(), name.to_owned());
    }

    /// Adds a project with the platform's secrets and a default publishable and secret
    /// key, as a new Supabase project has. Its organization is created when missing.
    pub fn add_project(&mut self, project_ref: &str, name: &str, org_slug: &str) {
        if !self.organizations.contains_key(org_slug) {
            self.add_organization(org_slug, org_slug);
        }
        let now = clock::now_rfc3339();
        let platform = |n: &str| match n {
            "SUPABASE_URL" => format!("https://{project_ref}.supabase.co"),
            "SUPABASE_DB_URL" => format!(
                "postgresql://postgres:{}@db.{project_ref}.supabase.co:5432/postgres",
                clock::random_alnum(16)
            ),
            _ => format!("eyJ{}", clock::random_alnum(40)),
        };
        let secrets = PLATFORM_SECRETS
            .iter()
            .map(|n| {
                let rec = SecretRecord {
                    value: platform(n),
                    updated_at: now.clone(),
                };
                (n.to_string(), rec)
            })
            .collect();
        let mut record = ProjectRecord {
            name: name.to_owned(),
            organization_slug: org_slug.to_owned(),
            region: "us-east-1".into(),
            created_at: now,
            status: "ACTIVE_HEALTHY".into(),
            secrets,
            api_keys: Vec::new(),
        };
        record
            .api_keys
            .push(new_key(ApiKeyType::Legacy, "anon", None));
        record
            .api_keys
            .push(new_key(ApiKeyType::Legacy, "service_role", None));
        record
            .api_keys
            .push(new_key(ApiKeyType::Publishable, "default", None));
        record
            .api_keys
            .push(new_key(ApiKeyType::Secret, "default", None));
        self.projects.insert(project_ref.to_owned(), record);
    }

    pub fn project_view(&self, project_ref: &str) -> Option<Project> {
        let p = self.projects.get(project_ref)?;
        Some(Project {
            id: project_ref.to_owned(),
            project_ref: project_ref.to_owned(),
            organization_id: p.organization_slug.clone(),
            organization_slug: p.organization_slug.clone(),
            name: p.name.clone(),
            region: p.region.clone(),
            created_at: p.created_at.clone(),
            status: p.status.clone(),
            database: Database {
                host: format!("db.{project_ref}.supabase.co"),
                version: "17.4.1.054".into(),
                postgres_engine: "17".into(),
                release_channel: "ga".into(),
            },
        })
    }

    pub fn organization_views(&self, token: &TokenSpec) -> Vec<Organization> {
        let visible: BTreeSet<&str> = self
            .projects
            .iter()
            .filter(|(r, _)| token.sees(r))
            .map(|(_, p)| p.organization_slug.as_str())
            .collect();
        self.organizations
            .iter()
            .filter(|(slug, _)| token.projects.is_none() || visible.contains(slug.as_str()))
            .map(|(slug, name)| Organization {
                id: slug.clone(),
                slug: slug.clone(),
                name: name.clone(),
            })
            .collect()
    }

    pub fn project_mut(&mut self, project_ref: &str) -> Result<&mut ProjectRecord, ApiError> {
        self.projects
            .get_mut(project_ref)
            .ok_or_else(|| ApiError::not_found("Project not found"))
    }
}

/// Checks a bulk upsert against every rule, then applies it all or nothing.
pub fn upsert_secrets(
    project: &mut ProjectRecord,
    batch: Vec<(String, String)>,
) -> Result<(), ApiError> {
    for (name, value) in &batch {
        check_secret_name(name)?;
        if value.chars().count() > limits::MAX_SECRET_VALUE_LEN {
            return Err(ApiError::bad_request(format!(
                "Secret value of {name} exceeds the maximum length of {} characters",
                limits::MAX_SECRET_VALUE_LEN
            )));
        }
    }
    let own: BTreeSet<&str> = project
        .secrets
        .keys()
        .map(String::as_str)
        .chain(batch.iter().map(|(n, _)| n.as_str()))
        .filter(|n| !n.starts_with(limits::RESERVED_PREFIX))
        .collect();
    if own.len() > limits::MAX_SECRETS_PER_PROJECT {
        return Err(ApiError::bad_request(format!(
            "A project can have at most {} secrets; this request would make {}",
            limits::MAX_SECRETS_PER_PROJECT,
            own.len()
        )));
    }
    let now = clock::now_rfc3339();
    for (name, value) in batch {
        project.secrets.insert(
            name,
            SecretRecord {
                value,
                updated_at: now.clone(),
            },
        );
    }
    Ok(())
}

/// Deletes names all or nothing; a reserved name refuses the batch. Returns the names
/// that were absent (the caller decides how to answer for them).
pub fn delete_secrets(
    project: &mut ProjectRecord,
    names: &[String],
) -> Result<Vec<String>, ApiError> {
    if let Some(reserved) = names
        .iter()
        .find(|n| n.starts_with(limits::RESERVED_PREFIX))
    {
        return Err(ApiError::bad_request(format!(
            "Secret {reserved} is managed by Supabase and cannot be deleted: names must not start with the SUPABASE_ prefix"
        )));
    }
    let absent: Vec<String> = names
        .iter()
        .filter(|n| !project.secrets.contains_key(n.as_str()))
        .cloned()
        .collect();
    for n in names {
        project.secrets.remove(n);
    }
    Ok(absent)
}

fn check_secret_name(name: &str) -> Result<(), ApiError> {
    if name.is_empty() {
        return Err(ApiError::bad_request("Secret name must not be empty"));
    }
    if name.starts_with(limits::RESERVED_PREFIX) {
        return Err(ApiError::bad_request(format!(
            "Secret name {name} must not start with the SUPABASE_ prefix."
        )));
    }
    if name.chars().count() > limits::MAX_SECRET_NAME_LEN {
        return Err(ApiError::bad_request(format!(
            "Secret name exceeds the maximum length of {} characters",
            limits::MAX_SECRET_NAME_LEN
        )));
    }
    Ok(())
}

pub fn new_key(key_type: ApiKeyType, name: &str, description: Option<String>) -> KeyRecord {
    let now = clock::now_rfc3339();
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
        id: clock::uuid_v4(),
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
    pub fn view(&self, reveal: bool, masking: Masking) -> ApiKey {
        let api_key = match (self.key_type, reveal, masking) {
            (ApiKeyType::Secret, false, Masking::Null) => None,
            (ApiKeyType::Secret, false, Masking::Masked) => {
                Some(format!("{}••••••••••••••••", self.prefix))
            }
            _ => Some(self.api_key.clone()),
        };
        ApiKey {
            api_key,
            id: Some(self.id.clone()),
            key_type: Some(self.key_type),
            prefix: (!self.prefix.is_empty()).then(|| self.prefix.clone()),
            name: self.name.clone(),
            description: self.description.clone(),
            hash: (self.key_type != ApiKeyType::Legacy).then(|| api::secret_digest(&self.api_key)),
            secret_jwt_template: self.secret_jwt_template.clone(),
            inserted_at: Some(self.inserted_at.clone()),
            updated_at: Some(self.updated_at.clone()),
        }
    }
}
