//! The audit log, newest first, filterable by any text of an entry (action, subject,
//! outcome, detail). Entries never hold a value or a token, so all of it may be shown.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Modal, Outcome, actor_label, boxed, navigate, row_style};
use crate::ops::{Query, Reply};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::keys::Context;
use crate::tui::list::ListState;
use crate::tui::panes::{ago, fit};
use crate::tui::theme::Role;
use crate::vault::{AuditEntry, Outcome as AuditOutcome};

#[derive(Default)]
pub struct AuditLog {
    entries: Vec<AuditEntry>,
    list: ListState,
    pub filtering: Option<Input>,
}

fn text(e: &AuditEntry) -> String {
    let o = match e.event.outcome {
        AuditOutcome::Ok => "ok",
        AuditOutcome::Failed => "failed",
    };
    format!(
        "{} {} {o} {}",
        e.event.action, e.event.subject, e.event.detail
    )
}

impl AuditLog {
    /// The filter being typed changed: the rows follow.
    pub fn refilter(&mut self) {
        if let Some(input) = &self.filtering {
            self.list.filter = input.value().to_string();
            self.list.top();
            self.list.refresh(&self.entries, text, None);
        }
    }
}

impl Modal for AuditLog {
    fn contexts(&self) -> Vec<Context> {
        if self.filtering.is_some() {
            vec![Context::Prompt]
        } else {
            vec![Context::Audit, Context::List]
        }
    }

    /// Typing goes into the filter while there is one.
    fn takes_text(&self) -> bool {
        self.filtering.is_some()
    }

    fn paste(&mut self, text: &str) {
        if let Some(i) = &mut self.filtering {
            crate::tui::textarea::paste_into(i, text);
            self.refilter();
        }
    }

    fn query(&self) -> Option<Query> {
        Some(Query::Audit { action: None })
    }

    /// Newest first.
    fn reloaded(&mut self, r: &Reply) {
        let Reply::Audit(entries) = r else { return };
        self.entries = entries.iter().rev().cloned().collect();
        self.list.refresh(&self.entries, text, None);
    }

    fn update(&mut self, a: Action) -> Outcome {
        if let Some(input) = &self.filtering {
            match a {
                Action::Submit => self.filtering = None,
                Action::Close => {
                    self.filtering = None;
                    self.list.filter.clear();
                    self.list.refresh(&self.entries, text, None);
                }
                _ => {
                    let _ = input;
                }
            }
            return Outcome::None;
        }
        if navigate(&mut self.list, a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            Action::Filter => {
                self.filtering = Some(Input::new(self.list.filter.clone()));
                Outcome::None
            }
            _ => Outcome::None,
        }
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if let Some(input) = &mut self.filtering {
            input.handle_event(&crossterm::event::Event::Key(*k));
            self.refilter();
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let title = format!("Audit log · {} entries", self.entries.len());
        let inner = boxed(cx, f, area, 120, 30, &title);
        let t = cx.theme;
        let w = inner.width as usize;
        let now = cx.now;
        let room = inner.height.saturating_sub(4) as usize;
        let filter = super::filter_head(
            cx,
            "filter",
            self.filtering.as_ref(),
            &self.list,
            self.entries.len(),
            Line::styled("no filter", t.style(Role::Dim)),
        );
        let mut lines = vec![filter];
        for pos in self.list.window(room) {
            let e = &self.entries[self.list.visible[pos]];
            let mark = match e.event.outcome {
                AuditOutcome::Ok => "✓",
                AuditOutcome::Failed => "✗ failed",
            };
            let who = if w >= 100 {
                format!(" {}", actor_label(cx, &e.event.actor))
            } else {
                String::new()
            };
            let row = format!(
                "{:>9} {:<14} {} {} {}{who}",
                ago(now, e.event.at),
                e.event.action,
                mark,
                e.event.subject,
                e.event.detail
            );
            lines.push(Line::styled(
                fit(&row, w),
                row_style(cx, pos == self.list.selected),
            ));
        }
        while lines.len() < room + 1 {
            lines.push(Line::raw(""));
        }
        lines.push(Line::raw(""));
        let ctx: &[Context] = if self.filtering.is_some() {
            &[Context::Prompt]
        } else {
            &[Context::Audit, Context::List]
        };
        lines.push(Line::styled(super::hints(cx, ctx, w), t.style(Role::Key)));
        f.render_widget(Paragraph::new(lines), inner);
        if let Some(i) = &self.filtering {
            f.set_cursor_position((inner.x + 8 + i.visual_cursor() as u16, inner.y));
        }
    }
}
