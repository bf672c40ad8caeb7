//! The dashboard (ratatui + crossterm): the only code that knows a terminal exists
//! (besides the CLI's prompts).
//!
//! - [`runner::Tui`] is the loop and the test seam (generic over the Backend).
//! - [`app::App`] is the view state: focus, three panes, a modal stack; `update(Action)`,
//!   `apply(Event)`. Writes go through the engine (`EngineHandle::apply_detached`), reads
//!   are vault snapshots reloaded on `Event::Changed`.
//! - keys.rs / theme.rs: keymap and theme as data (assets/ defaults, user files merged).

pub mod action;
pub mod app;
pub mod data;
pub mod keys;
pub mod list;
pub mod logging;
pub mod modals;
pub mod panes;
pub mod runner;
pub mod terminal;
pub mod theme;
pub mod view;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crossterm::event::EventStream;
use ratatui::backend::CrosstermBackend;

use crate::vault::{Clock, SealedVault, Vault};

/// How the dashboard starts: at the unseal prompt, or on a vault already open.
pub enum Start {
    Sealed(SealedVault),
    Open(Vault),
}

/// The user's config dir: keymap.toml and theme.toml live there.
pub fn config_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.config_dir().join("keyward"))
}

/// The app with the user's keymap and theme (warnings about broken files in the footer).
pub fn app(vault_label: String) -> app::App {
    let read = |f: &str| config_dir().and_then(|d| std::fs::read_to_string(d.join(f)).ok());
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (keymap, kw) = keys::Keymap::load(read("keymap.toml").as_deref());
    let (theme, tw) = theme::Theme::load(read("theme.toml").as_deref(), no_color);
    let mut a = app::App::new(keymap, theme, Clock::system(), vault_label);
    if let Some(w) = kw.or(tw) {
        a.fail(w);
    }
    a
}

/// Runs the dashboard on the real terminal until the user quits.
pub fn run(
    start: Start,
    vault_label: String,
    config: crate::engine::EngineConfig,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let _log = logging::init();
    tracing::info!("dashboard starting");
    let rt = tokio::runtime::Runtime::new()?;
    let result = rt.block_on(async move {
        let guard = terminal::TerminalGuard::enter()?;
        let backend = CrosstermBackend::new(std::io::stdout());
        let app = app(vault_label);
        let mut tui = match start {
            Start::Sealed(s) => runner::Tui::sealed(backend, app, s, config)?,
            Start::Open(v) => runner::Tui::open_with(backend, app, v, config)?,
        };
        let r = tui.run(EventStream::new()).await;
        drop(guard);
        r
    });
    tracing::info!("dashboard stopped");
    Ok(result?)
}
