//! Connect a Supabase account: name, Management API URL and a Personal Access Token
//! (masked, never shown again). The token is validated against the API before anything
//! is stored; a refusal is shown here with its reason, and nothing is kept.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use zeroize::{Zeroize, Zeroizing};

use super::{Modal, Outcome, boxed};
use crate::supabase::client::DEFAULT_INSTANCE_URL;
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::theme::Role;

pub struct Connect {
    inputs: [Input; 3],
    focus: usize,
    pub validating: bool,
    error: Option<String>,
}

impl Drop for Connect {
    fn drop(&mut self) {
        self.inputs[2].value_and_reset().zeroize();
    }
}

impl Default for Connect {
    fn default() -> Self {
        Connect {
            inputs: [
                Input::default(),
                Input::new(DEFAULT_INSTANCE_URL.into()),
                Input::default(),
            ],
            focus: 0,
            validating: false,
            error: None,
        }
    }
}

impl Connect {
    /// A name or token typed (the URL starts filled in).
    pub fn edited(&self) -> bool {
        !self.inputs[0].value().is_empty() || !self.inputs[2].value().is_empty()
    }
}

impl Modal for Connect {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Prompt, Context::Policy]
    }

    fn update(&mut self, a: Action) -> Outcome {
        if self.validating {
            return Outcome::None;
        }
        match super::fields::update(a, false, &mut self.focus, 3, |_| true) {
            super::fields::Step::Done(o) => o,
            super::fields::Step::Save => {
                let name = self.inputs[0].value().trim().to_string();
                let url = self.inputs[1].value().trim().to_string();
                let mut raw = self.inputs[2].value_and_reset();
                let token = Zeroizing::new(raw.trim().to_string());
                raw.zeroize();
                if name.is_empty() || url.is_empty() || token.is_empty() {
                    self.error = Some("name, URL and token are all needed".into());
                    return Outcome::None;
                }
                self.validating = true;
                self.error = None;
                Outcome::Effect {
                    effect: Effect::Connect { name, url, token },
                    close: false,
                }
            }
        }
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if !self.validating {
            self.inputs[self.focus].handle_event(&crossterm::event::Event::Key(*k));
            self.error = None;
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let inner = boxed(cx, f, area, 76, 11, "Connect a Supabase account");
        let t = cx.theme;
        let label_w = 8usize;
        let input_w = (inner.width as usize).saturating_sub(label_w + 1).max(1);
        let mut lines = Vec::new();
        let mut cursor = None;
        for (i, label) in ["name", "URL", "token"].iter().enumerate() {
            let input = &self.inputs[i];
            let scroll = input.visual_scroll(input_w);
            let shown = if i == 2 {
                "•".repeat(input.value().chars().count())
            } else {
                input.value().to_string()
            };
            let shown: String = shown.chars().skip(scroll).take(input_w).collect();
            let focused = i == self.focus;
            let (marker, ls) = super::field_label(cx, focused);
            lines.push(Line::from(vec![
                Span::styled(format!("{marker}{label:<label_w$}"), ls),
                Span::styled(
                    shown,
                    if i == 2 {
                        t.style(Role::Masked)
                    } else {
                        Default::default()
                    },
                ),
            ]));
            if focused && !self.validating {
                let x = inner.x + label_w as u16 + 1 + (input.visual_cursor() - scroll) as u16;
                cursor = Some((x, inner.y + i as u16));
            }
        }
        lines.push(Line::raw(""));
        lines.push(match (&self.error, self.validating) {
            (_, true) => Line::styled(
                "validating the token with the Management API…",
                t.style(Role::Pending),
            ),
            (Some(_), _) => Line::raw(""),
            (None, _) => Line::styled(
                "The token is checked before it is stored, sealed, and never shown again.",
                t.style(Role::Dim),
            ),
        });
        // A refusal is shown whole: the token's owner needs every word of it.
        if let Some(e) = self.error.as_ref().filter(|_| !self.validating) {
            lines.pop();
            lines.extend(super::error_lines(cx, e, inner.width as usize, Role::Error));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "tab next field · enter or ^s connect · esc cancel",
            t.style(Role::Key),
        ));
        f.render_widget(Paragraph::new(lines), inner);
        if let Some(c) = cursor {
            f.set_cursor_position(c);
        }
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        if !self.validating {
            crate::tui::textarea::paste_into(&mut self.inputs[self.focus], text);
            self.error = None;
        }
    }

    fn dirty(&self) -> bool {
        self.edited()
    }

    fn refused(&mut self, why: String) {
        self.validating = false;
        self.error = Some(why);
    }
}
