//! One target's variable states as a resync reads them, and the index that lets a
//! change to one secret read only its own.
//!
//! A secret changed in a vault with 200 targets of 50 variables each used to decode
//! and MAC-check all 10,000 state rows (about 80 ms here) to find the few that are its
//! own. `VARS_BY_SECRET` names them: (secret, target, variable). It is a hint, never
//! trusted alone: each state it leads to is read and MAC-checked like any other, and
//! counts only if it names the secret; entries left behind when a variable moved to
//! another secret or went away are dropped where they are met. Vaults made before it
//! get it built once at open (`housekeeping`).

use std::collections::HashMap;

use redb::{ReadableTable, TableDefinition};

use crate::vault::error::Result;
use crate::vault::secrets::record::SecretId;
use crate::vault::storage::database::WriteTx;
use crate::vault::sync::outbox::VARS;
use crate::vault::sync::record::VarState;

/// (secret id, target ref, variable) -> () : which variables each secret's states name.
pub(crate) const VARS_BY_SECRET: TableDefinition<(u64, &str, &str), ()> =
    TableDefinition::new("sync_vars_by_secret");

/// A target's states, read whole (`load`: many secrets of one target at once) or one
/// at a time as asked (`lazy`: one secret's change), kept current as a resync writes.
pub(crate) struct TargetStates {
    /// Read so far; None = no row. When `whole`, a name absent here has no row either.
    by_var: HashMap<String, Option<VarState>>,
    /// The variables of each secret met so far (every secret's, when `whole`).
    by_secret: HashMap<SecretId, Vec<String>>,
    whole: bool,
}

impl TargetStates {
    pub(crate) fn load(tx: &WriteTx<'_>, target: &str) -> Result<TargetStates> {
        let mut t = TargetStates::lazy();
        t.whole = true;
        for (var, s) in tx.var_states(target)? {
            t.put(&var, s);
        }
        Ok(t)
    }

    pub(crate) fn lazy() -> TargetStates {
        TargetStates {
            by_var: HashMap::new(),
            by_secret: HashMap::new(),
            whole: false,
        }
    }

    /// The state of `var` in `target`, read once.
    pub(crate) fn get(
        &mut self,
        tx: &WriteTx<'_>,
        target: &str,
        var: &str,
    ) -> Result<Option<&VarState>> {
        if !self.by_var.contains_key(var) {
            let s = if self.whole {
                None
            } else {
                tx.var_state(target, var)?
            };
            self.by_var.insert(var.to_string(), s);
        }
        Ok(self.by_var.get(var).and_then(Option::as_ref))
    }

    /// The variables whose states name `id` in `target`.
    pub(crate) fn own(
        &mut self,
        tx: &mut WriteTx<'_>,
        target: &str,
        id: SecretId,
    ) -> Result<Vec<String>> {
        if !self.whole && !self.by_secret.contains_key(&id) {
            let listed: Vec<String> = {
                let t = tx.tx.open_table(VARS_BY_SECRET)?;
                let mut out = Vec::new();
                for row in t.range((id.0, target, "")..)? {
                    let (k, _) = row?;
                    let (sid, tr, var) = k.value();
                    if sid != id.0 || tr != target {
                        break;
                    }
                    out.push(var.to_string());
                }
                out
            };
            let mut own = Vec::new();
            for var in listed {
                if self.get(tx, target, &var)?.is_some_and(|s| s.secret == id) {
                    own.push(var);
                } else {
                    tx.unindex_var(id, target, &var)?;
                }
            }
            self.by_secret.insert(id, own);
        }
        Ok(self.by_secret.get(&id).cloned().unwrap_or_default())
    }

    pub(crate) fn put(&mut self, var: &str, s: VarState) {
        if let Some(Some(old)) = self.by_var.get(var)
            && old.secret != s.secret
            && let Some(prev) = self.by_secret.get_mut(&old.secret)
        {
            prev.retain(|v| v != var);
        }
        // A secret whose own variables were not looked up yet keeps none listed: `own`
        // reads them all (this one included) when first asked.
        if self.whole || self.by_secret.contains_key(&s.secret) {
            let own = self.by_secret.entry(s.secret).or_default();
            if !own.iter().any(|v| v == var) {
                own.push(var.to_string());
            }
        }
        self.by_var.insert(var.to_string(), Some(s));
    }
}

impl WriteTx<'_> {
    /// Notes that `var` of `target` belongs to `secret` (see the module comment).
    pub(crate) fn index_var(&mut self, secret: SecretId, target: &str, var: &str) -> Result<()> {
        self.tx
            .open_table(VARS_BY_SECRET)?
            .insert((secret.0, target, var), ())?;
        Ok(())
    }

    pub(crate) fn unindex_var(&mut self, secret: SecretId, target: &str, var: &str) -> Result<()> {
        self.tx
            .open_table(VARS_BY_SECRET)?
            .remove((secret.0, target, var))?;
        Ok(())
    }

    /// Builds the index for a vault made before it; a no-op once the table exists.
    pub(crate) fn build_var_index(&mut self) -> Result<()> {
        let rows: Vec<(String, String)> = {
            let vars = self.tx.open_table(VARS)?;
            let mut out = Vec::new();
            for row in vars.iter()? {
                let (k, _) = row?;
                let (t, v) = k.value();
                out.push((t.to_string(), v.to_string()));
            }
            out
        };
        for (target, var) in rows {
            if let Some(s) = self.var_state(&target, &var)? {
                self.index_var(s.secret, &target, &var)?;
            }
        }
        Ok(())
    }
}
