//! API key rotations when things fail: the create refused, the verify failing, the
//! delete failing (clean-up pending), and a kill between create and promotion.

use keyward::supabase::api::{CreateApiKey, NewApiKeyType};
use keyward::vault::{DAY_MS, KeyRotationStatus, Phase};

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
async fn a_failed_delete_of_the_retired_key_holds_the_next_key_back() {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("api", "service key", true);
    let kr = w.rotator(&e);
    kr.rotate_now("api").await.unwrap();
    kr.rotate_now("api").await.unwrap();

    // The key retired a rotation ago goes before a new one is made: if it cannot be
    // deleted, no third key is created.
    e.control().fail_next(DELETE, 1, 503);
    let err = kr.rotate_now("api").await.unwrap_err().to_string();
    assert!(err.contains("clean-up pending"), "{err}");
    assert_eq!(live_keys(&e, "api"), vec!["keyward_api_1", "keyward_api_2"]);
    assert_eq!(
        vault_value(&w, "service key"),
        key_value(&e, "keyward_api_2")
    );
    assert_eq!(causes(&w, "service key").len(), 2);
    let r = w.vault.read().unwrap().key_rotation("api").unwrap();
    assert!(r.state.cleanup_pending());
    assert_eq!(r.state.current.as_ref().unwrap().name, "keyward_api_2");
    assert_eq!(r.status(w.clock.now()), KeyRotationStatus::CleanupPending);

    // Retried after the backoff: the old key goes, then the rotation runs.
    w.clock.advance(DAY_MS);
    let tick = kr.tick().await.unwrap();
    assert_eq!(tick.rotated.len(), 1, "{tick:?}");
    assert_eq!(live_keys(&e, "api"), vec!["keyward_api_2", "keyward_api_3"]);
    assert_eq!(causes(&w, "service key").len(), 3);
    let r = w.vault.read().unwrap().key_rotation("api").unwrap();
    assert!(!r.state.cleanup_pending());
    assert_eq!((r.state.failures, r.state.retry_at), (0, None));
}

#[tokio::test]
async fn a_failed_delete_when_a_grace_ends_is_clean_up_pending_not_a_failed_rotation() {
    let e = emu::start();
    let w = World::new().await;
    let n = keyward::vault::NewKeyRotation {
        name: "graced".into(),
        project_ref: REF_A.into(),
        connection: None,
        key_type: keyward::vault::KeyKind::Secret,
        every_days: 7,
        at_minute: 0,
        auto: true,
        into_project: "keys".into(),
        into_name: "graced key".into(),
        grace: Some(DAY_MS),
    };
    w.vault
        .write(|tx| tx.add_key_rotation(n).map(drop))
        .unwrap();
    let kr = w.rotator(&e);
    kr.rotate_now("graced").await.unwrap();
    kr.rotate_now("graced").await.unwrap();
    // In its grace the previous key may not be replaced by a third.
    let err = kr.rotate_now("graced").await.unwrap_err().to_string();
    assert!(err.contains("grace") && err.contains("three keys"), "{err}");
    assert_eq!(live_keys(&e, "graced").len(), 2);

    w.clock.advance(DAY_MS);
    e.control().fail_next(DELETE, 1, 503);
    let tick = kr.tick().await.unwrap();
    assert!(
        tick.rotated.is_empty() && tick.failed.is_empty(),
        "{tick:?}"
    );
    let r = w.vault.read().unwrap().key_rotation("graced").unwrap();
    assert!(r.state.cleanup_pending());
    assert!(
        r.state
            .last_message
            .as_deref()
            .unwrap()
            .starts_with("rotated, clean-up pending"),
        "{:?}",
        r.state.last_message
    );
    w.clock.set(r.state.retry_at.unwrap());
    let tick = kr.tick().await.unwrap();
    assert!(
        tick.rotated.is_empty() && tick.failed.is_empty(),
        "{tick:?}"
    );
    assert_eq!(live_keys(&e, "graced"), vec!["keyward_graced_2"]);
    let r = w.vault.read().unwrap().key_rotation("graced").unwrap();
    assert_eq!(
        r.state.last_message.as_deref(),
        Some("rotated; clean-up done")
    );
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

/// Someone with the vault file but not the key edits a rotation's recorded key id so
/// that the driver would delete a key it never created (here: the id of the key it made
/// becomes another id of the same length): the row fails to verify and nothing is done
/// with it.
#[tokio::test]
async fn a_rotation_row_edited_in_the_file_is_refused_as_tampering() {
    use redb::ReadableDatabase;
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("nightly", "Service key", true);
    w.rotator(&e).rotate_now("nightly").await.unwrap();
    let made = w
        .vault
        .read()
        .unwrap()
        .key_rotation("nightly")
        .unwrap()
        .state
        .current
        .expect("the run made a key")
        .id;
    let sb = {
        let World {
            sb, vault, handle, ..
        } = w;
        handle.shutdown();
        let mut vault = vault;
        let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            match std::sync::Arc::try_unwrap(vault) {
                Ok(v) => break drop(v),
                Err(again) => {
                    assert!(
                        std::time::Instant::now() < end,
                        "the engine never let go of the vault after shutdown"
                    );
                    vault = again;
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
        sb
    };
    let t: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("key_rotations");
    {
        let db = redb::Database::open(&sb.path).unwrap();
        let row = {
            let r = db.begin_read().unwrap();
            let t = r.open_table(t).unwrap();
            t.get("nightly").unwrap().unwrap().value().to_vec()
        };
        let at = row
            .windows(made.len())
            .position(|w| w == made.as_bytes())
            .expect("the key id is stored in clear");
        let mut evil = row.clone();
        // Another id: its first character changed (ids are ASCII).
        evil[at] = if evil[at] == b'0' { b'1' } else { b'0' };
        let wtx = db.begin_write().unwrap();
        wtx.open_table(t)
            .unwrap()
            .insert("nightly", evil.as_slice())
            .unwrap();
        wtx.commit().unwrap();
    }
    let v = sb.open();
    let e = v.read().unwrap().key_rotations().unwrap_err();
    assert!(matches!(e, keyward::vault::VaultError::Tampered(_)), "{e}");
    let e = v.read().unwrap().key_rotation("nightly").unwrap_err();
    assert!(matches!(e, keyward::vault::VaultError::Tampered(_)), "{e}");
}
