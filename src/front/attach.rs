//! Attaching to a running owner: find its socket, check that the process answering is
//! of our own user, say hello, then carry calls (several in flight, matched by id) and
//! the owner's events. When the owner goes away every call in flight fails with one
//! line, and watchers get `Event::Stopped`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::BufReader;
use tokio::net::UnixStream;
use tokio::net::unix::OwnedReadHalf;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::engine::Event;
use crate::ops::wire::{self, FromOwner, Hello, PROTOCOL, ToOwner};
use crate::ops::{OwnerInfo, Reply, Request};
use crate::owner::socket::{my_uid, path_for};

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Reply, String>>>>>;

pub struct Attached {
    out: mpsc::UnboundedSender<ToOwner>,
    pending: Pending,
    next: AtomicU64,
    events: broadcast::Sender<Event>,
    watching: AtomicBool,
    /// Set once the connection is gone.
    gone: Arc<AtomicBool>,
    owner: OwnerInfo,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Attaches to the owner of the vault at `vault`; None when no owner is running (no
/// socket, or nobody answers on it). `command` says what this front end is, for the
/// owner's log and audit.
pub async fn attach(vault: &Path, command: &str) -> Result<Option<Attached>, String> {
    let Some(stream) = connect(vault).await? else {
        return Ok(None);
    };
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let hello = ToOwner::Hello(Hello {
        protocol: PROTOCOL,
        version: env!("CARGO_PKG_VERSION").into(),
        command: command.into(),
    });
    let lost = |e: std::io::Error| format!("the owner of {} did not answer: {e}", vault.display());
    wire::send(&mut wr, &hello).await.map_err(lost)?;
    let owner = match wire::recv::<_, FromOwner>(&mut rd).await.map_err(lost)? {
        Some(FromOwner::Welcome(o)) => o,
        Some(FromOwner::Refused(why)) => return Err(why),
        Some(_) | None => return Ok(None),
    };
    let (out, mut outq) = mpsc::unbounded_channel::<ToOwner>();
    tokio::spawn(async move {
        while let Some(m) = outq.recv().await {
            if wire::send(&mut wr, &m).await.is_err() {
                break;
            }
        }
    });
    let pending: Pending = Arc::default();
    let events = crate::engine::event_channel();
    let gone = Arc::new(AtomicBool::new(false));
    let gone_msg = stopped(&owner);
    tokio::spawn(replies(
        rd,
        pending.clone(),
        events.clone(),
        gone.clone(),
        gone_msg,
    ));
    Ok(Some(Attached {
        out,
        pending,
        next: AtomicU64::new(1),
        events,
        watching: AtomicBool::new(false),
        gone,
        owner,
    }))
}

/// What a call is told once the owner is gone.
fn stopped(owner: &OwnerInfo) -> String {
    format!(
        "the owner of the vault ({}, pid {}) has stopped: run the command again (with no owner running it opens the vault itself)",
        owner.command, owner.pid
    )
}

/// The owner's socket, connected and checked to be of our own user; None when no
/// owner is running.
async fn connect(vault: &Path) -> Result<Option<UnixStream>, String> {
    // Where the owner said it listens (its runtime dir may not be ours: a system
    // service, sudo), else where it would.
    let advertised = crate::vault::LockNote::advertised(vault);
    let path = match (advertised, path_for(vault)) {
        (Some(p), _) if p.exists() => p,
        (_, Ok(p)) => p,
        (Some(p), Err(_)) => p,
        (None, Err(_)) => return Ok(None),
    };
    let stream = match UnixStream::connect(&path).await {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None);
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(format!(
                "cannot reach the owner of {} at {}: permission denied (it runs as another user); run keyward as that user",
                vault.display(),
                path.display()
            ));
        }
        Err(e) => {
            return Err(format!(
                "cannot reach the owner of {} at {}: {e}",
                vault.display(),
                path.display()
            ));
        }
    };
    // Only talk to an owner of our own user: another user's process could be waiting
    // there for a passphrase.
    let peer = stream.peer_cred().map(|c| c.uid()).ok();
    if peer != Some(my_uid()) {
        return Err(format!(
            "refused to attach: the process at {} runs as uid {}, not as you (uid {}); remove the socket if it should not be there",
            path.display(),
            peer.map_or("unknown".into(), |u| u.to_string()),
            my_uid()
        ));
    }
    Ok(Some(stream))
}

/// The owner's replies and events, until the connection goes: then every call in
/// flight fails with `gone_msg` and watchers get `Event::Stopped`.
async fn replies(
    mut rd: BufReader<OwnedReadHalf>,
    pending: Pending,
    events: broadcast::Sender<Event>,
    gone: Arc<AtomicBool>,
    gone_msg: String,
) {
    loop {
        match wire::recv::<_, FromOwner>(&mut rd).await {
            Ok(Some(FromOwner::Reply { id, result })) => {
                if let Some(tx) = lock(&pending).remove(&id) {
                    let _ = tx.send(result);
                }
            }
            Ok(Some(FromOwner::Event(e))) => {
                let _ = events.send(e);
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    gone.store(true, Ordering::SeqCst);
    for (_, tx) in lock(&pending).drain() {
        let _ = tx.send(Err(gone_msg.clone()));
    }
    let _ = events.send(Event::Stopped);
}

impl Attached {
    pub fn owner(&self) -> &OwnerInfo {
        &self.owner
    }

    pub async fn call(&self, request: Request) -> Result<Reply, String> {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        let gone = || stopped(&self.owner);
        if self.gone.load(Ordering::SeqCst) || self.out.send(ToOwner::Call { id, request }).is_err()
        {
            lock(&self.pending).remove(&id);
            return Err(gone());
        }
        rx.await.unwrap_or_else(|_| Err(gone()))
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        let rx = self.events.subscribe();
        if !self.watching.swap(true, Ordering::SeqCst) {
            let _ = self.out.send(ToOwner::Watch);
        }
        rx
    }

    /// The connection to the owner is gone.
    pub fn is_gone(&self) -> bool {
        self.gone.load(Ordering::SeqCst)
    }
}
