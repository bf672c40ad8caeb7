//! The command line's own extras (issue 12): `projects` (what a connection can see,
//! for `target add`), `project rename`, `trash purge` that never empties the trash
//! unasked, completions, the man page and `config print`.

use keyward::vault::{Cause, SecretValue};

use crate::support::emulator::{self as emus, ORG, REF_A, REF_B, TOKEN};
use crate::support::vault::{Sandbox, fails, json, ok};

#[test]
fn projects_lists_what_a_connection_sees_and_which_are_targets() {
    let emu = emus::start();
    let sb = Sandbox::new();
    let url = emu.base_url().to_string();
    sb.create()
        .write(|tx| {
            tx.add_connection("main", &url, None, TOKEN)?;
            tx.add_target(REF_A, "billing-api", ORG, "main").map(|_| ())
        })
        .unwrap();
    let out = ok(&sb.kw(&["projects"], ""));
    let a = out.lines().find(|l| l.starts_with(REF_A)).unwrap();
    assert!(a.contains("billing-api") && a.ends_with("target"), "{out}");
    let b = out.lines().find(|l| l.starts_with(REF_B)).unwrap();
    assert!(b.contains(ORG) && b.ends_with('-'), "{out}");
    let doc = json(&sb.kw(&["projects", "--connection", "main", "--json"], ""));
    let rows = doc.as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["ref"] == REF_B && r["target"] == false)
    );
    assert!(rows.iter().all(|r| r["connection"] == "main"));
    fails(
        &sb.kw(&["projects", "--connection", "nope"], ""),
        "no connection \"nope\"",
    );
}

#[test]
fn a_project_is_renamed_with_its_secrets() {
    let sb = Sandbox::new();
    sb.create()
        .write(|tx| {
            tx.add_project("ops")?;
            tx.set_value("ops", "k", &SecretValue::simple("v"), Cause::Edit)
                .map(|_| ())
        })
        .unwrap();
    ok(&sb.kw(&["project", "rename", "ops", "platform"], ""));
    assert_eq!(ok(&sb.kw(&["secret", "get", "platform/k"], "")).trim(), "v");
    fails(
        &sb.kw(&["project", "rename", "nope", "x"], ""),
        "no project named",
    );
    fails(
        &sb.kw(&["project", "rename", "platform", "a/b"], ""),
        "contains '/'",
    );
}

#[test]
fn purge_without_a_name_needs_all() {
    let sb = Sandbox::new();
    sb.create()
        .write(|tx| {
            tx.add_project("app")?;
            tx.set_value("app", "k", &SecretValue::simple("v"), Cause::Edit)?;
            tx.trash("app", "k").map(|_| ())
        })
        .unwrap();
    let o = sb.kw(&["trash", "purge"], "");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--all"));
    assert_eq!(sb.open().read().unwrap().trash().unwrap().len(), 1);
    ok(&sb.kw(&["trash", "purge", "--all"], ""));
    assert!(sb.open().read().unwrap().trash().unwrap().is_empty());
}

#[test]
fn completions_man_page_and_config_print_come_from_the_program() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = ok(&sb.kw(&["completions", shell], ""));
        assert!(
            out.contains("keyward") && out.contains("rotation"),
            "{shell}"
        );
    }
    let man = ok(&sb.kw(&["man"], ""));
    assert!(man.contains(".TH keyward"), "{man}");
    let keymap = ok(&sb.kw(&["config", "print", "keymap"], ""));
    assert!(keymap.contains("action = \"quit\""));
    let light = ok(&sb.kw(&["config", "print", "theme", "light"], ""));
    assert!(light.contains("light theme"));
    fails(
        &sb.kw(&["config", "print", "theme", "neon"], ""),
        "no theme",
    );
}

/// An empty `projects` says what to do next: connect, when there is no connection; and
/// when connections exist but see nothing, that they answered with none.
#[test]
fn an_empty_projects_listing_says_why() {
    use keyward::supabase::emulator::{Emulator, Seed, TokenSpec};
    let sb = Sandbox::new();
    drop(sb.create());
    let out = sb.kw(&["projects"], "");
    assert!(ok(&out).is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("connect an account"), "{err}");

    let emu = Emulator::with_seed(
        Seed::default()
            .organization("empty", "Empty")
            .token(TokenSpec::account(TOKEN)),
    )
    .unwrap();
    let url = emu.base_url().to_string();
    sb.open()
        .write(|tx| tx.add_connection("main", &url, None, TOKEN).map(|_| ()))
        .unwrap();
    let out = sb.kw(&["projects"], "");
    assert!(ok(&out).is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 connection(s) answered with none") && !err.contains("connect an account"),
        "{err}"
    );
    emu.shutdown();
}
