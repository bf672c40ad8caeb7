//! Every key of a target in one view: its API keys (with their JWT templates), whether
//! its legacy keys are on, its JWT signing keys; each marked with the rotation that
//! manages it. Read from Supabase (three listings); never a key's value.

use super::Owner;
use crate::ops::{ApiKeyRow, Reply, SigningKeyRow, TargetKeys};
use crate::supabase::Error as ApiError;
use crate::supabase::api::{ApiKey, ApiKeyType};
use crate::vault::KeyRotation;

impl Owner {
    pub(crate) async fn target_keys(&self, target: String) -> Result<Reply, String> {
        let client = self.target_client(&target).await?;
        let t = target.clone();
        let (rotations, signing) = self
            .read(move |r| {
                let k: Vec<_> = r
                    .key_rotations()?
                    .into_iter()
                    .filter(|x| x.project_ref == t)
                    .collect();
                let s: Vec<_> = r
                    .signing_rotations()?
                    .into_iter()
                    .filter(|x| x.project_ref == t)
                    .collect();
                Ok((k, s))
            })
            .await?;
        let mut out = TargetKeys {
            target: target.clone(),
            ..TargetKeys::default()
        };
        match client.list_api_keys(&target, false).await {
            Ok(keys) => {
                out.api_keys = keys
                    .into_iter()
                    .map(|k| api_key_row(k, &rotations))
                    .collect();
            }
            Err(e) => out.errors.push(format!("API keys: {e}")),
        }
        match client.legacy_api_keys(&target).await {
            Ok(l) => out.legacy_enabled = Some(l.enabled),
            Err(ApiError::NotFound { .. }) => {}
            Err(e) => out.errors.push(format!("legacy keys: {e}")),
        }
        match client.list_signing_keys(&target).await {
            Ok(keys) => {
                out.signing_keys = keys
                    .into_iter()
                    .map(|k| {
                        let managed = signing
                            .iter()
                            .find(|r| r.known_ids().contains(&k.id.as_str()));
                        SigningKeyRow {
                            legacy: managed
                                .is_some_and(|r| r.state.legacy_id.as_deref() == Some(&k.id)),
                            rotation: managed.map(|r| r.name.clone()),
                            id: k.id,
                            algorithm: k.algorithm.as_str().to_owned(),
                            status: k.status.as_str().to_owned(),
                            created_at: k.created_at,
                        }
                    })
                    .collect();
            }
            Err(e) => out.errors.push(format!("signing keys: {e}")),
        }
        Ok(Reply::TargetKeys(Box::new(out)))
    }
}

/// One API key as the view shows it, marked with the rotation (and its part) that
/// manages it.
fn api_key_row(k: ApiKey, rotations: &[KeyRotation]) -> ApiKeyRow {
    let id = k.id.clone().unwrap_or_default();
    let rotation = rotations.iter().find_map(|r| {
        let s = &r.state;
        let part = if s.current.as_ref().is_some_and(|c| c.id == id) {
            "current"
        } else if s.previous.as_ref().is_some_and(|c| c.id == id) {
            "previous"
        } else if s.retiring.iter().any(|c| c.id == id) {
            "retiring"
        } else {
            return None;
        };
        Some((r.name.clone(), part.to_owned()))
    });
    ApiKeyRow {
        id: k.id,
        name: k.name,
        key_type: match k.key_type {
            Some(ApiKeyType::Legacy) => "legacy",
            Some(ApiKeyType::Publishable) => "publishable",
            Some(ApiKeyType::Secret) => "secret",
            _ => "unknown",
        }
        .to_owned(),
        template: k.secret_jwt_template,
        rotation,
    }
}
