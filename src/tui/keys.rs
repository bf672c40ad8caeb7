//! The keymap as data: defaults embedded from assets/keymap.toml, the user's keymap.toml
//! (XDG config dir) merged over them. Footer hints and the help screen are generated
//! from the same table, so a rebinding shows up everywhere at once.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;

/// The built-in keymap (`keyward config print keymap`).
pub const DEFAULTS: &str = include_str!("../../assets/keymap.toml");

/// Where a binding applies. `List` bindings apply in every list modal, after the
/// modal's own context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Context {
    Main,
    /// The projects pane, focused: its keys come before the main ones.
    Projects,
    List,
    History,
    Trash,
    Audit,
    Editor,
    Details,
    Pick,
    Prompt,
    Confirm,
    Review,
    Adopt,
    Rotations,
    /// A target's keys, opened from the rotations screen.
    KeysView,
    Policy,
    Access,
    /// The targets and connections screen.
    Targets,
    /// The notice that the vault's owner went away.
    Gone,
}

impl Context {
    pub const ALL: [Context; 19] = [
        Context::Main,
        Context::Projects,
        Context::List,
        Context::History,
        Context::Trash,
        Context::Audit,
        Context::Editor,
        Context::Details,
        Context::Pick,
        Context::Prompt,
        Context::Confirm,
        Context::Review,
        Context::Adopt,
        Context::Rotations,
        Context::KeysView,
        Context::Policy,
        Context::Access,
        Context::Targets,
        Context::Gone,
    ];

    fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Context::Main => "main",
            Context::Projects => "projects",
            Context::Targets => "targets",
            Context::List => "list",
            Context::History => "history",
            Context::Trash => "trash",
            Context::Audit => "audit",
            Context::Editor => "editor",
            Context::Pick => "pick",
            Context::Details => "details",
            Context::Prompt => "prompt",
            Context::Confirm => "confirm",
            Context::Review => "review",
            Context::Adopt => "adopt",
            Context::Rotations => "rotations",
            Context::KeysView => "keys_view",
            Context::Policy => "policy",
            Context::Access => "access",
            Context::Gone => "gone",
        }
    }
}

/// A key with its modifiers, as written in the keymap ("ctrl-s", "G", "pagedown").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeOrd,
    ctrl: bool,
    alt: bool,
}

/// KeyCode is not Ord; this is the subset a keymap can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(u8),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
];

impl Key {
    pub fn parse(s: &str) -> Option<Key> {
        let (mut ctrl, mut alt, mut rest) = (false, false, s);
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                (ctrl, rest) = (true, r);
            } else if let Some(r) = rest.strip_prefix("alt-") {
                (alt, rest) = (true, r);
            } else if let Some(r) = rest.strip_prefix("shift-") {
                rest = r;
                let mut cs = rest.chars();
                if let (Some(c), None) = (cs.next(), cs.clone().next()) {
                    return Some(Key {
                        code: KeyCodeOrd::Char(c.to_ascii_uppercase()),
                        ctrl,
                        alt,
                    });
                }
            } else {
                break;
            }
        }
        let code = if rest == "space" {
            KeyCodeOrd::Char(' ')
        } else if let Some(i) = NAMED.iter().position(|(n, _)| *n == rest) {
            KeyCodeOrd::Named(i as u8)
        } else if let Some(n) = rest.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            KeyCodeOrd::F(n)
        } else {
            let mut cs = rest.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) => KeyCodeOrd::Char(c),
                _ => return None,
            }
        };
        Some(Key { code, ctrl, alt })
    }

    pub fn from_event(k: &KeyEvent) -> Option<Key> {
        let code = match k.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            other => KeyCodeOrd::Named(NAMED.iter().position(|(_, c)| *c == other)? as u8),
        };
        Some(Key {
            code,
            ctrl: k.modifiers.contains(KeyModifiers::CONTROL),
            alt: k.modifiers.contains(KeyModifiers::ALT),
        })
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCodeOrd::Char(' ') => "space".to_string(),
            KeyCodeOrd::Char(c) => c.to_string(),
            KeyCodeOrd::F(n) => format!("F{n}"),
            KeyCodeOrd::Named(i) => match NAMED[i as usize].0 {
                "pagedown" => "PgDn".into(),
                "pageup" => "PgUp".into(),
                "backtab" => "S-Tab".into(),
                "down" => "↓".into(),
                "up" => "↑".into(),
                "left" => "←".into(),
                "right" => "→".into(),
                n => n.to_string(),
            },
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("^{base}"),
            (_, true) => format!("M-{base}"),
            _ => base,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
    pub desc: String,
}

#[derive(Deserialize)]
struct RawBinding {
    key: String,
    action: String,
    #[serde(default)]
    desc: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    by_context: BTreeMap<Context, Vec<Binding>>,
}

impl Keymap {
    /// The embedded defaults alone.
    pub fn defaults() -> Keymap {
        let mut k = Keymap {
            by_context: BTreeMap::new(),
        };
        k.merge(DEFAULTS)
            .expect("assets/keymap.toml is valid (checked by a test)");
        k
    }

    /// The defaults with the user's file (if any) merged over them. A broken user file
    /// is reported, and the defaults are used.
    pub fn load(user: Option<&str>) -> (Keymap, Option<String>) {
        let mut k = Keymap::defaults();
        let Some(text) = user else {
            return (k, None);
        };
        let before = k.clone();
        match k.merge(text) {
            Ok(()) => (k, None),
            Err(e) => (before, Some(format!("keymap.toml ignored: {e}"))),
        }
    }

    fn merge(&mut self, text: &str) -> Result<(), String> {
        let raw: BTreeMap<String, Vec<RawBinding>> =
            basic_toml::from_str(text).map_err(|e| e.to_string())?;
        for (ctx, list) in raw {
            let c = Context::parse(&ctx).ok_or_else(|| format!("unknown context [{ctx}]"))?;
            for b in list {
                let key = Key::parse(&b.key)
                    .ok_or_else(|| format!("unknown key {:?} in [{ctx}]", b.key))?;
                let action = Action::parse(&b.action)
                    .ok_or_else(|| format!("unknown action {:?} in [{ctx}]", b.action))?;
                let desc = b.desc.unwrap_or_else(|| action.name().replace('_', " "));
                let v = self.by_context.entry(c).or_default();
                v.retain(|x| x.key != key);
                if action != Action::None {
                    v.push(Binding { key, action, desc });
                }
            }
        }
        Ok(())
    }

    /// The action bound to `key` in the first of `contexts` that binds it.
    pub fn action(&self, contexts: &[Context], key: &KeyEvent) -> Option<Action> {
        let k = Key::from_event(key)?;
        contexts.iter().find_map(|c| {
            self.by_context
                .get(c)?
                .iter()
                .find(|b| b.key == k)
                .map(|b| b.action)
        })
    }

    pub fn bindings(&self, c: Context) -> &[Binding] {
        self.by_context.get(&c).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first key bound to `action` in these contexts, as shown ("a"), for text that
    /// names the key.
    pub fn key_for(&self, contexts: &[Context], action: Action) -> String {
        contexts
            .iter()
            .find_map(|c| self.bindings(*c).iter().find(|b| b.action == action))
            .map(|b| b.key.label())
            .unwrap_or_else(|| "(unbound)".into())
    }

    /// One hint per action in these contexts ("q quit"), first key of each, in order.
    pub fn hints(&self, contexts: &[Context]) -> Vec<(String, String)> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for c in contexts {
            for b in self.bindings(*c) {
                if !seen.contains(&b.action) {
                    seen.push(b.action);
                    out.push((b.key.label(), b.desc.clone()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn defaults_parse_and_bind_the_basics() {
        let k = Keymap::defaults();
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(k.action(&[Context::Main], &q), Some(Action::Quit));
        let s = press(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(k.action(&[Context::Editor], &s), Some(Action::Save));
        let g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(k.action(&[Context::Main], &g), Some(Action::Bottom));
    }

    #[test]
    fn a_user_file_rebinds_and_unbinds() {
        let user = r#"
[[main]]
key = "x"
action = "quit"
desc = "leave"

[[main]]
key = "q"
action = "none"
"#;
        let (k, err) = Keymap::load(Some(user));
        assert_eq!(err, None);
        let x = press(KeyCode::Char('x'), KeyModifiers::NONE);
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(k.action(&[Context::Main], &x), Some(Action::Quit));
        assert_eq!(k.action(&[Context::Main], &q), None);
    }

    #[test]
    fn a_broken_user_file_keeps_the_defaults_and_says_why() {
        let (k, err) = Keymap::load(Some("[[main]]\nkey = \"hyper-q\"\naction = \"quit\"\n"));
        assert!(err.unwrap().contains("hyper-q"));
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(k.action(&[Context::Main], &q), Some(Action::Quit));
    }
}
