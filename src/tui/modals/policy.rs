//! Rotation policies of one secret, from its editor: per secret (simple) or per field
//! (structured), a generator and an interval; an empty interval turns the policy off.
//! The dashboard's scheduler rotates due ones while it runs.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use tui_input::Input;

use super::{Modal, Outcome, boxed};
use crate::ops::Change;
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::panes::fit;
use crate::tui::theme::Role;
use crate::vault::{Generator, Policy, SecretMeta, Shape, format_duration, parse_duration};

struct Row {
    field: Option<String>,
    generator: Input,
    every: Input,
    /// A policy exists now (so an empty interval clears it).
    had: bool,
    next_due: Option<i64>,
}

pub struct PolicyEditor {
    project: String,
    name: String,
    rows: Vec<Row>,
    /// Index into the inputs: row * 2 + (0 generator, 1 interval).
    focus: usize,
    error: Option<String>,
    pub saving: Option<u64>,
    pub edited: bool,
}

impl PolicyEditor {
    /// The editor over a secret's metadata and policies (as the owner read them).
    pub fn new(project: String, meta: &SecretMeta, policies: &[Policy]) -> PolicyEditor {
        let name = meta.name.clone();
        let targets: Vec<Option<String>> = match &meta.shape {
            Shape::Simple => vec![None],
            Shape::Structured { fields } => fields.iter().cloned().map(Some).collect(),
        };
        let rows = targets
            .into_iter()
            .map(|field| {
                let p = policies.iter().find(|p| p.field == field);
                Row {
                    generator: Input::new(
                        p.map(|p| p.generator.to_string())
                            .unwrap_or_else(|| "alnum:32".to_string()),
                    ),
                    every: Input::new(p.map(|p| format_duration(p.every)).unwrap_or_default()),
                    had: p.is_some(),
                    next_due: p.map(|p| p.next_due),
                    field,
                }
            })
            .collect();
        PolicyEditor {
            project,
            name,
            rows,
            focus: 1,
            error: None,
            saving: None,
            edited: false,
        }
    }

    fn save(&mut self) -> Outcome {
        // Check everything first: one bad row changes nothing.
        let mut plan = Vec::new();
        for r in &self.rows {
            let label = r.field.clone().unwrap_or_else(|| self.name.clone());
            let every = r.every.value().trim();
            if every.is_empty() || every == "off" {
                if r.had {
                    plan.push((r.field.clone(), None));
                }
                continue;
            }
            let Some(ms) = parse_duration(every) else {
                self.error = Some(format!(
                    "{label}: {every:?} is not an interval: write a number and a unit, e.g. 30d, 12h, 2w (empty = off)"
                ));
                return Outcome::None;
            };
            match Generator::parse(r.generator.value().trim()) {
                Ok(g) => plan.push((r.field.clone(), Some((ms, g)))),
                Err(e) => {
                    self.error = Some(format!("{label}: {e}"));
                    return Outcome::None;
                }
            }
        }
        if plan.is_empty() {
            return Outcome::Close;
        }
        let (p, n) = (self.project.clone(), self.name.clone());
        let done = format!("{p}/{n}: rotation policy saved");
        Outcome::Submit(Effect::Write {
            changes: plan
                .into_iter()
                .map(|(field, set)| match set {
                    Some((every, generator)) => Change::SetPolicy {
                        project: p.clone(),
                        name: n.clone(),
                        field,
                        every,
                        generator,
                    },
                    None => Change::ClearPolicy {
                        project: p.clone(),
                        name: n.clone(),
                        field,
                    },
                })
                .collect(),
            done,
        })
    }

    fn input(&mut self) -> &mut Input {
        let r = &mut self.rows[self.focus / 2];
        if self.focus % 2 == 0 {
            &mut r.generator
        } else {
            &mut r.every
        }
    }
}

impl Modal for PolicyEditor {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Policy]
    }

    fn update(&mut self, a: Action) -> Outcome {
        let n = self.rows.len() * 2;
        super::fields::update(a, self.saving.is_some(), &mut self.focus, n, |_| true)
            .or_save(|| self.save())
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if self.saving.is_none() && super::fields::typed(self.input(), k) {
            self.edited = true;
            self.error = None;
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let t = cx.theme;
        let title = format!("Rotation policy · {}/{}", self.project, self.name);
        let inner = boxed(cx, f, area, 90, 20, &title);
        let w = inner.width as usize;
        let now = cx.now;
        let mut lines: Vec<Line> = super::text::wrap(
            "A generator (alnum:32, hex:64, base64url:43, uuid, password:24) and an interval (30d); empty interval = off.",
            w,
        )
        .into_iter()
        .map(|l| Line::styled(l, t.style(Role::Dim)))
        .collect();
        lines.extend([
            Line::raw(""),
            Line::styled(
                fit(
                    &format!("{:<20} {:<22} {:<8} next", "", "generator", "every"),
                    w,
                ),
                t.style(Role::Title),
            ),
        ]);
        for (i, r) in self.rows.iter().enumerate() {
            let label = r.field.as_deref().unwrap_or("(the secret)");
            let mark = |j: usize| if self.focus == i * 2 + j { "▏" } else { " " };
            let next = match (r.every.value().trim().is_empty(), r.next_due) {
                (true, _) => "off".to_string(),
                (false, Some(at)) if r.had => {
                    let d = ((at - now).max(0) / crate::vault::DAY_MS) as u64;
                    format!("in {d}d")
                }
                _ => "after saving".to_string(),
            };
            let row = format!(
                "{:<20} {:<22} {:<8} {next}",
                fit(label, 20),
                fit(&format!("{}{}", r.generator.value(), mark(0)), 22),
                fit(&format!("{}{}", r.every.value(), mark(1)), 8),
            );
            let style = if self.focus / 2 == i {
                t.style(Role::Focused)
            } else {
                Default::default()
            };
            lines.push(Line::styled(fit(&row, w), style));
        }
        if let Some(e) = &self.error {
            lines.push(Line::raw(""));
            lines.extend(super::error_lines(cx, e, w, Role::Failed));
        }
        super::render_form(cx, f, inner, lines, &[Context::Policy]);
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        crate::tui::textarea::paste_into(self.input(), text);
        self.edited = true;
        self.error = None;
    }

    fn dirty(&self) -> bool {
        self.edited
    }

    super::form_save!(refused);
}
