//! What is on disk: no value, token or passphrase in clear; sealed blobs bound to their
//! record; unseal by passphrase or identity.

use age::secrecy::{ExposeSecret, SecretString};
use keyward::vault::{Cause, InitOptions, SecretValue, Unlock, Vault, VaultError};
use redb::ReadableTable;

use crate::support::vault::{PASS, Sandbox, TEST_WORK_FACTOR, contains, file_bytes};

const DB_PASSWORD: &str = "pg-Pa55word-that-must-not-leak-7c1e";
const TOKEN: &str = "sbp_3f9a1c0d2b7e4f6a8c5d9e0b1a2c3d4e5f6a7b8c";
const FIELD_SECRET: &str = "field-value-9d8e7f6a5b4c3d2e1f";
const OLD_VALUE: &str = "superseded-value-0a1b2c3d4e5f";

#[test]
fn the_file_holds_no_value_token_or_passphrase_in_clear() {
    let sb = Sandbox::new();
    {
        let v = sb.create();
        v.write(|tx| {
            tx.add_project("billing")?;
            tx.set_value(
                "billing",
                "Database password",
                &SecretValue::simple(OLD_VALUE),
                Cause::Edit,
            )?;
            tx.set_value(
                "billing",
                "Database password",
                &SecretValue::simple(DB_PASSWORD),
                Cause::Edit,
            )?;
            tx.set_value(
                "billing",
                "supabase token",
                &SecretValue::simple(TOKEN),
                Cause::Import,
            )?;
            tx.set_value(
                "billing",
                "db",
                &SecretValue::fields([("host", "localhost"), ("password", FIELD_SECRET)]),
                Cause::Edit,
            )?;
            Ok(())
        })
        .unwrap();
        // The values really are there, behind the key.
        assert_eq!(
            v.read()
                .unwrap()
                .value("billing", "supabase token", None)
                .unwrap()
                .1,
            SecretValue::simple(TOKEN)
        );
    }
    let bytes = file_bytes(&sb.path);
    // Names are metadata and are stored in clear: proves we are looking at the right file.
    assert!(contains(&bytes, b"Database password"));
    for needle in [
        DB_PASSWORD,
        TOKEN,
        FIELD_SECRET,
        OLD_VALUE,
        PASS,
        "3f9a1c0d2b7e4f6a",
    ] {
        assert!(
            !contains(&bytes, needle.as_bytes()),
            "{needle:?} found in the vault file"
        );
    }
}

#[test]
fn a_sealed_blob_copied_onto_another_record_fails_to_open() {
    let sb = Sandbox::new();
    let (a, b) = {
        let v = sb.create();
        v.write(|tx| {
            tx.add_project("p")?;
            let a = tx.set_value("p", "a", &SecretValue::simple("value of a"), Cause::Edit)?;
            let b = tx.set_value("p", "b", &SecretValue::simple("value of b"), Cause::Edit)?;
            tx.set_value("p", "a", &SecretValue::simple("a, second"), Cause::Edit)?;
            Ok((a.id.0, b.id.0))
        })
        .unwrap()
    };
    let values: redb::TableDefinition<(u64, u32), &[u8]> = redb::TableDefinition::new("values");
    let copy = |from: (u64, u32), to: (u64, u32)| {
        let db = redb::Database::open(&sb.path).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut t = tx.open_table(values).unwrap();
            let blob = t.get(from).unwrap().unwrap().value().to_vec();
            t.insert(to, blob.as_slice()).unwrap();
        }
        tx.commit().unwrap();
    };
    // Another secret's blob, then the same secret's other version: both refused.
    copy((a, 1), (b, 1));
    copy((a, 2), (a, 1));
    let v = sb.open();
    let r = v.read().unwrap();
    assert!(matches!(
        r.value("p", "b", None),
        Err(VaultError::Tampered(_))
    ));
    assert!(matches!(
        r.value("p", "a", Some(1)),
        Err(VaultError::Tampered(_))
    ));
    assert_eq!(
        r.value("p", "a", Some(2)).unwrap().1,
        SecretValue::simple("a, second")
    );
}

#[test]
fn wrong_passphrase_is_refused_and_the_right_one_still_works() {
    let sb = Sandbox::new();
    drop(sb.create());
    let wrong = Vault::open(&sb.path, &Unlock::Passphrase(SecretString::from("not it")));
    assert!(matches!(wrong, Err(VaultError::WrongPassphrase(_))));
    assert!(wrong.unwrap_err().to_string().contains("wrong passphrase"));
    drop(sb.open());
}

#[test]
fn an_identity_the_vault_was_sealed_to_unseals_it_and_another_does_not() {
    let sb = Sandbox::new();
    let id = age::x25519::Identity::generate();
    let other = age::x25519::Identity::generate();
    let id_file = sb.dir.path().join("id.txt");
    let other_file = sb.dir.path().join("other.txt");
    std::fs::write(&id_file, id.to_string().expose_secret()).unwrap();
    std::fs::write(&other_file, other.to_string().expose_secret()).unwrap();
    let opts = InitOptions {
        passphrase: SecretString::from(PASS),
        recipients: vec![id.to_public()],
        work_factor: Some(TEST_WORK_FACTOR),
    };
    {
        let v = Vault::create(&sb.path, &opts).unwrap();
        v.write(|tx| {
            tx.add_project("p")?;
            tx.set_value("p", "k", &SecretValue::simple("v"), Cause::Edit)
                .map(|_| ())
        })
        .unwrap();
    }
    let v = Vault::open(&sb.path, &Unlock::Identity(id_file)).unwrap();
    assert_eq!(
        v.read().unwrap().value("p", "k", None).unwrap().1,
        SecretValue::simple("v")
    );
    drop(v);
    let e = Vault::open(&sb.path, &Unlock::Identity(other_file)).unwrap_err();
    assert!(matches!(e, VaultError::WrongIdentity(_)), "{e}");
}

#[test]
fn changing_the_passphrase_rewraps_the_key_and_keeps_every_value() {
    let sb = Sandbox::new();
    {
        let v = sb.create();
        v.write(|tx| {
            tx.add_project("p")?;
            tx.set_value("p", "k", &SecretValue::simple("kept"), Cause::Edit)
                .map(|_| ())
        })
        .unwrap();
        v.change_passphrase(&SecretString::from("new one"), Some(TEST_WORK_FACTOR))
            .unwrap();
    }
    assert!(matches!(
        Vault::open(&sb.path, &Unlock::Passphrase(SecretString::from(PASS))),
        Err(VaultError::WrongPassphrase(_))
    ));
    let v = Vault::open(&sb.path, &Unlock::Passphrase(SecretString::from("new one"))).unwrap();
    assert_eq!(
        v.read().unwrap().value("p", "k", None).unwrap().1,
        SecretValue::simple("kept")
    );
}

#[test]
fn files_that_are_not_vaults_are_refused_without_being_changed() {
    let sb = Sandbox::new();
    let unlock = Unlock::Passphrase(SecretString::from(PASS));
    let junk = sb.dir.path().join("junk");
    std::fs::write(&junk, vec![0x5a; 8192]).unwrap();
    let empty = sb.dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    // A redb database that keyward did not make.
    let foreign = sb.dir.path().join("foreign.redb");
    drop(redb::Database::create(&foreign).unwrap());
    for p in [&junk, &empty, &foreign] {
        let before = std::fs::read(p).unwrap();
        let e = Vault::open(p, &unlock).unwrap_err();
        assert!(
            matches!(e, VaultError::NotAVault { .. }),
            "{}: {e}",
            p.display()
        );
        if p != &foreign {
            assert_eq!(
                std::fs::read(p).unwrap(),
                before,
                "{} was modified",
                p.display()
            );
        }
    }
    // redb itself may touch its header on open; the foreign database must still be whole.
    drop(redb::Database::open(&foreign).unwrap());
    assert!(matches!(
        Vault::open(&sb.dir.path().join("absent"), &unlock),
        Err(VaultError::NoVault(_))
    ));
}

#[test]
fn a_truncated_vault_is_refused() {
    let sb = Sandbox::new();
    {
        let v = sb.create();
        v.write(|tx| tx.add_project("p").map(|_| ())).unwrap();
    }
    let full = std::fs::read(&sb.path).unwrap();
    for keep in [10, 512, full.len() / 2, full.len() - 1] {
        let cut = sb.dir.path().join(format!("cut-{keep}"));
        std::fs::write(&cut, &full[..keep]).unwrap();
        let e = Vault::open(&cut, &Unlock::Passphrase(SecretString::from(PASS))).unwrap_err();
        assert!(
            matches!(e, VaultError::NotAVault { .. }),
            "cut at {keep}: {e}"
        );
    }
}

#[test]
fn creating_over_an_existing_file_is_refused() {
    let sb = Sandbox::new();
    std::fs::write(&sb.path, b"precious").unwrap();
    let opts = InitOptions {
        passphrase: SecretString::from(PASS),
        recipients: vec![],
        work_factor: Some(TEST_WORK_FACTOR),
    };
    assert!(matches!(
        Vault::create(&sb.path, &opts),
        Err(VaultError::AlreadyExists(_))
    ));
    assert_eq!(std::fs::read(&sb.path).unwrap(), b"precious");
}

#[test]
fn a_metadata_row_edited_without_the_key_is_refused() {
    let sb = Sandbox::new();
    let (a, b) = {
        let v = sb.create();
        v.write(|tx| {
            tx.add_project("p")?;
            let a = tx.set_value("p", "a", &SecretValue::simple("a1"), Cause::Edit)?;
            tx.set_value("p", "a", &SecretValue::simple("a2"), Cause::Edit)?;
            let b = tx.set_value("p", "b", &SecretValue::simple("b1"), Cause::Edit)?;
            Ok((a.id.0, b.id.0))
        })
        .unwrap()
    };
    let secrets: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("secrets");
    {
        let db = redb::Database::open(&sb.path).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut t = tx.open_table(secrets).unwrap();
            let original = t.get(a).unwrap().unwrap().value().to_vec();
            // Re-point a's current version from 2 to 1 (the version field: bytes 17..21).
            let mut row = original.clone();
            assert_eq!(row[17..21], 2u32.to_be_bytes());
            row[17..21].copy_from_slice(&1u32.to_be_bytes());
            t.insert(a, row.as_slice()).unwrap();
            // And put a's genuine row in b's slot.
            t.insert(b, original.as_slice()).unwrap();
        }
        tx.commit().unwrap();
    }
    let v = sb.open();
    let r = v.read().unwrap();
    for name in ["a", "b"] {
        let e = r.value("p", name, None).unwrap_err();
        assert!(matches!(e, VaultError::Tampered(_)), "{name}: {e}");
    }
    drop(r);
    let e = v
        .write(|tx| tx.set_value("p", "a", &SecretValue::simple("a3"), Cause::Edit))
        .unwrap_err();
    assert!(matches!(e, VaultError::Tampered(_)), "{e}");
}

/// Someone with the file but not the key shortens a rotation policy's generator (a
/// weaker value at the next rotation): the row fails to verify and reads as tampering.
#[test]
fn a_rotation_policy_edited_in_the_file_is_refused_as_tampering() {
    use keyward::vault::{DAY_MS, Generator};
    use redb::ReadableDatabase;
    let sb = Sandbox::new();
    {
        let v = sb.create();
        v.write(|tx| {
            tx.add_project("p")?;
            tx.set_value("p", "token", &SecretValue::simple("x"), Cause::Edit)?;
            tx.set_policy("p", "token", None, 30 * DAY_MS, Generator::parse("hex:64")?)
                .map(drop)
        })
        .unwrap();
    }
    let t: redb::TableDefinition<(u64, &str), &[u8]> = redb::TableDefinition::new("policies");
    {
        let db = redb::Database::open(&sb.path).unwrap();
        let (key, row) = {
            let r = db.begin_read().unwrap();
            let t = r.open_table(t).unwrap();
            let (k, v) = t.iter().unwrap().next().unwrap().unwrap();
            ((k.value().0, k.value().1.to_string()), v.value().to_vec())
        };
        let at = row
            .windows(2)
            .position(|w| w == b"64")
            .expect("the generator's length is stored in clear");
        let mut weaker = row.clone();
        weaker[at] = b'0';
        weaker[at + 1] = b'4';
        let w = db.begin_write().unwrap();
        w.open_table(t)
            .unwrap()
            .insert((key.0, key.1.as_str()), weaker.as_slice())
            .unwrap();
        w.commit().unwrap();
    }
    let v = sb.open();
    let e = v.read().unwrap().policies("p", "token").unwrap_err();
    assert!(matches!(e, VaultError::Tampered(_)), "{e}");
    let e = v.write(|tx| tx.rotate("p", "token", None)).unwrap_err();
    assert!(matches!(e, VaultError::Tampered(_)), "{e}");
    assert_eq!(
        v.read()
            .unwrap()
            .value("p", "token", None)
            .unwrap()
            .1
            .as_simple(),
        Some("x"),
        "nothing was rotated with the weakened policy"
    );
}
