//! What the engine tells every front end, over one broadcast channel: small,
//! serializable data (the owner streams it to attached front ends), never a value or a
//! token.

use serde::{Deserialize, Serialize};

use crate::vault::SyncState;

/// What the engine tells every front end. Small, cloneable data; a front end re-reads
/// what it shows from a vault snapshot when told something changed. Serializable: the
/// owner streams them to attached front ends. Never a value or a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A write committed: vault content may differ from the last snapshot.
    Changed,
    /// A write committed that changed only these (empty: nothing the panes show, e.g.
    /// an audit entry or a policy): a front end re-reads just them.
    Touched(Delta),
    /// A variable's sync state changed (None: it is gone from the target).
    Variable {
        target: String,
        variable: String,
        state: Option<SyncState>,
    },
    /// A batch finished on a target: its health now.
    TargetHealth {
        target: String,
        healthy: bool,
        consecutive_failures: u32,
    },
    /// What one batch did on a target: the line a daemon log shows per batch.
    Batch(BatchSummary),
    /// A drift check found values edited or deleted on Supabase out of band.
    Drift {
        target: String,
        drifted: Vec<String>,
        missing: Vec<String>,
    },
    /// A step of a Supabase API key rotation (started, created, promoted, cleaned up,
    /// failed...), in words.
    Rotation {
        name: String,
        ok: bool,
        message: String,
    },
    /// A listing of a followed target's branches added, seeded or dropped some (or
    /// could not be read: `error`).
    Branches {
        parent: String,
        changes: crate::vault::BranchChanges,
        error: Option<String>,
    },
    /// Outbox rows done since work started, of the total seen.
    Progress {
        done: usize,
        total: usize,
    },
    /// The owner forgot its key (`keyward seal`): requests are refused until unsealed.
    Sealed,
    /// The owner has its key again and runs.
    Unsealed,
    /// A front end attached to the owner (its pid and command).
    Attached {
        pid: u32,
        command: String,
    },
    Detached {
        pid: u32,
        command: String,
    },
    /// A process was refused at the owner's socket: another user's, or (`version`) a
    /// keyward of another version whose protocol differs.
    AttachRefused {
        uid: u32,
        pid: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<String>,
    },
    /// An alert (config file `[[alert]]`) was delivered, or gave up: the owner's log
    /// says so; the audit log keeps it.
    AlertDelivery {
        alert: String,
        ok: bool,
        message: String,
    },
    /// The local API refused access keys: how many, and from where, in words.
    AccessRefused {
        refused: u64,
        detail: String,
    },
    /// Nothing is due: the outbox is empty or holds only failures waiting for their
    /// retry time (or for the user, on unhealthy targets).
    Idle,
    /// The engine stopped; no more events will come.
    Stopped,
}

/// What a committed write changed, by key: secrets (metadata), variables (sync
/// state) and targets (health). Never a value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta {
    pub secrets: Vec<crate::vault::SecretId>,
    /// (target, variable)
    pub vars: Vec<(String, String)>,
    pub targets: Vec<String>,
}

impl Delta {
    /// The event for a write that changed `t`: a delta, or a full re-read.
    pub fn event(t: &crate::vault::Touched) -> Event {
        if t.full {
            return Event::Changed;
        }
        Event::Touched(Delta {
            secrets: t.secrets.iter().copied().collect(),
            vars: t.vars.iter().cloned().collect(),
            targets: t.targets.iter().cloned().collect(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.vars.is_empty() && self.targets.is_empty()
    }

    /// Both deltas at once (kept sorted and without repeats).
    pub fn merge(&mut self, other: &Delta) {
        fn join<T: Ord + Clone>(a: &mut Vec<T>, b: &[T]) {
            a.extend_from_slice(b);
            a.sort();
            a.dedup();
        }
        join(&mut self.secrets, &other.secrets);
        join(&mut self.vars, &other.vars);
        join(&mut self.targets, &other.targets);
    }
}

/// One batch's outcome on one target (names and reasons, never values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub target: String,
    /// Variables written (created or updated) by this batch.
    pub pushed: usize,
    /// Variables deleted on Supabase.
    pub deleted: usize,
    /// Already there with the right value: nothing sent.
    pub unchanged: usize,
    /// Edited on Supabase out of band and overwritten with the vault's value.
    pub overwritten: Vec<String>,
    /// (variable, why) for each variable that failed.
    pub failed: Vec<(String, String)>,
}
