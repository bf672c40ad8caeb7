//! The two middlewares in front of every route: size limits (before anything is read),
//! then authentication, scope-free at this point, and the audit entry of each use.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::App;
use super::limiter::{Gate, Peer};
use super::reply::ApiError;
use crate::vault::{Refusal, access_key_id};

/// Limits on one request. The connection's own (head deadline, how many) are in
/// conn.rs; hyper refuses heads beyond its buffer (64 KiB) before these apply.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// The request line's path and query plus every header name and value.
    pub max_header_bytes: usize,
    pub max_body_bytes: usize,
    /// From the end of the head to the end of the body.
    pub body_timeout: Duration,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            max_header_bytes: 8 * 1024,
            max_body_bytes: 4 * 1024,
            body_timeout: Duration::from_secs(10),
        }
    }
}

pub async fn limit_request(State(l): State<RequestLimits>, req: Request, next: Next) -> Response {
    let head: usize = req.uri().path_and_query().map_or(0, |p| p.as_str().len())
        + req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    if head > l.max_header_bytes {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!(
                "the request line and headers take {head} bytes: the limit is {}",
                l.max_header_bytes
            ),
        )
        .into_response();
    }
    let too_big = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "the request body is over {} bytes: no route takes more",
                l.max_body_bytes
            ),
        )
        .into_response()
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > l.max_body_bytes as u64) {
        return too_big();
    }
    // A chunked body has no declared length: read at most the limit, then refuse.
    let (parts, body) = req.into_parts();
    let read = tokio::time::timeout(l.body_timeout, axum::body::to_bytes(body, l.max_body_bytes));
    let bytes = match read.await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => return too_big(),
        Err(_) => {
            let mut r = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                format!(
                    "the request body did not arrive within {} s: send it whole, with its Content-Length",
                    l.body_timeout.as_secs()
                ),
            )
            .into_response();
            // The rest of a late body would be read as the next request.
            r.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            return r;
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Authenticates the bearer key, puts the [`crate::vault::Grant`] in the request's
/// extensions, and audits the use (route, outcome, client address; never the key).
/// The audit entry is committed before the response leaves: if it cannot be, the
/// response (perhaps a value) is replaced by an error.
pub async fn authenticate(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    matched: MatchedPath,
    mut req: Request,
    next: Next,
) -> Response {
    let route = format!("{} {}", req.method(), matched.as_str());
    if let Gate::Closed {
        retry_after,
        scope,
        first,
    } = app.limiter.check(peer)
    {
        if first {
            let detail =
                format!("{route} from {peer}: rate-limited after repeated failures from {scope}");
            if let Some(d) = app.refusals.note(peer, detail) {
                record_refusal(&app, d).await;
            }
        }
        return ApiError::rate_limited(retry_after).into_response();
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        // The scheme is case-insensitive (RFC 9110 section 11.1).
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim());
    let verdict = match presented {
        None => Err(None),
        Some(key) => match app.vault.read().and_then(|r| r.verify_access_key(key)) {
            Ok(Ok(grant)) => Ok(grant),
            Ok(Err(refusal)) => Err(Some((refusal, key))),
            Err(e) => return ApiError::from(e).into_response(),
        },
    };
    let grant = match verdict {
        Ok(g) => g,
        Err(why) => return refuse(&app, peer, &route, why).await,
    };
    app.limiter.succeeded(peer);
    let path: String = req.uri().path().chars().take(256).collect();
    let method = req.method().clone();
    let id = grant.id.clone();
    req.extensions_mut().insert(grant);
    let response = next.run(req).await;
    let status = response.status();
    let detail = format!("{method} {path} from {peer}: {}", status.as_u16());
    let ok = status.is_success();
    let audited = app
        .engine
        .apply(move |tx| tx.record_access_use(Some(&id), ok, &detail))
        .await;
    match audited {
        Ok(()) => response,
        Err(e) => ApiError::internal(format!("cannot write the audit log: {e}")).into_response(),
    }
}

/// A request with no key or a refused one: counted against its peer, audited (naming
/// the key's id, never the key) and answered 401.
async fn refuse(app: &App, peer: Peer, route: &str, why: Option<(Refusal, &str)>) -> Response {
    app.limiter.failed(peer);
    let refusal = why.map(|(r, _)| r);
    let id = why.and_then(|(_, k)| access_key_id(k)).map(str::to_string);
    let reason = refusal.map_or("no key", |r| r.as_str());
    let detail = format!("{route} from {peer}: 401 ({reason})");
    let noted = app.refusals.note(peer, detail);
    if app.refusals.alert_due() {
        app.engine.notify(crate::engine::Event::AccessRefused {
            refused: super::refusals::ALERT_AFTER,
            detail: format!(
                "the latest from {peer} ({reason}); see `keyward audit --action access-key-use`"
            ),
        });
    }
    if let Some(d) = noted {
        let audited = app
            .engine
            .apply(move |tx| tx.record_access_use(id.as_deref(), false, &d))
            .await;
        if let Err(e) = audited {
            return ApiError::internal(format!("cannot write the audit log: {e}")).into_response();
        }
    }
    ApiError::unauthorized(refusal).into_response()
}

/// Writes a refusal entry (or a summary of counted ones) that names no key. A failure
/// to write it refuses nothing more: the request was refused anyway.
pub(super) async fn record_refusal(app: &App, detail: String) {
    let _ = app
        .engine
        .apply(move |tx| tx.record_access_use(None, false, &detail))
        .await;
}
