//! API keys (publishable / secret) and the project-side key check.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};

use super::reply::{ApiError, json_body};
use super::world::{DeletedKey, TokenSpec, new_key};
use super::{PROJECT_PATH_TEMPLATE, Shared};
use crate::supabase::api::{ApiKey, ApiKeyType, LegacyApiKeys};

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/projects/{ref}/api-keys", get(list).post(create))
        .route(
            "/v1/projects/{ref}/api-keys/legacy",
            get(legacy_status).put(legacy_set),
        )
        .route(
            "/v1/projects/{ref}/api-keys/{id}",
            get(get_one).patch(update).delete(delete),
        )
        .route(
            &format!("{PROJECT_PATH_TEMPLATE}/auth/v1/settings"),
            get(settings),
        )
}

type Q = Query<HashMap<String, String>>;

/// The spec's boolean strings: `true` or `false`, absent = false.
fn flag(q: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match q.get(name).map(String::as_str) {
        None => Ok(false),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(ApiError::bad_request(format!(
            "{name} must be a boolean string, true or false, not {other:?}"
        ))),
    }
}

/// Whether the request asks to `reveal` the keys, refused by the scoped-token reveal bug
/// when the knob turns it on.
fn reveal(s: &Shared, token: &TokenSpec, q: &HashMap<String, String>) -> Result<bool, ApiError> {
    let reveal = flag(q, "reveal")?;
    check_reveal(s, token, reveal)?;
    Ok(reveal)
}

/// The scoped-token reveal bug, when the knob turns it on.
fn check_reveal(s: &Shared, token: &TokenSpec, reveal: bool) -> Result<(), ApiError> {
    if reveal && token.projects.is_some() && s.control.faults().scoped_reveal_403 {
        return Err(ApiError::forbidden(
            "Your token does not have the permissions required to reveal API keys",
            &[],
        ));
    }
    Ok(())
}

async fn list(
    State(s): State<Arc<Shared>>,
    Extension(token): Extension<TokenSpec>,
    Path(r): Path<String>,
    Query(q): Q,
) -> Result<Json<Vec<ApiKey>>, ApiError> {
    let reveal = reveal(&s, &token, &q)?;
    let masking = s.control.faults().secret_key_masking;
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    Ok(Json(
        p.api_keys.iter().map(|k| k.view(reveal, masking)).collect(),
    ))
}

async fn get_one(
    State(s): State<Arc<Shared>>,
    Extension(token): Extension<TokenSpec>,
    Path((r, id)): Path<(String, String)>,
    Query(q): Q,
) -> Result<Json<ApiKey>, ApiError> {
    let reveal = reveal(&s, &token, &q)?;
    let masking = s.control.faults().secret_key_masking;
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    let k = &p.api_keys[key_index(p, &id)?];
    Ok(Json(k.view(reveal, masking)))
}

/// Where the project's API key `id` is in its list.
fn key_index(p: &super::world::ProjectRecord, id: &str) -> Result<usize, ApiError> {
    p.api_keys
        .iter()
        .position(|k| k.id == id)
        .ok_or_else(|| ApiError::not_found("API key not found"))
}

/// A field a request may leave out or set to null: None when absent, Some(None) when
/// null, else `pick`'s value, or a bad request saying `wrong`.
fn nullable<T>(
    v: Option<&serde_json::Value>,
    pick: impl Fn(&serde_json::Value) -> Option<T>,
    wrong: &str,
) -> Result<Option<Option<T>>, ApiError> {
    match v {
        None => Ok(None),
        Some(serde_json::Value::Null) => Ok(Some(None)),
        Some(x) => pick(x)
            .map(|t| Some(Some(t)))
            .ok_or_else(|| ApiError::bad_request(wrong)),
    }
}

fn description(v: Option<&serde_json::Value>) -> Result<Option<Option<String>>, ApiError> {
    nullable(
        v,
        |d| d.as_str().map(str::to_owned),
        "description must be a string",
    )
}

type Template = serde_json::Map<String, serde_json::Value>;

fn template(v: Option<&serde_json::Value>) -> Result<Option<Option<Template>>, ApiError> {
    nullable(
        v,
        |t| t.as_object().cloned(),
        "secret_jwt_template must be an object",
    )
}

async fn create(
    State(s): State<Arc<Shared>>,
    Extension(token): Extension<TokenSpec>,
    Path(r): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let reveal = reveal(&s, &token, &q)?;
    let v = json_body(&headers, &body)?;
    let key_type = match v.get("type").and_then(|t| t.as_str()) {
        Some("publishable") => ApiKeyType::Publishable,
        Some("secret") => ApiKeyType::Secret,
        _ => {
            return Err(ApiError::bad_request(
                "type must be one of: publishable, secret",
            ));
        }
    };
    let name = v.get("name").and_then(|n| n.as_str()).unwrap_or_default();
    if !valid_key_name(name) {
        return Err(ApiError::bad_request(
            "name must be 4 to 64 characters matching ^[a-z_][a-z0-9_]+$",
        ));
    }
    let description = description(v.get("description"))?.flatten();
    let template = template(v.get("secret_jwt_template"))?.flatten();
    let masking = s.control.faults().secret_key_masking;
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    let mut key = new_key(key_type, name, description);
    key.secret_jwt_template = template;
    let view = key.view(reveal, masking);
    p.api_keys.push(key);
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `PATCH /api-keys/{id}`: a new name, description or template; legacy keys are fixed.
async fn update(
    State(s): State<Arc<Shared>>,
    Extension(token): Extension<TokenSpec>,
    Path((r, id)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ApiKey>, ApiError> {
    let reveal = reveal(&s, &token, &q)?;
    let v = json_body(&headers, &body)?;
    let Some(obj) = v.as_object() else {
        return Err(ApiError::bad_request("Request body must be an object"));
    };
    let name = match obj.get("name") {
        None => None,
        Some(serde_json::Value::String(n)) if valid_key_name(n) => Some(n.clone()),
        Some(_) => {
            return Err(ApiError::bad_request(
                "name must be 4 to 64 characters matching ^[a-z_][a-z0-9_]+$",
            ));
        }
    };
    let description = description(obj.get("description"))?;
    let template = template(obj.get("secret_jwt_template"))?;
    let masking = s.control.faults().secret_key_masking;
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    let i = key_index(p, &id)?;
    let k = &mut p.api_keys[i];
    if k.key_type == ApiKeyType::Legacy {
        return Err(ApiError::bad_request("Legacy API keys cannot be updated"));
    }
    if let Some(n) = name {
        k.name = n;
    }
    if let Some(d) = description {
        k.description = d;
    }
    if let Some(t) = template {
        k.secret_jwt_template = t;
    }
    k.updated_at = super::clock::now_rfc3339();
    Ok(Json(k.view(reveal, masking)))
}

/// `GET /api-keys/legacy`: whether the legacy `anon`/`service_role` keys are enabled.
async fn legacy_status(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
) -> Result<Json<LegacyApiKeys>, ApiError> {
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    Ok(Json(LegacyApiKeys {
        enabled: p.legacy_keys_enabled,
    }))
}

/// `PUT /api-keys/legacy?enabled=`: disables or re-enables them.
async fn legacy_set(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
    Query(q): Q,
) -> Result<Json<LegacyApiKeys>, ApiError> {
    let enabled = match q.get("enabled").map(String::as_str) {
        Some("true") => true,
        Some("false") => false,
        _ => {
            return Err(ApiError::bad_request(
                "enabled must be a boolean string, true or false",
            ));
        }
    };
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    let secret_revoked = p
        .signing_keys
        .iter()
        .any(|k| k.legacy && k.status == crate::supabase::api::SigningKeyStatus::Revoked);
    if enabled && secret_revoked {
        return Err(ApiError::bad_request(
            "The legacy JWT secret is revoked: the legacy API keys cannot be enabled again",
        ));
    }
    p.legacy_keys_enabled = enabled;
    Ok(Json(LegacyApiKeys { enabled }))
}

pub fn valid_key_name(name: &str) -> bool {
    let b = name.as_bytes();
    (4..=64).contains(&b.len())
        && (b[0].is_ascii_lowercase() || b[0] == b'_')
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

async fn delete(
    State(s): State<Arc<Shared>>,
    Extension(token): Extension<TokenSpec>,
    Path((r, id)): Path<(String, String)>,
    Query(q): Q,
) -> Result<Json<ApiKey>, ApiError> {
    let reveal = reveal(&s, &token, &q)?;
    let was_compromised = flag(&q, "was_compromised")?;
    let reason = q.get("reason").cloned();
    let masking = s.control.faults().secret_key_masking;
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    let i = key_index(p, &id)?;
    if p.api_keys[i].key_type == ApiKeyType::Legacy {
        return Err(ApiError::bad_request(
            "Legacy API keys cannot be deleted through this endpoint",
        ));
    }
    let key = p.api_keys.remove(i);
    w.deleted_keys.push(DeletedKey {
        project_ref: r,
        id: key.id.clone(),
        name: key.name.clone(),
        was_compromised,
        reason,
    });
    Ok(Json(key.view(reveal, masking)))
}

/// `GET {project URL}/auth/v1/settings` with `apikey`: 200 for a live key of the
/// project, 401 otherwise, as the project's auth service answers.
async fn settings(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = headers
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let w = s.world();
    let live = w.projects.get(&r).is_some_and(|p| {
        !key.is_empty()
            && p.api_keys.iter().any(|k| {
                k.api_key == key
                    && (k.key_type != ApiKeyType::Legacy || super::signing::legacy_keys_live(p))
            })
    });
    if !live {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"message": "Invalid API key"})),
        )
            .into_response();
    }
    Json(serde_json::json!({
        "external": {"email": true, "phone": false},
        "disable_signup": false,
        "mailer_autoconfirm": false,
        "phone_autoconfirm": false,
        "sms_provider": "",
        "saml_enabled": false
    }))
    .into_response()
}
