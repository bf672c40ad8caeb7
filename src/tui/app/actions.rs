//! The actions on the panes (`update`): focus and cursor, filters, and the modals
//! each action opens.

use super::{App, Focus};
use crate::ops::Change;
use crate::tui::action::Action;
use crate::tui::effects::{Ask, Effect, Opening};
use crate::tui::keys::Context;
use crate::tui::modals::{self, AnyModal};
use tui_input::Input;

impl App {
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

    pub(super) fn set_filter(&mut self, f: String) {
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
        let status = crate::tui::panes::status_of(tv, st);
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
    pub(super) fn open_policy(&mut self) {
        let Some(AnyModal::Editor(e)) = self.modals.last() else {
            return;
        };
        let Some((project, name)) = e.saved_secret() else {
            return self.fail("save the secret first (ctrl-s), then set its rotation policy");
        };
        self.effect(Effect::Open(Opening::Policy { project, name }));
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
}
