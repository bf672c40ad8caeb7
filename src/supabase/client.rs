//! The Management API client: one per connection (instance URL + token), cheap to clone
//! (an `Arc` inside) and safe to share across tasks working on many projects at once.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::api::{NewSecret, Organization, Project, Secret, limits};
use super::error::{self, Error, hints};
use super::http::{parse_base_url, status_error};
use super::ratelimit::{Endpoint, RateLimit, RateLimitBook};

pub const DEFAULT_INSTANCE_URL: &str = "https://api.supabase.com";
pub const DEFAULT_PROJECT_URL_TEMPLATE: &str = "https://{ref}.supabase.co";

/// How to reach the API. `Default` is Supabase's hosted platform.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The Management API's base URL; a trailing slash is tolerated.
    pub instance_url: String,
    /// A project's own URL, `{ref}` replaced by the project ref; the API-key check calls
    /// `GET {project URL}/auth/v1/settings`.
    pub project_url_template: String,
    pub connect_timeout: Duration,
    /// The whole request, connection included.
    pub request_timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            instance_url: DEFAULT_INSTANCE_URL.into(),
            project_url_template: DEFAULT_PROJECT_URL_TEMPLATE.into(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
pub struct Client {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    /// Always ends with `/`, so joining a relative path keeps any path prefix.
    pub(super) base: Url,
    pub(super) host: String,
    pub(super) project_url_template: String,
    pub(super) request_timeout: Duration,
    pub(super) token: SecretString,
    pub(super) rate_limits: RateLimitBook,
    pub(super) gate: Option<Arc<dyn super::Gate>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("instance_url", &self.inner.base.as_str())
            .field("token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// The hosted platform's answer to a key check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// The project accepted the key.
    Accepted,
    /// The project refused it (401/403): deleted, wrong project, or mistyped.
    Refused,
}

impl Client {
    /// Builds a client for one token. Fails only on an unusable configuration.
    pub fn new(config: &ClientConfig, token: SecretString) -> Result<Self, Error> {
        let base = parse_base_url(&config.instance_url)?;
        if !config.project_url_template.contains("{ref}") {
            return Err(Error::Config(format!(
                "project URL template `{}` has no `{{ref}}` placeholder",
                config.project_url_template
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("keyward/", env!("CARGO_PKG_VERSION")))
            // The API does not redirect; a proxy that does would turn a POST into a GET
            // or send the token elsewhere. A 3xx is reported, not followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let host = base.host_str().unwrap_or("the Management API").to_owned();
        let host = match base.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                host,
                project_url_template: config.project_url_template.clone(),
                request_timeout: config.request_timeout,
                token,
                rate_limits: RateLimitBook::default(),
                gate: None,
            }),
        })
    }

    /// The same client, every request of it made within `gate`'s budget.
    pub fn with_gate(&self, gate: Arc<dyn super::Gate>) -> Client {
        let i = &self.inner;
        Client {
            inner: Arc::new(Inner {
                http: i.http.clone(),
                base: i.base.clone(),
                host: i.host.clone(),
                project_url_template: i.project_url_template.clone(),
                request_timeout: i.request_timeout,
                token: i.token.clone(),
                rate_limits: RateLimitBook::default(),
                gate: Some(gate),
            }),
        }
    }

    /// A client for another token on the same instance, sharing this one's connection
    /// pool and settings; rate-limit readings are kept per token, so it starts with none.
    pub fn with_token(&self, token: SecretString) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                base: self.inner.base.clone(),
                host: self.inner.host.clone(),
                project_url_template: self.inner.project_url_template.clone(),
                request_timeout: self.inner.request_timeout,
                token,
                rate_limits: RateLimitBook::default(),
                // Another token is another budget.
                gate: None,
            }),
        }
    }

    pub(super) fn token(&self) -> &SecretString {
        &self.inner.token
    }

    /// The instance URL, normalised (with a trailing slash).
    pub fn instance_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The latest rate-limit reading for an endpoint; `project` is `None` for the
    /// account-wide endpoints (projects and organizations lists).
    pub fn rate_limit(&self, endpoint: Endpoint, project: Option<&str>) -> Option<RateLimit> {
        self.inner.rate_limits.get(endpoint, project)
    }

    /// Every reading kept, by endpoint then project.
    pub fn rate_limits(&self) -> Vec<(Endpoint, Option<String>, RateLimit)> {
        self.inner.rate_limits.all()
    }

    // ---- projects and organizations ----

    pub async fn list_projects(&self) -> Result<Vec<Project>, Error> {
        let req = self.request(Method::GET, "v1/projects", &[], &[])?;
        self.json(Endpoint::ListProjects, None, req, hints::LIST_PROJECTS)
            .await
    }

    pub async fn get_project(&self, project_ref: &str) -> Result<Project, Error> {
        let req = self.request(Method::GET, "v1/projects", &[project_ref], &[])?;
        self.json(Endpoint::GetProject, Some(project_ref), req, hints::DEFAULT)
            .await
    }

    pub async fn list_organizations(&self) -> Result<Vec<Organization>, Error> {
        let req = self.request(Method::GET, "v1/organizations", &[], &[])?;
        self.json(Endpoint::ListOrganizations, None, req, hints::DEFAULT)
            .await
    }

    // ---- Edge Function secrets ----

    /// Names and SHA-256 digests, the platform's `SUPABASE_*` entries included.
    pub async fn list_secrets(&self, project_ref: &str) -> Result<Vec<Secret>, Error> {
        let req = self.request(Method::GET, "v1/projects", &[project_ref, "secrets"], &[])?;
        self.json(
            Endpoint::ListSecrets,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    /// Creates or overwrites these secrets in one request, which the API applies as a
    /// whole. More than 100 is refused with `BatchTooLarge` rather than split: a split
    /// batch could half-succeed, and callers rely on a batch being atomic (and no project
    /// can hold more than 100 anyway).
    pub async fn upsert_secrets(
        &self,
        project_ref: &str,
        secrets: &[NewSecret],
    ) -> Result<(), Error> {
        if secrets.len() > limits::MAX_SECRETS_PER_REQUEST {
            return Err(Error::BatchTooLarge {
                count: secrets.len(),
                max: limits::MAX_SECRETS_PER_REQUEST,
            });
        }
        if secrets.is_empty() {
            return Ok(());
        }
        let req = self
            .request(Method::POST, "v1/projects", &[project_ref, "secrets"], &[])?
            .json(secrets);
        self.empty(Endpoint::UpsertSecrets, Some(project_ref), req)
            .await
    }

    /// Deletes these names. Sent in requests of at most 100 names; unlike an upsert this
    /// may be split, because deleting is idempotent and a partial success is simply
    /// finished by the retry. Absent names are not an error (whether the API answers 200
    /// or 404 for them is unconfirmed; a 404 on a delete is treated as done).
    pub async fn delete_secrets(&self, project_ref: &str, names: &[String]) -> Result<(), Error> {
        for chunk in names.chunks(limits::MAX_SECRETS_PER_REQUEST) {
            // reqwest's `.json()` sets `content-type: application/json` on the DELETE too.
            let req = self
                .request(
                    Method::DELETE,
                    "v1/projects",
                    &[project_ref, "secrets"],
                    &[],
                )?
                .json(chunk);
            match self
                .empty(Endpoint::DeleteSecrets, Some(project_ref), req)
                .await
            {
                Ok(()) | Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    // ---- plumbing ----

    pub(super) fn request(
        &self,
        method: Method,
        root: &str,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<reqwest::RequestBuilder, Error> {
        let mut url = self
            .inner
            .base
            .join(root)
            .map_err(|e| Error::Config(format!("bad instance URL: {e}")))?;
        // Segments are pushed, not formatted into the string, so a ref or id can never
        // add a path segment or a query of its own.
        url.path_segments_mut()
            .map_err(|()| Error::Config("the instance URL cannot carry a path".into()))?
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", self.inner.token.expose_secret()))
                .map_err(|_| {
                    Error::Config("the token contains characters a header cannot carry".into())
                })?;
        auth.set_sensitive(true);
        Ok(self
            .inner
            .http
            .request(method, url)
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, "application/json"))
    }

    async fn send(
        &self,
        endpoint: Endpoint,
        project: Option<&str>,
        req: reqwest::RequestBuilder,
        hint: &'static str,
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        let Some(gate) = &self.inner.gate else {
            return self.send_once(endpoint, project, req, hint).await;
        };
        loop {
            while let Some(wait) = gate.wait(endpoint, project) {
                tokio::time::sleep(wait).await;
            }
            // Bodies here are JSON, never streams, so a copy can always be made.
            let attempt = req
                .try_clone()
                .ok_or_else(|| Error::Config("a request body that cannot be sent twice".into()))?;
            let sent = std::time::Instant::now();
            let out = self.send_once(endpoint, project, attempt, hint).await;
            // This answer's reading only, not an older one of the same endpoint.
            let reading = self
                .rate_limit(endpoint, project)
                .filter(|r| r.observed_at >= sent);
            match out {
                Err(Error::RateLimited { retry_after }) => {
                    gate.observed(endpoint, project, reading, Some(retry_after));
                }
                other => {
                    gate.observed(endpoint, project, reading, None);
                    return other;
                }
            }
        }
    }

    async fn send_once(
        &self,
        endpoint: Endpoint,
        project: Option<&str>,
        req: reqwest::RequestBuilder,
        hint: &'static str,
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        let resp = req
            .send()
            .await
            .map_err(|e| error::transport(e, &self.inner.host, self.inner.request_timeout))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if let Some(rl) = RateLimit::from_headers(&headers) {
            self.inner.rate_limits.record(endpoint, project, rl);
        }
        let body = super::body::read(
            resp,
            super::body::MAX_BODY_BYTES,
            &endpoint.to_string(),
            &self.inner.host,
            self.inner.request_timeout,
        )
        .await?;
        tracing::debug!(%endpoint, project, status = status.as_u16(), "management api");
        if status.is_success() {
            return Ok((status, body));
        }
        Err(status_error(status, &headers, &body, hint))
    }

    pub(super) async fn json<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        project: Option<&str>,
        req: reqwest::RequestBuilder,
        hint: &'static str,
    ) -> Result<T, Error> {
        let (status, body) = self.send(endpoint, project, req, hint).await?;
        serde_json::from_slice(&body).map_err(|e| Error::UnexpectedResponse {
            status: status.as_u16(),
            message: format!(
                "{endpoint} answered with a body that does not match the API spec ({})",
                mismatch(&e)
            ),
        })
    }

    pub(super) async fn empty(
        &self,
        endpoint: Endpoint,
        project: Option<&str>,
        req: reqwest::RequestBuilder,
    ) -> Result<(), Error> {
        self.send(endpoint, project, req, hints::DEFAULT)
            .await
            .map(drop)
    }
}

pub(super) fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// A 403 on a revealing call most likely means the token may not reveal secret keys.
pub(super) fn reveal_hint(reveal: bool) -> &'static str {
    if reveal {
        hints::REVEAL
    } else {
        hints::DEFAULT
    }
}

/// Where and how a body did not parse, never what it held: serde's own text quotes the
/// offending value, and a revealed API key is a string in such a body.
fn mismatch(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax => "not JSON",
        Category::Data => "a field missing or of another type",
        Category::Eof => "cut short",
        Category::Io => "unreadable",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_body_that_does_not_parse_is_described_without_its_values() {
        #[derive(serde::Deserialize, Debug)]
        struct Key {
            #[allow(dead_code)]
            api_key: u64,
        }
        let e = serde_json::from_slice::<Key>(br#"{"api_key":"sb_secret_abcdef"}"#).unwrap_err();
        assert!(
            e.to_string().contains("sb_secret_abcdef"),
            "serde quotes it"
        );
        let m = super::mismatch(&e);
        assert!(!m.contains("sb_secret"), "{m}");
        assert!(
            m.starts_with("a field missing or of another type at line 1 column "),
            "{m}"
        );
    }
}
