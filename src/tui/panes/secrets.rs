//! The secrets pane: the live secrets of the selected project. Only the visible window of
//! rows is ever built, however many secrets the project holds.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use super::{Ago, frame, inner_height, push_right};
use crate::tui::app::Focus;
use crate::tui::data::Snapshot;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::list::ListState;
use crate::tui::theme::Role;
use crate::vault::{Listed, SecretId, Shape};

#[derive(Debug, Default)]
pub struct SecretsPane {
    pub list: ListState,
    /// The project the list was built for: the list indexes its run of secrets.
    project: Option<String>,
    current_id: Option<SecretId>,
    /// Marked for bulk work (space, select all); kept across projects and reloads,
    /// pruned of secrets that are gone.
    pub marked: std::collections::BTreeSet<SecretId>,
}

impl SecretsPane {
    /// Rebuilds the list for `project`, keeping the cursor on the same secret (by id,
    /// so a rename keeps it) when it is still there.
    pub fn refresh(&mut self, data: &Snapshot, project: Option<&str>) {
        let items = project.map(|p| data.secrets_of(p)).unwrap_or(&[]);
        let prev = if self.project.as_deref() == project {
            self.current_id
        } else {
            None
        };
        let keep_fn = |s: &Listed| Some(s.meta.id) == prev;
        self.list
            .refresh(items, |s| s.meta.name.clone(), Some(&keep_fn));
        self.project = project.map(str::to_string);
        self.current_id = self.list.current().map(|i| items[i].meta.id);
        let live: std::collections::HashSet<SecretId> =
            data.secrets.iter().map(|s| s.meta.id).collect();
        self.marked.retain(|id| live.contains(id));
    }

    /// Space: marks or unmarks the secret under the cursor, then moves down.
    pub fn toggle(&mut self, data: &Snapshot) {
        let Some(id) = self.current_id else { return };
        if !self.marked.remove(&id) {
            self.marked.insert(id);
        }
        self.list.down(1);
        self.moved(data);
    }

    /// Marks every secret the filter shows, or unmarks them all when they all were.
    pub fn toggle_all(&mut self, data: &Snapshot) {
        let items = self
            .project
            .as_deref()
            .map(|p| data.secrets_of(p))
            .unwrap_or(&[]);
        let shown: Vec<SecretId> = self
            .list
            .visible
            .iter()
            .map(|i| items[*i].meta.id)
            .collect();
        if shown.iter().all(|id| self.marked.contains(id)) {
            for id in shown {
                self.marked.remove(&id);
            }
        } else {
            self.marked.extend(shown);
        }
    }

    /// Call after moving the cursor, so the next refresh keeps it.
    pub fn moved(&mut self, data: &Snapshot) {
        let items = self
            .project
            .as_deref()
            .map(|p| data.secrets_of(p))
            .unwrap_or(&[]);
        self.current_id = self
            .list
            .current()
            .and_then(|i| items.get(i))
            .map(|s| s.meta.id);
    }

    pub fn current<'a>(&self, data: &'a Snapshot, project: Option<&str>) -> Option<&'a Listed> {
        let items = data.secrets_of(project?);
        self.list.current().and_then(|i| items.get(i))
    }

    /// The secrets of `project` (the one under the projects pane's cursor).
    pub fn draw(&self, cx: &DrawCtx, project: Option<&str>, f: &mut Frame, area: Rect) {
        let focused = cx.focus == Focus::Secrets;
        let items = project.map(|p| cx.data.secrets_of(p)).unwrap_or(&[]);
        let mut extra = format!("{}", items.len());
        if !self.marked.is_empty() {
            extra = format!("{extra} · {} selected", self.marked.len());
        }
        if !self.list.filter.is_empty() {
            extra = format!("{}/{} /{}", self.list.len(), items.len(), self.list.filter);
        }
        let title = match project {
            // Narrow: the project name alone leaves room for the counts.
            Some(p) if area.width < 60 && !self.marked.is_empty() => p.to_string(),
            Some(p) => format!("Secrets · {p}"),
            None => "Secrets".into(),
        };
        let inner = frame(cx, f, area, title, focused, Some(extra));
        let t = cx.theme;
        if self.list.is_empty() {
            // With no project yet, n makes one first (a secret needs a project).
            let msg = if cx.data.projects.is_empty() {
                "secrets live in a project: n creates the first one"
            } else if items.is_empty() {
                "no secrets here: n adds one"
            } else {
                "nothing matches the filter"
            };
            let p = Paragraph::new(ratatui::text::Text::styled(msg, t.style(Role::Dim)))
                .wrap(ratatui::widgets::Wrap { trim: true });
            f.render_widget(p, inner);
            return;
        }
        let w = inner.width as usize;
        let wide = w >= 60;
        let now = cx.now;
        let mut lines = Vec::new();
        for pos in self.list.window(inner_height(area)) {
            let s = &items[self.list.visible[pos]];
            let sel = pos == self.list.selected;
            // "{kind:>4} {ver:>4} {when:>9}", in one String.
            let mut tail = String::with_capacity(20);
            match &s.meta.shape {
                Shape::Simple => tail.push_str("    "),
                Shape::Structured { fields } => {
                    push_right(&mut tail, 4, format_args!("{{{}}}", fields.len()))
                }
            }
            tail.push(' ');
            push_right(&mut tail, 4, format_args!("v{}", s.meta.version));
            if wide {
                tail.push(' ');
                push_right(&mut tail, 9, format_args!("{}", Ago(now, s.meta.updated)));
            }
            let name_w = w.saturating_sub(super::width(&tail) + 3);
            let marked = self.marked.contains(&s.meta.id);
            let marker = match (sel, marked) {
                (true, true) => "▸●",
                (true, false) => "▸ ",
                (false, true) => " ●",
                (false, false) => "  ",
            };
            let style = if sel && focused {
                t.style(Role::Selected)
            } else if sel {
                t.style(Role::Title)
            } else if marked {
                t.style(Role::Marked)
            } else {
                Default::default()
            };
            lines.push(super::name_row(marker, &s.meta.name, name_w, tail, style));
        }
        super::draw_rows(f, inner, &lines);
    }
}
