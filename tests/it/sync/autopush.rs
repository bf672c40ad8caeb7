//! A headless command pushes its own change to a mapped secret before it returns:
//! set, rm (delete at once) and restore through the binary; `--no-push` and
//! KEYWARD_NO_PUSH keep it queued; an unmapped secret costs no request; a failed push
//! still exits 0, says the change is queued, and `sync --wait` converges later.

use super::cli::{fresh, kw};
use super::scenario::{digests, has};
use super::*;
use crate::support::emulator::REF_B;
use crate::support::vault::{PASS, Sandbox, json, ok};

const UPSERT: &str = "POST /v1/projects/{ref}/secrets";

/// A vault connected to `emu` with target REF_B and `app/k` = v1 mapped there (pushed).
fn mapped(emu: &Emulator) -> Sandbox {
    let url = emu.base_url().to_string();
    let sb = fresh();
    ok(&kw(&sb, &["connect", "main", "--url", &url], TOKEN));
    ok(&kw(&sb, &["target", "add", REF_B], ""));
    ok(&kw(&sb, &["secret", "set", "app/k"], "v1"));
    let out = kw(&sb, &["map", "app/k", "--to", REF_B], "");
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pushed to 1 target(s)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    has(&digests(emu, REF_B), "K", "v1");
    sb
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn set_on_a_mapped_secret_is_on_supabase_when_the_command_returns() {
    let emu = emus::start();
    let sb = mapped(&emu);
    let out = kw(&sb, &["secret", "set", "app/k"], "v2");
    ok(&out);
    has(&digests(&emu, REF_B), "K", "v2");
    let err = stderr(&out);
    assert_eq!(err.trim(), "pushed to 1 target(s)", "{err}");
    assert!(!err.contains("v2"), "{err}");
    // --json: still one document on stdout, the push in it.
    let doc = json(&kw(&sb, &["secret", "set", "app/k", "--json"], "v3"));
    assert_eq!(doc["version"], 3);
    assert_eq!(doc["push"]["pushed"], serde_json::json!([REF_B]));
    assert_eq!(doc["push"]["queued"], serde_json::json!([]));
    has(&digests(&emu, REF_B), "K", "v3");
    let st = json(&kw(&sb, &["status", "--json"], ""));
    assert_eq!(st["variables"][0]["state"], "synced");
}

#[test]
fn rm_deletes_on_supabase_at_once_and_restore_brings_it_back() {
    let emu = emus::start();
    let sb = mapped(&emu);
    ok(&kw(&sb, &["secret", "rm", "app/k"], ""));
    assert!(!digests(&emu, REF_B).contains_key("K"));
    let doc = json(&kw(&sb, &["secret", "restore", "app/k", "--json"], ""));
    assert_eq!(doc["push"]["pushed"], serde_json::json!([REF_B]));
    has(&digests(&emu, REF_B), "K", "v1");
}

#[test]
fn no_push_leaves_supabase_untouched_and_the_change_pending() {
    let emu = emus::start();
    let sb = mapped(&emu);
    emu.control().reset_counters();
    let out = kw(&sb, &["--no-push", "secret", "set", "app/k"], "v2");
    ok(&out);
    assert_eq!(stderr(&out), "");
    let out = sb.kw_env(
        &["secret", "set", "app/k", "--json"],
        "v3",
        &[("KEYWARD_PASSPHRASE", PASS), ("KEYWARD_NO_PUSH", "1")],
    );
    assert_eq!(json(&out)["push"], serde_json::Value::Null);
    assert_eq!(emu.control().total_requests(), 0);
    has(&digests(&emu, REF_B), "K", "v1");
    let st = json(&kw(&sb, &["status", "--json"], ""));
    assert_eq!(st["variables"][0]["state"], "pending");
    ok(&kw(&sb, &["sync", "--wait"], ""));
    has(&digests(&emu, REF_B), "K", "v3");
}

#[test]
fn an_unmapped_secret_makes_no_request() {
    let emu = emus::start();
    let sb = mapped(&emu);
    emu.control().reset_counters();
    let out = kw(&sb, &["secret", "set", "app/other"], "x");
    ok(&out);
    assert_eq!(stderr(&out), "");
    ok(&kw(&sb, &["secret", "rm", "app/other"], ""));
    assert_eq!(emu.control().total_requests(), 0);
}

#[test]
fn a_failed_push_exits_0_says_queued_and_sync_wait_converges() {
    let emu = emus::start();
    let sb = mapped(&emu);
    emu.control().fail_next(UPSERT, 1, 500);
    // The product's retry wait (minutes): the failure stays failed while the command waits.
    let out = sb.kw_env(
        &["secret", "set", "app/k"],
        "v2",
        &[("KEYWARD_PASSPHRASE", PASS)],
    );
    ok(&out);
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("queued for target {REF_B}: "))
            && err.contains("it will be retried by `keyward sync` or the daemon"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(emu.control().pending_failures().is_empty());
    has(&digests(&emu, REF_B), "K", "v1");
    let st = json(&kw(&sb, &["status", "--json"], ""));
    assert_eq!(st["variables"][0]["state"], "failed");
    ok(&kw(&sb, &["sync", "--wait"], ""));
    has(&digests(&emu, REF_B), "K", "v2");
}
