//! What the engine reads to build a batch and writes to record its outcome. An outcome
//! removes an outbox row only if the row is still the operation that was pushed: a
//! change that arrived meanwhile stays queued and is pushed next.

use redb::ReadableTable;
use zeroize::Zeroizing;

use crate::vault::audit::Outcome;
use crate::vault::clock::Millis;
use crate::vault::error::Result;
use crate::vault::secrets::record::SecretId;
use crate::vault::secrets::versions::open_value;
use crate::vault::storage::database::{ReadTx, VALUES, WriteTx};
use crate::vault::sync::outbox::{LEDGER, MAPPINGS, OUTBOX, WAITS, decode_target};
use crate::vault::sync::record::{Mapping, OutboxOp, SyncState, TargetHealth};

impl ReadTx<'_> {
    /// The pending operations of a target.
    pub fn outbox(&self, target: &str) -> Result<Vec<(String, OutboxOp)>> {
        decode_target(
            &self.vault.meta_key,
            &self.tx.open_table(OUTBOX)?,
            "outbox",
            target,
        )
    }

    /// The text a variable carries at a version; None when that version is gone (the
    /// secret was purged: its delete is queued separately).
    pub fn variable_value(
        &self,
        secret: SecretId,
        version: u32,
        field: Option<&str>,
    ) -> Result<Option<Zeroizing<String>>> {
        let values = self.tx.open_table(VALUES)?;
        if values.get((secret.0, version))?.is_none() {
            return Ok(None);
        }
        let v = open_value(&self.vault.key, &values, secret, version)?;
        let text = match field {
            Some(f) => v.field(f).map(str::to_string),
            None => v.as_simple().map(str::to_string),
        };
        Ok(text.map(Zeroizing::new))
    }

    /// Targets with work due at `now` (failed work waits for its retry time; an
    /// unhealthy target waits for the user), and the earliest time something else
    /// becomes due. Key scans only: called after every batch.
    pub fn due_work(&self, now: Millis) -> Result<(Vec<String>, Option<Millis>)> {
        let outbox = self.tx.open_table(OUTBOX)?;
        let waits = self.tx.open_table(WAITS)?;
        let sick = self.tx.open_table(crate::vault::sync::targets::UNHEALTHY)?;
        let mut due = Vec::new();
        let mut next: Option<Millis> = None;
        for row in self
            .tx
            .open_table(crate::vault::sync::targets::TARGETS)?
            .iter()?
        {
            let (k, _) = row?;
            let r = k.value();
            if sick.get(r)?.is_some() {
                continue;
            }
            let mut waiting = 0usize;
            for row in waits.range((r, "")..)? {
                let (k, v) = row?;
                if k.value().0 != r {
                    break;
                }
                let at = v.value();
                if at > now && outbox.get(k.value())?.is_some() {
                    waiting += 1;
                    next = Some(next.map_or(at, |n| n.min(at)));
                }
            }
            // Count outbox rows only as far as needed to know some are not waiting.
            let mut rows = 0usize;
            for row in outbox.range((r, "")..)? {
                if row?.0.value().0 != r || rows > waiting {
                    break;
                }
                rows += 1;
            }
            if rows > waiting {
                due.push(r.to_string());
            }
        }
        Ok((due, next))
    }

    /// Whether any outbox row is open (not waiting for a retry, not on an unhealthy
    /// target): stops at the first, so a settled or busy outbox answers at once and
    /// only failed rows are ever walked past. Waiting for the engine asks this at every
    /// event.
    pub fn open_work(&self) -> Result<bool> {
        let outbox = self.tx.open_table(OUTBOX)?;
        let waits = self.tx.open_table(WAITS)?;
        let sick = self.tx.open_table(crate::vault::sync::targets::UNHEALTHY)?;
        let mut last_sick: Option<(String, bool)> = None;
        for row in outbox.iter()? {
            let (k, _) = row?;
            let (t, v) = k.value();
            let is_sick = match &last_sick {
                Some((name, s)) if name == t => *s,
                _ => {
                    let s = sick.get(t)?.is_some();
                    last_sick = Some((t.to_string(), s));
                    s
                }
            };
            if !is_sick && waits.get((t, v))?.is_none() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Outbox rows left, and how many of them are failed (waiting for a retry, or on
    /// an unhealthy target).
    pub fn outbox_totals(&self) -> Result<(usize, usize)> {
        let outbox = self.tx.open_table(OUTBOX)?;
        let waits = self.tx.open_table(WAITS)?;
        let sick = self.tx.open_table(crate::vault::sync::targets::UNHEALTHY)?;
        let mut total = 0;
        let mut failed = 0;
        for row in outbox.iter()? {
            let (k, _) = row?;
            total += 1;
            let (t, v) = k.value();
            if sick.get(t)?.is_some() || waits.get((t, v))?.is_some() {
                failed += 1;
            }
        }
        Ok((total, failed))
    }
}

impl WriteTx<'_> {
    fn op_at(&self, target: &str, var: &str) -> Result<Option<OutboxOp>> {
        let t = self.tx.open_table(OUTBOX)?;
        let g = t.get((target, var))?;
        g.map(|g| {
            crate::vault::storage::tagged::decode(
                &self.vault.meta_key,
                "outbox",
                &[target, var],
                g.value(),
            )
        })
        .transpose()
    }

    /// Records variables now on Supabase with the value of `op` (pushed, or found
    /// there already). They become keyward's.
    pub fn record_pushed(&mut self, target: &str, items: &[(String, OutboxOp)]) -> Result<()> {
        // A branch forgotten while its batch was in flight (gone, or scheduled for
        // deletion): nothing is recorded, and nothing is queued to take it back.
        if self.target_opt(target)?.is_none() {
            return Ok(());
        }
        let mut pushed = Vec::new();
        for (var, op) in items {
            let OutboxOp::Upsert { version, .. } = op else {
                continue;
            };
            // The ledger row is written once; confirming it again changes nothing.
            if self
                .tx
                .open_table(LEDGER)?
                .get((target, var.as_str()))?
                .is_none()
            {
                let row =
                    crate::vault::sync::outbox::ledger_row(&self.vault.meta_key, target, var)?;
                self.tx
                    .open_table(LEDGER)?
                    .insert((target, var.as_str()), row.as_slice())?;
            }
            let current = self.op_at(target, var)?;
            let state = self.var_state(target, var)?.map(|s| (var, s));
            match (current, state) {
                (Some(c), Some((_, s)))
                    if c == *op
                        && s.state == SyncState::Synced
                        && s.pushed_version == Some(*version)
                        && s.error.is_none() =>
                {
                    // Confirmed as it was: the check is done, the row needs no rewrite.
                    self.tx.open_table(OUTBOX)?.remove((target, var.as_str()))?;
                    self.touched.sync = true;
                }
                (Some(c), Some((_, mut s))) if c == *op => {
                    self.tx.open_table(OUTBOX)?.remove((target, var.as_str()))?;
                    self.touched.sync = true;
                    s.state = SyncState::Synced;
                    s.pushed_version = Some(*version);
                    s.synced_at = Some(self.now);
                    s.error = None;
                    s.refused = false;
                    s.attempts = 0;
                    s.next_retry = None;
                    self.put_var(target, var, &s)?;
                }
                (Some(_), Some((_, mut s))) => {
                    // Newer work is queued; remember what is there now.
                    s.pushed_version = Some(*version);
                    s.synced_at = Some(self.now);
                    self.put_var(target, var, &s)?;
                }
                (None, None) => {
                    // Unmapped (or its target removed) while in flight: take it back.
                    self.put_op(target, var, &OutboxOp::Delete)?;
                }
                _ => {}
            }
            pushed.push(var.as_str());
        }
        if !pushed.is_empty() {
            self.audit("sync_push", target, Outcome::Ok, &pushed.join(", "))?;
        }
        Ok(())
    }

    /// Marks names keyward is about to create as its own, durably, before the request:
    /// a crash after Supabase applied it must not leave a variable nobody owns.
    pub fn claim_names(&mut self, target: &str, names: &[String]) -> Result<()> {
        // A branch forgotten meanwhile: refused, so nothing is created there.
        self.target_record(target)?;
        let mut ledger = self.tx.open_table(LEDGER)?;
        for n in names {
            let row = crate::vault::sync::outbox::ledger_row(&self.vault.meta_key, target, n)?;
            ledger.insert((target, n.as_str()), row.as_slice())?;
        }
        Ok(())
    }

    /// Records names deleted (or found absent) on Supabase.
    pub fn record_deleted(&mut self, target: &str, names: &[String], audit: bool) -> Result<()> {
        for var in names {
            if self.op_at(target, var)? == Some(OutboxOp::Delete) {
                self.tx.open_table(OUTBOX)?.remove((target, var.as_str()))?;
                self.drop_var(target, var)?;
                self.tx.open_table(LEDGER)?.remove((target, var.as_str()))?;
            }
        }
        if audit && !names.is_empty() {
            self.audit("sync_delete", target, Outcome::Ok, &names.join(", "))?;
        }
        self.finish_removal(target)?;
        Ok(())
    }

    /// Marks variables failed with `error`; `retry_at(attempts)` says when to try again.
    /// `batch_error`: the error of a failure of the whole batch (the request failed);
    /// an item failed with another error was refused by Supabase itself.
    pub fn record_failed(
        &mut self,
        target: &str,
        items: &[(String, String)],
        batch_error: Option<&str>,
        retry_at: &dyn Fn(u32) -> Millis,
    ) -> Result<()> {
        for (var, error) in items {
            let Some(mut s) = self.var_state(target, var)? else {
                continue;
            };
            s.attempts = s.attempts.saturating_add(1);
            s.refused = batch_error != Some(error.as_str());
            s.error = Some(error.clone());
            s.next_retry = Some(retry_at(s.attempts));
            if s.state != SyncState::Removing {
                s.state = SyncState::Failed;
            }
            self.put_var(target, var, &s)?;
        }
        if !items.is_empty() {
            let names: Vec<&str> = items.iter().map(|(n, _)| n.as_str()).collect();
            self.audit(
                "sync_push",
                target,
                Outcome::Failed,
                &format!("{}: {}", names.join(", "), items[0].1),
            )?;
        }
        Ok(())
    }

    /// Keeps a rename's old variable live while its new names are not on Supabase: it
    /// stays (synced, its value unchanged) and its delete waits as long as the latest of
    /// them (`fallback` when none waits), so both are worked together again.
    pub fn hold_deletion(
        &mut self,
        target: &str,
        old: &str,
        new: &[String],
        fallback: Millis,
    ) -> Result<()> {
        let Some(mut s) = self.var_state(target, old)? else {
            return Ok(());
        };
        let mut until = None;
        for n in new {
            if let Some(at) = self.var_state(target, n)?.and_then(|v| v.next_retry) {
                until = Some(until.map_or(at, |u: Millis| u.max(at)));
            }
        }
        s.state = if s.pushed_version.is_some() {
            SyncState::Synced
        } else {
            SyncState::Removing
        };
        s.error = None;
        s.next_retry = Some(until.unwrap_or(fallback));
        self.put_var(target, old, &s)
    }

    /// A batch's effect on the target's health. Returns the new health.
    pub fn record_target_result(
        &mut self,
        target: &str,
        error: Option<&str>,
        unhealthy_after: u32,
    ) -> Result<Option<TargetHealth>> {
        let Some(mut t) = self.target_opt(target)? else {
            return Ok(None);
        };
        match error {
            None => {
                t.health = TargetHealth {
                    last_sync: Some(self.now),
                    ..TargetHealth::default()
                }
            }
            Some(e) => {
                t.health.consecutive_failures = t.health.consecutive_failures.saturating_add(1);
                t.health.last_error = Some(e.to_string());
                if t.health.consecutive_failures >= unhealthy_after && !t.health.unhealthy {
                    t.health.unhealthy = true;
                    self.audit("target-unhealthy", target, Outcome::Failed, e)?;
                }
            }
        }
        self.put_target(&t)?;
        Ok(Some(t.health))
    }

    /// Marks names as edited out of band (seen in a listing).
    pub fn mark_drifted(&mut self, target: &str, names: &[String]) -> Result<()> {
        for var in names {
            if let Some(mut s) = self.var_state(target, var)?
                && s.state == SyncState::Synced
            {
                s.state = SyncState::Drifted;
                self.put_var(target, var, &s)?;
            }
        }
        Ok(())
    }

    /// Queues every mapped variable of one target or all (a full reconciliation: the
    /// engine's digest check skips what is already there). `listed` holds the targets
    /// just listed: their variables already synced with the same value there are not
    /// queued at all.
    pub fn enqueue_all(
        &mut self,
        target: Option<&str>,
        listed: &std::collections::HashMap<String, crate::vault::sync::outbox::RemoteDigests>,
    ) -> Result<usize> {
        let pairs: Vec<(SecretId, String, Mapping)> = {
            let t = self.tx.open_table(MAPPINGS)?;
            let mut out = Vec::new();
            for row in t.iter()? {
                let (k, v) = row?;
                let (id, tr) = k.value();
                if target.is_none_or(|t| t == tr) {
                    out.push((
                        SecretId(id),
                        tr.to_string(),
                        crate::vault::storage::tagged::decode(
                            &self.vault.meta_key,
                            "mappings",
                            &[&id.to_string(), tr],
                            v.value(),
                        )?,
                    ));
                }
            }
            out
        };
        // Grouped by target (the table is keyed by secret first), so each target's
        // states are read once.
        let mut by_target: std::collections::BTreeMap<&str, Vec<(SecretId, Option<&Mapping>)>> =
            Default::default();
        for (id, tr, m) in &pairs {
            by_target.entry(tr).or_default().push((*id, Some(m)));
        }
        for (tr, list) in by_target {
            self.resync_many(tr, &list, listed.get(tr))?;
        }
        Ok(pairs.len())
    }

    /// "Retry now": clears health and retry waits of one target or all.
    pub fn retry_now(&mut self, target: Option<&str>) -> Result<Vec<String>> {
        let refs: Vec<String> = match target {
            Some(t) => vec![self.target_record(t)?.project_ref],
            None => {
                let t = self.tx.open_table(crate::vault::sync::targets::TARGETS)?;
                let mut out = Vec::new();
                for row in t.iter()? {
                    out.push(row?.0.value().to_string());
                }
                out
            }
        };
        for r in &refs {
            self.reset_target_health(r)?;
        }
        Ok(refs)
    }
}
