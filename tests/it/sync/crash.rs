//! The process killed (SIGKILL) at random points of a large sync, with changes made
//! between runs: after a final run every variable converges; nothing is lost, nothing
//! stale is left behind.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use keyward::vault::{Cause, SecretValue};
use rand::Rng;

use super::*;
use crate::support::emulator::{REF_A, REF_B};
use crate::support::vault::{PASS, Sandbox, TEST_WORK_FACTOR};

fn spawn_sync(sb: &Sandbox) -> std::process::Child {
    let home = sb.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["sync", "--wait", "--timeout", "60"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("KEYWARD_VAULT", &sb.path)
        .env("KEYWARD_PASSPHRASE", PASS)
        .env(
            "KEYWARD_INSECURE_KDF_WORK_FACTOR",
            TEST_WORK_FACTOR.to_string(),
        )
        .env("KEYWARD_RETRY_FIRST_MS", "10")
        .env("KEYWARD_RETRY_CAP_MS", "50")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// What each target must hold: every live secret of `app`, by derived name.
fn expected(v: &Vault) -> BTreeMap<String, String> {
    let r = v.read().unwrap();
    r.secrets(Some("app"))
        .unwrap()
        .into_iter()
        .map(|s| {
            let (_, val) = r.value("app", &s.meta.name, None).unwrap();
            (
                keyward::vault::env_name(&s.meta.name),
                val.as_simple().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn killed_at_random_points_and_restarted_everything_converges() {
    let emu = emus::start();
    emu.control().set_latency(Duration::from_millis(30));
    let (sb, v) = vault_with(&emu, &[(REF_A, "billing-api"), (REF_B, "web")]);
    let n = 40;
    for i in 0..n {
        set(&v, &format!("app/var {i:02}"), &format!("v0-{i}"));
        v.write(|tx| {
            tx.map("app", &format!("var {i:02}"), REF_A, None, false, None)?;
            tx.map("app", &format!("var {i:02}"), REF_B, None, false, None)
                .map(|_| ())
        })
        .unwrap();
    }
    drop(v);
    let mut rng = rand::thread_rng();
    let mut killed_mid_run = 0;
    for round in 1..=12 {
        {
            // Changes between runs: edits, a rename, a trash and a restore.
            let v = sb.open();
            v.write(|tx| {
                for i in (0..n).filter(|i| i % 3 == round % 3) {
                    let name = format!("var {i:02}");
                    if tx.secret("app", &name).is_ok_and(|m| !m.is_trashed()) {
                        let val = SecretValue::simple(format!("v{round}-{i}"));
                        tx.set_value("app", &name, &val, Cause::Edit)?;
                    }
                }
                let names: Vec<String> = tx_names(tx);
                let pick = &names[round % names.len()];
                tx.rename("app", pick, &format!("renamed {round}"))?;
                if round % 4 == 0 {
                    tx.trash("app", &format!("renamed {round}"))?;
                }
                if round % 4 == 2 && tx.secret("app", &format!("renamed {}", round - 2)).is_ok() {
                    let old = format!("renamed {}", round - 2);
                    if tx.secret("app", &old)?.is_trashed() {
                        tx.restore("app", &old)?;
                    }
                }
                Ok(())
            })
            .unwrap();
        }
        let requests_before = emu.control().total_requests();
        let mut child = spawn_sync(&sb);
        std::thread::sleep(Duration::from_millis(rng.gen_range(5..200)));
        // Mid-run means alive after it began talking to Supabase, not merely alive (it
        // may still have been opening the vault).
        if child.try_wait().unwrap().is_none() && emu.control().total_requests() > requests_before {
            killed_mid_run += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    assert!(
        killed_mid_run > 0,
        "no run was killed mid-way: make the sync longer"
    );
    let out = spawn_sync(&sb).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "final sync: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = sb.open();
    let want = expected(&v);
    assert!(want.len() >= n - 3);
    for r in [REF_A, REF_B] {
        let mut got = remote(&emu, r);
        got.remove("HAND_SET");
        assert_eq!(got, want, "target {r}");
    }
    let rd = v.read().unwrap();
    assert_eq!(rd.outbox_totals().unwrap(), (0, 0));
    let status = rd.sync_status(None).unwrap();
    assert_eq!(status.len(), want.len() * 2);
    assert!(
        status
            .iter()
            .all(|s| s.state.state == keyward::vault::SyncState::Synced)
    );
    assert_eq!(rd.owned_names(REF_A).unwrap().len(), want.len());
}

fn tx_names(tx: &keyward::vault::WriteTx<'_>) -> Vec<String> {
    (0..40)
        .map(|i| format!("var {i:02}"))
        .filter(|n| tx.secret("app", n).is_ok_and(|m| !m.is_trashed()))
        .collect()
}
