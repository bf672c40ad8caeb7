//! The scheduler of vault-secret rotation policies: which policies are due (a pure
//! function of the stored policies and the clock), and a loop that applies them through
//! the engine's single writer and sleeps until the next due time.
//!
//! Correctness lives in the vault: `WriteTx::rotate_due` rotates a policy only if its
//! stored due time is still the one planned here and has come, and moves it to
//! `now + every`. So a tick that runs twice, a clock that jumps back or forward, or a
//! restart between plan and apply never rotates twice for one due time, and a policy
//! overdue by many intervals (downtime) rotates once. Due times are the policies' own
//! `next_due`, stored in the vault, so they survive restarts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use super::event::Event;
use super::handle::{EngineError, EngineHandle};
use crate::vault::{DueRotation, Millis, Policy, SecretId, Vault, VaultError, WriteTx};

/// What one look at the policies found: due rotations grouped per secret (one new
/// version per secret, however many of its fields are due), and the earliest due time
/// still ahead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DuePlan {
    pub batches: Vec<Vec<DueRotation>>,
    pub next_due: Option<Millis>,
}

/// Pure: the due policies of live secrets at `now`. Trashed or purged secrets (absent
/// from `live`) are left out, their policies kept for a restore.
pub fn plan(
    policies: &HashMap<SecretId, Vec<Policy>>,
    live: &HashSet<SecretId>,
    now: Millis,
) -> DuePlan {
    let mut batches: BTreeMap<SecretId, Vec<DueRotation>> = BTreeMap::new();
    let mut next_due: Option<Millis> = None;
    for (id, ps) in policies {
        if !live.contains(id) {
            continue;
        }
        for p in ps {
            if p.next_due <= now {
                batches.entry(*id).or_default().push(DueRotation {
                    secret: *id,
                    field: p.field.clone(),
                    due: p.next_due,
                });
            } else {
                next_due = Some(next_due.map_or(p.next_due, |n| n.min(p.next_due)));
            }
        }
    }
    DuePlan {
        batches: batches.into_values().collect(),
        next_due,
    }
}

/// One rotation the scheduler made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    pub secret: SecretId,
    pub version: u32,
    pub fields: Vec<Option<String>>,
}

/// The result of one tick.
#[derive(Debug, Default)]
pub struct Tick {
    pub rotated: Vec<Rotated>,
    /// Per secret, why its rotation failed (it stays due and is tried next tick).
    pub failed: Vec<(SecretId, String)>,
    pub next_due: Option<Millis>,
}

/// Runs `job` through the single writer and hands back what it computed.
pub(crate) async fn apply_get<T: Send + 'static>(
    handle: &EngineHandle,
    job: impl FnOnce(&mut WriteTx<'_>) -> Result<T, VaultError> + Send + 'static,
) -> Result<T, EngineError> {
    handle.write(None, job).await
}

/// The scheduler of vault-secret policies.
#[derive(Clone)]
pub struct PolicyScheduler {
    vault: Arc<Vault>,
    handle: EngineHandle,
    /// The longest sleep: a bound on how late a rotation can be after the system clock
    /// is changed, and how often a fixed (test) clock is looked at.
    pub cap: Duration,
    /// When it turns true, `run` returns at its next wait (never mid-rotation).
    pub stop: Option<watch::Receiver<bool>>,
    /// What `run`'s last look found: when the next rotation is due (None: no policy).
    next_due: Arc<watch::Sender<Option<Millis>>>,
}

impl PolicyScheduler {
    pub fn new(vault: Arc<Vault>, handle: EngineHandle) -> Self {
        Self {
            vault,
            handle,
            cap: Duration::from_secs(60),
            stop: None,
            next_due: Arc::new(watch::channel(None).0),
        }
    }

    /// When `run` will next rotate, updated after each of its looks at the policies: a
    /// front end can show it, and a test can wait for the look that found a new policy
    /// not yet due instead of sleeping.
    pub fn next_due(&self) -> watch::Receiver<Option<Millis>> {
        self.next_due.subscribe()
    }

    /// Looks at the policies once and applies every due rotation.
    pub async fn tick(&self) -> Result<Tick, EngineError> {
        let plan = {
            let r = self.vault.read()?;
            let policies = r.all_policies()?;
            // Only the secrets that have a policy: a tick costs the policies, not the
            // vault (it runs after every change).
            let mut live: HashSet<SecretId> = HashSet::new();
            for id in policies.keys() {
                if r.secret_by_id(*id)?
                    .is_some_and(|(_, _, m)| !m.is_trashed())
                {
                    live.insert(*id);
                }
            }
            plan(&policies, &live, self.vault.now())
        };
        let mut tick = Tick {
            next_due: plan.next_due,
            ..Tick::default()
        };
        for batch in plan.batches {
            let secret = batch[0].secret;
            let fields = batch.iter().map(|d| d.field.clone()).collect();
            match apply_get(&self.handle, move |tx| tx.rotate_due(&batch)).await {
                Ok(Some(w)) => tick.rotated.push(Rotated {
                    secret,
                    version: w.version,
                    fields,
                }),
                Ok(None) => {}
                Err(EngineError::Stopped) => return Err(EngineError::Stopped),
                Err(e) => {
                    tracing::warn!(secret = secret.0, "scheduled rotation failed: {e}");
                    tick.failed.push((secret, e.to_string()));
                }
            }
        }
        Ok(tick)
    }

    /// Ticks, then sleeps until the next due time (at most `cap`), waking early when the
    /// vault changes (a new or edited policy). Ends when the engine stops.
    pub async fn run(mut self) {
        let mut events = self.handle.subscribe();
        let mut stop = self.stop.take();
        loop {
            let wait = match self.tick().await {
                Ok(t) => {
                    self.next_due.send_replace(t.next_due);
                    wait_until(t.next_due, self.vault.now(), self.cap)
                }
                Err(EngineError::Stopped) => return,
                Err(e) => {
                    tracing::warn!("rotation scheduler: {e}");
                    self.cap
                }
            };
            if !wait_or_change(&mut events, stop.as_mut(), wait).await {
                return;
            }
        }
    }
}

/// Sleeps `wait` or until a vault change; false when the engine stopped or `stop` says so.
pub(crate) async fn wait_or_change(
    events: &mut tokio::sync::broadcast::Receiver<Event>,
    stop: Option<&mut watch::Receiver<bool>>,
    wait: Duration,
) -> bool {
    let stopped = async {
        match stop {
            Some(rx) => {
                // A dropped sender stops the loop too.
                let _ = rx.wait_for(|s| *s).await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    // Only committed writes matter here; per-variable progress events are not changes
    // of policies or rotations.
    let changed = async {
        loop {
            match events.recv().await {
                Ok(Event::Changed | Event::Touched(_)) | Err(RecvError::Lagged(_)) => {
                    return true;
                }
                Ok(Event::Stopped) | Err(RecvError::Closed) => return false,
                Ok(_) => {}
            }
        }
    };
    let go_on = tokio::select! {
        _ = stopped => return false,
        _ = tokio::time::sleep(wait) => return true,
        c = changed => c,
    };
    // A burst of changes (our own writes included) is one look, not one per event.
    while let Ok(ev) = events.try_recv() {
        if ev == Event::Stopped {
            return false;
        }
    }
    go_on
}

/// How long a loop sleeps: until `at` (now if it is past), never longer than `cap`, and
/// `cap` when nothing is due.
pub(crate) fn wait_until(at: Option<Millis>, now: Millis, cap: Duration) -> Duration {
    at.map_or(cap, |at| Duration::from_millis((at - now).max(0) as u64))
        .min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::Generator;

    fn pol(field: Option<&str>, next_due: Millis) -> Policy {
        Policy {
            field: field.map(str::to_string),
            every: 100,
            generator: Generator::Hex { len: 16 },
            next_due,
            last_rotated: None,
        }
    }

    #[test]
    fn due_fields_of_one_secret_form_one_batch_and_the_rest_set_the_wake_time() {
        let (a, b, gone) = (SecretId(1), SecretId(2), SecretId(3));
        let policies = HashMap::from([
            (a, vec![pol(Some("password"), 50), pol(Some("user"), 40)]),
            (b, vec![pol(None, 500)]),
            (gone, vec![pol(None, 10)]),
        ]);
        let live = HashSet::from([a, b]);
        let p = plan(&policies, &live, 60);
        assert_eq!(p.batches.len(), 1);
        assert_eq!(p.batches[0].len(), 2);
        assert!(p.batches[0].iter().all(|d| d.secret == a));
        assert_eq!(p.next_due, Some(500));

        let none = plan(&policies, &live, 30);
        assert!(none.batches.is_empty());
        assert_eq!(none.next_due, Some(40));
    }

    #[test]
    fn a_long_overdue_policy_is_planned_once() {
        let a = SecretId(1);
        let policies = HashMap::from([(a, vec![pol(None, 0)])]);
        let p = plan(&policies, &HashSet::from([a]), 100 * 100);
        assert_eq!(
            p.batches,
            vec![vec![DueRotation {
                secret: a,
                field: None,
                due: 0
            }]]
        );
    }
}
