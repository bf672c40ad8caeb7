//! The JSON shapes of sync status (docs/json.md, `status --json`), shared by the command
//! line and the local API so that a script sees the same fields from either.

use serde_json::{Value, json};

use crate::vault::{Target, TargetTotals, VarStatus, rfc3339};

/// One target with its health and counts.
pub fn target_json(t: &Target, n: &TargetTotals) -> Value {
    json!({
        "ref": t.project_ref, "name": t.name, "organization": t.organization,
        "connection": t.connection, "removing": t.removing,
        "healthy": !t.health.unhealthy, "consecutive_failures": t.health.consecutive_failures,
        "last_error": t.health.last_error, "last_sync": t.health.last_sync.map(rfc3339),
        "variables": n.variables, "pending": n.pending, "synced": n.synced,
        "failed": n.failed, "removing_variables": n.removing, "drifted": n.drifted,
    })
}

/// One mapped variable in one target and its state.
pub fn var_json(s: &VarStatus) -> Value {
    json!({
        "secret": s.secret, "target": s.target, "variable": s.variable,
        "field": s.state.field, "state": s.state.state.as_str(),
        "version": s.state.version, "pushed_version": s.state.pushed_version,
        "synced_at": s.state.synced_at.map(rfc3339), "error": s.state.error,
        "attempts": s.state.attempts, "next_retry": s.state.next_retry.map(rfc3339),
    })
}
