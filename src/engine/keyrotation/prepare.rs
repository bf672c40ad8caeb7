//! Before a new key is created: make room and decide its privileges.
//!
//! Room: the key retired a rotation ago, every key queued for deletion and every stray
//! named like the rotation's keys (left by a kill) are deleted first, so at most two of
//! a rotation's keys are alive at any instant (current and the new one), whatever kills
//! happen. If a delete fails nothing is created: the attempt waits for the clean-up.
//!
//! Privileges: a secret key is created with an explicit JWT template: the rotation's
//! own, else the one of the key it replaces, else the project's default secret key's.

use super::*;
use crate::supabase::api::{ApiKey, ApiKeyType};
use crate::vault::JwtTemplate;

/// What the listing said that the create needs.
pub(super) struct Ready {
    pub template: Option<JwtTemplate>,
}

/// Keys of the project named like the rotation's that it does not know, plus the one
/// an interrupted attempt created (by recorded id or by name).
pub(super) fn orphans(r: &KeyRotation, listed: &[ApiKey]) -> Vec<KeyRef> {
    let known: Vec<String> = r.live_keys().into_iter().map(|k| k.id).collect();
    listed
        .iter()
        .filter_map(|k| {
            let id = k.id.clone()?;
            let pending = match &r.state.phase {
                Phase::Creating { key_name, key_id } => {
                    key_id.as_deref() == Some(id.as_str()) || *key_name == k.name
                }
                Phase::Idle => false,
            };
            let stray = r.owns_key_name(&k.name) && !known.contains(&id);
            (pending || stray).then(|| KeyRef {
                id,
                name: k.name.clone(),
            })
        })
        .collect()
}

/// The template a new secret key of `r` gets, and where it came from.
fn template_for(r: &KeyRotation, listed: &[ApiKey]) -> Result<Option<JwtTemplate>, String> {
    if r.key_type != KeyKind::Secret {
        return Ok(None);
    }
    if let Some(t) = &r.template {
        return Ok(Some(t.clone()));
    }
    let of = |k: &ApiKey| k.secret_jwt_template.clone().filter(|t| !t.is_empty());
    let current = r
        .state
        .current
        .as_ref()
        .and_then(|c| {
            listed
                .iter()
                .find(|k| k.id.as_deref() == Some(c.id.as_str()))
        })
        .and_then(of);
    let default = || {
        listed
            .iter()
            .find(|k| k.key_type == Some(ApiKeyType::Secret) && k.name == "default")
            .and_then(of)
    };
    match current.or_else(default) {
        Some(t) => Ok(Some(t)),
        None => Err(
            "cannot tell which privileges the new secret key should carry: neither the key it replaces nor the project's default secret key shows a secret_jwt_template; remove the rotation and add it again with --template '{\"role\":\"service_role\"}' (or the role it needs)"
                .into(),
        ),
    }
}

impl KeyRotator {
    /// Clears the way for a new key of `name` and returns what its creation needs, or
    /// the reason no key may be created now (nothing is created then).
    pub(super) async fn prepare(&self, client: &Client, name: &str) -> Result<Ready, String> {
        let r = self.read(name).map_err(|e| e.to_string())?;
        let listed = client
            .list_api_keys(&r.project_ref, false)
            .await
            .map_err(|e| format!("listing the project's keys: {e}"))?;
        let template = template_for(&r, &listed)?;
        let strays = orphans(&r, &listed);
        let n = name.to_owned();
        self.handle
            .apply(move |tx| {
                let mut r = tx.key_rotation(&n)?;
                if let Some(old) = r.state.previous.take() {
                    r.state.retiring.push(old);
                    r.state.previous_until = None;
                }
                for o in strays {
                    if !r.state.retiring.contains(&o) {
                        tx.audit(
                            "key-rotation-recover",
                            &n,
                            Outcome::Ok,
                            &format!("stray {}", o.name),
                        )?;
                        r.state.retiring.push(o);
                    }
                }
                tx.save_key_rotation(&r)
            })
            .await
            .map_err(|e| e.to_string())?;
        let done = self
            .cleanup(client, name)
            .await
            .map_err(|e| e.to_string())?;
        if !done {
            let r = self.read(name).map_err(|e| e.to_string())?;
            let left: Vec<&str> = r.state.retiring.iter().map(|k| k.name.as_str()).collect();
            return Err(format!(
                "clean-up pending: {} could not be deleted yet, and no new key is made before it is (at most two keys alive); retried",
                left.join(", ")
            ));
        }
        Ok(Ready { template })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, ty: ApiKeyType, id: &str, role: Option<&str>) -> ApiKey {
        ApiKey {
            api_key: None,
            id: Some(id.into()),
            key_type: Some(ty),
            prefix: None,
            name: name.into(),
            description: None,
            hash: None,
            secret_jwt_template: role.map(|r| {
                let mut m = JwtTemplate::new();
                m.insert("role".into(), r.into());
                m
            }),
            inserted_at: None,
            updated_at: None,
        }
    }

    fn rotation(kind: KeyKind) -> KeyRotation {
        let n = crate::vault::NewKeyRotation {
            name: "api".into(),
            project_ref: "a".repeat(20),
            connection: None,
            key_type: kind,
            every_days: 1,
            at_minute: 0,
            auto: true,
            into_project: "p".into(),
            into_name: "k".into(),
            grace: None,
        };
        KeyRotation {
            name: n.name,
            project_ref: n.project_ref,
            connection: None,
            key_type: n.key_type,
            every_days: 1,
            at_minute: 0,
            auto: true,
            into: crate::vault::IntoSecret {
                project: n.into_project,
                name: n.into_name,
                id: None,
            },
            grace: None,
            template: None,
            created: 0,
            state: Default::default(),
        }
    }

    #[test]
    fn the_template_comes_from_the_rotation_then_the_replaced_key_then_the_default() {
        let listed = vec![
            key("default", ApiKeyType::Secret, "d", Some("service_role")),
            key("keyward_api_1", ApiKeyType::Secret, "k1", Some("custom")),
        ];
        let mut r = rotation(KeyKind::Secret);
        let role = |t: Option<JwtTemplate>| t.and_then(|t| t["role"].as_str().map(str::to_owned));
        assert_eq!(
            role(template_for(&r, &listed).unwrap()).as_deref(),
            Some("service_role")
        );
        r.state.current = Some(KeyRef {
            id: "k1".into(),
            name: "keyward_api_1".into(),
        });
        assert_eq!(
            role(template_for(&r, &listed).unwrap()).as_deref(),
            Some("custom")
        );
        let mut own = JwtTemplate::new();
        own.insert("role".into(), "reader".into());
        r.template = Some(own);
        assert_eq!(
            role(template_for(&r, &listed).unwrap()).as_deref(),
            Some("reader")
        );
        let bare = vec![key("default", ApiKeyType::Secret, "d", None)];
        let err = template_for(&rotation(KeyKind::Secret), &bare).unwrap_err();
        assert!(err.contains("--template"), "{err}");
        assert_eq!(
            template_for(&rotation(KeyKind::Publishable), &bare).unwrap(),
            None
        );
    }
}
