//! A yes/no question guarding a destructive change (or throwing away typed input).
//! The question is shown whole, wrapped: it says what is touched, on Supabase too.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Modal, Outcome, boxed};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::theme::Role;

pub struct Confirm {
    question: String,
    /// None: yes throws away the form under this question.
    effect: Option<Effect>,
    discard: bool,
}

impl Confirm {
    pub fn new(question: String, effect: Effect) -> Confirm {
        Confirm {
            question,
            effect: Some(effect),
            discard: false,
        }
    }

    /// Closing a form that holds typed input.
    pub fn discard() -> Confirm {
        Confirm {
            question: "Throw away what you typed? n goes back to it.".into(),
            effect: None,
            discard: true,
        }
    }
}

impl Modal for Confirm {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Confirm]
    }

    fn update(&mut self, a: Action) -> Outcome {
        match (a, self.effect.take()) {
            (Action::Submit, _) if self.discard => Outcome::Discard,
            (Action::Submit, Some(effect)) => Outcome::Effect {
                effect,
                close: true,
            },
            _ => Outcome::Close,
        }
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let w = 70.min(area.width).saturating_sub(2) as usize;
        // A question may hold a plan, one item per line.
        let mut lines: Vec<Line> = self
            .question
            .lines()
            .flat_map(|l| super::text::wrap(l, w))
            .map(Line::raw)
            .collect();
        lines.push(Line::raw(""));
        let hints: Vec<String> = cx
            .keymap
            .hints(&[Context::Confirm])
            .into_iter()
            .map(|(k, d)| format!("{k} {d}"))
            .collect();
        lines.push(Line::styled(hints.join("   "), cx.theme.style(Role::Key)));
        let title = if self.discard { "Discard?" } else { "Confirm" };
        let inner = boxed(cx, f, area, 70, lines.len() as u16 + 2, title);
        f.render_widget(Paragraph::new(lines), inner);
    }
}
