//! The middleware every emulated request goes through, in the order the knobs promise:
//! count, latency, rate limit, scripted and random failures, authentication and project
//! visibility; then the handler; then rate-limit headers, persistence and recording.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use super::Shared;
use super::control::{Budget, Exchange};
use super::reply::ApiError;
use super::world::{TokenSpec, perm};
use crate::supabase::api::is_valid_project_ref;

const BODY_LIMIT: usize = 32 * 1024 * 1024;

pub async fn gate(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let route = format!("{method} {}", template.as_deref().unwrap_or("(unmatched)"));
    let path = req.uri().path().to_owned();
    let management = path.starts_with("/v1/");
    shared.control.count(&route);

    let faults = shared.control.faults();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }

    let (req, recorded_request) = if shared.control.is_recording() {
        let (req, rec) = recorded(req, &method, &template, &path).await;
        (req, Some(rec))
    } else {
        (req, None)
    };

    let project_ref = project_ref_of(&path);
    let mut budget = None;
    let mut response = 'answer: {
        if management {
            let caller = bearer(&req).unwrap_or_default();
            let b = shared.control.spend(
                &caller,
                project_ref.as_deref().unwrap_or("(account)"),
                &route,
            );
            budget = Some(b);
            if b.exceeded {
                let mut r = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests")
                    .into_response();
                r.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(b.reset.as_secs().max(1)),
                );
                break 'answer r;
            }
        }
        if let Some(status) = shared.control.take_failure(&route) {
            break 'answer injected(status, budget);
        }
        if management
            && faults.fail_rate > 0.0
            && rand::thread_rng().r#gen::<f64>() < faults.fail_rate
        {
            break 'answer injected(500, budget);
        }
        let mut req = req;
        if management {
            match authorize(&shared, &req, &route, project_ref.as_deref()) {
                Ok(token) => {
                    req.extensions_mut().insert(token);
                }
                Err(e) => break 'answer e.into_response(),
            }
        }
        next.run(req).await
    };

    if let Some(b) = budget {
        ratelimit_headers(&mut response, b);
    }
    if management && method != Method::GET && response.status().is_success() {
        shared.persist();
    }
    match recorded_request {
        Some(rec) => record(&shared, rec, response).await,
        None => response,
    }
}

/// The request read whole for the recording, and put back together for the handler.
async fn recorded(
    req: Request,
    method: &Method,
    template: &Option<String>,
    path: &str,
) -> (Request, Exchange) {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .unwrap_or_default();
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let rec = Exchange {
        method: method.to_string(),
        route: template.clone(),
        path: path.to_owned(),
        query: parts.uri.query().map(str::to_owned),
        user_agent: header(header::USER_AGENT),
        request_content_type: header(header::CONTENT_TYPE),
        request_body: bytes.to_vec(),
        status: 0,
        response_content_type: None,
        response_headers: Vec::new(),
        response_body: Vec::new(),
    };
    (Request::from_parts(parts, Body::from(bytes)), rec)
}

/// The response read whole and recorded with its request, then passed on.
async fn record(shared: &Shared, mut rec: Exchange, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .unwrap_or_default();
    rec.status = parts.status.as_u16();
    rec.response_content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    rec.response_headers = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    rec.response_body = bytes.to_vec();
    shared.control.record(rec);
    Response::from_parts(parts, Body::from(bytes))
}

fn ratelimit_headers(response: &mut Response, b: Budget) {
    let h = response.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(b.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(b.remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(b.reset.as_secs()));
}

fn injected(status: u16, budget: Option<Budget>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r =
        ApiError::new(status, format!("Injected failure ({})", status.as_u16())).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        let secs = budget.map_or(1, |b| b.reset.as_secs().max(1));
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    r
}

fn bearer(req: &Request) -> Option<String> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// `/v1/projects/{ref}/...` -> the ref.
fn project_ref_of(path: &str) -> Option<String> {
    let mut s = path.trim_start_matches('/').split('/');
    match (s.next(), s.next(), s.next()) {
        (Some("v1"), Some("projects"), Some(r)) if !r.is_empty() => Some(r.to_owned()),
        _ => None,
    }
}

/// The permission the spec lists for each route (`fga_permissions`).
fn permission(route: &str) -> Option<&'static str> {
    Some(match route {
        "GET /v1/projects" => perm::PROJECTS_READ,
        "GET /v1/projects/{ref}" => perm::PROJECT_READ,
        "GET /v1/organizations" => perm::ORGANIZATIONS_READ,
        "GET /v1/projects/{ref}/secrets" => perm::SECRETS_READ,
        "POST /v1/projects/{ref}/secrets" | "DELETE /v1/projects/{ref}/secrets" => {
            perm::SECRETS_WRITE
        }
        "GET /v1/projects/{ref}/api-keys"
        | "GET /v1/projects/{ref}/api-keys/{id}"
        | "GET /v1/projects/{ref}/api-keys/legacy" => perm::KEYS_READ,
        "POST /v1/projects/{ref}/api-keys"
        | "PATCH /v1/projects/{ref}/api-keys/{id}"
        | "DELETE /v1/projects/{ref}/api-keys/{id}"
        | "PUT /v1/projects/{ref}/api-keys/legacy" => perm::KEYS_WRITE,
        r if r.starts_with("GET /v1/projects/{ref}/config/auth/signing-keys") => perm::SIGNING_READ,
        r if r.contains(" /v1/projects/{ref}/config/auth/signing-keys") => perm::SIGNING_WRITE,
        _ => return None,
    })
}

fn authorize(
    shared: &Shared,
    req: &Request,
    route: &str,
    project_ref: Option<&str>,
) -> Result<TokenSpec, ApiError> {
    let presented = bearer(req).ok_or_else(ApiError::unauthorized)?;
    let world = shared.world();
    let token = world
        .tokens
        .get(&presented)
        .filter(|t| !t.revoked)
        .cloned()
        .ok_or_else(ApiError::unauthorized)?;
    if let Some(p) = permission(route)
        && !token.has(p)
    {
        return Err(ApiError::forbidden(
            "Your token does not have the permissions required for this request",
            &[p],
        ));
    }
    if let Some(r) = project_ref {
        if !is_valid_project_ref(r) {
            return Err(ApiError::bad_request(format!(
                "Invalid project ref {r}: a ref is 20 lowercase letters"
            )));
        }
        if !world.projects.contains_key(r) {
            return Err(ApiError::not_found("Project not found"));
        }
        if !world.sees(&token, r) {
            return Err(ApiError::forbidden(
                "Your account does not have the necessary privileges to access this endpoint",
                &[],
            ));
        }
    }
    Ok(token)
}
