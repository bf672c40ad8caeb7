//! Revoking a rotation's key as compromised: the reason, kept in the audit log.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::{Effect, KeyCmd};
use crate::tui::keys::Context;
use crate::tui::modals::{Modal, Outcome, boxed};
use crate::tui::panes::fit;
use crate::tui::theme::Role;

/// The reason a key is revoked (kept in the audit log).
pub struct RevokeKey {
    name: String,
    signing: bool,
    reason: Input,
    pub saving: Option<u64>,
    error: Option<String>,
}

impl RevokeKey {
    pub(super) fn new(name: String, signing: bool) -> RevokeKey {
        RevokeKey {
            name,
            signing,
            reason: Input::default(),
            saving: None,
            error: None,
        }
    }

    pub fn edited(&self) -> bool {
        !self.reason.value().is_empty()
    }
}

impl Modal for RevokeKey {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Prompt]
    }

    fn update(&mut self, a: Action) -> Outcome {
        match a {
            Action::Close => Outcome::Close,
            _ if self.saving.is_some() => Outcome::None,
            Action::Submit if self.reason.value().trim().is_empty() => {
                self.error = Some("type a reason first: it is kept in the audit log".into());
                Outcome::None
            }
            Action::Submit => Outcome::Submit(Effect::KeyRotation(KeyCmd::Revoke(
                self.name.clone(),
                self.reason.value().trim().to_string(),
            ))),
            _ => Outcome::None,
        }
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if self.saving.is_none() {
            self.reason.handle_event(&crossterm::event::Event::Key(*k));
            self.error = None;
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let t = cx.theme;
        let w = 80.min(area.width).saturating_sub(2) as usize;
        let mut lines = Vec::new();
        // What it touches on Supabase, whole: it cannot be undone.
        let what = if self.signing {
            "Revoking rotates to a new signing key and revokes the previous signing keys at once (no grace): JWTs they signed stop verifying, so signed-in users sign in again."
        } else {
            "Revoking deletes this rotation's current and previous keys on Supabase at once (marked compromised, no grace) and rotates to a new key, written into the vault secret."
        };
        for l in crate::tui::modals::text::wrap(what, w) {
            lines.push(Line::styled(l, t.style(Role::Failed)));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("reason: ", t.style(Role::Focused)),
            Span::raw(fit(self.reason.value(), w.saturating_sub(8))),
        ]));
        lines.push(Line::raw(""));
        match (&self.error, self.saving) {
            (_, Some(_)) => lines.push(Line::styled("asking Supabase…", t.style(Role::Pending))),
            (Some(e), _) => {
                lines.extend(crate::tui::modals::error_lines(cx, e, w, Role::Failed));
            }
            (None, _) => lines.push(Line::styled(
                "a reason is required (kept in the audit log)",
                t.style(Role::Dim),
            )),
        }
        lines.push(Line::styled(
            crate::tui::modals::hints(cx, &[Context::Prompt], w),
            t.style(Role::Key),
        ));
        let inner = boxed(
            cx,
            f,
            area,
            80,
            lines.len() as u16 + 2,
            &format!("Revoke {}", self.name),
        );
        f.render_widget(Paragraph::new(lines), inner);
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        crate::tui::textarea::paste_into(&mut self.reason, text);
    }

    fn dirty(&self) -> bool {
        self.edited()
    }

    crate::tui::modals::form_save!(refused);
}
