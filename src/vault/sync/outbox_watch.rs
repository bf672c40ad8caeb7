//! What a headless command reads to push its own change at once: the outbox before and
//! after the change (which rows it wrote), and whether each of those rows is done.

use std::collections::BTreeMap;

use redb::ReadableTable;

use crate::vault::error::Result;
use crate::vault::storage::database::{ReadTx, WriteTx};
use crate::vault::sync::outbox::{OUTBOX, WAITS};

/// (target ref, variable) -> the row's stored bytes. Bytes, not decoded operations:
/// comparing two snapshots only has to tell which rows a write touched.
pub type OutboxRows = BTreeMap<(String, String), Vec<u8>>;

/// Where one outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Not in the outbox any more: pushed (or found there already).
    Done,
    /// Failed: waiting for its retry time, or on an unhealthy target.
    Failed,
    /// Still to be worked.
    Open,
}

fn rows(t: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>) -> Result<OutboxRows> {
    let mut out = BTreeMap::new();
    for row in t.iter()? {
        let (k, v) = row?;
        let (t, var) = k.value();
        out.insert((t.to_string(), var.to_string()), v.value().to_vec());
    }
    Ok(out)
}

impl WriteTx<'_> {
    /// The outbox rows this transaction wrote or rewrote so far: the variables it touched
    /// that have work queued. What a change's own push must wait for (a rewrite of an
    /// identical row counts: it clears the row's retry wait, e.g. an adopt).
    pub fn queued_rows(&self) -> Result<Vec<(String, String)>> {
        let outbox = self.tx.open_table(OUTBOX)?;
        let mut out = Vec::new();
        for (t, v) in &self.touched.vars {
            if outbox.get((t.as_str(), v.as_str()))?.is_some() {
                out.push((t.clone(), v.clone()));
            }
        }
        Ok(out)
    }
}

impl ReadTx<'_> {
    /// The (target, variable) rows queued for one target.
    pub fn outbox_rows_of(&self, target: &str) -> Result<Vec<(String, String)>> {
        Ok(
            crate::vault::sync::outbox::scan_target(&self.tx.open_table(OUTBOX)?, target)?
                .into_iter()
                .map(|(v, _)| (target.to_string(), v))
                .collect(),
        )
    }

    /// Every outbox row, raw. Key and value copies only: nothing is unsealed.
    pub fn outbox_rows(&self) -> Result<OutboxRows> {
        rows(&self.tx.open_table(OUTBOX)?)
    }

    pub fn outbox_row_state(&self, target: &str, var: &str) -> Result<RowState> {
        if self.tx.open_table(OUTBOX)?.get((target, var))?.is_none() {
            return Ok(RowState::Done);
        }
        let sick = self.tx.open_table(crate::vault::sync::targets::UNHEALTHY)?;
        let waits = self.tx.open_table(WAITS)?;
        if sick.get(target)?.is_some() || waits.get((target, var))?.is_some() {
            return Ok(RowState::Failed);
        }
        Ok(RowState::Open)
    }
}

/// The rows `after` holds that `before` did not, or holds with other bytes.
pub fn touched_rows(before: &OutboxRows, after: &OutboxRows) -> Vec<(String, String)> {
    after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}
