//! `/_emulator/...`: control routes under a path the real API does not use. Not
//! authenticated (the emulator is loopback-only), not counted, not rate limited.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::Shared;
use super::control::FailNext;
use super::reply::ApiError;
use super::seed::parse_token;

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/counters", get(counters))
        .route("/_emulator/counters/reset", post(reset_counters))
        .route("/_emulator/faults", get(faults).post(patch_faults))
        .route("/_emulator/fail-next", get(pending).post(fail_next))
        .route("/_emulator/revoke", post(revoke))
        .route("/_emulator/tokens", post(add_token))
        .route("/_emulator/state", get(state))
}

async fn counters(State(s): State<Arc<Shared>>) -> Response {
    Json(s.control.request_counts()).into_response()
}

async fn reset_counters(State(s): State<Arc<Shared>>) -> StatusCode {
    s.control.reset_counters();
    s.control.reset_rate_limits();
    StatusCode::NO_CONTENT
}

async fn faults(State(s): State<Arc<Shared>>) -> Response {
    Json(s.control.faults()).into_response()
}

/// Merges the given fields into the current faults: `{"latency_ms": 500}` changes only that.
async fn patch_faults(
    State(s): State<Arc<Shared>>,
    Json(patch): Json<serde_json::Value>,
) -> Result<Response, ApiError> {
    let Some(fields) = patch.as_object() else {
        return Err(ApiError::bad_request(
            "expected a JSON object of fault fields",
        ));
    };
    let mut current = serde_json::to_value(s.control.faults())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let obj = current
        .as_object_mut()
        .expect("faults serialize as an object");
    for (k, v) in fields {
        if !obj.contains_key(k) {
            return Err(ApiError::bad_request(format!("unknown fault field {k}")));
        }
        obj.insert(k.clone(), v.clone());
    }
    let mut new: super::Faults = serde_json::from_value(current)
        .map_err(|e| ApiError::bad_request(format!("bad fault value: {e}")))?;
    new.fail_rate = new.fail_rate.clamp(0.0, 1.0);
    s.control.update_faults(|f| *f = new.clone());
    Ok(Json(new).into_response())
}

async fn pending(State(s): State<Arc<Shared>>) -> Response {
    Json(s.control.pending_failures()).into_response()
}

async fn fail_next(
    State(s): State<Arc<Shared>>,
    Json(f): Json<FailNext>,
) -> Result<StatusCode, ApiError> {
    if f.count == 0 || StatusCode::from_u16(f.status).is_err() || f.status < 400 {
        return Err(ApiError::bad_request(
            "count must be >= 1 and status an HTTP error status",
        ));
    }
    s.control.fail_next(&f.route, f.count, f.status);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

async fn revoke(
    State(s): State<Arc<Shared>>,
    Json(b): Json<TokenBody>,
) -> Result<StatusCode, ApiError> {
    let found = {
        let mut w = s.world();
        match w.tokens.get_mut(&b.token) {
            Some(t) => {
                t.revoked = true;
                true
            }
            None => false,
        }
    };
    if !found {
        return Err(ApiError::not_found("no such token"));
    }
    s.persist();
    Ok(StatusCode::NO_CONTENT)
}

/// `{"token": "TOKEN"}` or `{"token": "TOKEN=ref,ref"}`, as `--token` takes it.
async fn add_token(
    State(s): State<Arc<Shared>>,
    Json(b): Json<TokenBody>,
) -> Result<StatusCode, ApiError> {
    let spec = parse_token(&b.token).map_err(ApiError::bad_request)?;
    s.world().add_token(spec);
    s.persist();
    Ok(StatusCode::NO_CONTENT)
}

/// The whole world, plaintext secret values included: it is a test double.
async fn state(State(s): State<Arc<Shared>>) -> Response {
    Json(serde_json::to_value(&*s.world()).unwrap_or_default()).into_response()
}
