//! The list every list screen is built on (trash, history, audit, access keys, key
//! rotations): its items with a cursor, a filter and scrolling, the navigation keys they
//! share, and their layout (a titled box, head lines, the rows in view, a blank line and
//! the hint row). Each screen supplies its rows' lines and its own keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{boxed, navigate, row_style};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::keys::Context;
use crate::tui::list::ListState;
use crate::tui::panes::fit;
use crate::tui::theme::Role;

pub struct Rows<T> {
    pub items: Vec<T>,
    pub list: ListState,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows {
            items: Vec::new(),
            list: ListState::default(),
        }
    }
}

/// How a list screen is laid out.
pub struct Layout<'a> {
    pub title: &'a str,
    /// At most this wide and high.
    pub size: (u16, u16),
    /// Lines of the box that the rows' window leaves to the rest: the hint row, the
    /// blank line above it, and the head lines beyond the first.
    pub chrome: u16,
    /// Lines each row takes (the window holds that many fewer rows).
    pub per_row: usize,
    /// A blank line above the hint row.
    pub gap: bool,
    /// Whose keys the hint row shows.
    pub contexts: &'a [Context],
}

/// Where a row is drawn: its position among the rows shown, whether the cursor is on
/// it, and the width.
pub struct At {
    pub pos: usize,
    pub selected: bool,
    pub w: usize,
}

impl At {
    /// A one-line row: `text` cut to the width, highlighted under the cursor.
    pub fn line(&self, cx: &DrawCtx, text: &str) -> Vec<Line<'static>> {
        vec![Line::styled(
            fit(text, self.w),
            row_style(cx, self.selected),
        )]
    }
}

impl<T> Rows<T> {
    /// New items; the filter (matched against `text`) and the cursor's position stay.
    pub fn set(&mut self, items: Vec<T>, text: impl Fn(&T) -> String) {
        self.items = items;
        self.refresh(text);
    }

    /// Re-applies the filter to the items.
    pub fn refresh(&mut self, text: impl Fn(&T) -> String) {
        self.list.refresh(&self.items, text, None);
    }

    /// New items, the cursor kept on the one `keep` finds where it is still there.
    pub fn set_keeping(&mut self, items: Vec<T>, keep: &dyn Fn(&T) -> bool) {
        self.items = items;
        self.list
            .refresh(&self.items, |_| String::new(), Some(keep));
    }

    /// The item under the cursor.
    pub fn current(&self) -> Option<&T> {
        self.list.current().map(|i| &self.items[i])
    }

    /// A dim `note` when there are no items at all (a head line for `draw`).
    pub fn when_empty(&self, cx: &DrawCtx, note: impl FnOnce() -> String) -> Vec<Line<'static>> {
        if !self.items.is_empty() {
            return Vec::new();
        }
        vec![Line::styled(note(), cx.theme.style(Role::Dim))]
    }

    /// Moves the cursor for a navigation action; true when `a` was one.
    pub fn navigate(&mut self, a: Action) -> bool {
        navigate(&mut self.list, a)
    }

    /// Draws the screen: `head(w)` lines, then the rows in view, each `row(item, at)`,
    /// then the hints. Returns the box's inner area.
    pub fn draw(
        &self,
        cx: &DrawCtx,
        f: &mut Frame,
        area: Rect,
        layout: &Layout,
        head: impl FnOnce(usize) -> Vec<Line<'static>>,
        row: impl Fn(&T, At) -> Vec<Line<'static>>,
    ) -> Rect {
        let (w, h) = layout.size;
        let inner = boxed(cx, f, area, w, h, layout.title);
        let w = inner.width as usize;
        let room = inner.height.saturating_sub(layout.chrome) as usize;
        let mut lines = head(w);
        for pos in self.list.window(room / layout.per_row) {
            let item = &self.items[self.list.visible[pos]];
            let selected = pos == self.list.selected;
            lines.extend(row(item, At { pos, selected, w }));
        }
        let hints = super::hints(cx, layout.contexts, w);
        finish(cx, f, inner, lines, room, layout.gap, hints);
        inner
    }
}

/// The body cut or padded to `room + 1` lines, a blank line if `gap`, and the hint row.
pub fn finish(
    cx: &DrawCtx,
    f: &mut Frame,
    inner: Rect,
    mut lines: Vec<Line<'static>>,
    room: usize,
    gap: bool,
    hints: String,
) {
    lines.truncate(room + 1);
    while lines.len() < room + 1 {
        lines.push(Line::raw(""));
    }
    if gap {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(hints, cx.theme.style(Role::Key)));
    f.render_widget(Paragraph::new(lines), inner);
}
