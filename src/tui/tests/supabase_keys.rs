//! Supabase keys from the dashboard (issue 13): both rotation kinds in one list, a
//! signing key rotation added and run from a target's keys view, and the legacy keys
//! turned off after their plan and on again. Against the emulator; same harness as
//! tests/mod.rs.

use super::{H, snap_rotations};
use crate::supabase::emulator::seed::DEMO_STAGING_REF;
use crate::supabase::emulator::{Emulator, Seed};

/// The demo vault with the emulator's staging project as a target, at `w`x`h`.
fn staging(emu: &Emulator, w: u16, h: u16) -> H {
    super::on_staging(emu, w, h, |_| Ok(()))
}

#[test]
fn the_rotations_screen_lists_signing_key_rotations_beside_api_key_ones() {
    let s = snap_rotations("rotations", &["K"]);
    assert!(s.contains("prod-jwt"), "{s}");
    assert!(
        s.contains("ES256 signing keys of prodrefabcdefghijklm"),
        "{s}"
    );
    // Its details, and the form that edits it (target and algorithm fixed).
    let s = snap_rotations("rotation_signing_details", &["K", "j", "enter"]);
    assert!(s.contains("key in use: 0b6c2f4e"), "{s}");
    let s = snap_rotations("rotation_signing_edit", &["K", "j", "e"]);
    assert!(s.contains("signing"), "{s}");
    assert!(s.contains("ES256"), "{s}");
}

#[test]
fn a_signing_key_rotation_is_added_from_a_targets_keys_view_and_run() {
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let mut t = staging(&emu, 80, 24);
    // The rotations screen's form, with the key type changed to signing.
    t.keys(&["K", "a"]).typed("staging-jwt").keys(&["tab"]);
    t.typed(DEMO_STAGING_REF).keys(&["tab"]);
    // The key type field holds "secret": make it "signing"; clear the vault secret.
    for _ in 0.."secret".len() {
        t.keys(&["backspace"]);
    }
    // Manual: the dashboard's own loop must not run it while the test does.
    t.typed("signing")
        .keys(&["tab", "tab", "tab", "backspace", "backspace"]);
    t.typed("off").keys(&["ctrl-s"]);
    let s = t.screen();
    assert!(!s.contains("Add a key rotation"), "the form stayed:\n{s}");
    let r = t.vault().read().unwrap().signing_rotations().unwrap();
    assert_eq!(r.len(), 1, "{s}");
    assert_eq!(r[0].project_ref, DEMO_STAGING_REF);
    assert_eq!(r[0].algorithm, crate::vault::SigningAlg::RS256);
    assert!(!r[0].auto);
    // It is listed; `r` asks, then rotates on the emulator.
    let s = t.screen();
    assert!(s.contains("staging-jwt"), "{s}");
    assert!(s.contains("RS256 signing keys of"), "{s}");
    t.keys(&["r"]);
    assert!(
        t.screen().contains("signing key is created"),
        "{}",
        t.screen()
    );
    t.keys(&["y"]);
    let in_use = emu.world(|w| {
        w.projects[DEMO_STAGING_REF]
            .signing_keys
            .iter()
            .filter(|k| format!("{:?}", k.status).contains("InUse"))
            .count()
    });
    assert_eq!(in_use, 1, "{}", t.screen());
    // The keys view marks the key in use with the rotation that made it.
    t.keys(&["K"]);
    let s = t.screen();
    assert!(s.contains("JWT signing keys:"), "{s}");
    assert!(s.contains("rotation staging-jwt"), "{s}");
    emu.shutdown();
}

#[test]
fn the_keys_view_offers_a_signing_rotation_for_its_target() {
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let mut t = staging(&emu, 80, 24);
    t.keys(&["K", "a"]).typed("staging-secret").keys(&["tab"]);
    t.typed(DEMO_STAGING_REF)
        .keys(&["tab", "tab", "tab", "tab", "tab"]);
    t.typed("web-app/Staging secret key").keys(&["ctrl-s"]);
    // From that rotation's target keys, `a` opens a signing rotation form filled in.
    t.keys(&["K", "a"]);
    let s = t.screen();
    assert!(s.contains("Add a key rotation"), "{s}");
    assert!(s.contains(DEMO_STAGING_REF), "{s}");
    assert!(s.contains("signing"), "{s}");
    t.typed("staging-jwt").keys(&["ctrl-s"]);
    let r = t.vault().read().unwrap().signing_rotations().unwrap();
    assert_eq!(r.len(), 1, "{}", t.screen());
    assert_eq!(r[0].project_ref, DEMO_STAGING_REF);
    emu.shutdown();
}

#[test]
fn the_legacy_keys_are_turned_off_after_their_plan_and_on_again() {
    for (w, h, size) in super::SIZES {
        let emu = Emulator::with_seed(Seed::demo()).unwrap();
        let legacy_on = || emu.world(|w| w.projects[DEMO_STAGING_REF].legacy_keys_enabled);
        let mut t = staging(&emu, w, h);
        // A manual rotation (no run of its own while the test looks) to reach the view.
        t.keys(&["K", "a"]).typed("staging-secret").keys(&["tab"]);
        t.typed(DEMO_STAGING_REF)
            .keys(&["tab", "tab", "tab", "tab"]);
        t.keys(&["backspace", "backspace"])
            .typed("off")
            .keys(&["tab"]);
        t.typed("web-app/Staging secret key").keys(&["ctrl-s"]);
        t.keys(&["K"]);
        assert!(
            t.screen().contains("legacy keys: enabled"),
            "{}",
            t.screen()
        );
        // `l` shows the plan first and changes nothing until yes.
        t.keys(&["l"]);
        let s = t.screen();
        insta::assert_snapshot!(format!("legacy_disable_plan@{size}"), redact_ids(&s));
        assert!(
            s.contains(&format!(
                "Disable the legacy API keys of {DEMO_STAGING_REF}?"
            )),
            "{s}"
        );
        assert!(s.contains("publishable key"), "{s}");
        assert!(legacy_on(), "asked, but changed already");
        // No: nothing changes.
        t.keys(&["n"]);
        assert!(legacy_on());
        // Yes: disabled on Supabase, the check after it shown whole, the view follows.
        t.keys(&["l", "y"]);
        assert!(!legacy_on(), "{}", t.screen());
        let s = t.screen();
        insta::assert_snapshot!(format!("legacy_disabled@{size}"), redact_ids(&s));
        assert!(s.contains("checked:"), "{s}");
        t.keys(&["esc"]);
        let s = t.screen();
        assert!(s.contains("legacy keys: disabled"), "{s}");
        // `l` again enables them, after a question.
        t.keys(&["l"]);
        assert!(t.screen().contains("Enable the legacy API keys"));
        assert!(!legacy_on());
        t.keys(&["y"]);
        assert!(legacy_on(), "{}", t.screen());
        t.keys(&["esc"]);
        assert!(
            t.screen().contains("legacy keys: enabled"),
            "{}",
            t.screen()
        );
        // Audited, both ways.
        let audit = t.vault().read().unwrap().audit_entries(None).unwrap();
        let actions: Vec<&str> = audit.iter().map(|e| e.event.action.as_str()).collect();
        assert!(actions.contains(&"legacy-keys-disable"), "{actions:?}");
        assert!(actions.contains(&"legacy-keys-enable"), "{actions:?}");
        emu.shutdown();
    }
}

/// The emulator's key ids are random UUIDs: the same placeholder in snapshots.
fn redact_ids(s: &str) -> String {
    let shape = |w: &[char]| {
        w.len() == 36
            && w.iter().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => *c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    };
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if i + 36 <= chars.len() && shape(&chars[i..i + 36]) {
            out.push_str("00000000-0000-4000-8000-000000000000");
            i += 36;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn a_signing_key_rotation_is_edited_and_switched_like_an_api_key_one() {
    use super::{app, rotations_vault};
    use crate::tui::runner::Tui;
    let dir = tempfile::tempdir().unwrap();
    let v = rotations_vault(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tui = {
        let _g = rt.enter();
        Tui::open_with(
            ratatui::backend::TestBackend::new(100, 30),
            app(),
            v,
            Default::default(),
        )
        .unwrap()
    };
    let mut t = H::ready(rt, tui, dir);
    let jwt = |t: &H| {
        t.vault()
            .read()
            .unwrap()
            .signing_rotation("prod-jwt")
            .unwrap()
    };
    // Sorted by name: prod-backup, prod-jwt, prod-secret.
    t.keys(&["K", "j", " "]);
    assert!(!jwt(&t).auto, "{}", t.screen());
    // Edit: every 60 days at 05:30, auto on again; the grace stays.
    t.keys(&["e"]);
    for _ in 0..2 {
        t.keys(&["backspace"]);
    }
    t.typed("60").keys(&["tab"]);
    for _ in 0..5 {
        t.keys(&["backspace"]);
    }
    t.typed("05:30").keys(&["tab"]);
    for _ in 0..3 {
        t.keys(&["backspace"]);
    }
    t.typed("on").keys(&["ctrl-s"]);
    let r = jwt(&t);
    assert_eq!(
        (r.every_days, r.at_minute, r.auto),
        (60, 330, true),
        "{}",
        t.screen()
    );
    assert_eq!(r.grace, crate::vault::DEFAULT_SIGNING_GRACE);
    // The API key rotations were not touched.
    let k = t
        .vault()
        .read()
        .unwrap()
        .key_rotation("prod-secret")
        .unwrap();
    assert_eq!((k.every_days, k.auto), (30, true));
}

#[test]
fn the_targets_screen_opens_a_targets_keys_without_any_rotation() {
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let mut t = staging(&emu, 80, 24);
    // The connection's row comes first, its target under it.
    t.keys(&["T", "K"]);
    assert!(!t.screen().contains("Keys of"), "{}", t.screen());
    t.keys(&["j", "K"]);
    let s = t.screen();
    assert!(s.contains(&format!("Keys of {DEMO_STAGING_REF}")), "{s}");
    assert!(s.contains("legacy keys: enabled"), "{s}");
    emu.shutdown();
}
