//! The emulator's data: tokens, organizations, projects, their secrets and API keys, and
//! the rules the API applies to them. Plain data behind one mutex; serializable so
//! `--state FILE` can persist it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use super::apikey::{DeletedKey, KeyRecord, Masking, new_key, service_role_template};
use super::clock;
use super::reply::ApiError;
use crate::supabase::api::{ApiKeyType, Database, Organization, Project, limits};

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
    pub const SIGNING_READ: &str = "auth_signing_keys_read";
    pub const SIGNING_WRITE: &str = "auth_signing_keys_write";
    /// What a token scoped to projects holds: everything but the account-wide reads.
    pub const PROJECT_SCOPED: [&str; 7] = [
        PROJECT_READ,
        SECRETS_READ,
        SECRETS_WRITE,
        KEYS_READ,
        KEYS_WRITE,
        SIGNING_READ,
        SIGNING_WRITE,
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
pub struct ProjectRecord {
    pub name: String,
    pub organization_slug: String,
    pub region: String,
    pub created_at: String,
    pub status: String,
    pub secrets: BTreeMap<String, SecretRecord>,
    pub api_keys: Vec<KeyRecord>,
    /// The legacy `anon` and `service_role` JWT keys are accepted (`/api-keys/legacy`).
    #[serde(default = "enabled")]
    pub legacy_keys_enabled: bool,
    /// The legacy JWT secret (HS256) that signs the legacy keys and, until signing keys
    /// are set up, every user's JWT.
    #[serde(default)]
    pub jwt_secret: String,
    /// Auth's JWT signing keys (`/config/auth/signing-keys`), oldest first.
    #[serde(default)]
    pub signing_keys: Vec<super::signing::SigningKeyRecord>,
    /// A preview branch's project: the project it branches from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

fn enabled() -> bool {
    true
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct World {
    pub tokens: BTreeMap<String, TokenSpec>,
    /// slug -> name
    pub organizations: BTreeMap<String, String>,
    pub projects: BTreeMap<String, ProjectRecord>,
    #[serde(default)]
    pub deleted_keys: Vec<DeletedKey>,
    /// Preview branches by their own ref (each also a project in `projects`).
    #[serde(default)]
    pub branches: BTreeMap<String, super::branches::BranchRecord>,
}

impl World {
    pub fn add_token(&mut self, spec: TokenSpec) {
        self.tokens.insert(spec.token.clone(), spec);
    }

    pub fn add_organization(&mut self, slug: &str, name: &str) {
        self.organizations.insert(slug.to_owned(), name.to_owned());
    }

    /// Adds a project as a new Supabase project is: a default publishable and secret
    /// key (the secret one with the `service_role` template), the legacy `anon` and
    /// `service_role` keys (enabled), a legacy JWT secret and no signing keys, and no
    /// Edge Function secrets at all (a new project's listing may hold no `SUPABASE_*`
    /// entries; [`World::add_platform_secrets`] gives the other shape). Its organization
    /// is created when missing.
    pub fn add_project(&mut self, project_ref: &str, name: &str, org_slug: &str) {
        if !self.organizations.contains_key(org_slug) {
            self.add_organization(org_slug, org_slug);
        }
        let now = clock::now_rfc3339();
        let mut record = ProjectRecord {
            name: name.to_owned(),
            organization_slug: org_slug.to_owned(),
            region: "us-east-1".into(),
            created_at: now,
            status: "ACTIVE_HEALTHY".into(),
            secrets: BTreeMap::new(),
            api_keys: Vec::new(),
            legacy_keys_enabled: true,
            jwt_secret: clock::random_alnum(40),
            signing_keys: Vec::new(),
            parent: None,
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
        let mut secret = new_key(ApiKeyType::Secret, "default", None);
        secret.secret_jwt_template = Some(service_role_template());
        record.api_keys.push(secret);
        self.projects.insert(project_ref.to_owned(), record);
    }

    /// Adds the platform's own `SUPABASE_*` entries to a project's secrets listing, as
    /// older projects show them.
    pub fn add_platform_secrets(&mut self, project_ref: &str) {
        let Some(p) = self.projects.get_mut(project_ref) else {
            return;
        };
        let now = clock::now_rfc3339();
        let anon = p
            .api_keys
            .iter()
            .find(|k| k.id == "anon")
            .map(|k| k.api_key.clone());
        let service = p
            .api_keys
            .iter()
            .find(|k| k.id == "service_role")
            .map(|k| k.api_key.clone());
        for n in PLATFORM_SECRETS {
            let value = match n {
                "SUPABASE_URL" => format!("https://{project_ref}.supabase.co"),
                "SUPABASE_DB_URL" => format!(
                    "postgresql://postgres:{}@db.{project_ref}.supabase.co:5432/postgres",
                    clock::random_alnum(16)
                ),
                "SUPABASE_ANON_KEY" => anon.clone().unwrap_or_default(),
                _ => service.clone().unwrap_or_default(),
            };
            p.secrets.insert(
                n.to_string(),
                SecretRecord {
                    value,
                    updated_at: now.clone(),
                },
            );
        }
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

    /// A token sees a branch's project when it sees the project it branches from.
    pub fn sees(&self, token: &TokenSpec, project_ref: &str) -> bool {
        token.sees(project_ref)
            || self
                .projects
                .get(project_ref)
                .and_then(|p| p.parent.as_deref())
                .is_some_and(|parent| token.sees(parent))
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
