//! The key-management calls of the client: API keys (publishable, secret), the legacy
//! API keys' switch, Auth's JWT signing keys, and the project-side key check.

use reqwest::header::HeaderValue;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};

use super::api::{
    ApiKey, CreateApiKey, CreateSigningKey, DeleteApiKey, LegacyApiKeys, SigningKey, SigningKeys,
    UpdateApiKey, UpdateSigningKey,
};
use super::client::{Client, KeyCheck, bool_str, reveal_hint};
use super::error::{self, Error, hints};
use super::http::{error_message, parse_http_url};
use super::ratelimit::Endpoint;

const SIGNING: [&str; 3] = ["config", "auth", "signing-keys"];

impl Client {
    /// Without `reveal`, secret keys come back masked or `null` (`ApiKey::revealed_key`).
    pub async fn list_api_keys(
        &self,
        project_ref: &str,
        reveal: bool,
    ) -> Result<Vec<ApiKey>, Error> {
        let req = self.request(
            Method::GET,
            "v1/projects",
            &[project_ref, "api-keys"],
            &[("reveal", bool_str(reveal))],
        )?;
        self.json(
            Endpoint::ListApiKeys,
            Some(project_ref),
            req,
            reveal_hint(reveal),
        )
        .await
    }

    /// Creates a key and asks for it revealed: the response is the only time a secret
    /// key's value can be read without `reveal` later.
    pub async fn create_api_key(
        &self,
        project_ref: &str,
        body: &CreateApiKey,
    ) -> Result<ApiKey, Error> {
        let req = self
            .request(
                Method::POST,
                "v1/projects",
                &[project_ref, "api-keys"],
                &[("reveal", "true")],
            )?
            .json(body);
        self.json(
            Endpoint::CreateApiKey,
            Some(project_ref),
            req,
            hints::REVEAL,
        )
        .await
    }

    pub async fn get_api_key(
        &self,
        project_ref: &str,
        id: &str,
        reveal: bool,
    ) -> Result<ApiKey, Error> {
        let req = self.request(
            Method::GET,
            "v1/projects",
            &[project_ref, "api-keys", id],
            &[("reveal", bool_str(reveal))],
        )?;
        self.json(
            Endpoint::GetApiKey,
            Some(project_ref),
            req,
            reveal_hint(reveal),
        )
        .await
    }

    /// Deletes a key; returns the deleted key as the API reports it.
    pub async fn delete_api_key(
        &self,
        project_ref: &str,
        id: &str,
        how: &DeleteApiKey,
    ) -> Result<ApiKey, Error> {
        let mut query = vec![("was_compromised", bool_str(how.was_compromised))];
        if let Some(reason) = &how.reason {
            query.push(("reason", reason));
        }
        let req = self.request(
            Method::DELETE,
            "v1/projects",
            &[project_ref, "api-keys", id],
            &query,
        )?;
        self.json(
            Endpoint::DeleteApiKey,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    /// Checks that a project accepts an API key: `GET {project URL}/auth/v1/settings`
    /// with the key in the `apikey` header. Not a Management API call: no token is sent.
    pub async fn check_api_key(
        &self,
        project_ref: &str,
        key: &SecretString,
    ) -> Result<KeyCheck, Error> {
        let base = self
            .inner
            .project_url_template
            .replace("{ref}", project_ref);
        let url = format!("{}/auth/v1/settings", base.trim_end_matches('/'));
        let url = parse_http_url(&url, "project URL")?;
        let host = url.host_str().unwrap_or("the project").to_owned();
        let mut value = HeaderValue::from_str(key.expose_secret()).map_err(|_| {
            Error::Config("the API key contains characters a header cannot carry".into())
        })?;
        value.set_sensitive(true);
        let resp = self
            .inner
            .http
            .get(url)
            .header("apikey", value)
            .send()
            .await
            .map_err(|e| error::transport(e, &host, self.inner.request_timeout))?;
        match resp.status() {
            s if s.is_success() => Ok(KeyCheck::Accepted),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Ok(KeyCheck::Refused),
            s => {
                let body = super::body::read(
                    resp,
                    super::body::MAX_BODY_BYTES,
                    "the project's auth settings",
                    &host,
                    self.inner.request_timeout,
                )
                .await
                .unwrap_or_default();
                Err(Error::Rejected {
                    status: s.as_u16(),
                    message: error_message(s, &body).message,
                })
            }
        }
    }

    /// Changes a key's name, description or JWT template (absent fields stay).
    pub async fn update_api_key(
        &self,
        project_ref: &str,
        id: &str,
        body: &UpdateApiKey,
    ) -> Result<ApiKey, Error> {
        let req = self
            .request(
                Method::PATCH,
                "v1/projects",
                &[project_ref, "api-keys", id],
                &[("reveal", "false")],
            )?
            .json(body);
        self.json(
            Endpoint::UpdateApiKey,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    /// Whether the legacy `anon`/`service_role` keys are enabled. The API says this
    /// endpoint will go away: a 404 then means there are no legacy keys to speak of.
    pub async fn legacy_api_keys(&self, project_ref: &str) -> Result<LegacyApiKeys, Error> {
        let req = self.request(
            Method::GET,
            "v1/projects",
            &[project_ref, "api-keys", "legacy"],
            &[],
        )?;
        self.json(
            Endpoint::GetLegacyApiKeys,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    /// Disables (or re-enables) the legacy keys; returns the new state.
    pub async fn set_legacy_api_keys(
        &self,
        project_ref: &str,
        enabled: bool,
    ) -> Result<LegacyApiKeys, Error> {
        let req = self.request(
            Method::PUT,
            "v1/projects",
            &[project_ref, "api-keys", "legacy"],
            &[("enabled", bool_str(enabled))],
        )?;
        self.json(
            Endpoint::SetLegacyApiKeys,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    fn signing_path<'a>(project_ref: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
        let mut p = vec![project_ref];
        p.extend(SIGNING);
        p.extend(rest);
        p
    }

    pub async fn list_signing_keys(&self, project_ref: &str) -> Result<Vec<SigningKey>, Error> {
        let path = Self::signing_path(project_ref, &[]);
        let req = self.request(Method::GET, "v1/projects", &path, &[])?;
        let keys: SigningKeys = self
            .json(
                Endpoint::ListSigningKeys,
                Some(project_ref),
                req,
                hints::DEFAULT,
            )
            .await?;
        Ok(keys.keys)
    }

    /// A new signing key, generated by Supabase (its private half never leaves it).
    pub async fn create_signing_key(
        &self,
        project_ref: &str,
        body: &CreateSigningKey,
    ) -> Result<SigningKey, Error> {
        let path = Self::signing_path(project_ref, &[]);
        let req = self
            .request(Method::POST, "v1/projects", &path, &[])?
            .json(body);
        self.json(
            Endpoint::CreateSigningKey,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    pub async fn get_signing_key(&self, project_ref: &str, id: &str) -> Result<SigningKey, Error> {
        let path = Self::signing_path(project_ref, &[id]);
        let req = self.request(Method::GET, "v1/projects", &path, &[])?;
        self.json(
            Endpoint::GetSigningKey,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    /// Moves a key to another status (standby -> in_use promotes it, and the key in use
    /// becomes previously_used; previously_used -> revoked...).
    pub async fn update_signing_key(
        &self,
        project_ref: &str,
        id: &str,
        body: &UpdateSigningKey,
    ) -> Result<SigningKey, Error> {
        let path = Self::signing_path(project_ref, &[id]);
        let req = self
            .request(Method::PATCH, "v1/projects", &path, &[])?
            .json(body);
        self.json(
            Endpoint::UpdateSigningKey,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    /// Removes a revoked key.
    pub async fn delete_signing_key(
        &self,
        project_ref: &str,
        id: &str,
    ) -> Result<SigningKey, Error> {
        let path = Self::signing_path(project_ref, &[id]);
        let req = self.request(Method::DELETE, "v1/projects", &path, &[])?;
        self.json(
            Endpoint::DeleteSigningKey,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    /// Sets the project's legacy JWT secret up as an in-use HS256 signing key.
    pub async fn import_legacy_signing_key(&self, project_ref: &str) -> Result<SigningKey, Error> {
        let path = Self::signing_path(project_ref, &["legacy"]);
        let req = self.request(Method::POST, "v1/projects", &path, &[])?;
        self.json(
            Endpoint::ImportLegacySigningKey,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    /// The imported legacy JWT secret; 404 (`Error::NotFound`) when it was never imported.
    pub async fn legacy_signing_key(&self, project_ref: &str) -> Result<SigningKey, Error> {
        let path = Self::signing_path(project_ref, &["legacy"]);
        let req = self.request(Method::GET, "v1/projects", &path, &[])?;
        self.json(
            Endpoint::GetLegacySigningKey,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }
}
