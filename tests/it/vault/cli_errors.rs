//! Every bad input of the command line is one clear line, exits non-zero and changes
//! nothing.

use super::cli::{get, history, init};
use crate::support::vault::{Sandbox, fails, json, ok};

#[test]
fn wrong_passphrase_is_one_clear_line_and_is_audited() {
    let sb = init();
    fails(
        &sb.kw_env(&["secret", "list"], "", &[("KEYWARD_PASSPHRASE", "wrong")]),
        "wrong passphrase",
    );
    let pf = sb.dir.path().join("pass");
    std::fs::write(&pf, "also wrong\n").unwrap();
    fails(
        &sb.kw_env(
            &["--passphrase-file", pf.to_str().unwrap(), "secret", "list"],
            "",
            &[],
        ),
        "wrong passphrase",
    );
    let a = json(&sb.kw(&["audit", "--json", "--action", "unseal"], ""));
    assert_eq!(a.as_array().unwrap().len(), 2);
    assert_eq!(a[0]["outcome"], "failed");
    // No passphrase at all and no terminal: says how to give one.
    fails(
        &sb.kw_env(&["secret", "list"], "", &[("KEYWARD_PASSPHRASE", "")]),
        "wrong passphrase",
    );
    fails(
        &sb.kw_env(&["secret", "list"], "", &[]),
        "no passphrase: set KEYWARD_PASSPHRASE",
    );
}

#[test]
fn not_a_vault_truncated_and_missing_files_are_refused() {
    let sb = Sandbox::new();
    fails(&sb.kw(&["secret", "list"], ""), "keyward init");
    std::fs::write(&sb.path, b"just some text, not a database\n").unwrap();
    fails(
        &sb.kw(&["secret", "list"], ""),
        "not a usable keyward vault",
    );
    std::fs::remove_file(&sb.path).unwrap();
    ok(&sb.kw(&["init"], ""));
    fails(&sb.kw(&["init"], ""), "already exists");
    let full = std::fs::read(&sb.path).unwrap();
    std::fs::write(&sb.path, &full[..full.len() / 3]).unwrap();
    fails(
        &sb.kw(&["secret", "list"], ""),
        "not a usable keyward vault",
    );
}

#[test]
fn a_second_process_is_refused_with_the_holder_named_and_nothing_is_damaged() {
    let sb = init();
    ok(&sb.kw(&["secret", "set", "billing/k"], "kept"));
    let before = std::fs::read(&sb.path).unwrap();
    {
        let _held = sb.open(); // this test process holds the vault
        let line = fails(
            &sb.kw(&["secret", "set", "billing/k"], "clobber"),
            "open in another process",
        );
        assert!(
            line.contains(&format!("pid {}", std::process::id())),
            "{line}"
        );
        fails(&sb.kw(&["secret", "list"], ""), "open in another process");
    }
    assert_eq!(std::fs::read(&sb.path).unwrap().len(), before.len());
    assert_eq!(get(&sb, "billing/k"), "kept\n");
    assert_eq!(history(&sb, "billing/k").len(), 1);
}

#[test]
fn bad_names_values_and_addresses_are_one_clear_line() {
    let sb = init();
    fails(
        &sb.kw(&["secret", "set", "billing/k"], ""),
        "the value is empty",
    );
    fails(
        &sb.kw(&["secret", "set", "billing/k"], "\n"),
        "the value is empty",
    );
    fails(
        &sb.kw(&["secret", "set", "billing/k"], &"x".repeat(65_537)),
        "limit is 65536",
    );
    fails(
        &sb.kw(
            &["secret", "set", &format!("billing/{}", "n".repeat(129))],
            "v",
        ),
        "limit is 128",
    );
    fails(&sb.kw(&["secret", "set", "billing/ "], "v"), "empty");
    fails(
        &sb.kw(&["secret", "set", "billing"], "v"),
        "is not PROJECT/NAME",
    );
    fails(&sb.kw(&["project", "add", ""], ""), "empty");
    fails(
        &sb.kw(&["project", "add", &"p".repeat(65)], ""),
        "limit is 64",
    );
    fails(
        &sb.kw(&["secret", "set", "nope/k"], "v"),
        "no project named \"nope\"",
    );
    fails(
        &sb.kw(&["secret", "get", "billing/missing"], ""),
        "no secret billing/missing",
    );
    ok(&sb.kw(&["secret", "set", "billing/k"], "v"));
    fails(
        &sb.kw(&["secret", "rollback", "billing/k", "7"], ""),
        "has no version 7",
    );
    fails(
        &sb.kw(&["secret", "get", "billing/k", "--version", "2"], ""),
        "has no version 2",
    );
    fails(
        &sb.kw(&["secret", "rotate", "billing/k"], ""),
        "no rotation policy",
    );
    fails(
        &sb.kw(
            &[
                "secret",
                "policy",
                "billing/k",
                "--every",
                "soon",
                "--generate",
                "hex:32",
            ],
            "",
        ),
        "not a duration",
    );
    fails(
        &sb.kw(
            &[
                "secret",
                "policy",
                "billing/k",
                "--every",
                "1d",
                "--generate",
                "hex:2",
            ],
            "",
        ),
        "bad generator",
    );
    // A value given in a file works like stdin, and nothing was written by the failures.
    let f = sb.dir.path().join("value");
    std::fs::write(&f, "from a file\n").unwrap();
    ok(&sb.kw(
        &[
            "secret",
            "set",
            "billing/k",
            "--value-file",
            f.to_str().unwrap(),
        ],
        "",
    ));
    assert_eq!(get(&sb, "billing/k"), "from a file\n");
    assert_eq!(history(&sb, "billing/k").len(), 2);
}

#[test]
fn init_refuses_an_empty_passphrase_and_leaves_no_file() {
    let sb = Sandbox::new();
    fails(
        &sb.kw_env(&["init"], "", &[("KEYWARD_PASSPHRASE", "")]),
        "the passphrase is empty",
    );
    assert!(!sb.path.exists());
}

#[test]
fn export_refuses_two_secrets_that_derive_the_same_variable() {
    let sb = init();
    ok(&sb.kw(&["secret", "set", "billing/api key"], "a"));
    ok(&sb.kw(&["secret", "set", "billing/API-KEY"], "b"));
    let o = sb.kw(&["export", "billing"], "");
    fails(&o, "export as API_KEY");
    assert!(o.stdout.is_empty(), "a refused export printed values");
}

/// `billing/K0` and `billing/K0<U+200D>` would look identical everywhere: names that hold
/// a character nobody can see are refused, whichever way they come in.
#[test]
fn names_with_invisible_or_bidi_characters_are_refused() {
    let sb = init();
    ok(&sb.kw(&["secret", "set", "billing/K0"], "v"));
    let line = fails(
        &sb.kw(&["secret", "set", "billing/K0\u{200D}"], "v"),
        "U+200D",
    );
    assert!(line.contains("cannot be seen"), "{line}");
    fails(
        &sb.kw(&["project", "add", "web\u{202E}ppa"], ""),
        "U+202E (a bidirectional control)",
    );
    fails(
        &sb.kw(&["secret", "rename", "billing/K0", "K\u{2066}1"], ""),
        "U+2066",
    );
    fails(
        &sb.kw(&["key", "create", "ci\u{200B}", "--project", "billing"], ""),
        "U+200B (zero width space)",
    );
    let env = sb.dir.path().join("in.env");
    std::fs::write(&env, "A\u{200D}=1\n").unwrap();
    fails(
        &sb.kw(&["import", "billing", env.to_str().unwrap()], ""),
        "line 1 of the .env file is malformed",
    );
    let list = json(&sb.kw(&["secret", "list", "--json"], ""));
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}

/// The exit status says which kind of failure it was: 2 for a command line that does not
/// parse, 1 for everything that went wrong after, 0 for success.
#[test]
fn exit_status_is_2_for_usage_and_1_for_failures() {
    let sb = init();
    let code = |args: &[&str]| sb.kw(args, "").status.code();
    assert_eq!(code(&["secret", "lst"]), Some(2));
    assert_eq!(code(&["status", "--jsn"]), Some(2));
    assert_eq!(code(&["init", "--kdf-work-factor", "3"]), Some(2));
    assert_eq!(code(&["secret", "get", "billing/nothing"]), Some(1));
    assert_eq!(code(&["project", "add", "billing"]), Some(1));
    assert_eq!(code(&["project", "list"]), Some(0));
    let usage = sb.kw(&["secret", "lst"], "");
    let err = String::from_utf8_lossy(&usage.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("(a similar subcommand exists: 'list'); see --help"),
        "{err}"
    );
}

/// A secret's name may hold '/': the first '/' of PROJECT/NAME separates the project,
/// the rest is the name, everywhere the address is taken.
#[test]
fn secret_names_may_hold_a_slash() {
    let sb = init();
    ok(&sb.kw(&["secret", "set", "billing/stripe/live"], "sk_live_x"));
    assert_eq!(get(&sb, "billing/stripe/live"), "sk_live_x\n");
    let l = json(&sb.kw(&["secret", "list", "billing", "--json"], ""));
    assert_eq!(l[0]["name"], "stripe/live");
    ok(&sb.kw(
        &["secret", "rename", "billing/stripe/live", "stripe/prod"],
        "",
    ));
    assert_eq!(history(&sb, "billing/stripe/prod").len(), 1);
    let out = ok(&sb.kw(&["export", "billing"], ""));
    assert!(out.starts_with("STRIPE_PROD="), "{out}");
    fails(
        &sb.kw(&["secret", "get", "/stripe"], ""),
        "is not PROJECT/NAME",
    );
}

#[test]
fn an_engine_setting_in_the_environment_that_is_not_a_number_stops_the_command() {
    let sb = init();
    let out = sb.kw_env(&["status"], "", &[("KEYWARD_RETRY_FIRST_MS", "2m")]);
    let err = fails(&out, "KEYWARD_RETRY_FIRST_MS=\"2m\" is not a number");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(out.status.code(), Some(1));
}
