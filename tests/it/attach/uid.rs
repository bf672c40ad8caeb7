//! Only the owner's own user may attach. Run for real with two uids (root and
//! `nobody`, through util-linux `setpriv`); skipped with a note where that is
//! impossible (not root, no setpriv), never under CI.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::process::{Command, Output, Stdio};

use super::Owner;
use crate::support::vault::{PASS, Sandbox, fails, ok};

const NOBODY: &str = "65534";

fn two_uids_or_skip(test: &str) -> bool {
    let root = keyward::owner::socket::my_uid() == 0;
    let setpriv = Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if root && setpriv {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{test}: needs root and util-linux setpriv under CI (root: {root}, setpriv: {setpriv})"
        );
    }
    eprintln!("note: skipping {test}: needs root and util-linux setpriv to run as two users");
    false
}

/// `keyward ARGS` as `nobody`, on the sandbox's vault, without a passphrase.
fn as_nobody(sb: &Sandbox, args: &[&str]) -> Output {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"])
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
    if !two_uids_or_skip("another_user_cannot_attach_to_the_daemon") {
        return;
    }
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    open_the_way(&sb);
    let daemon = Owner::daemon(&sb);
    // nobody cannot enter the owner's 0700 socket directory, nor open the vault.
    let o = as_nobody(&sb, &["status"]);
    fails(&o, "permission denied (it runs as another user)");
    drop(daemon);
}

#[test]
fn the_daemon_refuses_a_peer_of_another_uid_and_says_so() {
    if !two_uids_or_skip("the_daemon_refuses_a_peer_of_another_uid_and_says_so") {
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
    let socket = line
        .split("attach at ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .unwrap_or_else(|| panic!("no socket in {line:?}"))
        .to_string();

    // This process (root) can reach the socket, but its own keyward will not talk to
    // another user's process...
    fails(&sb.kw(&["status"], ""), "runs as uid 65534, not as you");
    // ...and the daemon refuses a peer that is not its user, whatever it says.
    let mut s = UnixStream::connect(&socket).unwrap();
    s.write_all(b"{\"hello\":{\"protocol\":1,\"version\":\"0\",\"command\":\"intruder\"}}\n")
        .unwrap();
    let mut answer = String::new();
    BufReader::new(&s).read_line(&mut answer).unwrap();
    assert!(
        answer.contains("refused") && answer.contains("only that user may attach"),
        "{answer}"
    );
    // One line on the daemon's side too.
    let mut logged = String::new();
    loop {
        logged.clear();
        err.read_line(&mut logged).unwrap();
        if logged.contains("refused an attach") {
            break;
        }
        assert!(!logged.is_empty(), "no refusal in the daemon's log");
    }
    assert!(logged.contains("uid 0"), "{logged}");
    let _ = daemon.kill();
    let _ = daemon.wait();
}
