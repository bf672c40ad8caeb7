//! Styles by role, never by meaning-by-colour alone: every status also has a glyph and a
//! word (see [`Status`]), so a monochrome SSH session or NO_COLOR loses nothing.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../../assets/theme.toml");
const LIGHT: &str = include_str!("../../assets/theme-light.toml");

/// A built-in theme's text, by name, for `keyward config print theme`.
pub fn builtin(name: &str) -> Option<&'static str> {
    match name {
        "dark" | "default" => Some(DEFAULTS),
        "light" => Some(LIGHT),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Header,
    Footer,
    Key,
    Border,
    Focused,
    Selected,
    Marked,
    Dim,
    Title,
    Masked,
    Message,
    Error,
    Synced,
    Pending,
    Failed,
    Drifted,
    Unhealthy,
}

const ROLES: &[(&str, Role)] = &[
    ("header", Role::Header),
    ("footer", Role::Footer),
    ("key", Role::Key),
    ("border", Role::Border),
    ("focused", Role::Focused),
    ("selected", Role::Selected),
    ("marked", Role::Marked),
    ("dim", Role::Dim),
    ("title", Role::Title),
    ("masked", Role::Masked),
    ("message", Role::Message),
    ("error", Role::Error),
    ("synced", Role::Synced),
    ("pending", Role::Pending),
    ("failed", Role::Failed),
    ("drifted", Role::Drifted),
    ("unhealthy", Role::Unhealthy),
];

#[derive(Deserialize, Default, Clone)]
struct RawStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    dim: bool,
}

#[derive(Deserialize, Default)]
struct RawTheme {
    monochrome: Option<bool>,
    /// The built-in theme under the user's roles: "dark" (the default) or "light".
    base: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, RawStyle>,
}

#[derive(Debug, Clone)]
pub struct Theme {
    styles: BTreeMap<Role, Style>,
    pub monochrome: bool,
}

impl Theme {
    /// Defaults, the user's theme.toml over them, then NO_COLOR. A broken user file is
    /// reported and ignored.
    pub fn load(user: Option<&str>, no_color: bool) -> (Theme, Option<String>) {
        Theme::load_based(
            user,
            no_color,
            std::env::var("KEYWARD_THEME").ok().as_deref(),
        )
    }

    /// As `load`, with the base theme asked for outside the file (KEYWARD_THEME).
    pub fn load_based(
        user: Option<&str>,
        no_color: bool,
        env_base: Option<&str>,
    ) -> (Theme, Option<String>) {
        let mut warning = None;
        let parsed = user.map(|text| {
            basic_toml::from_str::<RawTheme>(text)
                .map_err(|e| e.to_string())
                .and_then(|u| {
                    for k in u.roles.keys() {
                        if !ROLES.iter().any(|(n, _)| n == k) {
                            return Err(format!("unknown role {k:?}"));
                        }
                    }
                    if let Some(b) = u.base.as_deref().filter(|b| builtin(b).is_none()) {
                        return Err(format!("unknown base {b:?}: use \"dark\" or \"light\""));
                    }
                    Ok(u)
                })
        });
        let base = env_base
            .filter(|b| builtin(b).is_some())
            .or_else(|| {
                parsed
                    .as_ref()
                    .and_then(|p| p.as_ref().ok()?.base.as_deref())
            })
            .unwrap_or("dark");
        let mut raw: RawTheme = basic_toml::from_str(builtin(base).expect("checked above"))
            .expect("assets/theme*.toml are valid");
        if let Some(parsed) = parsed {
            match parsed {
                Ok(u) => {
                    raw.monochrome = u.monochrome.or(raw.monochrome);
                    raw.roles.extend(u.roles);
                }
                Err(e) => warning = Some(format!("theme.toml ignored: {e}")),
            }
        }
        let monochrome = no_color || raw.monochrome.unwrap_or(false);
        let mut styles = BTreeMap::new();
        for (name, role) in ROLES {
            let r = raw.roles.get(*name).cloned().unwrap_or_default();
            styles.insert(*role, to_style(&r, monochrome));
        }
        (Theme { styles, monochrome }, warning)
    }

    /// The built-in colour theme.
    pub fn colored() -> Theme {
        Theme::load(None, false).0
    }

    /// No colour at all: what NO_COLOR gives.
    pub fn mono() -> Theme {
        Theme::load(None, true).0
    }

    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }
}

fn to_style(r: &RawStyle, monochrome: bool) -> Style {
    let mut s = Style::default();
    if !monochrome {
        if let Some(c) = r.fg.as_deref().and_then(|c| Color::from_str(c).ok()) {
            s = s.fg(c);
        }
        if let Some(c) = r.bg.as_deref().and_then(|c| Color::from_str(c).ok()) {
            s = s.bg(c);
        }
    } else if r.bg.is_some() {
        // A coloured bar becomes a reversed one, so the header still stands out.
        s = s.add_modifier(Modifier::REVERSED);
    }
    if r.bold {
        s = s.add_modifier(Modifier::BOLD);
    }
    if r.reversed {
        s = s.add_modifier(Modifier::REVERSED);
    }
    if r.dim {
        s = s.add_modifier(Modifier::DIM);
    }
    s
}

/// The state of one mapped variable, as shown: glyph and word always, colour on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Synced,
    Failed,
    Drifted,
    Removing,
    Unhealthy,
}

impl Status {
    pub fn glyph(self) -> &'static str {
        match self {
            Status::Pending => "…",
            Status::Synced => "✓",
            Status::Failed => "✗",
            Status::Drifted => "≠",
            Status::Removing => "−",
            Status::Unhealthy => "!",
        }
    }
    pub fn word(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Synced => "synced",
            Status::Failed => "failed",
            Status::Drifted => "drifted",
            Status::Removing => "removing",
            Status::Unhealthy => "unhealthy",
        }
    }
    pub fn role(self) -> Role {
        match self {
            Status::Pending | Status::Removing => Role::Pending,
            Status::Synced => Role::Synced,
            Status::Failed => Role::Failed,
            Status::Drifted => Role::Drifted,
            Status::Unhealthy => Role::Unhealthy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_drops_every_colour_and_keeps_emphasis() {
        let t = Theme::mono();
        for (_, r) in ROLES {
            let s = t.style(*r);
            assert_eq!((s.fg, s.bg), (None, None), "{r:?}");
        }
        assert!(
            t.style(Role::Header)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
        assert!(Theme::colored().style(Role::Failed).fg.is_some());
    }

    #[test]
    fn a_user_theme_overrides_a_subset_and_rejects_unknown_roles() {
        let (t, w) = Theme::load(Some("[roles]\nsynced = { fg = \"blue\" }\n"), false);
        assert_eq!(w, None);
        assert_eq!(t.style(Role::Synced).fg, Some(Color::Blue));
        assert!(t.style(Role::Failed).fg.is_some());
        let (_, w) = Theme::load(Some("[roles]\nsparkly = { fg = \"blue\" }\n"), false);
        assert!(w.unwrap().contains("sparkly"));
    }

    #[test]
    fn the_light_base_and_defaults_that_read_on_any_background() {
        let (dark, _) = Theme::load_based(None, false, None);
        // Footer text and borders use the terminal's own colour, never grey 7 or 8.
        assert_eq!(dark.style(Role::Footer).fg, None);
        assert_eq!(dark.style(Role::Border).fg, None);
        let (light, w) = Theme::load_based(Some("base = \"light\"\n"), false, None);
        assert_eq!(w, None);
        assert_eq!(light.style(Role::Key).fg, Some(Color::Blue));
        let (env, _) = Theme::load_based(None, false, Some("light"));
        assert_eq!(env.style(Role::Key).fg, Some(Color::Blue));
        let (_, w) = Theme::load_based(Some("base = \"neon\"\n"), false, None);
        assert!(w.unwrap().contains("neon"));
    }
}
