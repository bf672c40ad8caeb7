//! Which refused attempts get an audit entry of their own. Every success does; refusals
//! do until `per_window` entries were written in the current window (a minute by
//! default), after which they are only counted, per address, and the count is written
//! as one summary entry when the window closes. A flood from any number of addresses
//! thus adds at most `per_window + 1` entries a window, and the vault cannot grow
//! without bound.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::limiter::Peer;

/// How refusals are recorded.
#[derive(Debug, Clone, Copy)]
pub struct RefusalAudit {
    pub window: Duration,
    pub per_window: usize,
}

impl Default for RefusalAudit {
    fn default() -> Self {
        RefusalAudit {
            window: Duration::from_secs(60),
            per_window: 30,
        }
    }
}

/// Addresses beyond this many in one window are summed as "other addresses".
const MAX_NAMED: usize = 1_000;
/// How many addresses a summary names.
const SUMMARY_NAMES: usize = 5;

/// Refused keys in one window that make an `access_key_refused` alert (once a window).
pub const ALERT_AFTER: u64 = 10;

struct Window {
    started: Instant,
    written: usize,
    /// Every refused key of the window, recorded or counted.
    refused: u64,
    /// The window reached ALERT_AFTER and nobody has taken the alert yet.
    alert: bool,
    counted: HashMap<Peer, u64>,
    others: u64,
}

pub struct Refusals {
    audit: RefusalAudit,
    window: Mutex<Window>,
}

impl Refusals {
    pub fn new(audit: RefusalAudit) -> Self {
        Refusals {
            audit,
            window: Mutex::new(Window {
                started: Instant::now(),
                written: 0,
                refused: 0,
                alert: false,
                counted: HashMap::new(),
                others: 0,
            }),
        }
    }

    /// A refusal from `peer`: `detail` back if it gets an entry of its own, None if it
    /// was counted for the window's summary (written by [`Self::due`]).
    pub fn note(&self, peer: Peer, detail: String) -> Option<String> {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        w.refused += 1;
        w.alert |= w.refused == ALERT_AFTER;
        if w.written < self.audit.per_window {
            w.written += 1;
            return Some(detail);
        }
        if w.counted.len() < MAX_NAMED || w.counted.contains_key(&peer) {
            *w.counted.entry(peer).or_default() += 1;
        } else {
            w.others += 1;
        }
        None
    }

    /// True for the refusal that brings the current window to [`ALERT_AFTER`]: the one
    /// that raises the owner's `AccessRefused` event (so at most one a window).
    pub fn alert_due(&self) -> bool {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut w.alert)
    }

    /// The summary of a window that has run its length, if it counted anything.
    pub fn due(&self) -> Option<String> {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if w.started.elapsed() < self.audit.window {
            return None;
        }
        self.close(&mut w)
    }

    /// The summary of the current window whatever its age (on shutdown).
    pub fn flush(&self) -> Option<String> {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        self.close(&mut w)
    }

    fn close(&self, w: &mut Window) -> Option<String> {
        let seconds = w.started.elapsed().as_secs().max(1);
        let counted = std::mem::take(&mut w.counted);
        let others = std::mem::take(&mut w.others);
        w.started = Instant::now();
        w.written = 0;
        w.refused = 0;
        let total = counted.values().sum::<u64>() + others;
        if total == 0 {
            return None;
        }
        let addresses = counted.len();
        let mut top: Vec<(Peer, u64)> = counted.into_iter().collect();
        top.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| a.0.to_string().cmp(&b.0.to_string()))
        });
        let named: Vec<String> = top
            .iter()
            .take(SUMMARY_NAMES)
            .map(|(p, n)| format!("{p} ×{n}"))
            .collect();
        let mut s = format!(
            "{total} further refused attempts in the last {seconds} s, counted, not recorded one by one, from {addresses} address{}: {}",
            if addresses == 1 { "" } else { "es" },
            named.join(", ")
        );
        if addresses > SUMMARY_NAMES {
            s.push_str(", …");
        }
        if others > 0 {
            s.push_str(&format!(
                "; and {others} from addresses beyond the first {MAX_NAMED}"
            ));
        }
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(i: u8) -> Peer {
        Peer::Ip([127, 1, 0, i].into())
    }

    #[test]
    fn refusals_beyond_the_window_budget_are_counted_then_summarised() {
        let r = Refusals::new(RefusalAudit {
            window: Duration::from_millis(50),
            per_window: 3,
        });
        let written: Vec<String> = (0..40)
            .filter_map(|i| r.note(peer(i % 4), format!("attempt {i}")))
            .collect();
        assert_eq!(written, ["attempt 0", "attempt 1", "attempt 2"]);
        assert_eq!(r.due(), None, "the window is still open");
        std::thread::sleep(Duration::from_millis(60));
        let s = r.due().unwrap();
        assert!(
            s.starts_with("37 further refused attempts") && s.contains("from 4 addresses"),
            "{s}"
        );
        assert!(s.contains("127.1.0.3 ×10"), "{s}");
        // A new window: own entries again; nothing to summarise.
        assert_eq!(r.note(peer(1), "again".into()).as_deref(), Some("again"));
        assert_eq!(r.flush(), None);
    }
}
