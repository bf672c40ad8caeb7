//! The driver: owns the app, the terminal (any ratatui Backend) and the work the app asks
//! for. One `tokio::select!` over terminal input, engine events, finished work, signals
//! and a tick; draws only when something changed, at most one frame per [`FRAME`], so a
//! burst of 500 engine events becomes a few frames. Tests drive it without a terminal:
//! `press`, `deliver`, `settle`, `draw` into a TestBackend.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyEvent, KeyEventKind};
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::app::Ask;
use super::app::{App, Effect};
use super::modals::text::Text;
use crate::engine::EngineConfig;
use crate::engine::handle::{self, EngineHandle, Event};
use crate::supabase::{Client, ClientConfig};
use crate::vault::{SealedVault, Unlock, Vault, VaultError};

/// The shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(12);
/// Redraw at least this often (relative times, "3m ago").
const TICK: Duration = Duration::from_secs(1);

enum Done {
    Unsealed(Box<Vault>),
    /// The error and, when retrying makes sense, the still-sealed file.
    NotUnsealed(Option<Box<SealedVault>>, VaultError),
    Wrote(Result<String, String>),
    Connected(Result<String, String>),
    /// A snapshot read off the UI task.
    Loaded(Result<Box<super::data::Snapshot>, String>),
    Projects(Vec<super::modals::targets::Candidate>, Vec<String>),
    /// A target's names on Supabase, for a sync review.
    Remote(String, Result<std::collections::BTreeSet<String>, String>),
    /// An engine answer to show as a page, or a failure to show in the footer.
    Page(Result<Box<super::modals::text::Text>, String>),
}

pub struct Tui<B: Backend> {
    pub terminal: Terminal<B>,
    pub app: App,
    sealed: Option<SealedVault>,
    engine: Option<(EngineHandle, tokio::task::JoinHandle<()>)>,
    /// The rotation loops (policies and API keys), run while the dashboard is open.
    rotations: Option<crate::engine::keyrotation::RotationTasks>,
    events: Option<broadcast::Receiver<Event>>,
    tasks: FuturesUnordered<BoxFuture<'static, Done>>,
    config: EngineConfig,
    /// A snapshot load is in flight; another change since then means one more load.
    loading: bool,
    load_again: bool,
}

impl<B: Backend> Tui<B> {
    /// Starts at the unseal prompt.
    pub fn sealed(
        backend: B,
        app: App,
        sealed: SealedVault,
        config: EngineConfig,
    ) -> io::Result<Tui<B>> {
        let mut t = Tui::bare(backend, app.sealed())?;
        t.sealed = Some(sealed);
        t.config = config;
        Ok(t)
    }

    /// Starts on an unsealed vault (the passphrase came from the environment, or a demo).
    /// Must run inside a tokio runtime: the engine starts here.
    pub fn open(backend: B, app: App, vault: Vault) -> io::Result<Tui<B>> {
        Tui::open_with(backend, app, vault, EngineConfig::from_env())
    }

    pub fn open_with(
        backend: B,
        app: App,
        vault: Vault,
        config: EngineConfig,
    ) -> io::Result<Tui<B>> {
        let mut t = Tui::bare(backend, app)?;
        t.config = config;
        t.attach(vault);
        Ok(t)
    }

    /// On an open vault with no engine: what snapshot tests of fixed sync states use
    /// (an engine would start pushing). Changes are refused as "engine stopped".
    pub fn detached(backend: B, mut app: App, vault: Vault) -> io::Result<Tui<B>> {
        app.unsealed(Arc::new(vault));
        Tui::bare(backend, app)
    }

    fn bare(backend: B, app: App) -> io::Result<Tui<B>> {
        Ok(Tui {
            terminal: Terminal::new(backend).map_err(|e| io::Error::other(e.to_string()))?,
            app,
            sealed: None,
            engine: None,
            rotations: None,
            events: None,
            tasks: FuturesUnordered::new(),
            config: EngineConfig::from_env(),
            loading: false,
            load_again: false,
        })
    }

    fn attach(&mut self, vault: Vault) {
        let vault = Arc::new(vault);
        let (h, task) = handle::start_with(vault.clone(), self.config.clone());
        self.events = Some(h.subscribe());
        self.rotations = Some(crate::engine::keyrotation::start(
            vault.clone(),
            h.clone(),
            self.config.clone(),
        ));
        self.engine = Some((h, task));
        self.app.unsealed(vault);
        tracing::info!("dashboard unsealed the vault");
    }

    pub fn press(&mut self, k: KeyEvent) {
        self.app.key(&k);
        self.perform();
    }

    pub fn deliver(&mut self, e: Event) {
        self.app.apply(&e);
        self.app.refresh_if_stale();
    }

    pub fn draw(&mut self) -> io::Result<()> {
        let app = &self.app;
        self.terminal
            .draw(|f| super::view::draw(app, f))
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(())
    }

    /// Carries out what the app asked for; never blocks.
    fn perform(&mut self) {
        for e in self.app.take_effects() {
            match e {
                Effect::Unseal(pass) => {
                    let Some(sealed) = self.sealed.take() else {
                        continue;
                    };
                    self.tasks.push(Box::pin(async move {
                        tokio::task::spawn_blocking(move || {
                            match sealed.unwrap_key(&Unlock::Passphrase(pass)) {
                                Ok(k) => match sealed.finish(k) {
                                    Ok(v) => Done::Unsealed(Box::new(v)),
                                    Err(e) => Done::NotUnsealed(None, e),
                                },
                                Err(e) => Done::NotUnsealed(Some(Box::new(sealed)), e),
                            }
                        })
                        .await
                        .unwrap_or_else(|e| {
                            Done::NotUnsealed(None, VaultError::Storage(e.to_string()))
                        })
                    }));
                }
                Effect::Ask(ask) => {
                    let Some((h, _)) = &self.engine else {
                        self.app.fail("the sync engine is not running");
                        continue;
                    };
                    let h = h.clone();
                    let adopt_key = self
                        .app
                        .keymap
                        .key_for(&[super::keys::Context::Adopt], super::action::Action::Adopt);
                    self.tasks.push(Box::pin(async move {
                        match ask {
                            Ask::Retry => Done::Wrote(match h.retry(None).await {
                                Ok(t) if t.is_empty() => Ok("nothing to retry".into()),
                                Ok(t) => Ok(format!("retrying now: {}", t.join(", "))),
                                Err(e) => Err(e.to_string()),
                            }),
                            Ask::Plan => Done::Page(
                                h.plan(None)
                                    .await
                                    .map(|p| Box::new(Text::plan(&p, &adopt_key)))
                                    .map_err(|e| e.to_string()),
                            ),
                            Ask::Drift => Done::Page(
                                h.drift(None)
                                    .await
                                    .map(|d| Box::new(Text::drift(&d)))
                                    .map_err(|e| e.to_string()),
                            ),
                        }
                    }));
                    if ask != Ask::Retry {
                        self.app.say("asking Supabase…");
                    } else {
                        self.app.busy += 1;
                    }
                }
                Effect::Connect { name, url, token } => {
                    let (Some((h, _)), Ok(cfg)) = (&self.engine, self.client_config(&url)) else {
                        self.app
                            .connect_done(Err("the sync engine is not running".into()));
                        continue;
                    };
                    let h = h.clone();
                    self.tasks.push(Box::pin(async move {
                        Done::Connected(connect(h, cfg, name, url, token).await)
                    }));
                }
                Effect::ListProjects => {
                    let Some(v) = self.app.vault.clone() else {
                        continue;
                    };
                    let base = self.config.clone();
                    self.tasks.push(Box::pin(async move {
                        let (c, e) = list_projects(v, base).await;
                        Done::Projects(c, e)
                    }));
                }
                Effect::RemoteNames(targets) => {
                    let Some((h, _)) = &self.engine else {
                        for t in targets {
                            self.app
                                .remote_names(&t, Err("the sync engine is not running".into()));
                        }
                        continue;
                    };
                    for t in targets {
                        let h = h.clone();
                        self.tasks.push(Box::pin(async move {
                            let r = h.remote_names(t.clone()).await.map_err(|e| e.to_string());
                            Done::Remote(t, r)
                        }));
                    }
                }
                Effect::KeyRotation(cmd) => {
                    let (Some((h, _)), Some(v)) = (&self.engine, self.app.vault.clone()) else {
                        self.app
                            .write_done(Err("the sync engine is not running".into()));
                        continue;
                    };
                    let clients = crate::engine::keyrotation::TargetClients::new(
                        v.clone(),
                        self.config.clone(),
                    )
                    .for_rotations();
                    let mut k = crate::engine::keyrotation::KeyRotator::new(v, h.clone(), clients);
                    k.retry = self.config.retry.clone();
                    self.app.say("asking Supabase…");
                    self.tasks.push(Box::pin(async move {
                        use super::app::KeyCmd;
                        Done::Wrote(
                            match cmd {
                                KeyCmd::RunNow(n) => k.rotate_now(&n).await.map(|r| {
                                    format!(
                                        "{n}: rotated to {} (v{} of the secret)",
                                        r.key_name, r.version
                                    )
                                }),
                                KeyCmd::Revoke(n, why) => k.revoke(&n, &why).await.map(|r| {
                                    format!("{n}: revoked; the new key is {}", r.key_name)
                                }),
                                KeyCmd::Remove(n) => k.remove(&n).await.map(|d| {
                                    format!("removed {n}: {d} key(s) deleted on Supabase")
                                }),
                            }
                            .map_err(|e| e.to_string()),
                        )
                    }));
                }
                Effect::Write { job, done } => {
                    let Some((h, _)) = &self.engine else {
                        self.app
                            .write_done(Err("the sync engine is not running".into()));
                        continue;
                    };
                    let rx = h.apply_detached(job);
                    self.tasks.push(Box::pin(async move {
                        Done::Wrote(match rx.await {
                            Ok(Ok(())) => Ok(done),
                            Ok(Err(e)) => Err(e.to_string()),
                            Err(_) => Err("the sync engine has stopped: restart keyward".into()),
                        })
                    }));
                }
            }
        }
    }

    fn finish(&mut self, d: Done) {
        match d {
            Done::Unsealed(v) => self.attach(*v),
            Done::NotUnsealed(sealed, e) => {
                tracing::warn!("unseal failed: {e}");
                let retry = sealed.is_some();
                self.sealed = sealed.map(|s| *s);
                let why = if let VaultError::WrongPassphrase(_) = e {
                    "wrong passphrase: try again".to_string()
                } else if retry {
                    e.to_string()
                } else {
                    format!("{e} (esc quits)")
                };
                self.app.unseal_failed(why);
            }
            Done::Connected(r) => self.app.connect_done(r),
            Done::Loaded(r) => {
                self.loading = false;
                match r {
                    Ok(s) => self.app.loaded(*s),
                    Err(e) => self.app.fail(format!("cannot read the vault: {e}")),
                }
                if std::mem::take(&mut self.load_again) {
                    self.load();
                }
            }
            Done::Projects(c, e) => {
                self.app.message = None;
                self.app.modals.push(super::modals::Modal::AddTarget(
                    super::modals::targets::AddTarget::new(c, e),
                ));
            }
            Done::Page(Ok(t)) => {
                self.app.message = None;
                self.app.modals.push(super::modals::Modal::Text(*t));
            }
            Done::Page(Err(e)) => self.app.fail(e),
            Done::Remote(t, r) => self.app.remote_names(&t, r),
            Done::Wrote(r) => {
                if let Err(e) = &r {
                    tracing::warn!("a change was refused: {e}");
                }
                self.app.write_done(r);
            }
        }
    }

    /// Applies every engine event waiting; whatever changed costs one reload.
    fn drain_events(&mut self) -> bool {
        let Some(rx) = &mut self.events else {
            return false;
        };
        let mut any = false;
        loop {
            match rx.try_recv() {
                Ok(e) => self.app.apply(&e),
                Err(broadcast::error::TryRecvError::Lagged(_)) => self.app.apply(&Event::Changed),
                Err(_) => break,
            }
            any = true;
        }
        if self.app.take_stale() {
            self.load();
        }
        any
    }

    /// Reads a fresh snapshot on a blocking thread, so a large vault never stalls a
    /// frame; at most one load runs, and changes meanwhile cause exactly one more.
    fn load(&mut self) {
        if self.loading {
            self.load_again = true;
            return;
        }
        let Some(v) = self.app.vault.clone() else {
            return;
        };
        self.loading = true;
        self.tasks.push(Box::pin(async move {
            let r = tokio::task::spawn_blocking(move || {
                v.read()
                    .and_then(|r| super::data::Snapshot::load(&r))
                    .map(Box::new)
                    .map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
            Done::Loaded(r)
        }));
    }

    /// Waits until every piece of work in flight is done and its events are applied.
    pub async fn settle(&mut self) {
        loop {
            self.drain_events();
            let Some(d) = self.tasks.next().await else {
                break;
            };
            self.finish(d);
        }
    }

    /// The loop. Returns when the user quits, the input ends or a signal asks to stop.
    pub async fn run<S>(&mut self, mut input: S) -> io::Result<()>
    where
        S: Stream<Item = io::Result<TermEvent>> + Unpin,
    {
        let mut signals = Signals::new()?;
        let mut dirty = true;
        let mut last = Instant::now() - FRAME;
        loop {
            if self.app.quit {
                break;
            }
            let now = Instant::now();
            if dirty && now >= last + FRAME {
                self.draw()?;
                dirty = false;
                last = now;
            }
            let wake = if dirty { last + FRAME } else { now + TICK };
            tokio::select! {
                ev = input.next() => match ev {
                    Some(Ok(TermEvent::Key(k))) if k.kind != KeyEventKind::Release => {
                        self.press(k);
                        dirty = true;
                    }
                    Some(Ok(TermEvent::Resize(..))) => {
                        self.terminal.autoresize().map_err(|e| io::Error::other(e.to_string()))?;
                        dirty = true;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e),
                    None => break,
                },
                Some(d) = self.tasks.next(), if !self.tasks.is_empty() => {
                    self.finish(d);
                    dirty = true;
                }
                ev = recv(&mut self.events) => {
                    match ev {
                        Some(e) => self.app.apply(&e),
                        None => self.events = None,
                    }
                    self.drain_events();
                    dirty = true;
                }
                _ = tokio::time::sleep_until(wake) => {
                    dirty |= self.app.vault.is_some();
                }
                _ = signals.recv() => {
                    tracing::info!("signal: quitting");
                    break;
                }
            }
        }
        self.shutdown().await;
        Ok(())
    }

    fn client_config(&self, url: &str) -> Result<ClientConfig, ()> {
        Ok(client_config(&self.config, url))
    }

    /// Lets writes in flight commit, then stops the engine.
    pub async fn shutdown(&mut self) {
        while let Some(d) = self.tasks.next().await {
            self.finish(d);
        }
        // A rotation in flight finishes first (one cut short is recovered next start).
        if let Some(r) = self.rotations.take() {
            r.stop(Duration::from_secs(10)).await;
        }
        if let Some((h, task)) = self.engine.take() {
            h.shutdown();
            let _ = task.await;
        }
    }
}

/// Waits for the next engine event (missed ones read as one `Changed`); None when the
/// channel closed. Pending forever when there is no engine yet (sealed).
async fn recv(rx: &mut Option<broadcast::Receiver<Event>>) -> Option<Event> {
    match rx {
        Some(rx) => match rx.recv().await {
            Ok(e) => Some(e),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Event::Changed),
            Err(broadcast::error::RecvError::Closed) => None,
        },
        None => std::future::pending().await,
    }
}

/// SIGTERM and SIGHUP end the loop like `q` does, so writes in flight commit.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}

fn client_config(base: &EngineConfig, url: &str) -> ClientConfig {
    let mut c = ClientConfig {
        instance_url: url.to_string(),
        connect_timeout: base.connect_timeout,
        request_timeout: base.request_timeout,
        ..ClientConfig::default()
    };
    if let Some(t) = &base.project_url_template {
        c.project_url_template = t.clone();
    }
    c
}

/// Validates the token, then stores the connection through the engine. Nothing is
/// stored when the API refuses the token or cannot be reached.
async fn connect(
    h: EngineHandle,
    cfg: ClientConfig,
    name: String,
    url: String,
    token: zeroize::Zeroizing<String>,
) -> Result<String, String> {
    let client = Client::new(&cfg, secrecy::SecretString::from(token.to_string()))
        .map_err(|e| e.to_string())?;
    let v = client
        .validate_token(None)
        .await
        .map_err(|e| format!("token refused, nothing stored: {e}"))?;
    let seen = v.projects().len();
    let n = name.clone();
    let (tx_token, tx_url) = (token.clone(), url.clone());
    h.apply(move |tx| tx.add_connection(&n, &tx_url, None, &tx_token).map(|_| ()))
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("connected {name} to {url}");
    Ok(format!(
        "connected {name}: {seen} project(s) visible · T adds one as a target"
    ))
}

/// Every project each connection's token can see, marked when already a target.
async fn list_projects(
    v: Arc<Vault>,
    base: EngineConfig,
) -> (Vec<super::modals::targets::Candidate>, Vec<String>) {
    use super::modals::targets::Candidate;
    let (conns, targets) = match v.read().and_then(|r| Ok((r.connections()?, r.targets()?))) {
        Ok(x) => x,
        Err(e) => return (Vec::new(), vec![e.to_string()]),
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for c in conns {
        let token = match v.read().and_then(|r| r.connection_token(&c.name)) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{}: {e}", c.name));
                continue;
            }
        };
        let client = match Client::new(
            &client_config(&base, &c.url),
            secrecy::SecretString::from(token.to_string()),
        ) {
            Ok(cl) => cl,
            Err(e) => {
                errors.push(format!("{}: {e}", c.name));
                continue;
            }
        };
        match client.list_projects().await {
            Ok(ps) => out.extend(ps.into_iter().map(|p| Candidate {
                added: targets.iter().any(|t| t.project_ref == p.project_ref),
                connection: c.name.clone(),
                project_ref: p.project_ref,
                name: p.name,
                organization: p.organization_slug,
            })),
            Err(e) => errors.push(format!("{}: {e}", c.name)),
        }
    }
    (out, errors)
}
