//! Every key in every context, generated from the keymap in force (user file included).
//! Typing filters it (by what a key does, by the key, by the screen); the bottom line
//! says how much more there is below.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Modal, Outcome, boxed};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::keys::{Context, Keymap};
use crate::tui::panes::pad;
use crate::tui::theme::Role;

/// One line of the help: a context heading or a binding.
#[derive(Clone)]
enum Item {
    Heading(&'static str),
    Binding(String, String),
    Blank,
}

pub struct Help {
    items: Vec<(Context, Item)>,
    filter: Input,
    /// The first line shown.
    top: usize,
    /// Problems with the user's keymap or theme: said at the top, where they stay.
    warnings: Vec<String>,
}

fn heading(c: Context) -> &'static str {
    match c {
        Context::Main => "Panes",
        Context::Projects => "Projects pane",
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
        Context::KeysView => "A target's keys (K in key rotations)",
        Context::Policy => "Forms (a secret's policy, a key rotation, an access key)",
        Context::Access => "Access keys",
        Context::Targets => "Targets and connections",
        Context::Gone => "When the vault's owner stopped",
    }
}

impl Help {
    pub fn new(keymap: &Keymap, warnings: &[String]) -> Help {
        let mut items = Vec::new();
        items.push((Context::Main, Item::Heading("Anywhere")));
        items.push((
            Context::Main,
            Item::Binding("F1".into(), "this help (? where keys are commands)".into()),
        ));
        items.push((Context::Main, Item::Blank));
        for c in Context::ALL {
            items.push((c, Item::Heading(heading(c))));
            // Several keys for one action share a line: "j ↓  down".
            let mut merged: Vec<(Vec<String>, String)> = Vec::new();
            for b in keymap.bindings(c) {
                match merged.iter_mut().find(|(_, d)| *d == b.desc) {
                    Some((keys, _)) => keys.push(b.key.label()),
                    None => merged.push((vec![b.key.label()], b.desc.clone())),
                }
            }
            for (keys, d) in merged {
                items.push((c, Item::Binding(keys.join(" "), d)));
            }
            items.push((c, Item::Blank));
        }
        Help {
            items,
            filter: Input::default(),
            top: 0,
            warnings: warnings.to_vec(),
        }
    }

    /// The lines the filter keeps: matching bindings under their heading.
    fn shown(&self) -> Vec<&Item> {
        let f = self.filter.value().to_lowercase();
        if f.is_empty() {
            return self.items.iter().map(|(_, i)| i).collect();
        }
        let mut out = Vec::new();
        let mut last: Option<Context> = None;
        for (c, it) in &self.items {
            let Item::Binding(k, d) = it else { continue };
            let hit = d.to_lowercase().contains(&f)
                || k.to_lowercase() == f
                || heading(*c).to_lowercase().contains(&f);
            if !hit {
                continue;
            }
            if last != Some(*c) {
                if last.is_some() {
                    out.push(&Item::Blank);
                }
                out.push(self.heading_item(*c));
                last = Some(*c);
            }
            out.push(it);
        }
        out
    }

    fn heading_item(&self, c: Context) -> &Item {
        self.items
            .iter()
            .find(|(x, i)| *x == c && matches!(i, Item::Heading(_)))
            .map(|(_, i)| i)
            .expect("every context has a heading")
    }
}

impl Modal for Help {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Prompt]
    }

    fn update(&mut self, a: Action) -> Outcome {
        match a {
            Action::Close => Outcome::Close,
            Action::Down | Action::NextField => {
                self.top += 1;
                Outcome::None
            }
            Action::Up | Action::PrevField => {
                self.top = self.top.saturating_sub(1);
                Outcome::None
            }
            Action::PageDown => {
                self.top += 10;
                Outcome::None
            }
            Action::PageUp => {
                self.top = self.top.saturating_sub(10);
                Outcome::None
            }
            _ => Outcome::None,
        }
    }

    /// Typing filters.
    fn key(&mut self, k: &KeyEvent) -> Outcome {
        let nav = super::typed_move(k);
        if let Some(a) = nav {
            return self.update(a);
        }
        if self
            .filter
            .handle_event(&crossterm::event::Event::Key(*k))
            .is_some_and(|c| c.value)
        {
            self.top = 0;
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let inner = boxed(cx, f, area, 72, 40, "Keys");
        let t = cx.theme;
        let w = inner.width as usize;
        let mut head: Vec<Line> = Vec::new();
        for warn in &self.warnings {
            for l in super::text::wrap(&format!("! {warn}"), w) {
                head.push(Line::styled(l, t.style(Role::Drifted)));
            }
        }
        head.push(Line::from(vec![
            Span::styled("filter: ", t.style(Role::Focused)),
            Span::raw(self.filter.value().to_string()),
        ]));
        let shown = self.shown();
        let room = (inner.height as usize).saturating_sub(head.len() + 1);
        let top = self.top.min(shown.len().saturating_sub(room));
        let mut lines = head;
        if shown.is_empty() {
            lines.push(Line::styled(
                "no key does that: change the filter",
                t.style(Role::Dim),
            ));
        }
        for it in shown.iter().skip(top).take(room) {
            lines.push(match it {
                Item::Heading(h) => Line::styled(*h, t.style(Role::Title)),
                Item::Binding(k, d) => Line::from(vec![
                    Span::styled(format!("  {}", pad(k, 16)), t.style(Role::Key)),
                    Span::raw(d.clone()),
                ]),
                Item::Blank => Line::raw(""),
            });
        }
        let below = shown.len().saturating_sub(top + room);
        let foot = if below > 0 {
            format!("↓ {below} more below · type to filter · ↑↓ PgUp PgDn scroll · esc close")
        } else {
            "type to filter · ↑↓ PgUp PgDn scroll · esc close".to_string()
        };
        super::footed(cx, f, inner, lines, crate::tui::panes::fit(&foot, w));
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        crate::tui::textarea::paste_into(&mut self.filter, text);
        self.top = 0;
    }
}
