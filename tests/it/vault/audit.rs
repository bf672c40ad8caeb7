//! The audit chain detects an edited entry, a removed entry and removed newest entries,
//! and records failed unseals.

use age::secrecy::SecretString;
use keyward::vault::{Cause, Outcome, SecretValue, Unlock, Vault};
use redb::{ReadableTable, TableDefinition};

use crate::support::vault::Sandbox;

const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");

/// A vault with a handful of audited actions (init, project-add, 3 secret writes).
fn busy() -> Sandbox {
    let sb = Sandbox::new();
    let v = sb.create();
    v.write(|tx| tx.add_project("p").map(|_| ())).unwrap();
    for i in 0..3 {
        v.write(|tx| {
            tx.set_value("p", "k", &SecretValue::simple(format!("v{i}")), Cause::Edit)
                .map(|_| ())
        })
        .unwrap();
    }
    assert!(v.read().unwrap().audit_verify().unwrap().intact);
    sb
}

/// Edits the raw file as someone with the file but without the key could.
fn tamper(sb: &Sandbox, f: impl FnOnce(&mut redb::Table<u64, &[u8]>)) {
    let db = redb::Database::open(&sb.path).unwrap();
    let tx = db.begin_write().unwrap();
    f(&mut tx.open_table(AUDIT).unwrap());
    tx.commit().unwrap();
}

fn problem(sb: &Sandbox) -> String {
    let v = sb.open();
    let verdict = v.read().unwrap().audit_verify().unwrap();
    assert!(!verdict.intact);
    verdict.problem.unwrap()
}

#[test]
fn an_edited_entry_is_detected() {
    let sb = busy();
    tamper(&sb, |t| {
        let raw = t.get(3).unwrap().unwrap().value().to_vec();
        let edited = String::from_utf8(raw)
            .unwrap()
            .replace("tester", "someone-else")
            .replace("p/k", "p/other");
        t.insert(3, edited.as_bytes()).unwrap();
    });
    assert!(problem(&sb).contains("entry 3"), "{}", problem(&sb));
}

#[test]
fn a_removed_entry_is_detected() {
    let sb = busy();
    tamper(&sb, |t| {
        t.remove(2).unwrap();
    });
    let p = problem(&sb);
    assert!(p.contains("entry 2 is missing"), "{p}");
}

#[test]
fn removing_the_newest_entries_is_detected() {
    let sb = busy();
    tamper(&sb, |t| {
        let last = t.last().unwrap().unwrap().0.value();
        t.remove(last).unwrap();
        t.remove(last - 1).unwrap();
    });
    let p = problem(&sb);
    assert!(p.contains("newest 2 entries were removed"), "{p}");
}

#[test]
fn renumbering_after_a_removal_does_not_hide_it() {
    let sb = busy();
    tamper(&sb, |t| {
        // Remove entry 2 and shift the rest down, as a careful forger would.
        let rows: Vec<(u64, Vec<u8>)> = t
            .iter()
            .unwrap()
            .map(|r| r.map(|(k, v)| (k.value(), v.value().to_vec())).unwrap())
            .collect();
        for (k, _) in &rows {
            t.remove(*k).unwrap();
        }
        for (k, v) in rows.into_iter().filter(|(k, _)| *k != 2) {
            let k = if k > 2 { k - 1 } else { k };
            t.insert(k, v.as_slice()).unwrap();
        }
    });
    assert!(problem(&sb).contains("entry 2"));
}

#[test]
fn failed_unseals_are_recorded_and_later_authenticated() {
    let sb = busy();
    for _ in 0..2 {
        assert!(Vault::open(&sb.path, &Unlock::Passphrase(SecretString::from("guess"))).is_err());
    }
    let v = sb.open();
    let r = v.read().unwrap();
    let failures = r.audit_entries(Some("unseal")).unwrap();
    assert_eq!(failures.len(), 2);
    assert!(
        failures
            .iter()
            .all(|e| e.event.outcome == Outcome::Failed && e.event.late)
    );
    assert!(failures[0].event.detail.contains("wrong passphrase"));
    assert!(r.audit_verify().unwrap().intact);
}

#[test]
fn entries_name_actor_and_subject_but_never_a_value() {
    let sb = Sandbox::new();
    let v = sb.create();
    v.write(|tx| {
        tx.add_project("p")?;
        tx.set_value(
            "p",
            "k",
            &SecretValue::simple("never-in-the-log-1234"),
            Cause::Edit,
        )
        .map(|_| ())
    })
    .unwrap();
    let entries = v.read().unwrap().audit_entries(None).unwrap();
    let all = serde_json::to_string(&entries).unwrap();
    assert!(!all.contains("never-in-the-log-1234"));
    let create = entries
        .iter()
        .find(|e| e.event.action == "secret-create")
        .unwrap();
    assert_eq!(create.event.subject, "p/k");
    assert!(create.event.actor.contains('@'));
}

#[test]
fn wiping_the_whole_log_is_detected() {
    let sb = busy();
    let db = redb::Database::open(&sb.path).unwrap();
    let tx = db.begin_write().unwrap();
    tx.delete_table(AUDIT).unwrap();
    tx.open_table(AUDIT).unwrap();
    {
        let meta: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
        tx.open_table(meta).unwrap().remove("audit_head").unwrap();
    }
    tx.commit().unwrap();
    drop(db);
    assert!(problem(&sb).contains("wiped"));
}
