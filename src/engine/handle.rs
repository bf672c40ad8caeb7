//! The engine's contract with its front ends (TUI, CLI, local API): Commands in over an
//! mpsc channel, Events out over a broadcast channel.
//!
//! The engine is the single writer: a front end never opens a write transaction itself,
//! it sends the change as a closure over a [`WriteTx`]. The vault records the outbox rows
//! of the change in that same transaction, so the engine then only has to wake its push
//! workers. The closure runs on a blocking thread, so no front end ever waits on an fsync.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::config::EngineConfig;
use super::inspect::{TargetDrift, TargetPlan};
use crate::vault::{SyncState, Vault, VaultError, WriteTx};

/// A change to apply in one durable write transaction.
pub type Job = Box<dyn FnOnce(&mut WriteTx<'_>) -> Result<(), VaultError> + Send>;

type Reply<T> = oneshot::Sender<Result<T, VaultError>>;

pub enum Command {
    Apply {
        job: Job,
        /// The attached front end the change came from (audit), if any.
        via: Option<String>,
        reply: oneshot::Sender<Result<(), VaultError>>,
    },
    /// Something outside the engine changed the outbox (or the user asked): work it now.
    Kick,
    /// Queue every mapped variable (of one target or all) and work it: a full
    /// reconciliation, cheap because unchanged digests are skipped.
    SyncAll {
        target: Option<String>,
        reply: Reply<usize>,
    },
    /// Retry now: clears retry waits and unhealthy marks (one target or all).
    Retry {
        target: Option<String>,
        reply: Reply<Vec<String>>,
    },
    /// Dry run: what a sync would create, update, overwrite and delete.
    Plan {
        target: Option<String>,
        reply: Reply<Vec<TargetPlan>>,
    },
    /// List targets and compare with what keyward pushed; marks drifted variables.
    Drift {
        target: Option<String>,
        reply: Reply<Vec<TargetDrift>>,
    },
    /// The names a target holds now (one listing): what `WriteTx::map` takes as
    /// `remote`, to refuse or adopt names keyward does not own and to count the cap.
    RemoteNames {
        target: String,
        reply: Reply<std::collections::BTreeSet<String>>,
    },
    Shutdown,
}

/// What the engine tells every front end. Small, cloneable data; a front end re-reads
/// what it shows from a vault snapshot when told something changed. Serializable: the
/// owner streams them to attached front ends. Never a value or a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A write committed: vault content may differ from the last snapshot.
    Changed,
    /// A write committed that changed only these (empty: nothing the panes show, e.g.
    /// an audit entry or a policy): a front end re-reads just them.
    Touched(Delta),
    /// A variable's sync state changed (None: it is gone from the target).
    Variable {
        target: String,
        variable: String,
        state: Option<SyncState>,
    },
    /// A batch finished on a target: its health now.
    TargetHealth {
        target: String,
        healthy: bool,
        consecutive_failures: u32,
    },
    /// What one batch did on a target: the line a daemon log shows per batch.
    Batch(BatchSummary),
    /// A drift check found values edited or deleted on Supabase out of band.
    Drift {
        target: String,
        drifted: Vec<String>,
        missing: Vec<String>,
    },
    /// A step of a Supabase API key rotation (started, created, promoted, cleaned up,
    /// failed...), in words.
    Rotation {
        name: String,
        ok: bool,
        message: String,
    },
    /// A listing of a followed target's branches added, seeded or dropped some (or
    /// could not be read: `error`).
    Branches {
        parent: String,
        changes: crate::vault::BranchChanges,
        error: Option<String>,
    },
    /// Outbox rows done since work started, of the total seen.
    Progress {
        done: usize,
        total: usize,
    },
    /// The owner forgot its key (`keyward seal`): requests are refused until unsealed.
    Sealed,
    /// The owner has its key again and runs.
    Unsealed,
    /// A front end attached to the owner (its pid and command).
    Attached {
        pid: u32,
        command: String,
    },
    Detached {
        pid: u32,
        command: String,
    },
    /// A process of another user was refused at the owner's socket.
    AttachRefused {
        uid: u32,
        pid: Option<u32>,
    },
    /// An alert (config file `[[alert]]`) was delivered, or gave up: the owner's log
    /// says so; the audit log keeps it.
    AlertDelivery {
        alert: String,
        ok: bool,
        message: String,
    },
    /// The local API refused access keys: how many, and from where, in words.
    AccessRefused {
        refused: u64,
        detail: String,
    },
    /// Nothing is due: the outbox is empty or holds only failures waiting for their
    /// retry time (or for the user, on unhealthy targets).
    Idle,
    /// The engine stopped; no more events will come.
    Stopped,
}

/// What a committed write changed, by key: secrets (metadata), variables (sync
/// state) and targets (health). Never a value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta {
    pub secrets: Vec<crate::vault::SecretId>,
    /// (target, variable)
    pub vars: Vec<(String, String)>,
    pub targets: Vec<String>,
}

impl Delta {
    /// The event for a write that changed `t`: a delta, or a full re-read.
    pub fn event(t: &crate::vault::Touched) -> Event {
        if t.full {
            return Event::Changed;
        }
        Event::Touched(Delta {
            secrets: t.secrets.iter().copied().collect(),
            vars: t.vars.iter().cloned().collect(),
            targets: t.targets.iter().cloned().collect(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.vars.is_empty() && self.targets.is_empty()
    }

    /// Both deltas at once (kept sorted and without repeats).
    pub fn merge(&mut self, other: &Delta) {
        fn join<T: Ord + Clone>(a: &mut Vec<T>, b: &[T]) {
            a.extend_from_slice(b);
            a.sort();
            a.dedup();
        }
        join(&mut self.secrets, &other.secrets);
        join(&mut self.vars, &other.vars);
        join(&mut self.targets, &other.targets);
    }
}

/// One batch's outcome on one target (names and reasons, never values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub target: String,
    /// Variables written (created or updated) by this batch.
    pub pushed: usize,
    /// Variables deleted on Supabase.
    pub deleted: usize,
    /// Already there with the right value: nothing sent.
    pub unchanged: usize,
    /// Edited on Supabase out of band and overwritten with the vault's value.
    pub overwritten: Vec<String>,
    /// (variable, why) for each variable that failed.
    pub failed: Vec<(String, String)>,
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
