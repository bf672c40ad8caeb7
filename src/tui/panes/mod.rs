//! The three panes. Each owns its selection, scroll and filter; each draws from `&App`.

mod mappings;
mod projects;
mod secrets;

pub use mappings::{MappingsPane, status_of};
pub use projects::ProjectsPane;
pub use secrets::SecretsPane;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use super::app::App;
use super::theme::Role;

/// A pane's frame: the focused one has a heavier border and its title stands out.
pub fn frame<'a>(app: &App, title: String, focused: bool, extra: Option<String>) -> Block<'a> {
    let t = &app.theme;
    let (border, title_role, kind) = if focused {
        (Role::Focused, Role::Focused, BorderType::Thick)
    } else {
        (Role::Border, Role::Title, BorderType::Plain)
    };
    let mut spans = vec![Span::styled(format!(" {title} "), t.style(title_role))];
    if let Some(x) = extra {
        spans.push(Span::styled(format!("{x} "), t.style(Role::Dim)));
    }
    Block::default()
        .borders(Borders::ALL)
        .border_type(kind)
        .border_style(t.style(border))
        .title(Line::from(spans))
}

/// Rows inside a bordered block.
pub fn inner_height(area: Rect) -> usize {
    area.height.saturating_sub(2) as usize
}

/// "3m ago" from an injected clock, so snapshots are stable.
pub fn ago(now: i64, then: i64) -> String {
    let s = (now - then).max(0) / 1000;
    match s {
        0..=59 => "now".into(),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

/// Cuts `s` to `w` columns, marking the cut with '…'.
pub fn fit(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        return s.to_string();
    }
    let mut out: String = s.chars().take(w.saturating_sub(1)).collect();
    out.push('…');
    out
}
