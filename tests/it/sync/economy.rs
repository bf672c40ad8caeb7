//! Request economy, counted on the emulator: a burst of changes to one target is one
//! listing and one upsert; a sync with nothing to do is one listing per target.

use super::*;
use crate::support::emulator::{REF_A, REF_B};

const LIST: &str = "GET /v1/projects/{ref}/secrets";
const UPSERT: &str = "POST /v1/projects/{ref}/secrets";
const DELETE: &str = "DELETE /v1/projects/{ref}/secrets";

#[test]
fn a_burst_of_changes_to_one_target_is_one_upsert_request() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api")]);
    let n = 20;
    for i in 0..n {
        set(&v, &format!("app/key {i}"), "v1");
        map(&v, &format!("app/key {i}"), REF_A);
    }
    let (rt, h) = engine(&emu, &v);
    settle(&v, "first push", drained);
    assert_eq!(emu.control().request_count(UPSERT), 1);
    emu.control().reset_counters();

    // N edits, committed before the engine looks, and two deletions: one batch.
    for i in 0..n {
        set(&v, &format!("app/key {i}"), "v2");
    }
    v.write(|tx| {
        tx.unmap("app", "key 0", REF_A)?;
        tx.trash("app", "key 1").map(|_| ())
    })
    .unwrap();
    h.kick();
    settle(&v, "burst pushed", drained);
    let c = emu.control().request_counts();
    assert_eq!(c.get(LIST), Some(&1), "{c:?}");
    assert_eq!(c.get(UPSERT), Some(&1), "{c:?}");
    assert_eq!(c.get(DELETE), Some(&1), "{c:?}");
    let a = remote(&emu, REF_A);
    assert_eq!(a.len(), n - 2 + 1, "{a:?}");
    assert!(
        a.iter()
            .filter(|(k, _)| k.starts_with("KEY_"))
            .all(|(_, v)| v == "v2")
    );

    // A change back to the value already there costs a listing, not a write.
    emu.control().reset_counters();
    rt.block_on(h.sync_all(None)).unwrap();
    settle(&v, "no-op sync", drained);
    quiet(&rt, &h);
    let c = emu.control().request_counts();
    assert_eq!(c.get(LIST), Some(&1), "{c:?}");
    assert_eq!(c.get(UPSERT), None, "{c:?}");
}

#[test]
fn a_sync_with_nothing_to_do_is_one_listing_per_target() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api"), (REF_B, "web")]);
    for i in 0..5 {
        set(&v, &format!("app/s{i}"), "x");
        map(&v, &format!("app/s{i}"), REF_A);
        map(&v, &format!("app/s{i}"), REF_B);
    }
    let (rt, h) = engine(&emu, &v);
    settle(&v, "first push", drained);
    quiet(&rt, &h);
    emu.control().reset_counters();
    rt.block_on(h.sync_all(None)).unwrap();
    // Compared with the listings before anything was queued: nothing was.
    assert_eq!(v.read().unwrap().outbox_totals().unwrap().0, 0);
    settle(&v, "no-op sync", drained);
    quiet(&rt, &h);
    let c = emu.control().request_counts();
    assert_eq!(c.get(LIST), Some(&2), "{c:?}");
    assert_eq!(emu.control().total_requests(), 2, "{c:?}");

    // A value edited on Supabase by hand differs from the listing: that one is queued
    // and put back, the rest still not.
    emu.world(|w| {
        w.projects
            .get_mut(REF_B)
            .unwrap()
            .secrets
            .get_mut("S3")
            .unwrap()
            .value = "by hand".into()
    });
    emu.control().reset_counters();
    rt.block_on(h.sync_all(None)).unwrap();
    settle(&v, "the edit put back", drained);
    assert_eq!(remote(&emu, REF_B)["S3"], "x");
    assert_eq!(emu.control().request_count(UPSERT), 1);
}
