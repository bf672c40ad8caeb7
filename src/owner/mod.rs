//! The owner of a vault: the one process that holds the redb file, the unsealed key, the
//! sync engine and the rotation loops, and applies every front end's [`Request`]
//! (`handle`), its own and attached ones alike.
//!
//! Two kinds. A *resident* owner (`keyward daemon`, `keyward serve`, a dashboard with
//! nothing else running) keeps its engine and both rotation loops running and listens
//! on the vault's socket (`listen`). A *transient* owner is a headless command that
//! opened the vault itself because no owner was running: it starts an engine only for
//! the work a request needs (`Lease`), waits for it, and stops it.

mod alerts;
mod apply;
mod branches;
mod bulk_map;
mod handle;
mod host;
mod keys_view;
mod legacy;
mod listen;
pub mod log;
mod push;
mod query;
mod rotations;
pub mod socket;
mod supabase;
mod sync;
mod wait;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;

use crate::engine::clients::Clients;
use crate::engine::keyrotation::RotationTasks;
use crate::engine::{EngineConfig, EngineError, EngineHandle, Event};
use crate::vault::{Vault, VaultError, WriteTx};

pub use apply::apply;
pub use host::Host;
pub use listen::{Listening, listen};
pub use wait::settled;

pub struct Owner {
    vault: Arc<Vault>,
    config: EngineConfig,
    /// One client set for the owner's own requests and its engine: one rate budget.
    clients: Arc<Clients>,
    events: broadcast::Sender<Event>,
    /// The `[[alert]]` entries of the config file, read when the owner started.
    alerts: Arc<crate::alerts::Config>,
    resident: Option<Resident>,
}

struct Resident {
    engine: EngineHandle,
    task: tokio::task::JoinHandle<()>,
    rotations: RotationTasks,
    alerts: crate::alerts::Running,
    /// The branch watcher and the switch that stops it.
    branches: (
        tokio::task::JoinHandle<()>,
        tokio::sync::watch::Sender<bool>,
    ),
}

/// An engine for one piece of work: the resident one, or one started for it.
pub(crate) struct Lease {
    pub handle: EngineHandle,
    own: Option<tokio::task::JoinHandle<()>>,
}

impl Lease {
    /// Stops an engine started for the work (the resident one runs on).
    pub async fn done(self) {
        if let Some(t) = self.own {
            self.handle.shutdown();
            let _ = t.await;
        }
    }
}

impl Owner {
    /// A command's own owner: no engine until a request needs one.
    pub fn transient(vault: Vault, config: EngineConfig) -> Owner {
        let vault = Arc::new(vault);
        let alerts = crate::alerts::Config::load_or_none(config.config_file.clone());
        Owner {
            clients: Arc::new(Clients::new(vault.clone(), config.clone())),
            vault,
            config,
            events: crate::engine::event_channel(),
            alerts: Arc::new(alerts),
            resident: None,
        }
    }

    /// Starts the engine (which resumes whatever the outbox holds) and both rotation
    /// loops; events go to `events`. Call inside a tokio runtime.
    pub fn resident(vault: Vault, config: EngineConfig, events: broadcast::Sender<Event>) -> Owner {
        let vault = Arc::new(vault);
        let clients = Arc::new(Clients::new(vault.clone(), config.clone()));
        // Subscribed before the engine starts: the first batch's failures alert too.
        let alert_events = events.subscribe();
        let (engine, task) = crate::engine::start_on(
            vault.clone(),
            config.clone(),
            events.clone(),
            clients.clone(),
        );
        let rotations = crate::engine::keyrotation::start(
            vault.clone(),
            engine.clone(),
            config.clone(),
            clients.clone(),
        );
        let alerts = Arc::new(crate::alerts::Config::load_or_none(
            config.config_file.clone(),
        ));
        let running =
            crate::alerts::start(alerts.clone(), vault.clone(), engine.clone(), alert_events);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let watcher = crate::engine::branches::Watcher {
            vault: vault.clone(),
            clients: clients.clone(),
            handle: engine.clone(),
            every: config.branch_poll,
            stop: Some(stopped),
        };
        let branches = (tokio::spawn(watcher.run()), stop);
        Owner {
            vault,
            config,
            clients,
            events,
            alerts,
            resident: Some(Resident {
                engine,
                task,
                rotations,
                alerts: running,
                branches,
            }),
        }
    }

    pub fn vault(&self) -> &Arc<Vault> {
        &self.vault
    }

    /// The clients (and rate budgets) the owner and its engine share.
    pub fn clients(&self) -> &Arc<Clients> {
        &self.clients
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The running engine of a resident owner.
    pub fn engine(&self) -> Option<&EngineHandle> {
        self.resident.as_ref().map(|r| &r.engine)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    pub fn events(&self) -> &broadcast::Sender<Event> {
        &self.events
    }

    pub fn alerts(&self) -> &Arc<crate::alerts::Config> {
        &self.alerts
    }

    /// Stops the rotation loops (a rotation in flight finishes first, up to `grace`)
    /// and the engine, and hands the vault back once nothing else holds it.
    pub async fn stop(self, grace: Duration) -> Option<Vault> {
        if let Some(r) = self.resident {
            r.alerts.stop();
            let _ = r.branches.1.send(true);
            // A listing in flight ends with the engine; its work is read again next start.
            let _ = tokio::time::timeout(grace, r.branches.0).await;
            r.rotations.stop(grace).await;
            r.engine.shutdown();
            let _ = r.task.await;
        }
        drop(self.clients);
        // Work still finishing (an inspection, a listing) holds a clone for a moment.
        let mut vault = self.vault;
        for _ in 0..100 {
            match Arc::try_unwrap(vault) {
                Ok(v) => return Some(v),
                Err(v) => vault = v,
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// One durable write on behalf of `via` (None: this process), through the engine
    /// when it runs (the single writer), else directly.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        via: Option<String>,
        f: impl FnOnce(&mut WriteTx<'_>) -> Result<T, VaultError> + Send + 'static,
    ) -> Result<T, String> {
        match self.engine() {
            Some(h) => h.write(via, f).await.map_err(|e| e.to_string()),
            None => {
                let v = self.vault.clone();
                let (out, touched) =
                    tokio::task::spawn_blocking(move || v.write_touched(via.as_deref(), f))
                        .await
                        .map_err(|e| e.to_string())?
                        .map_err(|e| e.to_string())?;
                let _ = self.events.send(crate::engine::Delta::event(&touched));
                Ok(out)
            }
        }
    }

    /// A read on a blocking thread (a large vault never stalls the runtime).
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&crate::vault::ReadTx<'_>) -> Result<T, VaultError> + Send + 'static,
    ) -> Result<T, String> {
        let v = self.vault.clone();
        tokio::task::spawn_blocking(move || v.read().and_then(|r| f(&r)))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    /// The engine for a piece of work: the resident one, or a new one working only
    /// `only` (None: every target) until [`Lease::done`].
    pub(crate) fn lease(&self, only: Option<BTreeSet<String>>) -> Lease {
        if let Some(h) = self.engine() {
            return Lease {
                handle: h.clone(),
                own: None,
            };
        }
        let mut cfg = self.config.clone();
        cfg.only_targets = only;
        let (handle, task) = crate::engine::start_on(
            self.vault.clone(),
            cfg,
            self.events.clone(),
            self.clients.clone(),
        );
        Lease {
            handle,
            own: Some(task),
        }
    }
}

pub(crate) fn engine_error(e: EngineError) -> String {
    e.to_string()
}
