//! The planner: desired state + remote digests + ledger -> one target's batch.
//!
//! Pure, so every rule of what may be written where is tested without I/O. The caller
//! computes digests from opened values at planning time (a plain hash of a value is
//! never stored) and runs the batch through the client.

use std::collections::{BTreeMap, BTreeSet};

use crate::vault::names::{PROJECT_SECRET_CAP, RESERVED_PREFIX};

/// A variable that a mapping says must exist on the target with this value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub name: String,
    /// Lowercase hex SHA-256 of the value, as Supabase's listing reports it.
    pub digest: String,
    pub version: u64,
}

/// One row of Supabase's listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub name: String,
    pub digest: String,
}

/// Everything the planner needs to know about one target.
#[derive(Debug, Default, Clone)]
pub struct TargetState {
    pub desired: Vec<Desired>,
    /// Names the outbox says must go (unmap, trash, rename's old name, target removal).
    pub deletions: Vec<String>,
    pub remote: Vec<Remote>,
    /// The ledger: names keyward created (or was told to adopt) on this target.
    pub owned: BTreeSet<String>,
    /// Digest of what keyward last pushed, per name: tells an out-of-band edit (drift)
    /// from a value that changed in the vault.
    pub pushed: BTreeMap<String, String>,
    /// Deletions that replace nothing until their replacements land: a rename's old
    /// name -> the secret's new names in this batch. The old one goes only after.
    pub replacing: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertKind {
    Create,
    Update,
    /// The value on Supabase is neither ours nor the vault's: edited out of band. The
    /// vault is the source of truth, so it is overwritten, but a plan shows it.
    OverwriteDrift,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upsert {
    pub name: String,
    pub version: u64,
    pub kind: UpsertKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The name exists on Supabase and keyward did not create it: adopt it first.
    NotOwned,
    /// Writing it would take the project past Supabase's cap.
    OverCap { cap: usize, would_be: usize },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub upserts: Vec<Upsert>,
    pub deletes: Vec<String>,
    /// Already on Supabase with the desired digest: synced without a write.
    pub unchanged: Vec<Desired>,
    /// Deletions with nothing to do: absent remotely, or not ours to delete.
    pub forgotten: Vec<String>,
    pub refused: Vec<(String, Refusal)>,
    /// Deletes must go before upserts, or the upserts would overflow the cap.
    pub deletes_first: bool,
    /// Deletions to send only once every one of their replacements is on Supabase
    /// (after the upsert): (old name, new names).
    pub deferred: Vec<(String, Vec<String>)>,
    /// Deletions held because a replacement is refused: the old variable stays live.
    pub held: Vec<(String, Vec<String>)>,
}

impl Plan {
    pub fn is_noop(&self) -> bool {
        self.upserts.is_empty() && self.deletes.is_empty()
    }
}

fn reserved(name: &str) -> bool {
    name.starts_with(RESERVED_PREFIX)
}

pub fn plan(state: &TargetState) -> Plan {
    let remote: BTreeMap<&str, &str> = state
        .remote
        .iter()
        .map(|r| (r.name.as_str(), r.digest.as_str()))
        .collect();
    let desired_names: BTreeSet<&str> = state.desired.iter().map(|d| d.name.as_str()).collect();
    let mut out = Plan::default();

    for d in &state.desired {
        match remote.get(d.name.as_str()) {
            Some(have) if *have == d.digest => out.unchanged.push(d.clone()),
            Some(_) if !state.owned.contains(&d.name) => {
                out.refused.push((d.name.clone(), Refusal::NotOwned))
            }
            Some(have) => {
                let ours = state.pushed.get(&d.name).is_none_or(|p| p == have);
                let kind = if ours {
                    UpsertKind::Update
                } else {
                    UpsertKind::OverwriteDrift
                };
                out.upserts.push(upsert(d, kind));
            }
            None => out.upserts.push(upsert(d, UpsertKind::Create)),
        }
    }

    let mut seen = BTreeSet::new();
    let mut replaced = Vec::new();
    for name in &state.deletions {
        if !seen.insert(name.as_str()) || desired_names.contains(name.as_str()) {
            // Still wanted (e.g. a rename back, or a remap): the upsert side owns it.
            continue;
        }
        let deletable = state.owned.contains(name) && !reserved(name);
        if deletable && remote.contains_key(name.as_str()) {
            match state.replacing.get(name) {
                Some(new) => replaced.push((name.clone(), new.clone())),
                None => out.deletes.push(name.clone()),
            }
        } else {
            out.forgotten.push(name.clone());
        }
    }

    apply_cap(&mut out, &remote, replaced.len());
    // A rename never removes a live value it has not replaced: with a new name refused,
    // the old one stays.
    for (old, new) in replaced {
        let refused = new.iter().any(|n| out.refused.iter().any(|(r, _)| r == n));
        if refused {
            out.held.push((old, new));
        } else {
            out.deferred.push((old, new));
        }
    }
    out
}

fn upsert(d: &Desired, kind: UpsertKind) -> Upsert {
    Upsert {
        name: d.name.clone(),
        version: d.version,
        kind,
    }
}

/// Supabase counts the project's own variables, not the platform's `SUPABASE_*` ones.
/// `after`: deletions that go once the upserts landed (they count in the end, not
/// while the upsert is made).
fn apply_cap(out: &mut Plan, remote: &BTreeMap<&str, &str>, after: usize) {
    let own_now = remote.keys().filter(|n| !reserved(n)).count();
    let creates = |p: &Plan| {
        p.upserts
            .iter()
            .filter(|u| u.kind == UpsertKind::Create)
            .count()
    };
    let final_count = |p: &Plan| (own_now + creates(p)).saturating_sub(p.deletes.len() + after);

    let would_be = final_count(out);
    if would_be > PROJECT_SECRET_CAP {
        // Refuse the overflow, newest names last so the choice is stable between runs.
        let mut excess = would_be - PROJECT_SECRET_CAP;
        let mut kept = Vec::with_capacity(out.upserts.len());
        for u in std::mem::take(&mut out.upserts).into_iter().rev() {
            if excess > 0 && u.kind == UpsertKind::Create {
                excess -= 1;
                out.refused.push((
                    u.name,
                    Refusal::OverCap {
                        cap: PROJECT_SECRET_CAP,
                        would_be,
                    },
                ));
            } else {
                kept.push(u);
            }
        }
        kept.reverse();
        out.upserts = kept;
    }
    out.deletes_first = !out.deletes.is_empty() && own_now + creates(out) > PROJECT_SECRET_CAP;
}

/// What `drift` shows for one target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriftReport {
    /// Ours, present, but not the value keyward pushed (edited out of band).
    pub drifted: Vec<String>,
    /// Ours and mapped, but absent on Supabase (deleted out of band).
    pub missing: Vec<String>,
    /// Present on Supabase, not keyward's (set by hand), reserved names excluded.
    pub unmanaged: Vec<String>,
}

pub fn drift(state: &TargetState) -> DriftReport {
    let remote: BTreeMap<&str, &str> = state
        .remote
        .iter()
        .map(|r| (r.name.as_str(), r.digest.as_str()))
        .collect();
    let mut out = DriftReport::default();
    for d in &state.desired {
        match (remote.get(d.name.as_str()), state.pushed.get(&d.name)) {
            (None, Some(_)) => out.missing.push(d.name.clone()),
            (Some(have), Some(pushed)) if have != pushed && *have != d.digest => {
                out.drifted.push(d.name.clone())
            }
            _ => {}
        }
    }
    out.unmanaged = remote
        .keys()
        .filter(|n| !reserved(n) && !state.owned.contains(**n))
        .map(|n| n.to_string())
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(name: &str, digest: &str, version: u64) -> Desired {
        Desired {
            name: name.into(),
            digest: digest.into(),
            version,
        }
    }
    fn remote(name: &str, digest: &str) -> Remote {
        Remote {
            name: name.into(),
            digest: digest.into(),
        }
    }
    fn owned(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nothing_to_do_when_digests_match() {
        let s = TargetState {
            desired: vec![desired("A", "d1", 1)],
            remote: vec![remote("A", "d1"), remote("SUPABASE_URL", "x")],
            owned: owned(&["A"]),
            ..Default::default()
        };
        let p = plan(&s);
        assert!(p.is_noop());
        assert_eq!(p.unchanged.len(), 1);
    }

    #[test]
    fn creates_updates_and_overwrites_drift() {
        let s = TargetState {
            desired: vec![
                desired("NEW", "n", 1),
                desired("CHANGED", "c2", 2),
                desired("EDITED", "e1", 1),
            ],
            remote: vec![remote("CHANGED", "c1"), remote("EDITED", "zz")],
            owned: owned(&["NEW", "CHANGED", "EDITED"]),
            pushed: [("CHANGED", "c1"), ("EDITED", "e1")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            ..Default::default()
        };
        let kinds: Vec<_> = plan(&s)
            .upserts
            .into_iter()
            .map(|u| (u.name, u.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("NEW".into(), UpsertKind::Create),
                ("CHANGED".into(), UpsertKind::Update),
                ("EDITED".into(), UpsertKind::OverwriteDrift),
            ]
        );
    }

    #[test]
    fn never_takes_over_or_deletes_what_is_not_ours() {
        let s = TargetState {
            desired: vec![desired("HAND_MADE", "mine", 1)],
            deletions: vec!["OTHER".into(), "SUPABASE_URL".into(), "GONE".into()],
            remote: vec![
                remote("HAND_MADE", "theirs"),
                remote("OTHER", "o"),
                remote("SUPABASE_URL", "u"),
            ],
            owned: owned(&["SUPABASE_URL", "GONE"]),
            ..Default::default()
        };
        let p = plan(&s);
        assert!(p.is_noop());
        assert_eq!(p.refused, vec![("HAND_MADE".into(), Refusal::NotOwned)]);
        assert_eq!(p.forgotten, vec!["OTHER", "SUPABASE_URL", "GONE"]);
    }

    #[test]
    fn deletes_only_owned_present_names_once() {
        let s = TargetState {
            deletions: vec!["OLD".into(), "OLD".into(), "KEPT".into()],
            desired: vec![desired("KEPT", "k", 1)],
            remote: vec![remote("OLD", "o"), remote("KEPT", "k")],
            owned: owned(&["OLD", "KEPT"]),
            ..Default::default()
        };
        let p = plan(&s);
        assert_eq!(p.deletes, vec!["OLD"]);
        assert!(!p.deletes_first);
    }

    fn full_project(n: usize) -> Vec<Remote> {
        let mut r: Vec<_> = (0..n).map(|i| remote(&format!("V{i:03}"), "x")).collect();
        r.push(remote("SUPABASE_URL", "u"));
        r.push(remote("SUPABASE_ANON_KEY", "a"));
        r
    }

    #[test]
    fn cap_counts_only_the_projects_own_and_refuses_the_overflow() {
        let s = TargetState {
            desired: vec![desired("A", "a", 1), desired("B", "b", 1)],
            remote: full_project(99),
            owned: owned(&["A", "B"]),
            ..Default::default()
        };
        let p = plan(&s);
        assert_eq!(p.upserts.len(), 1);
        assert_eq!(p.upserts[0].name, "A");
        assert_eq!(
            p.refused,
            vec![(
                "B".into(),
                Refusal::OverCap {
                    cap: 100,
                    would_be: 101
                }
            )]
        );
    }

    #[test]
    fn deletes_go_first_when_the_cap_needs_it() {
        let mut owned_names = vec!["NEW".to_string()];
        owned_names.push("V000".into());
        let s = TargetState {
            desired: vec![desired("NEW", "n", 1)],
            deletions: vec!["V000".into()],
            remote: full_project(100),
            owned: owned_names.into_iter().collect(),
            ..Default::default()
        };
        let p = plan(&s);
        assert_eq!(p.upserts.len(), 1);
        assert_eq!(p.deletes, vec!["V000"]);
        assert!(p.deletes_first);
        assert!(p.refused.is_empty());
    }

    #[test]
    fn drift_report_sorts_drifted_missing_unmanaged() {
        let s = TargetState {
            desired: vec![
                desired("OK", "o", 1),
                desired("EDITED", "e", 1),
                desired("DELETED", "d", 1),
                desired("NEVER_PUSHED", "n", 1),
            ],
            remote: vec![
                remote("OK", "o"),
                remote("EDITED", "zz"),
                remote("BY_HAND", "h"),
                remote("SUPABASE_DB_URL", "s"),
            ],
            owned: owned(&["OK", "EDITED", "DELETED", "NEVER_PUSHED"]),
            pushed: [("OK", "o"), ("EDITED", "e"), ("DELETED", "d")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            ..Default::default()
        };
        let r = drift(&s);
        assert_eq!(r.drifted, vec!["EDITED"]);
        assert_eq!(r.missing, vec!["DELETED"]);
        assert_eq!(r.unmanaged, vec!["BY_HAND"]);
    }
}
