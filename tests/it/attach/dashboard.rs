//! Dashboards attached to a running daemon, in real terminals: they see a change made
//! from another shell go pending then synced, see each other's edits, and say so in one
//! line when the daemon dies (then the vault can be opened right there).

use std::path::Path;
use std::time::Duration;

use keyward::vault::{Cause, SecretValue};

use super::{Owner, attached};
use crate::support::emulator::{self as emus, ORG, REF_A, TOKEN};
use crate::support::tmux::{Tmux, tmux_or_skip};
use crate::support::vault::{PASS, Sandbox, ok};

/// A vault with `app/one` mapped to REF_A of `emu`, pushed, and a daemon owning it.
fn owned(emu: &keyward::supabase::emulator::Emulator) -> (Sandbox, Owner, String) {
    let sb = Sandbox::new();
    let v = sb.create();
    v.write(|tx| {
        tx.add_project("app")?;
        tx.set_value("app", "one", &SecretValue::simple("v1"), Cause::Edit)?;
        tx.add_connection("main", emu.base_url(), None, TOKEN)?;
        tx.add_target(REF_A, "alpha", ORG, "main")?;
        tx.map("app", "one", REF_A, None, false, None).map(drop)
    })
    .unwrap();
    drop(v);
    let template = emu.project_url_template();
    ok(&sb.kw_env(
        &["sync", "--wait"],
        "",
        &[
            ("KEYWARD_PASSPHRASE", PASS),
            ("KEYWARD_PROJECT_URL_TEMPLATE", &template),
        ],
    ));
    let daemon = Owner::start(
        &sb,
        &["daemon"],
        &[
            ("KEYWARD_PASSPHRASE", PASS),
            ("KEYWARD_PROJECT_URL_TEMPLATE", &template),
        ],
    );
    (sb, daemon, template)
}

/// `keyward` in tmux with no passphrase: it can only attach.
fn dashboard(sb: &Sandbox) -> Tmux {
    let t = crate::tui::e2e::start_env(sb, "", &[("KEYWARD_LOG", Path::new("info"))]);
    t.wait_for("⇄ daemon");
    t
}

#[test]
fn an_attached_dashboard_sees_a_change_from_another_shell_go_pending_then_synced() {
    if tmux_or_skip("an_attached_dashboard_sees_a_change_from_another_shell").is_none() {
        return;
    }
    let emu = emus::start();
    let (sb, daemon, _) = owned(&emu);
    let t = dashboard(&sb);
    t.wait_for("ONE v1");
    // Supabase is slow now: the push takes a while, long enough to see it pending.
    emu.control().set_latency(Duration::from_millis(1500));
    let sb2 = Sandbox {
        dir: tempfile::tempdir().unwrap(),
        path: sb.path.clone(),
    };
    let set = std::thread::spawn(move || attached(&sb2, &["secret", "set", "app/one"], "v2\n"));
    t.wait_for("pending");
    let s = t.wait_for("ONE v2");
    assert!(s.contains("synced"), "{s}");
    let out = set.join().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("pushed to 1 target(s)"));
    daemon.wait_log(&format!("{REF_A}: pushed 1, deleted 0"));
}

#[test]
fn two_attached_dashboards_see_each_others_edits() {
    if tmux_or_skip("two_attached_dashboards_see_each_others_edits").is_none() {
        return;
    }
    let emu = emus::start();
    let (sb, _daemon, _) = owned(&emu);
    let a = dashboard(&sb);
    let b = dashboard(&sb);
    b.wait_for("Secrets · app 1 ");
    // A makes a secret...
    a.keys(&["Tab", "n"]);
    a.wait_for("New secret in app");
    a.text("two");
    a.keys(&["Tab", "Tab"]);
    a.text("second value");
    a.keys(&["C-s"]);
    a.wait_for("created app/two");
    // ...B sees it at once, and trashes it...
    let s = b.wait_for("Secrets · app 2 ");
    assert!(s.contains("two"), "{s}");
    assert!(
        !s.contains("second value"),
        "a value reached the screen:\n{s}"
    );
    b.keys(&["Tab", "Down", "d"]);
    b.wait_for("to the trash?");
    b.keys(&["y"]);
    b.wait_for("moved app/two to the trash");
    // ...and A sees that.
    a.wait_for("Secrets · app 1 ");
}

#[test]
fn the_daemon_dying_under_a_dashboard_is_one_line_and_loses_no_input() {
    if tmux_or_skip("the_daemon_dying_under_a_dashboard").is_none() {
        return;
    }
    let emu = emus::start();
    let (sb, mut daemon, _) = owned(&emu);
    let t = dashboard(&sb);
    // Typing into a form when the owner dies.
    t.keys(&["Tab", "n"]);
    t.wait_for("New secret in app");
    t.text("half ");
    daemon.child.kill().unwrap();
    let _ = daemon.child.wait();
    t.text("typed");
    // One line says so; the form keeps every key typed (none is taken by a notice).
    let s = t.wait_for("stopped: saving offers to reopen the vault");
    assert!(s.contains("keyward daemon (pid"), "{s}");
    t.wait_for("half typed");
    // Saving cannot reach the vault: the notice offers the way on, the form stays.
    t.keys(&["C-s"]);
    let s = t.wait_for("has stopped");
    assert!(s.contains("r open the vault here"), "{s}");
    t.keys(&["Escape"]);
    let end = std::time::Instant::now() + Duration::from_secs(20);
    while t.screen().contains("has stopped") {
        assert!(
            std::time::Instant::now() < end,
            "the notice stays:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    t.wait_for("half typed");
    // The notice's q quits, cleanly.
    t.keys(&["C-s"]);
    t.wait_for("has stopped");
    t.keys(&["q"]);
    t.wait_for("keyward exited 0");
}

#[test]
fn reopen_after_the_owner_died_makes_this_dashboard_the_owner() {
    if tmux_or_skip("reopen_after_the_owner_died").is_none() {
        return;
    }
    let emu = emus::start();
    let (sb, mut daemon, _) = owned(&emu);
    let t = dashboard(&sb);
    daemon.child.kill().unwrap();
    let _ = daemon.child.wait();
    t.wait_for("has stopped");
    t.keys(&["r"]);
    t.wait_for("Unseal the vault");
    t.text(PASS);
    t.keys(&["Enter"]);
    let s = t.wait_for("ONE v1");
    assert!(!s.contains("⇄"), "still shown as attached:\n{s}");
    let status = ok(&attached(&sb, &["secret", "list"], ""));
    assert!(status.contains("app/one"), "{status}");
}
