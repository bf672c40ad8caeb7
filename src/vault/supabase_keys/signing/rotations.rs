//! JWT signing key rotations as the vault stores them (`signing_rotations`), beside the
//! API key rotations and sharing their names: one `keyward rotation run NAME` reaches
//! either. The engine's driver (`engine::signing`) writes each step here before the next
//! call to Supabase, so a kill is recovered at the next start.

use redb::{ReadableTable, TableDefinition};

use crate::vault::audit::Outcome;
use crate::vault::clock::Millis;
use crate::vault::error::{Result, VaultError};
use crate::vault::storage::database::{ReadTx, WriteTx};
use crate::vault::supabase_keys::schedule::{
    check_new, check_schedule, format_schedule, manual_suffix,
};
use crate::vault::supabase_keys::signing::record::*;
use crate::vault::supabase_keys::stored::{Stored, stored_rotation};

/// rotation name -> SigningRotation (JSON, tagged like every rotation row: an edited
/// row could point the driver at keys of another project; see `stored`).
pub(crate) const SIGNING_ROTATIONS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("signing_rotations");

stored_rotation!(
    SigningRotation,
    idle: SigningPhase::Idle,
    table: SIGNING_ROTATIONS,
    table_name: "signing_rotations",
    edit: "signing-rotation-edit",
    unknown: unknown,
);

/// A previous key verifies for the grace: shorter than a JWT's life breaks sessions.
fn check_signing_grace(grace: Millis) -> Result<()> {
    if grace < 60_000 {
        return Err(VaultError::invalid(
            "the grace must be at least a minute, and longer than any JWT the project issues lives (default 24h)",
        ));
    }
    Ok(())
}

fn unknown(name: &str) -> VaultError {
    VaultError::not_found(format!(
        "no signing key rotation named {name:?}: see `keyward rotation list`"
    ))
}

impl WriteTx<'_> {
    pub fn signing_rotation_exists(&self, name: &str) -> Result<bool> {
        Ok(self.tx.open_table(SIGNING_ROTATIONS)?.get(name)?.is_some())
    }

    /// Records a new signing key rotation, due at once (its first run sets the project
    /// up: imports the legacy JWT secret where it is still in use, then rotates).
    pub fn add_signing_rotation(&mut self, n: NewSigningRotation) -> Result<SigningRotation> {
        check_new(&n.name, &n.project_ref, n.every_days, n.at_minute)?;
        let grace = n.grace.unwrap_or(DEFAULT_SIGNING_GRACE);
        check_signing_grace(grace)?;
        let taken = self.signing_rotation_exists(&n.name)?
            || self.key_rotation(&n.name).is_ok()
            || self
                .signing_rotations_tx()?
                .iter()
                .any(|r| r.project_ref == n.project_ref);
        if taken {
            return Err(VaultError::conflict(format!(
                "a rotation named {:?}, or a signing key rotation of {}, already exists: one rotation per project's signing keys; see `keyward rotation list`",
                n.name, n.project_ref
            )));
        }
        let r = SigningRotation {
            name: n.name,
            project_ref: n.project_ref,
            connection: n.connection,
            algorithm: n.algorithm,
            every_days: n.every_days,
            at_minute: n.at_minute,
            auto: n.auto,
            grace,
            created: self.now,
            state: SigningState {
                next_due: self.now,
                ..SigningState::default()
            },
        };
        self.save_signing_rotation(&r)?;
        let detail = format!(
            "{} signing keys of {} {}, grace {}{}",
            r.algorithm.as_str(),
            r.project_ref,
            format_schedule(r.every_days, r.at_minute),
            crate::vault::clock::format_duration(r.grace),
            manual_suffix(r.auto)
        );
        self.audit("signing-rotation-add", &r.name, Outcome::Ok, &detail)?;
        Ok(r)
    }

    pub fn signing_rotation(&self, name: &str) -> Result<SigningRotation> {
        self.stored_rotation(name)
    }

    fn signing_rotations_tx(&self) -> Result<Vec<SigningRotation>> {
        self.stored_rotations()
    }

    /// Stores the rotation as given (the driver's state transitions).
    pub fn save_signing_rotation(&mut self, r: &SigningRotation) -> Result<()> {
        self.store_rotation(r)
    }

    /// Changes the schedule (interval, time of day, auto, grace; None keeps the grace),
    /// as `edit_key_rotation` does for API keys: the next due time follows the last
    /// success. Target and algorithm are fixed.
    pub fn edit_signing_rotation(
        &mut self,
        name: &str,
        every_days: u32,
        at_minute: u32,
        auto: bool,
        grace: Option<Millis>,
    ) -> Result<SigningRotation> {
        check_schedule(every_days, at_minute)?;
        let mut r = self.signing_rotation(name)?;
        if let Some(g) = grace {
            check_signing_grace(g)?;
            r.grace = g;
        }
        r.reschedule(every_days, at_minute, auto);
        self.save_signing_rotation(&r)?;
        let detail = format!(
            "{}, grace {}{}",
            format_schedule(every_days, at_minute),
            crate::vault::clock::format_duration(r.grace),
            manual_suffix(auto)
        );
        self.audit("signing-rotation-edit", name, Outcome::Ok, &detail)?;
        Ok(r)
    }

    /// Turns automatic runs on or off.
    pub fn set_signing_rotation_auto(&mut self, name: &str, auto: bool) -> Result<SigningRotation> {
        self.set_stored_auto(name, auto)
    }

    /// Forgets the rotation; its keys stay on Supabase (the one in use keeps signing).
    pub fn remove_signing_rotation(&mut self, name: &str) -> Result<()> {
        self.signing_rotation(name)?;
        self.tx.open_table(SIGNING_ROTATIONS)?.remove(name)?;
        self.audit(
            "signing-rotation-rm",
            name,
            Outcome::Ok,
            "forgotten; the project's signing keys stay as they are",
        )
    }
}

impl ReadTx<'_> {
    /// Every signing key rotation, by name (none in a vault made before they existed).
    pub fn signing_rotations(&self) -> Result<Vec<SigningRotation>> {
        self.stored_rotations()
    }

    pub fn signing_rotation(&self, name: &str) -> Result<SigningRotation> {
        self.stored_rotation(name)
    }
}
