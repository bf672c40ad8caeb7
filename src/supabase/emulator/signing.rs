//! Auth's JWT signing keys (`/v1/projects/{ref}/config/auth/signing-keys`): create a
//! standby key, promote it (the key in use becomes previously used), revoke, delete a
//! revoked key, and import the legacy JWT secret as an HS256 key. Illegal transitions
//! are refused with 400, as the API does: deleting a key that is not revoked, revoking
//! the key in use, a second standby key, and revoking the legacy secret while the legacy
//! API keys (signed with it) are still enabled.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::reply::{ApiError, json_body};
use super::world::ProjectRecord;
use super::{Shared, clock};
use crate::supabase::api::{SigningAlgorithm, SigningKey, SigningKeyStatus, SigningKeys};

const BASE: &str = "/v1/projects/{ref}/config/auth/signing-keys";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SigningKeyRecord {
    pub id: String,
    pub algorithm: SigningAlgorithm,
    pub status: SigningKeyStatus,
    pub public_jwk: Option<serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
    /// The project's legacy JWT secret, imported.
    #[serde(default)]
    pub legacy: bool,
    /// When it was revoked (ms since the epoch, the emulator's own clock): deletes wait
    /// `revoked_key_min_age_secs` after it.
    #[serde(default)]
    pub revoked_at_ms: Option<u64>,
}

impl SigningKeyRecord {
    fn new(algorithm: SigningAlgorithm, status: SigningKeyStatus, legacy: bool) -> Self {
        let id = clock::uuid_v4();
        let now = clock::now_rfc3339();
        let public_jwk = match algorithm {
            // A symmetric key has no public half.
            SigningAlgorithm::HS256 | SigningAlgorithm::Unknown => None,
            SigningAlgorithm::RS256 => Some(serde_json::json!({
                "kty": "RSA", "alg": "RS256", "kid": id, "use": "sig", "key_ops": ["verify"],
                "ext": true, "e": "AQAB", "n": clock::random_alnum(342),
            })),
            SigningAlgorithm::ES256 => Some(serde_json::json!({
                "kty": "EC", "alg": "ES256", "kid": id, "use": "sig", "key_ops": ["verify"],
                "ext": true, "crv": "P-256", "x": clock::random_alnum(43), "y": clock::random_alnum(43),
            })),
            SigningAlgorithm::EdDSA => Some(serde_json::json!({
                "kty": "OKP", "alg": "EdDSA", "kid": id, "use": "sig", "key_ops": ["verify"],
                "ext": true, "crv": "Ed25519", "x": clock::random_alnum(43),
            })),
        };
        SigningKeyRecord {
            id,
            algorithm,
            status,
            public_jwk,
            created_at: now.clone(),
            updated_at: now,
            legacy,
            revoked_at_ms: None,
        }
    }

    pub fn view(&self) -> SigningKey {
        SigningKey {
            id: self.id.clone(),
            algorithm: self.algorithm,
            status: self.status,
            public_jwk: Some(self.public_jwk.clone().unwrap_or(serde_json::Value::Null)),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
        }
    }

    fn set(&mut self, status: SigningKeyStatus) {
        self.status = status;
        self.updated_at = clock::now_rfc3339();
        self.revoked_at_ms = (status == SigningKeyStatus::Revoked).then(now_ms);
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Whether the project's legacy API keys still work: enabled, and the legacy secret
/// that signs them not revoked.
pub fn legacy_keys_live(p: &ProjectRecord) -> bool {
    p.legacy_keys_enabled
        && !p
            .signing_keys
            .iter()
            .any(|k| k.legacy && k.status == SigningKeyStatus::Revoked)
}

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(
            &format!("{BASE}/legacy"),
            post(import_legacy).get(get_legacy),
        )
        .route(
            &format!("{BASE}/{{id}}"),
            get(get_one).patch(update).delete(remove),
        )
}

fn status_of(v: Option<&serde_json::Value>) -> Result<Option<SigningKeyStatus>, ApiError> {
    match v {
        None => Ok(None),
        Some(v) => match serde_json::from_value::<SigningKeyStatus>(v.clone()) {
            Ok(SigningKeyStatus::Unknown) | Err(_) => Err(ApiError::bad_request(
                "status must be one of: in_use, previously_used, revoked, standby",
            )),
            Ok(s) => Ok(Some(s)),
        },
    }
}

async fn list(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
) -> Result<Json<SigningKeys>, ApiError> {
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    Ok(Json(SigningKeys {
        keys: p.signing_keys.iter().map(SigningKeyRecord::view).collect(),
    }))
}

async fn get_one(
    State(s): State<Arc<Shared>>,
    Path((r, id)): Path<(String, String)>,
) -> Result<Json<SigningKey>, ApiError> {
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    find(p, &id).map(|k| Json(p.signing_keys[k].view()))
}

fn find(p: &ProjectRecord, id: &str) -> Result<usize, ApiError> {
    p.signing_keys
        .iter()
        .position(|k| k.id == id)
        .ok_or_else(|| ApiError::not_found("Signing key not found"))
}

/// Makes `i` the key in use; the one in use before becomes previously used.
fn promote(p: &mut ProjectRecord, i: usize) {
    for (j, k) in p.signing_keys.iter_mut().enumerate() {
        if j != i && k.status == SigningKeyStatus::InUse {
            k.set(SigningKeyStatus::PreviouslyUsed);
        }
    }
    p.signing_keys[i].set(SigningKeyStatus::InUse);
}

async fn create(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v = json_body(&headers, &body)?;
    let Some(obj) = v.as_object() else {
        return Err(ApiError::bad_request("Request body must be an object"));
    };
    if let Some(k) = obj
        .keys()
        .find(|k| !["algorithm", "status", "private_jwk"].contains(&k.as_str()))
    {
        return Err(ApiError::bad_request(format!(
            "property {k} should not exist"
        )));
    }
    let algorithm = match obj
        .get("algorithm")
        .map(|a| serde_json::from_value::<SigningAlgorithm>(a.clone()))
    {
        Some(Ok(a)) if a != SigningAlgorithm::Unknown => a,
        _ => {
            return Err(ApiError::bad_request(
                "algorithm must be one of: EdDSA, ES256, RS256, HS256",
            ));
        }
    };
    let status = status_of(obj.get("status"))?.unwrap_or(SigningKeyStatus::Standby);
    if !matches!(status, SigningKeyStatus::Standby | SigningKeyStatus::InUse) {
        return Err(ApiError::bad_request(
            "status of a new key must be standby or in_use",
        ));
    }
    if algorithm == SigningAlgorithm::HS256 && obj.get("private_jwk").is_none() {
        return Err(ApiError::bad_request(
            "An HS256 key needs its secret in private_jwk; the project's own JWT secret is imported through /signing-keys/legacy",
        ));
    }
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    if status == SigningKeyStatus::Standby
        && p.signing_keys
            .iter()
            .any(|k| k.status == SigningKeyStatus::Standby)
    {
        return Err(ApiError::bad_request(
            "This project already has a standby key: promote or revoke it first",
        ));
    }
    p.signing_keys.push(SigningKeyRecord::new(
        algorithm,
        SigningKeyStatus::Standby,
        false,
    ));
    let i = p.signing_keys.len() - 1;
    if status == SigningKeyStatus::InUse {
        promote(p, i);
    }
    Ok((StatusCode::CREATED, Json(p.signing_keys[i].view())).into_response())
}

/// The transitions the API allows; everything else is a 400 naming the two statuses.
fn check_transition(
    p: &ProjectRecord,
    k: &SigningKeyRecord,
    to: SigningKeyStatus,
) -> Result<(), ApiError> {
    use SigningKeyStatus::*;
    let allowed = matches!(
        (k.status, to),
        (Standby, InUse)
            | (Standby, Revoked)
            | (PreviouslyUsed, InUse)
            | (PreviouslyUsed, Revoked)
            | (Revoked, PreviouslyUsed)
    );
    if !allowed {
        let hint = match (k.status, to) {
            (InUse, Revoked) => ": promote another key first; the key in use cannot be revoked",
            (InUse, _) => ": a key leaves in_use only when another key is promoted",
            _ => "",
        };
        return Err(ApiError::bad_request(format!(
            "A signing key cannot go from {} to {}{hint}",
            k.status.as_str(),
            to.as_str()
        )));
    }
    if k.legacy && to == Revoked && p.legacy_keys_enabled {
        return Err(ApiError::bad_request(
            "The legacy JWT secret signs the legacy anon and service_role API keys: disable the legacy API keys before revoking it",
        ));
    }
    Ok(())
}

async fn update(
    State(s): State<Arc<Shared>>,
    Path((r, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SigningKey>, ApiError> {
    let v = json_body(&headers, &body)?;
    let extra = v
        .as_object()
        .and_then(|o| o.keys().find(|k| k.as_str() != "status").cloned());
    if let Some(k) = extra {
        return Err(ApiError::bad_request(format!(
            "property {k} should not exist"
        )));
    }
    let to =
        status_of(v.get("status"))?.ok_or_else(|| ApiError::bad_request("status is required"))?;
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    let i = find(p, &id)?;
    if p.signing_keys[i].status == to {
        return Ok(Json(p.signing_keys[i].view()));
    }
    check_transition(p, &p.signing_keys[i], to)?;
    if to == SigningKeyStatus::InUse {
        promote(p, i);
    } else {
        p.signing_keys[i].set(to);
    }
    Ok(Json(p.signing_keys[i].view()))
}

async fn remove(
    State(s): State<Arc<Shared>>,
    Path((r, id)): Path<(String, String)>,
) -> Result<Json<SigningKey>, ApiError> {
    let min_age = s.control.faults().revoked_key_min_age_secs;
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    let i = find(p, &id)?;
    let k = &p.signing_keys[i];
    if k.status != SigningKeyStatus::Revoked {
        return Err(ApiError::bad_request(format!(
            "Only a revoked signing key can be removed; this one is {}",
            k.status.as_str()
        )));
    }
    let age = now_ms().saturating_sub(k.revoked_at_ms.unwrap_or(0)) / 1000;
    if age < min_age {
        return Err(ApiError::bad_request(format!(
            "This key was revoked {age}s ago: a revoked key can be removed after {min_age}s"
        )));
    }
    Ok(Json(p.signing_keys.remove(i).view()))
}

async fn import_legacy(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
) -> Result<Response, ApiError> {
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    if p.signing_keys.iter().any(|k| k.legacy) {
        return Err(ApiError::bad_request(
            "The legacy JWT secret is already imported as a signing key",
        ));
    }
    if p.signing_keys
        .iter()
        .any(|k| k.status == SigningKeyStatus::InUse)
    {
        return Err(ApiError::bad_request(
            "This project already uses signing keys: there is no legacy JWT secret in use to import",
        ));
    }
    p.signing_keys.push(SigningKeyRecord::new(
        SigningAlgorithm::HS256,
        SigningKeyStatus::InUse,
        true,
    ));
    let view = p.signing_keys[p.signing_keys.len() - 1].view();
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn get_legacy(
    State(s): State<Arc<Shared>>,
    Path(r): Path<String>,
) -> Result<Json<SigningKey>, ApiError> {
    let mut w = s.world();
    let p = w.project_mut(&r)?;
    p.signing_keys
        .iter()
        .find(|k| k.legacy)
        .map(|k| Json(k.view()))
        .ok_or_else(|| {
            ApiError::not_found("The legacy JWT secret is not imported as a signing key")
        })
}
