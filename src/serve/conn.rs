//! The accept loop: what `axum::serve` lacks against hostile clients. A request head
//! must arrive within a deadline (idle keep-alive connections included), the number of
//! connections is capped overall and per address, and shutdown tells every connection
//! to finish, then drops those still open after a grace period, so a stalled client
//! can never keep the vault locked.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::limiter::Peer;

/// Connection limits.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections at once, all clients together...
    pub max_open: usize,
    /// ...and from one address (the Unix socket is one address).
    pub max_open_per_address: usize,
    /// From the connection's start (or its previous response) to a whole request head.
    pub header_timeout: Duration,
    /// After shutdown begins, how long requests in flight may take.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_open: 256,
            max_open_per_address: 32,
            header_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

pub(super) enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// Who holds how many connections.
#[derive(Default)]
struct Open {
    total: usize,
    by_peer: HashMap<Peer, usize>,
}

/// A connection's place in [`Open`], given back when it ends.
struct Slot {
    open: Arc<Mutex<Open>>,
    peer: Peer,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut o = self.open.lock().unwrap_or_else(|e| e.into_inner());
        o.total -= 1;
        if let Some(n) = o.by_peer.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                o.by_peer.remove(&self.peer);
            }
        }
    }
}

fn take_slot(open: &Arc<Mutex<Open>>, peer: Peer, limits: &ConnectionLimits) -> Option<Slot> {
    let mut o = open.lock().unwrap_or_else(|e| e.into_inner());
    let mine = o.by_peer.get(&peer).copied().unwrap_or(0);
    if o.total >= limits.max_open || mine >= limits.max_open_per_address {
        return None;
    }
    o.total += 1;
    *o.by_peer.entry(peer).or_default() += 1;
    Some(Slot {
        open: open.clone(),
        peer,
    })
}

/// What a connection over the cap is told before it is closed; written without waiting.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 96\r\n\r\n{\"error\":{\"code\":\"busy\",\"message\":\"too many open connections: close idle ones, then retry\"}}";

/// Serves `router` until `shutdown` completes, then stops as described above.
pub(super) async fn serve(
    listener: Listener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let open = Arc::new(Mutex::new(Open::default()));
    let (stop, stopping) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            a = accept(&listener) => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: let connections end, then retry.
                tracing::warn!("the API cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slot) = take_slot(&open, peer, &limits) else {
            stream.refuse();
            continue;
        };
        let router = router.clone();
        let stopping = stopping.clone();
        match stream {
            Stream::Tcp(s) => tasks.spawn(connection(s, peer, router, limits, stopping, slot)),
            Stream::Unix(s) => tasks.spawn(connection(s, peer, router, limits, stopping, slot)),
        };
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "the API dropped {} connection(s) still open {} s after shutdown began",
            tasks.len(),
            limits.shutdown_grace.as_secs()
        );
        tasks.shutdown().await;
    }
}

enum Stream {
    Tcp(tokio::net::TcpStream),
    Unix(tokio::net::UnixStream),
}

impl Stream {
    fn refuse(self) {
        let _ = match &self {
            Stream::Tcp(s) => s.try_write(BUSY),
            Stream::Unix(s) => s.try_write(BUSY),
        };
    }
}

async fn accept(l: &Listener) -> std::io::Result<(Stream, Peer)> {
    match l {
        Listener::Tcp(l) => {
            let (s, addr) = l.accept().await?;
            let _ = s.set_nodelay(true);
            Ok((Stream::Tcp(s), Peer::Ip(addr.ip().to_canonical())))
        }
        Listener::Unix(l) => Ok((Stream::Unix(l.accept().await?.0), Peer::Unix)),
    }
}

async fn connection<S>(
    stream: S,
    peer: Peer,
    router: Router,
    limits: ConnectionLimits,
    mut stopping: watch::Receiver<bool>,
    _slot: Slot,
) where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(req)
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        // Heads beyond our own limit (guard.rs) are refused long before this.
        .max_buf_size(64 * 1024)
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let stop = async move {
        // The guard `wait_for` returns must not live across the await below.
        let _ = stopping.wait_for(|s| *s).await.map(|_| ());
    };
    tokio::select! {
        _ = conn.as_mut() => {}
        () = stop => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
