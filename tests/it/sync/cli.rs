//! The sync commands' edges through the binary: scoped tokens, reconnect, a failing
//! `sync --wait`, `retry`, and the daemon.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;
use crate::support::emulator::{OTHER_TOKEN, REF_A, REF_B, SCOPED_TOKEN};
use crate::support::vault::{PASS, Sandbox, TEST_WORK_FACTOR, fails, json, ok};

pub(crate) fn kw(sb: &Sandbox, args: &[&str], stdin: &str) -> std::process::Output {
    sb.kw_env(
        args,
        stdin,
        &[
            ("KEYWARD_PASSPHRASE", PASS),
            ("KEYWARD_RETRY_FIRST_MS", "10"),
            ("KEYWARD_RETRY_CAP_MS", "20"),
        ],
    )
}

pub(super) fn fresh() -> Sandbox {
    let sb = Sandbox::new();
    drop(sb.create());
    ok(&kw(&sb, &["project", "add", "app"], ""));
    sb
}

#[test]
fn a_scoped_token_needs_a_project_ref_and_sees_only_its_projects() {
    let emu = emus::start();
    let url = emu.base_url().to_string();
    let sb = fresh();
    fails(
        &kw(&sb, &["connect", "scoped", "--url", &url], SCOPED_TOKEN),
        "give the project ref",
    );
    ok(&kw(
        &sb,
        &["connect", "scoped", "--url", &url, "--project-ref", REF_A],
        SCOPED_TOKEN,
    ));
    ok(&kw(&sb, &["target", "add", REF_A], ""));
    fails(&kw(&sb, &["target", "add", REF_B], ""), "");
    let t = json(&kw(&sb, &["target", "list", "--json"], ""));
    assert_eq!(t.as_array().unwrap().len(), 1);
    assert_eq!(t[0]["name"], "billing-api");
}

#[test]
fn a_failing_sync_wait_exits_1_and_retry_after_reconnect_fixes_it() {
    let emu = emus::start();
    let url = emu.base_url().to_string();
    let sb = fresh();
    ok(&kw(&sb, &["connect", "main", "--url", &url], TOKEN));
    ok(&kw(&sb, &["target", "add", REF_B], ""));
    ok(&kw(&sb, &["secret", "set", "app/k"], "v"));
    // Queued only: the push is to fail in `sync --wait`.
    ok(&kw(&sb, &["--no-push", "map", "app/k", "--to", REF_B], ""));
    emu.revoke_token(TOKEN);
    fails(
        &kw(&sb, &["sync", "--wait"], ""),
        "refused the access token",
    );
    let st = json(&kw(&sb, &["status", "--json"], ""));
    assert_eq!(st["variables"][0]["state"], "failed");
    assert!(st["variables"][0]["attempts"].as_u64().unwrap() >= 1);
    // A reconnect with a bad token stores nothing and keeps the old one.
    fails(&kw(&sb, &["reconnect", "main"], "sbp_bad"), "");
    let before = json(&kw(&sb, &["connections", "--json"], ""));
    ok(&kw(&sb, &["reconnect", "main"], OTHER_TOKEN));
    let after = json(&kw(&sb, &["connections", "--json"], ""));
    assert_ne!(before[0]["fingerprint"], after[0]["fingerprint"]);
    ok(&kw(&sb, &["retry"], ""));
    assert_eq!(remote(&emu, REF_B)["K"], "v");
    let st = json(&kw(&sb, &["status", "--json"], ""));
    assert_eq!(st["variables"][0]["state"], "synced");
    assert_eq!(st["targets"][0]["healthy"], true);
    let text = ok(&kw(&sb, &["status"], ""));
    assert!(text.contains("K\tapp/k\tsynced"), "{text}");
}

#[test]
fn the_daemon_pushes_what_is_queued_and_stops_on_sigterm() {
    let emu = emus::start();
    let url = emu.base_url().to_string();
    let sb = fresh();
    ok(&kw(&sb, &["connect", "main", "--url", &url], TOKEN));
    ok(&kw(&sb, &["target", "add", REF_B], ""));
    ok(&kw(&sb, &["secret", "set", "app/queued"], "while offline"));
    // Queued only: what the daemon is to push.
    ok(&kw(
        &sb,
        &["--no-push", "map", "app/queued", "--to", REF_B],
        "",
    ));
    assert!(!remote(&emu, REF_B).contains_key("QUEUED"));
    let home = sb.dir.path().join("home");
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .arg("daemon")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("KEYWARD_VAULT", &sb.path)
        .env("KEYWARD_PASSPHRASE", PASS)
        .env(
            "KEYWARD_INSECURE_KDF_WORK_FACTOR",
            TEST_WORK_FACTOR.to_string(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !remote(&emu, REF_B).contains_key("QUEUED") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the daemon pushed nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    crate::support::sigterm(child.id());
    assert!(child.wait().unwrap().success());
    let st = json(&kw(&sb, &["status", "--json"], ""));
    assert_eq!(st["variables"][0]["state"], "synced");
}

/// Many secrets to many targets in one command: the pairs land in one transaction, and
/// a refused pair (a name another secret holds there) is reported on its own while every
/// other pair, of that target and the others, still lands and is pushed.
#[test]
fn bulk_map_lands_every_pair_but_the_refused_one() {
    let emu = emus::start();
    let url = emu.base_url().to_string();
    let sb = fresh();
    ok(&kw(&sb, &["connect", "main", "--url", &url], TOKEN));
    ok(&kw(&sb, &["target", "add", REF_A], ""));
    ok(&kw(&sb, &["target", "add", REF_B], ""));
    for s in ["app/one", "app/two", "app/three", "app/taken"] {
        ok(&kw(&sb, &["secret", "set", s], "v"));
    }
    // On REF_B, app/taken holds the variable ONE already.
    ok(&kw(
        &sb,
        &["map", "app/taken", "--to", REF_B, "--as", "ONE"],
        "",
    ));
    let line = fails(
        &kw(
            &sb,
            &[
                "map",
                "app/one",
                "app/two",
                "app/three",
                "--to",
                REF_A,
                REF_B,
            ],
            "",
        ),
        "1 mapping(s) refused: app/one -> ",
    );
    assert!(line.contains(REF_B), "{line}");
    for var in ["ONE", "TWO", "THREE"] {
        assert!(remote(&emu, REF_A).contains_key(var), "{var} on A");
    }
    for var in ["TWO", "THREE"] {
        assert!(remote(&emu, REF_B).contains_key(var), "{var} on B");
    }
    let st = json(&kw(&sb, &["status", "--json"], ""));
    let on_b_one: Vec<_> = st["variables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["target"] == REF_B && v["variable"] == "ONE")
        .map(|v| v["secret"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(on_b_one, ["app/taken"]);
}

/// `keyward drift` on the command line names what was edited and deleted on Supabase by
/// hand and what keyward does not manage, in text and JSON; `sync` then puts it back.
#[test]
fn drift_on_the_command_line_names_edits_deletions_and_unmanaged() {
    let emu = emus::start();
    let url = emu.base_url().to_string();
    let sb = fresh();
    ok(&kw(&sb, &["connect", "main", "--url", &url], TOKEN));
    ok(&kw(&sb, &["target", "add", REF_A], ""));
    ok(&kw(&sb, &["secret", "set", "app/edited"], "ours"));
    ok(&kw(&sb, &["secret", "set", "app/deleted"], "ours too"));
    ok(&kw(
        &sb,
        &["map", "app/edited", "app/deleted", "--to", REF_A],
        "",
    ));
    emu.world(|w| {
        let p = w.projects.get_mut(REF_A).unwrap();
        p.secrets.get_mut("EDITED").unwrap().value = "by hand".into();
        p.secrets.remove("DELETED");
    });
    let d = json(&kw(&sb, &["drift", "--json"], ""));
    assert_eq!(d[0]["target"], REF_A);
    assert_eq!(d[0]["drifted"], serde_json::json!(["EDITED"]));
    assert_eq!(d[0]["missing"], serde_json::json!(["DELETED"]));
    assert_eq!(d[0]["unmanaged"], serde_json::json!(["HAND_SET"]));
    let text = ok(&kw(&sb, &["drift", REF_A], ""));
    assert!(text.contains("1 drifted, 1 missing, 1 unmanaged"), "{text}");
    assert!(text.contains("drifted   EDITED"), "{text}");
    ok(&kw(&sb, &["sync"], ""));
    let a = remote(&emu, REF_A);
    assert_eq!(
        (a["EDITED"].as_str(), a["DELETED"].as_str()),
        ("ours", "ours too")
    );
}
