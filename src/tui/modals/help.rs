//! Every key in every context, generated from the keymap in force (user file included).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Outcome, boxed, navigate};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keys::{Context, Keymap};
use crate::tui::list::ListState;
use crate::tui::theme::Role;

/// One line of the help: a context heading or a binding.
enum Item {
    Heading(&'static str),
    Binding(String, String),
    Blank,
}

pub struct Help {
    items: Vec<Item>,
    list: ListState,
}

fn heading(c: Context) -> &'static str {
    match c {
        Context::Main => "Panes",
        Context::List => "Any list",
        Context::History => "History",
        Context::Trash => "Trash",
        Context::Audit => "Audit log",
        Context::Editor => "Secret editor",
        Context::Pick => "Choosing targets",
        Context::Details => "Failure details",
        Context::Prompt => "Prompts and filters",
        Context::Confirm => "Confirmations",
        Context::Review => "Sync review that found names keyward did not create",
        Context::Adopt => "Names on Supabase keyward did not create",
        Context::Rotations => "Key rotations",
        Context::Policy => "Forms (a secret's policy, a key rotation, an access key)",
        Context::Access => "Access keys",
        Context::Gone => "When the vault's owner stopped",
    }
}

impl Help {
    pub fn new(keymap: &Keymap) -> Help {
        let mut items = Vec::new();
        for c in Context::ALL {
            items.push(Item::Heading(heading(c)));
            // Several keys for one action share a line: "j ↓  down".
            let mut merged: Vec<(Vec<String>, String)> = Vec::new();
            for b in keymap.bindings(c) {
                match merged.iter_mut().find(|(_, d)| *d == b.desc) {
                    Some((keys, _)) => keys.push(b.key.label()),
                    None => merged.push((vec![b.key.label()], b.desc.clone())),
                }
            }
            for (keys, d) in merged {
                items.push(Item::Binding(keys.join(" "), d));
            }
            items.push(Item::Blank);
        }
        let mut list = ListState::default();
        list.refresh(&items, |_| String::new(), None);
        Help { items, list }
    }

    pub fn update(&mut self, a: Action) -> Outcome {
        if navigate(&mut self.list, a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            _ => Outcome::None,
        }
    }

    pub fn draw(&self, app: &App, f: &mut Frame, area: Rect) {
        let inner = boxed(app, f, area, 64, 40, "Keys · esc closes");
        let t = &app.theme;
        // The help scrolls as a page: the cursor is the top line.
        let room = inner.height as usize;
        let start = self
            .list
            .selected
            .min(self.items.len().saturating_sub(room));
        let lines: Vec<Line> = self.items[start..]
            .iter()
            .take(room)
            .map(|it| match it {
                Item::Heading(h) => Line::styled(*h, t.style(Role::Title)),
                Item::Binding(k, d) => Line::from(vec![
                    Span::styled(format!("  {k:<16}"), t.style(Role::Key)),
                    Span::raw(d.clone()),
                ]),
                Item::Blank => Line::raw(""),
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
}
