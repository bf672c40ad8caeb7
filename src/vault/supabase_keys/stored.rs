//! The storage both rotation kinds share: a table of their own (name -> JSON carrying the
//! sync rows' tag, bound to the table and the name, so that someone with the file but
//! not the key cannot re-point a rotation at another project or at keys it never made),
//! read, listed and saved the same way, and the same edits of their schedule.

use redb::{ReadableTable, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::storage::database::{ReadTx, Vault, WriteTx};
use crate::vault::storage::tagged;
use crate::vault::supabase_keys::schedule::{ScheduleMut, Scheduled, next_due_after};

/// A rotation record as stored.
pub(in crate::vault) trait Stored:
    Scheduled + Serialize + DeserializeOwned
{
    const TABLE: TableDefinition<'static, &'static str, &'static [u8]>;
    /// The table's name, which the tag is bound to.
    const TABLE_NAME: &'static str;
    /// The audit action of a schedule edit.
    const EDIT: &'static str;
    fn unknown(name: &str) -> VaultError;
    fn schedule_mut(&mut self) -> ScheduleMut<'_>;

    /// Sets the schedule; the next due time follows the last success (a rotation that
    /// never ran stays due at once).
    fn reschedule(&mut self, every_days: u32, at_minute: u32, auto: bool) {
        let last = self.last_success();
        let s = self.schedule_mut();
        *s.every_days = every_days;
        *s.at_minute = at_minute;
        *s.auto = auto;
        if let Some(t) = last {
            *s.next_due = next_due_after(t, every_days, at_minute);
        }
    }
}

/// Implements [`Scheduled`] and [`Stored`] for a rotation record: both kinds keep their
/// schedule in `every_days`, `at_minute`, `auto` and the loop's fields in `state`, and
/// differ only in their table, their audit word, their "unknown" error and the phase
/// that means idle.
macro_rules! stored_rotation {
    (
        $ty:ty,
        idle: $idle:pat,
        table: $table:expr,
        table_name: $table_name:literal,
        edit: $edit:literal,
        unknown: $unknown:path $(,)?
    ) => {
        impl $crate::vault::supabase_keys::schedule::Scheduled for $ty {
            fn name(&self) -> &str {
                &self.name
            }
            fn auto(&self) -> bool {
                self.auto
            }
            fn next_due(&self) -> $crate::vault::clock::Millis {
                self.state.next_due
            }
            fn retry_at(&self) -> Option<$crate::vault::clock::Millis> {
                self.state.retry_at
            }
            fn last_success(&self) -> Option<$crate::vault::clock::Millis> {
                self.state.last_success
            }
            fn idle(&self) -> bool {
                matches!(self.state.phase, $idle)
            }
        }

        impl $crate::vault::supabase_keys::stored::Stored for $ty {
            const TABLE: redb::TableDefinition<'static, &'static str, &'static [u8]> = $table;
            const TABLE_NAME: &'static str = $table_name;
            const EDIT: &'static str = $edit;
            fn unknown(name: &str) -> $crate::vault::error::VaultError {
                $unknown(name)
            }
            fn schedule_mut(&mut self) -> $crate::vault::supabase_keys::schedule::ScheduleMut<'_> {
                $crate::vault::supabase_keys::schedule::ScheduleMut {
                    every_days: &mut self.every_days,
                    at_minute: &mut self.at_minute,
                    auto: &mut self.auto,
                    next_due: &mut self.state.next_due,
                }
            }
        }
    };
}
pub(in crate::vault) use stored_rotation;

fn decode<T: Stored>(vault: &Vault, name: &str, b: &[u8]) -> Result<T> {
    tagged::decode(&vault.meta_key, T::TABLE_NAME, &[name], b)
}

impl WriteTx<'_> {
    pub(in crate::vault) fn stored_rotation<T: Stored>(&self, name: &str) -> Result<T> {
        let t = self.tx.open_table(T::TABLE)?;
        let g = t.get(name)?.ok_or_else(|| T::unknown(name))?;
        decode(self.vault, name, g.value())
    }

    pub(in crate::vault) fn stored_rotations<T: Stored>(&self) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for row in self.tx.open_table(T::TABLE)?.iter()? {
            let (k, v) = row?;
            out.push(decode(self.vault, k.value(), v.value())?);
        }
        Ok(out)
    }

    /// Stores the rotation as given (the driver's state transitions).
    pub(in crate::vault) fn store_rotation<T: Stored>(&mut self, r: &T) -> Result<()> {
        let name = r.name();
        let row = tagged::encode(&self.vault.meta_key, T::TABLE_NAME, &[name], r)?;
        self.tx.open_table(T::TABLE)?.insert(name, row.as_slice())?;
        Ok(())
    }

    /// Turns automatic runs on or off.
    pub(in crate::vault) fn set_stored_auto<T: Stored>(
        &mut self,
        name: &str,
        auto: bool,
    ) -> Result<T> {
        let mut r: T = self.stored_rotation(name)?;
        *r.schedule_mut().auto = auto;
        self.store_rotation(&r)?;
        let detail = if auto { "auto on" } else { "auto off" };
        self.audit(T::EDIT, name, Outcome::Ok, detail)?;
        Ok(r)
    }
}

impl ReadTx<'_> {
    /// None for a vault made before the kind existed (the table appears with the first
    /// write that needs it).
    fn stored_table<T: Stored>(
        &self,
    ) -> Result<Option<redb::ReadOnlyTable<&'static str, &'static [u8]>>> {
        match self.tx.open_table(T::TABLE) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every rotation of the kind, by name.
    pub(in crate::vault) fn stored_rotations<T: Stored>(&self) -> Result<Vec<T>> {
        let mut out = Vec::new();
        if let Some(t) = self.stored_table::<T>()? {
            for row in t.iter()? {
                let (k, v) = row?;
                out.push(decode(self.vault, k.value(), v.value())?);
            }
        }
        Ok(out)
    }

    pub(in crate::vault) fn stored_rotation<T: Stored>(&self, name: &str) -> Result<T> {
        let t = self.stored_table::<T>()?.ok_or_else(|| T::unknown(name))?;
        let g = t.get(name)?.ok_or_else(|| T::unknown(name))?;
        decode(self.vault, name, g.value())
    }
}
