//! The trash: secrets deleted in the last 30 days, restorable; purge deletes for good
//! (after a confirmation).

use ratatui::Frame;
use ratatui::layout::Rect;

use super::confirm::Confirm;
use super::rows::{At, Layout, Rows};
use super::{AnyModal, Modal, Outcome};
use crate::ops::{Change, Query, Reply};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::panes::{ago, fit};
use crate::vault::Listed;

#[derive(Default)]
pub struct TrashBin {
    rows: Rows<Listed>,
}

impl Modal for TrashBin {
    fn query(&self) -> Option<Query> {
        Some(Query::Trash)
    }

    fn reloaded(&mut self, r: &Reply) {
        let Reply::Trash(items) = r else { return };
        self.rows
            .set(items.to_vec(), |s| format!("{}/{}", s.project, s.meta.name));
    }

    fn contexts(&self) -> Vec<Context> {
        vec![Context::Trash, Context::List]
    }

    fn update(&mut self, a: Action) -> Outcome {
        if self.rows.navigate(a) {
            return Outcome::None;
        }
        match (a, self.rows.current()) {
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
        let layout = Layout {
            title: "Trash",
            size: (90, 20),
            chrome: 3,
            per_row: 1,
            gap: true,
            contexts: &[Context::Trash, Context::List],
        };
        let empty = |_| self.rows.when_empty(cx, || "The trash is empty.".into());
        let row = |s: &Listed, at: At| at.line(cx, &trashed_row(s, cx.now, at.w));
        self.rows.draw(cx, f, area, &layout, empty, row);
    }
}

/// Where it was, when it was trashed, and how long until it is purged.
fn trashed_row(s: &Listed, now: i64, w: usize) -> String {
    let when = s.meta.trashed.map(|at| ago(now, at)).unwrap_or_default();
    let left = s
        .meta
        .trashed
        .map(|at| {
            let days = (at + crate::vault::TRASH_RETENTION - now).max(0) / crate::vault::DAY_MS;
            format!("purged in {days}d")
        })
        .unwrap_or_default();
    let addr = format!("{}/{}", s.project, s.meta.name);
    let addr_w = w.saturating_sub(28).max(10);
    format!("{:<addr_w$} {:>12} {:>13}", fit(&addr, addr_w), when, left)
}
