//! `keyward serve`: a small HTTP API over loopback TCP or a Unix socket, for scripts and
//! CI, behind access keys (vault/access.rs). Routes and curl examples: docs/api.md.
//!
//! The server reads vault snapshots itself and sends every write (audit entries, a
//! key's last use) through the engine handle: the engine stays the single writer.
//!
//! ```ignore
//! let server = serve::bind(&Options::default()).await?;
//! println!("{}", server.address());
//! server.run(vault, engine, shutdown_signal).await?;
//! ```

mod guard;
mod limiter;
mod reply;
mod routes;
mod sync;

use std::future::Future;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::net::{TcpListener, UnixListener};

use crate::engine::handle::EngineHandle;
use crate::vault::Vault;

pub use guard::SizeLimits;
pub use limiter::Peer;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:7777";

/// Where to listen.
#[derive(Debug, Clone)]
pub enum Listen {
    Tcp(SocketAddr),
    /// Created with mode 0600; an existing socket no server answers on is replaced.
    Unix(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Options {
    pub listen: Listen,
    /// Needed to bind an address other than loopback.
    pub allow_remote: bool,
    pub sizes: SizeLimits,
    /// Failed authentications each client address may make at once...
    pub failure_burst: u32,
    /// ...and how often it regains one.
    pub failure_refill: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: Listen::Tcp(DEFAULT_LISTEN.parse().expect("a valid address")),
            allow_remote: false,
            sizes: SizeLimits {
                max_header_bytes: 8 * 1024,
                max_body_bytes: 4 * 1024,
            },
            failure_burst: 10,
            failure_refill: Duration::from_secs(6),
        }
    }
}

/// Why the server could not start. One line that says what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ServeError(String);

/// What the server shares with its handlers.
pub(crate) struct App {
    vault: Arc<Vault>,
    engine: EngineHandle,
    limiter: limiter::FailureLimiter,
}

enum Bound {
    Tcp(TcpListener),
    Unix(UnixListener, PathBuf),
}

/// A bound, not yet serving, listener.
pub struct Server {
    bound: Bound,
    opts: Options,
}

/// True for an address only this machine can reach.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Binds the listener. A non-loopback address is refused unless `allow_remote`.
pub async fn bind(opts: &Options) -> Result<Server, ServeError> {
    let bound = match &opts.listen {
        Listen::Tcp(addr) => {
            if !is_loopback(addr) && !opts.allow_remote {
                return Err(ServeError(format!(
                    "{addr} is reachable from other machines: listen on loopback (127.0.0.1 or [::1]) or a --socket, or pass --allow-remote if you really mean it"
                )));
            }
            let l = StdTcpListener::bind(addr)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .map_err(|e| {
                    ServeError(format!(
                        "cannot listen on {addr}: {e}; pick another with --listen ADDR:PORT"
                    ))
                })?;
            Bound::Tcp(TcpListener::from_std(l).map_err(|e| ServeError(e.to_string()))?)
        }
        Listen::Unix(path) => Bound::Unix(bind_unix(path).await?, path.clone()),
    };
    Ok(Server {
        bound,
        opts: opts.clone(),
    })
}

/// Binds under a temporary name, restricts it to 0600, then renames it into place, so
/// the socket is never reachable with wider permissions.
async fn bind_unix(path: &Path) -> Result<UnixListener, ServeError> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let fail = |e: std::io::Error| {
        ServeError(format!(
            "cannot listen on the socket {}: {e}; pick another path with --socket PATH",
            path.display()
        ))
    };
    if let Ok(md) = std::fs::symlink_metadata(path) {
        if !md.file_type().is_socket() {
            return Err(ServeError(format!(
                "{} exists and is not a socket: remove it or pick another path with --socket PATH",
                path.display()
            )));
        }
        if tokio::net::UnixStream::connect(path).await.is_ok() {
            return Err(ServeError(format!(
                "another server already answers on {}: stop it or pick another --socket PATH",
                path.display()
            )));
        }
        // A socket nobody answers on is left over from a crash.
        std::fs::remove_file(path).map_err(fail)?;
    }
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map_or("keyward".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    let l = UnixListener::bind(&tmp).map_err(fail)?;
    let placed = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(l)
}

impl Connected<IncomingStream<'_, TcpListener>> for Peer {
    fn connect_info(s: IncomingStream<'_, TcpListener>) -> Self {
        Peer::Ip(s.remote_addr().ip())
    }
}

impl Connected<IncomingStream<'_, UnixListener>> for Peer {
    fn connect_info(_: IncomingStream<'_, UnixListener>) -> Self {
        Peer::Unix
    }
}

impl Server {
    /// `http://127.0.0.1:7777` or `unix:/path/to/socket`.
    pub fn address(&self) -> String {
        match &self.bound {
            Bound::Tcp(l) => match l.local_addr() {
                Ok(a) => format!("http://{a}"),
                Err(_) => "http://(unknown)".into(),
            },
            Bound::Unix(_, p) => format!("unix:{}", p.display()),
        }
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        match &self.bound {
            Bound::Tcp(l) => l.local_addr().ok(),
            Bound::Unix(..) => None,
        }
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight. A Unix
    /// socket file is removed on the way out.
    pub async fn run(
        self,
        vault: Arc<Vault>,
        engine: EngineHandle,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = Arc::new(App {
            vault,
            engine,
            limiter: limiter::FailureLimiter::new(
                self.opts.failure_burst,
                self.opts.failure_refill,
            ),
        });
        let router = routes::router(app).layer(axum::middleware::from_fn_with_state(
            self.opts.sizes,
            guard::limit_sizes,
        ));
        match self.bound {
            Bound::Tcp(l) => {
                axum::serve(l, router.into_make_service_with_connect_info::<Peer>())
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            Bound::Unix(l, path) => {
                let out = axum::serve(l, router.into_make_service_with_connect_info::<Peer>())
                    .with_graceful_shutdown(shutdown)
                    .await;
                let _ = std::fs::remove_file(&path);
                out
            }
        }
    }
}
