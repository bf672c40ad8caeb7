//! Bulk sync from the keyboard, against the emulator: select three secrets, sync them to
//! a target, watch them turn synced; edit one and see the push; trash one and see its
//! variable removed from Supabase.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::emulator::{self as emu, REF_A, TOKEN};
use crate::support::tmux::tmux_or_skip;
use crate::support::vault::{PASS, Sandbox};

fn remote(e: &keyward::supabase::emulator::Emulator) -> std::collections::BTreeMap<String, String> {
    e.world(|w| {
        w.projects[REF_A]
            .secrets
            .iter()
            .filter(|(k, _)| !k.starts_with("SUPABASE_"))
            .map(|(k, s)| (k.clone(), s.value.clone()))
            .collect()
    })
}

#[track_caller]
fn until(what: &str, f: impl Fn() -> bool) {
    let end = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The demo's secrets in a fresh vault, connected to `e` with REF_A as target `alpha`.
fn demo_on(e: &keyward::supabase::emulator::Emulator) -> Sandbox {
    let sb = Sandbox::new();
    let v = sb.create();
    v.write(keyward::cli::demo::seed).unwrap();
    v.write(|tx| {
        tx.add_connection("acme", e.base_url(), None, TOKEN)?;
        tx.add_target(REF_A, "alpha", emu::ORG, "acme").map(|_| ())
    })
    .unwrap();
    sb
}

#[test]
fn bulk_select_sync_edit_and_trash_reach_supabase() {
    if tmux_or_skip("bulk_select_sync_edit_and_trash_reach_supabase").is_none() {
        return;
    }
    let e = emu::start();
    let sb = demo_on(&e);
    let pass_file = sb.dir.path().join("pass");
    std::fs::write(&pass_file, PASS).unwrap();
    let template = e.project_url_template();
    let t = super::e2e::start_env(
        &sb,
        &format!("--passphrase-file '{}'", pass_file.display()),
        &[("KEYWARD_PROJECT_URL_TEMPLATE", Path::new(&template))],
    );
    t.wait_for("✓0 synced");

    // Database (3 fields), Resend API key, Stripe secret key.
    t.keys(&["Tab", "Space", "Space", "Space"]);
    t.wait_for("3 selected");
    t.keys(&["s"]);
    t.wait_for("Choose targets");
    t.keys(&["Enter"]);
    // The review asks Supabase for the names there first; `y` counts once it has.
    let s = t.wait_for("name(s) on Supabase");
    assert!(s.contains("create 5"), "{s}");
    t.keys(&["y"]);
    t.wait_for("✓5 synced");
    let r = remote(&e);
    assert_eq!(
        r.get("STRIPE_SECRET_KEY").map(String::as_str),
        Some("sk_test_demo_rotated_51H8")
    );
    assert_eq!(
        r.get("DATABASE_HOST").map(String::as_str),
        Some("db.demo.internal")
    );
    assert_eq!(r.len(), 6, "{r:?}"); // and the seed's hand-set variable

    // Up to Stripe secret key, edit its value: the new version is pushed.
    t.keys(&["k", "Enter"]);
    t.wait_for("Edit billing-api/Stripe secret key");
    for _ in 0..30 {
        t.keys(&["BSpace"]);
    }
    t.text("sk_edited_in_tui");
    t.keys(&["C-s"]);
    until("the edited value on Supabase", || {
        remote(&e).get("STRIPE_SECRET_KEY").map(String::as_str) == Some("sk_edited_in_tui")
    });
    t.wait_for("v3");

    // Trash it: its variable leaves Supabase.
    t.keys(&["d"]);
    t.wait_for("to the trash?");
    t.keys(&["y"]);
    until("STRIPE_SECRET_KEY deleted on Supabase", || {
        !remote(&e).contains_key("STRIPE_SECRET_KEY")
    });
    t.wait_for("✓4 synced");
    t.keys(&["q"]);
    let s = t.wait_for("end-of-report");
    assert!(s.contains("keyward exited 0"), "{s}");
}

/// With the most verbose log there is, a typed passphrase, a sync of three secrets to
/// Supabase and its token in use: the log holds none of them.
#[test]
fn a_trace_log_holds_no_value_passphrase_or_token() {
    if tmux_or_skip("a_trace_log_holds_no_value_passphrase_or_token").is_none() {
        return;
    }
    let e = emu::start();
    let sb = demo_on(&e);
    let template = e.project_url_template();
    let t = super::e2e::start_env(
        &sb,
        "",
        &[
            ("KEYWARD_PROJECT_URL_TEMPLATE", Path::new(&template)),
            ("KEYWARD_LOG", Path::new("trace")),
        ],
    );
    t.wait_for("Unseal the vault");
    t.text(PASS);
    t.keys(&["Enter"]);
    t.wait_for("✓0 synced");
    t.keys(&["Tab", "Space", "Space", "Space"]);
    t.wait_for("3 selected");
    t.keys(&["s"]);
    t.wait_for("Choose targets");
    t.keys(&["Enter"]);
    t.wait_for("name(s) on Supabase");
    t.keys(&["y"]);
    t.wait_for("✓5 synced");
    until("the values on Supabase", || {
        remote(&e).get("STRIPE_SECRET_KEY").map(String::as_str) == Some("sk_test_demo_rotated_51H8")
    });
    t.keys(&["q"]);
    t.wait_for("end-of-report");
    drop(t);
    let log = std::fs::read_to_string(sb.dir.path().join("home/state/keyward/keyward.log"))
        .unwrap_or_default();
    // The level was really trace: the client's per-request lines are there.
    assert!(log.contains("management api"), "not a trace log:\n{log}");
    for secret in [
        PASS,
        TOKEN,
        "sk_test_demo_rotated_51H8",
        "re_demo_9b2f7c41",
        "demo-db-password",
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log");
    }
}
