//! When failed work is tried again, and when a target stops being tried automatically.

use std::time::Duration;

use rand::Rng;

/// Backoff and health settings. Defaults are the product's; tests use milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Delay before the first retry.
    pub first: Duration,
    /// Each further retry waits this many times longer…
    pub factor: u32,
    /// …but never longer than this.
    pub cap: Duration,
    /// Spread as a fraction of the delay (0.2 = ±20%), so many targets that failed
    /// together do not retry in lockstep.
    pub jitter: f64,
    /// Consecutive failed pushes after which a target is unhealthy: left out of
    /// automatic retries until the user reconnects or retries it.
    pub unhealthy_after: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first: Duration::from_secs(120),
            factor: 2,
            cap: Duration::from_secs(60 * 60),
            jitter: 0.2,
            unhealthy_after: 10,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (1 = the first retry).
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let exp = attempt.saturating_sub(1).min(32);
        let base = self
            .first
            .saturating_mul(self.factor.max(1).saturating_pow(exp))
            .min(self.cap);
        let jitter = self.jitter.clamp(0.0, 1.0);
        let scale = if jitter > 0.0 {
            rng.gen_range(1.0 - jitter..=1.0 + jitter)
        } else {
            1.0
        };
        base.mul_f64(scale).min(self.cap)
    }
}

/// A target's health: counts consecutive failed pushes. A rate-limit refusal is not a
/// failure of the target and is never recorded here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Health {
    pub consecutive_failures: u32,
    pub unhealthy: bool,
}

impl Health {
    /// Records a failed push; true when this failure made the target unhealthy.
    pub fn failed(&mut self, policy: &RetryPolicy) -> bool {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let became = !self.unhealthy && self.consecutive_failures >= policy.unhealthy_after;
        self.unhealthy |= became;
        became
    }

    pub fn succeeded(&mut self) {
        *self = Health::default();
    }

    /// The user acted (reconnected, or asked to retry now): try again from scratch.
    pub fn reset(&mut self) {
        *self = Health::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn backoff_starts_at_two_minutes_doubles_and_caps() {
        let p = RetryPolicy {
            jitter: 0.0,
            ..Default::default()
        };
        let mut rng = StdRng::seed_from_u64(1);
        let secs: Vec<u64> = (1..=8).map(|a| p.delay(a, &mut rng).as_secs()).collect();
        assert_eq!(secs, vec![120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(p.delay(u32::MAX, &mut rng), p.cap);
    }

    #[test]
    fn jitter_spreads_within_bounds() {
        let p = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        let delays: Vec<Duration> = (0..200).map(|_| p.delay(1, &mut rng)).collect();
        assert!(
            delays
                .iter()
                .all(|d| d.as_secs_f64() >= 96.0 && d.as_secs_f64() <= 144.0)
        );
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(distinct.len() > 100, "jitter should spread retries");
    }

    #[test]
    fn ten_consecutive_failures_make_a_target_unhealthy_once() {
        let p = RetryPolicy::default();
        let mut h = Health::default();
        let became: Vec<bool> = (0..12).map(|_| h.failed(&p)).collect();
        assert_eq!(became.iter().filter(|b| **b).count(), 1);
        assert!(became[9]);
        assert!(h.unhealthy);
        h.reset();
        assert_eq!(h, Health::default());
        h.failed(&p);
        h.succeeded();
        assert_eq!(h.consecutive_failures, 0);
    }
}
