//! `POST /v1/targets/{ref}/branches/{name}/seed`: what `keyward branch seed` does, for a
//! CI job right after it creates a branch. The key must allow syncs and read every
//! project whose secrets go to the target. Answers at once with what was queued (like
//! `POST /v1/sync`); the engine pushes it and `/v1/status` follows it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use super::App;
use super::reply::ApiError;
use crate::vault::{Grant, VaultError};

pub async fn seed(
    State(app): State<Arc<App>>,
    Extension(grant): Extension<Grant>,
    Path((target, branch)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if !grant.scope.allow_sync {
        return Err(ApiError::forbidden(
            "this access key may read but not sync: make one with `keyward key create NAME --allow-sync`",
        ));
    }
    {
        let r = app.vault.read()?;
        match r.target(&target) {
            Ok(_) => {}
            // Like a project: a scoped key learns nothing of what exists.
            Err(VaultError::NotFound(_)) if grant.scope.projects.is_some() => {
                return Err(out_of_scope(&target));
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(projects) = &grant.scope.projects {
            for m in r.mappings_for_target(&target)? {
                let ok = m
                    .secret
                    .split_once('/')
                    .and_then(|(p, _)| r.project_id(p).ok())
                    .is_some_and(|id| projects.contains(&id));
                if !ok {
                    return Err(out_of_scope(&target));
                }
            }
        }
    }
    let changes = crate::engine::branches::follow(
        &app.vault,
        &app.clients,
        &app.engine,
        &target,
        Some(&branch),
    )
    .await
    .map_err(refused)?;
    let body = json!({
        "added": changes.added,
        "seeded": changes.seeded,
        "status": "/v1/status",
    });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

fn out_of_scope(target: &str) -> ApiError {
    ApiError::forbidden(format!(
        "this access key may not seed {target}: it needs every project whose secrets go there (`keyward key create NAME --project P --allow-sync`)"
    ))
}

/// The seed's refusal as an answer: a branch that is not there is 404, one keyward
/// will not write to is 409, Supabase failing is 502.
fn refused(why: String) -> ApiError {
    let (status, code) = if why.contains("has no branch") {
        (StatusCode::NOT_FOUND, "not_found")
    } else if why.contains("cannot list") || why.contains("cannot read") {
        (StatusCode::BAD_GATEWAY, "supabase")
    } else if why.contains("has stopped") {
        (StatusCode::SERVICE_UNAVAILABLE, "engine_stopped")
    } else {
        (StatusCode::CONFLICT, "conflict")
    };
    ApiError::new(status, code, why)
}
