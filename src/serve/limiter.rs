//! Failed authentications, limited per client address with a token bucket: each address
//! may fail `burst` times, then once per `refill`. Only failures spend tokens, and each
//! address has its own bucket, so a flood of bad keys from one address never slows a
//! valid key from another.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Who is asking: the remote IP, or "a local process" on the Unix socket (the socket is
/// mode 0600, so that is always the vault's own user).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    Ip(IpAddr),
    Unix,
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Peer::Ip(ip) => write!(f, "{ip}"),
            Peer::Unix => f.write_str("the unix socket"),
        }
    }
}

/// What `check` decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Refused; retry after this long. `first` is true once per closed spell, so the
    /// audit log gets one entry per flood rather than one per request.
    Closed {
        retry_after: Duration,
        first: bool,
    },
}

struct Bucket {
    tokens: f64,
    at: Instant,
    noted: bool,
}

pub struct FailureLimiter {
    burst: f64,
    refill: Duration,
    buckets: Mutex<HashMap<Peer, Bucket>>,
}

/// Beyond this many remembered addresses, full (idle) buckets are forgotten.
const MAX_TRACKED: usize = 10_000;

impl FailureLimiter {
    pub fn new(burst: u32, refill: Duration) -> Self {
        FailureLimiter {
            burst: f64::from(burst.max(1)),
            refill: refill.max(Duration::from_millis(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refilled(&self, b: &mut Bucket, now: Instant) {
        let gained = now.duration_since(b.at).as_secs_f64() / self.refill.as_secs_f64();
        b.tokens = (b.tokens + gained).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.noted = false;
        }
    }

    /// May `peer` try a key now?
    pub fn check(&self, peer: Peer) -> Gate {
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let Some(b) = map.get_mut(&peer) else {
            return Gate::Open;
        };
        self.refilled(b, now);
        if b.tokens >= 1.0 {
            return Gate::Open;
        }
        let missing = 1.0 - b.tokens;
        let retry_after = self.refill.mul_f64(missing).max(Duration::from_secs(1));
        let first = !b.noted;
        b.noted = true;
        Gate::Closed { retry_after, first }
    }

    /// Spends one token of `peer`'s bucket.
    pub fn failed(&self, peer: Peer) {
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_TRACKED && !map.contains_key(&peer) {
            map.retain(|_, b| {
                self.refilled(b, now);
                b.tokens < self.burst
            });
        }
        let b = map.entry(peer).or_insert(Bucket {
            tokens: self.burst,
            at: now,
            noted: false,
        });
        self.refilled(b, now);
        b.tokens = (b.tokens - 1.0).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_own_budget() {
        let l = FailureLimiter::new(3, Duration::from_secs(60));
        let a = Peer::Ip("127.0.0.2".parse().unwrap());
        let b = Peer::Ip("127.0.0.1".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(l.check(a), Gate::Open);
            l.failed(a);
        }
        assert!(matches!(l.check(a), Gate::Closed { first: true, .. }));
        assert!(matches!(l.check(a), Gate::Closed { first: false, .. }));
        assert_eq!(l.check(b), Gate::Open);
        assert_eq!(l.check(Peer::Unix), Gate::Open);
    }

    #[test]
    fn the_budget_refills() {
        let l = FailureLimiter::new(1, Duration::from_millis(20));
        let a = Peer::Unix;
        l.failed(a);
        assert!(matches!(l.check(a), Gate::Closed { .. }));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(l.check(a), Gate::Open);
    }
}
