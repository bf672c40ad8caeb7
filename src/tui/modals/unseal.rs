//! The unseal prompt: a masked passphrase field. The key derivation (scrypt, about a
//! second) runs on a blocking thread, so the prompt stays responsive meanwhile.

use age::secrecy::SecretString;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use zeroize::Zeroize;

use super::{Modal, Outcome, boxed};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::theme::Role;

#[derive(Default)]
pub struct Unseal {
    input: Input,
    pub working: bool,
    error: Option<String>,
    tries: u32,
}

impl Unseal {
    pub fn failed(&mut self, why: String) {
        self.working = false;
        self.tries += 1;
        self.error = Some(why);
    }
}

impl Modal for Unseal {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Prompt]
    }

    fn update(&mut self, a: Action) -> Outcome {
        match a {
            Action::Close => Outcome::Quit,
            Action::Submit if !self.working && !self.input.value().is_empty() => {
                let mut v = self.input.value_and_reset();
                let pass = SecretString::from(v.clone());
                v.zeroize();
                self.working = true;
                self.error = None;
                Outcome::Effect {
                    effect: Effect::Unseal(pass),
                    close: false,
                }
            }
            _ => Outcome::None,
        }
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if !self.working {
            self.input.handle_event(&crossterm::event::Event::Key(*k));
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let inner = boxed(cx, f, area, 64, 9, "Unseal the vault");
        let t = cx.theme;
        let dots = "•".repeat(self.input.value().chars().count());
        let status = if self.working {
            Line::styled("unsealing…", t.style(Role::Pending))
        } else if let Some(e) = &self.error {
            Line::styled(
                format!("✗ {e} (attempt {})", self.tries),
                t.style(Role::Error),
            )
        } else {
            Line::styled("enter unseals · esc quits", t.style(Role::Dim))
        };
        let lines = vec![
            Line::raw(super::super::panes::fit(
                cx.vault_label,
                inner.width as usize,
            )),
            Line::raw(""),
            Line::from(vec![
                Span::styled("passphrase: ", t.style(Role::Title)),
                Span::styled(dots, t.style(Role::Masked)),
            ]),
            Line::raw(""),
            status,
        ];
        f.render_widget(Paragraph::new(lines), inner);
        if !self.working {
            let x = inner.x + 12 + self.input.visual_cursor() as u16;
            f.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + 2));
        }
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        if !self.working {
            crate::tui::textarea::paste_into(&mut self.input, text);
        }
    }
}
