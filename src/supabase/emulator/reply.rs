//! Error answers in the API's shape: `{"message": ...}`, plus `missing_permissions` on a
//! scoped token's 403.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::supabase::api::ErrorBody;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                message: message.into(),
                ..ErrorBody::default()
            },
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized")
    }

    pub fn forbidden(message: impl Into<String>, missing: &[&str]) -> Self {
        let mut e = Self::new(StatusCode::FORBIDDEN, message);
        e.body.missing_permissions = missing.iter().map(|s| s.to_string()).collect();
        e
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// Parses a JSON request body, answering 400 in the API's shape (axum's own rejections
/// are plain text with other statuses). A body must be sent as `application/json`: the
/// real API's body parser ignores anything else, which makes a bodyless DELETE a no-op
/// there and a 400 here, so a client that forgets the header is caught.
pub fn json_body(
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, ApiError> {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return Err(ApiError::bad_request(
            "Request body must be JSON (content-type: application/json)",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))
}
