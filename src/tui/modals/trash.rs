//! The trash: secrets deleted in the last 30 days, restorable; purge deletes for good
//! (after a confirmation).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::confirm::Confirm;
use super::{AnyModal, Modal, Outcome, boxed, navigate, row_style};
use crate::ops::{Change, Query, Reply};
use crate::tui::action::Action;
use crate::tui::app::Effect;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::keys::Context;
use crate::tui::list::ListState;
use crate::tui::panes::{ago, fit};
use crate::tui::theme::Role;
use crate::vault::Listed;

#[derive(Default)]
pub struct TrashBin {
    items: Vec<Listed>,
    list: ListState,
}

impl Modal for TrashBin {
    fn query(&self) -> Option<Query> {
        Some(Query::Trash)
    }

    fn reloaded(&mut self, r: &Reply) {
        let Reply::Trash(items) = r else { return };
        self.items = items.to_vec();
        self.list.refresh(
            &self.items,
            |s| format!("{}/{}", s.project, s.meta.name),
            None,
        );
    }

    fn contexts(&self) -> Vec<Context> {
        vec![Context::Trash, Context::List]
    }

    fn update(&mut self, a: Action) -> Outcome {
        if navigate(&mut self.list, a) {
            return Outcome::None;
        }
        let cur = self.list.current().map(|i| &self.items[i]);
        match (a, cur) {
            (Action::Close, _) => Outcome::Close,
            (Action::Restore, Some(s)) => {
                let (p, n) = (s.project.clone(), s.meta.name.clone());
                let done = format!("restored {p}/{n}");
                Outcome::Effect {
                    effect: Effect::Write {
                        changes: vec![Change::Restore {
                            project: p,
                            name: n,
                        }],
                        done,
                    },
                    close: false,
                }
            }
            (Action::Purge, Some(s)) => {
                let (p, n) = (s.project.clone(), s.meta.name.clone());
                let q =
                    format!("Purge {p}/{n} and all its versions for good? This cannot be undone.");
                let done = format!("purged {p}/{n}");
                let effect = Effect::Write {
                    changes: vec![Change::Purge {
                        project: p,
                        name: n,
                    }],
                    done,
                };
                Outcome::Push(Box::new(AnyModal::Confirm(Confirm::new(q, effect))))
            }
            _ => Outcome::None,
        }
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let inner = boxed(cx, f, area, 90, 20, "Trash");
        let t = cx.theme;
        let w = inner.width as usize;
        let now = cx.now;
        let room = inner.height.saturating_sub(3) as usize;
        let mut lines = Vec::new();
        if self.items.is_empty() {
            lines.push(Line::styled("The trash is empty.", t.style(Role::Dim)));
        }
        for pos in self.list.window(room) {
            let s = &self.items[self.list.visible[pos]];
            let when = s.meta.trashed.map(|at| ago(now, at)).unwrap_or_default();
            let left = s
                .meta
                .trashed
                .map(|at| {
                    let days =
                        (at + crate::vault::TRASH_RETENTION - now).max(0) / crate::vault::DAY_MS;
                    format!("purged in {days}d")
                })
                .unwrap_or_default();
            let addr = format!("{}/{}", s.project, s.meta.name);
            let addr_w = w.saturating_sub(28).max(10);
            let text = format!("{:<addr_w$} {:>12} {:>13}", fit(&addr, addr_w), when, left);
            lines.push(Line::styled(
                fit(&text, w),
                row_style(cx, pos == self.list.selected),
            ));
        }
        while lines.len() < room + 1 {
            lines.push(Line::raw(""));
        }
        lines.push(Line::raw(""));
        let hints = super::hints(cx, &[Context::Trash, Context::List], w);
        lines.push(Line::styled(hints, t.style(Role::Key)));
        f.render_widget(Paragraph::new(lines), inner);
    }
}
