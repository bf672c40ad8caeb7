//! `keyward daemon` runs the rotation loops: a due API key rotation, a due JWT signing
//! key rotation and a due vault policy are rotated with no command asking, and each
//! step is an event line.

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

    ok(&sb.kw_env(
        &[
            "rotation",
            "add",
            "auth",
            "--target",
            REF_A,
            "--key-type",
            "signing",
            "--every-days",
            "1",
        ],
        "",
        &env,
    ));
    let signing_in_use = || {
        emu.world(|w| {
            w.projects[REF_A]
                .signing_keys
                .iter()
                .any(|k| k.status == keyward::supabase::api::SigningKeyStatus::InUse && !k.legacy)
        })
    };

    let home = sb.dir.path().join("home");
    let daemon = Command::new(env!("CARGO_BIN_EXE_keyward"))
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
    while (live_keys(&emu, "auto").is_empty() || !signing_in_use())
        && start.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    // SIGTERM lets the attempt in flight finish (promotion included) before exiting.
    crate::support::sigterm(daemon.id());
    let out = daemon.wait_with_output().unwrap();
    assert!(out.status.success(), "daemon exit: {:?}", out.status);
    assert_eq!(live_keys(&emu, "auto"), vec!["keyward_auto_1"]);
    assert!(signing_in_use());
    // The signing rotation's steps are event lines; ids only, never key material.
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("rotation auth: imported the legacy JWT secret"),
        "{log}"
    );
    assert!(log.contains("rotation auth: promoted RS256 key"), "{log}");
    let secret = emu.world(|w| w.projects[REF_A].jwt_secret.clone());
    assert!(
        !log.contains(&secret),
        "the legacy JWT secret reached the log"
    );

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
    let auth = r.signing_rotation("auth").unwrap();
    assert_eq!(auth.state.current.unwrap().algorithm, "RS256");
    assert!(auth.state.legacy_id.is_some());
}
