//! `keyward daemon` runs both rotation loops: a due API key rotation and a due vault
//! policy are rotated with no command asking.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keyward::vault::{Cause, Clock, DAY_MS, Generator, SecretValue};

use super::keys::live_keys;
use crate::support::emulator::{self as emus, REF_A, TOKEN};
use crate::support::vault::{PASS, Sandbox, TEST_WORK_FACTOR, ok};

#[test]
fn the_daemon_rotates_due_keys_and_due_policies() {
    let emu = emus::start();
    let sb = Sandbox::new();
    // A policy set two days ago (by the vault's clock then): due now.
    let long_ago = Clock::system().now() - 2 * DAY_MS;
    let v = sb.create_at(Clock::fixed(long_ago));
    v.write(|tx| {
        tx.add_project("ops")?;
        tx.set_value("ops", "webhook", &SecretValue::simple("v1"), Cause::Edit)?;
        tx.set_policy("ops", "webhook", None, DAY_MS, Generator::Hex { len: 32 })
            .map(drop)
    })
    .unwrap();
    drop(v);
    let template = emu.project_url_template();
    let env = [
        ("KEYWARD_PASSPHRASE", PASS),
        ("KEYWARD_PROJECT_URL_TEMPLATE", template.as_str()),
    ];
    let url = emu.base_url().to_string();
    ok(&sb.kw_env(
        &["connect", "main", "--url", &url],
        &format!("{TOKEN}\n"),
        &env,
    ));
    ok(&sb.kw_env(&["target", "add", REF_A], "", &env));
    ok(&sb.kw_env(
        &[
            "rotation",
            "add",
            "auto",
            "--target",
            REF_A,
            "--key-type",
            "secret",
            "--every-days",
            "1",
            "--into",
            "ops/auto key",
        ],
        "",
        &env,
    ));

    let home = sb.dir.path().join("home");
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .arg("daemon")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("USER", "tester")
        .env("KEYWARD_VAULT", &sb.path)
        .env(
            "KEYWARD_INSECURE_KDF_WORK_FACTOR",
            TEST_WORK_FACTOR.to_string(),
        )
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while live_keys(&emu, "auto").is_empty() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // SIGTERM lets the attempt in flight finish (promotion included) before exiting.
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    let status = daemon.wait().unwrap();
    assert!(status.success(), "daemon exit: {status:?}");
    assert_eq!(live_keys(&emu, "auto"), vec!["keyward_auto_1"]);

    let v = sb.open();
    let r = v.read().unwrap();
    let causes: Vec<Cause> = r
        .history("ops", "webhook")
        .unwrap()
        .into_iter()
        .map(|h| h.cause)
        .collect();
    assert_eq!(causes, vec![Cause::Edit, Cause::Rotation]);
    assert_eq!(r.history("ops", "auto key").unwrap().len(), 1);
    assert_eq!(
        r.key_rotation("auto").unwrap().state.current.unwrap().name,
        "keyward_auto_1"
    );
}
