//! Time as unix milliseconds, an injectable clock (tests fix it), and RFC 3339 output.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Unix time in milliseconds, UTC.
pub type Millis = i64;

pub const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// The vault's notion of "now". Fixed clocks let tests jump 30 days without sleeping;
/// clones of a fixed clock share its time, so a test can move the clock of a vault that
/// an engine task holds (`set`, `advance`), backwards as well as forwards.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    pub fn system() -> Self {
        Clock(None)
    }
    pub fn fixed(at: Millis) -> Self {
        Clock(Some(Arc::new(AtomicI64::new(at))))
    }
    pub fn now(&self) -> Millis {
        match &self.0 {
            Some(t) => t.load(Ordering::SeqCst),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as Millis)
                .unwrap_or(0),
        }
    }
    /// Moves a fixed clock (and every clone of it) to `at`; a system clock ignores it.
    pub fn set(&self, at: Millis) {
        if let Some(t) = &self.0 {
            t.store(at, Ordering::SeqCst);
        }
    }
    pub fn advance(&self, by: Millis) {
        if let Some(t) = &self.0 {
            t.fetch_add(by, Ordering::SeqCst);
        }
    }
    /// True for a fixed (test) clock: time moves only when told to.
    pub fn is_fixed(&self) -> bool {
        self.0.is_some()
    }
}

/// `2026-11-23T14:18:29Z`.
pub fn rfc3339(ms: Millis) -> String {
    crate::encoding::rfc3339(ms, false)
}

/// Parses `30d`, `12h`, `90m`, `45s`, `2w` into milliseconds.
pub fn parse_duration(s: &str) -> Option<Millis> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
    let unit_ms = match unit {
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => DAY_MS,
        "w" => 7 * DAY_MS,
        _ => return None,
    };
    n.checked_mul(unit_ms)
}

/// The inverse of [`parse_duration`], choosing the largest exact unit.
pub fn format_duration(ms: Millis) -> String {
    for (unit, size) in [
        ("w", 7 * DAY_MS),
        ("d", DAY_MS),
        ("h", 3_600_000),
        ("m", 60_000),
    ] {
        if ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{}s", ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_443_509_000), "2026-11-23T14:18:29Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn durations_round_trip() {
        assert_eq!(parse_duration("30d"), Some(30 * DAY_MS));
        assert_eq!(parse_duration("12h"), Some(12 * 3_600_000));
        assert_eq!(parse_duration("0d"), None);
        assert_eq!(parse_duration("d"), None);
        assert_eq!(parse_duration("5y"), None);
        assert_eq!(format_duration(14 * DAY_MS), "2w");
        assert_eq!(format_duration(90 * 60_000), "90m");
    }
}
