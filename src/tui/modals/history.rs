//! The versions of one secret, newest first, with rollback: a new version carrying the
//! chosen one's value (history is never rewritten).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Modal, Outcome, actor_label, boxed, navigate, row_style};
use crate::ops::{Change, Query, Reply};
use crate::tui::action::Action;
use crate::tui::app::Effect;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::keys::Context;
use crate::tui::list::ListState;
use crate::tui::panes::{ago, fit};
use crate::tui::theme::Role;
use crate::vault::{Cause, VersionMeta};

pub struct History {
    pub project: String,
    pub name: String,
    versions: Vec<VersionMeta>,
    list: ListState,
}

impl History {
    pub fn new(project: String, name: String) -> History {
        History {
            project,
            name,
            versions: Vec::new(),
            list: ListState::default(),
        }
    }
}

impl Modal for History {
    fn query(&self) -> Option<Query> {
        Some(Query::History {
            project: self.project.clone(),
            name: self.name.clone(),
        })
    }

    /// Newest first.
    fn reloaded(&mut self, r: &Reply) {
        let Reply::History { versions, .. } = r else {
            return;
        };
        self.versions = versions.iter().rev().cloned().collect();
        self.list.refresh(&self.versions, |_| String::new(), None);
    }

    fn contexts(&self) -> Vec<Context> {
        vec![Context::History, Context::List]
    }

    fn update(&mut self, a: Action) -> Outcome {
        if navigate(&mut self.list, a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            Action::Rollback => {
                let Some(v) = self.list.current().map(|i| self.versions[i].number) else {
                    return Outcome::None;
                };
                if self.list.selected == 0 {
                    return Outcome::Say(format!(
                        "v{v} is the current value already: pick an older version (↓) to roll back to"
                    ));
                }
                let (p, n) = (self.project.clone(), self.name.clone());
                let next = self.versions.first().map_or(v + 1, |c| c.number + 1);
                let q = format!(
                    "Roll {p}/{n} back to the value of v{v}? It becomes v{next}, and every target the secret is mapped to gets that old value pushed now."
                );
                let done = format!("rolled {p}/{n} back to the value of v{v}");
                let effect = Effect::Write {
                    changes: vec![Change::Rollback {
                        project: p,
                        name: n,
                        version: v,
                    }],
                    done,
                };
                Outcome::Push(Box::new(super::AnyModal::Confirm(
                    super::confirm::Confirm::new(q, effect),
                )))
            }
            _ => Outcome::None,
        }
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let title = format!("History · {}/{}", self.project, self.name);
        let inner = boxed(cx, f, area, 90, 20, &title);
        let t = cx.theme;
        let now = cx.now;
        let w = inner.width as usize;
        let mut lines = vec![Line::styled(
            fit(
                &format!("{:<6}{:<12}{:<14}{}", "ver", "when", "cause", "by"),
                w,
            ),
            t.style(Role::Dim),
        )];
        let room = inner.height.saturating_sub(3) as usize;
        for pos in self.list.window(room) {
            let v = &self.versions[self.list.visible[pos]];
            let cause = match v.cause {
                Cause::Rollback { from } => format!("rollback→v{from}"),
                c => c.as_str().to_string(),
            };
            let current = if pos == 0 { " (current)" } else { "" };
            let text = format!(
                "v{:<5}{:<12}{:<14}{}{current}",
                v.number,
                ago(now, v.at),
                cause,
                actor_label(cx, &v.actor)
            );
            lines.push(Line::styled(
                fit(&text, w),
                row_style(cx, pos == self.list.selected),
            ));
        }
        while lines.len() < room + 1 {
            lines.push(Line::raw(""));
        }
        lines.push(Line::raw(""));
        let hints = super::hints(cx, &[Context::History, Context::List], w);
        lines.push(Line::styled(hints, t.style(Role::Key)));
        f.render_widget(Paragraph::new(lines), inner);
    }
}

/// "r roll back · esc close": the hints of these contexts, minus plain navigation.
pub fn hint_line(cx: &DrawCtx, contexts: &[Context]) -> String {
    cx.keymap
        .hints(contexts)
        .into_iter()
        .filter(|(_, d)| !matches!(d.as_str(), "up" | "down" | "page up" | "page down"))
        .map(|(k, d)| format!("{k} {d}"))
        .collect::<Vec<_>>()
        .join(" · ")
}
