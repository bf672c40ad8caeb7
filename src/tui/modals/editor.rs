//! The secret editor: name, note and the value (or each field of a structured secret),
//! in tui-input fields. Values are masked until revealed on request (ctrl-r).

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use zeroize::Zeroize;

use super::{Outcome, boxed};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect};
use crate::tui::theme::Role;
use crate::vault::{Cause, SecretMeta, SecretValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Name,
    Note,
    Value,
    FieldName(usize),
    FieldValue(usize),
}

impl Row {
    fn masked(self) -> bool {
        matches!(self, Row::Value | Row::FieldValue(_))
    }
}

pub struct Editor {
    project: String,
    /// The secret's name before editing; None for a new secret.
    original: Option<String>,
    name: Input,
    note: Input,
    value: Input,
    /// Structured secrets: (field name, value) inputs.
    fields: Option<Vec<(Input, Input)>>,
    focus: usize,
    revealed: bool,
    error: Option<String>,
}

impl Drop for Editor {
    fn drop(&mut self) {
        // The inputs hold plain Strings: wipe the values we can reach.
        self.value.value_and_reset().zeroize();
        for (_, v) in self.fields.iter_mut().flatten() {
            v.value_and_reset().zeroize();
        }
    }
}

impl Editor {
    pub fn new_secret(project: String, structured: bool) -> Editor {
        Editor {
            project,
            original: None,
            name: Input::default(),
            note: Input::default(),
            value: Input::default(),
            fields: structured.then(|| vec![(Input::default(), Input::default())]),
            focus: 0,
            revealed: false,
            error: None,
        }
    }

    pub fn existing(project: String, meta: &SecretMeta, value: &SecretValue) -> Editor {
        let (value_in, fields) = match value {
            SecretValue::Simple(v) => (Input::new(v.to_string()), None),
            SecretValue::Fields(fs) => (
                Input::default(),
                Some(
                    fs.iter()
                        .map(|(k, v)| (Input::new(k.clone()), Input::new(v.to_string())))
                        .collect(),
                ),
            ),
        };
        Editor {
            project,
            original: Some(meta.name.clone()),
            name: Input::new(meta.name.clone()),
            note: Input::new(meta.note.clone().unwrap_or_default()),
            value: value_in,
            fields,
            focus: 2,
            revealed: false,
            error: None,
        }
    }

    fn rows(&self) -> Vec<Row> {
        let mut r = vec![Row::Name, Row::Note];
        match &self.fields {
            None => r.push(Row::Value),
            Some(fs) => {
                for i in 0..fs.len() {
                    r.push(Row::FieldName(i));
                    r.push(Row::FieldValue(i));
                }
            }
        }
        r
    }

    fn input(&self, row: Row) -> &Input {
        match row {
            Row::Name => &self.name,
            Row::Note => &self.note,
            Row::Value => &self.value,
            Row::FieldName(i) => &self.fields.as_ref().expect("structured")[i].0,
            Row::FieldValue(i) => &self.fields.as_ref().expect("structured")[i].1,
        }
    }

    fn input_mut(&mut self, row: Row) -> &mut Input {
        match row {
            Row::Name => &mut self.name,
            Row::Note => &mut self.note,
            Row::Value => &mut self.value,
            Row::FieldName(i) => &mut self.fields.as_mut().expect("structured")[i].0,
            Row::FieldValue(i) => &mut self.fields.as_mut().expect("structured")[i].1,
        }
    }

    /// (project, name) of the secret as saved: None for a new one.
    pub fn saved_secret(&self) -> Option<(String, String)> {
        Some((self.project.clone(), self.original.clone()?))
    }

    pub fn update(&mut self, a: Action) -> Outcome {
        let n = self.rows().len();
        match a {
            Action::Close => return Outcome::Close,
            Action::NextField => self.focus = (self.focus + 1) % n,
            Action::PrevField => self.focus = (self.focus + n - 1) % n,
            Action::Reveal => self.revealed = !self.revealed,
            Action::AddField => match &mut self.fields {
                Some(fs) => {
                    fs.push((Input::default(), Input::default()));
                    self.focus = self.rows().len() - 2;
                }
                None => {
                    self.error =
                        Some("a simple secret has one value: N makes a structured one".into())
                }
            },
            Action::Save => return self.save(),
            _ => {}
        }
        Outcome::None
    }

    pub fn key(&mut self, k: &KeyEvent) -> Outcome {
        let row = self.rows()[self.focus];
        self.input_mut(row)
            .handle_event(&crossterm::event::Event::Key(*k));
        self.error = None;
        Outcome::None
    }

    fn value(&self) -> Result<SecretValue, String> {
        match &self.fields {
            None => Ok(SecretValue::simple(self.value.value())),
            Some(fs) => {
                let mut seen = Vec::new();
                for (k, _) in fs {
                    let k = k.value().trim();
                    if k.is_empty() {
                        return Err("every field needs a name".into());
                    }
                    if seen.contains(&k) {
                        return Err(format!("two fields are named {k:?}: names must differ"));
                    }
                    seen.push(k);
                }
                Ok(SecretValue::fields(
                    fs.iter().map(|(k, v)| (k.value().trim(), v.value())),
                ))
            }
        }
    }

    fn save(&mut self) -> Outcome {
        let name = self.name.value().trim().to_string();
        if name.is_empty() {
            self.error = Some("the secret needs a name".into());
            return Outcome::None;
        }
        let value = match self.value() {
            Ok(v) => v,
            Err(e) => {
                self.error = Some(e);
                return Outcome::None;
            }
        };
        let note = Some(self.note.value().trim().to_string()).filter(|n| !n.is_empty());
        let (project, original) = (self.project.clone(), self.original.clone());
        let done = match &original {
            Some(o) if *o != name => format!("saved {project}/{name} (renamed from {o})"),
            Some(_) => format!("saved {project}/{name}"),
            None => format!("created {project}/{name}"),
        };
        let job = Box::new(move |tx: &mut crate::vault::WriteTx<'_>| {
            if let Some(o) = original.as_deref().filter(|o| *o != name) {
                tx.rename(&project, o, &name)?;
            }
            tx.set_value(&project, &name, &value, Cause::Edit)?;
            let old_note = tx.secret(&project, &name)?.note;
            if old_note != note {
                tx.set_note(&project, &name, note.as_deref())?;
            }
            Ok(())
        });
        Outcome::Effect {
            effect: Effect::Write { job, done },
            close: true,
        }
    }

    pub fn draw(&self, app: &App, f: &mut Frame, area: Rect) {
        let rows = self.rows();
        let h = rows.len() as u16 + 5;
        let title = match &self.original {
            Some(n) => format!("Edit {}/{n}", self.project),
            None if self.fields.is_some() => format!("New structured secret in {}", self.project),
            None => format!("New secret in {}", self.project),
        };
        let inner = boxed(app, f, area, 76, h, &title);
        let t = &app.theme;
        let label_w = 14usize;
        let input_w = (inner.width as usize).saturating_sub(label_w + 1).max(1);
        // Rows scroll when a structured secret has more fields than the screen holds.
        let room = inner.height.saturating_sub(2) as usize;
        let first = self.focus.saturating_sub(room.saturating_sub(1));
        let mut lines = Vec::new();
        let mut cursor = None;
        for (i, row) in rows.iter().enumerate().skip(first).take(room) {
            let label = match row {
                Row::Name => "name".to_string(),
                Row::Note => "note".to_string(),
                Row::Value => "value".to_string(),
                Row::FieldName(n) => format!("field {}", n + 1),
                Row::FieldValue(_) => "  value".to_string(),
            };
            let input = self.input(*row);
            let scroll = input.visual_scroll(input_w);
            let shown: String = if row.masked() && !self.revealed {
                "•".repeat(input.value().chars().count())
            } else {
                input.value().to_string()
            };
            let shown: String = shown.chars().skip(scroll).take(input_w).collect();
            let focused = i == self.focus;
            let lstyle = if focused {
                t.style(Role::Focused)
            } else {
                t.style(Role::Dim)
            };
            let vstyle = if row.masked() && !self.revealed {
                t.style(Role::Masked)
            } else {
                Default::default()
            };
            let marker = if focused { "▸" } else { " " };
            lines.push(Line::from(vec![
                Span::styled(format!("{marker}{:<w$}", label, w = label_w), lstyle),
                Span::styled(shown, vstyle),
            ]));
            if focused {
                let x = inner.x + label_w as u16 + 1 + (input.visual_cursor() - scroll) as u16;
                cursor = Some((x, inner.y + lines.len() as u16 - 1));
            }
        }
        lines.push(Line::raw(""));
        match &self.error {
            Some(e) => lines.push(Line::styled(format!("✗ {e}"), t.style(Role::Error))),
            None => {
                let state = if self.revealed {
                    "values shown"
                } else {
                    "values masked"
                };
                lines.push(Line::styled(state, t.style(Role::Dim)));
            }
        }
        f.render_widget(Paragraph::new(lines), inner);
        if let Some(c) = cursor {
            f.set_cursor_position(c);
        }
    }
}
