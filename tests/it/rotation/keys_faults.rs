//! API key rotations when things fail: the create refused, the verify failing, the
//! delete failing (clean-up pending), and a kill between create and promotion.

use keyward::supabase::api::{CreateApiKey, NewApiKeyType};
use keyward::vault::{DAY_MS, Phase};

use super::World;
use super::keys::{causes, deleted, key_value, live_keys, vault_value};
use crate::support::emulator::{self as emu, REF_A};

const CREATE: &str = "POST /v1/projects/{ref}/api-keys";
const DELETE: &str = "DELETE /v1/projects/{ref}/api-keys/{id}";
const CHECK: &str = "GET /_projects/{ref}/auth/v1/settings";

#[tokio::test]
async fn a_refused_create_changes_nothing_and_is_retried_with_backoff() {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("api", "service key", true);
    let kr = w.rotator(&e);
    kr.rotate_now("api").await.unwrap();
    let before = key_value(&e, "keyward_api_1");

    w.clock.advance(DAY_MS);
    e.control().fail_next(CREATE, 1, 500);
    let tick = kr.tick().await.unwrap();
    assert!(tick.rotated.is_empty());
    assert!(
        tick.failed[0].1.contains("did not create"),
        "{:?}",
        tick.failed
    );
    let r = w.vault.read().unwrap().key_rotation("api").unwrap();
    assert_eq!(r.state.phase, Phase::Idle);
    assert_eq!(r.state.current.as_ref().unwrap().name, "keyward_api_1");
    assert_eq!(r.state.failures, 1);
    let retry_at = r.state.retry_at.expect("a retry is scheduled");
    assert_eq!(retry_at, w.clock.now() + 60_000);
    assert!(r.state.last_message.unwrap().contains("500"));
    assert_eq!(vault_value(&w, "service key"), before);
    assert_eq!(causes(&w, "service key").len(), 1);
    assert_eq!(live_keys(&e, "api"), vec!["keyward_api_1"]);

    // Not before the backoff ends; then it goes through.
    assert!(kr.tick().await.unwrap().rotated.is_empty());
    w.clock.set(retry_at);
    assert_eq!(kr.tick().await.unwrap().rotated.len(), 1);
    assert_eq!(causes(&w, "service key").len(), 2);
    let r = w.vault.read().unwrap().key_rotation("api").unwrap();
    assert_eq!((r.state.failures, r.state.retry_at), (0, None));
}

#[tokio::test]
async fn a_new_key_that_fails_verification_is_deleted_and_nothing_is_promoted() {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("api", "service key", true);
    let kr = w.rotator(&e);
    kr.rotate_now("api").await.unwrap();

    e.control().fail_next(CHECK, 1, 401);
    let err = kr.rotate_now("api").await.unwrap_err().to_string();
    assert!(err.contains("refused the new key"), "{err}");
    assert_eq!(live_keys(&e, "api"), vec!["keyward_api_1"]);
    assert_eq!(
        deleted(&e).iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
        vec!["keyward_api_2"]
    );
    assert_eq!(
        vault_value(&w, "service key"),
        key_value(&e, "keyward_api_1")
    );
    assert_eq!(causes(&w, "service key").len(), 1);
    let r = w.vault.read().unwrap().key_rotation("api").unwrap();
    assert_eq!(r.state.current.unwrap().name, "keyward_api_1");
    assert!(r.state.retiring.is_empty());
}

#[tokio::test]
async fn a_failed_delete_is_clean_up_pending_not_a_failed_rotation() {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("api", "service key", true);
    let kr = w.rotator(&e);
    kr.rotate_now("api").await.unwrap();
    kr.rotate_now("api").await.unwrap();

    e.control().fail_next(DELETE, 1, 503);
    let done = kr.rotate_now("api").await.unwrap();
    assert!(done.cleanup_pending);
    assert_eq!(
        vault_value(&w, "service key"),
        key_value(&e, "keyward_api_3")
    );
    let r = w.vault.read().unwrap().key_rotation("api").unwrap();
    assert!(r.state.cleanup_pending());
    assert!(
        r.state
            .last_message
            .as_deref()
            .unwrap()
            .starts_with("rotated, clean-up pending")
    );
    assert_eq!(r.state.last_success, Some(w.clock.now()));
    assert_eq!(live_keys(&e, "api").len(), 3, "the oldest is still there");

    // Retried after the backoff, without rotating again.
    w.clock.set(r.state.retry_at.unwrap());
    let tick = kr.tick().await.unwrap();
    assert!(
        tick.rotated.is_empty() && tick.failed.is_empty(),
        "{tick:?}"
    );
    assert_eq!(live_keys(&e, "api"), vec!["keyward_api_2", "keyward_api_3"]);
    let r = w.vault.read().unwrap().key_rotation("api").unwrap();
    assert!(!r.state.cleanup_pending());
    assert_eq!(
        r.state.last_message.as_deref(),
        Some("rotated; clean-up done")
    );
    assert_eq!(causes(&w, "service key").len(), 3);
}

/// A kill after the create reached Supabase but before promotion leaves the phase
/// `Creating` in the vault; the orphan is found on restart and deleted, then the
/// rotation, still due, runs.
async fn killed_between_create_and_promotion(id_recorded: bool) {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("api", "service key", true);
    let client = emu::client(&e, emu::TOKEN);
    // What the killed process did: recorded the attempt, created the key.
    let orphan = client
        .create_api_key(
            REF_A,
            &CreateApiKey::new(NewApiKeyType::Secret, "keyward_api_1"),
        )
        .await
        .unwrap();
    let orphan_id = orphan.id.clone().unwrap();
    w.vault
        .write(|tx| {
            let mut r = tx.key_rotation("api")?;
            r.state.generation = 1;
            r.state.phase = Phase::Creating {
                key_name: "keyward_api_1".into(),
                key_id: id_recorded.then(|| orphan_id.clone()),
            };
            tx.save_key_rotation(&r)
        })
        .unwrap();

    let w = w.restart().await;
    let kr = w.rotator(&e);
    let tick = kr.tick().await.unwrap();
    assert_eq!(tick.rotated.len(), 1, "{tick:?}");
    assert_eq!(
        deleted(&e).iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
        vec!["keyward_api_1"],
        "the orphan is deleted, not leaked"
    );
    assert_eq!(live_keys(&e, "api"), vec!["keyward_api_2"]);
    assert_eq!(
        vault_value(&w, "service key"),
        key_value(&e, "keyward_api_2")
    );
    assert_eq!(causes(&w, "service key").len(), 1);
    let r = w.vault.read().unwrap().key_rotation("api").unwrap();
    assert_eq!(r.state.phase, Phase::Idle);
    assert!(
        r.state.previous.is_none(),
        "the orphan never became a live key"
    );
}

#[tokio::test]
async fn an_orphan_with_a_recorded_id_is_deleted_on_restart() {
    killed_between_create_and_promotion(true).await;
}

#[tokio::test]
async fn an_orphan_known_only_by_name_is_found_in_the_key_list_on_restart() {
    killed_between_create_and_promotion(false).await;
}

#[tokio::test]
async fn a_key_the_vault_cannot_store_is_deleted_and_the_attempt_backs_off() {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("api", "service key", true);
    let kr = w.rotator(&e);
    kr.rotate_now("api").await.unwrap();
    w.vault
        .write(|tx| tx.trash("keys", "service key").map(drop))
        .unwrap();
    let err = kr.rotate_now("api").await.unwrap_err().to_string();
    assert!(
        err.contains("could not be stored") && err.contains("trash"),
        "{err}"
    );
    assert_eq!(
        live_keys(&e, "api"),
        vec!["keyward_api_1"],
        "the new key is deleted"
    );
    let r = w.vault.read().unwrap().key_rotation("api").unwrap();
    assert_eq!(r.state.phase, Phase::Idle);
    assert!(r.state.retry_at.is_some());
    assert_eq!(r.state.current.unwrap().name, "keyward_api_1");
}
