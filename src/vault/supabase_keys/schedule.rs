//! What API key and signing key rotations share: a name from one namespace, a project
//! ref, and a schedule (every N days at HH:MM UTC, automatic runs on or off) with the
//! arithmetic of the next due time. [`Scheduled`] is the schedule as the engine's
//! rotation loop reads it from either record, so that loop is written once.

use crate::vault::clock::{DAY_MS, Millis};
use crate::vault::error::{Result, VaultError};

pub const ROTATION_NAME_MAX: usize = 40;

/// A project ref is 20 lowercase letters.
pub(in crate::vault) fn is_project_ref(s: &str) -> bool {
    s.len() == 20 && s.bytes().all(|b| b.is_ascii_lowercase())
}

pub(in crate::vault) fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= ROTATION_NAME_MAX
        && name.as_bytes()[0].is_ascii_lowercase()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(VaultError::invalid(format!(
            "{name:?} is not a usable rotation name: use 1-{ROTATION_NAME_MAX} lowercase letters, digits, '-' or '_', starting with a letter"
        )))
    }
}

/// What a new rotation of either kind is checked for first: its name, its project ref
/// and its schedule.
pub(in crate::vault) fn check_new(
    name: &str,
    project_ref: &str,
    every_days: u32,
    at_minute: u32,
) -> Result<()> {
    check_name(name)?;
    if !is_project_ref(project_ref) {
        return Err(VaultError::invalid(format!(
            "{project_ref:?} is not a project ref: a ref is 20 lowercase letters (see `keyward target list`)"
        )));
    }
    check_schedule(every_days, at_minute)
}

/// Every rotation kind's schedule: at least a day apart, at a time of day.
pub(in crate::vault) fn check_schedule(every_days: u32, at_minute: u32) -> Result<()> {
    if every_days == 0 {
        return Err(VaultError::invalid(
            "the interval must be at least 1 day: give --every-days 1 or more",
        ));
    }
    if at_minute >= 24 * 60 {
        return Err(VaultError::invalid(
            "the time of day must be 00:00 to 23:59",
        ));
    }
    Ok(())
}

/// The first `HH:MM` UTC at least `every_days` days after the start of `from`'s day:
/// a rotation at 00:00 every 7 days that ran late at 09:00 is next due 7 days later at
/// 00:00, not at 09:00. Never at or before `from`.
pub fn next_due_after(from: Millis, every_days: u32, at_minute: u32) -> Millis {
    let day = from.div_euclid(DAY_MS) * DAY_MS;
    let mut due = day + i64::from(every_days.max(1)) * DAY_MS + i64::from(at_minute) * 60_000;
    while due <= from {
        due += DAY_MS;
    }
    due
}

/// `HH:MM` -> minutes after midnight.
pub fn parse_time_of_day(s: &str) -> Result<u32> {
    let bad = || VaultError::invalid(format!("bad time {s:?}: use HH:MM in UTC, e.g. 03:30"));
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 || s.trim().len() != 5 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

pub fn format_time_of_day(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `every N day(s) at HH:MM UTC`: a schedule as the audit log and the CLI tell it.
pub fn format_schedule(every_days: u32, at_minute: u32) -> String {
    format!(
        "every {every_days} day(s) at {} UTC",
        format_time_of_day(at_minute)
    )
}

/// `", manual only"` after a schedule's description when automatic runs are off.
pub(in crate::vault) fn manual_suffix(auto: bool) -> &'static str {
    if auto { "" } else { ", manual only" }
}

/// A rotation record's name, schedule and the state its loop decides on.
pub trait Scheduled {
    fn name(&self) -> &str;
    fn auto(&self) -> bool;
    fn next_due(&self) -> Millis;
    fn retry_at(&self) -> Option<Millis>;
    fn last_success(&self) -> Option<Millis>;
    /// No attempt in flight (nor one a kill interrupted).
    fn idle(&self) -> bool;
}

/// The schedule fields of a record, to change them in one place.
pub(in crate::vault) struct ScheduleMut<'a> {
    pub every_days: &'a mut u32,
    pub at_minute: &'a mut u32,
    pub auto: &'a mut bool,
    pub next_due: &'a mut Millis,
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_795_392_000_000; // 2026-11-23T00:00:00Z

    #[test]
    fn next_due_is_at_the_time_of_day_n_days_on() {
        assert_eq!(next_due_after(T0, 7, 0), T0 + 7 * DAY_MS);
        // Ran late (09:00): still due at 00:00 seven days on.
        assert_eq!(next_due_after(T0 + 9 * 3_600_000, 7, 0), T0 + 7 * DAY_MS);
        assert_eq!(
            next_due_after(T0, 1, 3 * 60 + 30),
            T0 + DAY_MS + 210 * 60_000
        );
        assert!(next_due_after(T0 + DAY_MS - 1, 1, 0) > T0 + DAY_MS - 1);
    }

    #[test]
    fn times_of_day_parse_strictly() {
        assert_eq!(parse_time_of_day("03:30").unwrap(), 210);
        assert_eq!(parse_time_of_day("00:00").unwrap(), 0);
        for bad in ["24:00", "3:30", "12:60", "noon", "12-30"] {
            assert!(parse_time_of_day(bad).is_err(), "{bad}");
        }
        assert_eq!(format_time_of_day(210), "03:30");
    }
}
