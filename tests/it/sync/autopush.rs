//! A headless command pushes its own change to a mapped secret before it returns:
//! set, rm (delete at once) and restore through the binary; `--no-push` and
//! KEYWARD_NO_PUSH keep it queued; an unmapped secret costs no request; a failed push
//! still exits 0, says the change is queued, and `sync --wait` converges later.

use super::cli::{fresh, kw};
use super::scenario::{digests, has};
use super::*;
use crate::support::emulator::{REF_A, REF_B};
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

#[test]
fn only_the_touched_targets_are_worked_and_every_command_pushes() {
    let emu = emus::start();
    let sb = mapped(&emu);
    ok(&kw(&sb, &["target", "add", REF_A], ""));
    // Work queued for REF_B stays queued while a change that only touches REF_A pushes.
    ok(&kw(&sb, &["--no-push", "secret", "set", "app/k"], "v2"));
    ok(&kw(&sb, &["secret", "set", "app/a"], "a1"));
    let out = kw(&sb, &["map", "app/a", "--to", REF_A], "");
    ok(&out);
    assert_eq!(stderr(&out).trim(), "pushed to 1 target(s)");
    has(&digests(&emu, REF_A), "A", "a1");
    has(&digests(&emu, REF_B), "K", "v1");
    ok(&kw(&sb, &["sync", "--wait"], ""));
    has(&digests(&emu, REF_B), "K", "v2");

    // rename: the new name written, the old one deleted, at once.
    ok(&kw(&sb, &["secret", "rename", "app/a", "b"], ""));
    let d = digests(&emu, REF_A);
    assert!(!d.contains_key("A"), "{d:?}");
    has(&d, "B", "a1");
    // rotate and rollback.
    ok(&kw(
        &sb,
        &[
            "secret",
            "policy",
            "app/b",
            "--every",
            "30d",
            "--generate",
            "hex:16",
        ],
        "",
    ));
    ok(&kw(&sb, &["secret", "rotate", "app/b"], ""));
    assert_ne!(
        digests(&emu, REF_A)["B"],
        keyward::supabase::api::secret_digest("a1")
    );
    ok(&kw(&sb, &["secret", "rollback", "app/b", "1"], ""));
    has(&digests(&emu, REF_A), "B", "a1");
    // import onto a mapped secret.
    let env = sb.dir.path().join("app.env");
    std::fs::write(&env, "b=from-file\n").unwrap();
    let doc = json(&kw(
        &sb,
        &["import", "app", env.to_str().unwrap(), "--json"],
        "",
    ));
    assert_eq!(doc["changes"][0]["change"], "update", "{doc}");
    assert_eq!(doc["push"]["pushed"], serde_json::json!([REF_A]));
    has(&digests(&emu, REF_A), "B", "from-file");
    // unmap and rm delete at once.
    ok(&kw(&sb, &["unmap", "app/b", "--from", REF_A], ""));
    assert!(!digests(&emu, REF_A).contains_key("B"));
    ok(&kw(&sb, &["secret", "rm", "app/k"], ""));
    assert!(!digests(&emu, REF_B).contains_key("K"));
    // The delete went with `rm`: purging then has nothing to push.
    emu.control().reset_counters();
    let doc = json(&kw(&sb, &["trash", "purge", "app/k", "--json"], ""));
    assert_eq!(doc["push"], serde_json::Value::Null);
    assert_eq!(emu.control().total_requests(), 0);
}
