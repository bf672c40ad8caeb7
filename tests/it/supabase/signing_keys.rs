//! Auth's JWT signing keys in the emulator: the spec's shapes, the legal status
//! transitions, and the refusals of illegal ones (deleting a key that is not revoked,
//! revoking the key in use, a second standby key, revoking the legacy secret while the
//! legacy API keys it signs are on, deleting a key revoked too recently).

use keyward::supabase::Error;
use keyward::supabase::api::{
    CreateSigningKey, SigningAlgorithm, SigningKeyStatus as St, UpdateSigningKey,
};

use super::raw;
use crate::support::emulator::{self as emu, REF_A};

fn standby(a: SigningAlgorithm) -> CreateSigningKey {
    CreateSigningKey {
        algorithm: a,
        status: Some(St::Standby),
    }
}

fn to(s: St) -> UpdateSigningKey {
    UpdateSigningKey { status: s }
}

#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, Error>, needle: &str) {
    match r {
        Err(Error::Rejected {
            status: 400,
            message,
        }) => {
            assert!(message.contains(needle), "{message}")
        }
        other => panic!("expected a 400 with {needle:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_rotation_through_every_status_and_the_refusals_on_the_way() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    assert!(c.list_signing_keys(REF_A).await.unwrap().is_empty());
    assert!(matches!(
        c.legacy_signing_key(REF_A).await,
        Err(Error::NotFound { .. })
    ));

    // The legacy JWT secret, imported: HS256, in use, no public key.
    let legacy = c.import_legacy_signing_key(REF_A).await.unwrap();
    assert_eq!(
        (legacy.algorithm, legacy.status),
        (SigningAlgorithm::HS256, St::InUse)
    );
    assert_eq!(legacy.public_jwk, None);
    assert_eq!(c.legacy_signing_key(REF_A).await.unwrap().id, legacy.id);
    refused(c.import_legacy_signing_key(REF_A).await, "already imported");

    // A standby key, and only one.
    let next = c
        .create_signing_key(REF_A, &standby(SigningAlgorithm::RS256))
        .await
        .unwrap();
    assert_eq!(next.status, St::Standby);
    assert_eq!(next.public_jwk.as_ref().unwrap()["kty"], "RSA");
    refused(
        c.create_signing_key(REF_A, &standby(SigningAlgorithm::ES256))
            .await,
        "already has a standby key",
    );
    refused(
        c.delete_signing_key(REF_A, &next.id).await,
        "Only a revoked",
    );

    // Promotion: the key in use becomes previously used.
    let promoted = c
        .update_signing_key(REF_A, &next.id, &to(St::InUse))
        .await
        .unwrap();
    assert_eq!(promoted.status, St::InUse);
    let old = c.get_signing_key(REF_A, &legacy.id).await.unwrap();
    assert_eq!(old.status, St::PreviouslyUsed);
    refused(
        c.update_signing_key(REF_A, &next.id, &to(St::Revoked))
            .await,
        "cannot be revoked",
    );
    refused(
        c.update_signing_key(REF_A, &next.id, &to(St::Standby))
            .await,
        "cannot go from in_use to standby",
    );
    refused(
        c.delete_signing_key(REF_A, &next.id).await,
        "Only a revoked",
    );

    // The legacy secret signs the legacy API keys: not revoked while they are on.
    refused(
        c.update_signing_key(REF_A, &legacy.id, &to(St::Revoked))
            .await,
        "disable the legacy API keys",
    );
    c.set_legacy_api_keys(REF_A, false).await.unwrap();
    let revoked = c
        .update_signing_key(REF_A, &legacy.id, &to(St::Revoked))
        .await
        .unwrap();
    assert_eq!(revoked.status, St::Revoked);
    refused(c.set_legacy_api_keys(REF_A, true).await, "revoked");
    let gone = c.delete_signing_key(REF_A, &legacy.id).await.unwrap();
    assert_eq!(gone.id, legacy.id);
    assert!(matches!(
        c.get_signing_key(REF_A, &legacy.id).await,
        Err(Error::NotFound { .. })
    ));
    let left = c.list_signing_keys(REF_A).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].status, St::InUse);
}

#[tokio::test]
async fn a_revoked_key_is_deleted_only_after_a_while_when_the_api_says_so() {
    let e = emu::start();
    e.control()
        .update_faults(|f| f.revoked_key_min_age_secs = 3600);
    let c = emu::client(&e, emu::TOKEN);
    let k = c
        .create_signing_key(REF_A, &standby(SigningAlgorithm::EdDSA))
        .await
        .unwrap();
    assert_eq!(k.public_jwk.as_ref().unwrap()["crv"], "Ed25519");
    c.update_signing_key(REF_A, &k.id, &to(St::Revoked))
        .await
        .unwrap();
    refused(c.delete_signing_key(REF_A, &k.id).await, "after 3600s");
    e.control()
        .update_faults(|f| f.revoked_key_min_age_secs = 0);
    c.delete_signing_key(REF_A, &k.id).await.unwrap();
}

#[tokio::test]
async fn bad_bodies_are_refused_in_the_apis_shape() {
    let e = emu::start();
    let url = format!(
        "{}/v1/projects/{REF_A}/config/auth/signing-keys",
        e.base_url()
    );
    for body in [
        serde_json::json!({"algorithm": "HS256"}),
        serde_json::json!({"algorithm": "PS512"}),
        serde_json::json!({"algorithm": "RS256", "status": "revoked"}),
        serde_json::json!({"algorithm": "RS256", "extra": 1}),
    ] {
        let r = raw()
            .post(&url)
            .bearer_auth(emu::TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let b: serde_json::Value = r.json().await.unwrap();
        assert!(b["message"].is_string(), "{b}");
    }
    // A token scoped to another project cannot see them.
    let scoped = emu::client(&e, emu::SCOPED_TOKEN);
    assert!(
        scoped
            .list_signing_keys(crate::support::emulator::REF_B)
            .await
            .is_err()
    );
}
