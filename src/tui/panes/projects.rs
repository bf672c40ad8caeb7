//! The projects pane: vault projects with their secret counts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::{frame, inner_height};
use crate::tui::action::Action;
use crate::tui::app::Focus;
use crate::tui::data::Snapshot;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::keys::Context;
use crate::tui::list::ListState;
use crate::tui::theme::Role;

#[derive(Debug, Default)]
pub struct ProjectsPane {
    pub list: ListState,
}

impl ProjectsPane {
    pub fn refresh(&mut self, data: &Snapshot) {
        let keep = self.current(data).map(str::to_string);
        let keep_fn = |p: &(crate::vault::Project, usize)| Some(&p.0.name) == keep.as_ref();
        self.list
            .refresh(&data.projects, |p| p.0.name.clone(), Some(&keep_fn));
    }

    pub fn current<'a>(&self, data: &'a Snapshot) -> Option<&'a str> {
        self.list
            .current()
            .and_then(|i| data.projects.get(i))
            .map(|p| p.0.name.as_str())
    }

    pub fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let focused = cx.focus == Focus::Projects;
        let extra = (!self.list.filter.is_empty()).then(|| format!("/{}", self.list.filter));
        let inner = frame(cx, f, area, "Projects".into(), focused, extra);
        let t = cx.theme;
        if self.list.is_empty() {
            // The key that does it here, wrapped: the pane is 16 columns at 80x24.
            let msg = if cx.data.projects.is_empty() {
                let n = cx.keymap.key_for(&[Context::Projects], Action::Add);
                format!("no projects yet: {n} creates one")
            } else {
                "nothing matches the filter".into()
            };
            let p = Paragraph::new(ratatui::text::Text::styled(msg, t.style(Role::Dim)))
                .wrap(ratatui::widgets::Wrap { trim: true });
            f.render_widget(p, inner);
            return;
        }
        let w = inner.width as usize;
        let mut lines = Vec::new();
        for pos in self.list.window(inner_height(area)) {
            let (p, n) = &cx.data.projects[self.list.visible[pos]];
            let count = n.to_string();
            let name_w = w.saturating_sub(count.len() + 3);
            let sel = pos == self.list.selected;
            let marker = if sel { "▸ " } else { "  " };
            let style = if sel && focused {
                t.style(Role::Selected)
            } else if sel {
                t.style(Role::Title)
            } else {
                Default::default()
            };
            lines.push(super::name_row(marker, &p.name, name_w, count, style));
        }
        super::draw_rows(f, inner, &lines);
    }
}
