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
    /// How often each followed target's branches are listed (one request each).
    pub branch_poll: Duration,
    /// The config file an owner arms its alerts from. The environment's settings name
    /// the user's ([`config_file`]); the defaults, which tests and benches start from,
    /// name none, so a developer's own alerts never fire from a test.
    pub config_file: Option<std::path::PathBuf>,
}

/// The config file's place: `KEYWARD_CONFIG`, else the user's config directory.
pub fn config_file() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("KEYWARD_CONFIG") {
        return Some(std::path::PathBuf::from(p));
    }
    directories::BaseDirs::new().map(|b| b.config_dir().join("keyward").join("config.toml"))
}

/// Bounds of the environment's timing overrides: tests shrink retries to milliseconds,
/// never to zero.
const RETRY_MIN_MS: u64 = 10;
const RETRY_MAX_MS: u64 = 24 * 3600 * 1000;
const TIMEOUT_MIN_MS: u64 = 100;
/// Branch listings at most ten times a second (tests), never a busy loop.
const BRANCH_POLL_MIN_MS: u64 = 100;
const TIMEOUT_MAX_MS: u64 = 10 * 60 * 1000;

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
            branch_poll: Duration::from_secs(60),
            config_file: None,
        }
    }
}

impl EngineConfig {
    /// Reads overrides from the environment (KEYWARD_RETRY_FIRST_MS, KEYWARD_RETRY_CAP_MS,
    /// KEYWARD_PROJECT_URL_TEMPLATE, KEYWARD_REQUEST_TIMEOUT_MS, KEYWARD_SYNC_PARALLELISM,
    /// KEYWARD_BRANCH_POLL_MS):
    /// how the binary is run against an emulator and how tests make retries fast. Read
    /// once per process (its warnings said once); a value that is not a number is an
    /// error, which the command line reports at start ([`EngineConfig::checked_env`]).
    pub fn from_env() -> Self {
        Self::checked_env().unwrap_or_default()
    }

    /// The environment's settings, or why one of its values cannot be used.
    pub fn checked_env() -> Result<Self, String> {
        static READ: std::sync::OnceLock<Result<EngineConfig, String>> = std::sync::OnceLock::new();
        READ.get_or_init(|| {
            let (mut c, warnings) = Self::from_vars(|k| std::env::var(k).ok())?;
            c.config_file = config_file();
            for w in warnings {
                tracing::warn!("{w}");
                eprintln!("warning: {w}");
            }
            Ok(c)
        })
        .clone()
    }

    /// `from_env` over any source of variables, with a warning for each value it bounded
    /// or refused (a 0 ms retry would hammer Supabase without backoff, a 0 ms timeout
    /// fails every request); a value that is not a number is an error.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<(Self, Vec<String>), String> {
        let mut c = Self::default();
        let mut warnings = Vec::new();
        let mut ms = |k: &str, lo: u64, hi: u64| -> Result<Option<Duration>, String> {
            let Some(v) = var(k) else {
                return Ok(None);
            };
            let Ok(n) = v.trim().parse::<u64>() else {
                return Err(format!(
                    "{k}={v:?} is not a number of milliseconds: set a whole number or unset it"
                ));
            };
            let bounded = n.clamp(lo, hi);
            if bounded != n {
                warnings.push(format!("{k}={n} is outside {lo}..={hi}: {bounded} is used"));
            }
            Ok(Some(Duration::from_millis(bounded)))
        };
        if let Some(d) = ms("KEYWARD_RETRY_FIRST_MS", RETRY_MIN_MS, RETRY_MAX_MS)? {
            c.retry.first = d;
        }
        if let Some(d) = ms("KEYWARD_RETRY_CAP_MS", RETRY_MIN_MS, RETRY_MAX_MS)? {
            c.retry.cap = d;
        }
        if let Some(d) = ms("KEYWARD_REQUEST_TIMEOUT_MS", TIMEOUT_MIN_MS, TIMEOUT_MAX_MS)? {
            c.request_timeout = d;
            c.connect_timeout = d;
        }
        if let Some(d) = ms("KEYWARD_BRANCH_POLL_MS", BRANCH_POLL_MIN_MS, RETRY_MAX_MS)? {
            c.branch_poll = d;
        }
        if c.retry.cap < c.retry.first {
            c.retry.cap = c.retry.first;
        }
        if let Some(t) = var("KEYWARD_PROJECT_URL_TEMPLATE") {
            // For tests against the emulator; users give a connection its own
            // `connect --project-url`. Never plain http to another machine: new keys
            // are sent there to be checked.
            if crate::supabase::cleartext_remote_host(&t.replace("{ref}", "ref")).is_some() {
                warnings.push(format!(
                    "KEYWARD_PROJECT_URL_TEMPLATE={t} is plain http to another machine: ignored (keys would cross the network in clear); use `connect --project-url` with https"
                ));
            } else {
                // The emulator on loopback is what tests point it at; anywhere else it
                // re-points where real keys go, so it is said on every command.
                if !crate::supabase::is_loopback_url(&t.replace("{ref}", "ref")) {
                    warnings.push(format!(
                        "KEYWARD_PROJECT_URL_TEMPLATE={t} overrides where new Supabase keys are checked, for every connection (it is for tests; give a connection its own `connect --project-url`)"
                    ));
                }
                c.project_url_template = Some(t);
            }
        }
        if let Some(v) = var("KEYWARD_SYNC_PARALLELISM") {
            let n = v.trim().parse::<usize>().map_err(|_| {
                format!(
                    "KEYWARD_SYNC_PARALLELISM={v:?} is not a number of targets: set 1 to 256 or unset it"
                )
            })?;
            c.parallelism = n.clamp(1, 256);
        }
        Ok((c, warnings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> (EngineConfig, Vec<String>) {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        EngineConfig::from_vars(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
            .unwrap()
    }

    #[test]
    fn a_value_that_is_not_a_number_is_an_error_naming_it() {
        for (k, v) in [
            ("KEYWARD_RETRY_FIRST_MS", "2m"),
            ("KEYWARD_REQUEST_TIMEOUT_MS", "fast"),
            ("KEYWARD_SYNC_PARALLELISM", "many"),
        ] {
            let e = EngineConfig::from_vars(|n| (n == k).then(|| v.to_string())).unwrap_err();
            assert!(e.contains(k) && e.contains("not a number"), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn timing_overrides_are_bounded_and_said() {
        let (c, w) = from(&[
            ("KEYWARD_RETRY_FIRST_MS", "0"),
            ("KEYWARD_RETRY_CAP_MS", "0"),
            ("KEYWARD_REQUEST_TIMEOUT_MS", "0"),
        ]);
        assert_eq!(c.retry.first, Duration::from_millis(RETRY_MIN_MS));
        assert_eq!(c.retry.cap, Duration::from_millis(RETRY_MIN_MS));
        assert_eq!(c.request_timeout, Duration::from_millis(TIMEOUT_MIN_MS));
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(
            w[0].contains("KEYWARD_RETRY_FIRST_MS=0 is outside"),
            "{w:?}"
        );
        let (c, w) = from(&[
            ("KEYWARD_RETRY_FIRST_MS", "10"),
            ("KEYWARD_RETRY_CAP_MS", "20"),
        ]);
        assert_eq!(
            (c.retry.first, c.retry.cap),
            (Duration::from_millis(10), Duration::from_millis(20))
        );
        assert!(w.is_empty());
        assert_eq!(from(&[]).0.retry.first, RetryPolicy::default().first);
    }

    #[test]
    fn a_project_url_override_warns_and_never_sends_keys_in_clear_elsewhere() {
        let (c, w) = from(&[("KEYWARD_PROJECT_URL_TEMPLATE", "http://{ref}.example.com")]);
        assert_eq!(c.project_url_template, None);
        assert!(
            w[0].contains("plain http to another machine: ignored"),
            "{w:?}"
        );
        let (c, w) = from(&[(
            "KEYWARD_PROJECT_URL_TEMPLATE",
            "http://127.0.0.1:9/_projects/{ref}",
        )]);
        assert!(c.project_url_template.is_some());
        assert!(w.is_empty(), "the emulator on loopback: {w:?}");
        let (c, w) = from(&[("KEYWARD_PROJECT_URL_TEMPLATE", "https://{ref}.example.com")]);
        assert!(c.project_url_template.is_some());
        assert!(w[0].contains("it is for tests"), "{w:?}");
    }
}
