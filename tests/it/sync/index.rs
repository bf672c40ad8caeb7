//! The index of each secret's variable states (src/vault/sync/states.rs): a change
//! reads only the changed secret's states, so what it queues must be exactly what a
//! read of every state would have queued, in vaults made before the index too.

use keyward::vault::SyncState;

use super::*;
use crate::support::emulator::{REF_A, REF_B};

fn state(v: &Vault, target: &str, name: &str) -> Option<SyncState> {
    var(&v.read().unwrap(), target, name).map(|s| s.state)
}

#[test]
fn a_vault_made_before_the_state_index_gets_it_at_open_and_a_rename_deletes_the_old_name() {
    let emu = emus::start();
    let (sb, v) = vault_with(&emu, &[(REF_A, "billing-api"), (REF_B, "web")]);
    for (addr, value) in [("app/API_URL", "v1"), ("app/OTHER", "x")] {
        set(&v, addr, value);
        map(&v, addr, REF_A);
        map(&v, addr, REF_B);
    }
    assert_eq!(Arc::strong_count(&v), 1, "one owner");
    drop(v);
    // As an older keyward left the file: states, no index.
    {
        let db = redb::Database::open(&sb.path).unwrap();
        let tx = db.begin_write().unwrap();
        let index: redb::TableDefinition<(u64, &str, &str), ()> =
            redb::TableDefinition::new("sync_vars_by_secret");
        assert!(tx.delete_table(index).unwrap(), "the vault had no index");
        tx.commit().unwrap();
    }
    let v = sb.open();
    v.write(|tx| tx.rename("app", "API_URL", "API_BASE").map(drop))
        .unwrap();
    for target in [REF_A, REF_B] {
        assert_eq!(state(&v, target, "API_URL"), Some(SyncState::Removing));
        assert_eq!(state(&v, target, "API_BASE"), Some(SyncState::Pending));
        assert_eq!(state(&v, target, "OTHER"), Some(SyncState::Pending));
    }
    // A name that moved to another secret belongs to that one alone: the first
    // secret's rename back does not delete it.
    v.write(|tx| tx.rename("app", "OTHER", "API_URL").map(drop))
        .unwrap();
    v.write(|tx| tx.rename("app", "API_BASE", "API_URL2").map(drop))
        .unwrap();
    for target in [REF_A, REF_B] {
        assert_eq!(state(&v, target, "API_URL"), Some(SyncState::Pending));
        assert_eq!(state(&v, target, "API_BASE"), Some(SyncState::Removing));
        assert_eq!(state(&v, target, "API_URL2"), Some(SyncState::Pending));
    }
}
