//! Sync states in the mappings pane, failure details, the sync review, connecting an
//! account, managing a target, and adopting a name keyward did not create.

use crate::tui::runner::Tui;
use ratatui::backend::TestBackend;

use super::{H, SIZES, app, snap_states, states, states_vault};

#[test]
fn mapping_states_synced_failed_drifted_pending_unhealthy() {
    let cases: [(&str, &[&str]); 5] = [
        ("synced", &["tab"]),
        ("failed", &["tab", "down"]),
        ("drifted", &["tab", "down", "down"]),
        ("pending", &["tab", "down", "down", "down"]),
        ("unhealthy", &["down", "tab", "down"]),
    ];
    for (w, h, size) in SIZES {
        for (state, keys) in cases {
            let mut t = states(w, h);
            t.keys(keys);
            let s = t.screen();
            // In the mappings pane, as "<glyph> <state> · <target>": the header names
            // every state whatever the panes show.
            let shown = s
                .lines()
                .skip(1)
                .any(|l| l.contains(&format!(" {state} · ")));
            assert!(shown, "{state} not shown in a mapping row:\n{s}");
            insta::assert_snapshot!(format!("state_{state}@{size}"), s);
        }
    }
}

#[test]
fn failure_details_show_the_error_and_offer_retry() {
    snap_states("details_failed", &["tab", "down", "tab", "enter"]);
    snap_states(
        "details_unhealthy",
        &["down", "tab", "down", "tab", "enter"],
    );
}

#[test]
fn sync_flow_review_says_when_names_on_supabase_could_not_be_checked() {
    // Offline (the connection points nowhere): the review says what it could not
    // check. Conflicts and the cap from a real listing: tests_review.rs.
    // Select the two Stripe secrets, sync: choose production, review.
    snap_states(
        "sync_pick",
        &["tab", "/", "s", "t", "r", "i", "p", "e", "enter", "A", "s"],
    );
    snap_states(
        "sync_review",
        &[
            "tab", "/", "s", "t", "r", "i", "p", "e", "enter", "A", "s", " ", "down", " ", "enter",
        ],
    );
}

#[test]
fn connect_validates_the_token_first_then_add_target_lists_projects() {
    use crate::supabase::emulator::seed::DEMO_TOKEN;
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let mut t = H::open(100, 30);
    t.keys(&["c"])
        .typed("acme")
        .keys(&["tab", "tab"])
        .typed(DEMO_TOKEN);
    let s = t.screen();
    assert!(!s.contains(DEMO_TOKEN), "the token shows:\n{s}");
    insta::assert_snapshot!("connect@100x30", s);
    // Point it at the emulator, with a wrong token first.
    t.keys(&["backtab"]);
    for _ in 0..40 {
        t.keys(&["backspace"]);
    }
    t.typed(emu.base_url()).keys(&["tab"]);
    t.typed("sbp_0000000000000000000000000000000000000000")
        .keys(&["enter"]);
    let s = t.screen();
    assert!(s.contains("token refused, nothing stored"), "{s}");
    assert!(t.vault().read().unwrap().connections().unwrap().is_empty());
    t.typed(DEMO_TOKEN).keys(&["enter"]);
    let s = t.screen();
    assert!(s.contains("connected acme: 2 project(s) visible"), "{s}");
    assert_eq!(t.vault().read().unwrap().connections().unwrap().len(), 1);

    t.keys(&["T", "a"]);
    insta::assert_snapshot!("add_target@100x30", t.screen());
    t.typed("staging").keys(&["enter"]);
    let targets = t.vault().read().unwrap().targets().unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].name, "demo-staging");
    emu.shutdown();
}

#[test]
fn manage_a_targets_secrets_across_projects() {
    snap_states("manage", &["M"]);
    snap_states(
        "manage_review",
        &[
            "M", " ", "/", "s", "e", "n", "t", "r", "y", "enter", " ", "enter",
        ],
    );
    // Through a running engine: add Sentry DSN, remove Database, in one go.
    let dir = tempfile::tempdir().unwrap();
    let v = states_vault(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tui = {
        let _g = rt.enter();
        Tui::open_with(TestBackend::new(100, 30), app(), v, Default::default()).unwrap()
    };
    let mut t = H::ready(rt, tui, dir);
    t.keys(&["M", " "])
        .keys(&["/"])
        .typed("sentry")
        .keys(&["enter", " ", "enter"]);
    assert!(t.screen().contains("− remove billing-api/Database"));
    t.keys(&["y"]);
    let v = t.vault();
    let r = v.read().unwrap();
    let on: Vec<String> = r
        .mappings_for_target("prodrefabcdefghijklm")
        .unwrap()
        .into_iter()
        .map(|m| m.secret)
        .collect();
    assert!(on.contains(&"web-app/Sentry DSN".to_string()), "{on:?}");
    assert!(!on.contains(&"billing-api/Database".to_string()), "{on:?}");
}

#[test]
fn a_name_on_supabase_keyward_did_not_create_is_written_only_when_adopted() {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let url = emu.base_url().to_string();
    let theirs = |e: &Emulator| {
        e.world(|w| {
            w.projects[DEMO_STAGING_REF].secrets["STRIPE_WEBHOOK_SECRET"]
                .value
                .clone()
        })
    };
    let mut t = H::with(80, 24, move |tx| {
        crate::cli::demo::seed(tx)?;
        tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
        tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")
            .map(|_| ())
    });
    t.keys(&["tab", "/"])
        .typed("webhook")
        .keys(&["enter", "s", "enter"]);
    let s = t.screen();
    assert!(
        s.contains("exists on Supabase, not keyward's 1: STRIPE_WEBHOOK_SECRET"),
        "{s}"
    );
    assert!(!s.contains("+ create"), "{s}");
    insta::assert_snapshot!("sync_review_unowned@80x24", s);
    // Enter leaves it out: nothing mapped, their value untouched.
    t.keys(&["enter"]);
    let mapped = |t: &H| {
        t.vault()
            .read()
            .unwrap()
            .mappings_for_target(DEMO_STAGING_REF)
            .unwrap()
            .len()
    };
    assert_eq!(mapped(&t), 0);
    assert_eq!(theirs(&emu), "whsec_demo_set_by_hand");
    // `a` adopts it: the vault's value replaces theirs.
    t.keys(&["s", "enter", "a"]);
    assert_eq!(mapped(&t), 1);
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while theirs(&emu) != "whsec_demo_5f1c0e" {
        assert!(std::time::Instant::now() < end, "never adopted");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    emu.shutdown();
}

#[test]
fn failure_details_of_a_name_keyward_did_not_create_offer_adopt() {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let url = emu.base_url().to_string();
    let theirs = |e: &Emulator| {
        e.world(|w| {
            w.projects[DEMO_STAGING_REF].secrets["STRIPE_WEBHOOK_SECRET"]
                .value
                .clone()
        })
    };
    // Mapped without a listing (as an older keyward would): the push is refused.
    let mut t = H::with(80, 24, move |tx| {
        crate::cli::demo::seed(tx)?;
        tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
        tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")?;
        tx.map(
            "billing-api",
            "Stripe webhook secret",
            DEMO_STAGING_REF,
            None,
            false,
            None,
        )
        .map(|_| ())
    });
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // Wait for the engine's refusal to reach the panes.
    while t.tui.app.data.totals.failed == 0 {
        assert!(std::time::Instant::now() < end, "the push never failed");
        std::thread::sleep(std::time::Duration::from_millis(50));
        let _g = t.rt.enter();
        t.rt.block_on(t.tui.settle());
    }
    t.keys(&["tab", "/"])
        .typed("webhook")
        .keys(&["enter", "tab", "enter"]);
    let s = t.screen();
    assert!(s.contains("a adopts it"), "{s}");
    assert!(!s.contains("--adopt"), "{s}");
    assert!(s.contains("a adopt the name on Supabase"), "{s}");
    assert_eq!(theirs(&emu), "whsec_demo_set_by_hand");
    t.keys(&["a"]);
    while theirs(&emu) != "whsec_demo_5f1c0e" {
        assert!(std::time::Instant::now() < end, "never adopted");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    emu.shutdown();
}
