//! The whole screen from `&App`: header, three panes, footer, then the modal stack.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::panes::fit;
use super::theme::Role;

pub fn draw(app: &App, f: &mut Frame) {
    let area = f.area();
    // The footer grows to hold the whole message, wrapped: none is only seen cut off.
    let msg = message_lines(app, area.width as usize);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1 + msg.len().max(1) as u16),
    ])
    .areas(area);
    draw_header(app, f, header);
    if app.open && app.ready {
        draw_body(app, f, body);
    } else if app.open {
        // A moment, on a large vault or a slow link: never an empty vault that is not.
        let t = &app.theme;
        f.render_widget(
            Paragraph::new(Line::styled(" reading the vault…", t.style(Role::Dim))),
            body,
        );
    }
    draw_footer(app, f, footer, msg);
    let cx = app.draw_ctx();
    for m in &app.modals {
        m.draw(&cx, f, body);
    }
}

fn draw_header(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    // Attached to another process's vault: say whose (its pid), first, where it shows.
    let who = match &app.owner {
        Some(o) => {
            // `keyward daemon` shows as "daemon"; a dashboard's own command is `keyward`.
            let who = o.command.strip_prefix("keyward ").unwrap_or("dashboard");
            format!(" keyward ⇄ {who} {}", o.pid)
        }
        None => " keyward".to_string(),
    };
    let right = if !app.open {
        "sealed ".to_string()
    } else if !app.ready {
        "… ".to_string()
    } else {
        let d = &app.data;
        // Narrow terminals drop the project count: the projects pane shows it.
        let projects = if area.width >= 100 {
            format!("{} projects · ", d.projects.len())
        } else {
            String::new()
        };
        let sync = if d.connections.is_empty() {
            "sync: not connected".to_string()
        } else {
            let t = d.totals;
            let mut s = format!(
                "✓{} synced · …{} pending · ✗{} failed",
                t.synced, t.pending, t.failed
            );
            if t.drifted > 0 {
                s.push_str(&format!(" · ≠{} drifted", t.drifted));
            }
            s.push_str(&format!(" · !{} unhealthy", d.unhealthy));
            if area.width >= 140 {
                // Each connection with the health of its targets: ✓ all healthy, ! not.
                for c in &d.connections {
                    let ill = d
                        .targets
                        .iter()
                        .any(|t| t.target.connection == c.name && t.target.health.unhealthy);
                    s.push_str(&format!(" · {} {}", c.name, if ill { "!" } else { "✓" }));
                }
            }
            s
        };
        let mut s = if area.width >= 140 || d.connections.is_empty() {
            format!(
                "{projects}{} secrets · {} in trash · {sync} ",
                d.secrets.len(),
                d.trashed
            )
        } else {
            format!("{sync} ")
        };
        if app.busy > 0 {
            s = format!("saving… · {s}");
        }
        s
    };
    let w = area.width as usize;
    let right = format!(" {}", fit(&right, w.saturating_sub(13)));
    let left_w = w.saturating_sub(super::panes::width(&right));
    // The vault's path cut in the middle keeps its file name; cut to "/t…" it says
    // nothing, so without room for a dozen columns of it there is none.
    let room = left_w.saturating_sub(super::panes::width(&who) + 3);
    let left = if room >= 12 {
        format!(
            "{who} · {}",
            super::panes::fit_middle(&app.vault_label, room)
        )
    } else {
        who
    };
    let text = format!("{}{right}", super::panes::pad(&left, left_w));
    let buf = f.buffer_mut();
    buf.set_style(area, t.style(Role::Header));
    super::panes::put_line(buf, area.x, area.y, &Line::raw(text), area.width);
}

fn draw_body(app: &App, f: &mut Frame, area: Rect) {
    let [p, s, m] = Layout::horizontal([
        Constraint::Percentage(22),
        Constraint::Percentage(42),
        Constraint::Percentage(36),
    ])
    .areas(area);
    let cx = app.draw_ctx();
    app.projects.draw(&cx, f, p);
    let project = app.projects.current(&app.data);
    app.secrets.draw(&cx, project, f, s);
    app.mappings.draw(&cx, app.selected_listed(), f, m);
}

/// The footer message, wrapped to the width (at most 6 lines; the log has all of it).
fn message_lines(app: &App, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(m) = app.message.as_ref().filter(|_| app.filtering.is_none()) else {
        return Vec::new();
    };
    if app.bulk_progress().is_some() {
        return Vec::new();
    }
    let (glyph, role) = if m.error {
        ("✗ ", Role::Error)
    } else {
        ("• ", Role::Message)
    };
    let mut lines = super::modals::text::wrap(&format!("{glyph}{}", m.text), w);
    if lines.len() > 6 {
        lines.truncate(5);
        lines.push("  … the rest is in the log (~/.local/state/keyward/keyward.log)".into());
    }
    lines
        .into_iter()
        .map(|l| Line::styled(l, t.style(role)))
        .collect()
}

fn draw_footer(app: &App, f: &mut Frame, area: Rect, msg: Vec<Line<'static>>) {
    let t = &app.theme;
    let w = area.width as usize;
    let rows = area.height.saturating_sub(1);
    let [msg_area, keys] =
        Layout::vertical([Constraint::Length(rows), Constraint::Length(1)]).areas(area);
    let first = Rect {
        height: 1,
        ..msg_area
    };
    if let Some(input) = &app.filtering {
        let line = Line::from(vec![
            Span::styled("/", t.style(Role::Focused)),
            Span::raw(input.value().to_string()),
            Span::styled("   enter keeps · esc clears", t.style(Role::Dim)),
        ]);
        f.render_widget(Paragraph::new(line), first);
        f.set_cursor_position((first.x + 1 + input.visual_cursor() as u16, first.y));
    } else if let Some((done, total)) = app.bulk_progress() {
        // The gauge of bulk work: text, so it reads the same in monochrome.
        let label = format!(" syncing {done}/{total} ");
        let bar_w = w.saturating_sub(label.len() + 2).min(40);
        let filled = (bar_w * done).checked_div(total).unwrap_or(0);
        let bar = format!("▕{}{}▏", "█".repeat(filled), "░".repeat(bar_w - filled));
        let line = Line::from(vec![
            Span::styled(label, t.style(Role::Pending)),
            Span::styled(bar, t.style(Role::Pending)),
        ]);
        f.render_widget(Paragraph::new(line), first);
    } else {
        f.render_widget(Paragraph::new(msg), msg_area);
    }
    // Hints for what the top of the screen takes, first key of each action, as many as
    // fit in keymap order; the way out and help always.
    let contexts = app.contexts();
    let items: Vec<(String, String)> = app
        .keymap
        .hints(&contexts)
        .into_iter()
        .filter(|(_, d)| !super::modals::is_navigation(d))
        .collect();
    let help = super::modals::help_hint(&app.draw_ctx(), &contexts);
    let mut spans = Vec::new();
    for (k, d) in super::modals::fit_hints(&items, &help, w.saturating_sub(2)) {
        spans.push(Span::styled(format!(" {k}"), t.style(Role::Key)));
        spans.push(Span::styled(format!(" {d} "), t.style(Role::Footer)));
    }
    super::panes::put_line(
        f.buffer_mut(),
        keys.x,
        keys.y,
        &Line::from(spans),
        keys.width,
    );
}
