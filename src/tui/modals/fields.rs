//! A form's fields, answered alike in every form: Close closes, nothing else while a
//! save is in flight, Save and Submit save, Tab and Shift-Tab move the focus round the
//! fields (past those a form keeps fixed), and a key typed into the focused field says
//! whether its value changed (so the form can drop a stale error). Written once so every
//! form moves and types the same way.

use crossterm::event::KeyEvent;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::Outcome;
use crate::tui::action::Action;

/// What a form is to do with an action.
pub(super) enum Step {
    /// Save now (Save or Submit, no save in flight).
    Save,
    /// Answered: this is the outcome.
    Done(Outcome),
}

impl Step {
    /// The outcome: `save`'s when the form is to save now.
    pub(super) fn or_save(self, save: impl FnOnce() -> Outcome) -> Outcome {
        match self {
            Step::Save => save(),
            Step::Done(o) => o,
        }
    }
}

/// The actions every form answers alike, over `n` fields of which `editable` tells
/// which take the focus (at least one does); `busy` while a save is in flight.
pub(super) fn update(
    a: Action,
    busy: bool,
    focus: &mut usize,
    n: usize,
    editable: impl Fn(usize) -> bool,
) -> Step {
    match a {
        Action::Close => Step::Done(Outcome::Close),
        _ if busy => Step::Done(Outcome::None),
        Action::Save | Action::Submit => Step::Save,
        Action::NextField | Action::PrevField => {
            let step = if a == Action::NextField { 1 } else { n - 1 };
            loop {
                *focus = (*focus + step) % n;
                if editable(*focus) {
                    break;
                }
            }
            Step::Done(Outcome::None)
        }
        _ => Step::Done(Outcome::None),
    }
}

/// Types `k` into `input`: true when its value changed.
pub(super) fn typed(input: &mut Input, k: &KeyEvent) -> bool {
    input
        .handle_event(&crossterm::event::Event::Key(*k))
        .is_some_and(|c| c.value)
}
