//! Reaching Supabase for a rotation: ad hoc key creation and the client of a target's
//! stored connection.

use super::*;

/// Creates an ad hoc key (not part of a rotation) and returns its id and value, revealed
/// once. A key Supabase created but did not reveal is deleted again, so nothing is left
/// that nobody can use.
pub async fn create_key(
    client: &Client,
    project_ref: &str,
    kind: KeyKind,
    name: &str,
    description: Option<&str>,
) -> Result<(String, SecretString), String> {
    let mut body = CreateApiKey::new(api_key_type(kind), name);
    if let Some(d) = description {
        body = body.with_description(d);
    }
    if kind == KeyKind::Secret {
        // The privileges of the project's default secret key, stated explicitly.
        let listed = client
            .list_api_keys(project_ref, false)
            .await
            .map_err(|e| format!("listing the project's keys: {e}"))?;
        let template = listed
            .iter()
            .find(|k| {
                k.key_type == Some(crate::supabase::api::ApiKeyType::Secret) && k.name == "default"
            })
            .and_then(|k| k.secret_jwt_template.clone())
            .filter(|t| !t.is_empty());
        match template {
            Some(t) => body.secret_jwt_template = Some(t),
            None => {
                return Err("the project's default secret key shows no secret_jwt_template, so the new key's privileges cannot be matched to it: create the key in the Supabase dashboard".into());
            }
        }
    }
    let k = client
        .create_api_key(project_ref, &body)
        .await
        .map_err(|e| format!("Supabase did not create the key: {e}"))?;
    let id = k.id.clone().unwrap_or_default();
    match k.revealed_key() {
        Some(v) => Ok((id, SecretString::from(v.to_owned()))),
        None => {
            if !id.is_empty() {
                let _ = client
                    .delete_api_key(project_ref, &id, &DeleteApiKey::default())
                    .await;
            }
            Err("Supabase created the key but did not reveal its value, so it was deleted again: use a token allowed to reveal keys".into())
        }
    }
}

/// The connection that reaches a project: the target's own, or (when the target was
/// removed since) the one recorded with the rotation.
fn connection_for(
    vault: &Vault,
    project_ref: &str,
    recorded: Option<&str>,
) -> Result<crate::vault::Connection, String> {
    let r = vault.read().map_err(|e| e.to_string())?;
    let name = match (r.target(project_ref), recorded) {
        (Ok(t), _) => t.connection,
        (Err(_), Some(c)) => c.to_owned(),
        (Err(e), None) => return Err(e.to_string()),
    };
    r.connection(&name).map_err(|e| e.to_string())
}

/// The name of the connection a target is reached through; an error naming what to do
/// when `project_ref` is not a target.
pub fn connection_of_target(vault: &Vault, project_ref: &str) -> Result<Option<String>, String> {
    Ok(Some(connection_for(vault, project_ref, None)?.name))
}

/// Clients for rotations and ad hoc keys, from each target's stored connection: the
/// process's one client set (`engine::clients`), so rotations spend the same rate
/// budget as sync.
#[derive(Clone)]
pub struct TargetClients {
    vault: Arc<Vault>,
    clients: Arc<crate::engine::clients::Clients>,
}

impl TargetClients {
    pub fn new(vault: Arc<Vault>, clients: Arc<crate::engine::clients::Clients>) -> Self {
        Self { vault, clients }
    }

    /// The client that reaches `project_ref`.
    pub fn client(&self, project_ref: &str, recorded: Option<&str>) -> Result<Client, String> {
        let conn = connection_for(&self.vault, project_ref, recorded)?;
        self.clients.client(&conn)
    }

    /// The same, in the shape the driver takes.
    pub fn for_rotations(&self) -> ClientFor {
        let me = self.clone();
        Arc::new(move |r: &KeyRotation| me.client(&r.project_ref, r.connection.as_deref()))
    }

    /// The same, for signing key rotations.
    pub fn for_signing(&self) -> crate::engine::signing::SigningClientFor {
        let me = self.clone();
        Arc::new(move |r: &crate::vault::SigningRotation| {
            me.client(&r.project_ref, r.connection.as_deref())
        })
    }
}
