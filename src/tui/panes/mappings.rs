//! The mappings pane: where the selected secret goes, one row per variable per target,
//! each with its live state as glyph + word (+ colour): pending, synced (version, when),
//! failed (the error), drifted, removing, or the target's ill health.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{ago, fit, frame, inner_height};
use crate::tui::app::Focus;
use crate::tui::data::TargetView;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::list::ListState;
use crate::tui::theme::{Role, Status};
use crate::vault::{SyncState, VarState};

#[derive(Debug, Default)]
pub struct MappingsPane {
    pub list: ListState,
}

/// How a variable's state shows: an unhealthy target outranks all but synced.
pub fn status_of(t: &TargetView, v: &VarState) -> Status {
    match v.state {
        SyncState::Synced => Status::Synced,
        _ if t.target.health.unhealthy => Status::Unhealthy,
        SyncState::Pending => Status::Pending,
        SyncState::Failed => Status::Failed,
        SyncState::Drifted => Status::Drifted,
        SyncState::Removing => Status::Removing,
    }
}

impl MappingsPane {
    /// Re-counts the rows for the secret now selected.
    pub fn refresh(&mut self, rows: usize) {
        let items: Vec<()> = vec![(); rows];
        self.list.refresh(&items, |_| String::new(), None);
    }

    /// The mappings of `selected` (the secret under the secrets pane's cursor).
    pub fn draw(
        &self,
        cx: &DrawCtx,
        selected: Option<&crate::vault::Listed>,
        f: &mut Frame,
        area: Rect,
    ) {
        let focused = cx.focus == Focus::Mappings;
        let t = cx.theme;
        let Some(s) = selected else {
            let inner = frame(cx, f, area, "Mappings".into(), focused, None);
            let msg = if cx.data.targets.is_empty() {
                "No targets yet: c connects a Supabase account, then T (targets) adds one."
            } else {
                "Select a secret to see where it is synced."
            };
            return note(cx, f, inner, msg);
        };
        let rows = cx.data.vars_of(s.meta.id);
        let inner = frame(
            cx,
            f,
            area,
            "Mappings".into(),
            focused,
            Some(rows.len().to_string()),
        );
        if rows.is_empty() {
            let msg = if cx.data.targets.is_empty() {
                format!(
                    "{}: not synced anywhere. No targets yet: c connects a Supabase account, then T (targets) adds one.",
                    s.meta.name
                )
            } else {
                format!(
                    "{}: not synced anywhere. s syncs it to targets.",
                    s.meta.name
                )
            };
            return note(cx, f, inner, &msg);
        }
        let w = inner.width as usize;
        let now = cx.now;
        // Two lines per row: state and target, then the variable and its detail.
        let mut lines = Vec::new();
        for pos in self.list.window(inner_height(area) / 2) {
            let (tv, var, st) = rows[pos];
            let status = status_of(tv, st);
            let sel = pos == self.list.selected && focused;
            let head = format!("{} {} · {}", status.glyph(), status.word(), tv.target.name);
            let detail = detail(status, st, now);
            let mut style = t.style(status.role());
            if sel {
                style = t.style(Role::Selected);
            }
            lines.push(Line::from(Span::styled(fit(&head, w), style)));
            let sub = format!("  {var} {detail}");
            lines.push(Line::styled(
                fit(&sub, w),
                if sel { style } else { t.style(Role::Dim) },
            ));
        }
        super::draw_rows(f, inner, &lines);
    }
}

/// The pane's one message (there is nothing to list), wrapped.
fn note(cx: &DrawCtx, f: &mut Frame, inner: Rect, msg: &str) {
    let text = ratatui::text::Text::styled(msg.to_string(), cx.theme.style(Role::Dim));
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
}

/// A variable's detail: the version pushed and when, else its error, else why it waits.
fn detail(status: Status, st: &VarState, now: i64) -> String {
    match (status, st) {
        (Status::Synced, _) => format!(
            "v{} {}",
            st.pushed_version.unwrap_or(st.version),
            st.synced_at.map(|at| ago(now, at)).unwrap_or_default()
        ),
        (_, VarState { error: Some(e), .. }) => e.clone(),
        (Status::Unhealthy, _) => "target unhealthy: R retries".into(),
        _ => format!("v{}", st.version),
    }
}
