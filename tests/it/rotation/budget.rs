//! Key rotations spend the same rate budget as sync: one client set per process. Under
//! a limit of one request per endpoint and project a window, rotations run through a
//! daemon wait for the window the API announced instead of meeting a 429.

use super::rig::Rig;
use crate::attach::{Owner, attached};
use crate::support::vault::ok;

#[test]
fn rotations_through_a_daemon_wait_for_the_rate_budget_instead_of_meeting_429() {
    let rig = Rig::new();
    for name in ["one", "two"] {
        ok(&rig.add_rotation(name, "secret", &[]));
    }
    let daemon = Owner::start(&rig.sb, &["daemon"], &rig.env());
    rig.emu.control().update_faults(|f| {
        f.rate_limit = 1;
        f.rate_window_secs = 2;
    });
    rig.emu.control().reset_rate_limits();
    rig.emu.control().set_recording(true);
    for name in ["one", "two"] {
        let out = ok(&attached(&rig.sb, &["rotation", "run", name], ""));
        assert!(out.contains("rotated"), "{out}");
    }
    let limited: Vec<String> = rig
        .emu
        .control()
        .recorded()
        .iter()
        .filter(|e| e.status == 429)
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    assert!(limited.is_empty(), "429s met: {limited:?}");
    // The limiter was in force: both runs listed the project's keys in one window.
    let lists = rig
        .emu
        .control()
        .recorded()
        .iter()
        .filter(|e| e.method == "GET" && e.path.ends_with("/api-keys"))
        .count();
    assert!(lists >= 2, "{lists} listing(s) of the keys");
    assert!(daemon.stop().success());
}
