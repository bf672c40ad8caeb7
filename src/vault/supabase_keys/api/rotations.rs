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

use crate::vault::audit::Outcome;
use crate::vault::clock::Millis;
use crate::vault::error::{Result, VaultError};
use crate::vault::secrets::record::{Cause, SecretId, SecretValue};
use crate::vault::secrets::versions::Written;
use crate::vault::storage::database::{ReadTx, WriteTx};
use crate::vault::supabase_keys::api::record::*;
use crate::vault::supabase_keys::schedule::{
    check_new, check_schedule, format_schedule, manual_suffix,
};
use crate::vault::supabase_keys::stored::{Stored, stored_rotation};

/// rotation name -> KeyRotation (JSON, tagged: see `stored`).
pub(crate) const KEY_ROTATIONS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("key_rotations");

stored_rotation!(
    KeyRotation,
    idle: Phase::Idle,
    table: KEY_ROTATIONS,
    table_name: "key_rotations",
    edit: "key-rotation-edit",
    unknown: unknown,
);

/// A grace longer than the interval would keep a third key alive at the next rotation.
fn check_grace(grace: Option<Millis>, every_days: u32) -> Result<()> {
    if grace.is_some_and(|g| g > i64::from(every_days) * crate::vault::clock::DAY_MS) {
        return Err(VaultError::invalid(format!(
            "the grace is longer than the interval ({every_days} day(s)): the previous key would still be alive at the next rotation; give a shorter --grace"
        )));
    }
    Ok(())
}

fn unknown(name: &str) -> VaultError {
    VaultError::not_found(format!(
        "no key rotation named {name:?}: see `keyward rotation list`"
    ))
}

impl WriteTx<'_> {
    /// Records a new rotation, due at once (its first run creates the first key).
    /// Returns it and, when the receiving secret's variable name is reserved by
    /// Supabase, a warning to show.
    pub fn add_key_rotation(&mut self, n: NewKeyRotation) -> Result<(KeyRotation, Option<String>)> {
        check_new(&n.name, &n.project_ref, n.every_days, n.at_minute)?;
        check_grace(n.grace, n.every_days)?;
        crate::vault::limits::secret_name(&n.into_name)?;
        if self
            .tx
            .open_table(KEY_ROTATIONS)?
            .get(n.name.as_str())?
            .is_some()
            || self.signing_rotation_exists(&n.name)?
        {
            return Err(VaultError::conflict(format!(
                "a key rotation named {:?} already exists: pick another name, or `keyward rotation rm {}` first",
                n.name, n.name
            )));
        }
        let id = self.receiving_secret(&n.into_project, &n.into_name)?;
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
            template: None,
            created: self.now,
            state: KeyRotationState {
                next_due: self.now,
                ..KeyRotationState::default()
            },
        };
        self.save_key_rotation(&r)?;
        let detail = format!(
            "{} key of {} {} into {}/{}{}",
            r.key_type.as_str(),
            r.project_ref,
            format_schedule(r.every_days, r.at_minute),
            r.into.project,
            r.into.name,
            manual_suffix(r.auto)
        );
        self.audit("key-rotation-add", &r.name, Outcome::Ok, &detail)?;
        Ok((r, warning))
    }

    /// The id of the secret a new rotation is to write its keys into (None until it
    /// exists): its project must exist, it must not be in the trash, and no other
    /// rotation may write into it.
    fn receiving_secret(&self, project: &str, name: &str) -> Result<Option<SecretId>> {
        self.project_id(project)?;
        let id = match self.secret(project, name) {
            Ok(m) if m.is_trashed() => {
                return Err(crate::vault::secrets::versions::in_trash(project, name));
            }
            Ok(m) => Some(m.id),
            Err(VaultError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let taken = self.key_rotations_tx()?.into_iter().find(|r| {
            r.into.project == project && r.into.name == name || (id.is_some() && r.into.id == id)
        });
        if let Some(other) = taken {
            return Err(VaultError::conflict(format!(
                "{project}/{name} already receives the keys of the rotation {:?}: choose another secret",
                other.name
            )));
        }
        Ok(id)
    }

    pub fn key_rotation(&self, name: &str) -> Result<KeyRotation> {
        self.stored_rotation(name)
    }

    pub(crate) fn key_rotations_tx(&self) -> Result<Vec<KeyRotation>> {
        self.stored_rotations()
    }

    /// Stores the rotation as given (the driver's state transitions).
    pub fn save_key_rotation(&mut self, r: &KeyRotation) -> Result<()> {
        self.store_rotation(r)
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
        check_schedule(every_days, at_minute)?;
        check_grace(grace, every_days)?;
        let mut r = self.key_rotation(name)?;
        r.reschedule(every_days, at_minute, auto);
        r.grace = grace;
        self.save_key_rotation(&r)?;
        let detail = format!(
            "{}{}",
            format_schedule(every_days, at_minute),
            manual_suffix(auto)
        );
        self.audit("key-rotation-edit", name, Outcome::Ok, &detail)?;
        Ok(r)
    }

    /// Sets (or clears) the JWT template new secret keys of the rotation get.
    pub fn set_key_rotation_template(
        &mut self,
        name: &str,
        template: Option<JwtTemplate>,
    ) -> Result<KeyRotation> {
        let mut r = self.key_rotation(name)?;
        if template.is_some() && r.key_type != KeyKind::Secret {
            return Err(VaultError::invalid(format!(
                "a template gives a secret key its privileges: the rotation {name:?} rotates {} keys, which carry none; drop --template",
                r.key_type.as_str()
            )));
        }
        if template.as_ref().is_some_and(|t| t.is_empty()) {
            return Err(VaultError::invalid(
                "an empty template gives the key no role: write e.g. '{\"role\":\"service_role\"}'",
            ));
        }
        r.template = template;
        self.save_key_rotation(&r)?;
        let detail = match &r.template {
            Some(t) => format!("template {}", serde_json::Value::Object(t.clone())),
            None => "template from the replaced key".into(),
        };
        self.audit("key-rotation-edit", name, Outcome::Ok, &detail)?;
        Ok(r)
    }

    /// Turns automatic runs on or off.
    pub fn set_key_rotation_auto(&mut self, name: &str, auto: bool) -> Result<KeyRotation> {
        self.set_stored_auto(name, auto)
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
    /// Every key rotation, by name (none in a vault made before key rotations existed).
    pub fn key_rotations(&self) -> Result<Vec<KeyRotation>> {
        self.stored_rotations()
    }

    pub fn key_rotation(&self, name: &str) -> Result<KeyRotation> {
        self.stored_rotation(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            template: None,
            created: 0,
            state: KeyRotationState::default(),
        }
    }

    #[test]
    fn key_names_are_valid_for_supabase_and_recognised_as_ours() {
        let r = sample();
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
