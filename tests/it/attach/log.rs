//! The daemon speaks: one line per event worth a person's attention on stderr (here in
//! `--log-format json`), and `keyward status --watch` follows the same events live in
//! words. Never a value.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Owner, attached};
use crate::support::emulator::{self as emus, REF_A, TOKEN};
use crate::support::vault::{PASS, ok};

#[track_caller]
fn wait_line(lines: &Mutex<Vec<String>>, needle: &str) -> String {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(l) = lines.lock().unwrap().iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        assert!(
            Instant::now() < end,
            "no line with {needle:?} in {:?}",
            lines.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_daemon_logs_pushes_failures_health_drift_and_rotations_and_watch_follows() {
    let emu = emus::start();
    let sb = crate::attach::one_mapped(&emu);
    let template = emu.project_url_template();
    let env = [
        ("KEYWARD_PASSPHRASE", PASS),
        ("KEYWARD_PROJECT_URL_TEMPLATE", template.as_str()),
        ("KEYWARD_RETRY_FIRST_MS", "20"),
        ("KEYWARD_RETRY_CAP_MS", "40"),
        ("KEYWARD_PUSH_TIMEOUT_MS", "500"),
    ];
    let daemon = Owner::start(&sb, &["daemon", "--log-format", "json"], &env);
    // The fixture's mapping is pushed at start.
    daemon.wait_log("\"kind\":\"push\"");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
    super::base_env(&sb, &mut cmd);
    let mut watch = cmd
        .args(["status", "--watch"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let watched = Arc::new(Mutex::new(Vec::new()));
    {
        let w = watched.clone();
        let out = watch.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                w.lock().unwrap().push(l);
            }
        });
    }
    let mut err = String::new();
    BufReader::new(watch.stderr.take().unwrap())
        .read_line(&mut err)
        .unwrap();
    assert!(err.contains("following keyward daemon"), "{err}");

    // A push.
    ok(&attached(
        &sb,
        &["secret", "set", "app/one"],
        "second-value\n",
    ));
    let l = daemon.wait_log(&format!("{REF_A}: pushed 1, deleted 0"));
    let j: serde_json::Value = serde_json::from_str(&l).unwrap();
    assert_eq!(
        (j["level"].as_str(), j["kind"].as_str()),
        (Some("info"), Some("push"))
    );
    assert_eq!(j["target"], REF_A);
    wait_line(&watched, &format!("{REF_A}: pushed 1, deleted 0"));

    // Failures, then the target turning unhealthy, then healthy again after a retry.
    emu.control().set_fail_rate(1.0);
    let o = attached(&sb, &["secret", "set", "app/one"], "third-value\n");
    assert!(o.status.success());
    daemon.wait_log("ONE failed: ");
    wait_line(&watched, "ONE failed: ");
    let l = daemon.wait_log("is unhealthy after 10 failed pushes");
    assert!(l.contains("\"level\":\"warn\""), "{l}");
    wait_line(
        &watched,
        &format!("{REF_A} is unhealthy after 10 failed pushes"),
    );
    emu.control().set_fail_rate(0.0);
    ok(&attached(&sb, &["retry"], ""));
    daemon.wait_log(&format!("{REF_A} is healthy again"));
    wait_line(&watched, &format!("{REF_A} is healthy again"));

    // Drift: a value edited on Supabase by hand.
    emu.world(|w| {
        let p = w.projects.get_mut(REF_A).unwrap();
        p.secrets.get_mut("ONE").unwrap().value = "by hand".into();
    });
    ok(&attached(&sb, &["drift"], ""));
    daemon.wait_log("1 edited on Supabase (ONE)");
    wait_line(
        &watched,
        &format!("drift on {REF_A}: 1 edited on Supabase (ONE)"),
    );

    // Each step of a key rotation.
    ok(&attached(
        &sb,
        &[
            "rotation",
            "add",
            "k",
            "--target",
            REF_A,
            "--key-type",
            "secret",
            "--every-days",
            "1",
            "--into",
            "app/KEY",
            "--manual-only",
        ],
        "",
    ));
    ok(&attached(&sb, &["rotation", "run", "k"], ""));
    for step in [
        "rotation k: started: creating key keyward_k_1",
        "rotation k: created key keyward_k_1",
        "rotation k: promoted key keyward_k_1: version 1 of app/KEY",
    ] {
        daemon.wait_log(step);
        wait_line(&watched, step);
    }
    // Retiring the legacy API keys, and the roll-back.
    ok(&attached(
        &sb,
        &["legacy-keys", "disable", REF_A, "--yes"],
        "",
    ));
    let l = daemon.wait_log(&format!("legacy API keys of {REF_A}: disabled; checked"));
    let j: serde_json::Value = serde_json::from_str(&l).unwrap();
    assert_eq!(
        (j["kind"].as_str(), j["target"].as_str()),
        (Some("legacy_keys"), Some(REF_A))
    );
    wait_line(&watched, &format!("legacy API keys of {REF_A}: disabled"));
    ok(&attached(&sb, &["legacy-keys", "enable", REF_A], ""));
    daemon.wait_log(&format!("legacy API keys of {REF_A}: enabled again"));
    let anon = emu.world(|w| {
        let k = w.projects[REF_A].api_keys.iter().find(|k| k.name == "anon");
        k.unwrap().api_key.clone()
    });
    // Attaches are logged; values never are.
    daemon.wait_log("\"kind\":\"attach\"");
    let all = daemon.log.lock().unwrap().join("\n");
    for value in [
        "first-value",
        "second-value",
        "third-value",
        "by hand",
        TOKEN,
        &anon,
    ] {
        assert!(!all.contains(value), "{value} in the daemon's log");
    }
    for l in daemon.log.lock().unwrap().iter().skip(1) {
        serde_json::from_str::<serde_json::Value>(l)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"));
    }
    assert!(daemon.stop().success());
    // The watcher says the owner went away, and exits non-zero.
    let status = watch.wait().unwrap();
    assert!(!status.success());
}

/// A keyward of another version (another protocol) is refused at the socket with what to
/// do, and the daemon says so in its log and its audit log.
#[test]
fn another_versions_attach_is_refused_logged_and_audited() {
    let sb = crate::support::vault::Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    let daemon = Owner::daemon(&sb);
    let socket = super::socket_in(&daemon.wait_log("attach at "));
    let answer = super::hello(
        &socket,
        r#"{"hello":{"protocol":999,"version":"9.9.9","command":"keyward status"}}"#,
    );
    assert!(
        answer.contains("refused") && answer.contains("restart the owner"),
        "{answer}"
    );
    let logged = daemon.wait_log("refused an attach from keyward 9.9.9");
    assert!(logged.contains("restart the owner"), "{logged}");
    assert!(daemon.stop().success());
    let v = sb.open();
    let entries = v.read().unwrap().audit_entries(Some("attach")).unwrap();
    let refused = entries
        .iter()
        .find(|e| e.event.detail.contains("keyward 9.9.9"))
        .unwrap_or_else(|| panic!("no audited refusal in {entries:?}"));
    assert_eq!(refused.event.outcome, keyward::vault::Outcome::Failed);
}
