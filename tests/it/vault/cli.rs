//! The command line contract (cli.md, vault part) through the real binary.

use crate::support::vault::{Sandbox, fails, json, ok};

pub(super) fn init() -> Sandbox {
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    ok(&sb.kw(&["project", "add", "billing"], ""));
    sb
}

pub(super) fn history(sb: &Sandbox, s: &str) -> Vec<(u64, String)> {
    let h = json(&sb.kw(&["secret", "history", s, "--json"], ""));
    h.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["cause"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub(super) fn audit_actions(sb: &Sandbox) -> Vec<String> {
    let a = json(&sb.kw(&["audit", "--json"], ""));
    a.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

pub(super) fn get(sb: &Sandbox, s: &str) -> String {
    ok(&sb.kw(&["secret", "get", s], ""))
}

#[test]
fn set_rotate_rollback_trash_restore_purge_end_to_end() {
    let sb = init();
    let s = "billing/Stripe key";

    // set: the trailing newline of stdin is stripped
    ok(&sb.kw(&["secret", "set", s], "sk_live_first\n"));
    assert_eq!(get(&sb, s), "sk_live_first\n");
    assert_eq!(history(&sb, s), [(1, "edit".into())]);
    assert!(audit_actions(&sb).ends_with(&["secret-create".into(), "secret-reveal".into()]));

    // rotate, under a policy
    ok(&sb.kw(
        &[
            "secret",
            "policy",
            s,
            "--every",
            "30d",
            "--generate",
            "base64url:43",
        ],
        "",
    ));
    let r = json(&sb.kw(&["secret", "rotate", s, "--json"], ""));
    assert_eq!(r["version"], 2);
    let rotated = get(&sb, s);
    assert_eq!(rotated.trim_end().len(), 43);
    assert_ne!(rotated, "sk_live_first\n");
    assert_eq!(history(&sb, s).last().unwrap(), &(2, "rotation".into()));
    assert!(audit_actions(&sb).contains(&"secret-rotate".into()));

    // rollback to version 1: a new version 3 with version 1's value
    let r = json(&sb.kw(&["secret", "rollback", s, "1", "--json"], ""));
    assert_eq!(r["version"], 3);
    assert_eq!(get(&sb, s), "sk_live_first\n");
    let h = json(&sb.kw(&["secret", "history", s, "--json"], ""));
    assert_eq!(h[2]["cause"], "rollback");
    assert_eq!(h[2]["from"], 1);
    assert_eq!(h[2]["current"], true);
    assert!(audit_actions(&sb).contains(&"secret-rollback".into()));

    // trash: gone from the listing, present in the trash
    ok(&sb.kw(&["secret", "rm", s], ""));
    assert_eq!(
        json(&sb.kw(&["secret", "list", "--json"], ""))
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let t = json(&sb.kw(&["trash", "list", "--json"], ""));
    assert_eq!(t[0]["name"], "Stripe key");
    assert!(t[0]["purge_after"].as_str().unwrap().ends_with('Z'));
    fails(&sb.kw(&["secret", "get", s], ""), "is in the trash");
    assert!(audit_actions(&sb).contains(&"secret-trash".into()));

    // restore: back with its current value, as version 4
    let r = json(&sb.kw(&["secret", "restore", s, "--json"], ""));
    assert_eq!(r["version"], 4);
    assert_eq!(get(&sb, s), "sk_live_first\n");
    assert_eq!(history(&sb, s).last().unwrap(), &(4, "restore".into()));
    assert!(audit_actions(&sb).contains(&"secret-restore".into()));

    // purge: only from the trash, then gone for good
    fails(&sb.kw(&["trash", "purge", s], ""), "not in the trash");
    ok(&sb.kw(&["secret", "rm", s], ""));
    ok(&sb.kw(&["trash", "purge", s], ""));
    fails(
        &sb.kw(&["secret", "history", s], ""),
        "no secret billing/Stripe key",
    );
    assert_eq!(
        json(&sb.kw(&["trash", "list", "--json"], ""))
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let audit = json(&sb.kw(&["audit", "--json", "--action", "secret-purge"], ""));
    assert_eq!(audit[0]["subject"], "billing/Stripe key");
    // The process's uid names the actor, not USER (the sandbox sets USER=tester).
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let me = String::from_utf8(me.stdout).unwrap();
    assert_eq!(
        audit[0]["actor"].as_str().unwrap().split('@').next(),
        Some(me.trim())
    );
    assert_ne!(me.trim(), "tester");

    // The whole walk is in an intact chain, and no value ever reached the log.
    let v = json(&sb.kw(&["audit", "verify", "--json"], ""));
    assert_eq!(v["intact"], true);
    let log = ok(&sb.kw(&["audit", "--json"], ""));
    assert!(!log.contains("sk_live_first") && !log.contains(rotated.trim_end()));
}

#[test]
fn structured_secrets_take_key_value_lines_on_stdin() {
    let sb = init();
    ok(&sb.kw(
        &[
            "secret",
            "set",
            "billing/db",
            "--field",
            "host",
            "--field",
            "password",
        ],
        "host=db.local\npassword=p=w\n",
    ));
    assert_eq!(
        ok(&sb.kw(&["secret", "get", "billing/db", "--field", "password"], "")),
        "p=w\n"
    );
    let j = json(&sb.kw(&["secret", "get", "billing/db", "--json"], ""));
    assert_eq!(j["fields"][0]["name"], "host");
    assert_eq!(j["fields"][1]["value"], "p=w");
    fails(
        &sb.kw(
            &[
                "secret",
                "set",
                "billing/db",
                "--field",
                "host",
                "--field",
                "user",
            ],
            "host=x\n",
        ),
        "no line for the field \"user\"",
    );
    fails(
        &sb.kw(
            &["secret", "set", "billing/db", "--field", "host"],
            "host=x\nport=5\n",
        ),
        "not a --field",
    );
    ok(&sb.kw(
        &[
            "secret",
            "policy",
            "billing/db",
            "--field",
            "password",
            "--every",
            "7d",
            "--generate",
            "password:24",
        ],
        "",
    ));
    ok(&sb.kw(
        &["secret", "rotate", "billing/db", "--field", "password"],
        "",
    ));
    assert_eq!(
        ok(&sb.kw(&["secret", "get", "billing/db", "--field", "password"], ""))
            .trim_end()
            .len(),
        24
    );
    assert_eq!(
        ok(&sb.kw(&["secret", "get", "billing/db", "--field", "host"], "")),
        "db.local\n"
    );
}

#[test]
fn rename_list_and_projects_through_the_cli() {
    let sb = init();
    ok(&sb.kw(
        &["secret", "set", "billing/Database URL", "--note", "primary"],
        "postgres://x",
    ));
    ok(&sb.kw(&["secret", "rename", "billing/Database URL", "DB URL"], ""));
    let l = json(&sb.kw(&["secret", "list", "billing", "--json"], ""));
    assert_eq!(l[0]["name"], "DB URL");
    assert_eq!(l[0]["note"], "primary");
    assert_eq!(l[0]["kind"], "simple");
    assert!(l[0]["targets"].as_array().unwrap().is_empty());
    assert_eq!(history(&sb, "billing/DB URL").len(), 1);
    let p = json(&sb.kw(&["project", "list", "--json"], ""));
    assert_eq!(p[0]["name"], "billing");
    assert_eq!(p[0]["secrets"], 1);
    // Counts and per-project listings hold live secrets only, of that project only.
    ok(&sb.kw(&["project", "add", "web"], ""));
    for s in ["billing/a", "billing/b", "web/a"] {
        ok(&sb.kw(&["secret", "set", s], "v"));
    }
    ok(&sb.kw(&["secret", "rm", "billing/a"], ""));
    let p = json(&sb.kw(&["project", "list", "--json"], ""));
    assert_eq!(
        (&p[0]["name"], &p[0]["secrets"]),
        (&"billing".into(), &2.into())
    );
    assert_eq!(
        (&p[1]["name"], &p[1]["secrets"]),
        (&"web".into(), &1.into())
    );
    let l = json(&sb.kw(&["secret", "list", "billing", "--json"], ""));
    let names: Vec<&str> = l
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["DB URL", "b"]);
    fails(
        &sb.kw(&["project", "rm", "billing"], ""),
        "still holds secrets",
    );
    fails(&sb.kw(&["project", "add", "billing"], ""), "already exists");
}

#[test]
fn import_dry_run_import_and_export() {
    let sb = init();
    let env = sb.dir.path().join("app.env");
    std::fs::write(
        &env,
        "# app\nDATABASE_URL=postgres://a\nexport API_KEY=\"k 1\"\n",
    )
    .unwrap();
    let plan = json(&sb.kw(
        &[
            "import",
            "billing",
            env.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
        "",
    ));
    assert_eq!(plan["changes"][0]["name"], "DATABASE_URL");
    assert_eq!(plan["changes"][0]["change"], "create");
    let dry = ok(&sb.kw(
        &["import", "billing", env.to_str().unwrap(), "--dry-run"],
        "",
    ));
    assert!(
        dry.contains("would create\tAPI_KEY") && !dry.contains("k 1"),
        "{dry}"
    );
    assert_eq!(
        json(&sb.kw(&["secret", "list", "--json"], ""))
            .as_array()
            .unwrap()
            .len(),
        0
    );
    ok(&sb.kw(&["import", "billing", env.to_str().unwrap()], ""));
    let out = ok(&sb.kw(&["export", "billing"], ""));
    assert_eq!(out, "API_KEY=\"k 1\"\nDATABASE_URL=\"postgres://a\"\n");

    let bad = sb.dir.path().join("bad.env");
    std::fs::write(&bad, "GOOD=1\nOTHER=2\n=novalue\n").unwrap();
    fails(
        &sb.kw(&["import", "billing", bad.to_str().unwrap()], ""),
        "line 3",
    );
    let l = json(&sb.kw(&["secret", "list", "--json"], ""));
    assert!(
        l.as_array().unwrap().iter().all(|s| s["name"] != "GOOD"),
        "a malformed file imported something"
    );
}

#[test]
fn passphrase_file_and_passphrase_change() {
    let sb = init();
    ok(&sb.kw(&["secret", "set", "billing/k"], "v"));
    let newf = sb.dir.path().join("new");
    std::fs::write(&newf, "brand new\n").unwrap();
    let changed = sb.kw(
        &[
            "passphrase",
            "change",
            "--new-passphrase-file",
            newf.to_str().unwrap(),
        ],
        "",
    );
    ok(&changed);
    // A short one is taken, with advice; a long one (the sandbox's) gets none.
    let said = String::from_utf8_lossy(&changed.stderr);
    assert!(
        said.contains("warning: a passphrase of 9 characters"),
        "{said}"
    );
    let long = Sandbox::new();
    let made = long.kw(&["init"], "");
    ok(&made);
    let said = String::from_utf8_lossy(&made.stderr);
    assert!(!said.contains("passphrase of"), "{said}");
    fails(
        &sb.kw(&["secret", "get", "billing/k"], ""),
        "wrong passphrase",
    );
    let o = sb.kw_env(
        &[
            "--passphrase-file",
            newf.to_str().unwrap(),
            "secret",
            "get",
            "billing/k",
        ],
        "",
        &[],
    );
    assert_eq!(ok(&o), "v\n");
}

#[test]
fn init_with_a_recipient_then_unseal_headless_with_the_identity() {
    use age::secrecy::ExposeSecret;
    let sb = Sandbox::new();
    let id = age::x25519::Identity::generate();
    let id_file = sb.dir.path().join("daemon.key");
    std::fs::write(&id_file, format!("{}\n", id.to_string().expose_secret())).unwrap();
    let public = id.to_public().to_string();
    fails(
        &sb.kw(&["init", "--recipient", "age1notakey"], ""),
        "not an age X25519 recipient",
    );
    assert!(!sb.path.exists(), "a refused init left a file behind");
    ok(&sb.kw(&["init", "--recipient", &public], ""));
    ok(&sb.kw(&["project", "add", "ops"], ""));
    ok(&sb.kw(&["secret", "set", "ops/k"], "for the daemon"));
    // No passphrase anywhere: the identity alone unseals.
    let o = sb.kw_env(
        &[
            "--identity",
            id_file.to_str().unwrap(),
            "secret",
            "get",
            "ops/k",
        ],
        "",
        &[("KEYWARD_PASSPHRASE", "")],
    );
    assert_eq!(ok(&o), "for the daemon\n");
    let other = sb.dir.path().join("other.key");
    std::fs::write(
        &other,
        age::x25519::Identity::generate()
            .to_string()
            .expose_secret(),
    )
    .unwrap();
    fails(
        &sb.kw(
            &["--identity", other.to_str().unwrap(), "secret", "list"],
            "",
        ),
        "cannot unseal",
    );
}

#[test]
fn the_default_vault_lives_in_the_xdg_data_dir() {
    let sb = Sandbox::new();
    let env = [("KEYWARD_PASSPHRASE", crate::support::vault::PASS)];
    ok(&sb.run(&["init"], "", &env, false));
    assert!(sb.dir.path().join("home/data/keyward/vault.redb").exists());
    ok(&sb.run(&["project", "add", "p"], "", &env, false));
    ok(&sb.run(&["secret", "set", "p/k", "--json"], "v", &env, false));
    let l = json(&sb.run(&["secret", "list", "--json"], "", &env, false));
    assert_eq!(l[0]["name"], "k");
}

#[test]
fn list_json_shows_rotation_policies() {
    let sb = init();
    ok(&sb.kw(&["secret", "set", "billing/k"], "v"));
    ok(&sb.kw(
        &[
            "secret",
            "policy",
            "billing/k",
            "--every",
            "2w",
            "--generate",
            "uuid",
        ],
        "",
    ));
    let l = json(&sb.kw(&["secret", "list", "--json"], ""));
    assert_eq!(l[0]["rotation"][0]["every"], "2w");
    assert_eq!(l[0]["rotation"][0]["generate"], "uuid");
    assert!(
        l[0]["rotation"][0]["next_due"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let pol = json(&sb.kw(
        &[
            "secret",
            "policy",
            "billing/k",
            "--every",
            "3d",
            "--generate",
            "hex:16",
            "--json",
        ],
        "",
    ));
    assert_eq!(pol["every"], "3d");
    assert_eq!(pol["name"], "k");
    ok(&sb.kw(&["secret", "policy", "billing/k", "--off"], ""));
    let l = json(&sb.kw(&["secret", "list", "--json"], ""));
    assert!(l[0]["rotation"].as_array().unwrap().is_empty());
}

#[test]
fn setting_some_fields_keeps_the_others_unless_replace_is_given() {
    let sb = init();
    ok(&sb.kw(
        &[
            "secret",
            "set",
            "billing/db",
            "--field",
            "host",
            "--field",
            "password",
        ],
        "host=h\npassword=one\n",
    ));
    ok(&sb.kw(
        &[
            "secret",
            "set",
            "billing/db",
            "--field",
            "password",
            "--field",
            "port",
        ],
        "password=two\nport=5432\n",
    ));
    assert_eq!(get(&sb, "billing/db"), "host=h\npassword=two\nport=5432\n");
    ok(&sb.kw(
        &["secret", "set", "billing/db", "--replace", "--field", "url"],
        "url=postgres://h\n",
    ));
    assert_eq!(get(&sb, "billing/db"), "url=postgres://h\n");
    // Every state is still in the history.
    assert_eq!(history(&sb, "billing/db").len(), 3);
    let old = ok(&sb.kw(
        &[
            "secret",
            "get",
            "billing/db",
            "--version",
            "2",
            "--field",
            "port",
        ],
        "",
    ));
    assert_eq!(old, "5432\n");
}

#[test]
fn audit_exports_as_json_lines() {
    let sb = init();
    let out = ok(&sb.kw(&["audit", "--jsonl"], ""));
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["action"], "init");
    assert_eq!(lines[1]["action"], "project-add");
}

#[test]
fn empty_listings_say_what_to_do_on_stderr_and_keep_stdout_empty() {
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    let cases: [(&[&str], &str); 8] = [
        (&["project", "list"], "keyward project add"),
        (&["secret", "list"], "keyward secret set"),
        (&["trash", "list"], "trash is empty"),
        (&["connections"], "keyward connect"),
        (&["target", "list"], "keyward target add"),
        (&["status"], "keyward connect"),
        (&["key", "list"], "keyward key create"),
        (&["rotation", "list"], "keyward rotation add"),
    ];
    for (args, hint) in cases {
        let o = sb.kw(args, "");
        assert_eq!(ok(&o), "", "{args:?} printed to stdout");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(hint), "{args:?}: want {hint:?} in {err:?}");
        // --json stays a JSON document with nothing in it, and no hint.
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let o = sb.kw(&with_json, "");
        let v = json(&o);
        assert!(
            v.as_array().is_some_and(|a| a.is_empty())
                || v["targets"].as_array().is_some_and(|a| a.is_empty()),
            "{with_json:?}: {v}"
        );
        assert!(!String::from_utf8_lossy(&o.stderr).contains(hint));
    }
}

/// Files as editors and dotenv tools write them: a byte order mark, CRLF line ends, an
/// empty value and a PEM key in a double-quoted value over several lines. The values
/// land byte for byte, the empty one is skipped with a warning, and what `export` writes
/// imports back to the same values.
#[test]
fn import_reads_bom_empty_and_multi_line_values_and_round_trips() {
    let sb = init();
    ok(&sb.kw(&["project", "add", "copy"], ""));
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----";
    let env = sb.dir.path().join("app.env");
    let text = format!(
        "\u{FEFF}# exported by a tool\r\nAPI_URL=https://x\r\nEMPTY=\r\nPRIVATE_KEY=\"{}\"\r\nNOTE='two\r\nlines'\r\n",
        pem.replace('\n', "\r\n")
    );
    std::fs::write(&env, text).unwrap();
    let out = sb.kw(&["import", "billing", env.to_str().unwrap()], "");
    let stdout = ok(&out);
    assert!(stdout.contains("created\tPRIVATE_KEY"), "{stdout}");
    assert!(stdout.contains("skipped\tEMPTY"), "{stdout}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: EMPTY has an empty value and was not imported"),
        "{err}"
    );
    assert_eq!(get(&sb, "billing/PRIVATE_KEY"), format!("{pem}\n"));
    assert_eq!(get(&sb, "billing/NOTE"), "two\nlines\n");
    assert_eq!(get(&sb, "billing/API_URL"), "https://x\n");
    let plan = json(&sb.kw(&["import", "billing", env.to_str().unwrap(), "--json"], ""));
    let empty = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "EMPTY")
        .unwrap();
    assert_eq!(empty["change"], "skipped");
    assert_eq!(empty["reason"], "empty value");

    let exported = sb.dir.path().join("exported.env");
    std::fs::write(&exported, ok(&sb.kw(&["export", "billing"], ""))).unwrap();
    ok(&sb.kw(&["import", "copy", exported.to_str().unwrap()], ""));
    for name in ["PRIVATE_KEY", "NOTE", "API_URL"] {
        assert_eq!(
            get(&sb, &format!("copy/{name}")),
            get(&sb, &format!("billing/{name}")),
            "{name}"
        );
    }
}
