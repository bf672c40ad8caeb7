//! The common path: map, push, edit, unmap; ownership and batching.

use keyward::engine::Event;
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

#[test]
fn events_report_variables_health_progress_and_idle() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api")]);
    set(&v, "app/one", "1");
    set(&v, "app/two", "2");
    let (rt, h) = engine(&emu, &v);
    let mut rx = h.subscribe();
    rt.block_on(h.apply(|tx| {
        tx.map("app", "one", REF_A, None, false, None)?;
        tx.map("app", "two", REF_A, None, false, None).map(|_| ())
    }))
    .unwrap();
    let events = rt.block_on(async {
        let mut seen = Vec::new();
        loop {
            let e = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
                .await
                .expect("events")
                .unwrap();
            // The engine announces Idle once at start, having found nothing to resume.
            if seen.is_empty() && !matches!(e, Event::Touched(_)) {
                continue;
            }
            seen.push(e.clone());
            if e == Event::Idle {
                return seen;
            }
        }
    });
    // The write says what it changed: the two variables it queued, nothing else.
    let Event::Touched(d) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        d.vars,
        vec![
            (REF_A.to_string(), "ONE".to_string()),
            (REF_A.to_string(), "TWO".to_string())
        ]
    );
    assert!(d.secrets.is_empty() && d.targets.is_empty(), "{d:?}");
    for n in ["ONE", "TWO"] {
        assert!(events.contains(&Event::Variable {
            target: REF_A.into(),
            variable: n.into(),
            state: Some(SyncState::Synced),
        }));
    }
    assert!(events.contains(&Event::TargetHealth {
        target: REF_A.into(),
        healthy: true,
        consecutive_failures: 0,
    }));
    assert!(
        events.contains(&Event::Progress { done: 2, total: 2 }),
        "{events:?}"
    );
}

#[test]
fn drift_is_seen_planned_and_overwritten() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api")]);
    set(&v, "app/edited", "ours");
    set(&v, "app/deleted", "ours too");
    map(&v, "app/edited", REF_A);
    map(&v, "app/deleted", REF_A);
    let (rt, h) = engine(&emu, &v);
    settle(&v, "first push", drained);
    emu.world(|w| {
        let p = w.projects.get_mut(REF_A).unwrap();
        p.secrets.get_mut("EDITED").unwrap().value = "by hand".into();
        p.secrets.remove("DELETED");
    });
    let d = rt.block_on(h.drift(None)).unwrap();
    assert_eq!(d[0].drifted, vec!["EDITED"]);
    assert_eq!(d[0].missing, vec!["DELETED"]);
    assert_eq!(d[0].unmanaged, vec!["HAND_SET"]);
    assert_eq!(
        var(&v.read().unwrap(), REF_A, "EDITED").unwrap().state,
        SyncState::Drifted
    );
    let p = rt.block_on(h.plan(None)).unwrap();
    assert_eq!(p[0].overwrite, vec!["EDITED"]);
    assert_eq!(p[0].create, vec!["DELETED"]);
    // A plan writes nothing.
    assert_eq!(remote(&emu, REF_A)["EDITED"], "by hand");
    rt.block_on(h.sync_all(None)).unwrap();
    settle(&v, "overwritten", drained);
    let a = remote(&emu, REF_A);
    assert_eq!(
        (a["EDITED"].as_str(), a["DELETED"].as_str()),
        ("ours", "ours too")
    );
}

/// A full reconciliation of what is already synced checks each variable against
/// Supabase without rewriting its row (it stays synced, its time unchanged), and still
/// puts back a value changed there by hand.
#[test]
fn a_reconciliation_checks_synced_rows_without_rewriting_them_and_repairs_edits() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api")]);
    set(&v, "app/kept", "ours");
    set(&v, "app/edited", "ours");
    map(&v, "app/kept", REF_A);
    map(&v, "app/edited", REF_A);
    let (rt, h) = engine(&emu, &v);
    settle(&v, "first push", drained);
    let before = var(&v.read().unwrap(), REF_A, "KEPT").unwrap();
    emu.world(|w| {
        let p = w.projects.get_mut(REF_A).unwrap();
        p.secrets.get_mut("EDITED").unwrap().value = "by hand".into();
    });
    v.write(|tx| tx.enqueue_all(None, &Default::default()).map(|_| ()))
        .unwrap();
    // Queued for the check, the synced row is as it was.
    assert_eq!(var(&v.read().unwrap(), REF_A, "KEPT").unwrap(), before);
    rt.block_on(h.sync_all(None)).unwrap();
    settle(&v, "reconciled", drained);
    assert_eq!(remote(&emu, REF_A)["EDITED"], "ours");
    let after = var(&v.read().unwrap(), REF_A, "KEPT").unwrap();
    assert_eq!(after.state, SyncState::Synced);
    assert_eq!(after.synced_at, before.synced_at);
}
