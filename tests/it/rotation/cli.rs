//! `keyward rotation ...` through the real binary: set-up, listing, bad input.

use crate::support::emulator::REF_A;
use crate::support::vault::{Sandbox, fails, json, ok};

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    ok(&sb.kw(&["project", "add", "billing-api"], ""));
    sb
}

#[test]
fn add_then_list_as_json() {
    let sb = sandbox();
    let out = sb.kw(
        &[
            "rotation",
            "add",
            "web-secret",
            "--target",
            REF_A,
            "--key-type",
            "secret",
            "--every-days",
            "7",
            "--at",
            "03:30",
            "--into",
            "billing-api/service key",
        ],
        "",
    );
    let text = ok(&out);
    assert!(text.contains("every 7 day(s) at 03:30 UTC"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
    ok(&sb.kw(
        &[
            "rotation",
            "add",
            "anon",
            "--target",
            REF_A,
            "--key-type",
            "publishable",
            "--every-days",
            "30",
            "--manual-only",
        ],
        "",
    ));
    let list = json(&sb.kw(&["rotation", "list", "--json"], ""));
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "anon");
    assert_eq!(rows[0]["into"], "supabase-keys/anon key");
    assert_eq!(rows[0]["auto"], false);
    assert_eq!(rows[0]["next_due"], serde_json::Value::Null);
    let web = &rows[1];
    assert_eq!(web["target"], REF_A);
    assert_eq!(web["key_type"], "secret");
    assert_eq!(web["every_days"], 7);
    assert_eq!(web["at"], "03:30");
    assert_eq!(web["status"], "new");
    assert_eq!(web["current_key"], serde_json::Value::Null);
    assert_eq!(web["cleanup_pending"], false);
    assert!(web["next_due"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn a_reserved_variable_name_is_warned_about_at_set_up() {
    let sb = sandbox();
    let out = sb.kw(
        &[
            "rotation",
            "add",
            "svc",
            "--target",
            REF_A,
            "--key-type",
            "secret",
            "--every-days",
            "1",
            "--into",
            "billing-api/SUPABASE_SECRET",
        ],
        "",
    );
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("warning: ") && err.contains("SUPABASE_SECRET"),
        "{err}"
    );
}

#[test]
fn bad_input_is_one_line_and_changes_nothing() {
    let sb = sandbox();
    let base = ["rotation", "add", "r1", "--target", REF_A];
    let case = |extra: &[&str], needle: &str| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        fails(&sb.kw(&args, ""), needle);
    };
    case(
        &["--key-type", "secret", "--every-days", "0"],
        "at least 1 day",
    );
    case(
        &["--key-type", "legacy", "--every-days", "1"],
        "publishable or secret",
    );
    case(
        &["--key-type", "secret", "--every-days", "1", "--at", "25:00"],
        "HH:MM",
    );
    case(
        &[
            "--key-type",
            "secret",
            "--every-days",
            "1",
            "--into",
            "nowhere/x",
        ],
        "no project named",
    );
    fails(
        &sb.kw(
            &[
                "rotation",
                "add",
                "Bad Name",
                "--target",
                REF_A,
                "--key-type",
                "secret",
                "--every-days",
                "1",
            ],
            "",
        ),
        "not a usable rotation name",
    );
    fails(
        &sb.kw(
            &[
                "rotation",
                "add",
                "r2",
                "--target",
                "nope",
                "--key-type",
                "secret",
                "--every-days",
                "1",
            ],
            "",
        ),
        "not a project ref",
    );
    assert_eq!(
        json(&sb.kw(&["rotation", "list", "--json"], "")),
        serde_json::json!([])
    );
    fails(
        &sb.kw(&["rotation", "run", "ghost"], ""),
        "no key rotation named",
    );
    fails(
        &sb.kw(&["rotation", "rm", "ghost"], ""),
        "no key rotation named",
    );
}
