//! Projects, organizations and Edge Function secrets. The gate has already checked the
//! token, its permission for the route and its view of the project.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};

use super::Shared;
use super::reply::{ApiError, json_body};
use super::world::{self, TokenSpec};
use crate::supabase::api::{Project, Secret, secret_digest};

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/projects", get(list_projects))
        .route("/v1/projects/{ref}", get(get_project))
        .route("/v1/organizations", get(list_organizations))
        .route(
            "/v1/projects/{ref}/secrets",
            get(list_secrets)
                .post(upsert_secrets)
                .delete(delete_secrets),
        )
}

pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("Cannot find {}", uri.path()))
}

pub async fn method_not_allowed(method: axum::http::Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Cannot {method} {}", uri.path()),
    )
}

async fn list_projects(
    State(s): State<Arc<Shared>>,
    Extension(token): Extension<TokenSpec>,
) -> Json<Vec<Project>> {
    let w = s.world();
    let list = w
        .projects
        .keys()
        .filter(|r| token.sees(r))
        // A preview branch is listed under its project's branches, not here.
        .filter(|r| w.projects[*r].parent.is_none())
        .filter_map(|r| w.project_view(r))
        .collect();
    Json(list)
}

async fn get_project(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
) -> Result<Json<Project>, ApiError> {
    s.world()
        .project_view(&r)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("Project not found"))
}

async fn list_organizations(
    State(s): State<Arc<Shared>>,
    Extension(token): Extension<TokenSpec>,
) -> impl IntoResponse {
    Json(s.world().organization_views(&token))
}

async fn list_secrets(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
) -> Result<Json<Vec<Secret>>, ApiError> {
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    let list = p
        .secrets
        .iter()
        .map(|(name, rec)| Secret {
            name: name.clone(),
            value: secret_digest(&rec.value),
            updated_at: Some(rec.updated_at.clone()),
        })
        .collect();
    Ok(Json(list))
}

async fn upsert_secrets(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let value = json_body(&headers, &body)?;
    let items = value.as_array().ok_or_else(|| {
        ApiError::bad_request("Request body must be an array of {name, value} objects")
    })?;
    let mut batch = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = |k: &str| item.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        match (item.is_object(), field("name"), field("value")) {
            (true, Some(n), Some(v)) => batch.push((n, v)),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Item {i} of the body must be an object with string `name` and `value`"
                )));
            }
        }
    }
    let refused = s.control.faults().reject_names;
    if let Some((n, _)) = batch.iter().find(|(n, _)| refused.contains(n)) {
        return Err(ApiError::bad_request(format!(
            "Secret name {n} is not allowed"
        )));
    }
    let mut w = s.world();
    world::upsert_secrets(w.project_mut(&r)?, batch)?;
    Ok(StatusCode::CREATED.into_response())
}

async fn delete_secrets(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let value = json_body(&headers, &body)?;
    let names: Vec<String> = value
        .as_array()
        .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_owned)).collect())
        .ok_or_else(|| ApiError::bad_request("Request body must be an array of secret names"))?;
    let absent_is_404 = s.control.faults().delete_absent_404;
    let mut w = s.world();
    let absent = world::delete_secrets(w.project_mut(&r)?, &names)?;
    if absent_is_404 && !absent.is_empty() {
        return Err(ApiError::not_found(format!(
            "Secret {} not found",
            absent.join(", ")
        )));
    }
    Ok(StatusCode::OK.into_response())
}
