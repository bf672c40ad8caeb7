//! Find a secret in every project: type to narrow `project/name`, enter shows it in
//! the panes (the projects pane moves to its project).

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Modal, Outcome, boxed, navigate, row_style};
use crate::tui::action::Action;
use crate::tui::data::Snapshot;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::keys::Context;
use crate::tui::list::ListState;
use crate::tui::panes::fit_middle;
use crate::tui::theme::Role;

pub struct Find {
    /// (project, name) of every live secret.
    items: Vec<(String, String)>,
    list: ListState,
    filter: Input,
}

fn text((p, n): &(String, String)) -> String {
    format!("{p}/{n}")
}

impl Find {
    pub fn new(data: &Snapshot) -> Find {
        let items: Vec<(String, String)> = data
            .secrets
            .iter()
            .map(|s| (s.project.clone(), s.meta.name.clone()))
            .collect();
        let mut list = ListState::default();
        list.refresh(&items, text, None);
        Find {
            items,
            list,
            filter: Input::default(),
        }
    }

    fn refilter(&mut self) {
        self.list.refilter(self.filter.value(), &self.items, text);
    }
}

impl Modal for Find {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Prompt]
    }

    fn update(&mut self, a: Action) -> Outcome {
        if navigate(&mut self.list, a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            Action::Submit => match self.list.current() {
                Some(i) => {
                    let (p, n) = self.items[i].clone();
                    Outcome::Select(p, n)
                }
                None => Outcome::Say("nothing matches: change the search".into()),
            },
            _ => Outcome::None,
        }
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        let nav = super::typed_move(k);
        if let Some(a) = nav {
            navigate(&mut self.list, a);
        } else if self
            .filter
            .handle_event(&crossterm::event::Event::Key(*k))
            .is_some_and(|c| c.value)
        {
            self.refilter();
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let title = format!("Find a secret · {} in every project", self.items.len());
        let inner = boxed(cx, f, area, 80, 24, &title);
        let t = cx.theme;
        let w = inner.width as usize;
        let room = (inner.height as usize).saturating_sub(3);
        let mut lines = vec![Line::from(vec![
            Span::styled("find: ", t.style(Role::Focused)),
            Span::raw(self.filter.value().to_string()),
        ])];
        if self.list.is_empty() {
            lines.push(Line::styled("nothing matches", t.style(Role::Dim)));
        }
        for pos in self.list.window(room) {
            let it = &self.items[self.list.visible[pos]];
            lines.push(Line::styled(
                fit_middle(&text(it), w),
                row_style(cx, pos == self.list.selected),
            ));
        }
        let hint = super::hints(cx, &[Context::Prompt], w);
        super::footed(cx, f, inner, lines, format!("type to search · {hint}"));
        f.set_cursor_position((inner.x + 6 + self.filter.visual_cursor() as u16, inner.y));
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        crate::tui::textarea::paste_into(&mut self.filter, text);
        self.refilter();
    }
}
