//! `keyward serve`: a small HTTP API over loopback TCP or a Unix socket, for scripts and
//! CI, behind access keys (vault/access/keys.rs). Routes and curl examples: docs/api.md.
//!
//! The server reads vault snapshots itself and sends every write (audit entries, a
//! key's last use) through the engine handle: the engine stays the single writer.
//!
//! ```ignore
//! let server = serve::bind(&Options::default()).await?;
//! println!("{}", server.address());
//! server.run(vault, engine, shutdown_signal).await?;
//! ```

mod conn;
mod events;
mod guard;
mod limiter;
mod refusals;
mod reply;
mod routes;
mod seed;
mod sync;

use std::future::Future;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::{TcpListener, UnixListener};

use crate::engine::handle::EngineHandle;
use crate::vault::Vault;

pub use conn::ConnectionLimits;
pub use guard::RequestLimits;
pub use limiter::{Budget, FailureBudgets, Peer};
pub use refusals::RefusalAudit;

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
    pub requests: RequestLimits,
    pub connections: ConnectionLimits,
    /// Failed authentications allowed per address, per network and overall.
    pub failures: FailureBudgets,
    /// How many refused attempts a minute get audit entries of their own.
    pub refusals: RefusalAudit,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: Listen::Tcp(DEFAULT_LISTEN.parse().expect("a valid address")),
            allow_remote: false,
            requests: RequestLimits::default(),
            connections: ConnectionLimits::default(),
            failures: FailureBudgets::default(),
            refusals: RefusalAudit::default(),
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
    /// The owner's clients (one rate budget with its engine), for branch listings.
    clients: Arc<crate::engine::clients::Clients>,
    limiter: limiter::FailureLimiter,
    refusals: refusals::Refusals,
    /// The newest events, for `GET /v1/events`.
    events: Arc<events::Ring>,
}

enum Bound {
    Tcp(TcpListener),
    Unix(UnixListener, PathBuf),
}

/// A bound, not yet serving, listener.
pub struct Server {
    bound: Bound,
    opts: Options,
    clients: Option<Arc<crate::engine::clients::Clients>>,
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
        clients: None,
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

impl Server {
    /// Reaches Supabase (branch seeds) through these clients, the owner's, so its
    /// requests share the engine's rate budgets; without, a set of its own.
    pub fn with_clients(mut self, clients: Arc<crate::engine::clients::Clients>) -> Self {
        self.clients = Some(clients);
        self
    }

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

    /// Serves until `shutdown` completes, then lets requests in flight finish for
    /// [`ConnectionLimits::shutdown_grace`] and drops the rest. A Unix socket file is
    /// removed on the way out.
    pub async fn run(
        self,
        vault: Arc<Vault>,
        engine: EngineHandle,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let ring = Arc::new(events::Ring::new(vault.clock().now()));
        let feeder = events::feed(ring.clone(), vault.clone(), engine.subscribe());
        let clients = self.clients.clone().unwrap_or_else(|| {
            Arc::new(crate::engine::clients::Clients::new(
                vault.clone(),
                crate::engine::EngineConfig::from_env(),
            ))
        });
        let app = Arc::new(App {
            events: ring,
            vault,
            engine,
            clients,
            limiter: limiter::FailureLimiter::new(self.opts.failures),
            refusals: refusals::Refusals::new(self.opts.refusals),
        });
        let router = routes::router(app.clone()).layer(axum::middleware::from_fn_with_state(
            self.opts.requests,
            guard::limit_request,
        ));
        // Summaries of counted refusals are written when their window closes, even if
        // the flood has stopped by then.
        let summaries = tokio::spawn({
            let app = app.clone();
            let every = self.opts.refusals.window;
            async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if let Some(s) = app.refusals.due() {
                        guard::record_refusal(&app, s).await;
                    }
                }
            }
        });
        let (listener, socket) = match self.bound {
            Bound::Tcp(l) => (conn::Listener::Tcp(l), None),
            Bound::Unix(l, path) => (conn::Listener::Unix(l), Some(path)),
        };
        conn::serve(listener, router, self.opts.connections, shutdown).await;
        summaries.abort();
        feeder.abort();
        if let Some(s) = app.refusals.flush() {
            guard::record_refusal(&app, s).await;
        }
        if let Some(path) = socket {
            let _ = std::fs::remove_file(&path);
        }
        Ok(())
    }
}
