//! The engine's contract with its front ends (TUI, CLI, local API): Commands in over an
//! mpsc channel, Events out over a broadcast channel.
//!
//! The engine is the single writer: a front end never opens a write transaction itself,
//! it sends the change as a closure over a [`WriteTx`]. The vault records the outbox rows
//! of the change in that same transaction, so the engine then only has to wake its push
//! workers. The closure runs on a blocking thread, so no front end ever waits on an fsync.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::vault::{Vault, VaultError, WriteTx};

/// A change to apply in one durable write transaction.
pub type Job = Box<dyn FnOnce(&mut WriteTx<'_>) -> Result<(), VaultError> + Send>;

pub enum Command {
    Apply {
        job: Job,
        reply: oneshot::Sender<Result<(), VaultError>>,
    },
    /// Something outside the engine changed the outbox (or the user asked): work it now.
    Kick,
    Shutdown,
}

/// What the engine tells every front end. Small, cloneable data; a front end re-reads
/// what it shows from a vault snapshot when told something changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A write committed: vault content may differ from the last snapshot.
    Changed,
    /// The engine stopped; no more events will come.
    Stopped,
}

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
        let (reply, rx) = oneshot::channel();
        // A closed channel drops `reply`, which the receiver reports as Stopped.
        let _ = self.commands.send(Command::Apply {
            job: Box::new(job),
            reply,
        });
        rx
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
}

/// Starts the engine on the current tokio runtime.
pub fn start(vault: Arc<Vault>) -> (EngineHandle, tokio::task::JoinHandle<()>) {
    let (commands, mut rx) = mpsc::unbounded_channel();
    // Events are coalescable (a front end re-reads state), so a lagging receiver losing
    // old ones is harmless; 1024 covers a burst of per-variable updates.
    let (events, _) = broadcast::channel(1024);
    let handle = EngineHandle {
        commands,
        events: events.clone(),
    };
    let task = tokio::spawn(async move {
        while let Some(cmd) = rx.recv().await {
            match cmd {
                Command::Apply { job, reply } => {
                    let v = vault.clone();
                    let out = tokio::task::spawn_blocking(move || v.write(job))
                        .await
                        .unwrap_or_else(|e| Err(VaultError::Storage(format!("write failed: {e}"))));
                    if out.is_ok() {
                        let _ = events.send(Event::Changed);
                    }
                    let _ = reply.send(out);
                }
                Command::Kick => {}
                Command::Shutdown => break,
            }
        }
        let _ = events.send(Event::Stopped);
    });
    (handle, task)
}
