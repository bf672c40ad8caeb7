//! Undoing and finishing: discarding unpromoted keys, clean-up of retired keys, recovery
//! after a kill, revoking as compromised and removing a rotation.

use super::*;

impl KeyRotator {
    /// Deletes a key that was never promoted; if that fails, it is queued for clean-up.
    pub(super) async fn discard(
        &self,
        client: &Client,
        name: &str,
        project_ref: &str,
        key: KeyRef,
    ) {
        let how = DeleteApiKey {
            was_compromised: false,
            reason: Some("keyward rotation: new key failed verification".into()),
        };
        let gone = matches!(
            client.delete_api_key(project_ref, &key.id, &how).await,
            Ok(_) | Err(ApiError::NotFound { .. })
        );
        let n = name.to_owned();
        let res = self
            .handle
            .apply(move |tx| {
                let mut r = tx.key_rotation(&n)?;
                r.state.phase = Phase::Idle;
                if !gone {
                    r.state.retiring.push(key.clone());
                }
                tx.save_key_rotation(&r)?;
                let outcome = if gone { Outcome::Ok } else { Outcome::Failed };
                tx.audit("key-rotation-delete", &n, outcome, &key.name)
            })
            .await;
        if let Err(e) = res {
            tracing::warn!(rotation = name, "recording a discarded key: {e}");
        }
    }

    /// Deletes every retiring key (and the previous one when its grace has ended).
    /// True when nothing is left to clean up.
    pub(super) async fn cleanup(&self, client: &Client, name: &str) -> R<bool> {
        let n = name.to_owned();
        // Move an expired previous key to the retiring list first.
        let r = apply_get(&self.handle, move |tx| {
            let mut r = tx.key_rotation(&n)?;
            let now = tx.now();
            if r.state.previous_until.is_some_and(|t| t <= now)
                && let Some(old) = r.state.previous.take()
            {
                r.state.retiring.push(old);
                r.state.previous_until = None;
                tx.save_key_rotation(&r)?;
            }
            Ok(r)
        })
        .await?;
        if r.state.retiring.is_empty() {
            return Ok(true);
        }
        let how = DeleteApiKey {
            was_compromised: false,
            reason: Some("rotating_key".into()),
        };
        let mut deleted = Vec::new();
        let mut failure = None;
        for k in &r.state.retiring {
            match client.delete_api_key(&r.project_ref, &k.id, &how).await {
                Ok(_) | Err(ApiError::NotFound { .. }) => deleted.push(k.id.clone()),
                Err(e) => failure = Some(format!("deleting key {}: {e}", k.name)),
            }
        }
        let retry = self.retry.clone();
        let n = name.to_owned();
        let said = match &failure {
            Some(why) => (false, format!("{SAID_CLEANUP_PENDING}: {why}")),
            None => (true, format!("deleted {} retired key(s)", deleted.len())),
        };
        let done = apply_get(&self.handle, move |tx| {
            let mut r = tx.key_rotation(&n)?;
            let (gone, kept): (Vec<KeyRef>, Vec<KeyRef>) = std::mem::take(&mut r.state.retiring)
                .into_iter()
                .partition(|k| deleted.contains(&k.id));
            r.state.retiring = kept;
            for k in &gone {
                tx.audit("key-rotation-delete", &n, Outcome::Ok, &k.name)?;
            }
            match &failure {
                Some(why) => {
                    let msg = format!("{SAID_CLEANUP_PENDING}: {why}");
                    r.state.failures += 1;
                    let delay = retry.delay(r.state.failures, &mut rand::thread_rng());
                    r.state.retry_at = Some(tx.now() + delay.as_millis() as Millis);
                    r.state.last_message = Some(msg.clone());
                    tx.audit("key-rotation-delete", &n, Outcome::Failed, &msg)?;
                }
                None => {
                    r.state.failures = 0;
                    r.state.retry_at = None;
                    if let Some(m) = &mut r.state.last_message
                        && m.starts_with(SAID_CLEANUP_PENDING)
                    {
                        *m = "rotated; clean-up done".into();
                    }
                }
            }
            tx.save_key_rotation(&r)?;
            Ok(r.state.retiring.is_empty())
        })
        .await?;
        self.say(name, said.0, said.1);
        Ok(done)
    }

    /// Finishes an attempt a kill interrupted: the key it created (found by the recorded
    /// id, or by its name in the project's key list) is deleted, never promoted, since its
    /// value was never stored. Keys named like this rotation's that it does not know
    /// are deleted too. The rotation stays due, so the next tick runs it again.
    pub async fn recover_one(&self, name: &str) -> R<()> {
        let r = self.read(name)?;
        let client = self.client(&r)?;
        let listed = client
            .list_api_keys(&r.project_ref, false)
            .await
            .map_err(|e| KeyRotationError::Failed {
                name: name.to_owned(),
                message: format!("listing the project's keys to recover: {e}"),
            })?;
        let orphans = super::prepare::orphans(&r, &listed);
        let n = name.to_owned();
        self.handle
            .apply(move |tx| {
                let mut r = tx.key_rotation(&n)?;
                r.state.phase = Phase::Idle;
                for o in orphans {
                    tx.audit(
                        "key-rotation-recover",
                        &n,
                        Outcome::Ok,
                        &format!("orphan {}", o.name),
                    )?;
                    if !r.state.retiring.contains(&o) {
                        r.state.retiring.push(o);
                    }
                }
                tx.save_key_rotation(&r)
            })
            .await?;
        self.cleanup(&client, name).await?;
        Ok(())
    }

    /// Deletes the rotation's live keys at once, telling Supabase they were compromised,
    /// then rotates to a fresh key. Returns the fresh key's rotation, or the error that
    /// stopped it (the compromised keys are gone either way; the rotation stays due).
    pub async fn revoke(&self, name: &str, reason: &str) -> R<Rotated> {
        let _busy = super::InFlight::start(&self.vault, name);
        let r = self.read(name)?;
        let client = self.client(&r)?;
        let how = DeleteApiKey {
            was_compromised: true,
            reason: Some(reason.to_owned()),
        };
        let compromised: Vec<KeyRef> = r
            .state
            .current
            .iter()
            .chain(&r.state.previous)
            .cloned()
            .collect();
        let mut deleted = Vec::new();
        let mut failure = None;
        for k in &compromised {
            match client.delete_api_key(&r.project_ref, &k.id, &how).await {
                Ok(_) | Err(ApiError::NotFound { .. }) => deleted.push(k.clone()),
                Err(e) => failure = Some(format!("deleting key {}: {e}", k.name)),
            }
        }
        let n = name.to_owned();
        let why = reason.to_owned();
        let gone = deleted.clone();
        self.handle
            .apply(move |tx| {
                let mut r = tx.key_rotation(&n)?;
                for k in &gone {
                    tx.audit(
                        "key-rotation-revoke",
                        &n,
                        Outcome::Ok,
                        &format!("{} as compromised: {why}", k.name),
                    )?;
                }
                let s = &mut r.state;
                if s.current.as_ref().is_some_and(|c| gone.contains(c)) {
                    s.current = None;
                }
                if s.previous.as_ref().is_some_and(|c| gone.contains(c)) {
                    s.previous = None;
                    s.previous_until = None;
                }
                s.next_due = tx.now();
                s.retry_at = None;
                s.last_message = Some(format!("revoked as compromised: {why}"));
                tx.save_key_rotation(&r)
            })
            .await?;
        if !deleted.is_empty() {
            // The log line and the `key_revoked` alert (alerts/classify.rs reads the prefix).
            let names: Vec<&str> = deleted.iter().map(|k| k.name.as_str()).collect();
            self.say(
                name,
                true,
                format!("{SAID_REVOKED}: {} ({reason})", names.join(", ")),
            );
        }
        if let Some(message) = failure {
            return Err(KeyRotationError::Failed {
                name: name.to_owned(),
                message: format!("{message}; run the revoke again"),
            });
        }
        self.rotate_now(name).await
    }

    /// Deletes every key the rotation created (live, retiring and stray ones), then
    /// forgets the rotation. If a delete fails, the rotation is kept so nothing leaks.
    pub async fn remove(&self, name: &str) -> R<usize> {
        let _busy = super::InFlight::start(&self.vault, name);
        self.recover_one(name).await?;
        let r = self.read(name)?;
        let client = self.client(&r)?;
        let how = DeleteApiKey {
            was_compromised: false,
            reason: Some("keyward rotation removed".into()),
        };
        let mut count = 0;
        for k in r.live_keys() {
            match client.delete_api_key(&r.project_ref, &k.id, &how).await {
                Ok(_) => count += 1,
                Err(ApiError::NotFound { .. }) => {}
                Err(e) => {
                    return Err(KeyRotationError::Failed {
                        name: name.to_owned(),
                        message: format!(
                            "deleting key {}: {e}; the rotation is kept, run the removal again",
                            k.name
                        ),
                    });
                }
            }
        }
        let n = name.to_owned();
        self.handle
            .apply(move |tx| {
                tx.audit(
                    "key-rotation-delete",
                    &n,
                    Outcome::Ok,
                    &format!("{count} key(s)"),
                )?;
                tx.remove_key_rotation(&n)
            })
            .await?;
        Ok(count)
    }
}
