//! The JSON shapes of sync status (docs/json.md, `status --json`), shared by the command
//! line and the local API so that a script sees the same fields from either. Typed rows
//! (fields in alphabetical order, as the documents have always been), so a large status
//! streams out without an intermediate tree.

use serde::Serialize;
use serde_json::Value;

use crate::vault::{Target, TargetTotals, VarStatus, rfc3339};

/// Targets in the order they are shown: each followed target's branches right after
/// it (by name), so a branch is always read under its parent.
pub fn grouped<T>(items: &[T], target: impl Fn(&T) -> &Target) -> Vec<&T> {
    let parent_of = |t: &Target| t.branch.as_ref().map(|b| b.parent.clone());
    let mut out: Vec<&T> = Vec::with_capacity(items.len());
    for i in items.iter().filter(|i| {
        parent_of(target(i)).is_none_or(|p| !items.iter().any(|o| target(o).project_ref == p))
    }) {
        out.push(i);
        let me = &target(i).project_ref;
        let mut kids: Vec<&T> = items
            .iter()
            .filter(|k| parent_of(target(k)).as_ref() == Some(me))
            .collect();
        kids.sort_by(|a, b| target(a).name.cmp(&target(b).name));
        out.extend(kids);
    }
    out
}

/// A branch target's branch, as status shows it.
#[derive(Serialize)]
pub struct BranchRow<'a> {
    deletion_scheduled_at: &'a Option<String>,
    git_branch: &'a Option<String>,
    name: &'a str,
    parent: &'a str,
    persistent: bool,
    ready: bool,
    status: &'a str,
}

/// One target with its health and counts.
#[derive(Serialize)]
pub struct TargetRow<'a> {
    /// Set on a branch target: its branch and parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<BranchRow<'a>>,
    /// Set on a target that follows its branches: the pattern (`*` for every branch).
    #[serde(skip_serializing_if = "Option::is_none")]
    branches: Option<&'a str>,
    connection: &'a str,
    consecutive_failures: u32,
    drifted: usize,
    failed: usize,
    healthy: bool,
    last_error: &'a Option<String>,
    last_sync: Option<String>,
    name: &'a str,
    organization: &'a str,
    pending: usize,
    #[serde(rename = "ref")]
    project_ref: &'a str,
    removing: bool,
    removing_variables: usize,
    synced: usize,
    variables: usize,
}

pub fn target_row<'a>(t: &'a Target, n: &TargetTotals) -> TargetRow<'a> {
    TargetRow {
        branch: t.branch.as_ref().map(|b| BranchRow {
            deletion_scheduled_at: &b.deletion_scheduled_at,
            git_branch: &b.git_branch,
            name: &b.name,
            parent: &b.parent,
            persistent: b.persistent,
            ready: b.ready,
            status: &b.status,
        }),
        branches: t
            .branches
            .as_ref()
            .map(|w| w.pattern.as_deref().unwrap_or("*")),
        connection: &t.connection,
        consecutive_failures: t.health.consecutive_failures,
        drifted: n.drifted,
        failed: n.failed,
        healthy: !t.health.unhealthy,
        last_error: &t.health.last_error,
        last_sync: t.health.last_sync.map(rfc3339),
        name: &t.name,
        organization: &t.organization,
        pending: n.pending,
        project_ref: &t.project_ref,
        removing: t.removing,
        removing_variables: n.removing,
        synced: n.synced,
        variables: n.variables,
    }
}

/// One mapped variable in one target and its state.
#[derive(Serialize)]
pub struct VarRow<'a> {
    attempts: u32,
    error: &'a Option<String>,
    field: &'a Option<String>,
    next_retry: Option<String>,
    pushed_version: Option<u32>,
    secret: &'a str,
    state: &'static str,
    synced_at: Option<String>,
    target: &'a str,
    variable: &'a str,
    version: u32,
}

pub fn var_row(s: &VarStatus) -> VarRow<'_> {
    VarRow {
        attempts: s.state.attempts,
        error: &s.state.error,
        field: &s.state.field,
        next_retry: s.state.next_retry.map(rfc3339),
        pushed_version: s.state.pushed_version,
        secret: &s.secret,
        state: s.state.state.as_str(),
        synced_at: s.state.synced_at.map(rfc3339),
        target: &s.target,
        variable: &s.variable,
        version: s.state.version,
    }
}

pub fn target_json(t: &Target, n: &TargetTotals) -> Value {
    serde_json::to_value(target_row(t, n)).unwrap_or(Value::Null)
}

pub fn var_json(s: &VarStatus) -> Value {
    serde_json::to_value(var_row(s)).unwrap_or(Value::Null)
}
