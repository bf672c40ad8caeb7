//! The audit chain detects an edited entry, a removed entry and removed newest entries,
//! and records failed unseals.

use age::secrecy::SecretString;
use keyward::vault::{Cause, Outcome, SecretValue, Unlock, Vault};
use redb::{ReadableTable, TableDefinition};

use crate::support::vault::Sandbox;

const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
const PENDING: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_pending");

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

/// A transaction that appends many entries (a bulk map appends one per pair) writes
/// the head once, at its end: the chain and the head agree after it and after the next.
#[test]
fn many_entries_in_one_transaction_keep_the_chain_and_head() {
    let sb = Sandbox::new();
    let v = sb.create();
    let before = v.read().unwrap().audit_entries(None).unwrap().len();
    v.write(|tx| {
        tx.add_project("p")?;
        for i in 0..3 {
            tx.set_value(
                "p",
                &format!("k{i}"),
                &SecretValue::simple("v"),
                Cause::Edit,
            )?;
        }
        Ok(())
    })
    .unwrap();
    let verdict = v.read().unwrap().audit_verify().unwrap();
    assert!(verdict.intact, "{:?}", verdict.problem);
    assert_eq!(verdict.entries as usize, before + 4);
    v.write(|tx| {
        tx.set_value("p", "k0", &SecretValue::simple("w"), Cause::Edit)
            .map(|_| ())
    })
    .unwrap();
    drop(v);
    let verdict = sb.open().read().unwrap().audit_verify().unwrap();
    assert!(verdict.intact, "{:?}", verdict.problem);
    assert_eq!(verdict.entries as usize, before + 5);
}

/// Edits the raw file as someone with the file but without the key could.
fn tamper(sb: &Sandbox, f: impl FnOnce(&mut redb::Table<u64, &[u8]>)) {
    tamper_table(sb, AUDIT, f);
}

fn tamper_table(
    sb: &Sandbox,
    table: TableDefinition<u64, &[u8]>,
    f: impl FnOnce(&mut redb::Table<u64, &[u8]>),
) {
    let db = redb::Database::open(&sb.path).unwrap();
    let tx = db.begin_write().unwrap();
    f(&mut tx.open_table(table).unwrap());
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
        let edited = String::from_utf8(raw).unwrap().replace("p/k", "p/other");
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

/// Someone who can write the file, but has no key, writes rows into the sealed-state
/// record: only a failed unseal of exactly the shape keyward writes is folded in, shown as
/// not authenticated; anything else is discarded, and that is recorded and reported.
#[test]
fn forged_rows_in_the_sealed_state_record_are_refused_as_tampering() {
    let sb = busy();
    assert!(Vault::open(&sb.path, &Unlock::Passphrase(SecretString::from("guess"))).is_err());
    let genuine = serde_json::json!({
        "at": 1_700_000_000_000i64, "actor": "eve@box", "action": "unseal",
        "subject": "vault", "outcome": "failed", "detail": "wrong passphrase", "late": true
    });
    let forged = [
        serde_json::json!({
            "at": 1_700_000_000_000i64, "actor": "admin@prod", "action": "secret-delete",
            "subject": "p/k", "outcome": "ok", "detail": "approved", "late": false
        }),
        serde_json::json!({
            "at": 1_700_000_000_000i64, "actor": "eve@box", "action": "unseal",
            "subject": "vault", "outcome": "ok", "detail": "wrong passphrase", "late": true
        }),
        {
            let mut extra = genuine.clone();
            extra["mac"] = "00".into();
            extra
        },
        {
            let mut odd = genuine.clone();
            odd["detail"] = "rotated the Stripe key, approved by finance".into();
            odd
        },
    ];
    tamper_table(&sb, PENDING, |t| {
        let mut seq = t.last().unwrap().map_or(0, |(k, _)| k.value()) + 1;
        for row in std::iter::once(&genuine).chain(&forged) {
            t.insert(seq, serde_json::to_vec(row).unwrap().as_slice())
                .unwrap();
            seq += 1;
        }
        t.insert(seq, b"not json".as_slice()).unwrap();
    });

    let out = sb.kw(&["audit", "--json"], "");
    let entries = crate::support::vault::json(&out);
    let entries = entries.as_array().unwrap();
    let late: Vec<_> = entries.iter().filter(|e| e["late"] == true).collect();
    // keyward's own failed unseal and the one well-formed row, both marked.
    assert_eq!(late.len(), 2, "{entries:#?}");
    assert!(late.iter().all(|e| e["authenticated"] == false
        && e["action"] == "unseal"
        && e["outcome"] == "failed"));
    assert!(!entries.iter().any(|e| e["action"] == "secret-delete"));
    assert!(
        !entries
            .iter()
            .any(|e| e["detail"].as_str().is_some_and(|d| d.contains("approved")))
    );
    let tamper = entries
        .iter()
        .find(|e| e["action"] == "audit-tamper")
        .expect("the discarding is recorded");
    let detail = tamper["detail"].as_str().unwrap();
    assert!(detail.contains("discarded 5 row(s)"), "{detail}");
    assert!(
        detail.contains("an entry claiming secret-delete ×1"),
        "{detail}"
    );
    assert!(detail.contains("an unreadable row ×1"), "{detail}");

    let text = crate::support::vault::ok(&sb.kw(&["audit"], ""));
    assert_eq!(
        text.matches("(recorded while sealed, not authenticated)")
            .count(),
        2,
        "{text}"
    );
    let verify = sb.kw(&["audit", "verify"], "");
    assert!(!verify.status.success());
    let err = String::from_utf8_lossy(&verify.stderr);
    assert!(err.contains("something other than keyward"), "{err}");
    let out = sb.kw(&["audit", "verify", "--json"], "");
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["intact"], false);
    assert_eq!(v["unauthenticated"].as_array().unwrap().len(), 2);
}

#[test]
fn verify_names_entries_recorded_while_sealed() {
    let sb = busy();
    assert!(Vault::open(&sb.path, &Unlock::Passphrase(SecretString::from("guess"))).is_err());
    let out = crate::support::vault::ok(&sb.kw(&["audit", "verify"], ""));
    assert!(out.contains("the audit log is intact"), "{out}");
    assert!(
        out.contains("1 entry recorded while sealed, not authenticated"),
        "{out}"
    );
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
