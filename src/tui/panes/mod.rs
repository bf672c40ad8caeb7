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

/// A pane's frame, drawn, and the area inside it: the focused one has a heavier border
/// and its title stands out.
pub fn frame(
    cx: &DrawCtx,
    f: &mut ratatui::Frame,
    area: Rect,
    title: String,
    focused: bool,
    extra: Option<String>,
) -> Rect {
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
    put_frame(
        f.buffer_mut(),
        area,
        kind,
        t.style(border),
        &Line::from(spans),
    )
}

/// What `Block` with all borders and a title draws, on the border cells only: `Block`
/// also sets its (empty) style on every cell inside, a sixth of a frame at 200x60.
fn put_frame(
    buf: &mut ratatui::buffer::Buffer,
    area: Rect,
    kind: BorderType,
    style: ratatui::style::Style,
    title: &Line<'_>,
) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(kind)
        .border_style(style)
        .title(title.clone());
    let inner = block.inner(area);
    let area = area.intersection(buf.area);
    if area.width < 2 || area.height < 2 {
        ratatui::widgets::Widget::render(block, area, buf);
        return inner;
    }
    let set = kind.to_border_set();
    let (right, bottom) = (area.right() - 1, area.bottom() - 1);
    for x in area.x + 1..right {
        buf[(x, area.y)]
            .set_symbol(set.horizontal_top)
            .set_style(style);
        buf[(x, bottom)]
            .set_symbol(set.horizontal_bottom)
            .set_style(style);
    }
    for y in area.y + 1..bottom {
        buf[(area.x, y)]
            .set_symbol(set.vertical_left)
            .set_style(style);
        buf[(right, y)]
            .set_symbol(set.vertical_right)
            .set_style(style);
    }
    for (x, y, s) in [
        (area.x, area.y, set.top_left),
        (right, area.y, set.top_right),
        (area.x, bottom, set.bottom_left),
        (right, bottom, set.bottom_right),
    ] {
        buf[(x, y)].set_symbol(s).set_style(style);
    }
    put_line(buf, area.x + 1, area.y, title, area.width - 2);
    inner
}

/// Rows inside a bordered block.
pub fn inner_height(area: Rect) -> usize {
    area.height.saturating_sub(2) as usize
}

/// "3m ago" from an injected clock, so snapshots are stable.
pub fn ago(now: i64, then: i64) -> String {
    Ago(now, then).to_string()
}

/// `ago` without a String of its own (see `push_right`).
pub struct Ago(pub i64, pub i64);

impl std::fmt::Display for Ago {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = (self.0 - self.1).max(0) / 1000;
        match s {
            0..=59 => f.write_str("now"),
            60..=3599 => write!(f, "{}m ago", s / 60),
            3600..=86_399 => write!(f, "{}h ago", s / 3600),
            _ => write!(f, "{}d ago", s / 86_400),
        }
    }
}

/// Appends `args` to `out` right-aligned in `w` columns (ASCII): a row's columns are
/// built in one String, not one each (allocations were a fifth of drawing rows).
pub fn push_right(out: &mut String, w: usize, args: std::fmt::Arguments<'_>) {
    use std::fmt::Write;
    let start = out.len();
    let _ = out.write_fmt(args);
    let n = width(&out[start..]);
    if n < w {
        out.insert_str(start, &BLANKS[..(w - n).min(BLANKS.len())]);
    }
}

const BLANKS: &str = "                                                                ";

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
pub fn name_row<'a>(
    marker: &'static str,
    name: &'a str,
    name_w: usize,
    tail: String,
    style: ratatui::style::Style,
) -> Line<'a> {
    // Borrowed where it can be: a frame builds every visible row anew, and allocations
    // were a fifth of drawing them.
    let w = width(name);
    let (name, gap) = if w <= name_w {
        (std::borrow::Cow::Borrowed(name), name_w - w)
    } else {
        let cut = fit_middle(name, name_w);
        let gap = name_w.saturating_sub(width(&cut));
        (std::borrow::Cow::Owned(cut), gap)
    };
    let pad = match BLANKS.get(..gap + 1) {
        Some(b) => std::borrow::Cow::Borrowed(b),
        None => std::borrow::Cow::Owned(" ".repeat(gap + 1)),
    };
    Line::from(vec![
        ratatui::text::Span::styled(marker, style),
        ratatui::text::Span::styled(name, style),
        ratatui::text::Span::raw(pad),
        ratatui::text::Span::raw(tail),
    ])
}

/// Rows that never wrap, drawn straight into the buffer, cut at the area's width: a
/// `Paragraph` runs every line through its truncator first, which was half of a frame
/// at 200x60 (benches/tui.rs).
pub fn draw_rows(f: &mut ratatui::Frame, area: Rect, rows: &[Line<'_>]) {
    let buf = f.buffer_mut();
    for (y, row) in (area.y..area.bottom()).zip(rows) {
        put_line(buf, area.x, y, row, area.width);
    }
}

/// `Buffer::set_line`, with printable ASCII written a byte a cell: ratatui splits every
/// string into grapheme clusters and measures each, a third of a frame at 200x60 for
/// rows that are mostly names, padding and numbers.
pub fn put_line(buf: &mut ratatui::buffer::Buffer, x: u16, y: u16, line: &Line<'_>, w: u16) {
    if !(buf.area.top()..buf.area.bottom()).contains(&y) || x < buf.area.left() {
        return;
    }
    let end = x.saturating_add(w).min(buf.area.right());
    let mut at = x;
    for span in &line.spans {
        if at >= end {
            break;
        }
        let style = line.style.patch(span.style);
        let text = span.content.as_ref();
        if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            let n = text.len().min(usize::from(end - at));
            let first = buf.index_of(at, y);
            let plain = style == ratatui::style::Style::default();
            for (cell, b) in buf.content[first..first + n].iter_mut().zip(text.bytes()) {
                // A plain space on a blank cell changes nothing (most of a padded row).
                if !(plain && b == b' ' && cell.symbol() == " ") {
                    cell.set_char(char::from(b)).set_style(style);
                }
            }
            at += n as u16;
        } else {
            at = buf.set_stringn(at, y, text, usize::from(end - at), style).0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `frame` draws what ratatui's `Block` draws, at every size.
    #[test]
    fn put_frame_draws_what_block_does() {
        use ratatui::buffer::Buffer;
        use ratatui::style::Style;
        let title = Line::from(vec![
            Span::styled(" Secrets · billing-api ", Style::new().cyan().bold()),
            Span::styled("4 ", Style::new().dim()),
        ]);
        let whole = Rect::new(0, 0, 40, 8);
        for kind in [BorderType::Plain, BorderType::Thick] {
            for (w, h) in [(30, 6), (12, 3), (2, 2), (1, 5), (5, 1), (0, 0), (45, 9)] {
                let area = Rect::new(3, 1, w, h);
                let style = Style::new().cyan().bold();
                let (mut ours, mut theirs) = (Buffer::empty(whole), Buffer::empty(whole));
                // Something already there, as in a frame.
                for b in [&mut ours, &mut theirs] {
                    b.set_string(0, 2, "x".repeat(40), Style::new().red());
                }
                let inner = put_frame(&mut ours, area, kind, style, &title);
                let block = Block::default()
                    .borders(Borders::ALL)
                    .border_type(kind)
                    .border_style(style)
                    .title(title.clone());
                assert_eq!(inner, block.inner(area));
                ratatui::widgets::Widget::render(block, area.intersection(whole), &mut theirs);
                assert_eq!(ours, theirs, "{kind:?} {w}x{h}");
            }
        }
    }

    /// The ASCII shortcut draws what ratatui's own `set_line` draws.
    #[test]
    fn put_line_draws_what_set_line_does() {
        use ratatui::buffer::Buffer;
        use ratatui::style::{Style, Stylize};
        use ratatui::text::Span;
        let line = Line::from(vec![
            Span::styled("▸ Ünïcødé 🔑 key", Style::new().reversed()),
            Span::raw("   v12  3m ago"),
            Span::styled(" tail cut here", Style::new().bold()),
        ])
        .dim();
        for w in [0, 5, 20, 28, 40] {
            let area = Rect::new(0, 0, 30, 1);
            let (mut ours, mut theirs) = (Buffer::empty(area), Buffer::empty(area));
            for b in [&mut ours, &mut theirs] {
                b.set_string(0, 0, "x".repeat(12), Style::new().red());
            }
            put_line(&mut ours, 2, 0, &line, w);
            theirs.set_line(2, 0, &line, w);
            assert_eq!(ours, theirs, "width {w}");
        }
    }

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
