//! product.md §2-§4 as one run of the binary against the emulator: every step checked on
//! the emulator's side by name and digest.

use std::collections::BTreeMap;

use keyward::supabase::api::secret_digest;

use crate::support::emulator::{self as emus, REF_A, REF_B, TOKEN, UNKNOWN_TOKEN};
use crate::support::vault::{Sandbox, fails, json, ok};

fn kw(sb: &Sandbox, args: &[&str], stdin: &str) -> std::process::Output {
    sb.kw_env(
        args,
        stdin,
        &[
            ("KEYWARD_PASSPHRASE", crate::support::vault::PASS),
            ("KEYWARD_RETRY_FIRST_MS", "20"),
            ("KEYWARD_RETRY_CAP_MS", "200"),
        ],
    )
}

/// Names and digests on the emulator, through the API as keyward sees them.
pub(super) fn digests(
    emu: &keyward::supabase::emulator::Emulator,
    r: &str,
) -> BTreeMap<String, String> {
    let c = emus::client(emu, TOKEN);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(c.list_secrets(r))
        .unwrap()
        .into_iter()
        .filter(|s| !s.name.starts_with("SUPABASE_"))
        .map(|s| (s.name, s.value))
        .collect()
}

fn get(sb: &Sandbox, s: &str, field: Option<&str>) -> String {
    let mut args = vec!["secret", "get", s];
    if let Some(f) = field {
        args.extend(["--field", f]);
    }
    let out = ok(&kw(sb, &args, ""));
    out.strip_suffix('\n').unwrap_or(&out).to_string()
}

#[track_caller]
pub(super) fn has(d: &BTreeMap<String, String>, name: &str, value: &str) {
    assert_eq!(
        d.get(name).map(String::as_str),
        Some(secret_digest(value).as_str()),
        "{name} in {d:?}"
    );
}

fn sync(sb: &Sandbox) {
    ok(&kw(sb, &["sync", "--wait", "--timeout", "60"], ""));
}

#[test]
fn the_whole_product_scenario_through_the_binary() {
    let emu = emus::start();
    let url = emu.base_url().to_string();
    let sb = Sandbox::new();
    drop(sb.create());
    ok(&kw(&sb, &["project", "add", "app"], ""));
    ok(&kw(&sb, &["project", "add", "ops"], ""));

    // §2 connect: a bad token is refused and nothing is stored.
    fails(
        &kw(
            &sb,
            &["connect", "main", "--url", &url],
            &format!("{UNKNOWN_TOKEN}\n"),
        ),
        "invalid or revoked",
    );
    assert_eq!(
        json(&kw(&sb, &["connections", "--json"], "")),
        serde_json::json!([])
    );
    let out = ok(&kw(
        &sb,
        &["connect", "main", "--url", &url],
        &format!("{TOKEN}\n"),
    ));
    assert!(out.contains("connected main"), "{out}");
    let conns = json(&kw(&sb, &["connections", "--json"], ""));
    assert_eq!(conns[0]["fingerprint"], &TOKEN[TOKEN.len() - 4..]);
    assert!(!String::from_utf8_lossy(&std::fs::read(&sb.path).unwrap()).contains(TOKEN));

    ok(&kw(&sb, &["target", "add", REF_A], ""));
    ok(&kw(&sb, &["target", "add", REF_B], ""));
    fails(
        &kw(&sb, &["target", "add", emus::REF_MISSING], ""),
        "cannot see",
    );

    // §3 map secrets of two projects, one structured, to both targets (queued only:
    // §4 plans and syncs them).
    ok(&kw(
        &sb,
        &["secret", "set", "app/Database URL"],
        "postgres://one\n",
    ));
    ok(&kw(
        &sb,
        &[
            "secret",
            "set",
            "ops/stripe",
            "--field",
            "key",
            "--field",
            "webhook",
        ],
        "key=sk_1\nwebhook=wh_1\n",
    ));
    ok(&kw(
        &sb,
        &[
            "--no-push",
            "map",
            "app/Database URL",
            "ops/stripe",
            "--to",
            REF_A,
            REF_B,
        ],
        "",
    ));
    // A name that exists there by hand is not taken over silently.
    ok(&kw(&sb, &["secret", "set", "ops/hand set"], "mine\n"));
    fails(
        &kw(&sb, &["map", "ops/hand set", "--to", REF_A], ""),
        "--adopt",
    );

    // §4 sync.
    let plan = json(&kw(&sb, &["sync", "--plan", "--json"], ""));
    assert_eq!(plan[0]["create"].as_array().unwrap().len(), 3);
    sync(&sb);
    for r in [REF_A, REF_B] {
        let d = digests(&emu, r);
        has(&d, "DATABASE_URL", "postgres://one");
        has(&d, "STRIPE_KEY", "sk_1");
        has(&d, "STRIPE_WEBHOOK", "wh_1");
    }
    let list = json(&kw(&sb, &["secret", "list", "app", "--json"], ""));
    assert_eq!(list[0]["targets"].as_array().unwrap().len(), 2);
    assert_eq!(list[0]["targets"][0]["state"], "synced");

    // Edit.
    ok(&kw(
        &sb,
        &["secret", "set", "app/Database URL"],
        "postgres://two\n",
    ));
    sync(&sb);
    has(&digests(&emu, REF_A), "DATABASE_URL", "postgres://two");

    // Rotate (a field of the structured secret).
    ok(&kw(
        &sb,
        &[
            "secret",
            "policy",
            "ops/stripe",
            "--field",
            "key",
            "--every",
            "30d",
            "--generate",
            "alnum:24",
        ],
        "",
    ));
    ok(&kw(
        &sb,
        &["secret", "rotate", "ops/stripe", "--field", "key"],
        "",
    ));
    sync(&sb);
    let rotated = get(&sb, "ops/stripe", Some("key"));
    assert_ne!(rotated, "sk_1");
    has(&digests(&emu, REF_B), "STRIPE_KEY", &rotated);

    // Rollback.
    ok(&kw(
        &sb,
        &["secret", "rollback", "app/Database URL", "1"],
        "",
    ));
    sync(&sb);
    has(&digests(&emu, REF_B), "DATABASE_URL", "postgres://one");

    // Rename: the new name is written, the old one deleted.
    ok(&kw(
        &sb,
        &["secret", "rename", "app/Database URL", "Primary DB"],
        "",
    ));
    sync(&sb);
    for r in [REF_A, REF_B] {
        let d = digests(&emu, r);
        has(&d, "PRIMARY_DB", "postgres://one");
        assert!(!d.contains_key("DATABASE_URL"));
    }

    // Trash: deleted at once. Restore: back.
    ok(&kw(&sb, &["secret", "rm", "ops/stripe"], ""));
    sync(&sb);
    assert!(!digests(&emu, REF_A).contains_key("STRIPE_WEBHOOK"));
    ok(&kw(&sb, &["secret", "restore", "ops/stripe"], ""));
    sync(&sb);
    has(&digests(&emu, REF_A), "STRIPE_WEBHOOK", "wh_1");
    has(&digests(&emu, REF_A), "STRIPE_KEY", &rotated);

    // Unmap.
    ok(&kw(&sb, &["unmap", "app/Primary DB", "--from", REF_B], ""));
    sync(&sb);
    assert!(!digests(&emu, REF_B).contains_key("PRIMARY_DB"));
    has(&digests(&emu, REF_A), "PRIMARY_DB", "postgres://one");

    let status = json(&kw(&sb, &["status", "--json"], ""));
    assert_eq!(status["variables"].as_array().unwrap().len(), 5);
    assert!(
        status["variables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["state"] == "synced")
    );

    // Remove a target: only ours deleted; the hand-made variable survives.
    ok(&kw(&sb, &["target", "rm", REF_A], ""));
    let d = digests(&emu, REF_A);
    assert_eq!(d.keys().collect::<Vec<_>>(), vec!["HAND_SET"]);
    has(&d, "HAND_SET", "by hand");

    // Disconnect: refused while a target remains; with --remove-targets it goes.
    fails(&kw(&sb, &["disconnect", "main"], ""), "--remove-targets");
    let out = ok(&kw(&sb, &["disconnect", "main", "--remove-targets"], ""));
    assert!(out.contains("revoke"), "{out}");
    assert!(digests(&emu, REF_B).is_empty());
    assert_eq!(
        json(&kw(&sb, &["connections", "--json"], "")),
        serde_json::json!([])
    );
    let audit = ok(&kw(&sb, &["audit", "--json"], ""));
    for action in [
        "supabase_integration_connect",
        "sync_push",
        "sync_delete",
        "supabase_integration_disconnected",
    ] {
        assert!(audit.contains(action), "{action} not audited");
    }
    assert!(!audit.contains("postgres://"));
}
