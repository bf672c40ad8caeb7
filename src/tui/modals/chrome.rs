//! What every modal draws the same way: its centred box, list rows, the filter head of
//! a filterable list, "you" for this user, and a hint row that fits its width.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear};

use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::keys::Context;
use crate::tui::theme::Role;

/// A centred box of at most `w` x `h` inside `area`, cleared, with a titled border;
/// returns the inner area.
pub fn boxed(cx: &DrawCtx, f: &mut Frame, area: Rect, w: u16, h: u16, title: &str) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    let t = cx.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(t.style(Role::Focused))
        .title(Line::from(Span::styled(
            format!(" {title} "),
            t.style(Role::Focused),
        )));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

/// Moves the list cursor for the navigation actions every list modal shares; true when
/// the action was one of them.
pub fn navigate(list: &mut crate::tui::list::ListState, a: Action) -> bool {
    match a {
        Action::Up => list.up(1),
        Action::Down => list.down(1),
        Action::PageUp => list.up(10),
        Action::PageDown => list.down(10),
        Action::Top => list.top(),
        Action::Bottom => list.bottom(),
        _ => return false,
    }
    true
}

/// The arrow and page keys a list that filters as you type still takes as moves (every
/// other key is typed into its filter).
pub fn typed_move(k: &crossterm::event::KeyEvent) -> Option<Action> {
    use crossterm::event::KeyCode;
    match k.code {
        KeyCode::Up => Some(Action::Up),
        KeyCode::Down => Some(Action::Down),
        KeyCode::PageUp => Some(Action::PageUp),
        KeyCode::PageDown => Some(Action::PageDown),
        _ => None,
    }
}

/// The marker and label style of a form's field: `▸` and focused, or dim.
pub fn field_label(cx: &DrawCtx, focused: bool) -> (&'static str, ratatui::style::Style) {
    if focused {
        ("▸", cx.theme.style(Role::Focused))
    } else {
        (" ", cx.theme.style(Role::Dim))
    }
}

/// The style of a list row.
pub fn row_style(cx: &DrawCtx, selected: bool) -> ratatui::style::Style {
    if selected {
        cx.theme.style(Role::Selected)
    } else {
        Default::default()
    }
}

/// "you" for this machine's own user, so history reads naturally (and snapshots are
/// stable across machines).
pub fn actor_label(cx: &DrawCtx, actor: &str) -> String {
    if cx.me == actor {
        "you".into()
    } else {
        actor.to_string()
    }
}

/// The head line of a filterable list: the filter being typed, the filter applied with
/// how many rows it keeps, or `idle` when there is none.
pub fn filter_head(
    cx: &DrawCtx,
    label: &str,
    typing: Option<&tui_input::Input>,
    list: &crate::tui::list::ListState,
    total: usize,
    idle: Line<'static>,
) -> Line<'static> {
    let t = cx.theme;
    match typing {
        Some(i) => Line::from(vec![
            Span::styled(format!("{label}: "), t.style(Role::Focused)),
            Span::raw(i.value().to_string()),
        ]),
        None if !list.filter.is_empty() => Line::styled(
            format!("{label}: {} ({} of {total})", list.filter, list.len()),
            t.style(Role::Dim),
        ),
        None => idle,
    }
}

/// A hint row that fits `w` columns: this context's keys in keymap order (its order is
/// their priority), minus plain navigation, as many as fit; the way out (esc) and help
/// are always kept.
pub fn hints(cx: &DrawCtx, contexts: &[Context], w: usize) -> String {
    let items: Vec<(String, String)> = cx
        .keymap
        .hints(contexts)
        .into_iter()
        .filter(|(_, d)| !is_navigation(d))
        .collect();
    fit_hints(&items, &help_hint(cx, contexts), w)
        .into_iter()
        .map(|(k, d)| format!("{k} {d}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Navigation every list shares: left out of hint rows (help lists it).
pub fn is_navigation(desc: &str) -> bool {
    matches!(
        desc,
        "down"
            | "up"
            | "page down"
            | "page up"
            | "previous pane"
            | "first row"
            | "last row"
            | "next field"
            | "previous field"
            | "select all shown / none"
    )
}

/// The help key as this context reaches it: `?` where keys are commands, F1 where
/// they are typed text.
pub fn help_hint(cx: &DrawCtx, contexts: &[Context]) -> (String, String) {
    let typing = contexts
        .iter()
        .any(|c| matches!(c, Context::Prompt | Context::Policy | Context::Editor));
    if typing {
        ("F1".into(), "help".into())
    } else {
        let k = cx.keymap.key_for(&[Context::Main], Action::Help);
        (k, "help".into())
    }
}

/// The items that fit `w` columns (" · " between them), in order, always keeping the
/// one that closes (its description is "close", "cancel", "dismiss" or "no") and `help`.
pub fn fit_hints(
    items: &[(String, String)],
    help: &(String, String),
    w: usize,
) -> Vec<(String, String)> {
    let len =
        |(k, d): &(String, String)| crate::tui::panes::width(k) + 1 + crate::tui::panes::width(d);
    let keep = |d: &str| matches!(d, "close" | "cancel" | "dismiss" | "no");
    let sep = 3;
    let mut budget = len(help) as isize;
    for it in items.iter().filter(|(_, d)| keep(d)) {
        budget += (len(it) + sep) as isize;
    }
    let mut out = Vec::new();
    let mut used = budget;
    for it in items {
        if keep(&it.1) {
            out.push(it.clone());
            continue;
        }
        let l = (len(it) + sep) as isize;
        if used + l <= w as isize {
            used += l;
            out.push(it.clone());
        }
    }
    if !out.iter().any(|(_, d)| d == "help") {
        out.push(help.clone());
    }
    out
}

/// An error as a modal shows it: whole and wrapped to `w` (the reason and what to do),
/// after a `✗`, in `role`.
pub fn error_lines(cx: &DrawCtx, e: &str, w: usize, role: Role) -> Vec<Line<'static>> {
    super::text::wrap(&format!("✗ {e}"), w)
        .into_iter()
        .map(|l| Line::styled(l, cx.theme.style(role)))
        .collect()
}

/// A form's box filled: its `lines` cut or padded to the height of `inner`, then the
/// keys of `contexts` on the last line.
pub fn render_form(
    cx: &DrawCtx,
    f: &mut Frame,
    inner: Rect,
    mut lines: Vec<Line>,
    contexts: &[Context],
) {
    let w = inner.width as usize;
    lines.truncate(inner.height.saturating_sub(1) as usize);
    footed(cx, f, inner, lines, hints(cx, contexts, w));
}

/// A box filled: its `lines` padded to the height of `inner` (never cut), then `hint`
/// on the last line.
pub fn footed(cx: &DrawCtx, f: &mut Frame, inner: Rect, mut lines: Vec<Line>, hint: String) {
    let room = inner.height.saturating_sub(1) as usize;
    while lines.len() < room {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(hint, cx.theme.style(Role::Key)));
    f.render_widget(ratatui::widgets::Paragraph::new(lines), inner);
}
