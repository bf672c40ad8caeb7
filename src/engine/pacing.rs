//! When batches may start, so that changes arriving close together reach each target
//! together. Pure: every method takes the time, so the rules are tested without a clock.
//!
//! Two rules. A change waits for changes to be quiet for QUIET (at most MAX_DEFER after
//! the first of them) before batches start: changes milliseconds apart go in one batch.
//! And while changes keep coming (each within GAP of the previous: a script of `secret
//! set` commands, an import through the API), a target that already had a batch in
//! this stream waits for the stream to end, or for MAX_HOLD since its start, before its
//! next: 50 changes committed over four seconds make two batches per target (the
//! first change at once, the rest together), not one per change that arrived while a
//! batch was in flight. A lone change is pushed after QUIET, as before.

use std::collections::HashSet;
use std::time::Duration;

use tokio::time::Instant;

/// A lone change waits this long for company.
pub(crate) const QUIET: Duration = Duration::from_millis(20);
/// The longest a first batch waits for a burst to be quiet.
pub(crate) const MAX_DEFER: Duration = Duration::from_millis(500);
/// Changes at most this far apart are one stream.
pub(crate) const GAP: Duration = Duration::from_millis(250);
/// A target served in a stream gets its next batch at least this often.
pub(crate) const MAX_HOLD: Duration = Duration::from_secs(5);

#[derive(Default)]
pub(crate) struct Pacing {
    /// The first change of the burst the defer waits for, and until when it waits.
    burst: Option<Instant>,
    defer: Option<Instant>,
    /// The stream: its first and latest change, and the targets a batch went to.
    first: Option<Instant>,
    last: Option<Instant>,
    served: HashSet<String>,
}

impl Pacing {
    /// A change (a write that moved sync state, or a kick).
    pub(crate) fn changed(&mut self, now: Instant) {
        let first = *self.burst.get_or_insert(now);
        self.defer = Some((now + QUIET).min(first + MAX_DEFER));
        if self.last.is_none_or(|l| now.duration_since(l) > GAP) {
            self.first = Some(now);
            self.served.clear();
        }
        self.last = Some(now);
    }

    /// Until when no batch may start (a burst not yet quiet), if that is now or later.
    pub(crate) fn deferred(&self, now: Instant) -> Option<Instant> {
        self.defer.filter(|d| *d > now)
    }

    /// Called as scheduling proceeds: the burst's wait is over. A stream that ended, or
    /// ran MAX_HOLD, frees the targets it held (a longer one starts a new window).
    pub(crate) fn begin(&mut self, now: Instant) {
        self.defer = None;
        self.burst = None;
        match (self.first, self.last) {
            (Some(_), Some(l)) if now.duration_since(l) > GAP => {
                self.first = None;
                self.last = None;
                self.served.clear();
            }
            (Some(f), Some(_)) if now.duration_since(f) >= MAX_HOLD => {
                self.first = Some(now);
                self.served.clear();
            }
            _ => {}
        }
    }

    /// Whether `target` may start a batch now; if so it counts as served.
    pub(crate) fn may_start(&mut self, target: &str) -> bool {
        if self.first.is_none() {
            return true;
        }
        self.served.insert(target.to_string())
    }

    /// When held targets may go: the stream's end if no change comes, or MAX_HOLD.
    pub(crate) fn release_at(&self) -> Option<Instant> {
        let (f, l) = (self.first?, self.last?);
        if self.served.is_empty() {
            return None;
        }
        Some((l + GAP + Duration::from_millis(1)).min(f + MAX_HOLD))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_lone_change_waits_only_for_quiet() {
        let t0 = Instant::now();
        let mut p = Pacing::default();
        p.changed(t0);
        assert_eq!(p.deferred(t0), Some(t0 + QUIET));
        assert_eq!(p.deferred(t0 + QUIET), None);
        p.begin(t0 + QUIET);
        assert!(p.may_start("a"));
        assert!(p.may_start("b"));
    }

    #[test]
    fn a_stream_gives_each_target_one_batch_then_the_rest_together() {
        let t0 = Instant::now();
        let mut p = Pacing::default();
        p.changed(t0);
        p.begin(t0 + QUIET);
        assert!(p.may_start("a"), "the first change goes at once");
        // Changes 80 ms apart for two seconds: "a" waits for the stream to end.
        let mut now = t0;
        for _ in 0..25 {
            now += ms(80);
            p.changed(now);
            p.begin(now + QUIET);
            assert!(!p.may_start("a"), "a second batch within the stream");
        }
        assert!(p.may_start("b"), "a target not yet served is not held");
        assert_eq!(p.release_at(), Some(now + GAP + ms(1)));
        p.begin(now + GAP + ms(1));
        assert!(p.may_start("a"), "the stream ended: the rest goes");
    }

    #[test]
    fn a_stream_that_never_ends_still_pushes_every_max_hold() {
        let t0 = Instant::now();
        let mut p = Pacing::default();
        p.changed(t0);
        p.begin(t0);
        assert!(p.may_start("a"));
        let mut now = t0;
        while now < t0 + MAX_HOLD - ms(100) {
            now += ms(100);
            p.changed(now);
            p.begin(now);
            assert!(!p.may_start("a"));
        }
        assert_eq!(p.release_at(), Some(t0 + MAX_HOLD));
        now = t0 + MAX_HOLD;
        p.changed(now);
        p.begin(now);
        assert!(p.may_start("a"), "held no longer than MAX_HOLD");
        p.changed(now + ms(100));
        p.begin(now + ms(100));
        assert!(!p.may_start("a"), "a new window");
    }
}
