//! The JSON shapes of sync status (docs/json.md, `status --json`), shared by the command
//! line and the local API so that a script sees the same fields from either. Typed rows
//! (fields in alphabetical order, as the documents have always been), so a large status
//! streams out without an intermediate tree.

use serde::Serialize;
use serde_json::Value;

use crate::vault::{Target, TargetTotals, VarStatus, rfc3339};

/// One target with its health and counts.
#[derive(Serialize)]
pub struct TargetRow<'a> {
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
