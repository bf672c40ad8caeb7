//! What a batch starts from: one read of the target's outbox, variables and values.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::engine::plan::{Desired, TargetState};
use crate::supabase::api::secret_digest;
use crate::vault::names;
use crate::vault::{Connection, Millis, OutboxOp, SyncState, Target, Vault, VaultError};

/// Everything a batch needs, read from one snapshot.
pub(crate) struct Snapshot {
    pub target: Target,
    pub conn: Connection,
    /// Due operations.
    pub ops: Vec<(String, OutboxOp)>,
    pub values: BTreeMap<String, Zeroizing<String>>,
    pub state: TargetState,
    /// Refused before sending (bad name or value): (var, reason).
    pub invalid: Vec<(String, String)>,
    /// A rename's old names whose new names are not due now (waiting for a retry):
    /// kept live, and waiting with them.
    pub held: Vec<(String, Vec<String>)>,
}

pub(crate) fn snapshot(vault: &Vault, target: &str, now: Millis) -> Result<Snapshot, VaultError> {
    let r = vault.read()?;
    let t = r.target(target)?;
    let conn = r.connection(&t.connection)?;
    let vars = r.var_rows(target)?;
    let mut snap = Snapshot {
        state: TargetState {
            owned: r.owned_names(target)?,
            ..TargetState::default()
        },
        target: t,
        conn,
        ops: Vec::new(),
        values: BTreeMap::new(),
        invalid: Vec::new(),
        held: Vec::new(),
    };
    let due = |s: &crate::vault::VarState| s.next_retry.is_none_or(|at| at <= now);
    for (var, op) in r.outbox(target)? {
        let st = vars.iter().find(|(n, _)| *n == var).map(|(_, s)| s);
        if st.is_some_and(|s| !due(s)) {
            continue;
        }
        match &op {
            OutboxOp::Delete => {
                if !deletion(&mut snap, &vars, &var, st, due) {
                    continue;
                }
            }
            OutboxOp::Upsert {
                secret,
                field,
                version,
            } => {
                let Some(value) = r.variable_value(*secret, *version, field.as_deref())? else {
                    snap.invalid
                        .push((var.clone(), "the value is gone from the vault".into()));
                    continue;
                };
                if let Err(e) =
                    names::check_env_name(&var).and_then(|()| names::check_value(&var, &value))
                {
                    snap.invalid.push((var.clone(), e.to_string()));
                    continue;
                }
                snap.state.desired.push(Desired {
                    name: var.clone(),
                    digest: secret_digest(&value),
                    version: u64::from(*version),
                });
                snap.values.insert(var.clone(), value);
                if let Some(pv) = st.and_then(|s| s.pushed_version)
                    && let Some(old) = r.variable_value(*secret, pv, field.as_deref())?
                {
                    snap.state.pushed.insert(var.clone(), secret_digest(&old));
                }
            }
        }
        snap.ops.push((var, op));
    }
    Ok(snap)
}

/// A deletion due now, noted in `snap`; false when it is held instead (a rename whose
/// new names are waiting for a retry).
fn deletion(
    snap: &mut Snapshot,
    vars: &[(String, crate::vault::VarState)],
    var: &str,
    st: Option<&crate::vault::VarState>,
    due: impl Fn(&crate::vault::VarState) -> bool,
) -> bool {
    // A rename: the secret's new names on this target not yet there. The old
    // name may go only once they are.
    let new: Vec<&(String, crate::vault::VarState)> = match st {
        Some(s) => vars
            .iter()
            .filter(|(n, v)| {
                n.as_str() != var
                    && v.secret == s.secret
                    && matches!(v.state, SyncState::Pending | SyncState::Failed)
            })
            .collect(),
        _ => Vec::new(),
    };
    let names: Vec<String> = new.iter().map(|(n, _)| n.clone()).collect();
    if new.iter().any(|(_, v)| !due(v)) {
        snap.held.push((var.to_owned(), names));
        return false;
    }
    if !names.is_empty() {
        snap.state.replacing.insert(var.to_owned(), names);
    }
    snap.state.deletions.push(var.to_owned());
    true
}
