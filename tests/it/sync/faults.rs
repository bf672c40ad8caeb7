//! Faults against the emulator: a revoked token, 500s, timeouts, 429 storms, a batch
//! Supabase rejects for one name. A failed push always leaves Supabase as it was.

use std::time::Duration;

use keyward::vault::SyncState;

use super::*;
use crate::support::emulator::{OTHER_TOKEN, REF_A};

fn synced_once(emu: &Emulator, value: &str) -> (crate::support::vault::Sandbox, Arc<Vault>) {
    let (sb, v) = vault_with(emu, &[(REF_A, "billing-api")]);
    set(&v, "app/api key", value);
    map(&v, "app/api key", REF_A);
    (sb, v)
}

#[test]
fn a_revoked_token_fails_until_reconnect_and_leaves_the_old_value() {
    let emu = emus::start();
    let (_sb, v) = synced_once(&emu, "old");
    let (rt, h) = engine(&emu, &v);
    settle(&v, "first push", drained);
    emu.revoke_token(TOKEN);
    set(&v, "app/api key", "new");
    h.kick();
    settle(&v, "unhealthy after 10 failures", |r| {
        r.target(REF_A).unwrap().health.unhealthy
    });
    let r = v.read().unwrap();
    let s = var(&r, REF_A, "API_KEY").unwrap();
    assert_eq!(s.state, SyncState::Failed);
    assert!(s.error.unwrap().contains("refused the access token"));
    assert_eq!(r.target(REF_A).unwrap().health.consecutive_failures, 10);
    drop(r);
    assert_eq!(remote(&emu, REF_A)["API_KEY"], "old");
    // Out of automatic retries: a pass of the engine over its work (woken on purpose,
    // then idle) sends nothing more.
    let before = emu.control().total_requests();
    quiet(&rt, &h);
    assert_eq!(emu.control().total_requests(), before);

    v.write(|tx| tx.reconnect("main", OTHER_TOKEN).map(|_| ()))
        .unwrap();
    h.kick();
    settle(&v, "pushed after reconnect", drained);
    assert_eq!(remote(&emu, REF_A)["API_KEY"], "new");
    let t = v.read().unwrap().target(REF_A).unwrap();
    assert!(!t.health.unhealthy && t.health.consecutive_failures == 0);
}

#[test]
fn server_errors_are_retried_and_a_failed_push_leaves_the_old_value() {
    let emu = emus::start();
    let (_sb, v) = synced_once(&emu, "old");
    let mut cfg = config(&emu);
    cfg.retry.first = Duration::from_millis(150);
    cfg.retry.cap = Duration::from_millis(300);
    let (_rt, h) = engine_with(&v, cfg);
    settle(&v, "first push", drained);
    emu.control().set_fail_rate(1.0);
    set(&v, "app/api key", "new");
    h.kick();
    settle(&v, "failed twice", |r| {
        var(r, REF_A, "API_KEY").unwrap().attempts >= 2
    });
    assert_eq!(remote(&emu, REF_A)["API_KEY"], "old");
    let s = var(&v.read().unwrap(), REF_A, "API_KEY").unwrap();
    assert_eq!(s.state, SyncState::Failed);
    assert!(s.error.unwrap().contains("500"));
    assert!(s.next_retry.is_some());
    emu.control().set_fail_rate(0.0);
    settle(&v, "retried until it went through", drained);
    assert_eq!(remote(&emu, REF_A)["API_KEY"], "new");
    let r = v.read().unwrap();
    let s = var(&r, REF_A, "API_KEY").unwrap();
    assert_eq!((s.state, s.attempts, s.error), (SyncState::Synced, 0, None));
    assert_eq!(r.target(REF_A).unwrap().health.consecutive_failures, 0);
}

#[test]
fn timeouts_are_failures_that_recover() {
    let emu = emus::start();
    let (_sb, v) = synced_once(&emu, "v1");
    emu.control().set_latency(Duration::from_millis(1500));
    let mut cfg = config(&emu);
    cfg.request_timeout = Duration::from_millis(200);
    let (_rt, _h) = engine_with(&v, cfg);
    settle(&v, "a timeout recorded", |r| {
        var(r, REF_A, "API_KEY").unwrap().state == SyncState::Failed
    });
    let s = var(&v.read().unwrap(), REF_A, "API_KEY").unwrap();
    assert!(s.error.unwrap().contains("timed out"));
    emu.control().set_latency(Duration::ZERO);
    settle(&v, "pushed once the API answers", drained);
    assert_eq!(remote(&emu, REF_A)["API_KEY"], "v1");
}

#[test]
fn a_429_storm_is_waited_out_and_never_counted_as_a_failure() {
    let emu = emus::start();
    let (_sb, v) = synced_once(&emu, "v1");
    emu.control().fail_next("*", 12, 429);
    let mut cfg = config(&emu);
    cfg.max_rate_wait = Duration::from_millis(20);
    let (_rt, h) = engine_with(&v, cfg);
    settle(&v, "pushed through the storm", drained);
    assert!(
        emu.control().pending_failures().is_empty(),
        "the storm was met"
    );
    // The real limiter too: 2 requests a window per endpoint, five batches in a row.
    emu.control().update_faults(|f| {
        f.rate_limit = 2;
        f.rate_window_secs = 1;
    });
    emu.control().set_recording(true);
    for i in 2..=5 {
        set(&v, "app/api key", &format!("v{i}"));
        h.kick();
        settle(&v, "pushed under the limit", drained);
    }
    assert_eq!(remote(&emu, REF_A)["API_KEY"], "v5");
    // The limiter was really met (not only the injected storm above).
    let limited = emu
        .control()
        .recorded()
        .iter()
        .filter(|e| e.status == 429)
        .count();
    assert!(
        limited > 0,
        "no 429 was answered: the limit was never reached"
    );
    let r = v.read().unwrap();
    let s = var(&r, REF_A, "API_KEY").unwrap();
    assert_eq!((s.attempts, s.error), (0, None));
    let t = r.target(REF_A).unwrap();
    assert_eq!(t.health.consecutive_failures, 0);
    let failed = r.audit_entries(Some("sync_push")).unwrap();
    assert!(
        failed
            .iter()
            .all(|e| e.event.outcome == keyward::vault::Outcome::Ok)
    );
}

#[test]
fn a_rejected_batch_is_split_so_only_the_bad_name_fails() {
    let emu = emus::start();
    emu.control()
        .update_faults(|f| f.reject_names = vec!["BETA".into()]);
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api")]);
    for n in ["alpha", "beta", "gamma", "delta", "epsilon"] {
        set(&v, &format!("app/{n}"), &format!("{n} value"));
        map(&v, &format!("app/{n}"), REF_A);
    }
    let (_rt, _h) = engine(&emu, &v);
    settle(&v, "all but BETA pushed", |r| {
        settled(r) && var(r, REF_A, "BETA").unwrap().state == SyncState::Failed
    });
    let a = remote(&emu, REF_A);
    for n in ["ALPHA", "GAMMA", "DELTA", "EPSILON"] {
        assert!(a.contains_key(n), "{n} missing: {a:?}");
    }
    assert!(!a.contains_key("BETA"));
    let r = v.read().unwrap();
    let beta = var(&r, REF_A, "BETA").unwrap();
    assert!(beta.error.unwrap().contains("BETA is not allowed"));
    for n in ["ALPHA", "GAMMA", "DELTA", "EPSILON"] {
        assert_eq!(var(&r, REF_A, n).unwrap().state, SyncState::Synced);
    }
    // A rejected variable is not the target's fault.
    assert_eq!(r.target(REF_A).unwrap().health.consecutive_failures, 0);
}

#[test]
fn an_unmanaged_variable_of_the_same_name_is_not_taken_over() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api")]);
    set(&v, "app/hand set", "ours");
    let (rt, h) = engine(&emu, &v);
    let remote_names = rt.block_on(h.remote_names(REF_A.into())).unwrap();
    assert!(remote_names.contains("HAND_SET"));
    let e = v
        .write(|tx| tx.map("app", "hand set", REF_A, None, false, Some(&remote_names)))
        .unwrap_err();
    assert!(e.to_string().contains("--adopt"), "{e}");
    // Mapped without a listing (offline), the push still refuses to take it over.
    map(&v, "app/hand set", REF_A);
    h.kick();
    settle(&v, "refused at push", |r| {
        var(r, REF_A, "HAND_SET").unwrap().state == SyncState::Failed
    });
    assert_eq!(remote(&emu, REF_A)["HAND_SET"], "by hand");
    assert!(
        var(&v.read().unwrap(), REF_A, "HAND_SET")
            .unwrap()
            .error
            .unwrap()
            .contains("--adopt")
    );
    // Adopting it: the vault's value replaces it, and it is keyward's from then on.
    v.write(|tx| {
        tx.map("app", "hand set", REF_A, None, true, Some(&remote_names))
            .map(|_| ())
    })
    .unwrap();
    h.kick();
    settle(&v, "adopted", drained);
    assert_eq!(remote(&emu, REF_A)["HAND_SET"], "ours");
    assert!(
        v.read()
            .unwrap()
            .owned_names(REF_A)
            .unwrap()
            .contains("HAND_SET")
    );
}
