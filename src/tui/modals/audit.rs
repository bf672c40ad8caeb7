//! The audit log, newest first, filterable by any text of an entry (action, subject,
//! outcome, detail). Entries never hold a value or a token, so all of it may be shown.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::rows::{At, Layout, Rows};
use super::{Modal, Outcome, actor_label};
use crate::ops::{Query, Reply};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::keys::Context;
use crate::tui::panes::ago;
use crate::tui::theme::Role;
use crate::vault::{AuditEntry, Outcome as AuditOutcome};

#[derive(Default)]
pub struct AuditLog {
    /// Newest first.
    rows: Rows<AuditEntry>,
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
            self.rows.list.filter = input.value().to_string();
            self.rows.list.top();
            self.rows.refresh(text);
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
        self.rows.set(entries.iter().rev().cloned().collect(), text);
    }

    fn update(&mut self, a: Action) -> Outcome {
        if let Some(input) = &self.filtering {
            match a {
                Action::Submit => self.filtering = None,
                Action::Close => {
                    self.filtering = None;
                    self.rows.list.filter.clear();
                    self.rows.refresh(text);
                }
                _ => {
                    let _ = input;
                }
            }
            return Outcome::None;
        }
        if self.rows.navigate(a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            Action::Filter => {
                self.filtering = Some(Input::new(self.rows.list.filter.clone()));
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
        let title = format!("Audit log · {} entries", self.rows.items.len());
        // Typing a filter: the prompt's keys.
        let ctx: &[Context] = if self.filtering.is_some() {
            &[Context::Prompt]
        } else {
            &[Context::Audit, Context::List]
        };
        let layout = Layout {
            title: &title,
            size: (120, 30),
            chrome: 4,
            per_row: 1,
            gap: true,
            contexts: ctx,
        };
        let filter = |_| {
            let none = Line::styled("no filter", cx.theme.style(Role::Dim));
            let typing = self.filtering.as_ref();
            let total = self.rows.items.len();
            vec![super::filter_head(
                cx,
                "filter",
                typing,
                &self.rows.list,
                total,
                none,
            )]
        };
        let row = |e: &AuditEntry, at: At| at.line(cx, &entry_row(cx, e, at.w));
        let inner = self.rows.draw(cx, f, area, &layout, filter, row);
        if let Some(i) = &self.filtering {
            f.set_cursor_position((inner.x + 8 + i.visual_cursor() as u16, inner.y));
        }
    }
}

/// When, what, how it ended, on what; who, where there is room.
fn entry_row(cx: &DrawCtx, e: &AuditEntry, w: usize) -> String {
    let mark = match e.event.outcome {
        AuditOutcome::Ok => "✓",
        AuditOutcome::Failed => "✗ failed",
    };
    let who = if w >= 100 {
        format!(" {}", actor_label(cx, &e.event.actor))
    } else {
        String::new()
    };
    format!(
        "{:>9} {:<14} {} {} {}{who}",
        ago(cx.now, e.event.at),
        e.event.action,
        mark,
        e.event.subject,
        e.event.detail
    )
}
