//! The mappings pane: the targets of the selected secret and the state of each copy.
//! Until a Supabase connection exists it says so, and how to make one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::frame;
use crate::tui::app::{App, Focus};
use crate::tui::theme::Role;

#[derive(Debug, Default)]
pub struct MappingsPane;

impl MappingsPane {
    pub fn draw(&self, app: &App, f: &mut Frame, area: Rect) {
        let focused = app.focus == Focus::Mappings;
        let block = frame(app, "Mappings".into(), focused, None);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let t = &app.theme;
        let title = match app.selected_secret() {
            Some((_, n)) => format!("{n}: not synced anywhere."),
            None => "Select a secret to see where it is synced.".into(),
        };
        let lines = vec![
            Line::styled(title, t.style(Role::Title)),
            Line::raw(""),
            Line::styled(
                "No Supabase connection yet. Syncing to Edge Function secrets arrives with the sync engine.",
                t.style(Role::Dim),
            ),
        ];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    }
}
