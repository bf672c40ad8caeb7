//! The `x-ratelimit-*` headers every Management API response carries.
//!
//! The API budgets requests per token, per project (or organization) and per endpoint,
//! so the client keeps the latest snapshot per (endpoint, project) for the engine to
//! plan from, rather than assuming a constant.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

/// One reading of the rate-limit headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// `x-ratelimit-limit`: requests allowed in the window.
    pub limit: u32,
    /// `x-ratelimit-remaining`: requests left in the window.
    pub remaining: u32,
    /// `x-ratelimit-reset`: time until the window resets.
    pub reset: Duration,
    /// When the response carrying these headers arrived.
    pub observed_at: Instant,
}

impl RateLimit {
    /// Reads the three headers; `None` unless all three are present and numeric.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let num = |name: &str| -> Option<u64> {
            headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok()
        };
        Some(Self {
            limit: u32::try_from(num("x-ratelimit-limit")?).unwrap_or(u32::MAX),
            remaining: u32::try_from(num("x-ratelimit-remaining")?).unwrap_or(u32::MAX),
            reset: Duration::from_secs(num("x-ratelimit-reset")?),
            observed_at: Instant::now(),
        })
    }

    /// When the window resets, as an instant.
    pub fn resets_at(&self) -> Instant {
        self.observed_at + self.reset
    }
}

/// An endpoint of the Management API as the rate limiter counts it: a method and a
/// route, not a concrete URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    ListProjects,
    GetProject,
    ListOrganizations,
    ListSecrets,
    UpsertSecrets,
    DeleteSecrets,
    ListApiKeys,
    CreateApiKey,
    GetApiKey,
    UpdateApiKey,
    DeleteApiKey,
    GetLegacyApiKeys,
    SetLegacyApiKeys,
    ListSigningKeys,
    CreateSigningKey,
    GetSigningKey,
    UpdateSigningKey,
    DeleteSigningKey,
    ImportLegacySigningKey,
    GetLegacySigningKey,
    ListBranches,
    GetBranch,
    CreateBranch,
    GetBranchConfig,
    DeleteBranch,
}

impl Endpoint {
    pub const ALL: [Endpoint; 25] = [
        Self::ListProjects,
        Self::GetProject,
        Self::ListOrganizations,
        Self::ListSecrets,
        Self::UpsertSecrets,
        Self::DeleteSecrets,
        Self::ListApiKeys,
        Self::CreateApiKey,
        Self::GetApiKey,
        Self::UpdateApiKey,
        Self::DeleteApiKey,
        Self::GetLegacyApiKeys,
        Self::SetLegacyApiKeys,
        Self::ListSigningKeys,
        Self::CreateSigningKey,
        Self::GetSigningKey,
        Self::UpdateSigningKey,
        Self::DeleteSigningKey,
        Self::ImportLegacySigningKey,
        Self::GetLegacySigningKey,
        Self::ListBranches,
        Self::GetBranch,
        Self::CreateBranch,
        Self::GetBranchConfig,
        Self::DeleteBranch,
    ];

    /// `"METHOD /route/{param}"`, the same key the emulator's counters use.
    pub fn route(self) -> &'static str {
        match self {
            Self::ListProjects => "GET /v1/projects",
            Self::GetProject => "GET /v1/projects/{ref}",
            Self::ListOrganizations => "GET /v1/organizations",
            Self::ListSecrets => "GET /v1/projects/{ref}/secrets",
            Self::UpsertSecrets => "POST /v1/projects/{ref}/secrets",
            Self::DeleteSecrets => "DELETE /v1/projects/{ref}/secrets",
            Self::ListApiKeys => "GET /v1/projects/{ref}/api-keys",
            Self::CreateApiKey => "POST /v1/projects/{ref}/api-keys",
            Self::GetApiKey => "GET /v1/projects/{ref}/api-keys/{id}",
            Self::UpdateApiKey => "PATCH /v1/projects/{ref}/api-keys/{id}",
            Self::DeleteApiKey => "DELETE /v1/projects/{ref}/api-keys/{id}",
            Self::GetLegacyApiKeys => "GET /v1/projects/{ref}/api-keys/legacy",
            Self::SetLegacyApiKeys => "PUT /v1/projects/{ref}/api-keys/legacy",
            Self::ListSigningKeys => "GET /v1/projects/{ref}/config/auth/signing-keys",
            Self::CreateSigningKey => "POST /v1/projects/{ref}/config/auth/signing-keys",
            Self::GetSigningKey => "GET /v1/projects/{ref}/config/auth/signing-keys/{id}",
            Self::UpdateSigningKey => "PATCH /v1/projects/{ref}/config/auth/signing-keys/{id}",
            Self::DeleteSigningKey => "DELETE /v1/projects/{ref}/config/auth/signing-keys/{id}",
            Self::ImportLegacySigningKey => {
                "POST /v1/projects/{ref}/config/auth/signing-keys/legacy"
            }
            Self::GetLegacySigningKey => "GET /v1/projects/{ref}/config/auth/signing-keys/legacy",
            Self::ListBranches => "GET /v1/projects/{ref}/branches",
            Self::GetBranch => "GET /v1/projects/{ref}/branches/{name}",
            Self::CreateBranch => "POST /v1/projects/{ref}/branches",
            Self::GetBranchConfig => "GET /v1/branches/{branch_id_or_ref}",
            Self::DeleteBranch => "DELETE /v1/branches/{branch_id_or_ref}",
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.route())
    }
}

/// The latest snapshot per (endpoint, project ref); `None` ref = account-wide endpoints.
#[derive(Debug, Default)]
pub(crate) struct RateLimitBook {
    latest: Mutex<HashMap<(Endpoint, Option<String>), RateLimit>>,
}

impl RateLimitBook {
    pub(crate) fn record(&self, endpoint: Endpoint, project: Option<&str>, rl: RateLimit) {
        let mut map = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        let key = (endpoint, project.map(str::to_owned));
        // Concurrent calls can finish out of order; the reading with the fewest requests
        // remaining in the same window is the one the server counted last.
        match map.get(&key) {
            Some(old) if old.resets_at() > rl.observed_at && old.remaining < rl.remaining => {}
            _ => {
                map.insert(key, rl);
            }
        }
    }

    pub(crate) fn get(&self, endpoint: Endpoint, project: Option<&str>) -> Option<RateLimit> {
        let map = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&(endpoint, project.map(str::to_owned))).copied()
    }

    pub(crate) fn all(&self) -> Vec<(Endpoint, Option<String>, RateLimit)> {
        let map = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<_> = map.iter().map(|((e, p), r)| (*e, p.clone(), *r)).collect();
        v.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        v
    }
}
