//! The common path: map, push, edit, unmap; ownership and batching.

use keyward::vault::{Cause, SecretValue, SyncState};

use super::*;
use crate::support::emulator::{REF_A, REF_B};

#[test]
fn a_mapped_secret_is_pushed_and_kept_current() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api"), (REF_B, "web")]);
    set(&v, "app/Database URL", "postgres://one");
    v.write(|tx| {
        tx.set_value(
            "ops",
            "stripe",
            &SecretValue::fields([("key", "sk_1"), ("webhook", "wh_1")]),
            Cause::Edit,
        )
        .map(|_| ())
    })
    .unwrap();
    map(&v, "app/Database URL", REF_A);
    map(&v, "ops/stripe", REF_A);
    map(&v, "app/Database URL", REF_B);
    let (_rt, _h) = engine(&emu, &v);
    settle(&v, "first push", drained);
    let a = remote(&emu, REF_A);
    assert_eq!(a["DATABASE_URL"], "postgres://one");
    assert_eq!(a["STRIPE_KEY"], "sk_1");
    assert_eq!(a["STRIPE_WEBHOOK"], "wh_1");
    assert_eq!(a["HAND_SET"], "by hand");
    assert_eq!(remote(&emu, REF_B)["DATABASE_URL"], "postgres://one");
    let status = v.read().unwrap().sync_status(None).unwrap();
    assert_eq!(status.len(), 4);
    assert!(status.iter().all(|s| s.state.state == SyncState::Synced));

    // An edit goes out by itself; unmapping deletes only ours.
    set(&v, "app/Database URL", "postgres://two");
    _h.kick();
    settle(&v, "edit pushed", |r| {
        drained(r) && r.sync_status(Some(REF_B)).unwrap()[0].state.pushed_version == Some(2)
    });
    assert_eq!(remote(&emu, REF_B)["DATABASE_URL"], "postgres://two");
    v.write(|tx| tx.unmap("ops", "stripe", REF_A)).unwrap();
    _h.kick();
    settle(&v, "unmap deleted", drained);
    let a = remote(&emu, REF_A);
    assert!(!a.contains_key("STRIPE_KEY") && !a.contains_key("STRIPE_WEBHOOK"));
    assert_eq!(a["HAND_SET"], "by hand");
    assert_eq!(a["DATABASE_URL"], "postgres://two");
}
