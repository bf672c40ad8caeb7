//! A working day through the real binary in a real terminal (issue 12): a refused form
//! keeps its input, a pasted multi-line value is saved byte for byte, a huge paste
//! leaves the keys after it working, projects are made, renamed and removed, and
//! rotating a key asks first.

use std::path::Path;

use keyward::vault::{KeyKind, NewKeyRotation, SecretValue};

use super::e2e::start_env;
use crate::support::tmux::{Tmux, tmux_or_skip};
use crate::support::vault::{PASS, Sandbox};

/// The dashboard on a seeded vault, opened with the passphrase from the environment.
fn open(sb: &Sandbox) -> Tmux {
    let pass = sb.dir.path().join("pass");
    std::fs::write(&pass, PASS).unwrap();
    let args = format!("--passphrase-file '{}'", pass.display());
    let t = start_env(sb, &args, &[]);
    t.wait_for("unsealed");
    t
}

#[track_caller]
fn quit(t: &Tmux) {
    t.keys(&["Escape", "Escape", "q"]);
    let s = t.wait_for("end-of-report");
    assert!(s.contains("keyward exited 0"), "{s}");
}

fn value(sb: &Sandbox, project: &str, name: &str) -> SecretValue {
    sb.open()
        .read()
        .unwrap()
        .value(project, name, None)
        .unwrap()
        .1
}

#[test]
fn a_refused_form_keeps_its_input_and_what_is_typed_next_stays_in_it() {
    if tmux_or_skip("a_refused_form_keeps_its_input").is_none() {
        return;
    }
    let sb = Sandbox::new();
    sb.create().write(keyward::cli::demo::seed).unwrap();
    let t = open(&sb);
    t.keys(&["Tab", "n"]);
    t.wait_for("New secret in billing-api");
    t.text("Webhook token");
    t.keys(&["C-s"]);
    let s = t.wait_for("the value is empty");
    assert!(s.contains("Webhook token"), "the name was dropped:\n{s}");
    assert!(s.contains("type a value"), "{s}");
    // What is typed next goes into the form: `L` and `n` are no commands here.
    t.keys(&["Tab", "Tab"]);
    t.text("Ln-value");
    t.keys(&["C-s"]);
    t.wait_for("created billing-api/Webhook token");
    let s = t.screen();
    assert!(!s.contains("Access keys"), "a key ran as a command:\n{s}");
    quit(&t);
    drop(t);
    assert_eq!(
        value(&sb, "billing-api", "Webhook token"),
        SecretValue::simple("Ln-value")
    );
    assert!(sb.open().read().unwrap().access_keys().unwrap().is_empty());
}

#[test]
fn a_pasted_multi_line_value_is_saved_byte_for_byte() {
    if tmux_or_skip("a_pasted_multi_line_value_is_saved_byte_for_byte").is_none() {
        return;
    }
    let sb = Sandbox::new();
    sb.create().write(keyward::cli::demo::seed).unwrap();
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7+/=\n-----END PRIVATE KEY-----\n";
    let t = open(&sb);
    t.keys(&["Tab", "n"]);
    t.wait_for("New secret in billing-api");
    t.text("Signing key");
    t.keys(&["Tab", "Tab"]);
    t.paste(pem);
    t.keys(&["C-r"]);
    // Shown with its newlines, one line each.
    let s = t.wait_for("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC⏎");
    assert!(s.contains("-----END PRIVATE KEY-----⏎"), "{s}");
    t.keys(&["C-s"]);
    t.wait_for("created billing-api/Signing key");
    quit(&t);
    drop(t);
    assert_eq!(
        value(&sb, "billing-api", "Signing key"),
        SecretValue::simple(pem)
    );
}

#[test]
fn a_huge_paste_leaves_the_keys_after_it_working() {
    if tmux_or_skip("a_huge_paste_leaves_the_keys_after_it_working").is_none() {
        return;
    }
    let sb = Sandbox::new();
    sb.create().write(keyward::cli::demo::seed).unwrap();
    let t = open(&sb);
    t.keys(&["Tab", "n"]);
    t.wait_for("New secret in billing-api");
    t.text("Big one");
    t.keys(&["Tab", "Tab"]);
    let big: String = (0..20_000)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    let start = std::time::Instant::now();
    t.paste(&big);
    // At once: no waiting for the paste to be typed out.
    t.keys(&["C-s"]);
    t.wait_for("created billing-api/Big one");
    let took = start.elapsed();
    eprintln!("20,000-character paste, then ctrl-s, to 'created' on screen: {took:?}");
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    quit(&t);
    drop(t);
    assert_eq!(
        value(&sb, "billing-api", "Big one"),
        SecretValue::simple(big)
    );
}

#[test]
fn a_project_is_created_renamed_and_removed_from_the_dashboard() {
    if tmux_or_skip("a_project_is_created_renamed_and_removed").is_none() {
        return;
    }
    let sb = Sandbox::new();
    drop(sb.create());
    let t = open(&sb);
    let s = t.wait_for("no projects yet");
    assert!(s.contains("n new project"), "{s}");
    t.keys(&["n"]);
    t.wait_for("New project");
    t.text("customer-portal");
    t.keys(&["Enter"]);
    t.wait_for("created the project customer-portal");
    t.keys(&["r"]);
    t.wait_for("Rename the project customer-portal");
    for _ in 0.."customer-portal".len() {
        t.keys(&["BSpace"]);
    }
    t.text("portal");
    t.keys(&["Enter"]);
    t.wait_for("renamed the project customer-portal to portal");
    let names = |sb: &Sandbox| -> Vec<String> {
        sb.open()
            .read()
            .unwrap()
            .projects()
            .unwrap()
            .into_iter()
            .map(|(p, _)| p.name)
            .collect()
    };
    t.keys(&["d"]);
    t.wait_for("Remove the empty project portal?");
    t.keys(&["y"]);
    t.wait_for("removed the project portal");
    quit(&t);
    drop(t);
    assert!(names(&sb).is_empty(), "{:?}", names(&sb));
}

#[test]
fn rotating_a_key_asks_first_and_enter_only_opens() {
    if tmux_or_skip("rotating_a_key_asks_first").is_none() {
        return;
    }
    let sb = Sandbox::new();
    let r = "abcdefghijklmnopqrst";
    sb.create()
        .write(|tx| {
            keyward::cli::demo::seed(tx)?;
            tx.add_connection("acme", "http://127.0.0.1:9", None, "sbp_test_token_0000")?;
            tx.add_target(r, "production", "acme-org", "acme")?;
            tx.add_key_rotation(NewKeyRotation {
                name: "prod-secret".into(),
                project_ref: r.into(),
                connection: None,
                key_type: KeyKind::Secret,
                every_days: 30,
                at_minute: 180,
                auto: false,
                into_project: "billing-api".into(),
                into_name: "Service key".into(),
                grace: None,
            })
            .map(|_| ())
        })
        .unwrap();
    let attempts = |sb: &Sandbox| {
        sb.open()
            .read()
            .unwrap()
            .key_rotation("prod-secret")
            .unwrap()
            .state
            .last_attempt
    };
    let t = open(&sb);
    t.keys(&["K"]);
    t.wait_for("Key rotations");
    t.keys(&["Enter"]);
    t.wait_for("Key rotation prod-secret");
    t.keys(&["Escape", "r"]);
    let s = t.wait_for("Rotate prod-secret now?");
    assert!(s.contains("deleted on Supabase"), "{s}");
    t.keys(&["n"]);
    quit(&t);
    drop(t);
    assert_eq!(attempts(&sb), None, "it rotated without a yes");
}

#[test]
fn a_dumb_terminal_is_refused_in_one_line() {
    if tmux_or_skip("a_dumb_terminal_is_refused_in_one_line").is_none() {
        return;
    }
    let sb = Sandbox::new();
    drop(sb.create());
    let t = start_env(&sb, "", &[("TERM", Path::new("dumb"))]);
    let s = t.wait_for("end-of-report");
    assert!(s.contains("TERM=dumb"), "{s}");
    assert!(s.contains("keyward exited 1"), "{s}");
    assert!(!t.alternate_on());
}

#[test]
fn a_broken_keymap_is_said_after_unsealing_in_help_and_in_the_log() {
    if tmux_or_skip("a_broken_keymap_is_said_after_unsealing").is_none() {
        return;
    }
    let sb = Sandbox::new();
    sb.create().write(keyward::cli::demo::seed).unwrap();
    let home = sb.dir.path().join("home");
    let config = home.join("config").join("keyward");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("keymap.toml"),
        "[[main]]\nkey = \"hyper-q\"\naction = \"quit\"\n",
    )
    .unwrap();
    // A passphrase file: the unseal screen, where it used to be said, is never shown.
    let t = open(&sb);
    let s = t.wait_for("keymap.toml ignored");
    assert!(s.contains("hyper-q"), "{s}");
    t.keys(&["?"]);
    let s = t.wait_for("Keys");
    assert!(
        s.contains("keymap.toml ignored"),
        "not at the top of help:\n{s}"
    );
    quit(&t);
    drop(t);
    let log = std::fs::read_to_string(home.join("state").join("keyward").join("keyward.log"))
        .unwrap_or_default();
    assert!(
        log.contains("keymap.toml ignored"),
        "not in the log:\n{log}"
    );
}

/// The dashboard's log in a sandbox started by `start_env`.
fn log_of(sb: &Sandbox) -> String {
    let log = sb.dir.path().join("home/state/keyward/keyward.log");
    std::fs::read_to_string(log).unwrap_or_default()
}

#[test]
fn a_copied_value_and_a_pasted_one_never_reach_the_log() {
    if tmux_or_skip("a_copied_value_never_reaches_the_log").is_none() {
        return;
    }
    let sb = Sandbox::new();
    sb.create().write(keyward::cli::demo::seed).unwrap();
    let t = open(&sb);
    // Resend API key, revealed, copied (OSC 52 to the terminal).
    t.keys(&["Tab", "Down", "Enter"]);
    t.wait_for("Edit billing-api/Resend API key");
    t.keys(&["C-r"]);
    t.wait_for("re_demo_9b2f7c41");
    t.keys(&["C-y"]);
    t.wait_for("copied the value");
    t.keys(&["Escape"]);
    // A pasted value saved under a new name.
    t.keys(&["n"]);
    t.wait_for("New secret in billing-api");
    t.text("Pasted");
    t.keys(&["Tab", "Tab"]);
    t.paste("pasted-secret-4711\nsecond line");
    t.keys(&["C-s"]);
    t.wait_for("created billing-api/Pasted");
    quit(&t);
    drop(t);
    let log = log_of(&sb);
    assert!(log.contains("dashboard stopped"), "no log written:\n{log}");
    assert!(!log.contains("re_demo_9b2f7c41"), "{log}");
    assert!(!log.contains("pasted-secret-4711"), "{log}");
}

/// SIGTERM while a change is in flight (a connection waiting for Supabase to validate
/// its token, 1.5 s away): the dashboard quits like `q`, and the change is committed
/// first, not lost.
#[test]
fn a_signal_during_a_change_in_flight_commits_it_before_quitting() {
    if tmux_or_skip("a_signal_during_a_change_in_flight_commits_it_before_quitting").is_none() {
        return;
    }
    let e = crate::support::emulator::start();
    e.control()
        .set_latency(std::time::Duration::from_millis(1500));
    let sb = Sandbox::new();
    sb.create().write(keyward::cli::demo::seed).unwrap();
    let t = open(&sb);
    t.keys(&["T", "c"]);
    t.wait_for("checked before it is stored");
    t.text("acme");
    t.keys(&["Tab"]);
    // The URL starts filled in with Supabase's: replace it with the emulator's.
    for _ in 0..40 {
        t.keys(&["BSpace"]);
    }
    t.text(e.base_url());
    t.keys(&["Tab"]);
    t.text(crate::support::emulator::TOKEN);
    t.keys(&["Enter"]);
    t.wait_for("validating the token");
    crate::support::signal(super::e2e::keyward_pid(&t), rustix::process::Signal::TERM);
    let s = t.wait_for("end-of-report");
    assert!(s.contains("keyward exited 0"), "{s}");
    let conns = sb.open().read().unwrap().connections().unwrap();
    assert!(
        conns.iter().any(|c| c.name == "acme"),
        "the connection in flight was lost: {conns:?}"
    );
}
