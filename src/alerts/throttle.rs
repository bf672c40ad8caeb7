//! At most one alert per (alert, kind, subject) per interval, so a flapping target or a
//! failure repeating on every retry cannot flood anyone. Kept in memory: a restarted
//! owner may alert once more, which is the safe side.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Kind;

/// Entries beyond this are pruned of expired ones (a vault with thousands of targets
/// failing at once stays bounded by what is live).
const PRUNE_AT: usize = 4096;

#[derive(Default)]
pub struct Throttle {
    last: HashMap<(String, Kind, String), (Instant, Duration)>,
}

impl Throttle {
    /// Whether `alert` may send `kind` about `subject` now; if so, the interval starts.
    pub fn allow(
        &mut self,
        alert: &str,
        kind: Kind,
        subject: &str,
        interval: Duration,
        now: Instant,
    ) -> bool {
        let key = (alert.to_owned(), kind, subject.to_owned());
        if let Some((at, every)) = self.last.get(&key)
            && now.duration_since(*at) < *every
        {
            return false;
        }
        if self.last.len() >= PRUNE_AT {
            self.last
                .retain(|_, (at, every)| now.duration_since(*at) < *every);
        }
        self.last.insert(key, (now, interval));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_kind_and_subject_per_interval() {
        let mut t = Throttle::default();
        let t0 = Instant::now();
        let h = Duration::from_secs(3600);
        assert!(t.allow("a", Kind::PushFailed, "t1", h, t0));
        assert!(!t.allow("a", Kind::PushFailed, "t1", h, t0 + Duration::from_secs(60)));
        assert!(
            t.allow("a", Kind::PushFailed, "t2", h, t0),
            "another target"
        );
        assert!(
            t.allow("a", Kind::TargetUnhealthy, "t1", h, t0),
            "another kind"
        );
        assert!(t.allow("b", Kind::PushFailed, "t1", h, t0), "another alert");
        assert!(t.allow("a", Kind::PushFailed, "t1", h, t0 + h));
    }
}
