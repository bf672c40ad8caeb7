//! Someone who can write the vault file but lacks the key edits rows that decide what
//! keyward does: an access key's scope and revocation, a mapping, an outbox op, the
//! ledger of names keyward owns on Supabase. Each edit is refused, never obeyed.

use keyward::vault::{Refusal, Vault};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use crate::support::vault::Sandbox;

const ACCESS_KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("access_keys");
const MAPPINGS: TableDefinition<(u64, &str), &[u8]> = TableDefinition::new("mappings");
const OUTBOX: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("outbox");
const LEDGER: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("ledger");
/// Version, salt, verifier: the allow_sync byte follows.
const ALLOW_SYNC_AT: usize = 1 + 16 + 32;

/// Runs `f` on the raw file (the vault closed), as a file writer without the key could.
fn edit_file(sb: &Sandbox, v: Vault, f: impl FnOnce(&redb::WriteTransaction)) {
    drop(v);
    let db = redb::Database::open(&sb.path).unwrap();
    let tx = db.begin_write().unwrap();
    f(&tx);
    tx.commit().unwrap();
}

fn row(sb: &Sandbox, id: &str) -> Vec<u8> {
    let db = redb::Database::open(&sb.path).unwrap();
    let r = db.begin_read().unwrap();
    let t = r.open_table(ACCESS_KEYS).unwrap();
    t.get(id).unwrap().unwrap().value().to_vec()
}

#[test]
fn an_access_key_row_edited_to_widen_it_or_undo_its_revocation_is_refused() {
    let sb = Sandbox::new();
    let v = sb.create();
    let (narrow, revoked) = v
        .write(|tx| {
            tx.add_project("p")?;
            tx.add_project("q")?;
            let narrow = tx.create_access_key("ci", &["p"], false)?;
            let revoked = tx.create_access_key("old", &["p"], false)?;
            tx.revoke_access_key(&revoked.info.id)?;
            Ok((narrow, revoked))
        })
        .unwrap();
    drop(v);

    // allow_sync switched on in the row.
    let mut widened = row(&sb, &narrow.info.id);
    assert_eq!(widened[ALLOW_SYNC_AT], 0);
    widened[ALLOW_SYNC_AT] = 1;
    // The revoked flag removed: `revoked` is the optional time after `last_used`.
    let mut revived = row(&sb, &revoked.info.id);
    let revoked_at = ALLOW_SYNC_AT + 1 + 8 + 1;
    assert_eq!(revived[revoked_at], 1, "a revoked row carries its time");
    revived.drain(revoked_at + 1..revoked_at + 9);
    revived[revoked_at] = 0;
    edit_file(&sb, sb.open(), |tx| {
        let mut t = tx.open_table(ACCESS_KEYS).unwrap();
        t.insert(narrow.info.id.as_str(), widened.as_slice())
            .unwrap();
        t.insert(revoked.info.id.as_str(), revived.as_slice())
            .unwrap();
    });

    let v = sb.open();
    let r = v.read().unwrap();
    assert_eq!(
        r.verify_access_key(&narrow.key).unwrap().unwrap_err(),
        Refusal::WrongSecret,
        "a widened scope must not verify"
    );
    assert!(
        r.verify_access_key(&revoked.key).unwrap().is_err(),
        "an un-revoked row must not revive the key"
    );
}

#[test]
fn mapping_and_outbox_rows_edited_in_the_file_are_refused_as_tampering() {
    let sb = Sandbox::new();
    let v = sb.create();
    v.write(|tx| {
        tx.add_connection(
            "main",
            "http://127.0.0.1:9",
            None,
            crate::support::emulator::TOKEN,
        )?;
        tx.add_project("app")?;
        tx.add_target("abcdefghijklmnopqrst", "t", "org", "main")?;
        tx.set_value(
            "app",
            "k",
            &keyward::vault::SecretValue::simple("v"),
            keyward::vault::Cause::Edit,
        )?;
        tx.map("app", "k", "abcdefghijklmnopqrst", None, false, None)
            .map(|_| ())
    })
    .unwrap();
    // Point the mapping at another variable name and the queued op at another version,
    // by editing a byte of each row.
    edit_file(&sb, v, |tx| {
        for table in ["mappings", "outbox"] {
            if table == "mappings" {
                let mut t = tx.open_table(MAPPINGS).unwrap();
                let (k, mut val) = {
                    let (k, val) = t.first().unwrap().unwrap();
                    (k.value().0, val.value().to_vec())
                };
                let last = val.len() - 1;
                val[last / 2] ^= 0x01;
                t.insert((k, "abcdefghijklmnopqrst"), val.as_slice())
                    .unwrap();
            } else {
                let mut t = tx.open_table(OUTBOX).unwrap();
                let (var, mut val) = {
                    let (k, val) = t.first().unwrap().unwrap();
                    (k.value().1.to_string(), val.value().to_vec())
                };
                let last = val.len() - 1;
                val[last / 2] ^= 0x01;
                t.insert(("abcdefghijklmnopqrst", var.as_str()), val.as_slice())
                    .unwrap();
            }
        }
    });
    let v = sb.open();
    let r = v.read().unwrap();
    let e = r.outbox("abcdefghijklmnopqrst").unwrap_err();
    assert!(
        matches!(e, keyward::vault::VaultError::Tampered(_)),
        "outbox: {e}"
    );
    drop(r);
    let e = v
        .write(|tx| tx.enqueue_all(None, &Default::default()).map(|_| ()))
        .unwrap_err();
    assert!(
        matches!(e, keyward::vault::VaultError::Tampered(_)),
        "mapping: {e}"
    );
}

/// A ledger row says keyward created a name on a target, so keyward may overwrite or
/// delete it there. Copying a genuine row to another name (a variable someone else set
/// by hand) must not make keyward its owner.
#[test]
fn a_ledger_row_copied_to_another_name_does_not_make_keyward_its_owner() {
    const T: &str = "abcdefghijklmnopqrst";
    let sb = Sandbox::new();
    let v = sb.create();
    v.write(|tx| {
        tx.add_connection(
            "main",
            "http://127.0.0.1:9",
            None,
            crate::support::emulator::TOKEN,
        )?;
        tx.add_target(T, "t", "org", "main")?;
        tx.claim_names(T, &["OURS".to_string()])
    })
    .unwrap();
    assert_eq!(
        v.read().unwrap().owned_names(T).unwrap(),
        ["OURS".to_string()].into()
    );
    edit_file(&sb, v, |tx| {
        let mut t = tx.open_table(LEDGER).unwrap();
        let row = t.get((T, "OURS")).unwrap().unwrap().value().to_vec();
        t.insert((T, "THEIRS"), row.as_slice()).unwrap();
    });
    let e = sb.open().read().unwrap().owned_names(T).unwrap_err();
    assert!(
        matches!(e, keyward::vault::VaultError::Tampered(_)),
        "ledger: {e}"
    );
}
