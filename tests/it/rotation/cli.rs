//! `keyward rotation ...` and `keyward supabase-key create` through the real binary,
//! against the emulator through a stored connection.

use keyward::supabase::api::secret_digest;
use keyward::supabase::emulator::Emulator;

use super::keys::{deleted, key_value, live_keys};
use crate::support::emulator::{self as emus, REF_A, REF_B, TOKEN};
use crate::support::vault::{PASS, Sandbox, fails, json, ok};

struct Cli {
    emu: Emulator,
    sb: Sandbox,
}

impl Cli {
    /// A vault with project `billing-api`, a connection to the emulator and target REF_A.
    fn new() -> Cli {
        let emu = emus::start();
        let sb = Sandbox::new();
        let c = Cli { emu, sb };
        ok(&c.kw(&["init"], ""));
        ok(&c.kw(&["project", "add", "billing-api"], ""));
        let url = c.emu.base_url().to_string();
        ok(&c.kw(&["connect", "main", "--url", &url], &format!("{TOKEN}\n")));
        ok(&c.kw(&["target", "add", REF_A], ""));
        c
    }

    fn kw(&self, args: &[&str], stdin: &str) -> std::process::Output {
        let template = self.emu.project_url_template();
        self.sb.kw_env(
            args,
            stdin,
            &[
                ("KEYWARD_PASSPHRASE", PASS),
                ("KEYWARD_PROJECT_URL_TEMPLATE", &template),
                ("KEYWARD_RETRY_FIRST_MS", "20"),
                ("KEYWARD_RETRY_CAP_MS", "200"),
            ],
        )
    }

    fn add(&self, name: &str, extra: &[&str]) -> std::process::Output {
        let mut args = vec![
            "rotation",
            "add",
            name,
            "--target",
            REF_A,
            "--key-type",
            "secret",
            "--every-days",
            "7",
        ];
        args.extend_from_slice(extra);
        self.kw(&args, "")
    }
}

#[test]
fn add_then_list_as_json() {
    let c = Cli::new();
    let out = c.add(
        "web-secret",
        &["--at", "03:30", "--into", "billing-api/service key"],
    );
    let text = ok(&out);
    assert!(text.contains("every 7 day(s) at 03:30 UTC"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
    ok(&c.kw(
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
    let list = json(&c.kw(&["rotation", "list", "--json"], ""));
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "anon");
    assert_eq!(rows[0]["into"], "supabase-keys/anon key");
    assert_eq!(rows[0]["auto"], false);
    assert_eq!(rows[0]["next_due"], serde_json::Value::Null);
    let web = &rows[1];
    assert_eq!(web["target"], REF_A);
    assert_eq!(web["connection"], "main");
    assert_eq!(web["key_type"], "secret");
    assert_eq!(web["every_days"], 7);
    assert_eq!(web["at"], "03:30");
    assert_eq!(web["status"], "new");
    assert_eq!(web["current_key"], serde_json::Value::Null);
    assert_eq!(web["cleanup_pending"], false);
    assert!(web["next_due"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn run_rotates_and_the_key_reaches_a_mapped_target_in_the_same_run() {
    let c = Cli::new();
    ok(&c.kw(&["target", "add", REF_B], ""));
    ok(&c.kw(
        &["secret", "set", "billing-api/service key"],
        "placeholder\n",
    ));
    ok(&c.kw(&["map", "billing-api/service key", "--to", REF_B], ""));
    ok(&c.add("svc", &["--into", "billing-api/service key"]));

    let out = ok(&c.kw(&["rotation", "run", "svc"], ""));
    assert!(out.contains("rotated to key keyward_svc_1"), "{out}");
    let key = key_value(&c.emu, "keyward_svc_1");
    assert!(!out.contains(&key), "the value is never printed");
    let remote = c.emu.world(|w| {
        w.projects[REF_B]
            .secrets
            .get("SERVICE_KEY")
            .map(|s| secret_digest(&s.value))
    });
    assert_eq!(remote, Some(secret_digest(&key)));
    ok(&c.kw(&["rotation", "run", "svc"], ""));
    assert_eq!(
        live_keys(&c.emu, "svc"),
        vec!["keyward_svc_1", "keyward_svc_2"]
    );

    let rows = json(&c.kw(&["rotation", "list", "--json"], ""));
    assert_eq!(rows[0]["status"], "ok");
    assert_eq!(rows[0]["current_key"]["name"], "keyward_svc_2");
    assert_eq!(rows[0]["previous_key"]["name"], "keyward_svc_1");
    assert!(rows[0]["last_success"].is_string());

    let out = ok(&c.kw(
        &["rotation", "revoke", "svc", "--reason", "seen in a log"],
        "",
    ));
    assert!(out.contains("keyward_svc_3"), "{out}");
    assert!(
        deleted(&c.emu)
            .iter()
            .all(|d| d.1 && d.2.as_deref() == Some("seen in a log"))
    );
    let out = ok(&c.kw(&["rotation", "rm", "svc"], ""));
    assert!(out.contains("1 key(s) deleted"), "{out}");
    assert!(live_keys(&c.emu, "svc").is_empty());
    assert_eq!(
        json(&c.kw(&["rotation", "list", "--json"], "")),
        serde_json::json!([])
    );
}

#[test]
fn supabase_key_create_shows_the_value_once_or_saves_it() {
    let c = Cli::new();
    let out = c.kw(
        &[
            "supabase-key",
            "create",
            "--target",
            REF_A,
            "--type",
            "secret",
            "ci_deploy",
        ],
        "",
    );
    let printed = ok(&out);
    let key = key_value(&c.emu, "ci_deploy");
    assert_eq!(printed.trim_end(), key);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not shown again"));

    let out = ok(&c.kw(
        &[
            "supabase-key",
            "create",
            "--target",
            REF_A,
            "--type",
            "publishable",
            "web_anon",
            "--into",
            "billing-api/web anon",
        ],
        "",
    ));
    assert!(!out.contains(&key_value(&c.emu, "web_anon")));
    let got = ok(&c.kw(&["secret", "get", "billing-api/web anon"], ""));
    assert_eq!(got.trim_end(), key_value(&c.emu, "web_anon"));
    fails(
        &c.kw(
            &[
                "supabase-key",
                "create",
                "--target",
                REF_A,
                "--type",
                "secret",
                "Bad Name",
            ],
            "",
        ),
        "did not create",
    );
}

#[test]
fn a_reserved_variable_name_is_warned_about_at_set_up() {
    let c = Cli::new();
    let out = c.add("svc", &["--into", "billing-api/SUPABASE_SECRET"]);
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("warning: ") && err.contains("SUPABASE_SECRET"),
        "{err}"
    );
}

#[test]
fn bad_input_is_one_line_and_changes_nothing() {
    let c = Cli::new();
    let case = |extra: &[&str], needle: &str| {
        let mut args = vec!["rotation", "add", "r1", "--target", REF_A];
        args.extend_from_slice(extra);
        fails(&c.kw(&args, ""), needle);
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
    fails(&c.add("Bad Name", &[]), "not a usable rotation name");
    fails(
        &c.kw(
            &[
                "rotation",
                "add",
                "r2",
                "--target",
                REF_B,
                "--key-type",
                "secret",
                "--every-days",
                "1",
            ],
            "",
        ),
        REF_B,
    );
    assert_eq!(
        json(&c.kw(&["rotation", "list", "--json"], "")),
        serde_json::json!([])
    );
    fails(
        &c.kw(&["rotation", "run", "ghost"], ""),
        "no key rotation named",
    );
    fails(
        &c.kw(&["rotation", "rm", "ghost"], ""),
        "no key rotation named",
    );
}
