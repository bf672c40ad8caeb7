//! The branch routes of the API (list, get by name, create with `secrets`, get and
//! delete by ref) and the control routes a test uses to add, ready and remove branches
//! while keyward runs (`/_emulator/branches...`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;

use super::Shared;
use super::branches::NewBranch;
use super::reply::{ApiError, json_body};
use super::world::TokenSpec;
use crate::supabase::api::{Branch, BranchDeleted, BranchDetail};

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/projects/{ref}/branches", get(list).post(create))
        .route("/v1/projects/{ref}/branches/{name}", get(by_name))
        .route(
            "/v1/branches/{branch_id_or_ref}",
            get(detail).delete(delete),
        )
}

pub fn control_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/branches", post(control_add))
        .route("/_emulator/branches/ready", post(control_ready))
        .route("/_emulator/branches/remove", post(control_remove))
}

async fn list(State(s): State<Arc<Shared>>, Path(r): Path<String>) -> Json<Vec<Branch>> {
    Json(s.world().branch_views(&r))
}

async fn by_name(
    State(s): State<Arc<Shared>>,
    Path((r, name)): Path<(String, String)>,
) -> Result<Json<Branch>, ApiError> {
    s.world()
        .branch_views(&r)
        .into_iter()
        .find(|b| b.name == name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("Branch not found"))
}

async fn create(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v = json_body(&headers, &body)?;
    let body: crate::supabase::api::CreateBranch = serde_json::from_value(v)
        .map_err(|e| ApiError::bad_request(format!("Invalid branch body: {e}")))?;
    let ready_after_ms = s.control.faults().branch_ready_after_ms;
    let b = s.world().add_branch(
        &r,
        NewBranch {
            name: body.branch_name,
            git_branch: body.git_branch,
            persistent: body.persistent.unwrap_or(false),
            ready_after_ms,
            secrets: body.secrets.unwrap_or_default(),
        },
    )?;
    Ok((StatusCode::CREATED, Json(b)).into_response())
}

/// A branch the token may see (through its parent), else 404 as the API answers.
fn visible(s: &Shared, token: &TokenSpec, id: &str) -> Result<Branch, ApiError> {
    let w = s.world();
    w.branch_view(id)
        .filter(|b| w.sees(token, &b.project_ref))
        .ok_or_else(|| ApiError::not_found("Branch not found"))
}

async fn detail(
    State(s): State<Arc<Shared>>,
    Extension(token): Extension<TokenSpec>,
    Path(id): Path<String>,
) -> Result<Json<BranchDetail>, ApiError> {
    let b = visible(&s, &token, &id)?;
    Ok(Json(BranchDetail {
        db_host: format!("db.{}.supabase.co", b.project_ref),
        branch_ref: b.project_ref,
        postgres_version: "17.4.1.054".into(),
        postgres_engine: "17".into(),
        release_channel: "ga".into(),
        status: b.preview_project_status.unwrap_or_default(),
        db_port: 5432,
    }))
}

#[derive(Deserialize)]
struct Force {
    force: Option<String>,
}

async fn delete(
    State(s): State<Arc<Shared>>,
    Extension(token): Extension<TokenSpec>,
    Path(id): Path<String>,
    Query(q): Query<Force>,
) -> Result<Json<BranchDeleted>, ApiError> {
    let b = visible(&s, &token, &id)?;
    let schedule = q.force.as_deref() == Some("false");
    s.world().remove_branch(&b.project_ref, schedule);
    Ok(Json(BranchDeleted {
        message: "ok".into(),
    }))
}

#[derive(Deserialize)]
struct AddBody {
    parent: String,
    #[serde(flatten)]
    branch: NewBranch,
}

/// `{"parent": REF, "name": N, "git_branch"?, "persistent"?, "ready_after_ms"?,
/// "secrets"?}` -> the branch as the API lists it.
async fn control_add(
    State(s): State<Arc<Shared>>,
    Json(b): Json<AddBody>,
) -> Result<Response, ApiError> {
    let view = s.world().add_branch(&b.parent, b.branch)?;
    s.persist();
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Deserialize)]
struct RefBody {
    #[serde(rename = "ref")]
    branch_ref: String,
    /// Remove: only schedule the deletion (`deletion_scheduled_at`).
    #[serde(default)]
    schedule: bool,
}

async fn control_ready(
    State(s): State<Arc<Shared>>,
    Json(b): Json<RefBody>,
) -> Result<StatusCode, ApiError> {
    if !s.world().ready_branch(&b.branch_ref) {
        return Err(ApiError::not_found("no such branch"));
    }
    s.persist();
    Ok(StatusCode::NO_CONTENT)
}

async fn control_remove(
    State(s): State<Arc<Shared>>,
    Json(b): Json<RefBody>,
) -> Result<StatusCode, ApiError> {
    if !s.world().remove_branch(&b.branch_ref, b.schedule) {
        return Err(ApiError::not_found("no such branch"));
    }
    s.persist();
    Ok(StatusCode::NO_CONTENT)
}
