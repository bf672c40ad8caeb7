//! The Supabase API key rotation driver: dual phase, two keys alive.
//!
//! One attempt: record `Creating` -> create the key (revealed) -> record its id ->
//! check it against the project -> promote (write it into the vault secret as a new
//! version, cause rotation, which syncs onward; the old current key becomes the
//! previous one and keeps working) -> delete the key retired a rotation ago (or the
//! previous one once its grace ends). Every step is written to the vault before the next
//! external call, so a kill anywhere is recovered by [`KeyRotator::recover`]: a key
//! created but never promoted is found by its recorded id or by its name and deleted
//! (its value was never stored), and the rotation, still due, runs again.
//!
//! A failure before promotion changes nothing the project's clients use and is retried
//! with backoff; a failed delete after promotion is "rotated, clean-up pending", retried,
//! and never reported as a failed rotation. Audit entries name keys, never values.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use super::handle::{EngineError, EngineHandle};
use super::retry::RetryPolicy;
use super::schedule::{apply_get, wait_or_change};
use crate::supabase::api::{CreateApiKey, DeleteApiKey, NewApiKeyType};
use crate::supabase::{Client, Error as ApiError, KeyCheck};
use crate::vault::{
    KeyKind, KeyRef, KeyRotation, Millis, Outcome, Phase, SecretValue, Vault, VaultError, WriteTx,
    next_due_after,
};

/// Finds the client that reaches a rotation's project (its target's connection).
pub type ClientFor = Arc<dyn Fn(&KeyRotation) -> Result<Client, String> + Send + Sync>;

/// Why a command on a rotation did not do what was asked. One line, no key value.
#[derive(Debug, thiserror::Error)]
pub enum KeyRotationError {
    #[error("{0}")]
    Vault(#[from] VaultError),
    #[error("{0}")]
    Engine(#[from] EngineError),
    /// The attempt failed; the current key is untouched and the attempt is retried.
    #[error("rotation {name} failed: {message}")]
    Failed { name: String, message: String },
}

type R<T> = Result<T, KeyRotationError>;

/// What a successful attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    pub name: String,
    pub key_id: String,
    pub key_name: String,
    /// The vault secret's new version.
    pub version: u32,
    /// Some retired key could not be deleted yet; retried later.
    pub cleanup_pending: bool,
}

#[derive(Clone)]
pub struct KeyRotator {
    vault: Arc<Vault>,
    handle: EngineHandle,
    clients: ClientFor,
    pub retry: RetryPolicy,
    /// Longest sleep of [`KeyRotator::run`].
    pub cap: Duration,
    /// When it turns true, `run` returns at its next wait (never mid-attempt).
    pub stop: Option<tokio::sync::watch::Receiver<bool>>,
}

fn api_key_type(k: KeyKind) -> NewApiKeyType {
    match k {
        KeyKind::Publishable => NewApiKeyType::Publishable,
        KeyKind::Secret => NewApiKeyType::Secret,
    }
}

impl KeyRotator {
    pub fn new(vault: Arc<Vault>, handle: EngineHandle, clients: ClientFor) -> Self {
        Self {
            vault,
            handle,
            clients,
            retry: RetryPolicy::default(),
            cap: Duration::from_secs(60),
            stop: None,
        }
    }

    fn read(&self, name: &str) -> R<KeyRotation> {
        Ok(self.vault.read()?.key_rotation(name)?)
    }

    fn client(&self, r: &KeyRotation) -> R<Client> {
        (self.clients)(r).map_err(|message| KeyRotationError::Failed {
            name: r.name.clone(),
            message,
        })
    }

    /// Records a failed attempt: status, backoff, audit. Nothing else changes.
    async fn fail(&self, name: &str, message: String) -> KeyRotationError {
        let retry = self.retry.clone();
        let (n, m) = (name.to_owned(), message.clone());
        let recorded = self
            .handle
            .apply(move |tx| {
                let mut r = tx.key_rotation(&n)?;
                r.state.phase = Phase::Idle;
                note_failure(tx, &mut r, &retry, &m);
                tx.save_key_rotation(&r)?;
                tx.audit("key-rotation", &n, Outcome::Failed, &m)
            })
            .await;
        if let Err(e) = recorded {
            tracing::warn!(rotation = name, "recording a failed rotation: {e}");
        }
        KeyRotationError::Failed {
            name: name.to_owned(),
            message,
        }
    }

    /// Rotates now, whatever the schedule says (manual "rotate now").
    pub async fn rotate_now(&self, name: &str) -> R<Rotated> {
        self.attempt(name, None).await
    }

    /// One attempt. `due`: the scheduled due time this attempt is for; the attempt
    /// starts only if the rotation is still due at exactly that time, so one due time
    /// is never rotated twice.
    async fn attempt(&self, name: &str, due: Option<Millis>) -> R<Rotated> {
        if !matches!(self.read(name)?.state.phase, Phase::Idle) {
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
        // 1. Record the attempt and the name of the key about to be created.
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
        // 2. Create, revealed.
        let body = CreateApiKey::new(api_key_type(r.key_type), key_name.clone())
            .with_description(format!("rotated by keyward ({})", r.name));
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
        let kn = key_name.clone();
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
        let new_key = KeyRef {
            id: key_id.clone(),
            name: key_name.clone(),
        };
        // 3. Verify against the project.
        let verdict = match &value {
            None => Err("Supabase did not reveal the new key".to_owned()),
            Some(v) => match client.check_api_key(&r.project_ref, v).await {
                Ok(KeyCheck::Accepted) => Ok(()),
                Ok(KeyCheck::Refused) => Err("the project refused the new key".to_owned()),
                Err(e) => Err(format!("the new key could not be checked: {e}")),
            },
        };
        if let Err(why) = verdict {
            self.discard(&client, name, &r.project_ref, new_key).await;
            return Err(self.fail(name, why).await);
        }
        let value = value.expect("verified keys have a value");
        // 4. Promote: the vault secret's new version, and the keys shift by one.
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
            s.phase = Phase::Idle;
            s.last_success = Some(now);
            s.next_due = next_due_after(now, r.every_days, r.at_minute);
            s.failures = 0;
            s.retry_at = None;
            s.last_message = Some(format!("rotated: key {} (version {})", nk.name, w.version));
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
                self.discard(&client, name, &r.project_ref, new_key).await;
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
        // 5. Clean up what retired.
        let cleanup_pending = !self.cleanup(&client, name).await?;
        Ok(Rotated {
            name: name.to_owned(),
            key_id,
            key_name,
            version,
            cleanup_pending,
        })
    }

    /// Deletes a key that was never promoted; if that fails, it is queued for clean-up.
    async fn discard(&self, client: &Client, name: &str, project_ref: &str, key: KeyRef) {
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
    async fn cleanup(&self, client: &Client, name: &str) -> R<bool> {
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
                    let msg = format!("rotated, clean-up pending: {why}");
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
                        && m.starts_with("rotated, clean-up pending")
                    {
                        *m = "rotated; clean-up done".into();
                    }
                }
            }
            tx.save_key_rotation(&r)?;
            Ok(r.state.retiring.is_empty())
        })
        .await?;
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
        let known: Vec<String> = r.live_keys().into_iter().map(|k| k.id).collect();
        let orphans: Vec<KeyRef> = listed
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
            .collect();
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

    /// One look at every rotation: recover interrupted attempts, run due automatic ones,
    /// retry pending clean-ups and end expired graces. Returns what happened, per
    /// rotation, and the earliest time something is due next.
    pub async fn tick(&self) -> R<KeyTick> {
        let now = self.vault.now();
        let all = self.vault.read()?.key_rotations()?;
        let mut t = KeyTick::default();
        for r in all {
            let name = r.name.clone();
            let retry_ok = r.state.retry_at.is_none_or(|at| at <= now);
            if !matches!(r.state.phase, Phase::Idle) {
                if let Err(e) = self.recover_one(&name).await {
                    t.failed.push((name.clone(), e.to_string()));
                    continue;
                }
            }
            let r = self.read(&name)?;
            if r.auto && r.state.next_due <= now && retry_ok {
                match self.attempt(&name, Some(r.state.next_due)).await {
                    Ok(done) => t.rotated.push(done),
                    Err(e) => t.failed.push((name.clone(), e.to_string())),
                }
            } else {
                let grace_over = r.state.previous_until.is_some_and(|u| u <= now);
                if (r.state.cleanup_pending() && retry_ok) || grace_over {
                    let cleaned = match self.client(&r) {
                        Ok(c) => self.cleanup(&c, &name).await,
                        Err(e) => Err(e),
                    };
                    if let Err(e) = cleaned {
                        t.failed.push((name.clone(), e.to_string()));
                    }
                }
            }
            let r = self.read(&name)?;
            let mut wake = vec![r.state.retry_at, r.state.previous_until];
            if r.auto {
                wake.push(Some(r.state.next_due.max(r.state.retry_at.unwrap_or(0))));
            }
            for w in wake.into_iter().flatten() {
                t.next_wake = Some(t.next_wake.map_or(w, |n| n.min(w)));
            }
        }
        Ok(t)
    }

    /// Ticks, then sleeps until something is due (at most `cap`), waking on vault
    /// changes. Ends when the engine stops.
    pub async fn run(mut self) {
        let mut events = self.handle.subscribe();
        let mut stop = self.stop.take();
        loop {
            let wait = match self.tick().await {
                Ok(t) => t
                    .next_wake
                    .map(|w| Duration::from_millis((w - self.vault.now()).max(0) as u64))
                    .unwrap_or(self.cap)
                    .min(self.cap),
                Err(KeyRotationError::Engine(EngineError::Stopped)) => return,
                Err(e) => {
                    tracing::warn!("key rotation: {e}");
                    self.cap
                }
            };
            // A wait of zero after a failure would spin: the backoff is in retry_at.
            let wait = wait.max(Duration::from_millis(200));
            if !wait_or_change(&mut events, stop.as_mut(), wait).await {
                return;
            }
        }
    }
}

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

/// Clients for rotations and ad hoc keys, from each target's stored connection (cached
/// per connection, rebuilt after a reconnect), with the engine's settings (timeouts,
/// project URL template).
#[derive(Clone)]
pub struct TargetClients {
    vault: Arc<Vault>,
    clients: Arc<super::clients::Clients>,
}

impl TargetClients {
    pub fn new(vault: Arc<Vault>, config: super::EngineConfig) -> Self {
        let clients = Arc::new(super::clients::Clients::new(vault.clone(), config));
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
}

/// The rotation loops a front end runs: the vault-policy scheduler and the key driver.
/// Keep it while they should run: dropping it stops them at their next wait, like
/// [`RotationTasks::stop`] without waiting.
pub struct RotationTasks {
    pub scheduler: tokio::task::JoinHandle<()>,
    pub keys: tokio::task::JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl RotationTasks {
    /// Asks both loops to stop at their next wait and waits for them (at most
    /// `timeout`), so a rotation in flight finishes before the engine is shut down. A
    /// rotation cut short anyway is recovered at the next start.
    pub async fn stop(self, timeout: Duration) {
        let _ = self.stop.send(true);
        let both = async {
            let _ = self.scheduler.await;
            let _ = self.keys.await;
        };
        let _ = tokio::time::timeout(timeout, both).await;
    }
}

/// Starts both rotation loops on the current runtime (`keyward daemon`, the dashboard),
/// reaching Supabase through each target's stored connection. They end when the engine
/// stops.
pub fn start(
    vault: Arc<Vault>,
    handle: EngineHandle,
    config: super::EngineConfig,
) -> RotationTasks {
    let clients = TargetClients::new(vault.clone(), config.clone()).for_rotations();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut scheduler = super::schedule::Scheduler::new(vault.clone(), handle.clone());
    scheduler.stop = Some(stopped.clone());
    let mut keys = KeyRotator::new(vault, handle, clients);
    keys.retry = config.retry;
    keys.stop = Some(stopped);
    RotationTasks {
        scheduler: tokio::spawn(scheduler.run()),
        keys: tokio::spawn(keys.run()),
        stop,
    }
}

/// The result of one [`KeyRotator::tick`].
#[derive(Debug, Default)]
pub struct KeyTick {
    pub rotated: Vec<Rotated>,
    pub failed: Vec<(String, String)>,
    pub next_wake: Option<Millis>,
}

fn note_failure(tx: &WriteTx<'_>, r: &mut KeyRotation, retry: &RetryPolicy, msg: &str) {
    r.state.failures += 1;
    let delay = retry.delay(r.state.failures, &mut rand::thread_rng());
    r.state.retry_at = Some(tx.now() + delay.as_millis() as Millis);
    r.state.last_message = Some(msg.to_owned());
}
