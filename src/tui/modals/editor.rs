//! The secret editor: name, note and the value (or each field of a structured secret),
//! in tui-input fields. An existing secret opens without its value: the owner sends it
//! only when asked to reveal it (ctrl-r, audited), and a value typed without revealing
//! replaces the stored one while untouched values are kept. Values are masked until
//! revealed.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use std::collections::BTreeSet;

use super::{Modal, Outcome, boxed};
use crate::ops::Change;
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::panes::{fit, pad, width};
use crate::tui::textarea::TextArea;
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

pub struct Editor {
    project: String,
    /// The secret's name before editing; None for a new secret.
    original: Option<String>,
    name: Input,
    note: Input,
    value: TextArea,
    /// Structured secrets: (field name, value) inputs.
    fields: Option<Vec<(Input, TextArea)>>,
    focus: usize,
    revealed: bool,
    error: Option<String>,
    /// The save sent and not yet answered (its id): a refusal comes back here.
    pub saving: Option<u64>,
    /// Something was typed or pasted: closing asks first.
    pub edited: bool,
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

impl Editor {
    pub fn new_secret(project: String, structured: bool) -> Editor {
        Editor {
            project,
            original: None,
            name: Input::default(),
            note: Input::default(),
            value: TextArea::default(),
            fields: structured.then(|| vec![(Input::default(), TextArea::default())]),
            focus: 0,
            revealed: false,
            error: None,
            saving: None,
            edited: false,
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
                .map(|k| (Input::new(k.clone()), TextArea::default()))
                .collect()
        });
        Editor {
            project,
            original: Some(meta.name.clone()),
            name: Input::new(meta.name.clone()),
            note: Input::new(meta.note.clone().unwrap_or_default()),
            value: TextArea::default(),
            fields,
            focus: 2,
            revealed: false,
            error: None,
            saving: None,
            edited: false,
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
                self.value = TextArea::new(s.to_string());
            }
            (SecretValue::Fields(fs), Some(mine)) => {
                for (i, (_, v)) in fs.iter().enumerate() {
                    if i < mine.len() && !self.touched.contains(&Some(i)) {
                        mine[i].1 = TextArea::new(v.to_string());
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

    fn line(&self, row: Row) -> Option<&Input> {
        match row {
            Row::Name => Some(&self.name),
            Row::Note => Some(&self.note),
            Row::FieldName(i) => Some(&self.fields.as_ref().expect("structured")[i].0),
            Row::Value | Row::FieldValue(_) => None,
        }
    }

    fn line_mut(&mut self, row: Row) -> Option<&mut Input> {
        match row {
            Row::Name => Some(&mut self.name),
            Row::Note => Some(&mut self.note),
            Row::FieldName(i) => Some(&mut self.fields.as_mut().expect("structured")[i].0),
            Row::Value | Row::FieldValue(_) => None,
        }
    }

    fn area(&self, row: Row) -> Option<&TextArea> {
        match row {
            Row::Value => Some(&self.value),
            Row::FieldValue(i) => Some(&self.fields.as_ref().expect("structured")[i].1),
            _ => None,
        }
    }

    fn area_mut(&mut self, row: Row) -> Option<&mut TextArea> {
        match row {
            Row::Value => Some(&mut self.value),
            Row::FieldValue(i) => Some(&mut self.fields.as_mut().expect("structured")[i].1),
            _ => None,
        }
    }

    /// Typed or pasted into a value while hidden: it now replaces the stored value.
    fn changed(&mut self, row: Row) {
        self.edited = true;
        self.error = None;
        if self.hidden
            && let Some(slot) = Self::value_slot(row)
        {
            self.touched.insert(slot);
        }
    }

    /// (project, name) of the secret as saved: None for a new one.
    pub fn saved_secret(&self) -> Option<(String, String)> {
        Some((self.project.clone(), self.original.clone()?))
    }

    /// The focused value to the clipboard, when it is here (typed, or revealed).
    fn copy(&self) -> Outcome {
        let row = self.rows()[self.focus];
        let Some(a) = self.area(row) else {
            return Outcome::Say("move to a value (tab) to copy it".into());
        };
        if self.kept(row) {
            return Outcome::Say(
                "the value is with the vault's owner: reveal it first (ctrl-r), then copy".into(),
            );
        }
        Outcome::Effect {
            effect: Effect::Copy(crate::ops::Sensitive::new(a.value())),
            close: false,
        }
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
                .then(|| set(SecretValue::simple(self.value.value()), false)));
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
        Outcome::Submit(Effect::Write { changes, done })
    }
}

/// The width of the label column.
const LABEL_W: usize = 14;

fn row_label(row: Row) -> String {
    match row {
        Row::Name => "name".to_string(),
        Row::Note => "note".to_string(),
        Row::Value => "value".to_string(),
        Row::FieldName(n) => format!("field {}", n + 1),
        Row::FieldValue(_) => "  value".to_string(),
    }
}

/// The label column of a row's first line (marked when focused), blank below it.
fn label_span(label: &str, focused: bool, first: bool, style: Style) -> Span<'static> {
    let l = if first { label } else { "" };
    let marker = if focused && first { "▸" } else { " " };
    Span::styled(format!("{marker}{}", pad(l, LABEL_W)), style)
}

/// The rows as display lines, and where the focused one's cursor is: (column, line).
#[derive(Default)]
struct Body {
    lines: Vec<Line<'static>>,
    cursor: Option<(usize, usize)>,
}

impl Editor {
    /// Every row as display lines, and where the focused one's cursor is in them.
    fn body(&self, cx: &DrawCtx, input_w: usize) -> Body {
        let t = cx.theme;
        let mut body = Body::default();
        for (i, row) in self.rows().into_iter().enumerate() {
            let focused = i == self.focus;
            let label = row_label(row);
            let lstyle = if focused {
                t.style(Role::Focused)
            } else {
                t.style(Role::Dim)
            };
            let head = |first: bool| label_span(&label, focused, first, lstyle);
            if let Some(input) = self.line(row) {
                let scroll = input.visual_scroll(input_w);
                let shown: String = input.value().chars().skip(scroll).collect();
                body.lines.push(Line::from(vec![
                    head(true),
                    Span::raw(fit(&shown, input_w)),
                ]));
                if focused {
                    body.cursor = Some((
                        LABEL_W + 1 + input.visual_cursor() - scroll,
                        body.lines.len() - 1,
                    ));
                }
                continue;
            }
            if self.kept(row) {
                body.lines.push(Line::from(vec![
                    head(true),
                    Span::styled(
                        "•••••••• kept (ctrl-r reveals; typing replaces)",
                        t.style(Role::Masked),
                    ),
                ]));
                if focused {
                    body.cursor = Some((LABEL_W + 1, body.lines.len() - 1));
                }
                continue;
            }
            self.value_lines(cx, row, focused, &head, input_w, &mut body);
        }
        body
    }

    /// A value's lines: masked unless revealed, newlines shown, the lines around the
    /// cursor when focused (the others show their start).
    fn value_lines(
        &self,
        cx: &DrawCtx,
        row: Row,
        focused: bool,
        head: &dyn Fn(bool) -> Span<'static>,
        input_w: usize,
        body: &mut Body,
    ) {
        let t = cx.theme;
        let a = self.area(row).expect("a value row");
        let masked = !self.revealed;
        let lines = a.lines();
        let (cl, cc) = a.cursor_at();
        // A focused value shows the lines around its cursor; others their start.
        let room = if focused { 6 } else { 3 };
        let first = if focused {
            cl.saturating_sub(room - 1)
        } else {
            0
        };
        let vstyle = if masked {
            t.style(Role::Masked)
        } else {
            Default::default()
        };
        for (j, text) in lines.iter().enumerate().skip(first).take(room) {
            let shown: String = if masked {
                "•".repeat(text.chars().count())
            } else {
                text.to_string()
            };
            // The cursor's line scrolls sideways to keep it in view.
            let skip = if focused && j == cl {
                cc.saturating_sub(input_w.saturating_sub(2))
            } else {
                0
            };
            let shown: String = shown.chars().skip(skip).collect();
            let newline = j + 1 < lines.len();
            let w = input_w.saturating_sub(usize::from(newline));
            let mut spans = vec![head(j == first), Span::styled(fit(&shown, w), vstyle)];
            if newline {
                // Newlines are part of the value: shown, never hidden.
                spans.push(Span::styled("⏎", t.style(Role::Dim)));
            }
            body.lines.push(Line::from(spans));
            if focused && j == cl {
                let before: String = shown.chars().take(cc - skip).collect();
                body.cursor = Some((LABEL_W + 1 + width(&before), body.lines.len() - 1));
            }
        }
        let more = lines.len().saturating_sub(first + room);
        if more > 0 {
            body.lines.push(Line::from(vec![
                head(false),
                Span::styled(format!("… {more} more line(s)"), t.style(Role::Dim)),
            ]));
        }
    }

    /// Under the rows: the refusal in full, else what the editor is doing.
    fn status(&self, cx: &DrawCtx, w: usize) -> Vec<Line<'static>> {
        let t = cx.theme;
        let mut status = Vec::new();
        match &self.error {
            Some(e) => {
                status.extend(super::error_lines(cx, e, w, Role::Error));
            }
            None => {
                let state = if self.saving.is_some() {
                    "saving…"
                } else if self.revealing {
                    "revealing…"
                } else if self.revealed {
                    "values shown"
                } else {
                    "values masked"
                };
                status.push(Line::styled(state, t.style(Role::Dim)));
            }
        }
        status
    }
}

impl Modal for Editor {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Editor]
    }

    fn update(&mut self, a: Action) -> Outcome {
        let n = self.rows().len();
        match a {
            Action::Close => return Outcome::Close,
            _ if self.saving.is_some() => {}
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
                    fs.push((Input::default(), TextArea::default()));
                    self.focus = self.rows().len() - 2;
                }
                None => {
                    self.error =
                        Some("a simple secret has one value: N makes a structured one".into())
                }
            },
            Action::Save => return self.save(),
            Action::Copy => return self.copy(),
            _ => {}
        }
        Outcome::None
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        let row = self.rows()[self.focus];
        let changed = match self.area_mut(row) {
            Some(a) => a.key(k),
            None => {
                let i = self.line_mut(row).expect("a one-line row");
                i.handle_event(&crossterm::event::Event::Key(*k))
                    .is_some_and(|c| c.value)
            }
        };
        if changed {
            self.changed(row);
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let title = match &self.original {
            Some(n) => format!("Edit {}/{n}", self.project),
            None if self.fields.is_some() => format!("New structured secret in {}", self.project),
            None => format!("New secret in {}", self.project),
        };
        let outer_w = 76.min(area.width);
        let input_w = (outer_w as usize).saturating_sub(LABEL_W + 3).max(2);
        let Body {
            lines: body,
            cursor,
        } = self.body(cx, input_w);
        let status = self.status(cx, outer_w.saturating_sub(2) as usize);
        let h = (body.len() + status.len() + 3) as u16;
        let inner = boxed(cx, f, area, 76, h, &title);
        // Rows scroll when they are more than the screen holds.
        let room = (inner.height as usize)
            .saturating_sub(status.len() + 1)
            .max(1);
        let at = cursor.map_or(0, |c| c.1);
        let first = at.saturating_sub(room - 1);
        let mut lines: Vec<Line> = body.into_iter().skip(first).take(room).collect();
        lines.push(Line::raw(""));
        lines.extend(status);
        f.render_widget(Paragraph::new(lines), inner);
        if let Some((x, y)) = cursor {
            let x = inner.x + (x as u16).min(inner.width.saturating_sub(1));
            f.set_cursor_position((x, inner.y + (y - first) as u16));
        }
    }

    fn takes_text(&self) -> bool {
        true
    }

    /// Pasted text: a value keeps it byte for byte (newlines too), a one-line field
    /// takes it as one line.
    fn paste(&mut self, text: &str) {
        let row = self.rows()[self.focus];
        if let Some(a) = self.area_mut(row) {
            a.insert(&crate::tui::textarea::pasted(text));
        } else if let Some(i) = self.line_mut(row) {
            crate::tui::textarea::paste_into(i, text);
        }
        self.changed(row);
    }

    fn dirty(&self) -> bool {
        self.edited
    }

    super::form_save!();

    /// The owner refused the reveal or the save: say why in the form, keep the input.
    fn refused(&mut self, why: String) {
        self.revealing = false;
        self.saving = None;
        self.error = Some(why);
    }
}
