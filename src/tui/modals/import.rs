//! What importing a `.env` file would do, before anything is written: each name to be
//! created, updated, left unchanged or skipped with why (names only). `y` imports that
//! same text.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Modal, Outcome, boxed};
use crate::ops::{Change, Sensitive};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::theme::Role;
use crate::vault::{ImportChange, Planned};

pub struct ImportReview {
    project: String,
    /// The file's text as read for the preview: what `y` imports, so the preview is
    /// exactly what happens.
    text: Option<Sensitive>,
    plan: Vec<Planned>,
    top: usize,
}

impl ImportReview {
    pub fn new(project: String, text: Sensitive, plan: Vec<Planned>) -> ImportReview {
        ImportReview {
            project,
            text: Some(text),
            plan,
            top: 0,
        }
    }

    fn count(&self, c: ImportChange) -> usize {
        self.plan.iter().filter(|p| p.change == c).count()
    }
}

impl Modal for ImportReview {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Confirm]
    }

    fn update(&mut self, a: Action) -> Outcome {
        match a {
            Action::Submit => {
                let (c, u) = (
                    self.count(ImportChange::Create),
                    self.count(ImportChange::Update),
                );
                if c + u == 0 {
                    return Outcome::Close;
                }
                let Some(text) = self.text.take() else {
                    return Outcome::None;
                };
                Outcome::Effect {
                    effect: Effect::Write {
                        done: format!(
                            "imported into {}: {c} created, {u} updated{}",
                            self.project,
                            match self.count(ImportChange::Skipped) {
                                0 => String::new(),
                                s => format!(", {s} skipped"),
                            }
                        ),
                        changes: vec![Change::Import {
                            project: self.project.clone(),
                            text,
                            dry_run: false,
                        }],
                    },
                    close: true,
                }
            }
            Action::Down => {
                self.top += 1;
                Outcome::None
            }
            Action::Up => {
                self.top = self.top.saturating_sub(1);
                Outcome::None
            }
            _ => Outcome::Close,
        }
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let title = format!("Import into {} · names only, never values", self.project);
        let inner = boxed(cx, f, area, 80, 24, &title);
        let t = cx.theme;
        let w = inner.width as usize;
        let mut body: Vec<(Role, String)> = Vec::new();
        for (c, what, role) in [
            (ImportChange::Create, "+ would create", Role::Synced),
            (ImportChange::Update, "~ would update", Role::Pending),
            (ImportChange::Unchanged, "= unchanged", Role::Dim),
        ] {
            let names: Vec<&str> = self
                .plan
                .iter()
                .filter(|p| p.change == c)
                .map(|p| p.name.as_str())
                .collect();
            if !names.is_empty() {
                let line = format!("{what} {}: {}", names.len(), names.join(", "));
                for l in super::text::wrap(&line, w) {
                    body.push((role, l));
                }
            }
        }
        // Each skipped name with its reason: the reasons differ, and a name left out
        // silently would look imported.
        for p in self
            .plan
            .iter()
            .filter(|p| p.change == ImportChange::Skipped)
        {
            let why = p.reason.as_deref().unwrap_or("not imported");
            let line = format!("- would skip {}: {why}", p.name);
            for l in super::text::wrap(&line, w) {
                body.push((Role::Drifted, l));
            }
        }
        if self.plan.is_empty() {
            body.push((Role::Dim, "The file holds no variables.".into()));
        }
        let room = (inner.height as usize).saturating_sub(2);
        let top = self.top.min(body.len().saturating_sub(room));
        let mut lines: Vec<Line> = body
            .iter()
            .skip(top)
            .take(room)
            .map(|(r, l)| Line::styled(l.clone(), t.style(*r)))
            .collect();
        while lines.len() < room + 1 {
            lines.push(Line::raw(""));
        }
        let more = body.len().saturating_sub(top + room);
        let mut hint = super::hints(cx, &[Context::Confirm], w);
        if more > 0 {
            hint = format!("↓ {more} more · {hint}");
        }
        lines.push(Line::styled(hint, t.style(Role::Key)));
        f.render_widget(Paragraph::new(lines), inner);
    }
}
