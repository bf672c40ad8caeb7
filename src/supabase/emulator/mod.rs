//! An emulator of the Management API endpoints keyward uses, on loopback, in memory:
//! the test double of every test, the backend of `keyward demo` and `keyward emulator`.
//!
//! [`Emulator::start`] runs it on its own thread and runtime, so it works the same from
//! plain `#[test]` functions and from async tests; the handle gives the base URL, the
//! project URL template for key checks, the counters and fault knobs ([`Control`]), the
//! data ([`World`]) and a clean shutdown (also on drop).

mod admin;
mod apikey;
mod branch_routes;
pub mod branches;
pub mod clock;
mod control;
mod gate;
mod keys;
mod reply;
mod routes;
pub mod seed;
mod signing;
mod world;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

pub use control::{Control, Exchange, FailNext, Faults};
pub use reply::ApiError;
pub use seed::Seed;
pub use signing::SigningKeyRecord;
pub use world::{
    DeletedKey, KeyRecord, Masking, PLATFORM_SECRETS, ProjectRecord, SecretRecord, TokenSpec,
    World, perm,
};

use crate::supabase::client::ClientConfig;

/// Where the emulator serves a project's own URL; `{ref}` is the project ref.
pub const PROJECT_PATH_TEMPLATE: &str = "/_projects/{ref}";

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Loopback only; port 0 picks a free one.
    pub listen: SocketAddr,
    pub seed: Seed,
    pub faults: Faults,
    /// Load the world from here when the file exists, and save it after every change.
    pub state_file: Option<PathBuf>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: Seed::default(),
            faults: Faults::default(),
            state_file: None,
        }
    }
}

/// What every handler shares.
pub(crate) struct Shared {
    world: Mutex<World>,
    pub(crate) control: Control,
    state_file: Option<PathBuf>,
    persisting: Mutex<()>,
}

impl Shared {
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the world to the state file, through a temporary file and a rename so a
    /// kill mid-write leaves the previous state intact.
    pub(crate) fn persist(&self) {
        let Some(path) = &self.state_file else { return };
        // Concurrent changes would otherwise race on the temporary file.
        let _writing = self.persisting.lock().unwrap_or_else(|e| e.into_inner());
        let json = match serde_json::to_vec_pretty(&*self.world()) {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!("emulator state not saved: {e}");
                return;
            }
        };
        let tmp = path.with_extension("tmp");
        if let Err(e) = std::fs::write(&tmp, json).and_then(|()| std::fs::rename(&tmp, path)) {
            tracing::warn!("emulator state not saved to {}: {e}", path.display());
        }
    }
}

/// A running emulator. Dropping it shuts it down.
pub struct Emulator {
    base_url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Binds, seeds (or loads `state_file`) and serves on a thread of its own.
    pub fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        if !config.listen.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "the emulator listens on loopback only, not {}: it holds test tokens and secrets in clear",
                    config.listen
                ),
            ));
        }
        let world = load_world(&config)?;
        let listener = std::net::TcpListener::bind(config.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            control: Control::new(config.faults.clone()),
            state_file: config.state_file.clone(),
            persisting: Mutex::new(()),
        });
        shared.persist();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let app = router(shared.clone());
        let thread = std::thread::Builder::new()
            .name("supabase-emulator".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    // Stop at once rather than gracefully: a test that shuts the emulator
                    // down must not wait for requests sleeping in injected latency.
                    tokio::select! {
                        r = axum::serve(listener, app) => {
                            if let Err(e) = r {
                                tracing::warn!("emulator stopped: {e}");
                            }
                        }
                        _ = stop_rx => {}
                    }
                });
                // Drops every connection task still running.
                rt.shutdown_background();
            })?;
        ready_rx.recv().map_err(std::io::Error::other)??;
        Ok(Emulator {
            base_url,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// Starts with the seed only, defaults otherwise.
    pub fn with_seed(seed: Seed) -> std::io::Result<Emulator> {
        Self::start(EmulatorConfig {
            seed,
            ..EmulatorConfig::default()
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The project URL template to give the client for key checks.
    pub fn project_url_template(&self) -> String {
        format!("{}{PROJECT_PATH_TEMPLATE}", self.base_url)
    }

    /// A client configuration pointing at this emulator (default timeouts).
    pub fn client_config(&self) -> ClientConfig {
        ClientConfig {
            instance_url: self.base_url.clone(),
            project_url_template: self.project_url_template(),
            ..ClientConfig::default()
        }
    }

    /// Counters, fault knobs, the rate limiter and the recording.
    pub fn control(&self) -> &Control {
        &self.shared.control
    }

    /// Reads or changes the data directly (tests: seed more, inspect plaintext values).
    /// Changes made here are persisted to the state file.
    pub fn world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let r = f(&mut self.shared.world());
        self.shared.persist();
        r
    }

    /// Marks a token revoked: every later request with it answers 401.
    pub fn revoke_token(&self, token: &str) -> bool {
        self.world(|w| match w.tokens.get_mut(token) {
            Some(t) => {
                t.revoked = true;
                true
            }
            None => false,
        })
    }

    /// Stops serving and waits for the server thread to end.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop_now();
    }
}

fn load_world(config: &EmulatorConfig) -> std::io::Result<World> {
    let mut world = match &config.state_file {
        Some(path) if path.exists() => {
            let bytes = std::fs::read(path)?;
            serde_json::from_slice::<World>(&bytes).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("emulator state {} is not readable: {e}", path.display()),
                )
            })?
        }
        _ => World::default(),
    };
    config.seed.apply(&mut world);
    Ok(world)
}

fn router(shared: Arc<Shared>) -> axum::Router {
    let api = routes::routes()
        .merge(keys::routes())
        .merge(signing::routes())
        .merge(branch_routes::routes())
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            gate::gate,
        ))
        // 100 values of 24,576 characters (up to 4 bytes each, JSON-escaped) exceed
        // axum's 2 MB default; the API's own limit is not documented.
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024));
    api.merge(admin::routes())
        .merge(branch_routes::control_routes())
        .with_state(shared)
}
