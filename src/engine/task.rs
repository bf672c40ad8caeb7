//! The engine task: applies writes, and schedules push workers — targets in parallel
//! (bounded), one batch in flight per target, failed work woken at its retry time.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};

use super::clients::Clients;
use super::command::Command;
use super::config::EngineConfig;
use super::event::Event;
use super::push::{self, BatchReport};
use crate::vault::{Vault, VaultError};

struct PushScheduler {
    vault: Arc<Vault>,
    clients: Arc<Clients>,
    parallelism: usize,
    only: Option<std::collections::BTreeSet<String>>,
    workers: super::workers::Workers<BatchReport>,
    /// Set when a worker ran: the next quiet moment announces Idle.
    busy: bool,
    /// Changes arriving close together are pushed together (see pacing.rs).
    pacing: super::pacing::Pacing,
    /// When targets held by a stream of changes may go.
    release: Option<tokio::time::Instant>,
    next_wake: Option<tokio::time::Instant>,
    progress_total: usize,
    progress_done: usize,
    /// The gauge counts the whole outbox: at most every PROGRESS_EVERY while workers
    /// run (every batch of 200 targets would otherwise count it 200 times).
    last_progress: Option<std::time::Instant>,
    events: broadcast::Sender<Event>,
}

const PROGRESS_EVERY: Duration = Duration::from_millis(100);

impl PushScheduler {
    /// Sync state moved (a write, a kick): batches start once changes are quiet.
    fn changed(&mut self) {
        self.pacing
            .changed(tokio::time::Instant::now(), self.workers.targets());
        self.busy = true;
    }

    fn schedule(&mut self) {
        let at = tokio::time::Instant::now();
        // Within a burst the defer timer schedules; workers ending meanwhile wait for it.
        if self.pacing.deferred(at).is_some() {
            self.release = None;
            return;
        }
        self.pacing.begin(at);
        let now = self.vault.now();
        let (mut due, next) = match self.vault.read().and_then(|r| r.due_work(now)) {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("the sync engine cannot read the outbox: {e}");
                return;
            }
        };
        if let Some(only) = &self.only {
            due.retain(|t| only.contains(t));
        }
        self.next_wake = next.map(|at| {
            tokio::time::Instant::now() + Duration::from_millis((at - now).max(1) as u64)
        });
        let nothing = due.is_empty() && self.workers.is_empty() && self.progress_total == 0;
        let mut held = false;
        for t in due {
            if self.workers.len() >= self.parallelism {
                break;
            }
            if self.workers.running(&t) {
                continue;
            }
            if !self.pacing.may_start(&t) {
                held = true;
                continue;
            }
            self.busy = true;
            let (v, c) = (self.vault.clone(), self.clients.clone());
            self.workers.start(&t.clone(), push::run(v, c, t));
        }
        // Counting the outbox for the gauge only matters while work is under way.
        let gauge_due = self.workers.is_empty()
            || self
                .last_progress
                .is_none_or(|at| at.elapsed() >= PROGRESS_EVERY);
        if !nothing && gauge_due {
            self.last_progress = Some(std::time::Instant::now());
            self.progress();
        }
        self.release = if held { self.pacing.release_at() } else { None };
        if self.workers.is_empty() && self.busy && !held {
            self.busy = false;
            let _ = self.events.send(Event::Idle);
        }
    }

    fn progress(&mut self) {
        let Ok((left, failed)) = self.vault.read().and_then(|r| r.outbox_totals()) else {
            return;
        };
        let open = left - failed;
        if open == 0 && self.workers.is_empty() {
            if self.progress_total > 0 {
                let _ = self.events.send(Event::Progress {
                    done: self.progress_total,
                    total: self.progress_total,
                });
            }
            self.progress_total = 0;
            self.progress_done = 0;
            return;
        }
        let done_now = self.progress_total.saturating_sub(open);
        if open > self.progress_total.saturating_sub(self.progress_done) {
            // New work arrived: the total grows by it.
            self.progress_total = self.progress_done + open;
        } else {
            self.progress_done = done_now;
        }
        let _ = self.events.send(Event::Progress {
            done: self.progress_done,
            total: self.progress_total,
        });
    }

    fn report(&self, r: BatchReport) {
        for (variable, state) in r.changed {
            let _ = self.events.send(Event::Variable {
                target: r.target.clone(),
                variable,
                state,
            });
        }
        if let Some(s) = r.summary {
            let _ = self.events.send(Event::Batch(s));
        }
        if let Some(h) = r.health {
            let _ = self.events.send(Event::TargetHealth {
                target: r.target.clone(),
                healthy: !h.unhealthy,
                consecutive_failures: h.consecutive_failures,
            });
        }
        let _ = self.events.send(match &r.touched {
            Some(t) => super::event::Delta::event(t),
            None => Event::Changed,
        });
    }
}

async fn write<T: Send + 'static>(
    vault: &Arc<Vault>,
    f: impl FnOnce(&mut crate::vault::WriteTx<'_>) -> Result<T, VaultError> + Send + 'static,
) -> Result<T, VaultError> {
    on_blocking(vault, move |v| v.write(f)).await
}

/// `f` on the vault, on a blocking thread.
async fn on_blocking<T: Send + 'static>(
    vault: &Arc<Vault>,
    f: impl FnOnce(&Vault) -> Result<T, VaultError> + Send + 'static,
) -> Result<T, VaultError> {
    let v = vault.clone();
    tokio::task::spawn_blocking(move || f(&v))
        .await
        .unwrap_or_else(|e| Err(VaultError::task_failed("write failed: ", e)))
}

impl PushScheduler {
    /// A front end's change, applied on a blocking thread (the engine is the single
    /// writer).
    async fn apply(
        &mut self,
        job: super::command::Job,
        via: Option<String>,
        reply: tokio::sync::oneshot::Sender<Result<(), VaultError>>,
    ) {
        let out = on_blocking(&self.vault, move |v| v.write_touched(via.as_deref(), job)).await;
        let sync = match &out {
            Ok(((), touched)) => {
                let _ = self.events.send(super::event::Delta::event(touched));
                touched.sync
            }
            Err(_) => false,
        };
        let _ = reply.send(out.map(|_| ()));
        // Due work is looked for only when sync state moved: an audit
        // entry or a policy never costs a scan of the outbox.
        if sync {
            self.changed();
        }
    }

    async fn retry(&mut self, target: Option<String>, reply: super::command::Reply<Vec<String>>) {
        let out = write(&self.vault, move |tx| tx.retry_now(target.as_deref())).await;
        if out.is_ok() {
            let _ = self.events.send(Event::Changed);
        }
        let _ = reply.send(out);
        self.busy = true;
        self.schedule();
    }

    /// The commands that list Supabase: each runs on its own task, off this loop.
    fn listing(&self, cmd: Command, kick: &mpsc::WeakUnboundedSender<Command>) {
        match cmd {
            Command::SyncAll { target, reply } => {
                // Listing first, off this loop: only what differs is queued, so a
                // no-op reconciliation writes nothing. Pushes go on meanwhile.
                let (v, c, ev, kick) = (
                    self.vault.clone(),
                    self.clients.clone(),
                    self.events.clone(),
                    kick.clone(),
                );
                let width = self.parallelism;
                tokio::spawn(async move {
                    let listed = super::inspect::listings(&v, &c, target.as_deref(), width).await;
                    let out = write(&v, move |tx| tx.enqueue_all(target.as_deref(), &listed)).await;
                    if out.is_ok() {
                        let _ = ev.send(Event::Changed);
                    }
                    let _ = reply.send(out);
                    if let Some(k) = kick.upgrade() {
                        let _ = k.send(Command::Kick);
                    }
                });
            }
            Command::Plan { target, reply } => {
                let (v, c) = (self.vault.clone(), self.clients.clone());
                tokio::spawn(async move {
                    let _ = reply.send(super::inspect::plan_all(v, c, target).await);
                });
            }
            Command::Drift { target, reply } => {
                let (v, c) = (self.vault.clone(), self.clients.clone());
                let ev = self.events.clone();
                tokio::spawn(async move {
                    let out = super::inspect::drift_all(v, c, target).await;
                    if let Ok(found) = &out {
                        super::inspect::announce_drift(&ev, found);
                    }
                    let _ = ev.send(Event::Changed);
                    let _ = reply.send(out);
                });
            }
            Command::RemoteNames { target, reply } => {
                let (v, c) = (self.vault.clone(), self.clients.clone());
                tokio::spawn(async move {
                    let _ = reply.send(super::inspect::remote_names(v, c, target).await);
                });
            }
            _ => unreachable!("run sends only listing commands here"),
        }
    }
}

pub(super) async fn run(
    vault: Arc<Vault>,
    config: EngineConfig,
    clients: Arc<Clients>,
    mut rx: mpsc::UnboundedReceiver<Command>,
    // To wake this loop from a task it started; weak, so it never keeps the engine up.
    kick: mpsc::WeakUnboundedSender<Command>,
    events: broadcast::Sender<Event>,
) {
    let mut s = PushScheduler {
        vault: vault.clone(),
        clients: clients.clone(),
        parallelism: config.parallelism.max(1),
        only: config.only_targets.clone(),
        workers: super::workers::Workers::new(),
        busy: true,
        pacing: Default::default(),
        release: None,
        next_wake: None,
        progress_total: 0,
        progress_done: 0,
        last_progress: None,
        events: events.clone(),
    };
    // Resume whatever a previous run left in the outbox.
    s.schedule();
    loop {
        let wake = s.next_wake;
        // Past or not: a deadline the loop missed is met at once.
        let defer = s.pacing.pending();
        let release = s.release;
        tokio::select! {
            cmd = rx.recv() => {
                let Some(cmd) = cmd else { break };
                match cmd {
                    Command::Apply { job, via, reply } => s.apply(job, via, reply).await,
                    Command::Kick => s.changed(),
                    Command::Retry { target, reply } => s.retry(target, reply).await,
                    Command::SyncAll { .. }
                    | Command::Plan { .. }
                    | Command::Drift { .. }
                    | Command::RemoteNames { .. } => s.listing(cmd, &kick),
                    Command::Shutdown => break,
                }
            }
            Some((target, done)) = s.workers.next(), if !s.workers.is_empty() => {
                match done {
                    Ok(report) => s.report(report),
                    // Its rows stay in the outbox: the next schedule retries them.
                    Err(e) => tracing::warn!("the sync worker of {target} stopped: {e}"),
                }
                s.schedule();
            }
            _ = sleep_until(defer), if defer.is_some() => s.schedule(),
            _ = sleep_until(release), if release.is_some() => s.schedule(),
            _ = sleep_until(wake), if wake.is_some() => {
                s.next_wake = None;
                s.busy = true;
                s.schedule();
            }
        }
    }
    s.workers.abort_all();
    let _ = events.send(Event::Stopped);
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
