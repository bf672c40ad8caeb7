//! The view state and its transitions: a thin router over focus, three panes and a modal
//! stack. `update(Action)` and `apply(Event)` change state and queue [`Effect`]s; the
//! runner performs them as requests to the vault's owner (this process, or the one the
//! dashboard attached to). The app itself does no I/O at all.

use age::secrecy::SecretString;
use crossterm::event::KeyEvent;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::action::Action;
use super::data::Snapshot;
use super::keys::{Context, Keymap};
use super::modals::{self, AnyModal, Modal, Outcome};
use super::panes::{MappingsPane, ProjectsPane, SecretsPane};
use super::theme::Theme;
use crate::engine::{Delta, Event};
use crate::ops::{Change, Outcome as Done, OwnerInfo};
use crate::vault::{Clock, SecretValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Projects,
    Secrets,
    Mappings,
}

/// Work the runner does for the app: each is a request to the vault's owner.
pub enum Effect {
    Unseal(SecretString),
    /// Changes in one transaction; `done` is the footer message once they committed.
    Write {
        changes: Vec<Change>,
        done: String,
    },
    /// A question for the engine (it may ask Supabase).
    Ask(Ask),
    /// Validate a token against the Management API, then store the connection.
    Connect {
        name: String,
        url: String,
        token: zeroize::Zeroizing<String>,
    },
    /// List the projects every connection can see (for "add a target").
    ListProjects,
    /// What a sync review waits for before it can be confirmed: the names these targets
    /// hold on Supabase, and which of these (project, name) secrets hold a value
    /// Supabase would refuse as too long (the owner checks; no value comes here).
    Review {
        targets: Vec<String>,
        secrets: Vec<(String, String)>,
    },
    /// A key rotation command that talks to Supabase.
    KeyRotation(KeyCmd),
    /// Every key of a target as Supabase lists it (the rotations screen's keys view).
    TargetKeys(String),
    /// A target's legacy API keys: the plan of a disable (then asked), the disable,
    /// or enabling them again.
    Legacy {
        target: String,
        action: crate::ops::LegacyAction,
    },
    /// A modal that shows what the owner holds: opened once that is read.
    Open(Opening),
    /// The value of the secret open in the editor, asked for on purpose (audited).
    Reveal {
        project: String,
        name: String,
    },
    /// The owner went away: open the vault here (or attach to the owner now running).
    Reopen,
    /// A form's effect: its answer goes back to the form (`id`), which stays open until
    /// then, and shows a refusal inside with its input kept.
    Form(u64, Box<Effect>),
    /// Any other request to the owner; `done` says what its answer means.
    Call {
        request: crate::ops::Request,
        done: OnReply,
    },
    /// Read a `.env` file and ask the owner what importing it would do (a dry run).
    ImportPreview {
        project: String,
        path: String,
    },
    /// Export a project into a new file (0600).
    Export {
        project: String,
        path: String,
    },
    /// Copy a value to the terminal's clipboard (OSC 52); never logged.
    Copy(crate::ops::Sensitive),
}

/// What a reply means, as the footer says it (or why it is not what was asked).
pub type OnReply = Box<dyn FnOnce(crate::ops::Reply) -> Result<String, String> + Send>;

/// A modal waiting for its data.
pub enum Opening {
    /// A list modal (history, trash, audit, rotations, access keys): its own query.
    List(Box<AnyModal>),
    /// The editor of an existing secret (its metadata; the value only on reveal).
    Editor { project: String, name: String },
    /// The rotation policies of a secret.
    Policy { project: String, name: String },
}

/// What the rotations screen asks the key rotation driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCmd {
    RunNow(String),
    /// (rotation, reason)
    Revoke(String, String),
    Remove(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Retry,
    Plan,
    Drift,
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Unseal(_) => f.write_str("Unseal(<redacted>)"),
            Effect::Write { done, .. } => write!(f, "Write({done:?})"),
            Effect::Ask(a) => write!(f, "Ask({a:?})"),
            Effect::Connect { name, url, .. } => {
                write!(f, "Connect({name:?}, {url:?}, <redacted>)")
            }
            Effect::ListProjects => f.write_str("ListProjects"),
            Effect::Review { targets, secrets } => {
                write!(f, "Review({targets:?}, {} secret(s))", secrets.len())
            }
            Effect::KeyRotation(c) => write!(f, "KeyRotation({c:?})"),
            Effect::TargetKeys(t) => write!(f, "TargetKeys({t})"),
            Effect::Legacy { target, action } => write!(f, "Legacy({target}, {action:?})"),
            Effect::Open(_) => f.write_str("Open"),
            Effect::Reveal { project, name } => write!(f, "Reveal({project}/{name})"),
            Effect::Reopen => f.write_str("Reopen"),
            Effect::Form(id, e) => write!(f, "Form({id}, {e:?})"),
            Effect::Call { request, .. } => write!(f, "Call({})", request_kind(request)),
            Effect::ImportPreview { project, path } => {
                write!(f, "ImportPreview({project}, {path})")
            }
            Effect::Export { project, path } => write!(f, "Export({project}, {path})"),
            Effect::Copy(_) => f.write_str("Copy(<redacted>)"),
        }
    }
}

/// A request's name for the log (never its arguments: a token may be one).
fn request_kind(r: &crate::ops::Request) -> &'static str {
    use crate::ops::Request as R;
    match r {
        R::RemoveTarget { .. } => "remove_target",
        R::Disconnect { .. } => "disconnect",
        R::Reconnect { .. } => "reconnect",
        R::Retry { .. } => "retry",
        _ => "request",
    }
}

/// A footer message: what just happened, or what went wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    pub clock: Clock,
    pub focus: Focus,
    pub projects: ProjectsPane,
    pub secrets: SecretsPane,
    pub mappings: MappingsPane,
    pub modals: Vec<AnyModal>,
    pub data: Snapshot,
    /// The vault is unsealed and the panes show it.
    pub open: bool,
    /// The panes hold what the owner read (until then they say they are reading).
    pub ready: bool,
    /// The actor this user's changes are recorded as ("you" in history and audit).
    pub me: String,
    /// The process that owns the vault, when the dashboard is attached to another.
    pub owner: Option<OwnerInfo>,
    /// That process has gone: nothing reaches the vault until it is reopened.
    pub gone: bool,
    pub vault_label: String,
    pub message: Option<Message>,
    /// The `/` filter being typed for the focused pane.
    pub filtering: Option<Input>,
    /// Writes sent and not yet answered.
    pub busy: usize,
    /// Bulk work under way: (done, total), from the engine's Progress events.
    pub progress: Option<(usize, usize)>,
    /// An event said the vault changed; reloaded once per drain, not per event.
    stale: bool,
    /// What events said changed since the last read, when they said exactly.
    pending: Option<Delta>,
    pub quit: bool,
    effects: Vec<Effect>,
    /// The next form save's id.
    next_form: u64,
    /// Problems with the user's keymap.toml or theme.toml: said after unsealing too,
    /// and at the top of help, so they are seen.
    pub warnings: Vec<String>,
    /// A sync was started here: when the engine goes idle the footer says it finished.
    pub syncing: bool,
    /// The engine went idle after that sync while a read was still due: the footer says
    /// how it ended once the panes hold the counts of its last pushes, not before.
    finish_after_read: bool,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, clock: Clock, vault_label: String) -> App {
        App {
            keymap,
            theme,
            clock,
            focus: Focus::Projects,
            projects: ProjectsPane::default(),
            secrets: SecretsPane::default(),
            mappings: MappingsPane::default(),
            progress: None,
            stale: false,
            pending: None,
            modals: Vec::new(),
            data: Snapshot::default(),
            open: false,
            ready: false,
            me: crate::vault::actor(),
            owner: None,
            gone: false,
            vault_label,
            message: None,
            filtering: None,
            busy: 0,
            quit: false,
            effects: Vec::new(),
            next_form: 1,
            warnings: Vec::new(),
            syncing: false,
            finish_after_read: false,
        }
    }

    /// Starts sealed: the unseal prompt is the only thing on screen.
    pub fn sealed(mut self) -> App {
        self.modals
            .push(AnyModal::Unseal(modals::unseal::Unseal::default()));
        self
    }

    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// A key that needs a secret was pressed with none under the cursor: say why
    /// nothing happened, and what would.
    fn no_secret_here(&mut self, what: &str) {
        let new = self.keymap.key_for(&[Context::Main], Action::NewSecret);
        let next = self.keymap.key_for(&[Context::Main], Action::FocusNext);
        let text = match self.projects.current(&self.data) {
            None => format!("no secret {what}: {new} creates a project first"),
            Some(p) if self.focus == Focus::Projects => {
                format!("no secret {what} here: {next} moves to the secrets of {p}")
            }
            Some(p) => format!("no secret {what}: {p} has none shown ({new} creates one)"),
        };
        self.fail(text)
    }

    /// What the footer says when `enter` is pressed where it means nothing.
    fn enter_does_nothing(&self, contexts: &[Context]) -> String {
        let yes = self.keymap.key_for(contexts, Action::Submit);
        let close = self.keymap.key_for(contexts, Action::Close);
        if yes == "(unbound)" {
            format!("enter does nothing here: {close} closes")
        } else {
            format!("enter does nothing here: {yes} confirms, {close} cancels")
        }
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    pub fn fail(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }

    // ---- from the runner ----

    /// The vault is open: the panes load (the runner reads them), the prompt goes.
    pub fn unsealed(&mut self) {
        self.modals.retain(|m| !matches!(m, AnyModal::Unseal(_)));
        self.open = true;
        self.stale = true;
        match self.warnings.first() {
            // A broken config file is said where it stays until the next key.
            Some(w) => self.fail(format!("unsealed, but {w}")),
            None => self.say("unsealed: ? shows every key"),
        }
    }

    /// The owner forgot its key (`keyward seal`): the prompt is back, to unseal it again.
    pub fn sealed_by_owner(&mut self) {
        self.open = false;
        if !self.modals.iter().any(|m| matches!(m, AnyModal::Unseal(_))) {
            self.modals
                .push(AnyModal::Unseal(modals::unseal::Unseal::default()));
        }
        self.fail(
            "the vault was sealed (`keyward seal`): type the passphrase to unseal it, esc quits",
        );
    }

    /// The owner this dashboard was attached to is gone: say so once, offer the way on.
    pub fn owner_gone(&mut self) {
        self.notice_gone(false);
    }

    /// A change was asked for with the owner gone: the notice, whatever is open.
    fn offer_reopen(&mut self) {
        self.notice_gone(true);
    }

    fn notice_gone(&mut self, asked: bool) {
        let who = self
            .owner
            .as_ref()
            .map(|o| format!("{} (pid {})", o.command, o.pid))
            .unwrap_or_else(|| "the vault's owner".into());
        self.busy = 0;
        self.progress = None;
        self.gone = true;
        self.message = None;
        if self
            .modals
            .iter()
            .any(|m| matches!(m, AnyModal::OwnerGone(_)))
        {
            return;
        }
        // Someone typing into a form keeps typing into it: the notice waits for the
        // moment they try to save (every change offers it then), not steal their keys.
        if !asked && self.modals.last().is_some_and(|m| m.takes_text()) {
            return self.fail(format!("{who} stopped: saving offers to reopen the vault"));
        }
        self.modals
            .push(AnyModal::OwnerGone(modals::gone::OwnerGone::new(who)));
    }

    pub fn unseal_failed(&mut self, why: String) {
        if let Some(AnyModal::Unseal(u)) = self.modals.last_mut() {
            u.failed(why);
        }
    }

    /// The outcome of a token validation for the connect modal.
    pub fn connect_done(&mut self, result: Result<String, String>) {
        match result {
            Ok(m) => {
                self.modals.retain(|m| !matches!(m, AnyModal::Connect(_)));
                self.say(m);
            }
            Err(e) => match self.modals.last_mut() {
                Some(AnyModal::Connect(c)) => c.refused(e),
                _ => self.fail(e),
            },
        }
    }

    pub fn write_done(&mut self, form: Option<u64>, result: Result<(String, Vec<Done>), String>) {
        self.busy = self.busy.saturating_sub(1);
        // A form's answer goes to the form: it closes, or it shows why not, input kept.
        if let Some(i) = form.and_then(|id| self.modals.iter().position(|m| m.saving() == Some(id)))
        {
            match &result {
                Ok(_) => {
                    self.modals.remove(i);
                }
                Err(e) => {
                    self.modals[i].refused(super::words::dashboard(e));
                    return;
                }
            }
        }
        match result {
            Ok((m, outcomes)) => {
                for o in outcomes {
                    if let Done::AccessKey { info, key } = o {
                        for m in &mut self.modals {
                            if let AnyModal::AccessKeys(a) = m {
                                a.created(info.id.clone(), info.name.clone(), key.clone());
                            }
                        }
                    }
                }
                self.say(m)
            }
            Err(e) => self.fail(e),
        }
    }

    /// A modal's data arrived: it opens on top.
    pub fn opened(&mut self, m: Result<AnyModal, String>) {
        match m {
            Ok(m) => {
                self.message = None;
                self.modals.push(m);
            }
            Err(e) => self.fail(e),
        }
    }

    /// A legacy keys report: a disable's plan becomes its question; a change done
    /// shows what the check after it found, and the keys view under it follows.
    pub fn legacy_keys(
        &mut self,
        action: crate::ops::LegacyAction,
        r: Result<Box<crate::ops::LegacyReport>, String>,
    ) {
        use crate::ops::LegacyAction;
        use modals::keys_view::disable_question;
        let rep = match r {
            Ok(rep) => rep,
            Err(e) => return self.fail(e),
        };
        self.message = None;
        let view = self.modals.iter_mut().rev().find_map(|m| match m {
            AnyModal::Keys(k) if k.target() == rep.target => Some(k),
            _ => None,
        });
        if let Some(v) = view {
            v.legacy_changed(rep.enabled);
        }
        match action {
            LegacyAction::Disable { confirm: false } if rep.enabled == Some(true) => {
                let key = self.keymap.key_for(
                    &[super::keys::Context::KeysView],
                    super::action::Action::LegacyKeys,
                );
                let effect = Effect::Legacy {
                    target: rep.target.clone(),
                    action: LegacyAction::Disable { confirm: true },
                };
                let q = disable_question(&rep, &key);
                self.modals
                    .push(AnyModal::Confirm(modals::confirm::Confirm::new(q, effect)));
            }
            LegacyAction::Status | LegacyAction::Disable { confirm: false } => {
                self.say(format!("legacy keys of {}: {}", rep.target, rep.state()));
            }
            _ => {
                let lines = rep
                    .lines()
                    .into_iter()
                    .map(|l| (super::theme::Role::Message, l))
                    .collect();
                let title = format!("Legacy keys of {}", rep.target);
                self.modals
                    .push(AnyModal::Text(modals::text::Text::new(title, lines)));
            }
        }
    }

    /// A revealed value for the editor on top (if it is still that secret's).
    pub fn revealed(&mut self, project: &str, name: &str, v: Result<SecretValue, String>) {
        match (self.modals.last_mut(), v) {
            (Some(AnyModal::Editor(e)), Ok(v))
                if e.saved_secret()
                    .is_some_and(|(p, n)| p == project && n == name) =>
            {
                e.revealed(v)
            }
            (Some(AnyModal::Editor(e)), Err(why)) => e.refused(why),
            (_, Err(why)) => self.fail(why),
            _ => {}
        }
    }

    /// An engine event. Every event is cheap to apply: a burst of them costs one reload
    /// per frame at most, since the runner draws after draining.
    pub fn apply(&mut self, e: &Event) {
        match e {
            Event::Changed => self.stale = true,
            Event::Touched(d) => {
                self.pending.get_or_insert_with(Delta::default).merge(d);
            }
            // Each is followed by the write that recorded it (Changed or Touched).
            Event::Variable { .. }
            | Event::TargetHealth { .. }
            | Event::Batch(_)
            | Event::Drift { .. }
            | Event::Branches { .. }
            | Event::Rotation { .. }
            | Event::AlertDelivery { .. }
            | Event::AccessRefused { .. } => {}
            Event::Progress { done, total } => self.progress = Some((*done, *total)),
            Event::Idle => {
                self.progress = None;
                if std::mem::take(&mut self.syncing) {
                    if self.stale || self.pending.is_some() {
                        self.finish_after_read = true;
                    } else {
                        self.sync_finished();
                    }
                }
            }
            Event::Stopped => self.fail("the sync engine stopped: quit and restart keyward"),
            Event::Sealed => self.sealed_by_owner(),
            Event::Unsealed => {
                if !self.open {
                    self.unsealed();
                }
            }
            Event::Attached { .. } | Event::Detached { .. } | Event::AttachRefused { .. } => {}
        }
    }

    /// What to re-read since the last call: None (nothing), everything (`Some(None)`),
    /// or only a delta. The runner then reads it off the UI task.
    pub fn take_stale(&mut self) -> Option<Option<Delta>> {
        let pending = self.pending.take();
        if std::mem::take(&mut self.stale) {
            return Some(None);
        }
        pending.map(Some)
    }

    /// Shows a freshly loaded snapshot (open list modals re-read their own rows).
    pub fn loaded(&mut self, s: Snapshot) {
        self.data = s;
        self.ready = true;
        self.projects.refresh(&self.data);
        self.secrets
            .refresh(&self.data, self.projects.current(&self.data));
        self.refresh_mappings();
        self.refresh_screens();
        self.finished_after_read();
    }

    fn finished_after_read(&mut self) {
        if std::mem::take(&mut self.finish_after_read) {
            self.sync_finished();
        }
    }

    /// Screens drawn from the snapshot follow it.
    fn refresh_screens(&mut self) {
        for m in &mut self.modals {
            if let AnyModal::Targets(t) = m {
                t.refresh(&self.data);
            }
        }
    }

    /// What changed, patched into the panes in place.
    pub fn patched(&mut self, d: crate::ops::DashboardDelta) {
        if !self.ready {
            return;
        }
        self.data.apply(d);
        self.projects.refresh(&self.data);
        self.secrets
            .refresh(&self.data, self.projects.current(&self.data));
        self.refresh_mappings();
        self.refresh_screens();
        self.finished_after_read();
    }

    /// What each open list modal reads to refresh itself.
    pub fn modal_queries(&self) -> Vec<crate::ops::Query> {
        let mut q: Vec<crate::ops::Query> = self.modals.iter().filter_map(|m| m.query()).collect();
        q.dedup();
        q
    }

    /// A list modal's fresh rows: every open modal that asked this applies them.
    pub fn reloaded(&mut self, q: &crate::ops::Query, r: Result<crate::ops::Reply, String>) {
        match r {
            Ok(reply) => {
                for m in &mut self.modals {
                    if m.query().as_ref() == Some(q) {
                        m.reloaded(&reply);
                    }
                }
            }
            Err(e) => self.fail(e),
        }
    }

    fn refresh_mappings(&mut self) {
        let n = self
            .selected_listed()
            .map(|s| self.data.vars_of(s.meta.id).len())
            .unwrap_or(0);
        self.mappings.refresh(n);
    }

    /// The secret under the secrets pane's cursor, whichever pane has focus.
    pub fn selected_listed(&self) -> Option<&crate::vault::Listed> {
        self.secrets
            .current(&self.data, self.projects.current(&self.data))
    }

    // ---- keys ----

    pub fn contexts(&self) -> Vec<Context> {
        match (self.modals.last(), &self.filtering) {
            (Some(m), _) => m.contexts(),
            (None, Some(_)) => vec![Context::Prompt],
            (None, None) if self.focus == Focus::Projects => vec![Context::Projects, Context::Main],
            (None, None) => vec![Context::Main],
        }
    }

    /// Pasted text, one event whatever its size: into the input that has the cursor.
    pub fn paste(&mut self, text: &str) {
        if let Some(m) = self.modals.last_mut() {
            return m.paste(text);
        }
        if let Some(input) = &mut self.filtering {
            super::textarea::paste_into(input, text);
            let f = input.value().to_string();
            self.set_filter(f);
        }
    }

    pub fn key(&mut self, k: &KeyEvent) {
        let contexts = self.contexts();
        let action = self.keymap.action(&contexts, k);
        if action == Some(super::action::Action::Policy) {
            return self.open_policy();
        }
        // Help from anywhere: F1 always, `?` wherever keys are commands.
        let top_types = self.modals.last().is_some_and(|m| m.takes_text());
        let help = k.code == crossterm::event::KeyCode::F(1)
            || (!self.modals.is_empty()
                && !top_types
                && self.keymap.action(&[Context::Main], k) == Some(Action::Help));
        if help && !matches!(self.modals.last(), Some(AnyModal::Help(_))) {
            return self.open_help();
        }
        // Closing a form with input in it asks first: nothing typed is lost by a slip.
        if action == Some(Action::Close) && self.modals.last().is_some_and(|m| m.dirty()) {
            self.modals
                .push(AnyModal::Confirm(modals::confirm::Confirm::discard()));
            return;
        }
        if !self.modals.is_empty() {
            let out = {
                let m = self.modals.last_mut().expect("checked");
                match action {
                    Some(a) => m.update(a),
                    None => m.key(k),
                }
            };
            // An `enter` that means nothing here says what does, instead of nothing.
            if action.is_none()
                && !top_types
                && k.code == crossterm::event::KeyCode::Enter
                && matches!(out, Outcome::None)
            {
                return self.say(self.enter_does_nothing(&contexts));
            }
            return self.outcome(out);
        }
        if let Some(input) = &mut self.filtering {
            match action {
                Some(Action::Submit) => self.filtering = None,
                Some(Action::Close) => {
                    self.filtering = None;
                    self.set_filter(String::new());
                }
                _ => {
                    input.handle_event(&crossterm::event::Event::Key(*k));
                    let f = input.value().to_string();
                    self.set_filter(f);
                }
            }
            return;
        }
        self.message = None;
        if let Some(a) = action {
            self.update(a);
        }
    }

    fn outcome(&mut self, out: Outcome) {
        // With the owner gone nothing can be saved: the form stays, with what was typed,
        // under the notice that says how to go on.
        let request = match &out {
            Outcome::Effect { effect, .. } => !matches!(effect, Effect::Reopen),
            Outcome::Many(_) | Outcome::Submit(_) => true,
            _ => false,
        };
        if self.gone && request {
            return self.offer_reopen();
        }
        match out {
            Outcome::None => {}
            Outcome::Close => {
                self.modals.pop();
            }
            Outcome::Push(m) => self.modals.push(*m),
            Outcome::Effect { effect, close } => {
                if close {
                    self.modals.pop();
                }
                self.effect(effect);
            }
            Outcome::Many(effects) => {
                // Only the sync flow sends several changes: its selection is used up.
                self.modals.pop();
                self.secrets.marked.clear();
                if effects.is_empty() {
                    return self.say(
                        "nothing to sync: every secret chosen was refused or is there already",
                    );
                }
                self.syncing = true;
                for e in effects {
                    self.effect(e);
                }
            }
            Outcome::Submit(effect) => {
                let id = self.next_form;
                self.next_form += 1;
                if let Some(m) = self.modals.last_mut() {
                    m.submitted(id);
                }
                if matches!(self.modals.last(), Some(AnyModal::Manage(_))) {
                    self.syncing = true;
                }
                self.effect(Effect::Form(id, Box::new(effect)));
            }
            Outcome::Discard => {
                self.modals.pop();
                self.modals.pop();
            }
            Outcome::Say(m) => self.say(m),
            Outcome::Select(p, n) => self.select(&p, &n),
            Outcome::Quit => self.quit = true,
        }
    }

    /// A target's names on Supabase arrived, for the review on top (if still open).
    pub fn remote_names(
        &mut self,
        target: &str,
        names: Result<std::collections::BTreeSet<String>, String>,
    ) {
        match self.modals.last_mut() {
            Some(AnyModal::Sync(m)) => m.remote_names(target, names),
            Some(AnyModal::Manage(m)) => m.remote_names(target, names),
            _ => {}
        }
    }

    /// The secrets whose values Supabase would refuse arrived ("project/name", why), for
    /// the review on top (if still open).
    pub fn too_long(&mut self, found: Result<Vec<(String, String)>, String>) {
        // Unknown (the owner could not say) counts as none: the vault checks again as it
        // maps, and a refusal then keeps the review open with the reason.
        let found: std::collections::BTreeMap<String, String> =
            found.unwrap_or_default().into_iter().collect();
        match self.modals.last_mut() {
            Some(AnyModal::Sync(m)) => m.too_long(found),
            Some(AnyModal::Manage(m)) => m.too_long(found),
            _ => {}
        }
    }

    pub fn effect(&mut self, e: Effect) {
        if self.gone && !matches!(e, Effect::Reopen) {
            return self.offer_reopen();
        }
        let inner = match &e {
            Effect::Form(_, e) => e.as_ref(),
            e => e,
        };
        if matches!(
            inner,
            Effect::Write { .. } | Effect::KeyRotation(_) | Effect::Call { .. }
        ) {
            self.busy += 1;
        }
        self.effects.push(e);
    }

    fn set_filter(&mut self, f: String) {
        match self.focus {
            Focus::Projects => {
                self.projects.list.filter = f;
                self.projects.refresh(&self.data);
                self.secrets
                    .refresh(&self.data, self.projects.current(&self.data));
                self.refresh_mappings();
            }
            Focus::Secrets | Focus::Mappings => {
                self.secrets.list.filter = f;
                self.secrets
                    .refresh(&self.data, self.projects.current(&self.data));
                self.refresh_mappings();
            }
        }
    }

    pub fn update(&mut self, a: Action) {
        match a {
            Action::Quit => self.quit = true,
            Action::Help => self.open_help(),
            Action::FocusNext | Action::FocusPrev => self.cycle_focus(a),
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => self.move_cursor(a),
            Action::Filter if self.focus != Focus::Mappings => self.start_filter(),
            Action::Edit if self.focus == Focus::Mappings => self.open_details(),
            Action::Edit => match self.selected_secret() {
                Some((p, n)) => self.open_editor(Some((p, n)), false),
                None if self.focus == Focus::Projects => self.focus = Focus::Secrets,
                None => self.no_secret_here("to edit"),
            },
            Action::NewSecret | Action::NewStructured => match self.projects.current(&self.data) {
                Some(p) => {
                    let p = p.to_string();
                    self.modals
                        .push(AnyModal::Editor(modals::editor::Editor::new_secret(
                            p,
                            a == Action::NewStructured,
                        )))
                }
                None => self.new_project(),
            },
            Action::Add if self.focus == Focus::Projects => self.new_project(),
            Action::Rename if self.focus == Focus::Projects => self.rename_project(),
            Action::Remove if self.focus == Focus::Projects => self.remove_project(),
            Action::Trash => self.trash_selected(),
            Action::Find => self.open_find(),
            Action::Import => self.import_env(),
            Action::Export => self.export_env(),
            Action::Targets => self.open_targets(),
            Action::History => match self.selected_secret() {
                Some((p, n)) => self.open_list(modals::history::History::new(p, n).into()),
                None => self.no_secret_here("whose history to show"),
            },
            Action::ToggleSelect if self.focus == Focus::Secrets => {
                self.secrets.toggle(&self.data);
                self.refresh_mappings();
            }
            Action::SelectAll if self.focus == Focus::Secrets => {
                self.secrets.toggle_all(&self.data)
            }
            Action::Sync => self.start_sync(),
            Action::Manage if self.data.targets.is_empty() => self
                .fail("no targets yet: c connects a Supabase account, then T (targets) adds one"),
            Action::Manage => self.open_manage(),
            Action::Connect => self
                .modals
                .push(AnyModal::Connect(modals::connect::Connect::default())),
            Action::AddTarget => self.add_target(),
            Action::Unmap if self.focus == Focus::Mappings => self.unmap(),
            Action::Retry => self.effect(Effect::Ask(Ask::Retry)),
            Action::Plan => self.effect(Effect::Ask(Ask::Plan)),
            Action::Drift => self.effect(Effect::Ask(Ask::Drift)),
            Action::OpenTrash => self.open_list(modals::trash::TrashBin::default().into()),
            Action::AccessKeys => self.open_list(modals::access::AccessKeys::default().into()),
            Action::Rotations => self.open_list(modals::rotations::Rotations::default().into()),
            Action::Audit => self.open_list(modals::audit::AuditLog::default().into()),
            _ => {}
        }
    }

    /// tab / shift-tab: the next or previous pane.
    fn cycle_focus(&mut self, a: Action) {
        let order = [Focus::Projects, Focus::Secrets, Focus::Mappings];
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = if a == Action::FocusNext { i + 1 } else { i + 2 };
        self.focus = order[n % 3];
    }

    /// Moves the focused pane's cursor; the panes to its right follow.
    fn move_cursor(&mut self, a: Action) {
        let list = match self.focus {
            Focus::Projects => &mut self.projects.list,
            Focus::Secrets => &mut self.secrets.list,
            Focus::Mappings => &mut self.mappings.list,
        };
        modals::navigate(list, a);
        match self.focus {
            Focus::Projects => {
                self.secrets.list.selected = 0;
                self.secrets
                    .refresh(&self.data, self.projects.current(&self.data));
                self.refresh_mappings();
            }
            Focus::Secrets => {
                self.secrets.moved(&self.data);
                self.mappings.list.selected = 0;
                self.refresh_mappings();
            }
            Focus::Mappings => {}
        }
    }

    /// `/`: the focused pane's filter, to edit.
    fn start_filter(&mut self) {
        let cur = match self.focus {
            Focus::Projects => self.projects.list.filter.clone(),
            _ => self.secrets.list.filter.clone(),
        };
        self.filtering = Some(Input::new(cur));
    }

    /// Manage a target's secrets: the target of the mapping under the cursor, else the
    /// first one.
    fn open_manage(&mut self) {
        let r = self.selected_var().map(|v| v.0);
        let i = r
            .and_then(|r| {
                self.data
                    .targets
                    .iter()
                    .position(|t| t.target.project_ref == r)
            })
            .unwrap_or(0);
        self.modals.push(AnyModal::Manage(Box::new(
            modals::manage::ManageTarget::new(&self.data, i),
        )));
    }

    /// The mappings-pane row under the cursor: (target ref, variable).
    fn selected_var(
        &self,
    ) -> Option<(
        String,
        String,
        crate::tui::theme::Status,
        crate::vault::VarState,
        String,
    )> {
        let s = self.selected_listed()?;
        let rows = self.data.vars_of(s.meta.id);
        let (tv, var, st) = rows.get(self.mappings.list.current()?)?;
        let status = super::panes::status_of(tv, st);
        Some((
            tv.target.project_ref.clone(),
            var.to_string(),
            status,
            (*st).clone(),
            tv.target.name.clone(),
        ))
    }

    fn open_details(&mut self) {
        if let Some((r, var, status, st, tname)) = self.selected_var() {
            let health = self
                .data
                .targets
                .iter()
                .find(|t| t.target.project_ref == r)
                .map(|t| t.target.health.clone())
                .unwrap_or_default();
            let now = self.now();
            let mut t = modals::text::Text::details(&tname, &r, &var, status, &st, &health, now);
            if st
                .error
                .as_deref()
                .is_some_and(modals::text::is_unowned_error)
            {
                if let Some(e) = self.adopt_effect(&r, &tname, &var) {
                    let key = self.keymap.key_for(&[Context::Adopt], Action::Adopt);
                    t.offer_adopt(e, &key);
                }
            }
            self.modals.push(AnyModal::Text(t));
        }
    }

    /// Maps the selected secret to `target` again, adopting `var` (which the push found
    /// on Supabase, not created by keyward), with the variable name it has now.
    fn adopt_effect(&self, target: &str, tname: &str, var: &str) -> Option<Effect> {
        let s = self.selected_listed()?;
        Some(Effect::Write {
            done: format!("adopting {var} on {tname}: the vault's value replaces it"),
            changes: vec![Change::Adopt {
                project: s.project.clone(),
                name: s.meta.name.clone(),
                target: target.to_string(),
                variable: var.to_string(),
            }],
        })
    }

    fn unmap(&mut self) {
        let (Some(s), Some((r, _, _, _, tname))) = (self.selected_listed(), self.selected_var())
        else {
            return;
        };
        let (p, n) = (s.project.clone(), s.meta.name.clone());
        let q = format!("Stop syncing {p}/{n} to {tname}? Its variables there are deleted.");
        let done = format!("unmapped {p}/{n} from {tname}: deleting its variables there");
        let effect = Effect::Write {
            changes: vec![Change::Unmap {
                project: p.clone(),
                name: n.clone(),
                target: r.clone(),
            }],
            done,
        };
        self.modals
            .push(AnyModal::Confirm(modals::confirm::Confirm::new(q, effect)));
    }

    /// `s`: the marked secrets (or the one under the cursor) to targets the user picks.
    fn start_sync(&mut self) {
        let chosen: Vec<crate::vault::Listed> = if self.secrets.marked.is_empty() {
            self.selected_listed().cloned().into_iter().collect()
        } else {
            self.data
                .secrets
                .iter()
                .filter(|s| self.secrets.marked.contains(&s.meta.id))
                .cloned()
                .collect()
        };
        if chosen.is_empty() {
            return self.fail("nothing to sync: select secrets with space (A: all shown)");
        }
        if self.data.targets.is_empty() {
            return self
                .fail("no targets yet: c connects a Supabase account, then T (targets) adds one");
        }
        self.modals.push(AnyModal::Sync(modals::sync::SyncFlow::new(
            chosen, &self.data,
        )));
    }

    /// Opens a list modal once its rows are read.
    fn open_list(&mut self, m: AnyModal) {
        self.effect(Effect::Open(Opening::List(Box::new(m))));
    }

    fn open_editor(&mut self, which: Option<(String, String)>, _structured: bool) {
        let Some((project, name)) = which else { return };
        self.effect(Effect::Open(Opening::Editor { project, name }));
    }

    /// The rotation policy of the secret open in the editor (saved secrets only).
    fn open_policy(&mut self) {
        let Some(AnyModal::Editor(e)) = self.modals.last() else {
            return;
        };
        let Some((project, name)) = e.saved_secret() else {
            return self.fail("save the secret first (ctrl-s), then set its rotation policy");
        };
        self.effect(Effect::Open(Opening::Policy { project, name }));
    }

    /// The (project, name) of the secret under the cursor, when the secrets pane has one.
    pub fn selected_secret(&self) -> Option<(String, String)> {
        if self.focus == Focus::Projects {
            return None;
        }
        let s = self
            .secrets
            .current(&self.data, self.projects.current(&self.data))?;
        Some((s.project.clone(), s.meta.name.clone()))
    }
}
