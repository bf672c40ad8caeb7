//! Unseal, navigate, edit, trash, quit: through the keyboard of a real terminal, checked
//! on screen and in the vault file afterwards.

use std::path::Path;

use keyward::vault::SecretValue;

use crate::support::tmux::{Tmux, tmux_or_skip};
use crate::support::vault::{PASS, Sandbox};

/// Runs keyward in tmux, then reports how it exited and the terminal's line settings.
fn start(sb: &Sandbox, args: &str) -> Tmux {
    start_env(sb, args, &[])
}

pub fn start_env(sb: &Sandbox, args: &str, extra: &[(&str, &Path)]) -> Tmux {
    let home = sb.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let bin = env!("CARGO_BIN_EXE_keyward");
    let script = format!(
        "'{bin}' {args}; echo \"keyward exited $?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; echo end-of-report; sleep 30"
    );
    let state = home.join("state");
    let data = home.join("data");
    let config = home.join("config");
    let env: Vec<(&str, &Path)> = vec![
        ("HOME", &home),
        ("XDG_STATE_HOME", &state),
        ("XDG_DATA_HOME", &data),
        ("XDG_CONFIG_HOME", &config),
        ("KEYWARD_VAULT", &sb.path),
        ("KEYWARD_INSECURE_KDF_WORK_FACTOR", Path::new("4")),
    ];
    let mut env = env;
    env.extend_from_slice(extra);
    Tmux::start(&script, &env, 100, 30)
}

#[track_caller]
fn quits_and_restores(t: &Tmux) {
    t.keys(&["q"]);
    let s = t.wait_for("end-of-report");
    assert!(s.contains("keyward exited 0"), "{s}");
    assert!(!t.alternate_on(), "still on the alternate screen:\n{s}");
    assert!(s.contains("icanon echo"), "the terminal is still raw:\n{s}");
}

#[test]
fn unseal_navigate_edit_trash_and_quit() {
    if tmux_or_skip("unseal_navigate_edit_trash_and_quit").is_none() {
        return;
    }
    let sb = Sandbox::new();
    sb.create().write(keyward::cli::demo::seed).unwrap();
    let t = start(&sb, "");
    t.wait_for("Unseal the vault");
    t.text("not it");
    t.keys(&["Enter"]);
    t.wait_for("wrong passphrase");
    t.text(PASS);
    t.keys(&["Enter"]);
    t.wait_for("unsealed");
    assert!(!t.screen().contains(PASS));

    // Into the secrets pane, down to the second secret.
    t.keys(&["Tab", "Down"]);
    t.wait_for("Resend API key: not synced");
    t.keys(&["Enter"]);
    t.wait_for("Edit billing-api/Resend API key");
    let s = t.screen();
    assert!(
        !s.contains("re_demo_9b2f7c41"),
        "the value shows unmasked:\n{s}"
    );
    for _ in 0..20 {
        t.keys(&["BSpace"]);
    }
    t.text("re_e2e_value");
    t.keys(&["C-s"]);
    t.wait_for("saved billing-api/Resend API key");

    t.keys(&["d"]);
    t.wait_for("to the trash?");
    t.keys(&["y"]);
    let s = t.wait_for("moved billing-api/Resend API key to the trash");
    assert!(s.contains("1 in trash"), "{s}");
    quits_and_restores(&t);
    drop(t);

    let v = sb.open();
    let r = v.read().unwrap();
    let trashed = r.trash().unwrap();
    assert_eq!(trashed.len(), 1);
    assert_eq!(trashed[0].meta.name, "Resend API key");
    assert_eq!(trashed[0].meta.version, 2);
    drop(r);
    v.write(|tx| tx.restore("billing-api", "Resend API key").map(|_| ()))
        .unwrap();
    let (_, value) = v
        .read()
        .unwrap()
        .value("billing-api", "Resend API key", None)
        .unwrap();
    assert_eq!(value, SecretValue::simple("re_e2e_value"));
}

#[test]
fn demo_opens_on_a_fresh_machine_and_quits_cleanly() {
    if tmux_or_skip("demo_opens_on_a_fresh_machine_and_quits_cleanly").is_none() {
        return;
    }
    let sb = Sandbox::new();
    let t = start(&sb, "demo");
    // The header comes before the first snapshot ("reading the vault…").
    t.wait_for("demo (throwaway vault)");
    let s = t.wait_for("web-app");
    assert!(s.contains("billing-api"), "{s}");
    assert!(
        !s.contains("2 projects"),
        "the project count shows at 100 columns:\n{s}"
    );
    // Wider: the header makes room for the project count, the panes follow.
    t.resize(160, 40);
    let s = t.wait_for("2 projects");
    assert_eq!(s.lines().count(), 40, "{s}");
    t.keys(&["Tab", "Enter"]);
    t.wait_for("host");
    t.keys(&["Escape"]);
    quits_and_restores(&t);
    assert!(!sb.path.exists(), "the demo touched the configured vault");
}

/// Signals quit the dashboard like `q` and restore the terminal: SIGTERM (a service
/// manager) and SIGHUP (the SSH session went away).
fn a_signal_quits_like_q_and_restores_the_terminal(test: &str, sig: rustix::process::Signal) {
    if tmux_or_skip(test).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let t = start(&sb, "demo");
    t.wait_for("demo (throwaway vault)");
    crate::support::signal(keyward_pid(&t), sig);
    let s = t.wait_for("end-of-report");
    assert!(s.contains("keyward exited 0"), "{s}");
    assert!(!t.alternate_on());
    assert!(s.contains("icanon echo"), "{s}");
}

/// The keyward process in a pane started by `start_env`: the only child of the pane's
/// shell (found in /proc: no procps needed).
pub fn keyward_pid(t: &Tmux) -> u32 {
    let shell = t.pane_pid();
    let pid = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
        .find(|n| {
            std::fs::read_to_string(format!("/proc/{n}/stat"))
                .ok()
                .and_then(|st| st.rsplit(')').next().map(str::to_string))
                .and_then(|rest| rest.split_whitespace().nth(1).map(str::to_string))
                .is_some_and(|ppid| ppid == shell)
        })
        .unwrap_or_default();
    assert!(!pid.is_empty(), "no keyward process found");
    pid.parse().unwrap()
}

#[test]
fn sigterm_quits_like_q_and_restores_the_terminal() {
    a_signal_quits_like_q_and_restores_the_terminal(
        "sigterm_quits_like_q_and_restores_the_terminal",
        rustix::process::Signal::TERM,
    );
}

#[test]
fn sighup_quits_like_q_and_restores_the_terminal() {
    a_signal_quits_like_q_and_restores_the_terminal(
        "sighup_quits_like_q_and_restores_the_terminal",
        rustix::process::Signal::HUP,
    );
}

#[test]
fn a_missing_vault_is_created_after_asking_and_opens() {
    if tmux_or_skip("a_missing_vault_is_created_after_asking_and_opens").is_none() {
        return;
    }
    let sb = Sandbox::new();
    let t = start(&sb, "");
    t.wait_for("Create one now? [y/N]");
    t.text("y");
    t.keys(&["Enter"]);
    t.wait_for("new passphrase:");
    t.text("fresh pass");
    t.keys(&["Enter"]);
    t.wait_for("repeat it:");
    t.text("fresh pass");
    t.keys(&["Enter"]);
    let s = t.wait_for("no projects yet");
    assert!(s.contains("0 secrets"), "{s}");
    quits_and_restores(&t);
    assert!(sb.path.exists());
}

#[test]
fn without_a_terminal_the_dashboard_says_what_to_do() {
    let sb = Sandbox::new();
    let o = sb.kw(&[], "");
    crate::support::vault::fails(&o, "needs a terminal");
}

/// examples/terminal_exit: the dashboard's terminal guard and panic hook, left by a
/// panic or by an error, in a real terminal. None (skipped) when the example was not
/// built: the whole `cargo test` builds examples, `cargo test --test it` does not.
fn terminal_left_by(test: &str, how: &str) -> Option<(Tmux, String)> {
    tmux_or_skip(test)?;
    let exe = std::env::current_exe().unwrap();
    let fixture = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples/terminal_exit");
    if !fixture.exists() {
        crate::support::skip::skip(
            test,
            "examples/terminal_exit is not built: run the whole `cargo test`",
        );
        return None;
    }
    let script = format!(
        "'{}' {how}; echo \"exited $?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; echo end-of-report; sleep 30",
        fixture.display()
    );
    let t = Tmux::start(&script, &[], 100, 30);
    t.wait_for("in the alternate screen");
    let s = t.wait_for("end-of-report");
    Some((t, s))
}

#[test]
fn a_panic_restores_the_terminal_before_its_message() {
    let test = "a_panic_restores_the_terminal_before_its_message";
    let Some((t, s)) = terminal_left_by(test, "panic") else {
        return;
    };
    assert!(s.contains("exited 101"), "{s}");
    assert!(!t.alternate_on(), "still on the alternate screen:\n{s}");
    assert!(s.contains("icanon echo"), "the terminal is still raw:\n{s}");
    // Printed after the restore: on the normal screen, where it stays readable.
    assert!(s.contains("a bug in the dashboard"), "{s}");
}

#[test]
fn an_error_exit_restores_the_terminal_and_says_why() {
    let test = "an_error_exit_restores_the_terminal_and_says_why";
    let Some((t, s)) = terminal_left_by(test, "error") else {
        return;
    };
    assert!(s.contains("exited 1"), "{s}");
    assert!(!t.alternate_on(), "still on the alternate screen:\n{s}");
    assert!(s.contains("icanon echo"), "the terminal is still raw:\n{s}");
    assert!(s.contains("the dashboard failed: an error"), "{s}");
}
