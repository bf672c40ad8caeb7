//! Errors that say what is actually wrong: a damaged file is not a wrong passphrase, a
//! directory this user may not enter is not a missing vault, a read-only vault is not
//! a disk error, and a lost record is not a version that never existed.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

use redb::{ReadableTable, TableDefinition};

use super::cli::init;
use crate::attach::uid::switch_user;
use crate::support::vault::{PASS, Sandbox, fails, json, ok};

const KEYWRAP: TableDefinition<&str, &[u8]> = TableDefinition::new("keywrap");
const VERSIONS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("versions");

fn edit<K: redb::Key + 'static>(
    sb: &Sandbox,
    table: TableDefinition<K, &[u8]>,
    f: impl FnOnce(&mut redb::Table<K, &[u8]>),
) {
    let db = redb::Database::open(&sb.path).unwrap();
    let tx = db.begin_write().unwrap();
    f(&mut tx.open_table(table).unwrap());
    tx.commit().unwrap();
}

#[test]
fn a_damaged_key_wrap_is_not_a_wrong_passphrase_and_is_not_audited() {
    let sb = init();
    let mut original = Vec::new();
    edit(&sb, KEYWRAP, |t| {
        original = t.get("passphrase").unwrap().unwrap().value().to_vec();
        let mut flipped = original.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x10;
        t.insert("passphrase", flipped.as_slice()).unwrap();
    });
    let line = fails(&sb.kw(&["secret", "list"], ""), "damaged");
    assert!(!line.contains("wrong passphrase"), "{line}");
    assert!(line.contains("restore the file from a backup"), "{line}");

    edit(&sb, KEYWRAP, |t| {
        t.insert("passphrase", original.as_slice()).unwrap();
    });
    let unseals = json(&sb.kw(&["audit", "--json", "--action", "unseal"], ""));
    assert_eq!(unseals.as_array().unwrap().len(), 0, "{unseals}");
}

#[test]
fn a_vault_from_before_checksums_gets_one_at_its_next_unseal() {
    let sb = init();
    edit(&sb, KEYWRAP, |t| {
        t.remove("passphrase.sha256").unwrap();
    });
    ok(&sb.kw(&["secret", "list"], ""));
    let db = redb::Database::open(&sb.path).unwrap();
    let r = redb::ReadableDatabase::begin_read(&db).unwrap();
    assert!(
        r.open_table(KEYWRAP)
            .unwrap()
            .get("passphrase.sha256")
            .unwrap()
            .is_some()
    );
}

#[test]
fn a_lost_version_record_is_damage_not_a_missing_version() {
    let sb = init();
    ok(&sb.kw(&["secret", "set", "billing/S1"], "v1"));
    // One flipped bit in a row's key: the row is there, under another version number.
    edit(&sb, VERSIONS, |t| {
        let (k, v) = {
            let (k, v) = t.first().unwrap().unwrap();
            (k.value(), v.value().to_vec())
        };
        t.remove(k).unwrap();
        t.insert((k.0, k.1 ^ 0x100), v.as_slice()).unwrap();
    });
    let line = fails(&sb.kw(&["secret", "get", "billing/S1"], ""), "damaged");
    assert!(
        line.contains("the record of version 1 of billing/S1 is missing"),
        "{line}"
    );
    assert!(!line.contains("has no version"), "{line}");
}

/// `keyward ARGS` as `nobody` (through `switch`) on the vault at `vault`.
fn as_nobody(switch: &[&str], sb: &Sandbox, vault: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(switch[0]);
    cmd.args(&switch[1..])
        .arg(env!("CARGO_BIN_EXE_keyward"))
        .args(args);
    crate::attach::base_env(sb, &mut cmd);
    cmd.env("KEYWARD_VAULT", vault)
        .env("KEYWARD_PASSPHRASE", PASS)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn chmod(p: &std::path::Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_directory_this_user_may_not_enter_is_not_a_missing_vault() {
    let Some(switch) = switch_user("a_directory_this_user_may_not_enter_is_not_a_missing_vault")
    else {
        return;
    };
    let sb = Sandbox::new();
    chmod(sb.dir.path(), 0o755);
    let vault = sb.dir.path().join("private").join("vault.redb");
    ok(&sb.kw_env(
        &["init"],
        "",
        &[
            ("KEYWARD_PASSPHRASE", PASS),
            ("KEYWARD_VAULT", vault.to_str().unwrap()),
        ],
    ));
    let line = fails(
        &as_nobody(&switch, &sb, &vault, &["secret", "list"]),
        "permission denied on",
    );
    assert!(line.contains("private"), "{line}");
    assert!(!line.contains("keyward init"), "{line}");
}

#[test]
fn a_read_only_vault_says_so() {
    let Some(switch) = switch_user("a_read_only_vault_says_so") else {
        return;
    };
    let sb = Sandbox::new();
    chmod(sb.dir.path(), 0o755);
    let dir = sb.dir.path().join("theirs");
    let vault = dir.join("vault.redb");
    ok(&sb.kw_env(
        &["init"],
        "",
        &[
            ("KEYWARD_PASSPHRASE", PASS),
            ("KEYWARD_VAULT", vault.to_str().unwrap()),
        ],
    ));
    // nobody's own vault, in nobody's own dir, made read-only (as root, or through the
    // same passwordless sudo that switches users).
    let as_root = |args: &[&str]| {
        let mut c = if switch[0] == "sudo" {
            let mut c = Command::new("sudo");
            c.arg("-n").arg(args[0]);
            c
        } else {
            Command::new(args[0])
        };
        assert!(c.args(&args[1..]).status().unwrap().success(), "{args:?}");
    };
    let (dir, vault_s) = (dir.to_str().unwrap(), vault.to_str().unwrap());
    as_root(&["chown", "65534:65534", dir, vault_s]);
    as_root(&["chmod", "0400", vault_s]);
    let line = fails(
        &as_nobody(&switch, &sb, &vault, &["secret", "list"]),
        "is read-only for this user",
    );
    assert!(line.contains("chmod u+w"), "{line}");
}
