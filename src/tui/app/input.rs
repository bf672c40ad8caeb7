//! Keys and pastes: to the modal on top, else the pane filter being typed, else an
//! action for the panes; and what a modal's [`Outcome`] asks of the app.

use super::{App, Focus};
use crate::tui::action::Action;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::modals::{self, AnyModal, Outcome};
use crossterm::event::KeyEvent;
use tui_input::backend::crossterm::EventHandler;

impl App {
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
            crate::tui::textarea::paste_into(input, text);
            let f = input.value().to_string();
            self.set_filter(f);
        }
    }

    pub fn key(&mut self, k: &KeyEvent) {
        let contexts = self.contexts();
        let action = self.keymap.action(&contexts, k);
        if action == Some(crate::tui::action::Action::Policy) {
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
}
