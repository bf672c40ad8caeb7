//! What the two Supabase key rotation drivers (API keys: `keyrotation`, signing keys:
//! `signing`) hold and do alike, written once: the vault, the engine, the clients, the
//! retry policy and the loop's pacing; telling a step to the log and the dashboards,
//! reading a rotation, finding its project's client, and recording a failed attempt.
//! A kind says only what differs (its record, its vault calls, its audit word) as a
//! [`Kind`]; `KeyRotator` and `SigningRotator` are this [`Rotator`] of their kind.

use std::sync::Arc;
use std::time::Duration;

use super::handle::EngineHandle;
use super::keyrotation::{KeyRotationError, SAID_FAILED};
use super::retry::RetryPolicy;
use crate::supabase::Client;
use crate::vault::{Millis, Outcome, ReadTx, Vault, WriteTx, next_due_after};

type R<T> = Result<T, KeyRotationError>;

/// Finds the client that reaches a rotation's project.
pub type RecordClients<T> = Arc<dyn Fn(&T) -> Result<Client, String> + Send + Sync>;

/// The fields the end of an attempt changes, in a record of either kind, and its
/// schedule (for the next due time after a success).
pub struct Ended<'a> {
    pub every_days: u32,
    pub at_minute: u32,
    pub next_due: &'a mut Millis,
    pub last_success: &'a mut Option<Millis>,
    pub failures: &'a mut u32,
    pub retry_at: &'a mut Option<Millis>,
    pub last_message: &'a mut Option<String>,
}

impl Ended<'_> {
    /// A success at `now`: due again a whole interval on, the backoff forgotten.
    pub(super) fn succeeded(self, now: Millis, message: String) {
        *self.last_success = Some(now);
        *self.next_due = next_due_after(now, self.every_days, self.at_minute);
        *self.failures = 0;
        *self.retry_at = None;
        *self.last_message = Some(message);
    }

    /// A failure at `now`: retried after the backoff of one more failure.
    fn failed(self, retry: &RetryPolicy, now: Millis, message: String) {
        *self.failures += 1;
        let delay = retry.delay(*self.failures, &mut rand::thread_rng());
        *self.retry_at = Some(now + delay.as_millis() as Millis);
        *self.last_message = Some(message);
    }
}

/// A rotation kind, as the shared part of its driver sees it.
pub trait Kind: Clone + Send + Sync + 'static {
    type Record;
    /// The audit action of an attempt.
    const AUDIT: &'static str;
    /// The rotation as the log names it ("rotation", "signing rotation").
    const WHAT: &'static str;
    fn read(tx: &ReadTx<'_>, name: &str) -> crate::vault::Result<Self::Record>;
    fn load(tx: &WriteTx<'_>, name: &str) -> crate::vault::Result<Self::Record>;
    fn save(tx: &mut WriteTx<'_>, r: &Self::Record) -> crate::vault::Result<()>;
    fn name(r: &Self::Record) -> &str;
    /// Ends an attempt: back to the idle phase, and the fields its outcome changes.
    fn end_attempt(r: &mut Self::Record) -> Ended<'_>;
}

/// Declares a rotation kind: its marker type and its [`Kind`], from the record type,
/// the phase that means idle, its audit word, how the log names it, and the vault
/// calls that read (in either transaction) and save its record.
macro_rules! rotation_kind {
    (
        $(#[$meta:meta])*
        $kind:ident,
        record: $record:ty,
        idle: $idle:path,
        audit: $audit:literal,
        what: $what:literal,
        read: $read:ident,
        save: $save:ident $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $kind;

        impl $crate::engine::rotator::Kind for $kind {
            type Record = $record;
            const AUDIT: &'static str = $audit;
            const WHAT: &'static str = $what;
            fn read(tx: &$crate::vault::ReadTx<'_>, name: &str) -> $crate::vault::Result<$record> {
                tx.$read(name)
            }
            fn load(tx: &$crate::vault::WriteTx<'_>, name: &str) -> $crate::vault::Result<$record> {
                tx.$read(name)
            }
            fn save(tx: &mut $crate::vault::WriteTx<'_>, r: &$record) -> $crate::vault::Result<()> {
                tx.$save(r)
            }
            fn name(r: &$record) -> &str {
                &r.name
            }
            fn end_attempt(r: &mut $record) -> $crate::engine::rotator::Ended<'_> {
                let s = &mut r.state;
                s.phase = $idle;
                $crate::engine::rotator::Ended {
                    every_days: r.every_days,
                    at_minute: r.at_minute,
                    next_due: &mut s.next_due,
                    last_success: &mut s.last_success,
                    failures: &mut s.failures,
                    retry_at: &mut s.retry_at,
                    last_message: &mut s.last_message,
                }
            }
        }
    };
}
pub(super) use rotation_kind;

pub struct Rotator<K: Kind> {
    pub(super) vault: Arc<Vault>,
    pub(super) handle: EngineHandle,
    pub(super) clients: RecordClients<K::Record>,
    pub retry: RetryPolicy,
    /// Longest sleep of the loop (`run`).
    pub cap: Duration,
    /// When it turns true, `run` returns at its next wait (never mid-attempt).
    pub stop: Option<tokio::sync::watch::Receiver<bool>>,
}

impl<K: Kind> Clone for Rotator<K> {
    fn clone(&self) -> Self {
        Self {
            vault: self.vault.clone(),
            handle: self.handle.clone(),
            clients: self.clients.clone(),
            retry: self.retry.clone(),
            cap: self.cap,
            stop: self.stop.clone(),
        }
    }
}

pub(super) fn failed(name: &str, message: impl Into<String>) -> KeyRotationError {
    KeyRotationError::Failed {
        name: name.to_owned(),
        message: message.into(),
    }
}

impl<K: Kind> Rotator<K> {
    pub fn new(vault: Arc<Vault>, handle: EngineHandle, clients: RecordClients<K::Record>) -> Self {
        Self {
            vault,
            handle,
            clients,
            retry: RetryPolicy::default(),
            cap: Duration::from_secs(60),
            stop: None,
        }
    }

    /// One step, for the daemon log and attached dashboards (names and ids, never key
    /// material).
    pub(super) fn say(&self, name: &str, ok: bool, message: String) {
        self.handle.notify(super::event::Event::Rotation {
            name: name.to_owned(),
            ok,
            message,
        });
    }

    pub(super) fn read(&self, name: &str) -> R<K::Record> {
        Ok(K::read(&self.vault.read()?, name)?)
    }

    pub(super) fn client(&self, r: &K::Record) -> R<Client> {
        (self.clients)(r).map_err(|m| failed(K::name(r), m))
    }

    /// Records a failed attempt (status, backoff, audit); nothing else changes, so a
    /// key made but not promoted stays where the kind keeps it for the next attempt.
    pub(super) async fn fail(&self, name: &str, message: String) -> KeyRotationError {
        let retry = self.retry.clone();
        let (n, m) = (name.to_owned(), message.clone());
        let recorded = self
            .handle
            .apply(move |tx| {
                let mut r = K::load(tx, &n)?;
                K::end_attempt(&mut r).failed(&retry, tx.now(), m.clone());
                K::save(tx, &r)?;
                tx.audit(K::AUDIT, &n, Outcome::Failed, &m)
            })
            .await;
        if let Err(e) = recorded {
            tracing::warn!(rotation = name, "recording a failed {}: {e}", K::WHAT);
        }
        self.say(name, false, format!("{SAID_FAILED} {message}"));
        failed(name, message)
    }
}
