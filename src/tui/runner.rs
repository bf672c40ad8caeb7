//! The driver and the test seam: owns the app, the terminal (any ratatui Backend) and
//! the work in flight. One `tokio::select!` over terminal input, the owner's events,
//! finished work, signals and a tick; draws only when something changed, at most one
//! frame per [`FRAME`], so a burst of 500 events becomes a few frames. What the work
//! is (requests to the vault's owner through a [`Front`]) lives in `effects/`. Tests
//! drive it without a terminal: `press`, `deliver`, `settle`, `draw` into a TestBackend.

use std::io;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyEvent, KeyEventKind};
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::app::App;
use super::effects::Done;
use crate::engine::EngineConfig;
use crate::engine::Event;
use crate::front::Front;
use crate::ops::{Reply, Request};
use crate::owner::{Host, Listening, Owner};
use crate::vault::{SealedVault, Vault};

/// The shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(12);
/// Redraw at least this often (relative times, "3m ago").
const TICK: Duration = Duration::from_secs(1);

pub struct Tui<B: Backend> {
    pub terminal: Terminal<B>,
    pub app: App,
    pub(super) front: Option<Front>,
    /// This dashboard's socket, while it owns the vault.
    pub(super) listening: Option<Listening>,
    pub(super) events: Option<broadcast::Receiver<Event>>,
    pub(super) tasks: FuturesUnordered<BoxFuture<'static, Done>>,
    pub(super) config: EngineConfig,
    /// A snapshot load is in flight; another change since then means one more load.
    pub(super) loading: bool,
    pub(super) load_again: bool,
    /// Where a copied value goes: the real terminal (OSC 52), or nowhere (tests).
    pub clipboard: bool,
}

impl<B: Backend> Tui<B> {
    /// Starts at the unseal prompt, owning the sealed vault.
    pub fn sealed(
        backend: B,
        app: App,
        sealed: SealedVault,
        config: EngineConfig,
    ) -> io::Result<Tui<B>> {
        let host = Host::sealed(sealed, config.clone());
        let mut t = Tui::bare(backend, app.sealed(), config)?;
        t.use_front(Front::Local(host));
        Ok(t)
    }

    /// Owns an unsealed vault (the passphrase came from the environment, or a demo): the
    /// engine and the rotation loops start here. Must run inside a tokio runtime.
    pub fn open(backend: B, app: App, vault: Vault) -> io::Result<Tui<B>> {
        Tui::open_with(backend, app, vault, EngineConfig::from_env())
    }

    pub fn open_with(
        backend: B,
        app: App,
        vault: Vault,
        config: EngineConfig,
    ) -> io::Result<Tui<B>> {
        let host = Host::resident(vault, config.clone());
        Tui::with_front(backend, app, Front::Local(host), config)
    }

    /// On an open vault with no engine: what snapshot tests of fixed sync states use
    /// (an engine would start pushing). Changes are written but not pushed.
    pub fn detached(backend: B, app: App, vault: Vault) -> io::Result<Tui<B>> {
        // Never the environment: a developer's shell must not change what tests see.
        let config = EngineConfig::default();
        let host = Host::open(Owner::transient(vault, config.clone()));
        Tui::with_front(backend, app, Front::Local(host), config)
    }

    /// On a vault reached through `front`: owned here, or another process's.
    pub fn with_front(
        backend: B,
        app: App,
        front: Front,
        config: EngineConfig,
    ) -> io::Result<Tui<B>> {
        let sealed = front.owner().sealed;
        let app = if sealed { app.sealed() } else { app };
        let mut t = Tui::bare(backend, app, config)?;
        t.use_front(front);
        if !sealed {
            // Unsealed marks the panes stale: one load follows.
            t.app.unsealed();
            t.greet();
            t.after_events();
        }
        Ok(t)
    }

    fn bare(backend: B, app: App, config: EngineConfig) -> io::Result<Tui<B>> {
        Ok(Tui {
            terminal: Terminal::new(backend).map_err(|e| io::Error::other(e.to_string()))?,
            app,
            front: None,
            listening: None,
            events: None,
            tasks: FuturesUnordered::new(),
            config,
            loading: false,
            load_again: false,
            clipboard: false,
        })
    }

    pub(super) fn use_front(&mut self, front: Front) {
        self.app.gone = false;
        self.events = Some(front.subscribe());
        self.app.owner = front.is_attached().then(|| front.owner());
        self.front = Some(front);
    }

    /// Says whose vault this is when another process owns it.
    pub(super) fn greet(&mut self) {
        if let Some(o) = &self.app.owner {
            let msg = format!(
                "attached to {} (pid {}): it syncs and rotates · ? shows every key",
                o.command, o.pid
            );
            self.app.say(msg);
        }
    }

    /// Keeps this dashboard's socket open while it runs (it owns the vault).
    pub fn listening(&mut self, l: Listening) {
        self.listening = Some(l);
    }

    /// The way to the vault's owner.
    pub fn front(&self) -> Option<&Front> {
        self.front.as_ref()
    }

    pub fn press(&mut self, k: KeyEvent) {
        self.app.key(&k);
        self.perform();
    }

    /// Pasted text: one event however long, so the keys after it act at once.
    pub fn paste(&mut self, text: &str) {
        self.app.paste(text);
        self.perform();
    }

    pub fn deliver(&mut self, e: Event) {
        self.app.apply(&e);
        self.after_events();
    }

    pub fn draw(&mut self) -> io::Result<()> {
        let app = &self.app;
        self.terminal
            .draw(|f| super::view::draw(app, f))
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(())
    }

    /// Sends `req` to the owner; `then` turns the answer into work done.
    pub(super) fn call(
        &mut self,
        req: Request,
        then: impl FnOnce(Result<Reply, String>) -> Done + Send + 'static,
    ) {
        let Some(front) = self.front.clone() else {
            self.tasks.push(Box::pin(async move {
                then(Err("the vault is not open".into()))
            }));
            return;
        };
        self.tasks.push(Box::pin(async move {
            let r = front.call(req).await;
            then(r)
        }));
    }

    /// Carries out what the app asked for; never blocks.
    fn perform(&mut self) {
        for e in self.app.take_effects() {
            self.perform_one(e, None);
        }
    }

    /// One effect; `form` is the form waiting for its answer, if any.
    /// Applies every owner event waiting; whatever changed costs one reload.
    fn drain_events(&mut self) -> bool {
        let Some(rx) = &mut self.events else {
            return false;
        };
        let mut any = false;
        let mut stopped = false;
        loop {
            match rx.try_recv() {
                Ok(Event::Stopped) => stopped = true,
                Ok(e) => self.app.apply(&e),
                Err(broadcast::error::TryRecvError::Lagged(_)) => self.app.apply(&Event::Changed),
                Err(_) => break,
            }
            any = true;
        }
        if stopped {
            self.stopped();
        }
        self.after_events();
        any
    }

    /// The engine stopped: the attached owner went away, or this owner was sealed (its
    /// own event says so) or is shutting down.
    fn stopped(&mut self) {
        if self.attached_gone() {
            self.app.owner_gone();
        } else if self.front.as_ref().is_some_and(|f| !f.owner().sealed) && self.app.open {
            self.app.apply(&Event::Stopped);
        }
    }

    fn attached_gone(&self) -> bool {
        matches!(&self.front, Some(Front::Attached(a)) if a.is_gone())
    }

    /// After events: one reload of the panes and of the open list modals.
    pub(super) fn after_events(&mut self) {
        let stale = self.app.take_stale();
        if !self.app.open || self.app.gone {
            return;
        }
        match stale {
            None => {}
            Some(None) => self.load(),
            Some(Some(d)) => self.load_delta(d),
        }
    }

    /// Waits until every piece of work in flight is done and its events are applied.
    pub async fn settle(&mut self) {
        loop {
            self.drain_events();
            let Some(d) = self.tasks.next().await else {
                break;
            };
            self.finish(d);
            self.perform();
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
                    Some(Ok(TermEvent::Paste(text))) => {
                        self.paste(&text);
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
                    self.perform();
                    dirty = true;
                }
                ev = recv(&mut self.events) => {
                    match ev {
                        Some(Event::Stopped) => self.stopped(),
                        Some(e) => self.app.apply(&e),
                        None => self.events = None,
                    }
                    self.drain_events();
                    dirty = true;
                }
                _ = tokio::time::sleep_until(wake) => {
                    dirty |= self.app.open;
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

    /// Lets requests in flight finish, then stops owning the vault (if this dashboard
    /// owns it): a rotation in flight finishes first, the engine stops, the socket goes.
    pub async fn shutdown(&mut self) {
        while let Some(d) = self.tasks.next().await {
            self.finish(d);
        }
        self.listening = None;
        if let Some(Front::Local(h)) = self.front.take() {
            h.stop().await;
        }
    }
}

/// Waits for the next owner event (missed ones read as one `Changed`); None when the
/// channel closed.
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
