//! A fixture for tests/it/tui/e2e.rs, not a tool: takes the terminal the way the
//! dashboard does (`keyward::tui::terminal::TerminalGuard`: raw mode, the alternate
//! screen, the panic hook), then leaves by the way its argument names: `panic` (a bug)
//! or `error` (an error returned from main). The test checks in a real terminal that
//! either way leaves it restored, with the message readable on the normal screen.

use std::time::Duration;

fn main() -> Result<(), String> {
    let how = std::env::args().nth(1).unwrap_or_default();
    let _terminal =
        keyward::tui::terminal::TerminalGuard::enter().map_err(|e| format!("no terminal: {e}"))?;
    println!("in the alternate screen");
    std::thread::sleep(Duration::from_millis(1000));
    match how.as_str() {
        "panic" => panic!("a bug in the dashboard"),
        _ => Err("the dashboard failed: an error".into()),
    }
}
