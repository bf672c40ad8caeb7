//! A small form of one-line fields (a project's name, a new token, a file path): tab
//! between fields, enter or ctrl-s submits. The form stays open until the owner
//! answers: a refusal shows inside it, wrapped, with everything typed kept.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use zeroize::Zeroize;

use super::{Modal, Outcome, boxed};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::panes::{fit, pad};
use crate::tui::theme::Role;

pub struct Field {
    label: String,
    input: Input,
    initial: String,
    /// A token: shown as dots, wiped when the form goes.
    masked: bool,
}

impl Field {
    pub fn new(label: &str, value: &str) -> Field {
        Field {
            label: label.into(),
            input: Input::new(value.into()),
            initial: value.into(),
            masked: false,
        }
    }

    pub fn masked(label: &str) -> Field {
        Field {
            masked: true,
            ..Field::new(label, "")
        }
    }
}

/// What submitting does with the fields' values: the effect to send, or why not.
pub type Submit = Box<dyn Fn(&[&str]) -> Result<Effect, String> + Send>;

pub struct Form {
    title: String,
    intro: String,
    fields: Vec<Field>,
    focus: usize,
    error: Option<String>,
    pub saving: Option<u64>,
    submit: Submit,
}

impl Drop for Form {
    fn drop(&mut self) {
        for f in self.fields.iter_mut().filter(|f| f.masked) {
            f.input.value_and_reset().zeroize();
        }
    }
}

impl Form {
    pub fn new(title: &str, intro: &str, fields: Vec<Field>, submit: Submit) -> Form {
        Form {
            title: title.into(),
            intro: intro.into(),
            fields,
            focus: 0,
            error: None,
            saving: None,
            submit,
        }
    }
}

impl Form {
    /// Hands the values to the form's submit: its effect, or the refusal to show.
    fn save(&mut self) -> Outcome {
        let values: Vec<&str> = self.fields.iter().map(|f| f.input.value()).collect();
        match (self.submit)(&values) {
            Ok(e) => {
                self.error = None;
                Outcome::Submit(e)
            }
            Err(why) => {
                self.error = Some(why);
                Outcome::None
            }
        }
    }
}

impl Modal for Form {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Policy]
    }

    fn update(&mut self, a: Action) -> Outcome {
        let n = self.fields.len();
        super::fields::update(a, self.saving.is_some(), &mut self.focus, n, |_| true)
            .or_save(|| self.save())
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if self.saving.is_none() && super::fields::typed(&mut self.fields[self.focus].input, k) {
            self.error = None;
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let t = cx.theme;
        let w = 76.min(area.width).saturating_sub(2) as usize;
        let mut lines: Vec<Line> = Vec::new();
        if !self.intro.is_empty() {
            for l in super::text::wrap(&self.intro, w) {
                lines.push(Line::styled(l, t.style(Role::Dim)));
            }
            lines.push(Line::raw(""));
        }
        let label_w = self.fields.iter().map(|f| f.label.len()).max().unwrap_or(0) + 2;
        let input_w = w.saturating_sub(label_w + 1).max(1);
        let mut cursor = None;
        for (i, fld) in self.fields.iter().enumerate() {
            let focused = i == self.focus;
            let (marker, ls) = super::field_label(cx, focused);
            let scroll = fld.input.visual_scroll(input_w);
            let shown: String = if fld.masked {
                "•".repeat(fld.input.value().chars().count())
            } else {
                fld.input.value().to_string()
            };
            let shown: String = shown.chars().skip(scroll).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("{marker}{}", pad(&fld.label, label_w)), ls),
                Span::raw(fit(&shown, input_w)),
            ]));
            if focused && self.saving.is_none() {
                let x = 1 + label_w + fld.input.visual_cursor() - scroll;
                cursor = Some((x, lines.len() - 1));
            }
        }
        lines.push(Line::raw(""));
        match (&self.error, self.saving) {
            (_, Some(_)) => lines.push(Line::styled("saving…", t.style(Role::Pending))),
            (Some(e), _) => {
                lines.extend(super::error_lines(cx, e, w, Role::Error));
            }
            (None, _) => {}
        }
        let hint = super::hints(cx, &[Context::Policy], w);
        lines.push(Line::styled(hint, t.style(Role::Key)));
        let inner = boxed(cx, f, area, 76, lines.len() as u16 + 2, &self.title);
        f.render_widget(Paragraph::new(lines), inner);
        if let Some((x, y)) = cursor {
            f.set_cursor_position((inner.x + x as u16, inner.y + y as u16));
        }
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        crate::tui::textarea::paste_into(&mut self.fields[self.focus].input, text);
        self.error = None;
    }

    /// Something typed that closing would lose.
    fn dirty(&self) -> bool {
        self.fields.iter().any(|f| f.input.value() != f.initial)
    }

    super::form_save!(refused);
}
