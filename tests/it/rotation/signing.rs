//! JWT signing key rotations against the emulator, with the test's clock: the legacy
//! JWT secret imported first, a standby key created and promoted, previous keys
//! revoked after their grace (the legacy secret only once the legacy API keys are off)
//! and deleted after a further grace; a standby key keyward did not make stops it.

use std::sync::Arc;

use keyward::engine::retry::RetryPolicy;
use keyward::engine::signing::{SigningClientFor, SigningRotator};
use keyward::supabase::api::{CreateSigningKey, SigningAlgorithm, SigningKeyStatus as St};
use keyward::supabase::emulator::Emulator;
use keyward::vault::{DAY_MS, NewSigningRotation, SigningAlg};

use super::{T0, World};
use crate::support::emulator::{self as emu, REF_A};

fn rotator(w: &World, e: &Emulator) -> SigningRotator {
    let client = emu::client(e, emu::TOKEN);
    let clients: SigningClientFor = Arc::new(move |_| Ok(client.clone()));
    let mut r = SigningRotator::new(w.vault.clone(), w.handle.clone(), clients);
    r.retry = RetryPolicy {
        first: std::time::Duration::from_secs(60),
        jitter: 0.0,
        ..RetryPolicy::default()
    };
    r
}

fn add(w: &World, auto: bool) {
    let n = NewSigningRotation {
        name: "sig".into(),
        project_ref: REF_A.into(),
        connection: None,
        algorithm: SigningAlg::ES256,
        every_days: 1,
        at_minute: 0,
        auto,
        grace: None,
    };
    w.vault.write(|tx| tx.add_signing_rotation(n)).unwrap();
}

/// (id, algorithm, status) of every signing key of REF_A, oldest first.
fn keys(e: &Emulator) -> Vec<(String, SigningAlgorithm, St)> {
    e.world(|w| {
        w.projects[REF_A]
            .signing_keys
            .iter()
            .map(|k| (k.id.clone(), k.algorithm, k.status))
            .collect()
    })
}

fn status_of(e: &Emulator, id: &str) -> Option<St> {
    keys(e).into_iter().find(|k| k.0 == id).map(|k| k.2)
}

#[tokio::test]
async fn a_signing_rotation_imports_promotes_revokes_after_the_grace_and_deletes_later() {
    let e = emu::start();
    let w = World::new().await;
    add(&w, true);
    let sr = rotator(&w, &e);

    // Due at once: the legacy secret (still signing) is imported, a standby ES256 key
    // created and promoted; the legacy secret keeps verifying, as previously used.
    let t = sr.tick().await.unwrap();
    assert_eq!(t.failed, vec![]);
    assert_eq!(t.rotated.len(), 1);
    assert!(t.rotated[0].imported_legacy);
    let ks = keys(&e);
    assert_eq!(ks.len(), 2, "{ks:?}");
    let (legacy, first) = (ks[0].0.clone(), ks[1].0.clone());
    assert_eq!(
        (ks[0].1, ks[0].2),
        (SigningAlgorithm::HS256, St::PreviouslyUsed)
    );
    assert_eq!((ks[1].1, ks[1].2), (SigningAlgorithm::ES256, St::InUse));
    // Not due again the same day: nothing happens.
    assert!(sr.tick().await.unwrap().rotated.is_empty());
    assert_eq!(keys(&e).len(), 2);

    // A day later: due again. The legacy secret's grace ended, but the legacy API keys
    // (JWTs it signed) are on, so it is kept, and says why.
    w.clock.set(T0 + DAY_MS + 60_000);
    let t = sr.tick().await.unwrap();
    assert_eq!(t.rotated.len(), 1, "{:?}", t.failed);
    assert_eq!(status_of(&e, &legacy), Some(St::PreviouslyUsed));
    assert_eq!(status_of(&e, &first), Some(St::PreviouslyUsed));
    let r = w.vault.read().unwrap().signing_rotation("sig").unwrap();
    let second = r.state.current.clone().unwrap().id;
    assert_eq!(status_of(&e, &second), Some(St::InUse));
    assert!(
        r.state.previous.iter().any(|p| p.key.id == legacy),
        "the legacy secret stays previously used: {r:?}"
    );

    // The legacy API keys go off: at the next pass every key past its grace is revoked.
    e.world(|w| w.projects.get_mut(REF_A).unwrap().legacy_keys_enabled = false);
    w.clock.set(T0 + 2 * DAY_MS + 120_000);
    let t = sr.tick().await.unwrap();
    assert_eq!(t.failed, vec![]);
    assert_eq!(status_of(&e, &legacy), Some(St::Revoked));
    assert_eq!(status_of(&e, &first), Some(St::Revoked));
    assert_eq!(status_of(&e, &second), Some(St::PreviouslyUsed));

    // A further grace later the revoked keys are deleted.
    w.clock.set(T0 + 3 * DAY_MS + 180_000);
    let t = sr.tick().await.unwrap();
    assert_eq!(t.failed, vec![]);
    assert_eq!(status_of(&e, &legacy), None);
    assert_eq!(status_of(&e, &first), None);
    assert_eq!(status_of(&e, &second), Some(St::Revoked));
    let in_use = keys(&e).into_iter().filter(|k| k.2 == St::InUse).count();
    assert_eq!(in_use, 1);
    let rd = w.vault.read().unwrap();
    for action in [
        "signing-rotation-import",
        "signing-rotation-create",
        "signing-rotation-promote",
        "signing-rotation-revoke",
        "signing-rotation-delete",
    ] {
        assert!(
            !rd.audit_entries(Some(action)).unwrap().is_empty(),
            "{action}"
        );
    }
}

#[tokio::test]
async fn a_standby_key_keyward_did_not_make_stops_the_rotation_and_nothing_is_created() {
    let e = emu::start();
    let w = World::new().await;
    add(&w, false);
    let sr = rotator(&w, &e);
    sr.rotate_now("sig").await.unwrap();
    let c = emu::client(&e, emu::TOKEN);
    let foreign = c
        .create_signing_key(
            REF_A,
            &CreateSigningKey {
                algorithm: SigningAlgorithm::RS256,
                status: Some(St::Standby),
            },
        )
        .await
        .unwrap();
    let before = keys(&e);
    let err = sr.rotate_now("sig").await.unwrap_err().to_string();
    assert!(
        err.contains(&foreign.id) && err.contains("did not make"),
        "{err}"
    );
    assert_eq!(keys(&e), before);
    let r = w.vault.read().unwrap().signing_rotation("sig").unwrap();
    assert_eq!(r.state.failures, 1);
    assert!(r.state.retry_at.is_some());
}

#[tokio::test]
async fn revoking_as_compromised_revokes_every_previous_key_at_once() {
    let e = emu::start();
    let w = World::new().await;
    add(&w, false);
    e.world(|w| w.projects.get_mut(REF_A).unwrap().legacy_keys_enabled = false);
    let sr = rotator(&w, &e);
    let first = sr.rotate_now("sig").await.unwrap().key_id;
    let second = sr.revoke("sig", "leaked in a log").await.unwrap();
    assert_eq!(status_of(&e, &first), Some(St::Revoked));
    assert_eq!(status_of(&e, &second.key_id), Some(St::InUse));
    let r = w.vault.read().unwrap().signing_rotation("sig").unwrap();
    assert!(r.state.previous.is_empty(), "{r:?}");
}
