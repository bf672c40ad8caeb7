//! Failed authentications, limited with token buckets at three scopes: each client
//! address, each network (/24 for IPv4, /64 for IPv6: one machine or one customer holds
//! a whole /64, and a local attacker can use all of 127.0.0.0/8), and the server as a
//! whole. Only failures spend tokens, so a valid key is held back only while its own
//! address, its network or the whole server is over budget.
//!
//! The wider budgets fail closed: when a network or the whole server is over budget,
//! addresses never seen before wait too, since a distributed guesser is exactly such
//! addresses. An address that presented a valid key within the last hour is held back
//! only by its own budget, so a flood never locks out a client already at work. The
//! Unix socket (mode 0600: the vault's own user) has its own bucket and is outside the
//! overall budget.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Who is asking: the remote IP, or "a local process" on the Unix socket.
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

/// How many failures a scope may make at once, and how often it regains one.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub burst: u32,
    pub refill: Duration,
}

impl Budget {
    /// For tests that make many failures on purpose.
    pub fn unlimited() -> Budget {
        Budget {
            burst: u32::MAX,
            refill: Duration::from_millis(1),
        }
    }
}

/// The three budgets.
#[derive(Debug, Clone, Copy)]
pub struct FailureBudgets {
    pub per_address: Budget,
    pub per_network: Budget,
    pub overall: Budget,
}

impl Default for FailureBudgets {
    fn default() -> Self {
        FailureBudgets {
            per_address: Budget {
                burst: 10,
                refill: Duration::from_secs(6),
            },
            per_network: Budget {
                burst: 30,
                refill: Duration::from_secs(2),
            },
            overall: Budget {
                burst: 100,
                refill: Duration::from_secs(1),
            },
        }
    }
}

impl FailureBudgets {
    pub fn unlimited() -> Self {
        FailureBudgets {
            per_address: Budget::unlimited(),
            per_network: Budget::unlimited(),
            overall: Budget::unlimited(),
        }
    }
}

/// What a bucket counts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Address(Peer),
    /// The address with its host bits cleared.
    Network(IpAddr, u8),
    Overall,
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Address(p) => write!(f, "{p}"),
            Scope::Network(ip, bits) => write!(f, "the network {ip}/{bits}"),
            Scope::Overall => f.write_str("all addresses"),
        }
    }
}

/// The scopes a peer's failure counts against, narrowest first.
fn scopes(peer: Peer) -> Vec<Scope> {
    let Peer::Ip(ip) = peer else {
        return vec![Scope::Address(Peer::Unix)];
    };
    // ::ffff:a.b.c.d is the IPv4 client a.b.c.d.
    let ip = ip.to_canonical();
    let net = match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            Scope::Network(IpAddr::from([a, b, c, 0]), 24)
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !(u128::from(u64::MAX));
            Scope::Network(IpAddr::V6(bits.into()), 64)
        }
    };
    vec![Scope::Address(Peer::Ip(ip)), net, Scope::Overall]
}

/// What `check` decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Refused because `scope` is over budget; retry after this long. `first` is true
    /// once per closed spell of that scope, so the audit log gets one entry per flood
    /// rather than one per request.
    Closed {
        retry_after: Duration,
        scope: Scope,
        first: bool,
    },
}

struct Bucket {
    tokens: f64,
    at: Instant,
    noted: bool,
}

pub struct FailureLimiter {
    budgets: FailureBudgets,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    buckets: HashMap<Scope, Bucket>,
    /// Addresses that presented a valid key, and when they last did.
    trusted: HashMap<Peer, Instant>,
}

/// Beyond this many remembered scopes (or trusted addresses), idle ones are forgotten.
const MAX_TRACKED: usize = 10_000;
/// How long a valid key vouches for its address.
const TRUST: Duration = Duration::from_secs(3600);

impl FailureLimiter {
    pub fn new(budgets: FailureBudgets) -> Self {
        FailureLimiter {
            budgets,
            state: Mutex::new(State::default()),
        }
    }

    fn budget(&self, scope: Scope) -> (f64, Duration) {
        let b = match scope {
            Scope::Address(_) => self.budgets.per_address,
            Scope::Network(..) => self.budgets.per_network,
            Scope::Overall => self.budgets.overall,
        };
        (
            f64::from(b.burst.max(1)),
            b.refill.max(Duration::from_millis(1)),
        )
    }

    fn refilled(&self, scope: Scope, b: &mut Bucket, now: Instant) {
        let (burst, refill) = self.budget(scope);
        let gained = now.duration_since(b.at).as_secs_f64() / refill.as_secs_f64();
        b.tokens = (b.tokens + gained).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.noted = false;
        }
    }

    /// May `peer` try a key now? The narrowest closed scope answers.
    pub fn check(&self, peer: Peer) -> Gate {
        self.check_at(peer, Instant::now())
    }

    /// `check` at a given time (tests step time instead of sleeping).
    fn check_at(&self, peer: Peer, now: Instant) -> Gate {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let trusted = state
            .trusted
            .get(&peer)
            .is_some_and(|at| now.duration_since(*at) < TRUST);
        for scope in scopes(peer) {
            if trusted && !matches!(scope, Scope::Address(_)) {
                continue;
            }
            let Some(b) = state.buckets.get_mut(&scope) else {
                continue;
            };
            self.refilled(scope, b, now);
            if b.tokens >= 1.0 {
                continue;
            }
            let (_, refill) = self.budget(scope);
            let retry_after = refill.mul_f64(1.0 - b.tokens).max(Duration::from_secs(1));
            let first = !b.noted;
            b.noted = true;
            return Gate::Closed {
                retry_after,
                scope,
                first,
            };
        }
        Gate::Open
    }

    /// `peer` presented a valid key.
    pub fn succeeded(&self, peer: Peer) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.trusted.len() >= MAX_TRACKED && !state.trusted.contains_key(&peer) {
            state
                .trusted
                .retain(|_, at| now.duration_since(*at) < TRUST);
            if state.trusted.len() >= MAX_TRACKED {
                return;
            }
        }
        state.trusted.insert(peer, now);
    }

    /// Spends one token of each of `peer`'s scopes.
    pub fn failed(&self, peer: Peer) {
        self.failed_at(peer, Instant::now())
    }

    fn failed_at(&self, peer: Peer, now: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let map = &mut state.buckets;
        for scope in scopes(peer) {
            if map.len() >= MAX_TRACKED && !map.contains_key(&scope) {
                map.retain(|s, b| {
                    self.refilled(*s, b, now);
                    b.tokens < self.budget(*s).0
                });
            }
            let burst = self.budget(scope).0;
            let b = map.entry(scope).or_insert(Bucket {
                tokens: burst,
                at: now,
                noted: false,
            });
            self.refilled(scope, b, now);
            b.tokens = (b.tokens - 1.0).max(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budgets(address: u32, network: u32, overall: u32) -> FailureBudgets {
        let b = |burst| Budget {
            burst,
            refill: Duration::from_secs(60),
        };
        FailureBudgets {
            per_address: b(address),
            per_network: b(network),
            overall: b(overall),
        }
    }

    fn ip(s: &str) -> Peer {
        Peer::Ip(s.parse().unwrap())
    }

    fn closed_by(g: Gate) -> Option<Scope> {
        match g {
            Gate::Closed { scope, .. } => Some(scope),
            Gate::Open => None,
        }
    }

    #[test]
    fn each_address_has_its_own_budget() {
        let l = FailureLimiter::new(budgets(3, 100, 100));
        let a = ip("127.0.0.2");
        for _ in 0..3 {
            assert_eq!(l.check(a), Gate::Open);
            l.failed(a);
        }
        assert!(matches!(l.check(a), Gate::Closed { first: true, .. }));
        assert!(matches!(l.check(a), Gate::Closed { first: false, .. }));
        assert_eq!(l.check(ip("127.0.0.1")), Gate::Open);
        assert_eq!(l.check(Peer::Unix), Gate::Open);
    }

    #[test]
    fn many_addresses_of_one_network_share_its_budget() {
        let l = FailureLimiter::new(budgets(3, 5, 100));
        for i in 0..5 {
            l.failed(ip(&format!("127.1.0.{i}")));
        }
        assert_eq!(
            closed_by(l.check(ip("127.1.0.200"))),
            Some(Scope::Network("127.1.0.0".parse().unwrap(), 24))
        );
        assert_eq!(l.check(ip("127.1.1.1")), Gate::Open);
        // IPv6: the /64 is one network; IPv4-mapped addresses count as IPv4.
        for i in 0..5 {
            l.failed(ip(&format!("2001:db8:0:1::{i}")));
        }
        assert!(closed_by(l.check(ip("2001:db8:0:1:ffff::1"))).is_some());
        assert_eq!(l.check(ip("2001:db8:0:2::1")), Gate::Open);
        assert!(closed_by(l.check(ip("::ffff:127.1.0.9"))).is_some());
    }

    #[test]
    fn the_overall_budget_closes_every_network_but_not_the_socket() {
        let l = FailureLimiter::new(budgets(3, 5, 8));
        for i in 0..8 {
            l.failed(ip(&format!("127.2.{i}.1")));
        }
        assert_eq!(closed_by(l.check(ip("127.9.9.9"))), Some(Scope::Overall));
        assert_eq!(l.check(Peer::Unix), Gate::Open);
    }

    #[test]
    fn an_address_with_a_valid_key_is_held_back_only_by_its_own_budget() {
        let l = FailureLimiter::new(budgets(2, 5, 5));
        let worker = ip("127.0.0.1");
        l.succeeded(worker);
        for i in 2..7 {
            l.failed(ip(&format!("127.0.0.{i}")));
        }
        assert!(closed_by(l.check(ip("127.0.0.99"))).is_some());
        assert_eq!(l.check(worker), Gate::Open);
        l.failed(worker);
        l.failed(worker);
        assert_eq!(closed_by(l.check(worker)), Some(Scope::Address(worker)));
    }

    #[test]
    fn the_budget_refills() {
        let l = FailureLimiter::new(FailureBudgets {
            per_address: Budget {
                burst: 1,
                refill: Duration::from_millis(20),
            },
            ..FailureBudgets::unlimited()
        });
        let a = Peer::Unix;
        // Stepped time, not sleeps: a loaded machine cannot make it pass or fail.
        let t0 = Instant::now();
        l.failed_at(a, t0);
        assert!(matches!(
            l.check_at(a, t0 + Duration::from_millis(10)),
            Gate::Closed { .. }
        ));
        assert_eq!(l.check_at(a, t0 + Duration::from_millis(40)), Gate::Open);
    }
}
