//! The terminal is owned here and restored on every way out: normal quit and errors
//! (a Drop guard) and panics (a chained hook that restores before the message prints).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::{cursor, event, execute, terminal};

/// Raw mode and the alternate screen while alive.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        TAKEN.store(true, Ordering::SeqCst);
        let guard = TerminalGuard { _private: () };
        // Bracketed paste: a paste arrives as one event (newlines kept), not as a key
        // press per character that a long paste would queue for seconds.
        execute!(
            io::stdout(),
            terminal::EnterAlternateScreen,
            cursor::Hide,
            event::EnableBracketedPaste
        )?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Whether the terminal is in the dashboard's modes, so restoring happens once.
static TAKEN: AtomicBool = AtomicBool::new(false);

/// Leaves the alternate screen and raw mode, once: after a panic the hook restores, then
/// the guard's drop runs while unwinding, and a second "leave the alternate screen"
/// would move the cursor back to where the dashboard started, so the shell wrote over
/// the panic's message.
pub fn restore() {
    if !TAKEN.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    let _ = execute!(
        out,
        event::DisableBracketedPaste,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            tracing::error!("panic: {info}");
            previous(info);
        }));
    });
}
