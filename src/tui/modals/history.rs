//! The versions of one secret, newest first, with rollback: a new version carrying the
//! chosen one's value (history is never rewritten).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::rows::{At, Layout, Rows};
use super::{Modal, Outcome, actor_label};
use crate::ops::{Change, Query, Reply};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::panes::{ago, fit};
use crate::tui::theme::Role;
use crate::vault::{Cause, VersionMeta};

pub struct History {
    pub project: String,
    pub name: String,
    /// Newest first.
    rows: Rows<VersionMeta>,
}

impl History {
    pub fn new(project: String, name: String) -> History {
        History {
            project,
            name,
            rows: Rows::default(),
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
        let newest_first = versions.iter().rev().cloned().collect();
        self.rows.set(newest_first, |_| String::new());
    }

    fn contexts(&self) -> Vec<Context> {
        vec![Context::History, Context::List]
    }

    fn update(&mut self, a: Action) -> Outcome {
        if self.rows.navigate(a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            Action::Rollback => {
                let Some(v) = self.rows.current().map(|v| v.number) else {
                    return Outcome::None;
                };
                if self.rows.list.selected == 0 {
                    return Outcome::Say(format!(
                        "v{v} is the current value already: pick an older version (↓) to roll back to"
                    ));
                }
                let (p, n) = (self.project.clone(), self.name.clone());
                let next = self.rows.items.first().map_or(v + 1, |c| c.number + 1);
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
        let layout = Layout {
            title: &title,
            size: (90, 20),
            chrome: 3,
            per_row: 1,
            gap: true,
            contexts: &[Context::History, Context::List],
        };
        let head = |w| {
            let cols = format!("{:<6}{:<12}{:<14}{}", "ver", "when", "cause", "by");
            vec![Line::styled(fit(&cols, w), cx.theme.style(Role::Dim))]
        };
        let row = |v: &VersionMeta, at: At| {
            let cause = match v.cause {
                Cause::Rollback { from } => format!("rollback→v{from}"),
                c => c.as_str().to_string(),
            };
            let current = if at.pos == 0 { " (current)" } else { "" };
            let text = format!(
                "v{:<5}{:<12}{:<14}{}{current}",
                v.number,
                ago(cx.now, v.at),
                cause,
                actor_label(cx, &v.actor)
            );
            at.line(cx, &text)
        };
        self.rows.draw(cx, f, area, &layout, head, row);
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
