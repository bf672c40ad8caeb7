//! The sync review against a real listing (the emulator, the engine running): what it
//! is for is shown, a conflict with a variable another secret already makes there, and
//! a target that the sync would take past Supabase's cap. Same harness as tests/mod.rs.

use super::{H, SIZES};
use crate::supabase::emulator::SecretRecord;
use crate::supabase::emulator::{Emulator, EmulatorConfig, Seed, TokenSpec};
use crate::vault::{Cause, SecretValue};

const TOKEN: &str = "sbp_3333333333333333333333333333333333333333";
const PROD: &str = "prodrefabcdefghijklm";
const STAGE: &str = "stagingrefabcdefghij";

/// Production holds nothing yet; staging already holds 98 variables someone set by hand.
fn emulator() -> Emulator {
    let seed = Seed::default()
        .organization("acme-org", "Acme")
        .token(TokenSpec::account(TOKEN))
        .project_in(PROD, "production", "acme-org")
        .project_in(STAGE, "staging", "acme-org");
    let emu = Emulator::start(EmulatorConfig {
        seed,
        ..EmulatorConfig::default()
    })
    .unwrap();
    emu.world(|w| {
        let p = w.projects.get_mut(STAGE).unwrap();
        for i in 0..98 {
            p.secrets.insert(
                format!("HAND_{i:02}"),
                SecretRecord {
                    value: format!("by hand {i}"),
                    updated_at: "2026-11-01T00:00:00Z".into(),
                },
            );
        }
    });
    emu
}

/// The demo vault, plus a web-app secret whose variable billing-api's Stripe key
/// already makes on production.
fn dashboard(emu: &Emulator, w: u16, h: u16) -> H {
    let url = emu.base_url().to_string();
    H::with_config(w, h, super::emulator_config(emu), move |tx| {
        crate::cli::demo::seed(tx)?;
        tx.set_value(
            "web-app",
            "stripe-secret-key",
            &SecretValue::simple("sk_test_other"),
            Cause::Edit,
        )?;
        tx.add_connection("acme", &url, None, TOKEN)?;
        tx.add_target(PROD, "production", "acme-org", "acme")?;
        tx.add_target(STAGE, "staging", "acme-org", "acme")?;
        tx.map("billing-api", "Stripe secret key", PROD, None, false, None)
            .map(|_| ())
    })
}

/// Waits until the mapped Stripe key has reached production and the engine is idle, so
/// the screen is at rest.
fn at_rest(t: &mut H) {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        {
            let _g = t.rt.enter();
            t.rt.block_on(t.tui.settle());
        }
        let s = t.screen();
        if s.contains("✓1 synced") && !s.contains("syncing") {
            return;
        }
        assert!(std::time::Instant::now() < end, "never at rest:\n{s}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_sync_review_shows_a_conflict_and_the_cap_from_a_real_listing() {
    for (w, h, size) in SIZES {
        let emu = emulator();
        let mut t = dashboard(&emu, w, h);
        at_rest(&mut t);
        // web-app's four secrets, to both targets.
        t.keys(&["down", "tab", "A", "s", " ", "down", " ", "enter"]);
        let s = t.screen();
        insta::assert_snapshot!(format!("sync_review_listed@{size}"), s);
        assert!(!s.contains("unchecked"), "the listing was not read:\n{s}");
        // Wrapped at 80 columns: the words, in order, across the lines.
        let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("STRIPE_SECRET_KEY already comes from ║ ║ billing-api/Stripe secret key")
                || flat
                    .contains("STRIPE_SECRET_KEY already comes from billing-api/Stripe secret key"),
            "{s}"
        );
        assert!(s.contains("checked the 98 name(s) on Supabase"), "{s}");
        assert!(s.contains("over Supabase's cap of 100"), "{s}");
        // Nothing was sent: confirming is the user's, and nothing was asked yet.
        let stage = emu.world(|w| w.projects[STAGE].secrets.len());
        assert_eq!(stage, 98);
        emu.shutdown();
    }
}

#[test]
fn the_manage_review_shows_a_conflict_from_a_real_listing() {
    for (w, h, size) in SIZES {
        let emu = emulator();
        let mut t = dashboard(&emu, w, h);
        at_rest(&mut t);
        // Production's secrets: add web-app's stripe-secret-key, review.
        t.keys(&["M", "/"]).typed("stripe-secret");
        t.keys(&["enter", " ", "enter"]);
        let s = t.screen();
        insta::assert_snapshot!(format!("manage_review_listed@{size}"), s);
        assert!(!s.contains("unchecked"), "the listing was not read:\n{s}");
        let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("STRIPE_SECRET_KEY already comes from"), "{s}");
        assert!(s.contains("checked the 1 name(s) on Supabase"), "{s}");
        emu.shutdown();
    }
}
