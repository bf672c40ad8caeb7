//! The owner's socket: front ends of the same user attach here (docs/daemon.md). Each
//! connection is checked (the peer's uid, from the kernel), welcomed, then served: its
//! calls run concurrently and answer in any order, and a watching front end gets the
//! owner's events as they happen.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{broadcast, mpsc};

use super::Host;
use super::socket::{my_uid, prepare_dir};
use crate::engine::Event;
use crate::ops::wire::{self, FromOwner, Hello, PROTOCOL, ToOwner};
use crate::vault::Outcome;

/// The socket while it is served; dropping it stops accepting and removes the file.
pub struct Listening {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Listening {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Listening {
    /// Stops listening; the lock note no longer points here.
    pub fn close(self, vault: &Path) {
        crate::vault::LockNote::advertise(vault, None);
        drop(self);
    }
}

/// Binds the vault's socket and serves `host` on it until the result is dropped.
pub async fn listen(host: Arc<Host>) -> io::Result<Listening> {
    let path = super::socket::path_for(host.vault_path())?;
    let listener = bind(&path).await?;
    crate::vault::LockNote::advertise(host.vault_path(), Some(&path));
    let task = tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(serve(host.clone(), stream));
                }
                Err(e) => {
                    tracing::warn!("the owner's socket: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    Ok(Listening { path, task })
}

/// Binds under a temporary name, restricts it to 0600, then renames it into place, so
/// the socket is never reachable with wider permissions. A socket nobody answers on is
/// left from a crash and replaced (this process holds the vault's lock, so no other
/// owner of this vault can be running).
async fn bind(path: &Path) -> io::Result<UnixListener> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    prepare_dir(path)?;
    if let Ok(md) = std::fs::symlink_metadata(path) {
        if !md.file_type().is_socket() {
            return Err(io::Error::other(format!(
                "{} exists and is not a socket: remove it",
                path.display()
            )));
        }
        std::fs::remove_file(path)?;
    }
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let l = UnixListener::bind(&tmp)?;
    let placed = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(l)
}

async fn serve(host: Arc<Host>, stream: UnixStream) {
    let cred = stream.peer_cred().ok();
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let Some((hello, pid, via)) = admit(&host, cred, &mut rd, &mut wr).await else {
        return;
    };
    let _ = host.events().send(Event::Attached {
        pid,
        command: hello.command.clone(),
    });

    // One writer: replies and events interleave whole lines.
    let (tx, mut out) = mpsc::unbounded_channel::<FromOwner>();
    let writer = tokio::spawn(async move {
        while let Some(m) = out.recv().await {
            if wire::send(&mut wr, &m).await.is_err() {
                break;
            }
        }
    });
    let watching = calls(&host, &mut rd, &tx, pid, via).await;
    if let Some(w) = watching {
        w.abort();
    }
    drop(tx);
    // Replies still in flight are written if the peer is still reading.
    let _ = tokio::time::timeout(Duration::from_secs(1), writer).await;
    let _ = host.events().send(Event::Detached {
        pid,
        command: hello.command,
    });
}

/// The handshake: the front end's hello, checked (its uid, its protocol), audited and
/// welcomed. None: it was refused or left; else its hello, pid and audit name.
async fn admit(
    host: &Arc<Host>,
    cred: Option<tokio::net::unix::UCred>,
    rd: &mut BufReader<OwnedReadHalf>,
    wr: &mut OwnedWriteHalf,
) -> Option<(Hello, u32, String)> {
    let hello = tokio::time::timeout(Duration::from_secs(10), wire::recv::<_, ToOwner>(rd));
    let hello = match hello.await {
        Ok(Ok(Some(ToOwner::Hello(h)))) => h,
        other => {
            tracing::warn!("a front end did not say hello: {other:?}");
            return None;
        }
    };
    let uid = cred.map(|c| c.uid());
    let pid = cred.and_then(|c| c.pid()).map(|p| p as u32);
    if uid != Some(my_uid()) {
        let why = format!(
            "refused: this vault's owner runs as uid {}, and only that user may attach (you are uid {})",
            my_uid(),
            uid.map_or("unknown".into(), |u| u.to_string())
        );
        refuse(host, wr, why, &hello, pid, uid, None).await;
        return None;
    }
    if let Some(why) = mismatch(&hello) {
        let version = Some(hello.version.clone());
        refuse(host, wr, why, &hello, pid, uid, version).await;
        return None;
    }
    let pid = pid.unwrap_or(0);
    let via = format!("pid {pid}, {}", hello.command);
    // Recorded before the front end can ask for anything.
    audit(host, Some(&via), &hello, Some(pid), uid, Outcome::Ok).await;
    if wire::send(wr, &FromOwner::Welcome(host.info()))
        .await
        .is_err()
    {
        return None;
    }
    Some((hello, pid, via))
}

/// Says no to a front end: audited first, so the log line (the event) is never ahead
/// of the audit entry, then the refusal and the line.
async fn refuse(
    host: &Arc<Host>,
    wr: &mut OwnedWriteHalf,
    why: String,
    hello: &Hello,
    pid: Option<u32>,
    uid: Option<u32>,
    version: Option<String>,
) {
    audit(host, None, hello, pid, uid, Outcome::Failed).await;
    let _ = wire::send(wr, &FromOwner::Refused(why)).await;
    let _ = host.events().send(Event::AttachRefused {
        uid: uid.unwrap_or(u32::MAX),
        pid,
        version,
    });
}

/// An admitted front end's calls until it leaves, each run on its own task; returns the
/// event forwarder it may have started.
async fn calls(
    host: &Arc<Host>,
    rd: &mut BufReader<OwnedReadHalf>,
    tx: &mpsc::UnboundedSender<FromOwner>,
    pid: u32,
    via: String,
) -> Option<tokio::task::JoinHandle<()>> {
    let mut watching: Option<tokio::task::JoinHandle<()>> = None;
    loop {
        match wire::recv::<_, ToOwner>(rd).await {
            Ok(Some(ToOwner::Call { id, request })) => {
                tracing::debug!(pid, id, "call");
                let (host, tx, via) = (host.clone(), tx.clone(), via.clone());
                tokio::spawn(async move {
                    let result = host.handle(Some(via), request).await;
                    let _ = tx.send(FromOwner::Reply { id, result });
                });
            }
            Ok(Some(ToOwner::Watch)) if watching.is_none() => {
                watching = Some(tokio::spawn(forward(host.subscribe(), tx.clone())));
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                tracing::debug!(pid, "the front end left");
                break;
            }
            Err(e) => {
                tracing::warn!(pid, "dropped an attached front end: {e}");
                break;
            }
        }
    }
    watching
}

fn mismatch(h: &Hello) -> Option<String> {
    let ours = env!("CARGO_PKG_VERSION");
    (h.protocol != PROTOCOL).then(|| {
        format!(
            "refused: the owner runs keyward {ours} and this is keyward {}: restart the owner (e.g. the daemon) after an upgrade",
            h.version
        )
    })
}

/// The owner's events, to one watching front end. A front end too slow to keep up
/// misses some: it is told something changed, and re-reads.
async fn forward(mut events: broadcast::Receiver<Event>, tx: mpsc::UnboundedSender<FromOwner>) {
    loop {
        let e = match events.recv().await {
            Ok(e) => e,
            Err(broadcast::error::RecvError::Lagged(_)) => Event::Changed,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if tx.send(FromOwner::Event(e)).is_err() {
            return;
        }
    }
}

/// Every attach (and every refusal) is audited, when the owner is unsealed.
async fn audit(
    host: &Arc<Host>,
    via: Option<&str>,
    hello: &Hello,
    pid: Option<u32>,
    uid: Option<u32>,
    outcome: Outcome,
) {
    let Some(owner) = host.owner() else { return };
    let via = via.map(str::to_owned);
    let subject = hello.command.clone();
    let detail = format!(
        "pid {}, uid {}, keyward {}",
        pid.map_or("unknown".into(), |p| p.to_string()),
        uid.map_or("unknown".into(), |u| u.to_string()),
        hello.version
    );
    if let Err(e) = owner
        .write(via, move |tx| {
            tx.audit("attach", &subject, outcome, &detail)
        })
        .await
    {
        tracing::warn!("auditing an attach: {e}");
    }
}
