//! The engine's settings. Defaults are the product's (first retry after 2 minutes,
//! backoff to an hour, 10 failures -> unhealthy); tests shrink them to milliseconds.

use std::collections::BTreeSet;
use std::time::Duration;

use super::retry::RetryPolicy;

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub retry: RetryPolicy,
    /// Targets worked at once; one batch in flight per target.
    pub parallelism: usize,
    /// A project's own URL template (`{ref}`); None = the hosted platform's.
    pub project_url_template: Option<String>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Longest single wait for a rate-limit window or a 429's Retry-After.
    pub max_rate_wait: Duration,
    /// Work only these targets (a headless command pushing its own change); None = all.
    pub only_targets: Option<BTreeSet<String>>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            parallelism: 32,
            project_url_template: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_rate_wait: Duration::from_secs(60),
            only_targets: None,
        }
    }
}

impl EngineConfig {
    /// Reads overrides from the environment (KEYWARD_RETRY_FIRST_MS, KEYWARD_RETRY_CAP_MS,
    /// KEYWARD_PROJECT_URL_TEMPLATE, KEYWARD_REQUEST_TIMEOUT_MS, KEYWARD_SYNC_PARALLELISM):
    /// how the binary is run against an emulator and how tests make retries fast.
    pub fn from_env() -> Self {
        let mut c = Self::default();
        let ms = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_millis)
        };
        if let Some(d) = ms("KEYWARD_RETRY_FIRST_MS") {
            c.retry.first = d;
        }
        if let Some(d) = ms("KEYWARD_RETRY_CAP_MS") {
            c.retry.cap = d;
        }
        if let Some(d) = ms("KEYWARD_REQUEST_TIMEOUT_MS") {
            c.request_timeout = d;
            c.connect_timeout = d;
        }
        if let Ok(t) = std::env::var("KEYWARD_PROJECT_URL_TEMPLATE") {
            c.project_url_template = Some(t);
        }
        if let Some(n) = std::env::var("KEYWARD_SYNC_PARALLELISM")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
        {
            c.parallelism = n.max(1);
        }
        c
    }
}
