//! The owning process's side of a vault, sealed or open: what the socket listener and
//! an in-process front end (the dashboard that owns the vault, a headless command)
//! call. Sealed, it holds the file and its lock and answers only `Unseal`; open, it
//! hands every request to its [`Owner`]. `Seal` goes back: the engine and the loops
//! stop and the key is wiped from memory.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::broadcast;

use super::Owner;
use crate::engine::{EngineConfig, Event};
use crate::ops::{OwnerInfo, Reply, Request, UnsealWith};
use crate::vault::{SealedVault, Unlock};

/// How long `seal` and `stop` let requests in flight finish, and a rotation in flight.
const GRACE: Duration = Duration::from_secs(30);

enum State {
    Sealed(SealedVault),
    Open(Arc<Owner>),
    /// Unsealing or sealing right now.
    Busy,
    Stopped,
}

pub struct Host {
    state: Mutex<State>,
    events: broadcast::Sender<Event>,
    config: EngineConfig,
    vault: PathBuf,
    /// Resident: unsealing starts the engine and the loops, and sealing is allowed.
    resident: bool,
}

impl Host {
    /// A resident owner waiting for its key (`keyward daemon --sealed`, a dashboard at
    /// its unseal prompt).
    pub fn sealed(vault: SealedVault, config: EngineConfig) -> Arc<Host> {
        Arc::new(Host {
            vault: vault.path().to_path_buf(),
            state: Mutex::new(State::Sealed(vault)),
            events: crate::engine::event_channel(),
            config,
            resident: true,
        })
    }

    /// An open owner: resident (its engine already running on `owner.events()`) or a
    /// command's transient one.
    pub fn open(owner: Owner) -> Arc<Host> {
        Arc::new(Host {
            vault: owner.vault().path().to_path_buf(),
            events: owner.events().clone(),
            config: owner.config().clone(),
            resident: owner.engine().is_some(),
            state: Mutex::new(State::Open(Arc::new(owner))),
        })
    }

    /// A resident owner on an open vault: starts its engine and loops (in a runtime).
    pub fn resident(vault: crate::vault::Vault, config: EngineConfig) -> Arc<Host> {
        let events = crate::engine::event_channel();
        Host::open(Owner::resident(vault, config, events))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn info(&self) -> OwnerInfo {
        OwnerInfo {
            pid: std::process::id(),
            command: crate::vault::command_label(),
            vault: self.vault.display().to_string(),
            sealed: matches!(*self.lock(), State::Sealed(_)),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    pub fn vault_path(&self) -> &std::path::Path {
        &self.vault
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    pub fn events(&self) -> &broadcast::Sender<Event> {
        &self.events
    }

    /// The open owner, if any.
    pub fn owner(&self) -> Option<Arc<Owner>> {
        match &*self.lock() {
            State::Open(o) => Some(o.clone()),
            _ => None,
        }
    }

    pub fn is_sealed(&self) -> bool {
        matches!(*self.lock(), State::Sealed(_))
    }

    /// Every request: unseal and seal here, the rest to the owner.
    pub async fn handle(&self, via: Option<String>, req: Request) -> Result<Reply, String> {
        match req {
            Request::Unseal(with) => self.unseal(via, with).await,
            Request::Seal if self.resident => self.seal().await,
            Request::Query(crate::ops::Query::VaultInfo) if self.is_sealed() => self.sealed_info(),
            req => match self.owner() {
                Some(o) => o.handle(via, req).await,
                None => Err(self.refusal()),
            },
        }
    }

    /// `keyward info` needs no key: a sealed owner answers it from the file it holds.
    fn sealed_info(&self) -> Result<Reply, String> {
        let info = match &*self.lock() {
            State::Sealed(s) => Some(s.key_info()),
            _ => None,
        };
        match info {
            Some(r) => r.map(Reply::VaultInfo).map_err(|e| e.to_string()),
            None => Err(self.refusal()),
        }
    }

    fn refusal(&self) -> String {
        match &*self.lock() {
            State::Sealed(_) => format!(
                "the vault {} is sealed: run `keyward unseal` (it asks for the passphrase, or takes --identity FILE)",
                self.vault.display()
            ),
            State::Busy => {
                "the owner is sealing or unsealing the vault right now: try again in a moment"
                    .into()
            }
            State::Stopped => "the owner of the vault is stopping: run the command again".into(),
            State::Open(_) => "the vault is open".into(),
        }
    }

    async fn unseal(&self, via: Option<String>, with: UnsealWith) -> Result<Reply, String> {
        let sealed = {
            let mut st = self.lock();
            match std::mem::replace(&mut *st, State::Busy) {
                State::Sealed(s) => s,
                other => {
                    let open = matches!(other, State::Open(_));
                    *st = other;
                    if open {
                        return Err("the vault is already unsealed".into());
                    }
                    drop(st);
                    return Err(self.refusal());
                }
            }
        };
        let unlock = match with {
            UnsealWith::Passphrase(p) => {
                Unlock::Passphrase(age::secrecy::SecretString::from(p.expose().to_string()))
            }
            UnsealWith::Identity(t) => {
                Unlock::IdentityText(zeroize::Zeroizing::new(t.expose().to_string()))
            }
        };
        // scrypt takes a second or so: off the runtime's threads. A wrong key gives the
        // sealed file back, to try again.
        let opened = tokio::task::spawn_blocking(move || {
            match sealed.unwrap_key_via(&unlock, via.as_deref()) {
                Ok(k) => Ok(sealed.finish(k)),
                Err(e) => Err((Box::new(sealed), e.to_string())),
            }
        })
        .await
        .unwrap_or_else(|e| Ok(Err(crate::vault::VaultError::task_failed("", e))));
        let opened = match opened {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err((None, e.to_string())),
            Err((s, why)) => Err((Some(*s), why)),
        };
        match opened {
            Ok(vault) => {
                let owner = if self.resident {
                    Owner::resident(vault, self.config.clone(), self.events.clone())
                } else {
                    Owner::transient(vault, self.config.clone())
                };
                *self.lock() = State::Open(Arc::new(owner));
                let _ = self.events.send(Event::Unsealed);
                tracing::info!("unsealed {}", self.vault.display());
                Ok(Reply::Done)
            }
            Err((sealed, why)) => {
                *self.lock() = match sealed {
                    Some(s) => State::Sealed(s),
                    // The file could not be finished: nothing left to serve.
                    None => State::Stopped,
                };
                Err(why)
            }
        }
    }

    /// Waits for requests in flight, stops the owner and keeps the sealed file.
    async fn seal(&self) -> Result<Reply, String> {
        let owner = {
            let mut st = self.lock();
            match std::mem::replace(&mut *st, State::Busy) {
                State::Open(o) => o,
                other => {
                    let sealed = matches!(other, State::Sealed(_));
                    *st = other;
                    if sealed {
                        return Err("the vault is already sealed".into());
                    }
                    drop(st);
                    return Err(self.refusal());
                }
            }
        };
        let owner = match settle(owner).await {
            Ok(o) => o,
            Err(o) => {
                *self.lock() = State::Open(o);
                return Err("requests in flight did not finish: try `keyward seal` again".into());
            }
        };
        let sealed = owner
            .stop(GRACE)
            .await
            .ok_or_else(|| "the vault is still in use: try `keyward seal` again".to_string())
            .and_then(|v| v.seal().map_err(|e| e.to_string()));
        match sealed {
            Ok(s) => {
                *self.lock() = State::Sealed(s);
                let _ = self.events.send(Event::Sealed);
                tracing::info!("sealed {}", self.vault.display());
                Ok(Reply::Done)
            }
            Err(e) => {
                *self.lock() = State::Stopped;
                Err(e)
            }
        }
    }

    /// Stops the owner (letting a rotation in flight finish) and releases the vault.
    pub async fn stop(&self) {
        let st = std::mem::replace(&mut *self.lock(), State::Stopped);
        if let State::Open(o) = st
            && let Ok(o) = settle(o).await
        {
            drop(o.stop(GRACE).await);
        }
        let _ = self.events.send(Event::Stopped);
    }
}

/// The owner alone, once requests in flight let go of it (at most the grace time);
/// the shared one back when they did not.
async fn settle(mut owner: Arc<Owner>) -> Result<Owner, Arc<Owner>> {
    let end = tokio::time::Instant::now() + GRACE;
    loop {
        match Arc::try_unwrap(owner) {
            Ok(o) => return Ok(o),
            Err(o) if tokio::time::Instant::now() < end => {
                owner = o;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(o) => return Err(o),
        }
    }
}
