//! The end of a key's life: a previously used key is revoked once its grace has passed
//! (every JWT it signed has expired by then), and a revoked key is deleted after a
//! further grace. Revoking as compromised skips the first grace.

use super::*;
use crate::supabase::Error as ApiError;

/// What one pass did to one key.
enum Step {
    Revoked(Aging),
    Deleted(Aging),
    /// Kept a while longer, with why (the legacy secret while legacy keys are on).
    Kept(Aging, String),
    Failed(String),
}

impl SigningRotator {
    /// Revokes previous keys whose grace ended (all of them, at once, with `now_all`)
    /// and deletes revoked keys whose further grace ended. True when nothing failed.
    pub(super) async fn age_keys(&self, client: &Client, name: &str, now_all: bool) -> R<bool> {
        let r = self.read(name)?;
        let now = self.vault.now();
        let mut steps = Vec::new();
        for a in r
            .state
            .previous
            .iter()
            .filter(|a| now_all || a.until <= now)
        {
            steps.push(self.revoke_one(client, &r, a).await);
        }
        for a in r.state.revoked.iter().filter(|a| a.until <= now) {
            steps.push(
                match client.delete_signing_key(&r.project_ref, &a.key.id).await {
                    Ok(_) | Err(ApiError::NotFound { .. }) => Step::Deleted(a.clone()),
                    Err(e) => Step::Failed(format!("deleting signing key {}: {e}", a.key.id)),
                },
            );
        }
        if steps.is_empty() {
            return Ok(true);
        }
        let ok = !steps.iter().any(|s| matches!(s, Step::Failed(_)));
        let n = name.to_owned();
        let retry = self.retry.clone();
        let mut said = Vec::new();
        for s in &steps {
            said.push(match s {
                Step::Revoked(a) => (true, format!("revoked signing key {}", a.key.id)),
                Step::Deleted(a) => (true, format!("deleted revoked signing key {}", a.key.id)),
                Step::Kept(_, why) | Step::Failed(why) => (false, why.clone()),
            });
        }
        self.handle
            .apply(move |tx| {
                let mut r = tx.signing_rotation(&n)?;
                let now = tx.now();
                for s in steps {
                    match s {
                        Step::Revoked(a) => {
                            r.state.previous.retain(|p| p.key != a.key);
                            tx.audit("signing-rotation-revoke", &n, Outcome::Ok, &a.key.id)?;
                            r.state.revoked.push(Aging {
                                key: a.key,
                                until: now + r.grace,
                            });
                        }
                        Step::Deleted(a) => {
                            r.state.revoked.retain(|p| p.key != a.key);
                            tx.audit("signing-rotation-delete", &n, Outcome::Ok, &a.key.id)?;
                        }
                        Step::Kept(a, why) => {
                            if let Some(p) = r.state.previous.iter_mut().find(|p| p.key == a.key) {
                                p.until = now + r.grace;
                            }
                            r.state.last_message = Some(why);
                        }
                        Step::Failed(why) => {
                            r.state.failures += 1;
                            let delay = retry.delay(r.state.failures, &mut rand::thread_rng());
                            r.state.retry_at = Some(now + delay.as_millis() as Millis);
                            tx.audit("signing-rotation", &n, Outcome::Failed, &why)?;
                            r.state.last_message = Some(format!(
                                "{}: {why}",
                                crate::engine::keyrotation::SAID_CLEANUP_PENDING
                            ));
                        }
                    }
                }
                tx.save_signing_rotation(&r)
            })
            .await?;
        for (ok, m) in said {
            self.say(name, ok, m);
        }
        Ok(ok)
    }

    /// The scheduled pass.
    pub(super) async fn age(&self, client: &Client, name: &str) -> R<bool> {
        self.age_keys(client, name, false).await
    }

    async fn revoke_one(&self, client: &Client, r: &SigningRotation, a: &Aging) -> Step {
        if r.state.legacy_id.as_deref() == Some(a.key.id.as_str()) {
            // The legacy API keys are JWTs signed with this secret: revoking it while
            // they are on would break every client still using them.
            match client.legacy_api_keys(&r.project_ref).await {
                Ok(l) if l.enabled => {
                    return Step::Kept(
                        a.clone(),
                        format!(
                            "the legacy JWT secret stays previously used while the legacy API keys are enabled: `keyward legacy-keys disable {}` first",
                            r.project_ref
                        ),
                    );
                }
                Ok(_) | Err(ApiError::NotFound { .. }) => {}
                Err(e) => {
                    return Step::Failed(format!("checking the legacy API keys: {e}"));
                }
            }
        }
        let body = UpdateSigningKey {
            status: SigningKeyStatus::Revoked,
        };
        match client
            .update_signing_key(&r.project_ref, &a.key.id, &body)
            .await
        {
            Ok(_) => Step::Revoked(a.clone()),
            // Gone already: nothing left to revoke or delete.
            Err(ApiError::NotFound { .. }) => Step::Deleted(a.clone()),
            Err(e) => Step::Failed(format!("revoking signing key {}: {e}", a.key.id)),
        }
    }

    /// Revoke as compromised: a fresh key is promoted, then every previous key is
    /// revoked at once (JWTs it signed stop verifying), deleted after the grace.
    pub async fn revoke(&self, name: &str, reason: &str) -> R<Promoted> {
        let promoted = self.rotate_now(name).await?;
        let r = self.read(name)?;
        let client = self.client(&r)?;
        let why = reason.to_owned();
        let n = name.to_owned();
        self.handle
            .apply(move |tx| {
                tx.audit(
                    "signing-rotation-revoke",
                    &n,
                    Outcome::Ok,
                    &format!("previous keys as compromised: {why}"),
                )
            })
            .await?;
        if !self.age_keys(&client, name, true).await? {
            let r = self.read(name)?;
            return Err(failed(
                name,
                format!(
                    "rotated, but a previous key could not be revoked: {}; run the revoke again",
                    r.state.last_message.unwrap_or_default()
                ),
            ));
        }
        Ok(promoted)
    }
}
