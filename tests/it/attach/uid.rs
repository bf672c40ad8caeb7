//! Only the owner's own user may attach. Run for real with two uids (root and
//! `nobody`, through util-linux `setpriv`); skipped with a note where that is
//! impossible (not root, no setpriv), never under CI.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

use super::Owner;
use crate::support::vault::{PASS, Sandbox, fails, ok};

const NOBODY: &str = "65534";

/// How this test runs a command as `nobody`: setpriv as root, or through passwordless
/// sudo; None (with a note) when neither works, which under CI is a failure.
pub fn switch_user(test: &str) -> Option<Vec<&'static str>> {
    let works = |cmd: &[&str]| {
        Command::new(cmd[0])
            .args(&cmd[1..])
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let setpriv = [
        "setpriv",
        "--reuid",
        NOBODY,
        "--regid",
        NOBODY,
        "--clear-groups",
    ];
    if keyward::owner::socket::my_uid() == 0 && works(&["setpriv", "--version"]) {
        return Some(setpriv.to_vec());
    }
    if works(&["sudo", "-n", "setpriv", "--version"]) {
        let mut v = vec!["sudo", "-n"];
        v.extend(setpriv);
        return Some(v);
    }
    crate::support::skip::skip(
        test,
        "needs root or passwordless sudo, and util-linux setpriv",
    );
    None
}

/// `keyward ARGS` as `nobody`, on the sandbox's vault, without a passphrase.
fn as_nobody(switch: &[&str], sb: &Sandbox, args: &[&str]) -> Output {
    let mut cmd = Command::new(switch[0]);
    cmd.args(&switch[1..])
        .arg(env!("CARGO_BIN_EXE_keyward"))
        .args(args);
    super::base_env(sb, &mut cmd);
    cmd.stdin(Stdio::null()).output().unwrap()
}

/// Lets `nobody` reach the sandbox (not the vault: it stays 0600, its owner's).
fn open_the_way(sb: &Sandbox) {
    std::fs::set_permissions(sb.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn another_user_cannot_attach_to_the_daemon() {
    let Some(switch) = switch_user("another_user_cannot_attach_to_the_daemon") else {
        return;
    };
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    open_the_way(&sb);
    let daemon = Owner::daemon(&sb);
    // nobody cannot enter the owner's 0700 socket directory, nor open the vault.
    let o = as_nobody(&switch, &sb, &["status"]);
    fails(&o, "permission denied (it runs as another user)");
    drop(daemon);
}

#[test]
fn the_daemon_refuses_a_peer_of_another_uid_and_says_so() {
    // Reaching another user's socket at all takes root: this side of the check is for
    // root (or a socket left with wrong permissions). Without root it is skipped with a
    // note; the test above covers another uid wherever it runs.
    if keyward::owner::socket::my_uid() != 0 {
        eprintln!(
            "note: skipping the_daemon_refuses_a_peer_of_another_uid_and_says_so: needs root"
        );
        return;
    }
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    ok(&sb.kw(&["project", "add", "app"], ""));
    open_the_way(&sb);
    // Everything of the vault belongs to nobody, who runs the daemon.
    let chown = Command::new("chown")
        .args(["-R", &format!("{NOBODY}:{NOBODY}")])
        .arg(sb.dir.path())
        .status()
        .unwrap();
    assert!(chown.success());
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_keyward"))
        .arg("daemon");
    super::base_env(&sb, &mut cmd);
    let mut daemon = cmd
        .env("KEYWARD_PASSPHRASE", PASS)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(daemon.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let socket = super::socket_in(&line);

    // This process (root) can reach the socket, but its own keyward will not talk to
    // another user's process...
    fails(&sb.kw(&["status"], ""), "runs as uid 65534, not as you");
    // ...and the daemon refuses a peer that is not its user, whatever it says.
    let answer = super::hello(
        &socket,
        r#"{"hello":{"protocol":1,"version":"0","command":"intruder"}}"#,
    );
    assert!(
        answer.contains("refused") && answer.contains("only that user may attach"),
        "{answer}"
    );
    // One line on the daemon's side too.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in err.lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let logged = loop {
        let left = end.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) if l.contains("refused an attach") => break l,
            Ok(_) => {}
            Err(_) => panic!("no refusal in the daemon's log within 20 s"),
        }
    };
    assert!(logged.contains("uid 0"), "{logged}");
    let _ = daemon.kill();
    let _ = daemon.wait();
}
