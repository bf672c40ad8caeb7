//! Every response the API sends that is not a success body: one JSON shape,
//! `{"error": {"code": "...", "message": "..."}}`, where the message says what to do.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::vault::{Refusal, VaultError};

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<Duration>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn unauthorized(why: Option<Refusal>) -> Self {
        let message = match why {
            None => {
                "no access key: send `Authorization: Bearer kw_...` (make one with `keyward key create`)"
            }
            Some(Refusal::Revoked) => {
                "this access key was revoked: make a new one with `keyward key create`"
            }
            // Malformed, unknown and wrong secrets look alike to the client.
            Some(_) => {
                "the access key is not valid: check it was copied whole (`keyward key list` shows the last 4 characters)"
            }
        };
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn rate_limited(retry_after: Duration) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "too many failed access keys from this address: wait {} s, then use a valid key",
                    retry_after.as_secs().max(1)
                ),
            )
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<VaultError> for ApiError {
    fn from(e: VaultError) -> Self {
        // Vault messages never carry a value or a key (see vault/error.rs).
        let (status, code) = match &e {
            VaultError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            VaultError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            VaultError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        Self::new(status, code, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut r = (self.status, Json(body)).into_response();
        let h = r.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(d) = self.retry_after {
            let secs = d.as_secs().max(1) + u64::from(d.subsec_nanos() > 0);
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}
