//! One signing key rotation attempt, step by step, each recorded before the next call
//! to Supabase: look at the project's keys, record the start, import the legacy JWT
//! secret where it still signs, make (or reuse) a standby key, promote it.

use super::*;

/// What the project holds, as an attempt finds it.
struct Found {
    /// The standby key an interrupted attempt of ours left, if Supabase still has it.
    ours: Option<SigningKeyRef>,
    /// The key Auth signs with.
    in_use: Option<SigningKeyRef>,
}

impl SigningRotator {
    /// One attempt; `due`: the scheduled due time it is for (never rotated twice).
    pub(super) async fn attempt(&self, name: &str, due: Option<Millis>) -> R<Promoted> {
        if !matches!(self.read(name)?.state.phase, SigningPhase::Idle) {
            self.recover_one(name).await?;
        }
        let r = self.read(name)?;
        let client = match self.client(&r) {
            Ok(c) => c,
            Err(KeyRotationError::Failed { message, .. }) => {
                return Err(self.fail(name, message).await);
            }
            Err(e) => return Err(e),
        };
        // Keys whose grace ended go first; a failure there does not stop the rotation.
        let _ = self.age(&client, name).await;
        let found = self.survey(&client, name, &r.project_ref).await?;
        // 1. Record the attempt: what is in use now, and the next step.
        self.start(name, due, found.in_use, found.ours.clone())
            .await?;
        // 2. The project still signs with its legacy JWT secret: import it first, so the
        // rotation can move Auth off it without invalidating the JWTs it signed.
        let mut imported_legacy = false;
        if matches!(self.read(name)?.state.phase, SigningPhase::Importing) {
            self.import_legacy(&client, name, &r.project_ref).await?;
            imported_legacy = true;
        }
        // 3. A standby key: the one kept from an interrupted attempt, or a new one.
        let new = match found.ours {
            Some(k) => k,
            None => self.make_standby(&client, name, &r).await?,
        };
        // 4. Promote: Auth signs with it from now on; the old key keeps verifying.
        let previous = self.promote(&client, name, &r.project_ref, &new).await?;
        Ok(Promoted {
            name: name.to_owned(),
            key_id: new.id,
            algorithm: new.algorithm,
            imported_legacy,
            previous,
        })
    }

    /// Lists the project's signing keys: the standby key of ours among them, the key in
    /// use; a standby key keyward did not make fails the attempt.
    async fn survey(&self, client: &Client, name: &str, project_ref: &str) -> R<Found> {
        let keys = match client.list_signing_keys(project_ref).await {
            Ok(k) => k,
            Err(e) => {
                return Err(self
                    .fail(name, format!("listing the project's signing keys: {e}"))
                    .await);
            }
        };
        let r = self.read(name)?;
        let ours = r.state.standby.clone().filter(|s| {
            keys.iter()
                .any(|k| k.id == s.id && k.status == SigningKeyStatus::Standby)
        });
        if let Some(other) = keys.iter().find(|k| {
            k.status == SigningKeyStatus::Standby && Some(&k.id) != ours.as_ref().map(|o| &o.id)
        }) {
            return Err(self
                .fail(
                    name,
                    format!(
                        "the project has a standby signing key keyward did not make ({}): promote or revoke it on Supabase first, then run the rotation again",
                        other.id
                    ),
                )
                .await);
        }
        let in_use = keys
            .iter()
            .find(|k| k.status == SigningKeyStatus::InUse)
            .map(key_ref);
        Ok(Found { ours, in_use })
    }

    /// Records the start (adopting the key in use, and the next step), if the rotation
    /// is still due at `due` and no other attempt is in flight.
    async fn start(
        &self,
        name: &str,
        due: Option<Millis>,
        in_use: Option<SigningKeyRef>,
        standby: Option<SigningKeyRef>,
    ) -> R<()> {
        let n = name.to_owned();
        let started = apply_get(&self.handle, move |tx| {
            let mut r = tx.signing_rotation(&n)?;
            let still_due = due.is_none_or(|d| r.state.next_due == d && d <= tx.now());
            if !matches!(r.state.phase, SigningPhase::Idle) || !still_due {
                return Ok(false);
            }
            if let Some(k) = &in_use
                && r.state.current.as_ref() != Some(k)
            {
                tx.audit(
                    "signing-rotation-adopt",
                    &n,
                    Outcome::Ok,
                    &format!("{} key {} in use", k.algorithm, k.id),
                )?;
                r.state.current = Some(k.clone());
            }
            r.state.standby = standby.clone();
            r.state.phase = match (&in_use, &standby) {
                (None, _) => SigningPhase::Importing,
                (Some(_), s) => SigningPhase::Creating {
                    key_id: s.as_ref().map(|s| s.id.clone()),
                },
            };
            r.state.last_attempt = Some(tx.now());
            tx.save_signing_rotation(&r)?;
            tx.audit("signing-rotation-start", &n, Outcome::Ok, "")?;
            Ok(true)
        })
        .await?;
        if !started {
            return Err(failed(
                name,
                "not due any more, or another attempt is in flight",
            ));
        }
        self.say(name, true, "started".into());
        Ok(())
    }

    /// Imports the legacy JWT secret as a signing key (or finds it imported) and records
    /// it as the key in use.
    async fn import_legacy(&self, client: &Client, name: &str, project_ref: &str) -> R<()> {
        let imported = match client.import_legacy_signing_key(project_ref).await {
            Ok(k) => Ok(k),
            Err(first) => client
                .legacy_signing_key(project_ref)
                .await
                .map_err(|_| first),
        };
        let k = match imported {
            Ok(k) => key_ref(&k),
            Err(e) => {
                return Err(self
                    .fail(name, format!("importing the legacy JWT secret: {e}"))
                    .await);
            }
        };
        let n = name.to_owned();
        let id = k.id.clone();
        self.handle
            .apply(move |tx| {
                let mut r = tx.signing_rotation(&n)?;
                r.state.legacy_id = Some(k.id.clone());
                r.state.current = Some(k);
                r.state.phase = SigningPhase::Creating { key_id: None };
                tx.save_signing_rotation(&r)?;
                tx.audit(
                    "signing-rotation-import",
                    &n,
                    Outcome::Ok,
                    &format!("legacy JWT secret as HS256 key {id}"),
                )
            })
            .await?;
        self.say(
            name,
            true,
            "imported the legacy JWT secret as a signing key".into(),
        );
        Ok(())
    }

    /// Creates a standby key and records it, so a kill before the promotion keeps it.
    async fn make_standby(
        &self,
        client: &Client,
        name: &str,
        r: &SigningRotation,
    ) -> R<SigningKeyRef> {
        let body = CreateSigningKey {
            algorithm: api_alg(r.algorithm),
            status: Some(SigningKeyStatus::Standby),
        };
        let k = match client.create_signing_key(&r.project_ref, &body).await {
            Ok(k) => key_ref(&k),
            Err(e) => {
                return Err(self
                    .fail(
                        name,
                        format!("Supabase did not create the standby key: {e}"),
                    )
                    .await);
            }
        };
        let n = name.to_owned();
        let k2 = k.clone();
        self.handle
            .apply(move |tx| {
                let mut r = tx.signing_rotation(&n)?;
                r.state.phase = SigningPhase::Creating {
                    key_id: Some(k2.id.clone()),
                };
                r.state.standby = Some(k2.clone());
                tx.save_signing_rotation(&r)?;
                tx.audit(
                    "signing-rotation-create",
                    &n,
                    Outcome::Ok,
                    &format!("standby {} key {}", k2.algorithm, k2.id),
                )
            })
            .await?;
        self.say(
            name,
            true,
            format!("created standby {} key {}; promoting it", k.algorithm, k.id),
        );
        Ok(k)
    }

    /// Promotes the standby key to in use and records it; returns the id of the key
    /// that was in use before.
    async fn promote(
        &self,
        client: &Client,
        name: &str,
        project_ref: &str,
        new: &SigningKeyRef,
    ) -> R<Option<String>> {
        let body = UpdateSigningKey {
            status: SigningKeyStatus::InUse,
        };
        if let Err(e) = client.update_signing_key(project_ref, &new.id, &body).await {
            // The standby key stays recorded: the next attempt promotes it.
            return Err(self
                .fail(
                    name,
                    format!("Supabase did not promote the standby key: {e}"),
                )
                .await);
        }
        let n = name.to_owned();
        let k = new.clone();
        let previous = apply_get(&self.handle, move |tx| {
            let mut r = tx.signing_rotation(&n)?;
            let previous = r.state.current.as_ref().map(|c| c.id.clone());
            promote_record(tx, &mut r, k.clone());
            tx.save_signing_rotation(&r)?;
            tx.audit(
                "signing-rotation-promote",
                &n,
                Outcome::Ok,
                &format!(
                    "{} key {} in use; previous {} verifies until its grace ends",
                    k.algorithm,
                    k.id,
                    previous.as_deref().unwrap_or("none")
                ),
            )?;
            Ok(previous)
        })
        .await?;
        self.say(
            name,
            true,
            format!("promoted {} key {} to in use", new.algorithm, new.id),
        );
        Ok(previous)
    }
}
