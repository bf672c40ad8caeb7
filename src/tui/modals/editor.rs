//! The secret editor: name, note and the value (or each field of a structured secret),
//! in tui-input fields. An existing secret opens without its value: the owner sends it
//! only when asked to reveal it (ctrl-r, audited), and a value typed without revealing
//! replaces the stored one while untouched values are kept. Values are masked until
//! revealed.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use zeroize::Zeroize;

use std::collections::BTreeSet;

use super::{Outcome, boxed};
use crate::ops::Change;
use crate::tui::action::Action;
use crate::tui::app::{App, Effect};
use crate::tui::theme::Role;
use crate::vault::{Cause, SecretMeta, SecretValue, Shape};

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
    /// An existing secret whose value has not been revealed: its value inputs start
    /// empty, and the ones left untouched keep the stored value.
    hidden: bool,
    /// Value inputs typed into while hidden: None the simple value, Some(i) field i.
    touched: BTreeSet<Option<usize>>,
    /// The field names as stored, to tell a rename or a new field from an edit.
    stored_fields: Vec<String>,
    /// A reveal was asked for and has not arrived.
    revealing: bool,
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
            hidden: false,
            touched: BTreeSet::new(),
            stored_fields: Vec::new(),
            revealing: false,
        }
    }

    /// An existing secret, from its metadata: the value stays with the owner until
    /// revealed.
    pub fn existing(project: String, meta: &SecretMeta) -> Editor {
        let stored_fields = match &meta.shape {
            Shape::Simple => Vec::new(),
            Shape::Structured { fields } => fields.clone(),
        };
        let fields = matches!(meta.shape, Shape::Structured { .. }).then(|| {
            stored_fields
                .iter()
                .map(|k| (Input::new(k.clone()), Input::default()))
                .collect()
        });
        Editor {
            project,
            original: Some(meta.name.clone()),
            name: Input::new(meta.name.clone()),
            note: Input::new(meta.note.clone().unwrap_or_default()),
            value: Input::default(),
            fields,
            focus: 2,
            revealed: false,
            error: None,
            hidden: true,
            touched: BTreeSet::new(),
            stored_fields,
            revealing: false,
        }
    }

    /// The stored value arrived (revealed on request): untouched inputs take it.
    pub fn revealed(&mut self, v: SecretValue) {
        self.revealing = false;
        match (&v, &mut self.fields) {
            (SecretValue::Simple(s), None) if !self.touched.contains(&None) => {
                self.value = Input::new(s.to_string());
            }
            (SecretValue::Fields(fs), Some(mine)) => {
                for (i, (_, v)) in fs.iter().enumerate() {
                    if i < mine.len() && !self.touched.contains(&Some(i)) {
                        mine[i].1 = Input::new(v.to_string());
                    }
                }
            }
            _ => {
                self.error = Some(
                    "the secret changed shape meanwhile: close the editor and open it again".into(),
                );
                return;
            }
        }
        self.hidden = false;
        self.revealed = true;
    }

    /// The owner would not reveal the value: say why in the form.
    pub fn refused(&mut self, why: String) {
        self.revealing = false;
        self.error = Some(why);
    }

    /// Which value input a row is, for `touched`.
    fn value_slot(row: Row) -> Option<Option<usize>> {
        match row {
            Row::Value => Some(None),
            Row::FieldValue(i) => Some(Some(i)),
            _ => None,
        }
    }

    /// A value input still holding nothing but the promise of the stored value.
    fn kept(&self, row: Row) -> bool {
        self.hidden && Self::value_slot(row).is_some_and(|s| !self.touched.contains(&s))
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
            Action::Reveal if self.hidden => {
                if self.revealing {
                    return Outcome::None;
                }
                let Some((project, name)) = self.saved_secret() else {
                    return Outcome::None;
                };
                self.revealing = true;
                return Outcome::Effect {
                    effect: Effect::Reveal { project, name },
                    close: false,
                };
            }
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
        let before = self.input(row).value().to_string();
        self.input_mut(row)
            .handle_event(&crossterm::event::Event::Key(*k));
        if self.hidden
            && let Some(slot) = Self::value_slot(row)
            && self.input(row).value() != before
        {
            // Typed without revealing: this input now replaces the stored value.
            self.touched.insert(slot);
        }
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

    /// The value change, if any: the whole value, or (hidden, fields kept) only the
    /// fields typed and the fields added.
    fn value_change(&self, project: &str, name: &str) -> Result<Option<Change>, String> {
        let value = self.value()?;
        let set = |value: SecretValue, merge: bool| Change::Set {
            project: project.to_string(),
            name: name.to_string(),
            value,
            merge,
            cause: Cause::Edit,
        };
        if !self.hidden {
            return Ok(Some(set(value, false)));
        }
        let SecretValue::Fields(all) = value else {
            // A simple value: typed replaces it, untouched keeps it.
            return Ok(self
                .touched
                .contains(&None)
                .then(|| set(self.value().expect("checked above"), false)));
        };
        let names: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
        let stored: Vec<&str> = self.stored_fields.iter().map(String::as_str).collect();
        if !names.starts_with(&stored) {
            return Err(
                "to rename a field, reveal the values first (ctrl-r): the kept ones are not here"
                    .into(),
            );
        }
        let given: Vec<(String, zeroize::Zeroizing<String>)> = all
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i >= stored.len() || self.touched.contains(&Some(*i)))
            .map(|(_, kv)| kv)
            .collect();
        Ok((!given.is_empty()).then(|| set(SecretValue::Fields(given), true)))
    }

    fn save(&mut self) -> Outcome {
        let name = self.name.value().trim().to_string();
        if name.is_empty() {
            self.error = Some("the secret needs a name".into());
            return Outcome::None;
        }
        let value = match self.value_change(&self.project, &name) {
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
        let mut changes = Vec::new();
        if let Some(o) = original.as_deref().filter(|o| *o != name) {
            changes.push(Change::Rename {
                project: project.clone(),
                name: o.to_string(),
                new_name: name.clone(),
            });
        }
        changes.extend(value);
        changes.push(Change::SetNote {
            project,
            name,
            note,
        });
        Outcome::Effect {
            effect: Effect::Write { changes, done },
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
            let shown: String = if self.kept(*row) {
                "•••••••• kept (ctrl-r reveals; typing replaces)".to_string()
            } else if row.masked() && !self.revealed {
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
                let state = if self.revealing {
                    "revealing…"
                } else if self.revealed {
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
