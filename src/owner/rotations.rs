//! The owner's rotation commands (run now, revoke as compromised, remove: API key and
//! JWT signing key rotations alike, by name) and ad hoc Supabase API keys.

use std::time::Duration;

use super::Owner;
use crate::engine::keyrotation::{self, KeyRotator, TargetClients};
use crate::engine::signing::SigningRotator;
use crate::ops::{Reply, RotatedKey, Sensitive, SigningRotated, SupabaseKey};
use crate::vault::{Cause, KeyKind, Outcome, SecretValue};

/// How long rotation commands wait for the new key to reach mapped targets.
const SYNC_WAIT: Duration = Duration::from_secs(60);

impl Owner {
    /// A key rotation driver on the owner's engine (a command of this process marks its
    /// rotation in flight, so the resident loop leaves it alone).
    fn rotator(&self, engine: &crate::engine::EngineHandle) -> KeyRotator {
        let clients = TargetClients::new(self.vault.clone(), self.clients.clone()).for_rotations();
        let mut kr = KeyRotator::new(self.vault.clone(), engine.clone(), clients);
        kr.retry = self.config.retry.clone();
        kr
    }

    /// A signing key rotation driver on the owner's engine.
    fn signer(&self, engine: &crate::engine::EngineHandle) -> SigningRotator {
        let clients = TargetClients::new(self.vault.clone(), self.clients.clone()).for_signing();
        let mut s = SigningRotator::new(self.vault.clone(), engine.clone(), clients);
        s.retry = self.config.retry.clone();
        s
    }

    /// Whether `name` is a signing key rotation (else an API key rotation, or unknown).
    async fn is_signing(&self, name: &str) -> Result<bool, String> {
        let n = name.to_owned();
        self.read(move |r| Ok(r.signing_rotation(&n).is_ok())).await
    }

    async fn signing_run(&self, name: String, revoke: Option<String>) -> Result<Reply, String> {
        let lease = self.lease(None);
        let s = self.signer(&lease.handle);
        let out = match &revoke {
            None => s.rotate_now(&name).await,
            Some(reason) => s.revoke(&name, reason).await,
        };
        lease.done().await;
        let p = out.map_err(|e| e.to_string())?;
        Ok(Reply::SigningRotated(SigningRotated {
            name: p.name,
            key_id: p.key_id,
            algorithm: p.algorithm,
            imported_legacy: p.imported_legacy,
            previous: p.previous,
        }))
    }

    pub(crate) async fn rotation_run(
        &self,
        name: String,
        revoke: Option<String>,
    ) -> Result<Reply, String> {
        if self.is_signing(&name).await? {
            return self.signing_run(name, revoke).await;
        }
        let n = name.clone();
        self.read(move |r| r.key_rotation(&n)).await?;
        let lease = self.lease(None);
        let kr = self.rotator(&lease.handle);
        let out = match &revoke {
            None => kr.rotate_now(&name).await,
            Some(reason) => kr.revoke(&name, reason).await,
        };
        if out.is_ok() {
            // The rotated key reaches mapped targets before the command answers.
            lease.handle.kick();
            super::wait::until(&lease.handle, &self.vault, Some(SYNC_WAIT), super::settled).await;
        }
        lease.done().await;
        let r = out.map_err(|e| e.to_string())?;
        Ok(Reply::Rotated(RotatedKey {
            name: r.name,
            key_id: r.key_id,
            key_name: r.key_name,
            version: r.version,
            cleanup_pending: r.cleanup_pending,
        }))
    }

    pub(crate) async fn rotation_remove(&self, name: String) -> Result<Reply, String> {
        if self.is_signing(&name).await? {
            let lease = self.lease(None);
            let out = self.signer(&lease.handle).remove(&name).await;
            lease.done().await;
            out.map_err(|e| e.to_string())?;
            return Ok(Reply::Removed(0));
        }
        let n = name.clone();
        self.read(move |r| r.key_rotation(&n)).await?;
        let lease = self.lease(None);
        let out = self.rotator(&lease.handle).remove(&name).await;
        lease.done().await;
        Ok(Reply::Removed(out.map_err(|e| e.to_string())?))
    }

    pub(crate) async fn create_supabase_key(
        &self,
        via: Option<String>,
        name: String,
        target: String,
        kind: KeyKind,
        description: Option<String>,
        into: Option<(String, String)>,
    ) -> Result<Reply, String> {
        if let Some((p, _)) = &into {
            let p = p.clone();
            self.read(move |r| r.project_id(&p)).await?;
        }
        let client = TargetClients::new(self.vault.clone(), self.clients.clone())
            .client(&target, None)
            .map_err(|e| e.to_string())?;
        let (id, value) =
            keyrotation::create_key(&client, &target, kind, &name, description.as_deref())
                .await
                .map_err(|e| e.to_string())?;
        use secrecy::ExposeSecret;
        match into {
            Some((p, n)) => {
                let value = SecretValue::simple(value.expose_secret());
                let (p2, n2, id2) = (p.clone(), n.clone(), id.clone());
                let w = self
                    .write(via, move |tx| {
                        let w = tx.set_value(&p2, &n2, &value, Cause::Edit)?;
                        tx.audit(
                            "supabase-key-create",
                            &name,
                            Outcome::Ok,
                            &format!("{} key {id2} of {target} into {p2}/{n2}", kind.as_str()),
                        )?;
                        Ok(w)
                    })
                    .await?;
                Ok(Reply::SupabaseKey(SupabaseKey {
                    id,
                    value: None,
                    saved: Some((p, n, w.version)),
                }))
            }
            None => {
                let id2 = id.clone();
                self.write(via, move |tx| {
                    tx.audit(
                        "supabase-key-create",
                        &name,
                        Outcome::Ok,
                        &format!("{} key {id2} of {target}, shown once", kind.as_str()),
                    )
                })
                .await?;
                Ok(Reply::SupabaseKey(SupabaseKey {
                    id,
                    value: Some(Sensitive::new(value.expose_secret())),
                    saved: None,
                }))
            }
        }
    }
}
