//! The dashboard (ratatui + crossterm): the only code that knows a terminal exists
//! (besides the CLI's prompts).
//!
//! - [`runner::Tui`] is the loop and the test seam (generic over the Backend);
//!   `effects/` carries out the work the app asks for ([`effects::Effect`]).
//! - [`app::App`] (app/) is the view state: focus, three panes, a modal stack;
//!   `update(Action)`, `apply(Event)`. Reads and changes are requests to the vault's
//!   owner (`ops`), made through a `front::Front`: this process when the dashboard owns
//!   the vault, or the daemon (or another dashboard) it attached to; the owner's events
//!   mark it stale.
//! - modals/: each modal implements [`modals::Modal`]; panes/ the three panes. Both
//!   draw from a [`draw_ctx::DrawCtx`], never from the whole app.
//! - keys.rs / theme.rs: keymap and theme as data (assets/ defaults, user files merged).

pub mod action;
pub mod app;
pub mod data;
pub mod draw_ctx;
pub mod effects;
pub mod keys;
mod lean;
pub mod list;
pub mod logging;
pub mod modals;
pub mod panes;
mod quiet;
pub mod runner;
pub mod terminal;
pub mod textarea;
pub mod theme;
pub mod view;
pub mod words;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crossterm::event::EventStream;

use crate::vault::{Clock, SealedVault, Vault};

/// How the dashboard starts: owning the vault (at the unseal prompt, or already open),
/// or attached to the process that owns it.
pub enum Start {
    Sealed(SealedVault),
    Open(Vault),
    Attached(crate::front::Attached),
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
    // Said on the unseal screen, again once unsealed, at the top of help, and logged.
    a.warnings = kw.into_iter().chain(tw).collect();
    for w in &a.warnings {
        tracing::warn!("{w}");
    }
    if let Some(w) = a.warnings.first() {
        a.fail(w.clone());
    }
    a
}

/// Refuses a terminal that cannot show the dashboard (`TERM=dumb`, as in an editor's
/// shell buffer), with what to do instead.
pub fn check_terminal() -> Result<(), String> {
    match std::env::var("TERM") {
        Ok(t) if t == "dumb" => Err(
            "this terminal (TERM=dumb) cannot show the dashboard: run keyward in a full terminal, or use the commands in `keyward --help`"
                .into(),
        ),
        _ => Ok(()),
    }
}

/// Runs the dashboard on the real terminal until the user quits, on `rt` (an attached
/// start's connection lives on it), logging into `log_dir` (none: no log).
pub fn run(
    rt: tokio::runtime::Runtime,
    start: Start,
    vault_label: String,
    config: crate::engine::EngineConfig,
    log_dir: Option<PathBuf>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let _log = log_dir.as_deref().and_then(logging::init);
    tracing::info!("dashboard starting");
    let result = rt.block_on(async move {
        // Owning the vault: other commands and dashboards attach here while it runs.
        let (front, listening) = match start {
            Start::Attached(a) => (crate::front::Front::Attached(std::sync::Arc::new(a)), None),
            Start::Sealed(s) => {
                let host = crate::owner::Host::sealed(s, config.clone());
                let l = crate::owner::listen(host.clone()).await;
                (crate::front::Front::Local(host), l.ok())
            }
            Start::Open(v) => {
                let host = crate::owner::Host::resident(v, config.clone());
                let l = crate::owner::listen(host.clone()).await;
                (crate::front::Front::Local(host), l.ok())
            }
        };
        let guard = terminal::TerminalGuard::enter()?;
        let backend = quiet::Quiet::new(lean::Lean::new(std::io::stdout()));
        let app = app(vault_label);
        let mut tui = runner::Tui::with_front(backend, app, front, config)?;
        tui.clipboard = true;
        if let Some(l) = listening {
            tui.listening(l);
        }
        let r = tui.run(EventStream::new()).await;
        drop(guard);
        r
    });
    tracing::info!("dashboard stopped");
    Ok(result?)
}
