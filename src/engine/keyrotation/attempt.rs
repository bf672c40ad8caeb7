//! One API key rotation attempt, step by step, each recorded before the next call to
//! Supabase: make room, record the start, create the key (revealed), check it against
//! the project, promote it into the vault secret, clean up what retired.

use super::*;

impl KeyRotator {
    /// One attempt. `due`: the scheduled due time this attempt is for; the attempt
    /// starts only if the rotation is still due at exactly that time, so one due time
    /// is never rotated twice.
    pub(super) async fn attempt(&self, name: &str, due: Option<Millis>) -> R<Rotated> {
        if !matches!(self.read(name)?.state.phase, Phase::Idle) {
            self.recover_one(name).await?;
        }
        let r = self.read(name)?;
        self.check_no_grace(name, &r)?;
        let client = match self.client(&r) {
            Ok(c) => c,
            Err(KeyRotationError::Failed { message, .. }) => {
                return Err(self.fail(name, message).await);
            }
            Err(e) => return Err(e),
        };
        // 0. Room for the new key, and its privileges.
        let ready = match self.prepare(&client, name).await {
            Ok(r) => r,
            Err(why) => return Err(self.fail(name, why).await),
        };
        // 1. Record the attempt and the name of the key about to be created.
        let (r, key_name) = self.start(name, due).await?;
        // 2. Create, revealed.
        let (new_key, value) = self
            .create(&client, &r, &key_name, ready.template.clone())
            .await?;
        // 3. Verify against the project.
        let value = self.verify(&client, &r, &new_key, value).await?;
        // 4. Promote: the vault secret's new version, and the keys shift by one.
        let version = self
            .promote(&client, &r, new_key.clone(), value, ready.template)
            .await?;
        // 5. Clean up what retired.
        let cleanup_pending = !self.cleanup(&client, name).await?;
        Ok(Rotated {
            name: name.to_owned(),
            key_id: new_key.id,
            key_name,
            version,
            cleanup_pending,
        })
    }

    /// A previous key in its grace refuses the attempt. Not a failure: nothing was
    /// tried. The schedule waits for the grace itself.
    fn check_no_grace(&self, name: &str, r: &KeyRotation) -> R<()> {
        if let (Some(prev), Some(until)) = (&r.state.previous, r.state.previous_until)
            && until > self.vault.now()
        {
            return Err(KeyRotationError::Failed {
                name: name.to_owned(),
                message: format!(
                    "the previous key {} stays alive until {} (its grace): rotating now would make three keys alive; wait until then, or `keyward rotation revoke` if a key leaked",
                    prev.name,
                    crate::vault::rfc3339(until)
                ),
            });
        }
        Ok(())
    }

    /// Records the start and the name of the key about to be created, if the rotation
    /// is still due at `due` and no other attempt is in flight. Returns the record as
    /// started and the key's name.
    async fn start(&self, name: &str, due: Option<Millis>) -> R<(KeyRotation, String)> {
        let n = name.to_owned();
        let started = apply_get(&self.handle, move |tx| {
            let mut r = tx.key_rotation(&n)?;
            let still_due = due.is_none_or(|d| r.state.next_due == d && d <= tx.now());
            if !matches!(r.state.phase, Phase::Idle) || !still_due {
                return Ok(None);
            }
            r.state.generation += 1;
            let key_name = r.key_name(r.state.generation);
            r.state.phase = Phase::Creating {
                key_name: key_name.clone(),
                key_id: None,
            };
            r.state.last_attempt = Some(tx.now());
            tx.save_key_rotation(&r)?;
            tx.audit("key-rotation-start", &n, Outcome::Ok, &key_name)?;
            Ok(Some((r, key_name)))
        })
        .await?;
        let Some((r, key_name)) = started else {
            return Err(KeyRotationError::Failed {
                name: name.to_owned(),
                message: "not due any more, or another attempt is in flight".into(),
            });
        };
        self.say(name, true, format!("started: creating key {key_name}"));
        Ok((r, key_name))
    }

    /// Creates the key, revealed, and records its id. Returns it and its value (None
    /// when Supabase did not reveal it).
    async fn create(
        &self,
        client: &Client,
        r: &KeyRotation,
        key_name: &str,
        template: Option<crate::vault::JwtTemplate>,
    ) -> R<(KeyRef, Option<SecretString>)> {
        let name = r.name.as_str();
        let mut body = CreateApiKey::new(api_key_type(r.key_type), key_name.to_owned())
            .with_description(format!("rotated by keyward ({})", r.name));
        body.secret_jwt_template = template;
        let created = match client.create_api_key(&r.project_ref, &body).await {
            Ok(k) => k,
            Err(e) => {
                return Err(self
                    .fail(name, format!("Supabase did not create the new key: {e}"))
                    .await);
            }
        };
        let Some(key_id) = created.id.clone() else {
            // Without an id the key can only be found by name: leave that to recovery.
            let _ = self.recover_one(name).await;
            return Err(self
                .fail(name, "Supabase created a key but sent no id".into())
                .await);
        };
        let value = created
            .revealed_key()
            .map(|v| SecretString::from(v.to_owned()));
        let (n, id) = (name.to_owned(), key_id.clone());
        let kn = key_name.to_owned();
        self.handle
            .apply(move |tx| {
                let mut r = tx.key_rotation(&n)?;
                r.state.phase = Phase::Creating {
                    key_name: kn.clone(),
                    key_id: Some(id.clone()),
                };
                tx.save_key_rotation(&r)?;
                tx.audit(
                    "key-rotation-create",
                    &n,
                    Outcome::Ok,
                    &format!("{kn} ({id})"),
                )
            })
            .await?;
        self.say(
            name,
            true,
            format!("created key {key_name} ({key_id}); checking it"),
        );
        let new_key = KeyRef {
            id: key_id,
            name: key_name.to_owned(),
        };
        Ok((new_key, value))
    }

    /// Checks the new key against the project; a key that fails is deleted.
    async fn verify(
        &self,
        client: &Client,
        r: &KeyRotation,
        new_key: &KeyRef,
        value: Option<SecretString>,
    ) -> R<SecretString> {
        let verdict = match &value {
            None => Err("Supabase did not reveal the new key".to_owned()),
            Some(v) => match client.check_api_key(&r.project_ref, v).await {
                Ok(KeyCheck::Accepted) => Ok(()),
                Ok(KeyCheck::Refused) => Err("the project refused the new key".to_owned()),
                Err(e) => Err(format!("the new key could not be checked: {e}")),
            },
        };
        if let Err(why) = verdict {
            self.discard(client, &r.name, &r.project_ref, new_key.clone())
                .await;
            return Err(self.fail(&r.name, why).await);
        }
        Ok(value.expect("verified keys have a value"))
    }

    /// Writes the key into the vault secret as a new version and shifts the keys by
    /// one (the current one becomes the previous, the previous retires). Returns the
    /// secret's version.
    async fn promote(
        &self,
        client: &Client,
        r: &KeyRotation,
        new_key: KeyRef,
        value: SecretString,
        template: Option<crate::vault::JwtTemplate>,
    ) -> R<u32> {
        let name = r.name.as_str();
        let grace = r.grace;
        let (n, nk) = (name.to_owned(), new_key.clone());
        let promoted = apply_get(&self.handle, move |tx| {
            let mut r = tx.key_rotation(&n)?;
            let ours =
                matches!(&r.state.phase, Phase::Creating { key_id: Some(id), .. } if *id == nk.id);
            if !ours {
                return Ok(None);
            }
            use secrecy::ExposeSecret;
            let w = tx.write_key_value(&mut r, &SecretValue::simple(value.expose_secret()))?;
            let now = tx.now();
            let s = &mut r.state;
            if let Some(old) = s.previous.take() {
                s.retiring.push(old);
            }
            s.previous = s.current.replace(nk.clone());
            s.previous_until = s.previous.as_ref().and(grace).map(|g| now + g);
            s.template = template;
            let message = format!("rotated: key {} (version {})", nk.name, w.version);
            ApiKeys::end_attempt(&mut r).succeeded(now, message);
            tx.save_key_rotation(&r)?;
            tx.audit(
                "key-rotation-promote",
                &n,
                Outcome::Ok,
                &format!(
                    "{} into {}/{} version {}",
                    nk.name, r.into.project, r.into.name, w.version
                ),
            )?;
            Ok(Some(w.version))
        })
        .await;
        let promoted = match promoted {
            Ok(p) => p,
            // The vault refused the write (e.g. the receiving secret is in the trash):
            // the new key is useless, so delete it and back off instead of making and
            // deleting a key at every tick.
            Err(EngineError::Vault(e)) => {
                self.discard(client, name, &r.project_ref, new_key).await;
                return Err(self
                    .fail(name, format!("the new key could not be stored: {e}"))
                    .await);
            }
            Err(e) => return Err(e.into()),
        };
        let Some(version) = promoted else {
            return Err(KeyRotationError::Failed {
                name: name.to_owned(),
                message: "the attempt was taken over by another run".into(),
            });
        };
        self.say(
            name,
            true,
            format!(
                "promoted key {}: version {version} of {}/{}",
                new_key.name, r.into.project, r.into.name
            ),
        );
        Ok(version)
    }
}
