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

use super::draw_ctx::DrawCtx;
use super::theme::Role;

/// A pane's frame: the focused one has a heavier border and its title stands out.
pub fn frame<'a>(cx: &DrawCtx, title: String, focused: bool, extra: Option<String>) -> Block<'a> {
    let t = cx.theme;
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

/// The columns `s` takes on screen (a wide character or an emoji takes two).
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Cuts `s` to `w` columns, marking the cut with '…'.
pub fn fit(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    if w > 0 {
        out.push('…');
    }
    out
}

/// Cuts `s` to `w` columns in the middle, so names that differ only at the end stay
/// apart ("customer-po…-eu-west", "customer-po…-us-east").
pub fn fit_middle(s: &str, w: usize) -> String {
    if width(s) <= w || w < 5 {
        return fit(s, w);
    }
    let cw = |c: char| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
    let tail_w = (w - 1) / 2;
    let mut tail = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        if used + cw(c) > tail_w {
            break;
        }
        used += cw(c);
        tail.push(c);
    }
    let head = fit(s, w - used);
    let mut out = head;
    out.extend(tail.into_iter().rev());
    out
}

/// `s` cut or padded with spaces to exactly `w` columns.
pub fn pad(s: &str, w: usize) -> String {
    let mut out = fit(s, w);
    let n = width(&out);
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(n)));
    out
}

/// A list row: the marker and the name (cut in the middle to `name_w`) in the row's
/// style, then the padding and `tail` plain. A highlight over the whole row made every
/// cursor move over SSH rewrite two whole rows; now it rewrites two names.
pub fn name_row(
    marker: &str,
    name: &str,
    name_w: usize,
    tail: &str,
    style: ratatui::style::Style,
) -> Line<'static> {
    let name = fit_middle(name, name_w);
    let gap = name_w.saturating_sub(width(&name));
    Line::from(vec![
        ratatui::text::Span::styled(format!("{marker}{name}"), style),
        ratatui::text::Span::raw(format!("{} {tail}", " ".repeat(gap))),
    ])
}

/// Rows that never wrap, drawn straight into the buffer, cut at the area's width: a
/// `Paragraph` runs every line through its truncator first, which was half of a frame
/// at 200x60 (benches/tui.rs).
pub fn draw_rows(f: &mut ratatui::Frame, area: Rect, rows: &[Line<'_>]) {
    let buf = f.buffer_mut();
    for (y, row) in (area.y..area.bottom()).zip(rows) {
        buf.set_line(area.x, y, row, area.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_display_cells_and_middle_cuts_keep_names_apart() {
        assert_eq!(width("Ünïcødé 🔑 key"), 14);
        assert!(width(&fit("Ünïcødé 🔑 key", 10)) <= 10);
        assert_eq!(width(&pad("🔑", 4)), 4);
        let a = fit_middle("customer-portal-production-eu-west", 20);
        let b = fit_middle("customer-portal-production-us-east", 20);
        assert_ne!(a, b);
        assert_eq!(width(&a), 20);
        assert!(a.ends_with("eu-west"), "{a}");
    }
}
