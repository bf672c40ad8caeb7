//! A yes/no question guarding a destructive change.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{Outcome, boxed};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect};
use crate::tui::keys::Context;
use crate::tui::theme::Role;

pub struct Confirm {
    question: String,
    effect: Option<Effect>,
}

impl Confirm {
    pub fn new(question: String, effect: Effect) -> Confirm {
        Confirm {
            question,
            effect: Some(effect),
        }
    }

    pub fn update(&mut self, a: Action) -> Outcome {
        match (a, self.effect.take()) {
            (Action::Submit, Some(effect)) => Outcome::Effect {
                effect,
                close: true,
            },
            _ => Outcome::Close,
        }
    }

    pub fn draw(&self, app: &App, f: &mut Frame, area: Rect) {
        let inner = boxed(app, f, area, 60, 7, "Confirm");
        let hints: Vec<String> = app
            .keymap
            .hints(&[Context::Confirm])
            .into_iter()
            .map(|(k, d)| format!("{k} {d}"))
            .collect();
        let lines = vec![
            Line::raw(self.question.clone()),
            Line::raw(""),
            Line::styled(hints.join("   "), app.theme.style(Role::Key)),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    }
}
