//! Every headless command, attached to a running daemon, prints what it prints when it
//! opens the vault itself: same stdout, same stderr, same exit code. Two identical
//! vaults, each with its own emulator: one side runs each command directly, the other
//! through its daemon, with no passphrase anywhere in its environment.

use std::process::Output;

use keyward::supabase::emulator::Emulator;
use keyward::vault::{Cause, SecretValue};

use super::Owner;
use crate::support::emulator::{self as emus, ORG, REF_A, REF_B, TOKEN};
use crate::support::vault::{PASS, Sandbox, ok};

struct Side {
    sb: Sandbox,
    emu: Emulator,
    template: String,
}

impl Side {
    fn new() -> Side {
        let emu = emus::start();
        let sb = Sandbox::new();
        let v = sb.create();
        let url = emu.base_url().to_string();
        v.write(|tx| {
            tx.add_project("billing")?;
            tx.add_project("web")?;
            tx.set_value(
                "billing",
                "STRIPE",
                &SecretValue::simple("sk_1"),
                Cause::Edit,
            )?;
            tx.set_value("billing", "plain", &SecretValue::simple("p"), Cause::Edit)?;
            tx.set_value(
                "billing",
                "db",
                &SecretValue::fields([("host", "db1"), ("user", "app")]),
                Cause::Edit,
            )?;
            tx.add_connection("main", &url, None, TOKEN)?;
            tx.add_target(REF_A, "billing-api", ORG, "main")?;
            tx.map("billing", "STRIPE", REF_A, None, false, None)?;
            tx.map("billing", "db", REF_A, None, false, None)?;
            Ok(())
        })
        .unwrap();
        drop(v);
        std::fs::write(
            sb.dir.path().join("web.env"),
            "API_URL=https://api.example.com\nFEATURE_FLAG=on\n",
        )
        .unwrap();
        let template = emu.project_url_template();
        let side = Side { sb, emu, template };
        // Everything on Supabase before any owner runs: both sides start settled.
        ok(&side.direct(&["sync", "--wait"], ""));
        side
    }

    fn env(&self) -> Vec<(&str, &str)> {
        vec![
            ("KEYWARD_PROJECT_URL_TEMPLATE", self.template.as_str()),
            ("KEYWARD_RETRY_FIRST_MS", "50"),
        ]
    }

    fn args(&self, args: &[&str]) -> Vec<String> {
        let dir = self.sb.dir.path().display().to_string();
        args.iter().map(|a| a.replace("{dir}", &dir)).collect()
    }

    fn direct(&self, args: &[&str], stdin: &str) -> Output {
        let args = self.args(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut env = self.env();
        env.push(("KEYWARD_PASSPHRASE", PASS));
        env.push(("KEYWARD_NEW_PASSPHRASE", "new pass"));
        self.sb.run(&args, stdin, &env, true)
    }

    fn attached(&self, args: &[&str], stdin: &str) -> Output {
        let args = self.args(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env = [("KEYWARD_NEW_PASSPHRASE", "new pass")];
        self.sb.run(&args, stdin, &env, true)
    }

    /// What varies between two runs that did the same thing: times, random ids and
    /// keys, the sandbox's paths and the emulator's address.
    fn normal(&self, bytes: &[u8]) -> String {
        let s = String::from_utf8_lossy(bytes)
            .replace(&self.sb.dir.path().display().to_string(), "<dir>")
            .replace(self.emu.base_url(), "<emu>");
        normalize(&s)
    }
}

fn normalize(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let digit = |i: usize| c.get(i).is_some_and(|x| x.is_ascii_digit());
    let hex = |i: usize| c.get(i).is_some_and(|x| x.is_ascii_hexdigit());
    let alnum = |i: usize| c.get(i).is_some_and(|x| x.is_ascii_alphanumeric());
    while i < c.len() {
        // 2026-11-30T10:00:00Z
        let time = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
            .iter()
            .all(|d| digit(i + d))
            && c.get(i + 4) == Some(&'-')
            && c.get(i + 10) == Some(&'T')
            && c.get(i + 19) == Some(&'Z');
        if time {
            out.push_str("<time>");
            i += 20;
            continue;
        }
        // a uuid
        let uuid = (0..36).all(|d| match d {
            8 | 13 | 18 | 23 => c.get(i + d) == Some(&'-'),
            _ => hex(i + d),
        }) && !alnum(i + 36)
            && (i == 0 || !alnum(i - 1));
        if uuid {
            out.push_str("<uuid>");
            i += 36;
            continue;
        }
        // an access key, or a KSUID (its id)
        if i == 0 || !alnum(i - 1) {
            let mut j = i;
            while alnum(j) || c.get(j) == Some(&'_') {
                j += 1;
            }
            let word: String = c[i..j].iter().collect();
            if word.starts_with("kw_") && word.len() == 62 {
                out.push_str("<key>");
                i = j;
                continue;
            }
            if word.len() == 27 && word.chars().all(|x| x.is_ascii_alphanumeric()) {
                out.push_str("<ksuid>");
                i = j;
                continue;
            }
        }
        // the last 4 characters of an access key
        let at: String = c[i..(i + 10).min(c.len())].iter().collect();
        if at == "\"last4\": \"" && (10..14).all(|d| alnum(i + d)) {
            out.push_str("\"last4\": \"<last4>");
            i += 14;
            continue;
        }
        if c[i] == '…' && (1..=4).all(|d| alnum(i + d)) && !alnum(i + 5) {
            out.push_str("…<last4>");
            i += 5;
            continue;
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

/// How closely two runs must agree.
#[derive(Clone, Copy, PartialEq)]
enum Same {
    /// stdout, stderr and the exit code.
    Exactly,
    /// The exit code only (the attached side adds attach entries to the audit log).
    Status,
}

#[test]
fn every_headless_command_attached_matches_the_direct_path() {
    use Same::{Exactly, Status};
    let direct = Side::new();
    let via = Side::new();
    let env = via.env();
    let mut owner_env = env.clone();
    owner_env.push(("KEYWARD_PASSPHRASE", PASS));
    let daemon = Owner::start(&via.sb, &["daemon"], &owner_env);

    let token = format!("{TOKEN}\n");
    let cases: Vec<(Vec<&str>, &str, Same)> = vec![
        (vec!["status"], "", Exactly),
        (vec!["status", "--json"], "", Exactly),
        (vec!["project", "list"], "", Exactly),
        (vec!["project", "add", "ops"], "", Exactly),
        (vec!["project", "add", "ops"], "", Exactly),
        (vec!["project", "list", "--json"], "", Exactly),
        (vec!["project", "rename", "ops", "ops2"], "", Exactly),
        (vec!["project", "rename", "ops2", "billing"], "", Exactly),
        (vec!["project", "rm", "ops2"], "", Exactly),
        (vec!["secret", "set", "billing/STRIPE"], "sk_2\n", Exactly),
        (
            vec!["secret", "set", "billing/STRIPE", "--json"],
            "sk_2\n",
            Exactly,
        ),
        (
            vec!["secret", "set", "billing/NEW", "--note", "fresh"],
            "n1\n",
            Exactly,
        ),
        (
            vec!["secret", "set", "billing/db", "--field", "host"],
            "host=db2\n",
            Exactly,
        ),
        (vec!["secret", "set", "billing/bad name!"], "x\n", Exactly),
        (vec!["secret", "get", "billing/STRIPE"], "", Exactly),
        (
            vec!["secret", "get", "billing/STRIPE", "--version", "1"],
            "",
            Exactly,
        ),
        (vec!["secret", "get", "billing/db", "--json"], "", Exactly),
        (
            vec!["secret", "get", "billing/db", "--field", "user"],
            "",
            Exactly,
        ),
        (
            vec!["secret", "get", "billing/db", "--field", "nope"],
            "",
            Exactly,
        ),
        (vec!["secret", "get", "billing/missing"], "", Exactly),
        (vec!["secret", "list"], "", Exactly),
        (vec!["secret", "list", "billing", "--json"], "", Exactly),
        (vec!["secret", "history", "billing/STRIPE"], "", Exactly),
        (
            vec!["secret", "history", "billing/STRIPE", "--json"],
            "",
            Exactly,
        ),
        (
            vec!["secret", "rename", "billing/NEW", "NEWER"],
            "",
            Exactly,
        ),
        (
            vec!["secret", "rollback", "billing/STRIPE", "1", "--json"],
            "",
            Exactly,
        ),
        (
            vec!["secret", "rollback", "billing/STRIPE", "9"],
            "",
            Exactly,
        ),
        (
            vec![
                "secret",
                "policy",
                "billing/NEWER",
                "--every",
                "30d",
                "--generate",
                "hex:16",
                "--json",
            ],
            "",
            Exactly,
        ),
        (vec!["secret", "rotate", "billing/NEWER"], "", Exactly),
        (
            vec!["secret", "policy", "billing/NEWER", "--off"],
            "",
            Exactly,
        ),
        (vec!["secret", "rm", "billing/NEWER"], "", Exactly),
        (vec!["trash", "list"], "", Exactly),
        (vec!["trash", "list", "--json"], "", Exactly),
        (
            vec!["secret", "restore", "billing/NEWER", "--json"],
            "",
            Exactly,
        ),
        (vec!["secret", "rm", "billing/NEWER"], "", Exactly),
        (vec!["trash", "purge"], "", Exactly),
        (vec!["trash", "purge", "--all", "--json"], "", Exactly),
        (vec!["projects"], "", Exactly),
        (vec!["projects", "--json"], "", Exactly),
        (vec!["projects", "--connection", "nope"], "", Exactly),
        (
            vec!["import", "web", "{dir}/web.env", "--dry-run"],
            "",
            Exactly,
        ),
        (
            vec!["import", "web", "{dir}/web.env", "--json"],
            "",
            Exactly,
        ),
        (vec!["export", "web"], "", Exactly),
        (vec!["map", "billing/plain", "--to", REF_A], "", Exactly),
        (
            vec!["map", "web/API_URL", "--to", REF_A, "--as", "HAND_SET"],
            "",
            Exactly,
        ),
        (
            vec![
                "map",
                "web/API_URL",
                "web/FEATURE_FLAG",
                "--to",
                REF_A,
                "--as",
                "X",
            ],
            "",
            Exactly,
        ),
        (vec!["unmap", "billing/plain", "--from", REF_A], "", Exactly),
        (vec!["sync", "--plan"], "", Exactly),
        (vec!["sync", "--plan", "--json"], "", Exactly),
        (vec!["sync", "--wait"], "", Exactly),
        (vec!["drift"], "", Exactly),
        (vec!["drift", REF_A, "--json"], "", Exactly),
        (vec!["retry"], "", Exactly),
        (vec!["target", "list"], "", Exactly),
        (vec!["target", "list", "--json"], "", Exactly),
        (vec!["connections"], "", Exactly),
        (vec!["connections", "--json"], "", Exactly),
        (vec!["target", "add", REF_B], "", Exactly),
        (vec!["target", "add", "zzzzzzzzzzzzzzzzzzzz"], "", Exactly),
        (vec!["target", "rm", REF_B], "", Exactly),
        (
            vec!["key", "create", "ci", "--project", "billing", "--json"],
            "",
            Exactly,
        ),
        (
            vec!["key", "create", "nope", "--project", "nowhere"],
            "",
            Exactly,
        ),
        (vec!["key", "list"], "", Exactly),
        (vec!["key", "list", "--json"], "", Exactly),
        (vec!["alert", "list", "--json"], "", Exactly),
        (
            vec!["key", "revoke", "0000000000000000000000000000"],
            "",
            Exactly,
        ),
        (
            vec![
                "rotation",
                "add",
                "pub",
                "--target",
                REF_A,
                "--key-type",
                "publishable",
                "--every-days",
                "7",
                "--manual-only",
            ],
            "",
            Exactly,
        ),
        (vec!["rotation", "list"], "", Exactly),
        (vec!["rotation", "run", "pub"], "", Exactly),
        (vec!["rotation", "list", "--json"], "", Exactly),
        (vec!["rotation", "run", "nope"], "", Exactly),
        (vec!["rotation", "rm", "pub"], "", Exactly),
        (
            vec![
                "supabase-key",
                "create",
                "adhoc",
                "--target",
                REF_A,
                "--type",
                "secret",
                "--into",
                "billing/ADHOC",
            ],
            "",
            Exactly,
        ),
        (vec!["reconnect", "main"], &token, Exactly),
        (
            vec!["connect", "other", "--url", "http://127.0.0.1:9"],
            &token,
            Exactly,
        ),
        (vec!["disconnect", "main"], "", Exactly),
        (vec!["audit", "verify"], "", Status),
        (vec!["audit", "--action", "secret-reveal"], "", Status),
        (vec!["disconnect", "main", "--remove-targets"], "", Exactly),
        (vec!["status"], "", Exactly),
        (vec!["passphrase", "change"], "", Exactly),
    ];
    for (args, stdin, same) in &cases {
        let d = direct.direct(args, stdin);
        let a = via.attached(args, stdin);
        let what = format!("`keyward {}`", args.join(" "));
        assert_eq!(
            d.status.code(),
            a.status.code(),
            "{what}: exit codes differ\ndirect stderr: {}\nattached stderr: {}",
            String::from_utf8_lossy(&d.stderr),
            String::from_utf8_lossy(&a.stderr)
        );
        if *same == Same::Exactly {
            assert_eq!(
                direct.normal(&d.stdout),
                via.normal(&a.stdout),
                "{what}: stdout differs"
            );
            assert_eq!(
                direct.normal(&d.stderr),
                via.normal(&a.stderr),
                "{what}: stderr differs"
            );
        }
    }
    // Both ends did the same to Supabase.
    for r in [REF_A, REF_B] {
        assert_eq!(
            crate::sync::remote(&direct.emu, r),
            crate::sync::remote(&via.emu, r),
            "the variables on {r}"
        );
    }
    // The attached side never asked for a passphrase and never opened the vault: every
    // command went through the daemon, which audited each one with who asked.
    drop(daemon);
    let v = keyward::vault::Vault::open(
        &via.sb.path,
        &keyward::vault::Unlock::Passphrase(age::secrecy::SecretString::from("new pass")),
    )
    .unwrap();
    let entries = v.read().unwrap().audit_entries(Some("attach")).unwrap();
    // One command (`map` of two secrets `--as` one name) is refused before it reaches
    // the vault, on both sides.
    assert_eq!(
        entries.len(),
        cases.len() - 1,
        "attach entries: {:?}",
        entries
            .iter()
            .map(|e| e.event.subject.as_str())
            .collect::<Vec<_>>()
    );
    let reveal = v
        .read()
        .unwrap()
        .audit_entries(Some("secret-reveal"))
        .unwrap();
    assert!(
        reveal.iter().all(|e| e
            .event
            .via
            .as_deref()
            .is_some_and(|w| w.contains("keyward secret get"))),
        "{reveal:?}"
    );
}
