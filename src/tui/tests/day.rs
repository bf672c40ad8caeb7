//! A working day in the dashboard (issue 12): refused forms keep their input, values
//! keep their newlines, projects and targets are managed here, destructive acts ask and
//! say what they touch, nothing is cut off at 80x24. Same harness as tests/mod.rs.

use super::{H, SIZES, key, snap, snap_rotations, snap_states};
use crate::vault::SecretValue;

/// Runs `steps` on a fresh demo vault at both sizes, snapshotting each.
fn both(name: &str, steps: impl Fn(&mut H)) {
    snap(name, steps);
}

#[test]
fn a_refused_save_keeps_the_form_and_says_why_inside_it() {
    // A new secret with no value: the vault refuses, the editor stays with the name.
    both("refused_empty_value", |t| {
        t.keys(&["tab", "n"]).typed("Webhook token");
        t.keys(&["ctrl-s"]);
    });
    let mut t = H::open(80, 24);
    t.keys(&["tab", "n"])
        .typed("Webhook token")
        .keys(&["ctrl-s"]);
    let s = t.screen();
    assert!(
        s.contains("New secret in billing-api"),
        "the form closed:\n{s}"
    );
    assert!(s.contains("Webhook token"), "the name was lost:\n{s}");
    assert!(s.contains("type a value"), "not in dashboard words:\n{s}");
    assert!(!s.contains("stdin") && !s.contains("--value-file"), "{s}");
    // Typing on goes into the form, never runs as commands (`L`, `n`...).
    t.keys(&["tab", "tab"]).typed("Ln1").keys(&["ctrl-s"]);
    let r = t.vault();
    let (_, v) = r
        .read()
        .unwrap()
        .value("billing-api", "Webhook token", None)
        .unwrap();
    assert_eq!(v, SecretValue::simple("Ln1"));
    assert!(t.tui.app.modals.is_empty());
}

#[test]
fn refusals_of_other_forms_stay_in_them_wrapped() {
    // A field name with a space: refused by the vault, shown whole in the editor.
    let mut t = H::open(80, 24);
    t.keys(&["tab", "N"]).typed("Mail").keys(&["tab", "tab"]);
    t.typed("pass word")
        .keys(&["tab"])
        .typed("x")
        .keys(&["ctrl-s"]);
    let s = t.screen();
    assert!(s.contains("may only contain letters"), "{s}");
    assert!(s.contains("pass word"), "{s}");
    // An access key for a project that does not exist: the form keeps all three.
    let mut t = H::open(80, 24);
    t.keys(&["L", "n"])
        .typed("ci")
        .keys(&["tab"])
        .typed("nowhere");
    t.keys(&["ctrl-s"]);
    let s = t.screen();
    assert!(s.contains("New access key"), "{s}");
    assert!(
        s.contains("nowhere") && s.contains("no project named"),
        "{s}"
    );
    assert!(s.contains("projects pane"), "not in dashboard words:\n{s}");
    assert!(t.vault().read().unwrap().access_keys().unwrap().is_empty());
    // A 140-character name.
    let mut t = H::open(80, 24);
    t.keys(&["tab", "n"])
        .typed(&"n".repeat(140))
        .keys(&["tab", "tab"]);
    t.typed("v").keys(&["ctrl-s"]);
    let s = t.screen();
    assert!(s.contains("140 characters long"), "{s}");
}

#[test]
fn esc_on_a_filled_form_asks_before_throwing_it_away() {
    both("discard_confirm", |t| {
        t.keys(&["tab", "n"]).typed("Half typed").keys(&["esc"]);
    });
    let mut t = H::open(80, 24);
    t.keys(&["tab", "n"])
        .typed("Half typed")
        .keys(&["esc", "n"]);
    assert!(
        t.screen().contains("Half typed"),
        "n must go back to the form"
    );
    t.keys(&["esc", "y"]);
    assert!(t.tui.app.modals.is_empty());
    // An untouched form closes at once.
    t.keys(&["n", "esc"]);
    assert!(t.tui.app.modals.is_empty());
}

#[test]
fn a_pasted_multi_line_value_is_kept_byte_for_byte_and_shown_with_its_newlines() {
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
    for (w, h, size) in SIZES {
        let mut t = H::open(w, h);
        t.keys(&["tab", "n"])
            .typed("Signing key")
            .keys(&["tab", "tab"]);
        // Terminals send a pasted newline as CR.
        t.tui.paste(&pem.replace('\n', "\r"));
        t.keys(&["ctrl-r"]);
        let s = t.screen();
        assert!(s.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC⏎"), "{s}");
        insta::assert_snapshot!(format!("editor_multiline@{size}"), s);
        t.keys(&["ctrl-s"]);
        let (_, v) = t
            .vault()
            .read()
            .unwrap()
            .value("billing-api", "Signing key", None)
            .unwrap();
        assert_eq!(v, SecretValue::simple(pem));
    }
}

#[test]
fn a_huge_paste_is_one_event_and_the_next_keys_act() {
    let mut t = H::open(80, 24);
    t.keys(&["tab", "n"]).typed("Big").keys(&["tab", "tab"]);
    let big = "x".repeat(20_000);
    t.tui.paste(&big);
    t.screen();
    // Keys right after it act: save, then the new secret is there. (How fast is a
    // bench's business, not a test's.)
    t.keys(&["ctrl-s"]);
    let (_, v) = t
        .vault()
        .read()
        .unwrap()
        .value("billing-api", "Big", None)
        .unwrap();
    assert_eq!(v, SecretValue::simple(big));
}

#[test]
fn projects_are_created_renamed_and_removed_from_the_projects_pane() {
    both("project_new", |t| {
        t.keys(&["n"]).typed("customer-portal");
    });
    let mut t = H::open(80, 24);
    t.keys(&["n"]).typed("customer-portal").keys(&["enter"]);
    let names = |t: &H| -> Vec<String> {
        t.vault()
            .read()
            .unwrap()
            .projects()
            .unwrap()
            .into_iter()
            .map(|(p, _)| p.name)
            .collect()
    };
    assert!(names(&t).contains(&"customer-portal".to_string()));
    // The cursor is on it (projects sort by name: billing-api, customer-portal, web-app).
    t.keys(&["down", "r"]);
    for _ in 0.."customer-portal".len() {
        t.keys(&["backspace"]);
    }
    t.typed("portal").keys(&["enter"]);
    assert!(names(&t).contains(&"portal".to_string()), "{:?}", names(&t));
    t.keys(&["d"]);
    let s = t.screen();
    assert!(s.contains("Remove the empty project portal?"), "{s}");
    t.keys(&["y"]);
    assert!(!names(&t).contains(&"portal".to_string()));
    // A project with secrets is not removed: the footer says what to do.
    t.keys(&["g", "d"]);
    let s = t.screen();
    assert!(s.contains("still holds 4 secret(s)"), "{s}");
    both("project_not_empty", |t| {
        t.keys(&["d"]);
    });
}

#[test]
fn an_empty_vault_offers_to_create_a_project() {
    for (w, h, size) in SIZES {
        let mut t = H::with(w, h, |_| Ok(()));
        t.keys(&["n"]);
        insta::assert_snapshot!(format!("empty_new_project@{size}"), t.screen());
    }
}

#[test]
fn trashing_a_mapped_secret_says_which_variables_go_now() {
    snap_states("trash_mapped", &["tab", "d"]);
}

#[test]
fn the_targets_screen_lists_health_and_says_what_removal_deletes() {
    snap_states("targets", &["T"]);
    snap_states("target_remove", &["T", "down", "d"]);
    snap_states("disconnect", &["T", "d"]);
}

#[test]
fn rotations_open_on_enter_and_ask_before_rotating() {
    let s = snap_rotations("rotation_details", &["K", "enter"]);
    assert!(s.contains("HTTP 503 from Supabase"), "{s}");
    let s = snap_rotations("rotation_run_confirm", &["K", "r"]);
    assert!(s.contains("Rotate prod-backup now?"), "{s}");
}

#[test]
fn help_filters_as_you_type_and_says_there_is_more() {
    both("help_filtered", |t| {
        t.keys(&["?"]).typed("project");
    });
    let mut t = H::open(80, 24);
    t.keys(&["?"]);
    assert!(t.screen().contains("more below"));
    // F1 reaches help from inside a form, where ? is text.
    t.keys(&["esc", "tab", "n"]);
    t.tui.press(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::F(1),
        crossterm::event::KeyModifiers::NONE,
    ));
    assert!(t.screen().contains("filter:"));
}

#[test]
fn find_searches_every_project_and_jumps_to_the_secret() {
    both("find", |t| {
        t.keys(&["f"]).typed("sentry");
    });
    let mut t = H::open(80, 24);
    t.keys(&["f"]).typed("sentry").keys(&["enter"]);
    let s = t.tui.app.selected_listed().unwrap();
    assert_eq!(
        (s.project.as_str(), s.meta.name.as_str()),
        ("web-app", "Sentry DSN")
    );
}

#[test]
fn import_shows_what_it_would_do_then_imports_and_export_writes_a_private_file() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("in.env");
    std::fs::write(&env, "NEW_ONE=a\nSTRIPE_LIVE=b\nLEFT_EMPTY=\n").unwrap();
    let mut t = H::open(80, 24);
    t.keys(&["I"]);
    for _ in 0..4 {
        t.keys(&["backspace"]);
    }
    t.typed(&env.display().to_string()).keys(&["enter"]);
    let s = t.screen();
    assert!(s.contains("+ would create 2: NEW_ONE, STRIPE_LIVE"), "{s}");
    assert!(s.contains("- would skip LEFT_EMPTY: empty value"), "{s}");
    assert!(
        t.vault()
            .read()
            .unwrap()
            .secret("billing-api", "NEW_ONE")
            .is_err()
    );
    t.keys(&["y"]);
    assert!(
        t.screen().contains("2 created, 0 updated, 1 skipped"),
        "{}",
        t.screen()
    );
    assert!(
        t.vault()
            .read()
            .unwrap()
            .secret("billing-api", "NEW_ONE")
            .is_ok()
    );
    // A missing file is refused inside the form.
    t.keys(&["I"]).typed("-missing").keys(&["enter"]);
    assert!(t.screen().contains("cannot read"), "{}", t.screen());
    t.keys(&["esc", "y"]);
    // Export: a new 0600 file; an existing one is never overwritten.
    let out = dir.path().join("out.env");
    t.keys(&["E"]);
    for _ in 0.."billing-api.env".len() {
        t.keys(&["backspace"]);
    }
    t.typed(&out.display().to_string()).keys(&["enter"]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("NEW_ONE=\"a\""), "{text}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    t.keys(&["E"]);
    for _ in 0.."billing-api.env".len() {
        t.keys(&["backspace"]);
    }
    t.typed(&out.display().to_string()).keys(&["enter"]);
    assert!(t.screen().contains("never overwritten"), "{}", t.screen());
}

#[test]
fn long_names_stay_apart_and_wide_characters_keep_the_columns() {
    for (w, h, size) in SIZES {
        let mut t = H::with(w, h, |tx| {
            for p in [
                "customer-portal-production-eu-west",
                "customer-portal-production-us-east",
            ] {
                tx.add_project(p)?;
            }
            tx.set_value(
                "customer-portal-production-eu-west",
                "Ünïcødé 🔑 key",
                &SecretValue::simple("v"),
                crate::vault::Cause::Import,
            )
            .map(|_| ())
        });
        t.keys(&["tab"]);
        let s = t.screen();
        assert!(s.contains("v1"), "the version column is gone:\n{s}");
        insta::assert_snapshot!(format!("long_names@{size}"), s);
    }
}

#[test]
fn a_long_error_is_wrapped_in_the_footer_never_cut() {
    let mut t = H::open(80, 24);
    let long = "the connection \"acme\" still has target(s) production, staging: remove them first from the targets screen, then disconnect it; a long sentence that does not fit one line";
    t.tui.app.fail(long);
    let s = t.screen();
    let joined: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(joined.contains("does not fit one line"), "{s}");
    insta::assert_snapshot!("footer_wrapped@80x24", s);
}

#[test]
fn the_footer_keeps_help_and_the_editors_keys_at_80_columns() {
    let mut t = H::open(80, 24);
    t.keys(&["tab", "n"]);
    let s = t.screen();
    let last = s.lines().last().unwrap_or_default().to_string();
    for k in ["^s", "esc", "F1 help"] {
        assert!(last.contains(k), "{k} missing: {last}");
    }
    let mut t = H::open(80, 24);
    let s = t.screen();
    assert!(s.lines().last().unwrap().contains("? help"), "{s}");
}

#[test]
fn a_broken_keymap_is_said_after_unsealing_and_in_help() {
    let mut t = H::sealed(80, 24);
    t.tui.app.warnings = vec!["keymap.toml ignored: unknown key \"hyper-q\" in [main]".into()];
    t.typed(super::PASS).keys(&["enter"]);
    let s = t.screen();
    assert!(s.contains("hyper-q"), "{s}");
    t.keys(&["?"]);
    assert!(t.screen().contains("hyper-q"));
}

#[test]
fn copying_a_value_says_so_and_a_hidden_one_asks_to_reveal_first() {
    let mut t = H::open(80, 24);
    t.keys(&["tab", "down", "enter", "ctrl-y"]);
    assert!(t.screen().contains("reveal it first"), "{}", t.screen());
    t.keys(&["ctrl-r", "ctrl-y"]);
    let s = t.screen();
    assert!(s.contains("copied the value"), "{s}");
    assert!(!s.contains("re_demo_9b2f7c41") || s.contains("values shown"));
    let _ = key("esc");
}

#[test]
fn the_sync_review_refuses_a_value_too_long_for_supabase_before_confirming() {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    use crate::supabase::emulator::{Emulator, Seed};
    for (w, h, size) in SIZES {
        // An emulator per size: the first run's push must not be the second's "not
        // keyward's" name.
        let emu = Emulator::with_seed(Seed::demo()).unwrap();
        let url = emu.base_url().to_string();
        let mut t = H::with(w, h, move |tx| {
            crate::cli::demo::seed(tx)?;
            tx.add_project("certs")?;
            let big = SecretValue::simple("c".repeat(30_000));
            tx.set_value("certs", "Big cert", &big, crate::vault::Cause::Import)?;
            let small = SecretValue::simple("ok");
            tx.set_value("certs", "Small cert", &small, crate::vault::Cause::Import)?;
            tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
            tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")
                .map(|_| ())
        });
        // certs sorts between billing-api and web-app; both its secrets, one target.
        t.keys(&["down", "tab", "A", "s", "enter"]);
        let s = t.screen();
        let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            joined.contains("✗ certs/Big cert: its value is 30000 characters"),
            "{s}"
        );
        assert!(joined.contains("+ create 1: SMALL_CERT"), "{s}");
        assert!(!joined.contains("BIG_CERT"), "{s}");
        insta::assert_snapshot!(format!("sync_review_too_long@{size}"), s);
        // enter means nothing in a question: it says so, and y confirms.
        t.keys(&["enter"]);
        let s = t.screen();
        assert!(
            s.contains("enter does nothing here: y confirms, n cancels"),
            "{s}"
        );
        // Confirming maps the other one only; the footer follows the push (a gauge,
        // or already how it ended, as the engine was quick or not).
        t.keys(&["y"]);
        let s = t.screen();
        assert!(
            s.contains("syncing") || s.contains("sync finished: ✓1 synced"),
            "{s}"
        );
        let mapped = t
            .vault()
            .read()
            .unwrap()
            .mappings_for_target(DEMO_STAGING_REF)
            .unwrap();
        assert_eq!(mapped.len(), 1, "{mapped:?}");
        emu.shutdown();
    }
}

#[test]
fn keys_that_need_a_secret_say_why_nothing_happened() {
    let mut t = H::with(80, 24, |tx| tx.add_project("empty").map(|_| ()));
    t.keys(&["tab", "y"]);
    let s = t.screen();
    assert!(
        s.contains("no secret whose history to show: empty has none shown (n creates one)"),
        "{s}"
    );
    t.keys(&["enter"]);
    assert!(t.screen().contains("no secret to edit"), "{}", t.screen());
}

/// The rotations vault (two key rotations) at a size, with no engine: its pending
/// variable stays pending, so the frame is the same on every run.
fn rotations(w: u16, h: u16) -> H {
    let dir = tempfile::tempdir().unwrap();
    let v = super::rotations_vault(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let backend = ratatui::backend::TestBackend::new(w, h);
    let tui = crate::tui::runner::Tui::detached(backend, super::app(), v).unwrap();
    H::ready(rt, tui, dir)
}

/// No line of the modal on top is cut with "…" (the header and panes cut by design).
fn uncut(s: &str) -> bool {
    !s.lines().any(|l| l.contains('║') && l.contains('…'))
}

/// The screen with the emulator's URL (its port differs per run) as a placeholder of
/// the same width, so the columns after it stay where they were.
fn no_port(s: &str, url: &str) -> String {
    let w = url.chars().count();
    s.replace(url, &format!("{:<w$}", "<emulator>"))
}

/// The screen's words on one line: a wrapped sentence reads whole.
fn joined(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '║' || c == '│' || c == '┃')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_refused_rotation_keeps_its_form_and_its_supabase_warning_is_whole() {
    for (w, h, size) in SIZES {
        let mut t = rotations(w, h);
        t.keys(&["K", "a"]).typed("Web Secret");
        t.keys(&["tab"]).typed("prodrefabcdefghijklm");
        t.keys(&["tab", "tab", "tab", "tab", "tab"])
            .typed("billing-api/Supabase anon key");
        t.keys(&["ctrl-s"]);
        let s = t.screen();
        let j = joined(&s);
        assert!(s.contains("Add a key rotation"), "the form closed:\n{s}");
        assert!(s.contains("Web Secret"), "the name was dropped:\n{s}");
        // The warning, whole: neither it nor the refusal is cut with "…".
        assert!(j.contains("would sync as SUPABASE_ANON_KEY"), "{s}");
        assert!(uncut(&s), "something is cut:\n{s}");
        insta::assert_snapshot!(format!("rotation_refused@{size}"), s);
        let none = t
            .vault()
            .read()
            .unwrap()
            .key_rotation("Web Secret")
            .is_err();
        assert!(none);
        // Fixed in place, saved: nothing typed was lost.
        t.keys(&[
            "backtab", "backtab", "backtab", "backtab", "backtab", "backtab",
        ]);
        for _ in 0.."Web Secret".len() {
            t.keys(&["backspace"]);
        }
        t.typed("web-secret").keys(&["ctrl-s"]);
        let r = t
            .vault()
            .read()
            .unwrap()
            .key_rotation("web-secret")
            .unwrap();
        assert_eq!(r.into.name, "Supabase anon key");
    }
}

#[test]
fn an_access_key_without_a_name_or_with_an_unknown_project_stays_in_its_form() {
    for (w, h, size) in SIZES {
        let mut t = H::open(w, h);
        t.keys(&["L", "n", "tab"])
            .typed("nowhere")
            .keys(&["ctrl-s"]);
        let s = t.screen();
        assert!(s.contains("New access key") && s.contains("nowhere"), "{s}");
        assert!(joined(&s).contains("needs a name"), "{s}");
        t.keys(&["backtab"]).typed("ci").keys(&["ctrl-s"]);
        let s = t.screen();
        assert!(joined(&s).contains("no project named"), "{s}");
        insta::assert_snapshot!(format!("refused_access_key@{size}"), s);
        assert!(t.vault().read().unwrap().access_keys().unwrap().is_empty());
    }
}

#[test]
fn a_refused_token_is_said_whole_at_80_columns() {
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    for (w, h, size) in SIZES {
        let mut t = H::open(w, h);
        t.keys(&["c"]).typed("acme").keys(&["tab"]);
        for _ in 0..40 {
            t.keys(&["backspace"]);
        }
        t.typed(emu.base_url()).keys(&["tab"]);
        t.typed("sbp_0000000000000000000000000000000000000000")
            .keys(&["enter"]);
        let s = t.screen();
        assert!(s.contains("token refused, nothing stored"), "{s}");
        assert!(uncut(&s), "something is cut:\n{s}");
        insta::assert_snapshot!(
            format!("connect_refused@{size}"),
            no_port(&s, emu.base_url())
        );
    }
    emu.shutdown();
}

#[test]
fn a_review_of_sixty_names_wraps_every_name() {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let url = emu.base_url().to_string();
    for (w, h, size) in SIZES {
        let url = url.clone();
        let mut t = H::with(w, h, move |tx| {
            tx.add_project("many")?;
            for i in 0..60 {
                let v = SecretValue::simple("v");
                tx.set_value(
                    "many",
                    &format!("key {i:02}"),
                    &v,
                    crate::vault::Cause::Import,
                )?;
            }
            tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
            tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")
                .map(|_| ())
        });
        t.keys(&["tab", "A", "s", "enter"]);
        let s = t.screen();
        let j = joined(&s);
        assert!(j.contains("+ create 60: KEY_00, KEY_01"), "{s}");
        // The last name is reached by scrolling (down), never cut.
        for _ in 0..20 {
            t.keys(&["down"]);
        }
        let s2 = t.screen();
        assert!(joined(&format!("{s}{s2}")).contains("KEY_59"), "{s}\n{s2}");
        assert!(uncut(&s) && uncut(&s2), "{s}\n{s2}");
        insta::assert_snapshot!(format!("review_sixty@{size}"), s);
    }
    emu.shutdown();
}

#[test]
fn import_preview_and_rollback_question_at_both_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("in.env");
    std::fs::write(&env, "NEW_ONE=a\nSTRIPE_LIVE=b\nLEFT_EMPTY=\n").unwrap();
    for (w, h, size) in SIZES {
        let mut t = H::open(w, h);
        t.keys(&["I"]);
        for _ in 0..4 {
            t.keys(&["backspace"]);
        }
        t.typed(&env.display().to_string()).keys(&["enter"]);
        let s = t.screen().replace(&env.display().to_string(), "<file>");
        assert!(s.contains("would create 2"), "{s}");
        insta::assert_snapshot!(format!("import_preview@{size}"), s);
        let mut t = H::open(w, h);
        t.keys(&["tab", "down", "down", "y", "down", "r"]);
        let s = t.screen();
        assert!(joined(&s).contains("gets that old value pushed now"), "{s}");
        insta::assert_snapshot!(format!("rollback_confirm@{size}"), s);
    }
}

#[test]
fn help_lists_every_action_with_a_key() {
    let k = crate::tui::keys::Keymap::defaults();
    // add_target has no default key since T opens the targets screen (a adds there);
    // it stays an action so keymap files that bind it keep working.
    let unbound: Vec<&str> = crate::tui::action::Action::all()
        .filter(|a| *a != crate::tui::action::Action::AddTarget)
        .filter(|a| {
            !crate::tui::keys::Context::ALL
                .iter()
                .any(|c| k.bindings(*c).iter().any(|b| b.action == *a))
        })
        .map(|a| a.name())
        .collect();
    assert!(unbound.is_empty(), "actions without a key: {unbound:?}");
    // And help shows each binding's description under its screen.
    let mut t = H::open(160, 48);
    t.keys(&["?"]).typed("rotate now");
    let s = t.screen();
    assert!(
        s.contains("Key rotations") && s.contains("rotate now"),
        "{s}"
    );
}

#[test]
fn an_existing_multi_line_value_shows_its_newlines_when_revealed() {
    let mut t = H::with(80, 24, |tx| {
        tx.add_project("app")?;
        let pem = SecretValue::simple("-----BEGIN KEY-----\nAAAA\n-----END KEY-----");
        tx.set_value("app", "cert", &pem, crate::vault::Cause::Import)
            .map(|_| ())
    });
    t.keys(&["tab", "enter", "ctrl-r"]);
    let s = t.screen();
    assert!(s.contains("-----BEGIN KEY-----⏎"), "{s}");
    assert!(s.contains("AAAA⏎"), "{s}");
    assert!(s.contains("-----END KEY-----"), "{s}");
}

#[test]
fn a_connection_is_reconnected_and_a_target_retried_from_the_targets_screen() {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let url = emu.base_url().to_string();
    for (w, h, size) in SIZES {
        let url = url.clone();
        let mut t = H::with(w, h, move |tx| {
            crate::cli::demo::seed(tx)?;
            tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
            tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")
                .map(|_| ())
        });
        // The connection's row is first: r asks for a new token, checked before it is kept.
        t.keys(&["T", "r"]);
        t.typed("sbp_0000000000000000000000000000000000000000")
            .keys(&["enter"]);
        let s = t.screen();
        assert!(s.contains("Reconnect acme"), "the form closed:\n{s}");
        assert!(!s.contains("sbp_0000"), "the token shows:\n{s}");
        assert!(joined(&s).contains("refused"), "{s}");
        insta::assert_snapshot!(
            format!("reconnect_refused@{size}"),
            no_port(&s, emu.base_url())
        );
        for _ in 0..44 {
            t.keys(&["backspace"]);
        }
        t.typed(DEMO_TOKEN).keys(&["enter"]);
        let s = t.screen();
        assert!(s.contains("reconnected acme"), "{s}");
        // The target's row: R retries it now.
        t.keys(&["down", "R"]);
        let s = t.screen();
        assert!(
            s.contains("demo-staging: nothing to retry")
                || s.contains("demo-staging: retrying now"),
            "{s}"
        );
    }
    emu.shutdown();
}

#[test]
fn the_footer_says_when_a_sync_started_here_has_finished() {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let url = emu.base_url().to_string();
    let mut t = H::with(80, 24, move |tx| {
        crate::cli::demo::seed(tx)?;
        tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
        tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")
            .map(|_| ())
    });
    // Resend API key: one variable, not on Supabase yet.
    t.keys(&["tab", "down", "s", "enter", "y"]);
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let s = loop {
        {
            let _g = t.rt.enter();
            t.rt.block_on(t.tui.settle());
        }
        let s = t.screen();
        if s.contains("sync finished") {
            break s;
        }
        assert!(std::time::Instant::now() < end, "never said:\n{s}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(
        joined(&s).contains("sync finished: ✓1 synced · ✗0 failed"),
        "{s}"
    );
    assert!(
        !s.contains("watch the mappings pane"),
        "the old message stayed:\n{s}"
    );
    emu.shutdown();
}

#[test]
fn name_rules_are_said_whole_inside_the_editor_at_both_sizes() {
    for (w, h, size) in SIZES {
        let mut t = H::open(w, h);
        t.keys(&["tab", "n"])
            .typed(&"n".repeat(140))
            .keys(&["tab", "tab"]);
        t.typed("v").keys(&["ctrl-s"]);
        let s = t.screen();
        assert!(
            joined(&s).contains("the limit is 128, use a shorter one"),
            "{s}"
        );
        assert!(uncut(&s), "{s}");
        insta::assert_snapshot!(format!("refused_long_name@{size}"), s);
        let mut t = H::open(w, h);
        t.keys(&["tab", "N"]).typed("Mail").keys(&["tab", "tab"]);
        t.typed("pass word")
            .keys(&["tab"])
            .typed("x")
            .keys(&["ctrl-s"]);
        let s = t.screen();
        assert!(joined(&s).contains("'.': rename it"), "{s}");
        insta::assert_snapshot!(format!("refused_field_name@{size}"), s);
    }
}

#[test]
fn a_manage_review_longer_than_its_box_scrolls_instead_of_being_cut() {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let url = emu.base_url().to_string();
    let mut t = H::with(80, 24, move |tx| {
        tx.add_project("many")?;
        for i in 0..60 {
            let v = SecretValue::simple("v");
            let name = format!("a much longer secret name {i:02}");
            tx.set_value("many", &name, &v, crate::vault::Cause::Import)?;
        }
        tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
        tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")
            .map(|_| ())
    });
    // Every secret to the one target, reviewed.
    t.keys(&["M", "A", "enter"]);
    let s = t.screen();
    assert!(
        s.contains("more ·"),
        "the review says nothing of what is below:\n{s}"
    );
    assert!(!joined(&s).contains("A_MUCH_LONGER_SECRET_NAME_59"), "{s}");
    for _ in 0..40 {
        t.keys(&["down"]);
    }
    let s2 = t.screen();
    assert!(joined(&s2).contains("A_MUCH_LONGER_SECRET_NAME_59"), "{s2}");
    assert!(uncut(&s) && uncut(&s2), "{s}\n{s2}");
    // Scrolling is not an answer: the review is still there, and y still confirms.
    assert!(
        s2.contains("Before anything is sent") || s2.contains("y yes"),
        "{s2}"
    );
    emu.shutdown();
}
