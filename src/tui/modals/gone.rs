//! The notice that the vault's owner (the daemon, another dashboard) went away while
//! this dashboard was attached: one line, and the way on: open the vault here (the
//! unseal prompt, or attach again to an owner now running), or quit. Whatever is open
//! underneath (a form being typed) stays.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{Modal, Outcome, boxed};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::theme::Role;

pub struct OwnerGone {
    who: String,
}

impl OwnerGone {
    pub fn new(who: String) -> OwnerGone {
        OwnerGone { who }
    }
}

impl Modal for OwnerGone {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Gone]
    }

    fn update(&mut self, a: Action) -> Outcome {
        match a {
            Action::Reopen => Outcome::Effect {
                effect: Effect::Reopen,
                close: true,
            },
            Action::Quit => Outcome::Quit,
            Action::Close => Outcome::Close,
            _ => Outcome::None,
        }
    }

    fn key(&mut self, _: &crossterm::event::KeyEvent) -> Outcome {
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let inner = boxed(cx, f, area, 70, 7, "The vault's owner stopped");
        let hints: Vec<String> = cx
            .keymap
            .hints(&[Context::Gone])
            .into_iter()
            .map(|(k, d)| format!("{k} {d}"))
            .collect();
        let lines = vec![
            Line::styled(
                format!(
                    "{} has stopped: nothing is synced until the vault is open again.",
                    self.who
                ),
                cx.theme.style(Role::Failed),
            ),
            Line::raw(""),
            Line::styled(hints.join(" · "), cx.theme.style(Role::Key)),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    }
}
