//! The view state and its transitions: a thin router over focus, three panes and a modal
//! stack. `update(Action)` and `apply(Event)` change state and queue [`Effect`]s; the
//! runner performs them as requests to the vault's owner (this process, or the one the
//! dashboard attached to). The app itself does no I/O at all.
//!
//! - actions.rs: `update(Action)` on the panes, and the modals each action opens.
//! - input.rs: keys and pastes, routed to the modal on top, the filter or the panes.
//! - events.rs: `apply(Event)`, and what to read again after a drain.
//! - answers.rs: what the runner hands back (unsealed, a change's answer, a snapshot).
//! - tasks.rs: the main view's tasks beyond browsing (projects, import, export, help).

use tui_input::Input;

mod actions;
mod answers;
mod events;
mod input;
mod tasks;

use super::data::Snapshot;
use super::effects::Effect;
use super::keys::Keymap;
use super::modals::{self, AnyModal};
use super::panes::{MappingsPane, ProjectsPane, SecretsPane};
use super::theme::Theme;
use crate::engine::Delta;
use crate::ops::OwnerInfo;
use crate::vault::Clock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Projects,
    Secrets,
    Mappings,
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
    /// Work under way: (done, total), from the engine's Progress events. The footer
    /// shows it only for bulk work ([`App::bulk_progress`]).
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

/// Work on fewer variables than this shows no gauge.
const BULK_MIN: usize = 10;

impl App {
    /// Progress worth a gauge: bulk work still under way. A few variables show their
    /// own state in the rows; a gauge drawn and removed for them cost most of the bytes
    /// a change sent to the terminal (619-922 for one row, over SSH).
    pub fn bulk_progress(&self) -> Option<(usize, usize)> {
        self.progress.filter(|&(d, t)| d < t && t >= BULK_MIN)
    }

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
