//! Supabase API key rotations, as the vault records them: the settings (target project,
//! key type, every N days at HH:MM UTC, auto on/off, the vault secret that receives the
//! key, grace) and the state the engine's driver keeps (keys alive, the phase of an
//! attempt in flight, status). The vault never speaks to Supabase: the driver in
//! `engine::keyrotation` does, and writes each step here before taking the next, so a
//! kill at any point is recovered on restart.
//!
//! Stored in clear: names, key ids and times. A key's value is only ever stored as a
//! version of the receiving vault secret, sealed like every value.

use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::audit::Outcome;
use super::clock::{DAY_MS, Millis};
use super::error::{Result, VaultError};
use super::model::{Cause, SecretId, SecretValue};
use super::names::env_name;
use super::secrets::Written;
use super::store::{ReadTx, WriteTx};

/// rotation name -> KeyRotation (JSON).
pub(crate) const KEY_ROTATIONS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("key_rotations");

pub const ROTATION_NAME_MAX: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    Publishable,
    Secret,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Publishable => "publishable",
            KeyKind::Secret => "secret",
        }
    }
}

impl std::str::FromStr for KeyKind {
    type Err = VaultError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "publishable" => Ok(KeyKind::Publishable),
            "secret" => Ok(KeyKind::Secret),
            other => Err(VaultError::invalid(format!(
                "unknown key type {other:?}: use publishable or secret"
            ))),
        }
    }
}

/// A key this rotation created on Supabase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRef {
    pub id: String,
    pub name: String,
}

/// Where an attempt stands. Written durably before each external step.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "lowercase")]
pub enum Phase {
    #[default]
    Idle,
    /// About to ask Supabase for a key named `key_name`; `key_id` once it answered.
    /// A restart in this phase finds the key (by id, or by name in the key list) and
    /// deletes it: the value was never stored, so it cannot be promoted.
    Creating {
        key_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_id: Option<String>,
    },
}

/// The receiving vault secret: by id once it exists (so renames are followed), by name
/// until then (the first promotion creates it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntoSecret {
    pub project: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<SecretId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KeyRotationState {
    /// The key the vault secret holds now.
    pub current: Option<KeyRef>,
    /// The key it held before: still alive so running clients keep working; deleted at
    /// the next rotation, or once `previous_until` passes when a grace is set.
    pub previous: Option<KeyRef>,
    pub previous_until: Option<Millis>,
    /// Keys to delete (retired, or orphans of a failed attempt). Non-empty after a
    /// failed delete: "rotated, clean-up pending".
    pub retiring: Vec<KeyRef>,
    pub phase: Phase,
    pub next_due: Millis,
    pub last_attempt: Option<Millis>,
    pub last_success: Option<Millis>,
    pub last_message: Option<String>,
    /// Consecutive failed attempts (rotation or clean-up), for the backoff.
    pub failures: u32,
    /// When a failed attempt or clean-up is tried again.
    pub retry_at: Option<Millis>,
    /// Counts keys created, to name each one uniquely.
    pub generation: u32,
}

impl KeyRotationState {
    pub fn cleanup_pending(&self) -> bool {
        !self.retiring.is_empty()
    }
}

/// A one-word summary for listings and the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyRotationStatus {
    /// No key yet: the first run creates one.
    New,
    /// An attempt is in flight (or was interrupted and awaits recovery).
    Rotating,
    /// The last attempt failed; retried at `retry_at`.
    Failing,
    /// Rotated; a retired key is still to be deleted.
    CleanupPending,
    /// Due now (waiting for the scheduler, or for a manual run).
    Due,
    Ok,
}

impl KeyRotationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Rotating => "rotating",
            Self::Failing => "failing",
            Self::CleanupPending => "cleanup_pending",
            Self::Due => "due",
            Self::Ok => "ok",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotation {
    pub name: String,
    pub project_ref: String,
    /// The connection that reaches the project; None until connections exist (then
    /// the target's own connection is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    pub key_type: KeyKind,
    pub every_days: u32,
    /// Minutes after midnight UTC.
    pub at_minute: u32,
    pub auto: bool,
    pub into: IntoSecret,
    /// Delete the previous key this long after a rotation instead of at the next one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<Millis>,
    pub created: Millis,
    pub state: KeyRotationState,
}

impl KeyRotation {
    /// The name of the key a new attempt creates: Supabase allows 4-64 characters of
    /// `[a-z0-9_]`, starting with a letter or `_`.
    pub fn key_name(&self, generation: u32) -> String {
        format!("keyward_{}_{generation}", self.name.replace('-', "_"))
    }

    /// True when `name` is one this rotation would give a key (orphan search).
    pub fn owns_key_name(&self, name: &str) -> bool {
        let prefix = format!("keyward_{}_", self.name.replace('-', "_"));
        name.strip_prefix(&prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }

    pub fn status(&self, now: Millis) -> KeyRotationStatus {
        let s = &self.state;
        if !matches!(s.phase, Phase::Idle) {
            KeyRotationStatus::Rotating
        } else if s.retry_at.is_some() && !s.cleanup_pending() {
            KeyRotationStatus::Failing
        } else if s.cleanup_pending() {
            KeyRotationStatus::CleanupPending
        } else if s.current.is_none() {
            KeyRotationStatus::New
        } else if s.next_due <= now {
            KeyRotationStatus::Due
        } else {
            KeyRotationStatus::Ok
        }
    }

    /// Every key this rotation knows it created and has not deleted.
    pub fn live_keys(&self) -> Vec<KeyRef> {
        let mut out: Vec<KeyRef> = self.state.current.iter().cloned().collect();
        out.extend(self.state.previous.iter().cloned());
        out.extend(self.state.retiring.iter().cloned());
        out
    }
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

/// What `add_key_rotation` needs.
#[derive(Debug, Clone)]
pub struct NewKeyRotation {
    pub name: String,
    pub project_ref: String,
    pub connection: Option<String>,
    pub key_type: KeyKind,
    pub every_days: u32,
    pub at_minute: u32,
    pub auto: bool,
    pub into_project: String,
    pub into_name: String,
    pub grace: Option<Millis>,
}

/// The warning for a receiving secret whose variable Supabase would refuse to sync.
pub fn reserved_name_warning(secret_name: &str) -> Option<String> {
    let env = env_name(secret_name);
    env.starts_with("SUPABASE_").then(|| {
        format!(
            "the secret {secret_name:?} would sync as {env}, which Supabase reserves: it cannot be mapped to a target; rename it (e.g. without the SUPABASE prefix) if it should sync"
        )
    })
}

fn check_name(name: &str) -> Result<()> {
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

fn unknown(name: &str) -> VaultError {
    VaultError::not_found(format!(
        "no key rotation named {name:?}: see `keyward rotation list`"
    ))
}

fn decode(b: &[u8]) -> Result<KeyRotation> {
    Ok(serde_json::from_slice(b)?)
}

impl WriteTx<'_> {
    /// Records a new rotation, due at once (its first run creates the first key).
    /// Returns it and, when the receiving secret's variable name is reserved by
    /// Supabase, a warning to show.
    pub fn add_key_rotation(&mut self, n: NewKeyRotation) -> Result<(KeyRotation, Option<String>)> {
        check_name(&n.name)?;
        let is_ref =
            n.project_ref.len() == 20 && n.project_ref.bytes().all(|b| b.is_ascii_lowercase());
        if !is_ref {
            return Err(VaultError::invalid(format!(
                "{:?} is not a project ref: a ref is 20 lowercase letters (see `keyward target list`)",
                n.project_ref
            )));
        }
        if n.every_days == 0 {
            return Err(VaultError::invalid(
                "the interval must be at least 1 day: give --every-days 1 or more",
            ));
        }
        if n.at_minute >= 24 * 60 {
            return Err(VaultError::invalid(
                "the time of day must be 00:00 to 23:59",
            ));
        }
        super::limits::secret_name(&n.into_name)?;
        if self
            .tx
            .open_table(KEY_ROTATIONS)?
            .get(n.name.as_str())?
            .is_some()
        {
            return Err(VaultError::conflict(format!(
                "a key rotation named {:?} already exists: pick another name, or `keyward rotation rm {}` first",
                n.name, n.name
            )));
        }
        self.project_id(&n.into_project)?;
        let id = match self.secret(&n.into_project, &n.into_name) {
            Ok(m) if m.is_trashed() => {
                return Err(super::secrets::in_trash(&n.into_project, &n.into_name));
            }
            Ok(m) => Some(m.id),
            Err(VaultError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let taken = self.key_rotations_tx()?.into_iter().find(|r| {
            r.into.project == n.into_project && r.into.name == n.into_name
                || (id.is_some() && r.into.id == id)
        });
        if let Some(other) = taken {
            return Err(VaultError::conflict(format!(
                "{}/{} already receives the keys of the rotation {:?}: choose another secret",
                n.into_project, n.into_name, other.name
            )));
        }
        let warning = reserved_name_warning(&n.into_name);
        let r = KeyRotation {
            name: n.name,
            project_ref: n.project_ref,
            connection: n.connection,
            key_type: n.key_type,
            every_days: n.every_days,
            at_minute: n.at_minute,
            auto: n.auto,
            into: IntoSecret {
                project: n.into_project,
                name: n.into_name,
                id,
            },
            grace: n.grace,
            created: self.now,
            state: KeyRotationState {
                next_due: self.now,
                ..KeyRotationState::default()
            },
        };
        self.save_key_rotation(&r)?;
        let detail = format!(
            "{} key of {} every {} day(s) at {} UTC into {}/{}{}",
            r.key_type.as_str(),
            r.project_ref,
            r.every_days,
            format_time_of_day(r.at_minute),
            r.into.project,
            r.into.name,
            if r.auto { "" } else { ", manual only" }
        );
        self.audit("key-rotation-add", &r.name, Outcome::Ok, &detail)?;
        Ok((r, warning))
    }

    pub fn key_rotation(&self, name: &str) -> Result<KeyRotation> {
        let t = self.tx.open_table(KEY_ROTATIONS)?;
        let g = t.get(name)?.ok_or_else(|| unknown(name))?;
        decode(g.value())
    }

    fn key_rotations_tx(&self) -> Result<Vec<KeyRotation>> {
        let mut out = Vec::new();
        for row in self.tx.open_table(KEY_ROTATIONS)?.iter()? {
            out.push(decode(row?.1.value())?);
        }
        Ok(out)
    }

    /// Stores the rotation as given (the driver's state transitions).
    pub fn save_key_rotation(&mut self, r: &KeyRotation) -> Result<()> {
        self.tx
            .open_table(KEY_ROTATIONS)?
            .insert(r.name.as_str(), serde_json::to_vec(r)?.as_slice())?;
        Ok(())
    }

    /// Forgets the rotation. The driver deletes its keys on Supabase first.
    pub fn remove_key_rotation(&mut self, name: &str) -> Result<()> {
        let removed = self.tx.open_table(KEY_ROTATIONS)?.remove(name)?.is_some();
        if !removed {
            return Err(unknown(name));
        }
        self.audit("key-rotation-rm", name, Outcome::Ok, "")
    }

    /// Changes the schedule (interval, time of day, auto, grace) of a rotation; the next
    /// due time is recomputed from the last success (a rotation that never ran stays
    /// due at once). Target, key type and receiving secret are fixed: remove and add the
    /// rotation to change them.
    pub fn edit_key_rotation(
        &mut self,
        name: &str,
        every_days: u32,
        at_minute: u32,
        auto: bool,
        grace: Option<Millis>,
    ) -> Result<KeyRotation> {
        if every_days == 0 {
            return Err(VaultError::invalid(
                "the interval must be at least 1 day: give 1 or more",
            ));
        }
        if at_minute >= 24 * 60 {
            return Err(VaultError::invalid(
                "the time of day must be 00:00 to 23:59",
            ));
        }
        let mut r = self.key_rotation(name)?;
        r.every_days = every_days;
        r.at_minute = at_minute;
        r.auto = auto;
        r.grace = grace;
        if let Some(t) = r.state.last_success {
            r.state.next_due = next_due_after(t, every_days, at_minute);
        }
        self.save_key_rotation(&r)?;
        let detail = format!(
            "every {every_days} day(s) at {} UTC{}",
            format_time_of_day(at_minute),
            if auto { "" } else { ", manual only" }
        );
        self.audit("key-rotation-edit", name, Outcome::Ok, &detail)?;
        Ok(r)
    }

    /// Turns automatic runs on or off.
    pub fn set_key_rotation_auto(&mut self, name: &str, auto: bool) -> Result<KeyRotation> {
        let mut r = self.key_rotation(name)?;
        r.auto = auto;
        self.save_key_rotation(&r)?;
        let detail = if auto { "auto on" } else { "auto off" };
        self.audit("key-rotation-edit", name, Outcome::Ok, detail)?;
        Ok(r)
    }

    /// Writes a key's value into the rotation's secret as a new version (cause
    /// rotation) and remembers the secret's id. Creates the secret the first time.
    pub fn write_key_value(&mut self, r: &mut KeyRotation, value: &SecretValue) -> Result<Written> {
        let (project, name) = match r.into.id.map(|id| self.secret_by_id(id)).transpose()? {
            Some(Some((p, n, _))) => (p, n),
            // Purged since: write where it was named, as at set-up.
            _ => (r.into.project.clone(), r.into.name.clone()),
        };
        let w = self.set_value(&project, &name, value, Cause::Rotation)?;
        r.into = IntoSecret {
            project,
            name,
            id: Some(w.id),
        };
        Ok(w)
    }
}

impl ReadTx<'_> {
    /// None for a vault made before key rotations existed (the table appears with the
    /// first write that needs it).
    fn rotations_table(&self) -> Result<Option<redb::ReadOnlyTable<&'static str, &'static [u8]>>> {
        match self.tx.open_table(KEY_ROTATIONS) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every key rotation, by name.
    pub fn key_rotations(&self) -> Result<Vec<KeyRotation>> {
        let mut out = Vec::new();
        if let Some(t) = self.rotations_table()? {
            for row in t.iter()? {
                out.push(decode(row?.1.value())?);
            }
        }
        Ok(out)
    }

    pub fn key_rotation(&self, name: &str) -> Result<KeyRotation> {
        let t = self.rotations_table()?.ok_or_else(|| unknown(name))?;
        let g = t.get(name)?.ok_or_else(|| unknown(name))?;
        decode(g.value())
    }
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

    #[test]
    fn status_summarises_the_state() {
        let mut r = sample();
        assert_eq!(r.status(0), KeyRotationStatus::New);
        r.state.current = Some(KeyRef {
            id: "1".into(),
            name: "keyward_web_prod_1".into(),
        });
        r.state.next_due = 10;
        assert_eq!(r.status(5), KeyRotationStatus::Ok);
        assert_eq!(r.status(10), KeyRotationStatus::Due);
        r.state.retry_at = Some(20);
        assert_eq!(r.status(5), KeyRotationStatus::Failing);
        r.state.retiring.push(r.state.current.clone().unwrap());
        assert_eq!(r.status(5), KeyRotationStatus::CleanupPending);
        r.state.phase = Phase::Creating {
            key_name: "keyward_web_prod_2".into(),
            key_id: None,
        };
        assert_eq!(r.status(5), KeyRotationStatus::Rotating);
    }

    fn sample() -> KeyRotation {
        KeyRotation {
            name: "web-prod".into(),
            project_ref: "a".repeat(20),
            connection: None,
            key_type: KeyKind::Secret,
            every_days: 1,
            at_minute: 0,
            auto: true,
            into: IntoSecret {
                project: "p".into(),
                name: "k".into(),
                id: None,
            },
            grace: None,
            created: 0,
            state: KeyRotationState::default(),
        }
    }

    #[test]
    fn key_names_are_valid_for_supabase_and_recognised_as_ours() {
        let r = KeyRotation {
            name: "web-prod".into(),
            project_ref: "a".repeat(20),
            connection: None,
            key_type: KeyKind::Secret,
            every_days: 1,
            at_minute: 0,
            auto: true,
            into: IntoSecret {
                project: "p".into(),
                name: "k".into(),
                id: None,
            },
            grace: None,
            created: 0,
            state: KeyRotationState::default(),
        };
        let n = r.key_name(3);
        assert_eq!(n, "keyward_web_prod_3");
        assert!(
            n.len() <= 64
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        );
        assert!(r.owns_key_name(&n));
        assert!(!r.owns_key_name("keyward_web_prod_x"));
        assert!(!r.owns_key_name("default"));
        assert!(reserved_name_warning("supabase service key").is_some());
        assert!(reserved_name_warning("service key").is_none());
    }
}
