//! Request budgets as the Management API counts them: per token, project and endpoint,
//! kept from the `x-ratelimit-*` headers of every response, so the engine waits instead
//! of meeting a 429.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What the API counts a request against. `token` is a fingerprint, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BudgetKey {
    pub token: String,
    pub project: String,
    pub endpoint: String,
}

/// What one response's headers said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    remaining: u32,
    resets_at: Instant,
}

/// Budgets for every key seen so far. A key not yet seen is allowed: its first response
/// tells the real numbers.
#[derive(Debug, Default)]
pub struct Budgets {
    windows: HashMap<BudgetKey, Window>,
}

impl Budgets {
    /// Takes one request from the key's budget, or says how long to wait for the window
    /// to reset.
    pub fn take(&mut self, key: &BudgetKey, now: Instant) -> Result<(), Duration> {
        let Some(w) = self.windows.get_mut(key) else {
            return Ok(());
        };
        if now >= w.resets_at {
            self.windows.remove(key);
            return Ok(());
        }
        if w.remaining == 0 {
            return Err(w.resets_at - now);
        }
        w.remaining -= 1;
        Ok(())
    }

    /// Records a response's headers. Requests still in flight were already taken, so
    /// the lower of our count and the server's wins.
    pub fn observe(&mut self, key: &BudgetKey, seen: Observed, now: Instant) {
        let resets_at = now + seen.reset;
        let w = self.windows.entry(key.clone()).or_insert(Window {
            remaining: seen.remaining,
            resets_at,
        });
        // Reset times are whole seconds: within a second either way it is the same
        // window. Outside that, the server's reading wins: a new window began (later),
        // or its window is shorter than the one we assumed (earlier).
        let same = resets_at <= w.resets_at + Duration::from_secs(1)
            && w.resets_at <= resets_at + Duration::from_secs(1);
        if !same {
            *w = Window {
                remaining: seen.remaining,
                resets_at,
            };
        } else {
            w.remaining = w.remaining.min(seen.remaining);
        }
    }

    /// A 429: nothing more for this key until `retry_after` has passed.
    pub fn exhausted(&mut self, key: &BudgetKey, retry_after: Duration, now: Instant) {
        self.windows.insert(
            key.clone(),
            Window {
                remaining: 0,
                resets_at: now + retry_after,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(project: &str) -> BudgetKey {
        BudgetKey {
            token: "…abcd".into(),
            project: project.into(),
            endpoint: "secrets".into(),
        }
    }

    #[test]
    fn unknown_keys_are_allowed_and_headers_set_the_budget() {
        let mut b = Budgets::default();
        let t0 = Instant::now();
        assert!(b.take(&key("a"), t0).is_ok());
        let seen = Observed {
            limit: 120,
            remaining: 2,
            reset: Duration::from_secs(30),
        };
        b.observe(&key("a"), seen, t0);
        assert!(b.take(&key("a"), t0).is_ok());
        assert!(b.take(&key("a"), t0).is_ok());
        assert_eq!(b.take(&key("a"), t0), Err(Duration::from_secs(30)));
        // Budgets are per project: another project is untouched.
        assert!(b.take(&key("b"), t0).is_ok());
        // After the window resets, requests flow again.
        assert!(b.take(&key("a"), t0 + Duration::from_secs(30)).is_ok());
    }

    #[test]
    fn in_flight_requests_are_not_counted_twice_and_new_windows_restore() {
        let mut b = Budgets::default();
        let t0 = Instant::now();
        let obs = |remaining, secs| Observed {
            limit: 120,
            remaining,
            reset: Duration::from_secs(secs),
        };
        b.observe(&key("a"), obs(10, 60), t0);
        for _ in 0..5 {
            b.take(&key("a"), t0).unwrap();
        }
        // A late response from before our five requests must not give them back.
        b.observe(&key("a"), obs(9, 59), t0 + Duration::from_secs(1));
        for _ in 0..5 {
            b.take(&key("a"), t0).unwrap();
        }
        assert!(b.take(&key("a"), t0 + Duration::from_secs(1)).is_err());
        // A response from the next window resets the count.
        b.observe(&key("a"), obs(119, 60), t0 + Duration::from_secs(61));
        assert!(b.take(&key("a"), t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn a_429_blocks_the_key_until_retry_after() {
        let mut b = Budgets::default();
        let t0 = Instant::now();
        b.exhausted(&key("a"), Duration::from_secs(7), t0);
        assert_eq!(b.take(&key("a"), t0), Err(Duration::from_secs(7)));
        assert!(b.take(&key("a"), t0 + Duration::from_secs(7)).is_ok());
    }
}
