//! Add a target: the projects every connection's token can see, listed from the API,
//! filterable by typing; enter adds the one under the cursor.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Modal, Outcome, boxed, navigate, row_style};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::list::ListState;
use crate::tui::panes::fit;
use crate::tui::theme::Role;

pub use crate::ops::Candidate;

pub struct AddTarget {
    items: Vec<Candidate>,
    errors: Vec<String>,
    list: ListState,
    filter: Input,
    pub saving: Option<u64>,
    error: Option<String>,
}

fn text_of(c: &Candidate) -> String {
    format!(
        "{} {} {} {}",
        c.name, c.project_ref, c.organization, c.connection
    )
}

impl AddTarget {
    pub fn new(items: Vec<Candidate>, errors: Vec<String>) -> AddTarget {
        let mut list = ListState::default();
        list.refresh(&items, text_of, None);
        AddTarget {
            items,
            errors,
            list,
            filter: Input::default(),
            saving: None,
            error: None,
        }
    }
}

impl Modal for AddTarget {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Prompt]
    }

    fn update(&mut self, a: Action) -> Outcome {
        if navigate(&mut self.list, a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            _ if self.saving.is_some() => Outcome::None,
            Action::Submit => {
                let Some(c) = self.list.current().map(|i| self.items[i].clone()) else {
                    return Outcome::None;
                };
                if c.added {
                    return Outcome::None;
                }
                let done = format!(
                    "added {} ({}) as a target: s syncs secrets to it",
                    c.name, c.project_ref
                );
                Outcome::Submit(Effect::Write {
                    changes: vec![crate::ops::Change::AddTarget {
                        project_ref: c.project_ref,
                        name: c.name,
                        organization: c.organization,
                        connection: c.connection,
                    }],
                    done,
                })
            }
            _ => Outcome::None,
        }
    }

    /// Typing filters the list.
    fn key(&mut self, k: &KeyEvent) -> Outcome {
        let nav = super::typed_move(k);
        if let Some(a) = nav {
            navigate(&mut self.list, a);
            return Outcome::None;
        }
        // A key that moves the filter's cursor keeps the selection where it is.
        if self
            .filter
            .handle_event(&crossterm::event::Event::Key(*k))
            .is_some_and(|c| c.value)
        {
            self.list
                .refilter(self.filter.value(), &self.items, text_of);
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let inner = boxed(cx, f, area, 100, 24, "Add a target");
        let t = cx.theme;
        let w = inner.width as usize;
        let notes: usize = self
            .errors
            .iter()
            .chain(&self.error)
            .map(|e| super::text::wrap(&format!("✗ {e}"), w).len())
            .sum();
        let room = (inner.height as usize).saturating_sub(3 + notes);
        let mut lines = vec![Line::from(vec![
            Span::styled("filter: ", t.style(Role::Focused)),
            Span::raw(self.filter.value().to_string()),
        ])];
        for e in self.errors.iter().chain(&self.error) {
            lines.extend(super::error_lines(cx, e, w, Role::Error));
        }
        if self.items.is_empty() {
            lines.push(Line::styled(
                "No projects visible to any connection.",
                t.style(Role::Dim),
            ));
        }
        for pos in self.list.window(room) {
            let c = &self.items[self.list.visible[pos]];
            let mark = if c.added { "✓ added " } else { "        " };
            let row = format!(
                "{mark}{:<24} {:<22} {:<16} via {}",
                c.name, c.project_ref, c.organization, c.connection
            );
            lines.push(Line::styled(
                fit(&row, w),
                row_style(cx, pos == self.list.selected),
            ));
        }
        super::footed(
            cx,
            f,
            inner,
            lines,
            "type to filter · enter adds · esc close".into(),
        );
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        crate::tui::textarea::paste_into(&mut self.filter, text);
        self.list
            .refilter(self.filter.value(), &self.items, text_of);
    }

    super::form_save!(refused);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn press(m: &mut AddTarget, code: KeyCode) {
        m.key(&KeyEvent::new(code, KeyModifiers::NONE));
    }

    /// Moving the filter's cursor is not a new filter: the selection stays put.
    #[test]
    fn a_cursor_key_in_the_filter_keeps_the_selection() {
        let items = ["alpha", "apex", "argon"]
            .map(|n| Candidate {
                connection: "c".into(),
                project_ref: format!("ref{n}"),
                name: n.into(),
                organization: "o".into(),
                added: false,
            })
            .to_vec();
        let mut m = AddTarget::new(items, Vec::new());
        press(&mut m, KeyCode::Char('a'));
        press(&mut m, KeyCode::Down);
        press(&mut m, KeyCode::Down);
        let chosen = m.list.selected;
        assert_eq!(chosen, 2);
        press(&mut m, KeyCode::Left);
        press(&mut m, KeyCode::Home);
        assert_eq!(m.list.selected, chosen);
        press(&mut m, KeyCode::Char('p'));
        assert_eq!(
            m.list.selected, 0,
            "a new filter starts from its first match"
        );
    }
}
