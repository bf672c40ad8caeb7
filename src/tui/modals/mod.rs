//! Modals, stacked over the panes: the top one gets every key. Each is a small state
//! machine behind the [`Modal`] trait: `update(Action)` / `key(KeyEvent)` return an
//! [`Outcome`] for the app to carry out, `reloaded` refreshes a list from the owner's
//! answer after a change, `draw` is pure. [`AnyModal`] is the closed set the app
//! stacks; it dispatches to the trait in one place (`modals!` below).

pub mod access;
pub mod any;
pub mod audit;
mod chrome;
pub mod confirm;
pub mod connect;
pub mod connections;
pub mod editor;
mod fields;
pub mod find;
pub mod form;
pub mod gone;
pub mod help;
pub mod history;
pub mod import;
pub mod keys_view;
pub mod manage;
pub mod policy;
pub mod rotations;
pub mod rows;
pub mod sync;
pub mod targets;
pub mod text;
pub mod trash;
pub mod unseal;

pub use any::AnyModal;
pub use chrome::{
    actor_label, boxed, error_lines, field_label, filter_head, fit_hints, footed, help_hint, hints,
    is_navigation, navigate, render_form, row_style, typed_move,
};

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::action::Action;
use super::draw_ctx::DrawCtx;
use super::effects::Effect;
use super::keys::Context;
use crate::ops::{Query, Reply};

/// A modal screen. Only `contexts`, `update` and `draw` are required; the rest default
/// to what a screen that takes no text, saves nothing and reads no list does.
pub trait Modal {
    /// The keymap contexts its keys are looked up in, in order.
    fn contexts(&self) -> Vec<Context>;

    fn update(&mut self, a: Action) -> Outcome;

    /// A key no binding claims: text for the modals that take text.
    fn key(&mut self, _k: &KeyEvent) -> Outcome {
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect);

    /// Whether typing goes into this modal (a form, a prompt, a filter).
    fn takes_text(&self) -> bool {
        false
    }

    /// Pasted text (one event, whatever its size): into the focused input.
    fn paste(&mut self, _text: &str) {}

    /// Typed input that closing would throw away (closing asks first).
    fn dirty(&self) -> bool {
        false
    }

    /// The id of the save this form sent and is waiting for.
    fn saving(&self) -> Option<u64> {
        None
    }

    /// Its save was sent as `id`.
    fn submitted(&mut self, _id: u64) {}

    /// The owner refused its save: why, in dashboard words, inside the form.
    fn refused(&mut self, _why: String) {}

    /// What a list modal reads to show its rows (and re-reads after a change).
    fn query(&self) -> Option<Query> {
        None
    }

    /// Its rows, read (a reply to another query is ignored).
    fn reloaded(&mut self, _r: &Reply) {}
}

/// Inside `impl Modal`: `saving` and `submitted` for a form that keeps its save in
/// flight in a `saving` field; with `refused`, also the `refused` of one that shows the
/// refusal in an `error` field and may then be saved again.
macro_rules! form_save {
    () => {
        fn saving(&self) -> Option<u64> {
            self.saving
        }

        fn submitted(&mut self, id: u64) {
            self.saving = Some(id);
        }
    };
    (refused) => {
        $crate::tui::modals::form_save!();

        fn refused(&mut self, why: String) {
            self.saving = None;
            self.error = Some(why);
        }
    };
}
pub(crate) use form_save;

/// What a modal asks of the app.
pub enum Outcome {
    None,
    Close,
    Push(Box<AnyModal>),
    Effect {
        effect: Effect,
        close: bool,
    },
    /// Several changes at once; closes the modal.
    Many(Vec<Effect>),
    /// Send this and keep the form open until the answer: it closes when the owner
    /// accepts, and shows the refusal inside, with its input, when it does not.
    Submit(Effect),
    /// Close this question and the form under it (what was typed is thrown away).
    Discard,
    /// A footer message: why a key did nothing, or what it did.
    Say(String),
    /// Close and show this secret (project, name) in the panes.
    Select(String, String),
    Quit,
}
