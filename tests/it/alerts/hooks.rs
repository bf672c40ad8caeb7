//! Hook commands against the engine and the emulator: a failing push runs the hook
//! once with the event's JSON and not again within the interval; a stuck hook does
//! not hold up the next push.

use std::sync::Arc;

use keyward::alerts::{self, Config};

use super::{lines, script, wait_for};
use crate::support::emulator::{self as emus, REF_A};
use crate::sync::{engine, map, remote, set, var, vault_with};

/// The engine on `vault` with the alerts of `config` listening to it.
fn start(
    emu: &keyward::supabase::emulator::Emulator,
    vault: &Arc<keyward::vault::Vault>,
    config: &str,
) -> (
    tokio::runtime::Runtime,
    keyward::engine::EngineHandle,
    alerts::Running,
) {
    let config = Config::parse(config).unwrap();
    let (rt, h) = engine(emu, vault);
    let running = {
        let _in = rt.enter();
        alerts::start(Arc::new(config), vault.clone(), h.clone(), h.subscribe())
    };
    (rt, h, running)
}

const VALUE: &str = "value-that-must-never-reach-a-hook-0001";

#[test]
fn a_failed_push_runs_the_hook_once_with_the_event_and_not_again_within_the_interval() {
    let emu = emus::start();
    let (sb, vault) = vault_with(&emu, &[(REF_A, "billing-api")]);
    let out = sb.dir.path().join("alerts.jsonl");
    // `cat` leaves no newline after the JSON: one line per alert.
    let hook = script(
        sb.dir.path(),
        "hook.sh",
        &format!(
            "cat >> '{o}'\necho \" $KEYWARD_EVENT_KIND\" >> '{o}.env'\necho >> '{o}'",
            o = out.display()
        ),
    );
    // One alert for both kinds: one worker, so its deliveries keep the events' order.
    let (_rt, h, running) = start(
        &emu,
        &vault,
        &format!(
            "[[alert]]\nname = \"pager\"\non = [\"push_failed\", \"target_unhealthy\"]\nrun = [\"{}\"]\ninterval = \"1h\"\n",
            hook.display()
        ),
    );

    // Every request fails: the push is retried (milliseconds apart in tests) until the
    // target is unhealthy after 10 failures.
    emu.control().set_fail_rate(1.0);
    set(&vault, "app/API_URL", VALUE);
    map(&vault, "app/API_URL", REF_A);
    h.kick();
    wait_for("the unhealthy alert", || lines(&out).len() >= 2);
    let got = lines(&out);
    // Ten failed batches, one push_failed alert: the other nine fell in its interval.
    // The unhealthy alert came after all of them through the same queue, so a second
    // push_failed would be here by now.
    let kinds: Vec<&str> = got.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["push_failed", "target_unhealthy"], "{got:#?}");
    let a = &got[0];
    assert_eq!(a["target"], REF_A);
    assert_eq!(a["variables"], serde_json::json!(["API_URL"]));
    assert_eq!(a["test"], false);
    assert!(a["id"].as_str().unwrap().starts_with("msg_"), "{a}");
    assert!(
        a["message"].as_str().unwrap().contains("API_URL failed"),
        "{a}"
    );
    assert!(a["time"].as_str().unwrap().ends_with('Z'), "{a}");
    let failures = var(&vault.read().unwrap(), REF_A, "API_URL")
        .unwrap()
        .attempts;
    assert!(failures >= 10, "{failures} failed attempts");
    // The hook writes its environment line after the JSON: wait for the second one.
    let env_file = format!("{}.env", out.display());
    wait_for("the second hook's environment line", || {
        std::fs::read_to_string(&env_file).is_ok_and(|e| e.lines().count() >= 2)
    });
    let env = std::fs::read_to_string(&env_file).unwrap();
    assert_eq!(env, " push_failed\n target_unhealthy\n");

    // Each delivery is audited; the value appears in no alert.
    wait_for("two audited deliveries", || {
        vault
            .read()
            .unwrap()
            .audit_entries(Some(alerts::AUDIT_ACTION))
            .unwrap()
            .len()
            == 2
    });
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains(VALUE));
    assert!(!text.contains(emus::TOKEN));
    running.stop();
}

#[test]
fn a_stuck_hook_does_not_delay_the_next_push() {
    let emu = emus::start();
    let (sb, vault) = vault_with(&emu, &[(REF_A, "billing-api")]);
    let d = sb.dir.path().display().to_string();
    // Starts, then hangs far longer than the test waits for anything.
    let hook = script(
        sb.dir.path(),
        "stuck.sh",
        &format!("touch '{d}/started'\nsleep 120\ntouch '{d}/finished'"),
    );
    let (rt, h, running) = start(
        &emu,
        &vault,
        &format!(
            "[[alert]]\nname = \"stuck\"\non = [\"push_failed\"]\nrun = [\"{}\"]\ntimeout = \"10m\"\n",
            hook.display()
        ),
    );
    // One failed push starts the hook; the retry goes through.
    emu.control().fail_next("*", 1, 500);
    set(&vault, "app/API_URL", "v1");
    map(&vault, "app/API_URL", REF_A);
    h.kick();
    let started = sb.dir.path().join("started");
    wait_for("the hook to start", || started.exists());
    wait_for("v1 on Supabase", || {
        remote(&emu, REF_A).get("API_URL").map(String::as_str) == Some("v1")
    });

    // While it hangs, the next change is pushed.
    set(&vault, "app/API_URL", "v2");
    h.kick();
    wait_for("v2 on Supabase", || {
        remote(&emu, REF_A).get("API_URL").map(String::as_str) == Some("v2")
    });
    assert!(
        !sb.dir.path().join("finished").exists(),
        "the hook was still running while the push went through"
    );
    // Stopping kills the hook and its children.
    running.stop();
    drop(rt);
}

#[test]
fn drift_found_by_a_check_alerts_with_the_drifted_names() {
    let emu = emus::start();
    let (sb, vault) = vault_with(&emu, &[(REF_A, "billing-api")]);
    let out = sb.dir.path().join("alerts.jsonl");
    let hook = script(
        sb.dir.path(),
        "hook.sh",
        &format!("cat >> '{o}'\necho >> '{o}'", o = out.display()),
    );
    let (rt, h, running) = start(
        &emu,
        &vault,
        &format!(
            "[[alert]]\nname = \"drift\"\non = [\"drift_found\"]\nrun = [\"{}\"]\n",
            hook.display()
        ),
    );
    set(&vault, "app/API_URL", VALUE);
    map(&vault, "app/API_URL", REF_A);
    h.kick();
    wait_for("the first push recorded", || {
        var(&vault.read().unwrap(), REF_A, "API_URL").is_some_and(|s| s.state.as_str() == "synced")
    });
    emu.world(|w| {
        let p = w.projects.get_mut(REF_A).unwrap();
        p.secrets.get_mut("API_URL").unwrap().value = "edited by hand".into();
    });
    rt.block_on(h.drift(None)).unwrap();
    wait_for("the drift alert", || !lines(&out).is_empty());
    let a = &lines(&out)[0];
    assert_eq!(a["kind"], "drift_found");
    assert_eq!(a["target"], REF_A);
    assert_eq!(a["variables"], serde_json::json!(["API_URL"]));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        !text.contains(VALUE) && !text.contains("edited by hand"),
        "{text}"
    );
    running.stop();
}
