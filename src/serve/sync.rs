//! The sync routes: trigger a sync (keys made with `--allow-sync`) and read sync status
//! (any key, limited to its projects). Status has the shape of `keyward status --json`.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use super::App;
use super::reply::ApiError;
use crate::engine::handle::EngineError;
use crate::engine::report::{target_json, var_json};
use crate::vault::{Grant, ReadTx, TargetTotals, VarStatus};

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Vault(v) => v.into(),
            EngineError::Stopped => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "engine_stopped",
                "the sync engine has stopped: restart `keyward serve`",
            ),
        }
    }
}

/// Is the secret `project/name` within the grant's projects?
fn in_scope(r: &ReadTx<'_>, grant: &Grant, secret: &str) -> bool {
    let Some(projects) = &grant.scope.projects else {
        return true;
    };
    secret
        .split_once('/')
        .and_then(|(p, _)| r.project_id(p).ok())
        .is_some_and(|id| projects.contains(&id))
}

/// The mapped variables the grant may see.
fn visible(r: &ReadTx<'_>, grant: &Grant) -> Result<Vec<VarStatus>, ApiError> {
    Ok(r.sync_status(None)?
        .into_iter()
        .filter(|v| in_scope(r, grant, &v.secret))
        .collect())
}

pub async fn trigger(
    State(app): State<Arc<App>>,
    Extension(grant): Extension<Grant>,
) -> Result<Response, ApiError> {
    if !grant.scope.allow_sync {
        return Err(ApiError::forbidden(
            "this access key may read but not sync: make one with `keyward key create NAME --allow-sync`",
        ));
    }
    let queued = match &grant.scope.projects {
        None => app.engine.sync_all(None).await?,
        // A key for some projects syncs the targets its projects' secrets go to.
        Some(_) => {
            let targets: BTreeSet<String> = {
                let r = app.vault.read()?;
                visible(&r, &grant)?.into_iter().map(|v| v.target).collect()
            };
            let mut n = 0;
            for t in targets {
                n += app.engine.sync_all(Some(t)).await?;
            }
            n
        }
    };
    let body = json!({ "queued": queued, "status": "/v1/status" });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

pub async fn status(
    State(app): State<Arc<App>>,
    Extension(grant): Extension<Grant>,
) -> Result<Response, ApiError> {
    let r = app.vault.read()?;
    let vars = visible(&r, &grant)?;
    let mut targets = Vec::new();
    // Branches under their parent, as `status --json` lists them.
    let all = r.targets()?;
    for t in crate::engine::report::grouped(&all, |t| t) {
        let totals = match grant.scope.projects {
            None => r.target_totals(&t.project_ref)?,
            // Counted from the visible variables only: no numbers about other projects.
            Some(_) => {
                let mine: Vec<&VarStatus> =
                    vars.iter().filter(|v| v.target == t.project_ref).collect();
                if mine.is_empty() {
                    continue;
                }
                totals_of(&mine)
            }
        };
        targets.push(target_json(t, &totals));
    }
    let variables: Vec<_> = vars.iter().map(var_json).collect();
    Ok(Json(json!({ "targets": targets, "variables": variables })).into_response())
}

fn totals_of(vars: &[&VarStatus]) -> TargetTotals {
    use crate::vault::SyncState as S;
    let mut t = TargetTotals {
        variables: vars.len(),
        ..TargetTotals::default()
    };
    for v in vars {
        match v.state.state {
            S::Pending => t.pending += 1,
            S::Synced => t.synced += 1,
            S::Failed => t.failed += 1,
            S::Removing => t.removing += 1,
            S::Drifted => t.drifted += 1,
        }
    }
    t
}
