//! The rotations screen: status and next due, the form, run now and revoke against the
//! emulator, and a rotation target's keys.

use crate::tui::runner::Tui;
use ratatui::backend::TestBackend;

use super::{H, app, on_staging, rotations_vault, snap_rotations, staging_secret_rotation};

#[test]
fn the_rotations_screen_lists_status_next_due_and_the_last_message() {
    let s = snap_rotations("rotations", &["K"]);
    assert!(s.contains("prod-secret"), "{s}");
    assert!(s.contains("failing"), "{s}");
    assert!(s.contains("HTTP 503"), "{s}");
    let s = snap_rotations("rotation_add", &["K", "a"]);
    assert!(s.contains("Add a key rotation"), "{s}");
    snap_rotations("rotation_edit", &["K", "e"]);
    snap_rotations("rotation_revoke", &["K", "X"]);
}

#[test]
fn rotations_toggle_auto_add_and_warn_about_supabase_names() {
    let dir = tempfile::tempdir().unwrap();
    let v = rotations_vault(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tui = {
        let _g = rt.enter();
        Tui::open_with(TestBackend::new(100, 30), app(), v, Default::default()).unwrap()
    };
    let mut t = H::ready(rt, tui, dir);
    let auto = |t: &H, n: &str| t.vault().read().unwrap().key_rotation(n).unwrap().auto;
    // The list is sorted by name: prod-backup first (manual).
    assert!(!auto(&t, "prod-backup"));
    t.keys(&["K", " "]);
    assert!(auto(&t, "prod-backup"));
    // Add one whose secret would sync as a SUPABASE_ name: the form warns.
    t.keys(&["a"]).typed("stage-pub");
    t.keys(&["tab"]).typed("prodrefabcdefghijklm");
    t.keys(&["tab", "tab", "tab", "tab", "tab"])
        .typed("billing-api/Supabase anon key");
    let s = t.screen();
    assert!(s.contains("would sync as SUPABASE_ANON_KEY"), "{s}");
    t.keys(&["ctrl-s"]);
    let r = t.vault().read().unwrap().key_rotation("stage-pub").unwrap();
    assert_eq!((r.every_days, r.at_minute, r.auto), (30, 180, true));
    assert!(t.screen().contains("stage-pub"));
}

#[test]
fn run_now_and_revoke_from_the_rotations_screen_reach_supabase() {
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    // The new key is checked against the project's own URL: the emulator's.
    let mut t = on_staging(&emu, 100, 30, |tx| {
        tx.add_key_rotation(staging_secret_rotation()).map(|_| ())
    });
    let gen_of = |t: &H| {
        t.vault()
            .read()
            .unwrap()
            .key_rotation("staging-secret")
            .unwrap()
            .state
            .generation
    };
    // enter opens the rotation; r asks before rotating, n leaves it alone.
    t.keys(&["K", "enter"]);
    assert!(t.screen().contains("Key rotation staging-secret"));
    assert_eq!(gen_of(&t), 0);
    t.keys(&["esc", "r"]);
    assert!(t.screen().contains("Rotate staging-secret now?"));
    t.keys(&["n"]);
    assert_eq!(gen_of(&t), 0);
    t.keys(&["r", "y"]);
    assert_eq!(gen_of(&t), 1, "{}", t.screen());
    let s = t.screen();
    assert!(s.contains("staging-secret: rotated to"), "{s}");
    let (_, v1) = t
        .vault()
        .read()
        .unwrap()
        .value("web-app", "Staging secret key", None)
        .unwrap();
    // Revoke: a reason is required, then a new key replaces the old one.
    t.keys(&["X", "enter"]);
    assert_eq!(gen_of(&t), 1);
    t.typed("leaked in a log").keys(&["enter"]);
    assert_eq!(gen_of(&t), 2, "{}", t.screen());
    let (_, v2) = t
        .vault()
        .read()
        .unwrap()
        .value("web-app", "Staging secret key", None)
        .unwrap();
    assert!(v1 != v2);
    emu.shutdown();
}

#[test]
fn the_rotations_screen_shows_every_key_of_a_rotations_target() {
    use crate::supabase::emulator::seed::DEMO_STAGING_REF;
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let mut t = on_staging(&emu, 120, 32, |tx| {
        tx.add_key_rotation(staging_secret_rotation()).map(|_| ())
    });
    // Rotate once (r asks first), then open the keys view of its target.
    t.keys(&["K", "r", "y"]);
    t.keys(&["K"]);
    let s = t.screen();
    assert!(s.contains(&format!("Keys of {DEMO_STAGING_REF}")), "{s}");
    assert!(s.contains("legacy keys: enabled"), "{s}");
    assert!(s.contains("JWT signing keys:"), "{s}");
    // The new key, with the privileges it was given and the rotation that owns it.
    let lines: Vec<&str> = s.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("keyward_staging_secret_1"))
        .unwrap_or_else(|| panic!("{s}"));
    let about = lines[at + 1];
    assert!(about.contains(r#"template {"role":"service_role"}"#), "{s}");
    assert!(
        about.contains("current key of rotation staging-secret"),
        "{s}"
    );
    // Never a key's value.
    assert!(!s.contains("sb_secret_"), "{s}");
    emu.shutdown();
}
