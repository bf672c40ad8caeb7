//! Projects, secrets, versions, trash and rotation through the library.

use keyward::vault::{
    Cause, Clock, DAY_MS, Generator, ImportChange, SecretValue, Shape, VALUE_MAX, VaultError,
};

use crate::support::vault::Sandbox;

fn setup() -> (Sandbox, keyward::vault::Vault) {
    let sb = Sandbox::new();
    let v = sb.create();
    v.write(|tx| tx.add_project("billing").map(|_| ())).unwrap();
    (sb, v)
}

fn set(v: &keyward::vault::Vault, name: &str, value: &str) -> u32 {
    v.write(|tx| tx.set_value("billing", name, &SecretValue::simple(value), Cause::Edit))
        .unwrap()
        .version
}

#[test]
fn versions_accumulate_and_an_identical_value_makes_none() {
    let (_sb, v) = setup();
    assert_eq!(set(&v, "api key", "one"), 1);
    assert_eq!(set(&v, "api key", "two"), 2);
    assert_eq!(set(&v, "api key", "two"), 2);
    let r = v.read().unwrap();
    let h = r.history("billing", "api key").unwrap();
    assert_eq!(h.iter().map(|x| x.number).collect::<Vec<_>>(), [1, 2]);
    assert!(
        h.iter()
            .all(|x| x.cause == Cause::Edit && !x.actor.is_empty())
    );
    assert_eq!(
        r.value("billing", "api key", Some(1)).unwrap().1,
        SecretValue::simple("one")
    );
}

#[test]
fn rollback_makes_a_new_version_and_refuses_versions_that_do_not_exist() {
    let (_sb, v) = setup();
    set(&v, "k", "one");
    set(&v, "k", "two");
    let w = v.write(|tx| tx.rollback("billing", "k", 1)).unwrap();
    assert_eq!(w.version, 3);
    let r = v.read().unwrap();
    assert_eq!(
        r.value("billing", "k", None).unwrap(),
        (3, SecretValue::simple("one"))
    );
    assert_eq!(
        r.history("billing", "k").unwrap()[2].cause,
        Cause::Rollback { from: 1 }
    );
    drop(r);
    for bad in [0, 4, 99] {
        let e = v.write(|tx| tx.rollback("billing", "k", bad)).unwrap_err();
        assert!(
            matches!(e, VaultError::NotFound(_)) && e.to_string().contains("versions 1 to 3"),
            "{e}"
        );
    }
    assert!(v.read().unwrap().value("billing", "k", Some(4)).is_err());
}

#[test]
fn rename_keeps_identity_and_history() {
    let (_sb, v) = setup();
    set(&v, "old", "a");
    set(&v, "old", "b");
    let id = v.read().unwrap().secret("billing", "old").unwrap().id;
    let m = v.write(|tx| tx.rename("billing", "old", "new")).unwrap();
    assert_eq!(m.id, id);
    let r = v.read().unwrap();
    assert_eq!(r.history("billing", "new").unwrap().len(), 2);
    assert!(matches!(
        r.secret("billing", "old"),
        Err(VaultError::NotFound(_))
    ));
    drop(r);
    set(&v, "other", "x");
    assert!(matches!(
        v.write(|tx| tx.rename("billing", "new", "other")),
        Err(VaultError::Conflict(_))
    ));
}

#[test]
fn unknown_projects_and_secrets_are_clear_errors() {
    let (_sb, v) = setup();
    let e = v
        .write(|tx| tx.set_value("nope", "k", &SecretValue::simple("x"), Cause::Edit))
        .unwrap_err();
    assert!(e.to_string().contains("no project named \"nope\""), "{e}");
    let r = v.read().unwrap();
    let e = r.value("billing", "missing", None).unwrap_err();
    assert!(
        matches!(e, VaultError::NotFound(_)) && e.to_string().contains("billing/missing"),
        "{e}"
    );
    assert!(matches!(
        r.history("billing", "missing"),
        Err(VaultError::NotFound(_))
    ));
}

#[test]
fn empty_and_oversized_names_and_values_are_refused() {
    let (_sb, v) = setup();
    let try_set = |name: &str, value: SecretValue| {
        v.write(|tx| tx.set_value("billing", name, &value, Cause::Edit))
    };
    for (name, value, needle) in [
        ("", SecretValue::simple("x"), "empty"),
        (
            &"n".repeat(129)[..],
            SecretValue::simple("x"),
            "limit is 128",
        ),
        ("k", SecretValue::simple(""), "empty"),
        (
            "k",
            SecretValue::simple("x".repeat(VALUE_MAX + 1)),
            "limit is 65536",
        ),
        ("k", SecretValue::fields([("host", "")]), "empty"),
    ] {
        let e = try_set(name, value).unwrap_err();
        assert!(
            matches!(e, VaultError::Invalid(_)) && e.to_string().contains(needle),
            "{e}"
        );
    }
    assert!(try_set("k", SecretValue::simple("x".repeat(VALUE_MAX))).is_ok());
    for bad in ["", "a/b", &"p".repeat(65)] {
        assert!(
            matches!(
                v.write(|tx| tx.add_project(bad)),
                Err(VaultError::Invalid(_))
            ),
            "{bad:?}"
        );
    }
    assert!(v.read().unwrap().secrets(None).unwrap().len() == 1);
}

#[test]
fn trash_restore_and_purge() {
    let (_sb, v) = setup();
    set(&v, "k", "one");
    v.write(|tx| tx.trash("billing", "k")).unwrap();
    let r = v.read().unwrap();
    assert!(r.secrets(None).unwrap().is_empty());
    assert_eq!(r.trash().unwrap().len(), 1);
    assert!(matches!(
        r.value("billing", "k", None),
        Err(VaultError::Conflict(_))
    ));
    drop(r);
    // The name stays reserved while trashed.
    assert!(
        v.write(|tx| tx.set_value("billing", "k", &SecretValue::simple("z"), Cause::Edit))
            .is_err()
    );
    let w = v.write(|tx| tx.restore("billing", "k")).unwrap();
    assert_eq!(w.version, 2);
    let r = v.read().unwrap();
    assert_eq!(
        r.value("billing", "k", None).unwrap(),
        (2, SecretValue::simple("one"))
    );
    assert_eq!(r.history("billing", "k").unwrap()[1].cause, Cause::Restore);
    drop(r);
    assert!(matches!(
        v.write(|tx| tx.purge("billing", "k")),
        Err(VaultError::Conflict(_))
    ));
    v.write(|tx| tx.trash("billing", "k")).unwrap();
    v.write(|tx| tx.purge("billing", "k")).unwrap();
    let r = v.read().unwrap();
    assert!(r.trash().unwrap().is_empty());
    assert!(matches!(
        r.history("billing", "k"),
        Err(VaultError::NotFound(_))
    ));
    drop(r);
    // Purged for good: the name is free again, and history starts over.
    assert_eq!(set(&v, "k", "fresh"), 1);
}

#[test]
fn expired_trash_is_purged_when_the_vault_is_opened() {
    let t0 = 1_800_000_000_000;
    let sb = Sandbox::new();
    {
        let v = sb.create_at(Clock::fixed(t0));
        v.write(|tx| {
            tx.add_project("p")?;
            tx.set_value("p", "old", &SecretValue::simple("1"), Cause::Edit)?;
            tx.set_value("p", "recent", &SecretValue::simple("2"), Cause::Edit)?;
            tx.trash("p", "old").map(|_| ())
        })
        .unwrap();
    }
    {
        let v = sb.open_at(Clock::fixed(t0 + 10 * DAY_MS));
        v.write(|tx| tx.trash("p", "recent").map(|_| ())).unwrap();
    }
    // 29 days after the first trash: nothing is due yet.
    assert_eq!(
        sb.open_at(Clock::fixed(t0 + 29 * DAY_MS))
            .read()
            .unwrap()
            .trash()
            .unwrap()
            .len(),
        2
    );
    let v = sb.open_at(Clock::fixed(t0 + 30 * DAY_MS + 1));
    let r = v.read().unwrap();
    let left: Vec<String> = r
        .trash()
        .unwrap()
        .into_iter()
        .map(|s| s.meta.name)
        .collect();
    assert_eq!(left, ["recent"]);
    let purges = r.audit_entries(Some("secret-purge")).unwrap();
    assert_eq!(purges.len(), 1);
    assert_eq!(purges[0].event.subject, "p/old");
    assert!(purges[0].event.detail.contains("expired"));
}

#[test]
fn rotation_follows_the_policy_per_secret_and_per_field() {
    let (_sb, v) = setup();
    set(&v, "token", "initial");
    v.write(|tx| {
        tx.set_value(
            "billing",
            "db",
            &SecretValue::fields([("host", "h"), ("password", "p")]),
            Cause::Edit,
        )
    })
    .unwrap();
    let e = v
        .write(|tx| tx.rotate("billing", "token", None))
        .unwrap_err();
    assert!(e.to_string().contains("no rotation policy"), "{e}");
    v.write(|tx| {
        tx.set_policy(
            "billing",
            "token",
            None,
            30 * DAY_MS,
            Generator::parse("hex:40")?,
        )
    })
    .unwrap();
    v.write(|tx| {
        tx.set_policy(
            "billing",
            "db",
            Some("password"),
            7 * DAY_MS,
            Generator::parse("password:20")?,
        )
    })
    .unwrap();
    assert!(
        v.write(|tx| tx.set_policy("billing", "db", Some("nope"), DAY_MS, Generator::Uuid))
            .is_err()
    );
    assert!(
        v.write(|tx| tx.set_policy("billing", "db", None, DAY_MS, Generator::Uuid))
            .is_err()
    );

    let w = v.write(|tx| tx.rotate("billing", "token", None)).unwrap();
    assert_eq!(w.version, 2);
    let w = v
        .write(|tx| tx.rotate("billing", "db", Some("password")))
        .unwrap();
    assert_eq!(w.version, 2);
    let r = v.read().unwrap();
    let (_, token) = r.value("billing", "token", None).unwrap();
    let token = token.as_simple().unwrap().to_string();
    assert_eq!(token.len(), 40);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let (_, db) = r.value("billing", "db", None).unwrap();
    assert_eq!(db.field("host"), Some("h"));
    assert_eq!(db.field("password").unwrap().len(), 20);
    assert_eq!(
        r.history("billing", "db").unwrap()[1].cause,
        Cause::Rotation
    );
    let pol = r.policies("billing", "token").unwrap();
    assert_eq!(pol[0].next_due, pol[0].last_rotated.unwrap() + 30 * DAY_MS);
    assert!(matches!(
        r.secret("billing", "db").unwrap().shape,
        Shape::Structured { .. }
    ));
}

#[test]
fn import_is_all_or_nothing_and_the_dry_run_writes_nothing() {
    let (_sb, v) = setup();
    set(&v, "EXISTING", "same");
    set(&v, "CHANGED", "before");
    let text = "EXISTING=same\nCHANGED=after\nNEW=value\n";
    let plan = v.write(|tx| tx.import_env("billing", text, true)).unwrap();
    let got: Vec<(&str, ImportChange)> = plan.iter().map(|p| (p.name.as_str(), p.change)).collect();
    assert_eq!(
        got,
        [
            ("EXISTING", ImportChange::Unchanged),
            ("CHANGED", ImportChange::Update),
            ("NEW", ImportChange::Create)
        ]
    );
    assert_eq!(
        v.read().unwrap().secrets(None).unwrap().len(),
        2,
        "the dry run wrote something"
    );

    let e = v
        .write(|tx| tx.import_env("billing", "NEW=value\nFINE=1\nthis is not a pair\n", false))
        .unwrap_err();
    assert!(e.to_string().contains("line 3"), "{e}");
    assert_eq!(
        v.read().unwrap().secrets(None).unwrap().len(),
        2,
        "a failed import wrote something"
    );

    v.write(|tx| tx.import_env("billing", text, false)).unwrap();
    let r = v.read().unwrap();
    assert_eq!(
        r.value("billing", "CHANGED", None).unwrap(),
        (2, SecretValue::simple("after"))
    );
    assert_eq!(r.history("billing", "NEW").unwrap()[0].cause, Cause::Import);
    assert_eq!(r.history("billing", "EXISTING").unwrap().len(), 1);
}

#[test]
fn a_project_with_secrets_cannot_be_removed() {
    let (_sb, v) = setup();
    set(&v, "k", "x");
    v.write(|tx| tx.trash("billing", "k").map(|_| ())).unwrap();
    assert!(matches!(
        v.write(|tx| tx.remove_project("billing")),
        Err(VaultError::Conflict(_))
    ));
    v.write(|tx| tx.purge("billing", "k")).unwrap();
    v.write(|tx| tx.remove_project("billing")).unwrap();
    assert!(v.read().unwrap().projects().unwrap().is_empty());
}

#[test]
fn the_vault_can_be_shared_across_threads() {
    // The engine and the TUI will hold one Vault from several tasks.
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<keyward::vault::Vault>();
    let (_sb, v) = setup();
    set(&v, "k", "x");
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| assert_eq!(v.read().unwrap().secrets(None).unwrap().len(), 1));
        }
    });
}
