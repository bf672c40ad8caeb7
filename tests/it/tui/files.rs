//! What the dashboard leaves on disk: its log is its user's only, and the demo's stays
//! with the demo.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::tmux::tmux_or_skip;
use crate::support::vault::{PASS, Sandbox};
use crate::tui::e2e::start_env;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

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
