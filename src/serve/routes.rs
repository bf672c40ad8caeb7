//! The routes. Each handler runs after [`super::guard::authenticate`], checks the
//! grant's scope for what it touches, and reads a vault snapshot (never writes: the
//! engine is the writer).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::App;
use super::reply::ApiError;
use crate::vault::{Grant, ProjectId, ReadTx, SecretValue, Shape, VaultError, rfc3339};

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/projects/{project}/secrets", get(list_secrets))
        .route("/v1/projects/{project}/secrets/{name}", get(read_secret))
        .route(
            "/v1/projects/{project}/secrets/{name}/fields/{field}",
            get(read_field),
        )
        .route("/v1/sync", post(super::sync::trigger))
        .route("/v1/status", get(super::sync::status))
        .route("/v1/events", get(super::events::stream))
        .route(
            "/v1/targets/{target}/branches/{name}/seed",
            post(super::seed::seed),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            super::guard::authenticate,
        ))
        .with_state(app)
}

/// The project's id, if the grant may read it. A key scoped to other projects is told
/// "forbidden" whether or not the project exists, so it cannot probe for names.
fn readable(r: &ReadTx<'_>, grant: &Grant, project: &str) -> Result<ProjectId, ApiError> {
    let forbidden = || {
        ApiError::forbidden(format!(
            "this access key may not read the project {project:?}: make a key with `keyward key create NAME --project {project}`"
        ))
    };
    match r.project_id(project) {
        Ok(id) if grant.scope.may_read(id) => Ok(id),
        Ok(_) => Err(forbidden()),
        Err(VaultError::NotFound(_)) if grant.scope.projects.is_some() => Err(forbidden()),
        Err(e) => Err(e.into()),
    }
}

/// Values must not linger in caches or proxies.
fn no_store(body: Value) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

async fn list_secrets(
    State(app): State<Arc<App>>,
    Extension(grant): Extension<Grant>,
    Path(project): Path<String>,
) -> Result<Response, ApiError> {
    let r = app.vault.read()?;
    readable(&r, &grant, &project)?;
    let secrets: Vec<Value> = r
        .secrets(Some(&project))?
        .into_iter()
        .map(|s| {
            let mut v = json!({
                "name": s.meta.name,
                "kind": "simple",
                "version": s.meta.version,
                "updated": rfc3339(s.meta.updated),
            });
            if let Shape::Structured { fields } = s.meta.shape {
                v["kind"] = "structured".into();
                v["fields"] = fields.into();
            }
            v
        })
        .collect();
    Ok(Json(json!({ "project": project, "secrets": secrets })).into_response())
}

async fn read_secret(
    State(app): State<Arc<App>>,
    Extension(grant): Extension<Grant>,
    Path((project, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let r = app.vault.read()?;
    readable(&r, &grant, &project)?;
    let (version, value) = r.value(&project, &name, None)?;
    let mut doc = json!({ "project": project, "name": name, "version": version });
    match &value {
        SecretValue::Simple(v) => doc["value"] = v.as_str().into(),
        SecretValue::Fields(fs) => {
            doc["fields"] = fs
                .iter()
                .map(|(k, v)| json!({ "name": k, "value": v.as_str() }))
                .collect();
        }
    }
    Ok(no_store(doc))
}

async fn read_field(
    State(app): State<Arc<App>>,
    Extension(grant): Extension<Grant>,
    Path((project, name, field)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let r = app.vault.read()?;
    readable(&r, &grant, &project)?;
    let (version, value) = r.value(&project, &name, None)?;
    let shown = match &value {
        SecretValue::Simple(_) => {
            return Err(ApiError::from(VaultError::Invalid(format!(
                "{project}/{name} is a simple secret without fields: read /v1/projects/{project}/secrets/{name}"
            ))));
        }
        SecretValue::Fields(fs) => fs
            .iter()
            .find(|(k, _)| *k == field)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| {
                let names: Vec<&str> = fs.iter().map(|(k, _)| k.as_str()).collect();
                VaultError::NotFound(format!(
                    "{project}/{name} has no field {field:?}: its fields are {}",
                    names.join(", ")
                ))
            })?,
    };
    Ok(no_store(json!({
        "project": project, "name": name, "field": field, "version": version, "value": shown,
    })))
}
