//! Alerts: the owner calls the operator's own tooling when something needs a person (a
//! failed push, an unhealthy target, drift, a rotation in trouble, refused access
//! keys). Entries in the config file (`config.rs`) run a program (`hook.rs`) or POST
//! to a URL, signed (`webhook.rs`).
//!
//! Off the sync path: the owner's events reach a dispatcher task over the broadcast
//! channel (the engine never waits for it); each alert has its own worker and a
//! bounded queue, so a stuck hook delays only its own later alerts, and a full queue
//! drops (and says so) rather than grows. Every delivery, after its retries, is one
//! audit entry (`alert-delivery`) and one daemon log line.

mod alert;
mod classify;
pub mod config;
mod hook;
mod kind;
mod throttle;
pub mod webhook;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

pub use alert::Alert;
pub use classify::Classifier;
pub use config::{AlertSpec, Config, How};
pub use kind::Kind;

use crate::engine::{EngineHandle, Event};
use crate::vault::{Outcome, Vault, WriteTx};

/// Alerts waiting per alert entry; beyond it new ones are dropped (and said).
const QUEUE: usize = 64;
/// The audit action of a delivery.
pub const AUDIT_ACTION: &str = "alert-delivery";

/// What one delivery came to, after its retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub alert: String,
    pub kind: Kind,
    /// The target or rotation it was about ("" for neither).
    pub subject: String,
    pub ok: bool,
    pub attempts: u32,
    /// Why it failed; empty when it went through.
    pub error: String,
}

impl Delivery {
    pub fn detail(&self) -> String {
        let about = match self.subject.as_str() {
            "" => self.kind.to_string(),
            s => format!("{} on {s}", self.kind),
        };
        match (self.ok, self.attempts) {
            (true, n) => format!("{about}: delivered (attempt {n})"),
            (false, 0) => format!("{about}: not sent: {}", self.error),
            (false, _) => format!(
                "{about}: failed after {} attempt(s): {}",
                self.attempts, self.error
            ),
        }
    }

    /// The event the log and watchers see.
    pub fn event(&self) -> Event {
        Event::AlertDelivery {
            alert: self.alert.clone(),
            ok: self.ok,
            message: self.detail(),
        }
    }

    /// The audit entry, in the caller's transaction.
    pub fn audit(&self, tx: &mut WriteTx<'_>) -> crate::vault::Result<()> {
        let outcome = if self.ok {
            Outcome::Ok
        } else {
            Outcome::Failed
        };
        tx.audit(AUDIT_ACTION, &self.alert, outcome, &self.detail())
    }
}

/// Delivers `alert` by `spec`, retrying with backoff. Never returns early on a failure
/// that a retry could mend; a missing signing secret is not one of those.
pub async fn deliver(spec: &AlertSpec, alert: &Alert, vault: &Vault) -> Delivery {
    let mut d = Delivery {
        alert: spec.name.clone(),
        kind: alert.kind,
        subject: alert.subject().to_owned(),
        ok: false,
        attempts: 0,
        error: String::new(),
    };
    let secret = match &spec.how {
        How::Run(_) => None,
        How::Url(_) => match vault.read().and_then(|r| r.alert_secret(&spec.name)) {
            Ok(Some(s)) => Some(s),
            Ok(None) => {
                d.error = format!(
                    "no signing secret in the vault: make one with `keyward alert secret {}`",
                    spec.name
                );
                return d;
            }
            Err(e) => {
                d.error = format!("reading the signing secret: {e}");
                return d;
            }
        },
    };
    let mut wait = spec.backoff;
    loop {
        d.attempts += 1;
        let r = match (&spec.how, &secret) {
            (How::Run(argv), _) => hook::run(argv, alert, spec.timeout).await,
            (How::Url(url), Some(s)) => webhook::post(url, s, alert, spec.timeout).await,
            (How::Url(_), None) => unreachable!("read above"),
        };
        match r {
            Ok(()) => {
                d.ok = true;
                d.error.clear();
                return d;
            }
            Err(e) => d.error = e,
        }
        if d.attempts > spec.retries {
            return d;
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(3600));
    }
}

/// The owner's running alerts: a dispatcher and one worker per entry.
pub struct Running {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops at once; a hook in flight is killed.
    pub fn stop(self) {
        for t in self.tasks {
            t.abort();
        }
    }
}

/// Starts listening to `events` (subscribed before the engine starts, so nothing
/// early is missed). Outcomes are written through `engine` (the single writer).
pub fn start(
    config: Arc<Config>,
    vault: Arc<Vault>,
    engine: EngineHandle,
    mut events: broadcast::Receiver<Event>,
) -> Running {
    let mut tasks = Vec::new();
    let mut queues = Vec::new();
    for spec in &config.alerts {
        let (tx, mut rx) = mpsc::channel::<Alert>(QUEUE);
        queues.push((spec.clone(), tx));
        let (spec, vault, engine) = (spec.clone(), vault.clone(), engine.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(a) = rx.recv().await {
                let d = deliver(&spec, &a, &vault).await;
                record(engine.clone(), d).await;
            }
        }));
    }
    if queues.is_empty() {
        return Running { tasks };
    }
    let clock = vault.clock().clone();
    tasks.push(tokio::spawn(async move {
        let mut classifier = Classifier::default();
        let mut throttle = throttle::Throttle::default();
        loop {
            let e = match events.recv().await {
                Ok(e) => e,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("alerts: {n} event(s) missed (too many at once)");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            for a in classifier.alerts(&e, clock.now()) {
                for (spec, q) in &queues {
                    enqueue(spec, q, &a, &mut throttle, &engine);
                }
            }
        }
    }));
    Running { tasks }
}

/// Queues `a` for `spec` if it listens and the interval allows; a full queue drops it
/// and says so in the log and the audit log.
fn enqueue(
    spec: &AlertSpec,
    q: &mpsc::Sender<Alert>,
    a: &Alert,
    throttle: &mut throttle::Throttle,
    engine: &EngineHandle,
) {
    let now = Instant::now();
    if !spec.on.contains(&a.kind)
        || !throttle.allow(&spec.name, a.kind, a.subject(), spec.interval, now)
    {
        return;
    }
    if q.try_send(a.clone()).is_err() {
        let d = Delivery {
            alert: spec.name.clone(),
            kind: a.kind,
            subject: a.subject().to_owned(),
            ok: false,
            attempts: 0,
            error: format!("{QUEUE} alerts already waiting (the hook is slow or stuck): dropped"),
        };
        // Audited like a failed delivery, off this loop (a write waits for the engine).
        tokio::spawn(record(engine.clone(), d));
    }
}

/// The audit entry and the log line of a delivery.
async fn record(engine: EngineHandle, d: Delivery) {
    engine.notify(d.event());
    let audited = d.clone();
    if let Err(e) = engine.apply(move |tx| audited.audit(tx)).await {
        tracing::warn!(alert = d.alert, "recording an alert delivery: {e}");
    }
}
