//! The engine's handle: how front ends (TUI, CLI, local API) reach it. Commands
//! (`command.rs`) go in over an mpsc channel, events (`event.rs`) come out over a
//! broadcast channel; `task.rs` is the loop between them.
//!
//! The engine is the single writer: a front end never opens a write transaction itself,
//! it sends the change as a closure over a [`WriteTx`]. The vault records the outbox rows
//! of the change in that same transaction, so the engine then only has to wake its push
//! workers. The closure runs on a blocking thread, so no front end ever waits on an fsync.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::command::{Command, Job, Reply};
use super::config::EngineConfig;
use super::event::Event;
use super::inspect::{TargetDrift, TargetPlan};
use crate::vault::{Vault, VaultError, WriteTx};

/// Cheap to clone; every front end holds one.
#[derive(Clone)]
pub struct EngineHandle {
    commands: mpsc::UnboundedSender<Command>,
    events: broadcast::Sender<Event>,
}

/// Why a command did not go through.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Vault(#[from] VaultError),
    #[error("the sync engine has stopped: restart keyward")]
    Stopped,
}

impl EngineHandle {
    /// Applies `job` and waits for its outcome.
    pub async fn apply(
        &self,
        job: impl FnOnce(&mut WriteTx<'_>) -> Result<(), VaultError> + Send + 'static,
    ) -> Result<(), EngineError> {
        self.apply_detached(job)
            .await
            .map_err(|_| EngineError::Stopped)?
            .map_err(EngineError::Vault)
    }

    /// Sends `job` without waiting: a UI polls or awaits the receiver in its own loop.
    pub fn apply_detached(
        &self,
        job: impl FnOnce(&mut WriteTx<'_>) -> Result<(), VaultError> + Send + 'static,
    ) -> oneshot::Receiver<Result<(), VaultError>> {
        self.send_apply(None, Box::new(job))
    }

    fn send_apply(
        &self,
        via: Option<String>,
        job: Job,
    ) -> oneshot::Receiver<Result<(), VaultError>> {
        let (reply, rx) = oneshot::channel();
        // A closed channel drops `reply`, which the receiver reports as Stopped.
        let _ = self.commands.send(Command::Apply { job, via, reply });
        rx
    }

    /// Runs `job` through the single writer on behalf of `via` (an attached front end,
    /// named in the audit log; None for this process) and hands back what it computed.
    pub async fn write<T: Send + 'static>(
        &self,
        via: Option<String>,
        job: impl FnOnce(&mut WriteTx<'_>) -> Result<T, VaultError> + Send + 'static,
    ) -> Result<T, EngineError> {
        let slot: Arc<std::sync::Mutex<Option<T>>> = Arc::new(std::sync::Mutex::new(None));
        let out = slot.clone();
        let rx = self.send_apply(
            via,
            Box::new(move |tx| {
                let v = job(tx)?;
                *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(v);
                Ok(())
            }),
        );
        rx.await
            .map_err(|_| EngineError::Stopped)?
            .map_err(EngineError::Vault)?;
        let v = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        v.ok_or(EngineError::Stopped)
    }

    /// Tells every front end something that happened outside the engine's own loop (a
    /// rotation step): the daemon log and attached dashboards see it.
    pub fn notify(&self, e: Event) {
        let _ = self.events.send(e);
    }

    pub fn kick(&self) {
        let _ = self.commands.send(Command::Kick);
    }

    pub fn shutdown(&self) {
        let _ = self.commands.send(Command::Shutdown);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, EngineError> {
        let (reply, rx) = oneshot::channel();
        self.commands
            .send(make(reply))
            .map_err(|_| EngineError::Stopped)?;
        rx.await
            .map_err(|_| EngineError::Stopped)?
            .map_err(EngineError::Vault)
    }

    /// Queues every mapped variable and works it; returns how many mappings were queued.
    pub async fn sync_all(&self, target: Option<String>) -> Result<usize, EngineError> {
        self.ask(|reply| Command::SyncAll { target, reply }).await
    }

    pub async fn retry(&self, target: Option<String>) -> Result<Vec<String>, EngineError> {
        self.ask(|reply| Command::Retry { target, reply }).await
    }

    pub async fn plan(&self, target: Option<String>) -> Result<Vec<TargetPlan>, EngineError> {
        self.ask(|reply| Command::Plan { target, reply }).await
    }

    pub async fn remote_names(
        &self,
        target: String,
    ) -> Result<std::collections::BTreeSet<String>, EngineError> {
        self.ask(|reply| Command::RemoteNames { target, reply })
            .await
    }

    pub async fn drift(&self, target: Option<String>) -> Result<Vec<TargetDrift>, EngineError> {
        self.ask(|reply| Command::Drift { target, reply }).await
    }
}

/// Starts the engine on the current tokio runtime with the default settings.
pub fn start(vault: Arc<Vault>) -> (EngineHandle, tokio::task::JoinHandle<()>) {
    start_with(vault, EngineConfig::default())
}

/// Starts the engine; it resumes whatever the outbox holds at once.
pub fn start_with(
    vault: Arc<Vault>,
    config: EngineConfig,
) -> (EngineHandle, tokio::task::JoinHandle<()>) {
    let clients = Arc::new(super::clients::Clients::new(vault.clone(), config.clone()));
    start_on(vault, config, event_channel(), clients)
}

/// A channel for engine events. Events are coalescable (a front end re-reads state), so
/// a lagging receiver losing old ones is harmless; 4096 covers a burst of per-variable
/// updates.
pub fn event_channel() -> broadcast::Sender<Event> {
    broadcast::channel(4096).0
}

/// Starts the engine sending its events on `events` (an owner keeps one channel across
/// seal and unseal, so attached front ends never have to re-subscribe) and reaching
/// Supabase through `clients` (shared with the owner's own requests, so both draw on
/// one set of rate budgets).
pub fn start_on(
    vault: Arc<Vault>,
    config: EngineConfig,
    events: broadcast::Sender<Event>,
    clients: Arc<super::clients::Clients>,
) -> (EngineHandle, tokio::task::JoinHandle<()>) {
    let (commands, rx) = mpsc::unbounded_channel();
    let handle = EngineHandle {
        commands,
        events: events.clone(),
    };
    let kick = handle.commands.downgrade();
    let task = tokio::spawn(super::task::run(vault, config, clients, rx, kick, events));
    (handle, task)
}
