//! Types of the key-management endpoints beside the API keys themselves: Auth's JWT
//! signing keys (`/config/auth/signing-keys`, `.../legacy`), the switch of the legacy
//! API keys (`/api-keys/legacy`) and an API key's update body. Shaped like the official
//! spec (`SigningKeyResponse`, `SigningKeysResponse`, `CreateSigningKeyBody`,
//! `UpdateSigningKeyBody`, `LegacyApiKeysResponse`, `UpdateApiKeyBody`); re-exported
//! from `api`.

use serde::{Deserialize, Serialize};

/// The signing algorithms the spec names. `HS256` is the legacy JWT secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SigningAlgorithm {
    EdDSA,
    ES256,
    RS256,
    HS256,
    /// One this build does not know: a new one must not make the list unreadable.
    #[serde(other)]
    Unknown,
}

impl SigningAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EdDSA => "EdDSA",
            Self::ES256 => "ES256",
            Self::RS256 => "RS256",
            Self::HS256 => "HS256",
            Self::Unknown => "unknown",
        }
    }
}

impl std::str::FromStr for SigningAlgorithm {
    type Err = String;
    /// The asymmetric algorithms a rotation may create (HS256 only arrives by import).
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "RS256" | "rs256" => Ok(Self::RS256),
            "ES256" | "es256" => Ok(Self::ES256),
            "EdDSA" | "eddsa" | "EDDSA" => Ok(Self::EdDSA),
            other => Err(format!(
                "unknown signing algorithm {other:?}: use RS256, ES256 or EdDSA"
            )),
        }
    }
}

/// Where a signing key stands. Auth signs new JWTs with the key `in_use`, verifies with
/// `in_use` and `previously_used` ones, and refuses JWTs of `revoked` keys; a `standby`
/// key waits to be promoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SigningKeyStatus {
    InUse,
    PreviouslyUsed,
    Revoked,
    Standby,
    #[serde(other)]
    Unknown,
}

impl SigningKeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InUse => "in_use",
            Self::PreviouslyUsed => "previously_used",
            Self::Revoked => "revoked",
            Self::Standby => "standby",
            Self::Unknown => "unknown",
        }
    }
}

/// `SigningKeyResponse`: never the private key; `public_jwk` is null for HS256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SigningKey {
    pub id: String,
    pub algorithm: SigningAlgorithm,
    pub status: SigningKeyStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_jwk: Option<serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
}

/// `SigningKeysResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SigningKeys {
    pub keys: Vec<SigningKey>,
}

/// `CreateSigningKeyBody` without `private_jwk`: keyward lets Supabase generate the key,
/// so the private half never exists outside the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateSigningKey {
    pub algorithm: SigningAlgorithm,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SigningKeyStatus>,
}

/// `UpdateSigningKeyBody`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateSigningKey {
    pub status: SigningKeyStatus,
}

/// `LegacyApiKeysResponse`: whether the legacy `anon`/`service_role` keys are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyApiKeys {
    pub enabled: bool,
}

/// `UpdateApiKeyBody`: every field optional; absent ones are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateApiKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_jwt_template: Option<serde_json::Map<String, serde_json::Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_shapes_round_trip() {
        let k: SigningKey = serde_json::from_str(
            r#"{"id":"x","algorithm":"ES256","status":"previously_used","public_jwk":null,
                "created_at":"t","updated_at":"t"}"#,
        )
        .unwrap();
        assert_eq!(k.status, SigningKeyStatus::PreviouslyUsed);
        assert_eq!(k.algorithm, SigningAlgorithm::ES256);
        let k: SigningKey = serde_json::from_str(
            r#"{"id":"x","algorithm":"PS512","status":"retired","created_at":"t","updated_at":"t"}"#,
        )
        .unwrap();
        assert_eq!(
            (k.algorithm, k.status),
            (SigningAlgorithm::Unknown, SigningKeyStatus::Unknown)
        );
        let body = CreateSigningKey {
            algorithm: SigningAlgorithm::EdDSA,
            status: Some(SigningKeyStatus::Standby),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"algorithm":"EdDSA","status":"standby"}"#
        );
        assert!("HS256".parse::<SigningAlgorithm>().is_err());
        assert_eq!(
            "eddsa".parse::<SigningAlgorithm>(),
            Ok(SigningAlgorithm::EdDSA)
        );
    }
}
