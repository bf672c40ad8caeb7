//! What the dashboard leaves on disk: its log is its user's only, and the demo's stays
//! with the demo.

use std::path::Path;

use crate::support::tmux::tmux_or_skip;
use crate::support::vault::{PASS, Sandbox, mode};
use crate::tui::e2e::start_env;

#[test]
fn the_log_is_0600_in_a_0700_dir() {
    if tmux_or_skip("the_log_is_0600_in_a_0700_dir").is_none() {
        return;
    }
    let sb = Sandbox::new();
    sb.create().write(keyward::cli::demo::seed).unwrap();
    let t = start_env(&sb, "", &[("KEYWARD_PASSPHRASE", Path::new(PASS))]);
    t.wait_for("web-app");
    t.keys(&["q"]);
    t.wait_for("end-of-report");
    let dir = sb.dir.path().join("home/state/keyward");
    assert_eq!(mode(&dir), 0o700);
    let log = dir.join("keyward.log");
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("dashboard starting")
    );
    assert_eq!(mode(&log), 0o600);
}

#[test]
fn the_demo_does_not_write_into_the_users_log() {
    if tmux_or_skip("the_demo_does_not_write_into_the_users_log").is_none() {
        return;
    }
    let sb = Sandbox::new();
    let t = start_env(&sb, "demo", &[]);
    t.wait_for("web-app");
    t.keys(&["q"]);
    let s = t.wait_for("end-of-report");
    assert!(s.contains("keyward exited 0"), "{s}");
    let state = sb.dir.path().join("home/state");
    assert!(
        !state.join("keyward").exists(),
        "the demo wrote into {}",
        state.display()
    );
}

/// An idle dashboard writes nothing to the terminal (over SSH every byte travels): a
/// redraw that changes no cell sends no colour reset and no cursor sequence.
#[test]
fn an_idle_dashboard_writes_nothing_to_the_terminal() {
    if tmux_or_skip("an_idle_dashboard_writes_nothing_to_the_terminal").is_none() {
        return;
    }
    let sb = Sandbox::new();
    sb.create().write(keyward::cli::demo::seed).unwrap();
    let t = start_env(&sb, "", &[("KEYWARD_PASSPHRASE", Path::new(PASS))]);
    t.wait_for("web-app");
    // Let the first loads and their redraws finish.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let before = t.screen();
    let bytes = sb.dir.path().join("terminal-bytes");
    std::fs::write(&bytes, b"").unwrap();
    t.pipe_to(&bytes);
    // Several of the dashboard's one-second ticks.
    std::thread::sleep(std::time::Duration::from_millis(3500));
    let after = t.screen();
    let written = std::fs::read(&bytes).unwrap();
    if before == after {
        assert!(
            written.is_empty(),
            "{} bytes written while nothing on screen changed: {:?}",
            written.len(),
            String::from_utf8_lossy(&written)
        );
    } else {
        // A shown relative time moved on: only that may be written, well under a row.
        assert!(written.len() < 200, "{} bytes: {after}", written.len());
    }
    t.keys(&["q"]);
    t.wait_for("end-of-report");
}

/// Moving the cursor one row rewrites the rows that changed, not the blank cells of the
/// details pane: a dim message used to style its whole area, so every blank cell under
/// it was written again on each move (1,901 bytes from Database to Resend API key at
/// 120x40; 373 since).
#[test]
fn a_cursor_move_writes_only_what_changed() {
    if tmux_or_skip("a_cursor_move_writes_only_what_changed").is_none() {
        return;
    }
    // The demo: Database is synced (three variables), Resend API key is not.
    let sb = Sandbox::new();
    let t = start_env(&sb, "demo", &[]);
    t.wait_for("✓4 synced");
    t.keys(&["Tab"]);
    t.wait_for("DATABASE_HOST");
    let bytes = sb.dir.path().join("terminal-bytes");
    std::fs::write(&bytes, b"").unwrap();
    t.pipe_to(&bytes);
    t.keys(&["Down"]);
    t.wait_for("Resend API key: not synced");
    // The screen is drawn once the key is handled; the pipe has it by the next poll.
    let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !String::from_utf8_lossy(&std::fs::read(&bytes).unwrap())
        .contains("Resend API key: not synced")
    {
        assert!(std::time::Instant::now() < end, "nothing was written");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let written = std::fs::read(&bytes).unwrap();
    assert!(
        written.len() < 600,
        "{} bytes for one row: {:?}",
        written.len(),
        String::from_utf8_lossy(&written)
    );
    t.keys(&["q"]);
    t.wait_for("end-of-report");
}
