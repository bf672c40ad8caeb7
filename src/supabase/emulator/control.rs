//! The knobs and meters tests and benchmarks reach: request counters per route, fault
//! injection, the rate limiter, and an optional recording of every exchange.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::world::Masking;

/// Fault settings. `Serialize`/`Deserialize` so the admin route can read and patch them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Faults {
    /// Added before every answer (management, key check).
    pub latency_ms: u64,
    /// Probability in [0, 1] that a management request fails with 500.
    pub fail_rate: f64,
    /// Requests per window per (token, project or account, endpoint).
    pub rate_limit: u32,
    pub rate_window_secs: u64,
    /// How an unrevealed secret key is shown.
    pub secret_key_masking: Masking,
    /// Answer 404 when a bulk delete names a secret that does not exist (the default,
    /// 200, is the reading the emulator takes of an unconfirmed rule; this exercises the
    /// other one).
    pub delete_absent_404: bool,
    /// Answer 403 to `reveal=true` from project-scoped tokens, as Supabase does today for
    /// some scoped tokens even with full access (an open bug NOTES.md describes).
    #[serde(default)]
    pub scoped_reveal_403: bool,
    /// Refuse (400) any bulk upsert naming one of these: a rule of the real API that
    /// keyward's own checks do not know, so a batch must be split to find the culprit.
    #[serde(default)]
    pub reject_names: Vec<String>,
    /// A revoked signing key can be deleted only this long after its revocation (the
    /// API says "after a while").
    #[serde(default)]
    pub revoked_key_min_age_secs: u64,
    /// A branch created through the API stays `CREATING_PROJECT` this long.
    #[serde(default)]
    pub branch_ready_after_ms: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            fail_rate: 0.0,
            rate_limit: 120,
            rate_window_secs: 60,
            secret_key_masking: Masking::Masked,
            delete_absent_404: false,
            scoped_reveal_403: false,
            reject_names: Vec::new(),
            revoked_key_min_age_secs: 0,
            branch_ready_after_ms: 0,
        }
    }
}

/// "Fail the next `count` calls of `route` with `status`."
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FailNext {
    /// `"METHOD /path/{param}"` as the counters name it, or `*` for every route.
    pub route: String,
    pub count: u32,
    #[serde(default = "default_fail_status")]
    pub status: u16,
}

fn default_fail_status() -> u16 {
    500
}

/// One request and its answer, as the emulator saw them.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// The route template (`/v1/projects/{ref}/secrets`), `None` when nothing matched.
    pub route: Option<String>,
    pub path: String,
    pub query: Option<String>,
    pub user_agent: Option<String>,
    pub request_content_type: Option<String>,
    pub request_body: Vec<u8>,
    pub status: u16,
    pub response_content_type: Option<String>,
    /// Every response header, lowercase names, in order.
    pub response_headers: Vec<(String, String)>,
    pub response_body: Vec<u8>,
}

/// (caller, project or account, endpoint)
type WindowKey = (String, String, String);

#[derive(Debug, Default)]
pub struct Control {
    faults: Mutex<Faults>,
    fail_next: Mutex<VecDeque<FailNext>>,
    counters: Mutex<BTreeMap<String, u64>>,
    windows: Mutex<HashMap<WindowKey, (Instant, u32)>>,
    recording: Mutex<Option<Vec<Exchange>>>,
}

/// The verdict of the rate limiter for one request.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub limit: u32,
    pub remaining: u32,
    pub reset: Duration,
    pub exceeded: bool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Control {
    pub fn new(faults: Faults) -> Self {
        Self {
            faults: Mutex::new(faults),
            ..Self::default()
        }
    }

    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    pub fn update_faults(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut lock(&self.faults));
    }

    pub fn set_latency(&self, latency: Duration) {
        self.update_faults(|f| f.latency_ms = latency.as_millis() as u64);
    }

    pub fn set_fail_rate(&self, rate: f64) {
        self.update_faults(|f| f.fail_rate = rate.clamp(0.0, 1.0));
    }

    pub fn set_rate_limit(&self, per_window: u32) {
        self.update_faults(|f| f.rate_limit = per_window);
    }

    /// Fails the next `count` calls of `route` (`"POST /v1/projects/{ref}/secrets"`, or `*`).
    pub fn fail_next(&self, route: &str, count: u32, status: u16) {
        if count == 0 {
            return;
        }
        lock(&self.fail_next).push_back(FailNext {
            route: route.to_owned(),
            count,
            status,
        });
    }

    pub fn pending_failures(&self) -> Vec<FailNext> {
        lock(&self.fail_next).iter().cloned().collect()
    }

    /// The status to fail this request with, when a scripted failure applies.
    pub(super) fn take_failure(&self, route: &str) -> Option<u16> {
        let mut q = lock(&self.fail_next);
        let i = q.iter().position(|f| f.route == route || f.route == "*")?;
        let status = q[i].status;
        q[i].count -= 1;
        if q[i].count == 0 {
            q.remove(i);
        }
        Some(status)
    }

    pub(super) fn count(&self, route: &str) {
        *lock(&self.counters).entry(route.to_owned()).or_default() += 1;
    }

    /// Requests seen on a route, keyed `"METHOD /route/{param}"`, whatever their answer.
    pub fn request_count(&self, route: &str) -> u64 {
        lock(&self.counters).get(route).copied().unwrap_or(0)
    }

    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        lock(&self.counters).clone()
    }

    pub fn total_requests(&self) -> u64 {
        lock(&self.counters).values().sum()
    }

    pub fn reset_counters(&self) {
        lock(&self.counters).clear();
    }

    /// Counts one request against (caller, scope, endpoint), as the API does: per token,
    /// per project (or the account), per endpoint, in fixed windows.
    pub(super) fn spend(&self, caller: &str, scope: &str, endpoint: &str) -> Budget {
        let (limit, window) = {
            let f = lock(&self.faults);
            (f.rate_limit, Duration::from_secs(f.rate_window_secs.max(1)))
        };
        let now = Instant::now();
        let mut w = lock(&self.windows);
        let slot = w
            .entry((caller.to_owned(), scope.to_owned(), endpoint.to_owned()))
            .or_insert((now, 0));
        if now.duration_since(slot.0) >= window {
            *slot = (now, 0);
        }
        slot.1 = slot.1.saturating_add(1);
        let left = window.saturating_sub(now.duration_since(slot.0));
        Budget {
            limit,
            remaining: limit.saturating_sub(slot.1),
            // Whole seconds, rounded up, so a client waiting `reset` never comes back early.
            reset: Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0)),
            exceeded: slot.1 > limit,
        }
    }

    /// Forgets every rate-limit window (a fresh minute for everyone).
    pub fn reset_rate_limits(&self) {
        lock(&self.windows).clear();
    }

    /// Starts (or stops) keeping every exchange; starting clears what was kept.
    pub fn set_recording(&self, on: bool) {
        *lock(&self.recording) = on.then(Vec::new);
    }

    pub fn is_recording(&self) -> bool {
        lock(&self.recording).is_some()
    }

    pub(super) fn record(&self, exchange: Exchange) {
        if let Some(v) = lock(&self.recording).as_mut() {
            v.push(exchange);
        }
    }

    /// The exchanges kept since recording started.
    pub fn recorded(&self) -> Vec<Exchange> {
        lock(&self.recording).clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_per_caller_scope_and_endpoint() {
        let c = Control::new(Faults {
            rate_limit: 2,
            ..Faults::default()
        });
        let spend = |who, scope, ep| c.spend(who, scope, ep);
        assert_eq!(spend("t", "p", "GET /a").remaining, 1);
        assert_eq!(spend("t", "p", "GET /a").remaining, 0);
        let third = spend("t", "p", "GET /a");
        assert!(third.exceeded && third.reset.as_secs() >= 1 && third.reset.as_secs() <= 60);
        assert!(!spend("u", "p", "GET /a").exceeded, "another token");
        assert!(!spend("t", "q", "GET /a").exceeded, "another project");
        assert!(!spend("t", "p", "GET /b").exceeded, "another endpoint");
        c.reset_rate_limits();
        assert!(!spend("t", "p", "GET /a").exceeded);
    }

    #[test]
    fn scripted_failures_are_consumed_in_order() {
        let c = Control::default();
        c.fail_next("GET /a", 2, 503);
        c.fail_next("*", 1, 429);
        c.fail_next("GET /a", 0, 500);
        assert_eq!(c.take_failure("GET /b"), Some(429));
        assert_eq!(c.take_failure("GET /b"), None);
        assert_eq!(c.take_failure("GET /a"), Some(503));
        assert_eq!(c.take_failure("GET /a"), Some(503));
        assert_eq!(c.take_failure("GET /a"), None);
    }
}
