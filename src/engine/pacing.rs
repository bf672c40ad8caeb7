//! When batches may start, so that changes arriving close together reach each target
//! together. Pure: every method takes the time, so the rules are tested without a clock.
//!
//! Two rules. A change waits for changes to be quiet for QUIET (at most MAX_DEFER after
//! the first of them) before batches start: changes milliseconds apart go in one batch.
//! And while changes keep coming (each within GAP of the previous) faster than a
//! target's batches finish, that target waits for the stream to end, or for MAX_HOLD
//! since its start, before its next batch: 50 changes committed over four seconds make
//! about two batches per target (the first change at once, the rest together), not one
//! per change that arrived while a batch was in flight. Only a target that had a change
//! arrive during its batch is held: a script whose commands each wait for their own push
//! (the next change comes after the batch ended) is never slowed. A lone change is
//! pushed after QUIET, as before.

use std::collections::HashSet;
use std::time::Duration;

use tokio::time::Instant;

/// A lone change waits this long for company.
pub(crate) const QUIET: Duration = Duration::from_millis(20);
/// The longest a first batch waits for a burst to be quiet.
pub(crate) const MAX_DEFER: Duration = Duration::from_millis(500);
/// Changes at most this far apart are one stream.
pub(crate) const GAP: Duration = Duration::from_millis(500);
/// A target served in a stream gets its next batch at least this often.
pub(crate) const MAX_HOLD: Duration = Duration::from_secs(5);

#[derive(Default)]
pub(crate) struct Pacing {
    /// The first change of the burst the defer waits for, and until when it waits.
    burst: Option<Instant>,
    defer: Option<Instant>,
    /// The stream: its first and latest change, the targets a batch went to, and those
    /// of them that had a change arrive while their batch was in flight.
    first: Option<Instant>,
    last: Option<Instant>,
    served: HashSet<String>,
    outpaced: HashSet<String>,
}

impl Pacing {
    /// A change (a write that moved sync state, or a kick); `in_flight`: the targets
    /// with a batch under way.
    pub(crate) fn changed<'a>(&mut self, now: Instant, in_flight: impl Iterator<Item = &'a str>) {
        let first = *self.burst.get_or_insert(now);
        self.defer = Some((now + QUIET).min(first + MAX_DEFER));
        if self.last.is_none_or(|l| now.duration_since(l) > GAP) {
            self.first = Some(now);
            self.served.clear();
            self.outpaced.clear();
        }
        self.last = Some(now);
        for t in in_flight {
            if self.served.contains(t) {
                self.outpaced.insert(t.to_string());
            }
        }
    }

    /// Until when no batch may start (a burst not yet quiet), if that is now or later.
    pub(crate) fn deferred(&self, now: Instant) -> Option<Instant> {
        self.defer.filter(|d| *d > now)
    }

    /// When the loop must schedule for the burst, even if that moment has passed: on a
    /// loaded machine the loop may first look after the deadline, and a burst left
    /// open kept every later change's deadline in the past, so nothing was scheduled
    /// until some other event (a branch seeded under load was never pushed).
    pub(crate) fn pending(&self) -> Option<Instant> {
        self.defer
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
                self.outpaced.clear();
            }
            (Some(f), Some(_)) if now.duration_since(f) >= MAX_HOLD => {
                self.first = Some(now);
                self.served.clear();
                self.outpaced.clear();
            }
            _ => {}
        }
    }

    /// Whether `target` may start a batch now; if so it counts as served.
    pub(crate) fn may_start(&mut self, target: &str) -> bool {
        if self.first.is_none() {
            return true;
        }
        if self.outpaced.contains(target) {
            return false;
        }
        self.served.insert(target.to_string());
        true
    }

    /// When held targets may go: the stream's end if no change comes, or MAX_HOLD.
    pub(crate) fn release_at(&self) -> Option<Instant> {
        let (f, l) = (self.first?, self.last?);
        if self.outpaced.is_empty() {
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
        p.changed(t0, none());
        assert_eq!(p.deferred(t0), Some(t0 + QUIET));
        assert_eq!(p.deferred(t0 + QUIET), None);
        p.begin(t0 + QUIET);
        assert!(p.may_start("a"));
        assert!(p.may_start("b"));
    }

    /// The loop looking only after the deadline still schedules, and later changes get
    /// deadlines of their own.
    #[test]
    fn a_deadline_passed_unobserved_stays_pending_until_scheduled() {
        let t0 = Instant::now();
        let mut p = Pacing::default();
        p.changed(t0, none());
        let late = t0 + ms(900);
        assert_eq!(p.deferred(late), None, "batches may start");
        assert_eq!(
            p.pending(),
            Some(t0 + QUIET),
            "and the loop is told to start them"
        );
        p.begin(late);
        assert_eq!(p.pending(), None);
        p.changed(late + ms(10), none());
        assert_eq!(p.deferred(late + ms(10)), Some(late + ms(10) + QUIET));
    }

    fn none() -> std::iter::Empty<&'static str> {
        std::iter::empty()
    }

    #[test]
    fn a_stream_faster_than_a_targets_batches_gives_it_one_then_the_rest_together() {
        let t0 = Instant::now();
        let mut p = Pacing::default();
        p.changed(t0, none());
        p.begin(t0 + QUIET);
        assert!(p.may_start("a"), "the first change goes at once");
        // Changes 80 ms apart for two seconds, each while a's batch is in flight: a
        // waits for the stream to end.
        let mut now = t0;
        for _ in 0..25 {
            now += ms(80);
            p.changed(now, ["a"].into_iter());
            p.begin(now + QUIET);
            assert!(!p.may_start("a"), "a second batch within the stream");
        }
        assert!(p.may_start("b"), "a target not yet served is not held");
        assert_eq!(p.release_at(), Some(now + GAP + ms(1)));
        p.begin(now + GAP + ms(1));
        assert!(p.may_start("a"), "the stream ended: the rest goes");
    }

    #[test]
    fn changes_that_each_wait_for_their_push_are_never_held() {
        let t0 = Instant::now();
        let mut p = Pacing::default();
        let mut now = t0;
        for _ in 0..20 {
            p.changed(now, none());
            p.begin(now + QUIET);
            assert!(p.may_start("a"), "the batch before it had ended");
            assert_eq!(p.release_at(), None);
            now += ms(100);
        }
    }

    #[test]
    fn a_stream_that_never_ends_still_pushes_every_max_hold() {
        let t0 = Instant::now();
        let mut p = Pacing::default();
        p.changed(t0, none());
        p.begin(t0);
        assert!(p.may_start("a"));
        let mut now = t0;
        while now < t0 + MAX_HOLD - ms(100) {
            now += ms(100);
            p.changed(now, ["a"].into_iter());
            p.begin(now);
            assert!(!p.may_start("a"));
        }
        assert_eq!(p.release_at(), Some(t0 + MAX_HOLD));
        now = t0 + MAX_HOLD;
        p.changed(now, none());
        p.begin(now);
        assert!(p.may_start("a"), "held no longer than MAX_HOLD");
        p.changed(now + ms(100), ["a"].into_iter());
        p.begin(now + ms(100));
        assert!(!p.may_start("a"), "a new window");
    }
}
