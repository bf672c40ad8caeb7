//! `keyward key ...` and `keyward serve` through the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::support::vault::{PASS, Sandbox, TEST_WORK_FACTOR, fails, json, ok};

fn init() -> Sandbox {
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    ok(&sb.kw(&["project", "add", "billing"], ""));
    ok(&sb.kw(&["secret", "set", "billing/STRIPE"], "sk_live_bin\n"));
    sb
}

/// Starts `keyward serve ARGS` and returns it with its first stdout line.
fn spawn_serve(sb: &Sandbox, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .arg("serve")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sb.dir.path())
        .env("USER", "tester")
        .env("KEYWARD_VAULT", &sb.path)
        .env("KEYWARD_PASSPHRASE", PASS)
        .env(
            "KEYWARD_INSECURE_KDF_WORK_FACTOR",
            TEST_WORK_FACTOR.to_string(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_string())
}

fn stop(child: Child) -> String {
    // SIGTERM by pid (our own child): the server shuts down gracefully.
    crate::support::sigterm(child.id());
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn key_create_list_revoke_through_the_cli() {
    let sb = init();
    let out = ok(&sb.kw(&["key", "create", "ci", "--project", "billing"], ""));
    let key = out.trim();
    assert_eq!(key.len(), 62);
    assert!(key.starts_with("kw_"));
    let id = &key[3..30];

    let made = json(&sb.kw(&["key", "create", "deploy", "--allow-sync", "--json"], ""));
    assert_eq!(made["key"].as_str().unwrap().len(), 62);
    assert_eq!(made["allow_sync"], true);
    assert!(made["projects"].is_null());

    let listed = json(&sb.kw(&["key", "list", "--json"], ""));
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "deploy", "newest first");
    assert_eq!(rows[1]["id"], id);
    assert_eq!(rows[1]["last4"], &key[58..]);
    assert_eq!(rows[1]["projects"], serde_json::json!(["billing"]));
    assert!(rows[1]["revoked"].is_null() && rows[1]["last_used"].is_null());
    assert!(
        !listed.to_string().contains(&key[30..]),
        "a listing never holds a secret"
    );
    let human = ok(&sb.kw(&["key", "list"], ""));
    assert!(human.contains(&key[58..]) && !human.contains(&key[30..]));

    ok(&sb.kw(&["key", "revoke", id], ""));
    let listed = json(&sb.kw(&["key", "list", "--json"], ""));
    assert!(listed[1]["revoked"].is_string());
    fails(&sb.kw(&["key", "revoke", id], ""), "already revoked");
    fails(
        &sb.kw(&["key", "revoke", "nope"], ""),
        "not an access key id",
    );
    fails(
        &sb.kw(&["key", "revoke", "1111111111111111111111111XX"], ""),
        "no access key",
    );
    fails(
        &sb.kw(&["key", "create", "x", "--project", "ghost"], ""),
        "no project named \"ghost\"",
    );
    fails(&sb.kw(&["key", "create", " "], ""), "access key name");

    let audit = json(&sb.kw(&["audit", "--json"], ""));
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "access-key-create")
            .count(),
        2
    );
    assert_eq!(actions.last(), Some(&"access-key-revoke"));
    assert!(!audit.to_string().contains(&key[30..]));
}

#[test]
fn serve_refuses_a_non_loopback_address_without_the_flag() {
    let sb = init();
    for addr in ["0.0.0.0:0", "[::]:0"] {
        fails(&sb.kw(&["serve", "--listen", addr], ""), "--allow-remote");
    }
    fails(
        &sb.kw(&["serve", "--listen", "localhost"], ""),
        "not an address",
    );
    let both = sb.kw(
        &["serve", "--listen", "127.0.0.1:0", "--socket", "/tmp/x"],
        "",
    );
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
}

#[test]
fn serve_with_allow_remote_warns_and_serves() {
    let sb = init();
    let (child, addr) = spawn_serve(&sb, &["--listen", "0.0.0.0:0", "--allow-remote"]);
    assert!(addr.starts_with("http://0.0.0.0:"), "{addr}");
    let stderr = stop(child);
    assert!(stderr.starts_with("warning: "), "{stderr}");
    assert!(stderr.contains("reachable from other machines"));
}

#[test]
fn serve_answers_over_loopback_and_audits_through_the_binary() {
    let sb = init();
    let key = ok(&sb.kw(&["key", "create", "ci"], "")).trim().to_string();
    let (child, base) = spawn_serve(&sb, &["--listen", "127.0.0.1:0"]);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, body) = rt.block_on(super::get_from(
        &super::client(None),
        &format!("{base}/v1/projects/billing/secrets/STRIPE"),
        Some(&key),
    ));
    assert_eq!((status, body["value"].as_str()), (200, Some("sk_live_bin")));
    stop(child);
    // The server released the vault: the CLI can open it and sees the use.
    let audit = json(&sb.kw(&["audit", "--json", "--action", "access-key-use"], ""));
    assert_eq!(audit.as_array().unwrap().len(), 1);
    assert_eq!(audit[0]["outcome"], "ok");
}

/// SIGTERM with a client stalled mid-head: the server stops within its grace and
/// releases the vault (it used to wait for the client for ever, the vault locked).
#[test]
fn sigterm_stops_serve_while_a_client_is_stalled() {
    use std::io::Write;
    let sb = init();
    let (child, base) = spawn_serve(&sb, &["--listen", "127.0.0.1:0"]);
    let addr = base.trim_start_matches("http://");
    let mut stalled = std::net::TcpStream::connect(addr).unwrap();
    stalled.write_all(b"GET /v1/status HTTP/1.1\r\nHo").unwrap();
    // A whole request after it: once that is answered the server has accepted the
    // stalled one (it accepts in arrival order), so SIGTERM finds it open.
    let mut probe = std::net::TcpStream::connect(addr).unwrap();
    probe
        .write_all(b"GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut probe, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let pid = child.id();
    crate::support::sigterm(pid);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = rx.recv_timeout(std::time::Duration::from_secs(30));
    if out.is_err() {
        crate::support::sigkill(pid);
        panic!("serve did not stop within 30 s of SIGTERM with a stalled client");
    }
    ok(&sb.kw(&["--no-attach", "status"], ""));
    drop(stalled);
}
