//! The driver: owns the app, the terminal (any ratatui Backend) and the work the app asks
//! for, which it sends as requests to the vault's owner through a [`Front`]: this process
//! (the dashboard owns the vault) or the process it attached to. One `tokio::select!`
//! over terminal input, the owner's events, finished work, signals and a tick; draws
//! only when something changed, at most one frame per [`FRAME`], so a burst of 500
//! events becomes a few frames. Tests drive it without a terminal: `press`, `deliver`,
//! `settle`, `draw` into a TestBackend.

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

use super::app::{App, Ask, Effect, KeyCmd, Opening};
use super::modals::Modal;
use super::modals::text::Text;
use crate::engine::EngineConfig;
use crate::engine::Event;
use crate::front::Front;
use crate::ops::{Candidate, Outcome as Done_, Query, Reply, Request, Sensitive, UnsealWith};
use crate::owner::{Host, Listening, Owner};
use crate::vault::{SealedVault, SecretValue, Vault};

/// The shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(12);
/// Redraw at least this often (relative times, "3m ago").
const TICK: Duration = Duration::from_secs(1);

enum Done {
    Unsealed(Result<(), String>),
    /// A change's answer; for a form's change, the form's id.
    Wrote(Option<u64>, Result<(String, Vec<Done_>), String>),
    /// What importing a file would do: (form, project, the file's text and the plan).
    Previewed(
        Option<u64>,
        String,
        Result<(Sensitive, Vec<crate::vault::Planned>), String>,
    ),
    Connected(Result<String, String>),
    /// A snapshot of the panes.
    Loaded(Result<Box<super::data::Snapshot>, String>),
    /// What changed, to patch the panes with.
    Patched(Result<Box<crate::ops::DashboardDelta>, String>),
    Projects(Vec<Candidate>, Vec<String>),
    /// A target's names on Supabase, for a sync review.
    Remote(String, Result<std::collections::BTreeSet<String>, String>),
    /// Secrets whose values Supabase would refuse, for a sync review.
    TooLong(Result<Vec<(String, String)>, String>),
    /// An engine answer to show as a page, or a failure to show in the footer.
    Page(Result<Box<Text>, String>),
    /// A modal whose data arrived.
    Opened(Result<Box<Modal>, String>),
    /// A legacy keys request's report.
    Legacy(
        crate::ops::LegacyAction,
        Result<Box<crate::ops::LegacyReport>, String>,
    ),
    /// A list modal's fresh rows.
    Reloaded(Query, Result<Reply, String>),
    Revealed(String, String, Result<SecretValue, String>),
    /// The vault reopened after its owner went away: attached to a new owner, or opened
    /// here (sealed, at the prompt) and listening for others.
    Reopened(Result<(Front, Option<Listening>), String>),
}

pub struct Tui<B: Backend> {
    pub terminal: Terminal<B>,
    pub app: App,
    front: Option<Front>,
    /// This dashboard's socket, while it owns the vault.
    listening: Option<Listening>,
    events: Option<broadcast::Receiver<Event>>,
    tasks: FuturesUnordered<BoxFuture<'static, Done>>,
    config: EngineConfig,
    /// A snapshot load is in flight; another change since then means one more load.
    loading: bool,
    load_again: bool,
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

    fn use_front(&mut self, front: Front) {
        self.app.gone = false;
        self.events = Some(front.subscribe());
        self.app.owner = front.is_attached().then(|| front.owner());
        self.front = Some(front);
    }

    /// Says whose vault this is when another process owns it.
    fn greet(&mut self) {
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
    fn call(
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
    fn perform_one(&mut self, e: Effect, form: Option<u64>) {
        {
            match e {
                Effect::Form(id, inner) => self.perform_one(*inner, Some(id)),
                Effect::Call { request, done } => {
                    self.call(request, move |r| {
                        Done::Wrote(form, r.and_then(done).map(|m| (m, Vec::new())))
                    });
                }
                Effect::ImportPreview { project, path } => self.import_preview(form, project, path),
                Effect::Export { project, path } => self.export(form, project, path),
                Effect::Copy(value) => self.copy(&value),
                Effect::Unseal(pass) => {
                    use age::secrecy::ExposeSecret;
                    let with = UnsealWith::Passphrase(Sensitive::new(pass.expose_secret()));
                    self.call(Request::Unseal(with), |r| Done::Unsealed(r.map(|_| ())));
                }
                Effect::Ask(ask) => {
                    let adopt_key = self
                        .app
                        .keymap
                        .key_for(&[super::keys::Context::Adopt], super::action::Action::Adopt);
                    match ask {
                        Ask::Retry => {
                            self.app.busy += 1;
                            let req = Request::Retry {
                                target: None,
                                wait: false,
                            };
                            self.call(req, |r| {
                                Done::Wrote(
                                    None,
                                    r.and_then(|r| match r {
                                        Reply::Retried(t) if t.is_empty() => {
                                            Ok(("nothing to retry".into(), Vec::new()))
                                        }
                                        Reply::Retried(t) => Ok((
                                            format!("retrying now: {}", t.join(", ")),
                                            Vec::new(),
                                        )),
                                        other => Err(unexpected(&other)),
                                    }),
                                )
                            });
                        }
                        Ask::Plan => {
                            self.app.say("asking Supabase…");
                            self.call(Request::Plan { target: None }, move |r| {
                                Done::Page(r.and_then(|r| match r {
                                    Reply::Plans(p) => Ok(Box::new(Text::plan(&p, &adopt_key))),
                                    other => Err(unexpected(&other)),
                                }))
                            });
                        }
                        Ask::Drift => {
                            self.app.say("asking Supabase…");
                            self.call(Request::Drift { target: None }, |r| {
                                Done::Page(r.and_then(|r| match r {
                                    Reply::Drift(d) => Ok(Box::new(Text::drift(&d))),
                                    other => Err(unexpected(&other)),
                                }))
                            });
                        }
                    }
                }
                Effect::Connect { name, url, token } => {
                    let n = name.clone();
                    let req = Request::Connect {
                        name,
                        url,
                        project_ref: None,
                        project_url: None,
                        insecure_http: false,
                        token: Sensitive::from(token),
                    };
                    self.call(req, move |r| {
                        Done::Connected(r.and_then(|r| match r {
                            Reply::Connected(c) => Ok(format!(
                                "connected {n}: {} project(s) visible · T, then a, adds one as a target",
                                c.projects_seen
                            )),
                            other => Err(unexpected(&other)),
                        }))
                    });
                }
                Effect::ListProjects => {
                    self.call(Request::RemoteProjects, |r| match r {
                        Ok(Reply::RemoteProjects { candidates, errors }) => {
                            Done::Projects(candidates, errors)
                        }
                        Ok(other) => Done::Projects(Vec::new(), vec![unexpected(&other)]),
                        Err(e) => Done::Projects(Vec::new(), vec![e]),
                    });
                }
                Effect::Review { targets, secrets } => {
                    self.call(Request::Query(Query::TooLong { secrets }), |r| {
                        Done::TooLong(r.and_then(|r| match r {
                            Reply::TooLong(found) => Ok(found),
                            other => Err(unexpected(&other)),
                        }))
                    });
                    for t in targets {
                        let target = t.clone();
                        self.call(Request::RemoteNames { target }, move |r| {
                            Done::Remote(
                                t,
                                r.and_then(|r| match r {
                                    Reply::Names(n) => Ok(n),
                                    other => Err(unexpected(&other)),
                                }),
                            )
                        });
                    }
                }
                Effect::KeyRotation(cmd) => {
                    self.app.say("asking Supabase…");
                    let req = match &cmd {
                        KeyCmd::RunNow(n) => Request::RotationRun { name: n.clone() },
                        KeyCmd::Revoke(n, why) => Request::RotationRevoke {
                            name: n.clone(),
                            reason: why.clone(),
                        },
                        KeyCmd::Remove(n) => Request::RotationRemove { name: n.clone() },
                    };
                    self.call(req, move |r| {
                        Done::Wrote(
                            form,
                            r.and_then(|r| {
                                let msg = match (cmd, r) {
                                    (KeyCmd::RunNow(n), Reply::Rotated(r)) => format!(
                                        "{n}: rotated to {} (v{} of the secret)",
                                        r.key_name, r.version
                                    ),
                                    (KeyCmd::Revoke(n, _), Reply::Rotated(r)) => {
                                        format!("{n}: revoked; the new key is {}", r.key_name)
                                    }
                                    (KeyCmd::Remove(n), Reply::Removed(d)) => {
                                        format!("removed {n}: {d} key(s) deleted on Supabase")
                                    }
                                    (_, other) => return Err(unexpected(&other)),
                                };
                                Ok((msg, Vec::new()))
                            }),
                        )
                    });
                }
                Effect::TargetKeys(target) => {
                    self.app.say("asking Supabase…");
                    self.call(Request::TargetKeys { target }, |r| {
                        Done::Opened(r.and_then(|r| match r {
                            Reply::TargetKeys(k) => Ok(Box::new(Modal::Keys(
                                super::modals::keys_view::KeysView::new(*k),
                            ))),
                            other => Err(unexpected(&other)),
                        }))
                    });
                }
                Effect::Legacy { target, action } => {
                    self.app.say("asking Supabase…");
                    let req = Request::LegacyKeys { target, action };
                    self.call(req, move |r| {
                        Done::Legacy(
                            action,
                            r.and_then(|r| match r {
                                Reply::LegacyKeys(rep) => Ok(rep),
                                other => Err(unexpected(&other)),
                            }),
                        )
                    });
                }
                Effect::Write { changes, done } => {
                    self.call(
                        Request::Apply {
                            changes,
                            push: false,
                        },
                        move |r| {
                            Done::Wrote(
                                form,
                                r.and_then(|r| match r {
                                    Reply::Applied(a) => Ok((done, a.outcomes)),
                                    other => Err(unexpected(&other)),
                                }),
                            )
                        },
                    );
                }
                Effect::Open(opening) => self.open_modal(opening),
                Effect::Reveal { project, name } => {
                    let (p, n) = (project.clone(), name.clone());
                    let q = Query::Reveal {
                        project,
                        name,
                        field: None,
                        version: None,
                    };
                    self.call(Request::Query(q), move |r| {
                        Done::Revealed(
                            p,
                            n,
                            r.and_then(|r| match r {
                                Reply::Revealed { value, .. } => Ok(value),
                                other => Err(unexpected(&other)),
                            }),
                        )
                    });
                }
                Effect::Reopen => self.reopen(),
            }
        }
    }

    /// Reads the file (off the UI task), then asks for a dry run of importing it.
    fn import_preview(&mut self, form: Option<u64>, project: String, path: String) {
        let Some(front) = self.front.clone() else {
            return;
        };
        self.tasks.push(Box::pin(async move {
            let p = path.clone();
            let read = tokio::task::spawn_blocking(move || std::fs::read_to_string(&p))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| format!("cannot read {path}: {e}")));
            let text = match read {
                Ok(t) => Sensitive::from(zeroize::Zeroizing::new(t)),
                Err(e) => return Done::Previewed(form, project, Err(e)),
            };
            let req = Request::Apply {
                changes: vec![crate::ops::Change::Import {
                    project: project.clone(),
                    text: text.clone(),
                    dry_run: true,
                }],
                push: false,
            };
            let r = front.call(req).await.and_then(|r| match r {
                Reply::Applied(a) => match a.outcomes.into_iter().next() {
                    Some(Done_::Imported(plan)) => Ok((text, plan)),
                    _ => Ok((text, Vec::new())),
                },
                other => Err(unexpected(&other)),
            });
            Done::Previewed(form, project, r)
        }));
    }

    /// Asks the owner for the project's `.env` lines (audited), then writes a new file
    /// only this user can read; an existing file is never overwritten.
    fn export(&mut self, form: Option<u64>, project: String, path: String) {
        let Some(front) = self.front.clone() else {
            return;
        };
        self.app.busy += 1;
        self.tasks.push(Box::pin(async move {
            let q = Request::Query(Query::Export {
                project: project.clone(),
            });
            let r = front.call(q).await.and_then(|r| match r {
                Reply::Exported { lines, skipped } => Ok((lines, skipped)),
                other => Err(unexpected(&other)),
            });
            let r = match r {
                Ok((lines, skipped)) => tokio::task::spawn_blocking(move || {
                    write_env(&path, &lines).map(|()| {
                        let mut m = format!(
                            "exported {} variable(s) of {project} to {path}",
                            lines.len()
                        );
                        if !skipped.is_empty() {
                            m.push_str(&format!(
                                "; left out (no usable variable name): {}",
                                skipped.join(", ")
                            ));
                        }
                        (m, Vec::new())
                    })
                })
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r),
                Err(e) => Err(e),
            };
            Done::Wrote(form, r)
        }));
    }

    /// A value to the terminal's clipboard (OSC 52: works over SSH where the terminal
    /// allows it). Never logged; the footer says it happened, not what.
    fn copy(&mut self, value: &Sensitive) {
        if self.clipboard {
            use base64::Engine as _;
            use std::io::Write;
            // The value's base64 is the value: zeroized like it.
            let encoded = zeroize::Zeroizing::new(
                base64::engine::general_purpose::STANDARD.encode(value.expose().as_bytes()),
            );
            let seq = zeroize::Zeroizing::new(format!("\x1b]52;c;{}\x07", encoded.as_str()));
            let mut out = std::io::stdout();
            let _ = out.write_all(seq.as_bytes());
            let _ = out.flush();
        }
        self.app.say(
            "copied the value to the clipboard (OSC 52: your terminal must allow it; under tmux, set-clipboard on)",
        );
    }

    /// Reads what a modal shows, then opens it.
    fn open_modal(&mut self, opening: Opening) {
        let query = match &opening {
            Opening::List(m) => m.query(),
            Opening::Editor { project, name } => Some(Query::Secret {
                project: project.clone(),
                name: name.clone(),
            }),
            Opening::Policy { project, name } => Some(Query::Policies {
                project: project.clone(),
                name: name.clone(),
            }),
        };
        let Some(query) = query else {
            if let Opening::List(m) = opening {
                self.app.opened(Ok(*m));
            }
            return;
        };
        self.call(Request::Query(query), move |r| {
            Done::Opened(r.and_then(|reply| {
                use super::modals::{editor::Editor, policy::PolicyEditor};
                Ok(Box::new(match (opening, reply) {
                    (Opening::List(mut m), reply) => {
                        m.reloaded(&reply);
                        *m
                    }
                    (Opening::Editor { project, .. }, Reply::Secret(meta)) => {
                        Modal::Editor(Editor::existing(project, &meta))
                    }
                    (Opening::Policy { project, .. }, Reply::Policies { meta, policies }) => {
                        Modal::Policy(PolicyEditor::new(project, &meta, &policies))
                    }
                    (_, other) => return Err(unexpected(&other)),
                }))
            }))
        });
    }

    /// The owner went away: attach to the owner now running, else open the vault here
    /// (at the unseal prompt) and own it.
    fn reopen(&mut self) {
        let path = match &self.front {
            Some(f) => std::path::PathBuf::from(f.owner().vault),
            None => return,
        };
        let config = self.config.clone();
        self.app.say("opening the vault…");
        self.tasks.push(Box::pin(async move {
            Done::Reopened(reopen(path, config).await)
        }));
    }

    fn finish(&mut self, d: Done) {
        match d {
            Done::Unsealed(Ok(())) => {
                self.app.unsealed();
                tracing::info!("dashboard unsealed the vault");
                self.after_events();
            }
            Done::Unsealed(Err(e)) => {
                tracing::warn!("unseal failed: {e}");
                let why = if e.starts_with("wrong passphrase") {
                    "wrong passphrase: try again".to_string()
                } else {
                    e
                };
                self.app.unseal_failed(why);
            }
            Done::Connected(r) => self.app.connect_done(r),
            Done::Loaded(r) => {
                self.loading = false;
                match r {
                    Ok(s) => self.app.loaded(*s),
                    Err(_) if self.app.gone => {}
                    Err(e) => self.app.fail(format!("cannot read the vault: {e}")),
                }
                if std::mem::take(&mut self.load_again) {
                    self.load();
                }
            }
            Done::Patched(r) => match r {
                Ok(d) => self.app.patched(*d),
                Err(_) if self.app.gone => {}
                Err(e) => self.app.fail(format!("cannot read the vault: {e}")),
            },
            Done::Projects(c, e) => {
                self.app.message = None;
                self.app
                    .modals
                    .push(Modal::AddTarget(super::modals::targets::AddTarget::new(
                        c, e,
                    )));
            }
            Done::Page(Ok(t)) => {
                self.app.message = None;
                self.app.modals.push(Modal::Text(*t));
            }
            Done::Page(Err(e)) => self.app.fail(e),
            Done::Remote(t, r) => self.app.remote_names(&t, r),
            Done::TooLong(r) => self.app.too_long(r),
            Done::Wrote(form, r) => {
                if let Err(e) = &r {
                    tracing::warn!("a change was refused: {e}");
                }
                self.app.write_done(form, r);
            }
            Done::Previewed(form, project, r) => self.app.import_previewed(form, project, r),
            Done::Opened(r) => self.app.opened(r.map(|m| *m)),
            Done::Legacy(action, r) => self.app.legacy_keys(action, r),
            Done::Reloaded(q, r) => self.app.reloaded(&q, r),
            Done::Revealed(p, n, r) => self.app.revealed(&p, &n, r),
            Done::Reopened(Ok((front, listening))) => {
                self.listening = listening;
                let sealed = front.owner().sealed;
                self.use_front(front);
                self.app.message = None;
                if sealed {
                    self.app.sealed_by_owner();
                    self.app.say("type the passphrase to open the vault here");
                } else {
                    self.app.unsealed();
                    self.greet();
                    self.after_events();
                }
            }
            Done::Reopened(Err(e)) => self.app.fail(e),
        }
    }

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
    fn after_events(&mut self) {
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

    /// Re-reads only what changed, and the open list modals (an audit entry, a policy:
    /// nothing the panes show, but a modal might).
    fn load_delta(&mut self, d: crate::engine::Delta) {
        self.reload_modals();
        if d.is_empty() {
            return;
        }
        if self.loading {
            // A full read is under way; its answer would race this patch.
            self.load_again = true;
            return;
        }
        self.call(Request::Query(Query::Delta(d)), |r| {
            Done::Patched(r.and_then(|r| match r {
                Reply::Delta(d) => Ok(d),
                other => Err(unexpected(&other)),
            }))
        });
    }

    fn reload_modals(&mut self) {
        for q in self.app.modal_queries() {
            let q2 = q.clone();
            self.call(Request::Query(q), move |r| Done::Reloaded(q2, r));
        }
    }

    /// Reads a fresh snapshot (off the UI task, at most one at a time: changes meanwhile
    /// cause exactly one more), and the open list modals' rows.
    fn load(&mut self) {
        self.reload_modals();
        if self.loading {
            self.load_again = true;
            return;
        }
        self.loading = true;
        self.call(Request::Query(Query::Dashboard), |r| {
            Done::Loaded(r.and_then(|r| match r {
                Reply::Dashboard(d) => Ok(Box::new(super::data::Snapshot::from_dashboard(*d))),
                other => Err(unexpected(&other)),
            }))
        });
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

/// Writes `.env` lines into a new file readable by this user only.
fn write_env(path: &str, lines: &[Sensitive]) -> Result<(), String> {
    use std::io::Write;
    let mut f =
        crate::private::create_new(std::path::Path::new(path)).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                format!("{path} exists already: give another file name (it is never overwritten)")
            }
            _ => format!("cannot create {path}: {e}"),
        })?;
    for l in lines {
        writeln!(f, "{}", l.expose()).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    Ok(())
}

fn unexpected(r: &Reply) -> String {
    format!(
        "the vault's owner answered `{}`, which this dashboard does not expect: restart the owner with this version",
        r.kind()
    )
}

/// Attaches to the owner now running, else opens the vault here (sealed, for the
/// prompt) and listens for other front ends.
async fn reopen(
    path: std::path::PathBuf,
    config: EngineConfig,
) -> Result<(Front, Option<Listening>), String> {
    let label = crate::vault::command_label();
    if let Some(a) = crate::front::attach(&path, &label).await? {
        return Ok((Front::Attached(Arc::new(a)), None));
    }
    let p = path.clone();
    let sealed =
        tokio::task::spawn_blocking(move || SealedVault::open(&p, crate::vault::Clock::system()))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    let host = Host::sealed(sealed, config);
    let listening = crate::owner::listen(host.clone()).await.ok();
    Ok((Front::Local(host), listening))
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
