//! Mapping-time refusals: names Supabase refuses, values over its limit, conflicts
//! naming both sources, the 100-secret cap. Each per secret, never a whole batch.

use keyward::vault::{Cause, SecretValue, VaultError};

use super::*;
use crate::support::emulator::{REF_A, REF_B};
use crate::support::vault::{fails, ok};

fn map_err(v: &Vault, addr: &str, target: &str, as_name: Option<&str>) -> VaultError {
    let (p, n) = addr.split_once('/').unwrap();
    v.write(|tx| tx.map(p, n, target, as_name, false, None).map(|_| ()))
        .unwrap_err()
}

#[test]
fn bad_names_and_long_values_are_refused_at_mapping_time() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api")]);
    set(&v, "app/---", "x");
    assert!(
        map_err(&v, "app/---", REF_A, None)
            .to_string()
            .contains("--as")
    );
    set(&v, "app/url", "x");
    let e = map_err(&v, "app/url", REF_A, Some("SUPABASE_URL_2"));
    assert!(e.to_string().contains("reserves"), "{e}");
    let e = map_err(&v, "app/url", REF_A, Some("1ABC"));
    assert!(e.to_string().contains("not a valid variable name"), "{e}");
    set(&v, "app/huge", &"x".repeat(24_577));
    let e = map_err(&v, "app/huge", REF_A, None);
    assert!(e.to_string().contains("24576"), "{e}");
    // Nothing of those was queued.
    assert!(v.read().unwrap().sync_status(None).unwrap().is_empty());

    // A mapped secret's edit past the limit is refused, not pushed to fail.
    map(&v, "app/url", REF_A);
    let e = v
        .write(|tx| {
            tx.set_value(
                "app",
                "url",
                &SecretValue::simple("y".repeat(30_000)),
                Cause::Edit,
            )
            .map(|_| ())
        })
        .unwrap_err();
    assert!(e.to_string().contains(REF_A), "{e}");
    assert_eq!(v.read().unwrap().value("app", "url", None).unwrap().0, 1);
}

#[test]
fn two_secrets_making_one_variable_are_a_conflict_naming_both() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api")]);
    set(&v, "app/db url", "one");
    set(&v, "ops/DB_URL", "two");
    map(&v, "app/db url", REF_A);
    let e = map_err(&v, "ops/DB_URL", REF_A, None).to_string();
    assert!(e.contains("app/db url") && e.contains("ops/DB_URL"), "{e}");
    // --as resolves it; a rename into the same name is refused likewise.
    v.write(|tx| {
        tx.map("ops", "DB_URL", REF_A, Some("OPS_DB_URL"), false, None)
            .map(|_| ())
    })
    .unwrap();
    set(&v, "app/other", "three");
    map(&v, "app/other", REF_A);
    let e = v
        .write(|tx| tx.rename("app", "other", "DB-URL").map(|_| ()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("app/db url") && e.contains("app/DB-URL"), "{e}");
    assert!(v.read().unwrap().secret("app", "other").is_ok());
}

#[test]
fn the_cap_is_refused_before_anything_is_written() {
    let mut seed = emus::seed();
    for i in 0..95 {
        seed = seed.secret(REF_B, &format!("HAND_{i:02}"), "h");
    }
    let emu = emus::start_with(seed, Default::default());
    let (_sb, v) = vault_with(&emu, &[(REF_B, "web")]);
    let remote_names = remote(&emu, REF_B).keys().cloned().collect();
    let six = SecretValue::fields((0..6).map(|i| (format!("f{i}"), "v")));
    v.write(|tx| tx.set_value("app", "bundle", &six, Cause::Edit).map(|_| ()))
        .unwrap();
    let e = v
        .write(|tx| {
            tx.map("app", "bundle", REF_B, None, false, Some(&remote_names))
                .map(|_| ())
        })
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("101") && e.contains("cap of 100") && e.contains("JSON"),
        "{e}"
    );
    let five = SecretValue::fields((0..5).map(|i| (format!("f{i}"), "v")));
    v.write(|tx| tx.set_value("app", "five", &five, Cause::Edit).map(|_| ()))
        .unwrap();
    v.write(|tx| {
        tx.map("app", "five", REF_B, None, false, Some(&remote_names))
            .map(|_| ())
    })
    .unwrap();
    let (_rt, _h) = engine(&emu, &v);
    settle(&v, "pushed up to the cap", drained);
    assert_eq!(remote(&emu, REF_B).len(), 100);
}

#[test]
fn a_bulk_map_maps_the_good_secrets_and_names_the_refused_ones() {
    let emu = emus::start();
    let sb = crate::support::vault::Sandbox::new();
    drop(sb.create());
    let url = emu.base_url().to_string();
    ok(&sb.kw(&["project", "add", "app"], ""));
    ok(&sb.kw(&["connect", "main", "--url", &url], TOKEN));
    ok(&sb.kw(&["target", "add", REF_B], ""));
    for (n, val) in [("good one", "1"), ("???", "2"), ("good two", "3")] {
        ok(&sb.kw(&["secret", "set", &format!("app/{n}")], val));
    }
    let out = sb.kw(
        &[
            "map",
            "app/good one",
            "app/???",
            "app/good two",
            "--to",
            REF_B,
        ],
        "",
    );
    let line = fails(&out, "1 mapping(s) refused");
    assert!(line.contains("app/???"), "{line}");
    // The accepted ones were pushed all the same, said in the same one line.
    assert!(line.contains("pushed to 1 target(s)"), "{line}");
    assert!(remote(&emu, REF_B).contains_key("GOOD_ONE"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("GOOD_ONE") && stdout.contains("GOOD_TWO"),
        "{stdout}"
    );
    ok(&sb.kw(&["sync", "--wait"], ""));
    let b = remote(&emu, REF_B);
    assert_eq!(b.keys().collect::<Vec<_>>(), vec!["GOOD_ONE", "GOOD_TWO"]);
}

#[test]
fn a_connection_pointed_elsewhere_in_the_file_is_refused_as_tampering() {
    use redb::ReadableDatabase;
    let emu = emus::start();
    let (sb, v) = vault_with(&emu, &[]);
    drop(v);
    let t: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("connections");
    {
        let db = redb::Database::open(&sb.path).unwrap();
        let row = {
            let r = db.begin_read().unwrap();
            r.open_table(t)
                .unwrap()
                .get("main")
                .unwrap()
                .unwrap()
                .value()
                .to_vec()
        };
        let text = String::from_utf8_lossy(&row).into_owned();
        assert!(text.contains("127.0.0.1"));
        let evil = row
            .windows(9)
            .position(|w| w == b"127.0.0.1")
            .map(|i| {
                let mut b = row.clone();
                b[i..i + 9].copy_from_slice(b"127.6.6.6");
                b
            })
            .unwrap();
        let w = db.begin_write().unwrap();
        w.open_table(t)
            .unwrap()
            .insert("main", evil.as_slice())
            .unwrap();
        w.commit().unwrap();
    }
    let v = sb.open();
    let e = v.read().unwrap().connections().unwrap_err();
    assert!(matches!(e, VaultError::Tampered(_)), "{e}");
}

#[test]
fn a_field_that_makes_no_variable_name_is_refused_by_sync_and_skipped_by_export_alike() {
    // One rule for both: in a secret `database`, the field `--` derives no name. Export
    // used to write it as DATABASE (the secret's name alone) while sync refused it.
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api")]);
    let value = SecretValue::Fields(vec![
        ("host".into(), String::from("db.local").into()),
        ("--".into(), String::from("x").into()),
    ]);
    v.write(|tx| {
        tx.set_value("app", "database", &value, Cause::Edit)
            .map(|_| ())
    })
    .unwrap();
    let e = map_err(&v, "app/database", REF_A, None);
    assert!(e.to_string().contains("the field \"--\""), "{e}");
    let (lines, skipped) = v.read().unwrap().export_env("app").unwrap();
    let lines: Vec<&str> = lines.iter().map(|l| l.as_str()).collect();
    assert_eq!(lines, vec!["DATABASE_HOST=\"db.local\""]);
    assert_eq!(skipped, vec!["database.--".to_string()]);
}

/// Mappings made in one transaction see each other: the second of two secrets made to
/// give the same name in one target is refused, and the cap counts what the same
/// transaction mapped before (the names are read once per transaction and kept).
#[test]
fn mappings_in_one_transaction_see_each_other() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api")]);
    set(&v, "app/FIRST", "1");
    set(&v, "ops/FIRST", "2");
    let e = v
        .write(|tx| {
            tx.map("app", "FIRST", REF_A, None, false, None)?;
            tx.map("ops", "FIRST", REF_A, None, false, None)
        })
        .unwrap_err();
    assert!(e.to_string().contains("FIRST"), "{e}");
    let e = v
        .write(|tx| {
            for i in 0..100 {
                let name = format!("S{i:03}");
                tx.set_value("app", &name, &SecretValue::simple("x"), Cause::Edit)?;
                tx.map("app", &name, REF_A, None, false, None)?;
            }
            tx.set_value("app", "ONE_MORE", &SecretValue::simple("x"), Cause::Edit)?;
            tx.map("app", "ONE_MORE", REF_A, None, false, None)
        })
        .unwrap_err();
    assert!(e.to_string().contains("cap of 100"), "{e}");
}
