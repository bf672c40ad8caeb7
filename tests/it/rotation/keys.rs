//! API key rotations on the happy paths: two keys alive, the oldest deleted, the vault
//! secret's versions; the schedule under clock jumps; revoke and removal.

use keyward::supabase::KeyCheck;
use keyward::supabase::emulator::Emulator;
use keyward::vault::{Cause, DAY_MS, Phase};
use secrecy::SecretString;

use super::{T0, World};
use crate::support::emulator::{self as emu, REF_A};

/// The names of the keys this rotation made that are alive on the project.
pub fn live_keys(e: &Emulator, rotation: &str) -> Vec<String> {
    let prefix = format!("keyward_{}_", rotation.replace('-', "_"));
    e.world(|w| {
        w.projects[REF_A]
            .api_keys
            .iter()
            .filter(|k| k.name.starts_with(&prefix))
            .map(|k| k.name.clone())
            .collect()
    })
}

pub fn key_value(e: &Emulator, name: &str) -> String {
    e.world(|w| {
        w.projects[REF_A]
            .api_keys
            .iter()
            .find(|k| k.name == name)
            .map(|k| k.api_key.clone())
            .expect("key exists")
    })
}

pub fn deleted(e: &Emulator) -> Vec<(String, bool, Option<String>)> {
    e.world(|w| {
        w.deleted_keys
            .iter()
            .map(|d| (d.name.clone(), d.was_compromised, d.reason.clone()))
            .collect()
    })
}

pub fn vault_value(w: &World, name: &str) -> String {
    let r = w.vault.read().unwrap();
    r.value("keys", name, None)
        .unwrap()
        .1
        .as_simple()
        .unwrap()
        .to_owned()
}

pub fn causes(w: &World, name: &str) -> Vec<Cause> {
    let r = w.vault.read().unwrap();
    r.history("keys", name)
        .unwrap()
        .into_iter()
        .map(|v| v.cause)
        .collect()
}

#[tokio::test]
async fn three_rotations_keep_two_keys_alive_and_delete_the_oldest() {
    let e = emu::start();
    let w = World::new().await;
    assert_eq!(w.add_rotation("api", "service key", true), None);
    let kr = w.rotator(&e);
    let client = emu::client(&e, emu::TOKEN);

    let first = kr.rotate_now("api").await.unwrap();
    assert_eq!(first.version, 1);
    assert_eq!(live_keys(&e, "api"), vec!["keyward_api_1"]);
    assert_eq!(
        vault_value(&w, "service key"),
        key_value(&e, "keyward_api_1")
    );

    let second = kr.rotate_now("api").await.unwrap();
    assert!(!second.cleanup_pending);
    assert_eq!(live_keys(&e, "api"), vec!["keyward_api_1", "keyward_api_2"]);
    // Two keys alive: the previous one keeps working for running clients.
    for k in ["keyward_api_1", "keyward_api_2"] {
        let v = SecretString::from(key_value(&e, k));
        assert_eq!(
            client.check_api_key(REF_A, &v).await.unwrap(),
            KeyCheck::Accepted
        );
    }
    assert!(deleted(&e).is_empty());

    kr.rotate_now("api").await.unwrap();
    assert_eq!(live_keys(&e, "api"), vec!["keyward_api_2", "keyward_api_3"]);
    assert_eq!(
        deleted(&e),
        vec![("keyward_api_1".into(), false, Some("rotating_key".into()))]
    );
    assert_eq!(
        vault_value(&w, "service key"),
        key_value(&e, "keyward_api_3")
    );
    assert_eq!(causes(&w, "service key"), vec![Cause::Rotation; 3]);
    // The project's own keys are never touched.
    let defaults = e.world(|w| {
        w.projects[REF_A]
            .api_keys
            .iter()
            .filter(|k| k.name == "default")
            .count()
    });
    assert_eq!(defaults, 2);

    let r = w.vault.read().unwrap().key_rotation("api").unwrap();
    assert_eq!(r.state.current.unwrap().name, "keyward_api_3");
    assert_eq!(r.state.previous.unwrap().name, "keyward_api_2");
    assert_eq!(r.state.phase, Phase::Idle);
    assert_eq!(r.state.last_success, Some(T0));
    assert!(r.state.last_message.unwrap().starts_with("rotated"));
    // No audit entry carries a key value.
    let audit = w.vault.read().unwrap().audit_entries(None).unwrap();
    let text = serde_json::to_string(&audit).unwrap();
    assert!(text.contains("key-rotation-promote"));
    assert!(!text.contains(&key_value(&e, "keyward_api_3")));
}

#[tokio::test]
async fn the_schedule_rotates_once_per_due_time_whatever_the_clock_does() {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("sched", "sched key", true);
    let kr = w.rotator(&e);
    let day0 = T0 - T0.rem_euclid(DAY_MS);

    // Due at once after set-up, then at 00:00 the next day.
    assert_eq!(kr.tick().await.unwrap().rotated.len(), 1);
    let r = w.vault.read().unwrap().key_rotation("sched").unwrap();
    assert_eq!(r.state.next_due, day0 + DAY_MS);
    assert!(kr.tick().await.unwrap().rotated.is_empty(), "not due again");

    // The clock jumps back two days: nothing is due.
    w.clock.set(T0 - 2 * DAY_MS);
    assert!(kr.tick().await.unwrap().rotated.is_empty());
    // Forward ten days (downtime): one catch-up rotation, not ten.
    w.clock.set(T0 + 10 * DAY_MS);
    assert_eq!(kr.tick().await.unwrap().rotated.len(), 1);
    assert!(kr.tick().await.unwrap().rotated.is_empty());
    let r = w.vault.read().unwrap().key_rotation("sched").unwrap();
    assert_eq!(r.state.next_due, day0 + 11 * DAY_MS, "counted from now");
    // Back again to the moment of the first rotation: still nothing.
    w.clock.set(T0);
    assert!(kr.tick().await.unwrap().rotated.is_empty());
    assert_eq!(causes(&w, "sched key").len(), 2);
    assert_eq!(live_keys(&e, "sched").len(), 2);
}

#[tokio::test]
async fn manual_only_rotations_wait_for_a_run() {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("manual", "manual key", false);
    let kr = w.rotator(&e);
    w.clock.advance(5 * DAY_MS);
    assert!(kr.tick().await.unwrap().rotated.is_empty());
    assert!(live_keys(&e, "manual").is_empty());
    kr.rotate_now("manual").await.unwrap();
    assert_eq!(live_keys(&e, "manual"), vec!["keyward_manual_1"]);
}

#[tokio::test]
async fn revoking_as_compromised_deletes_at_once_and_puts_a_fresh_key_in_place() {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("leak", "leaky key", true);
    let kr = w.rotator(&e);
    kr.rotate_now("leak").await.unwrap();
    kr.rotate_now("leak").await.unwrap();
    let fresh = kr.revoke("leak", "pasted in a public issue").await.unwrap();
    assert_eq!(fresh.key_name, "keyward_leak_3");
    let mut d = deleted(&e);
    d.sort();
    assert_eq!(
        d,
        vec![
            (
                "keyward_leak_1".into(),
                true,
                Some("pasted in a public issue".into())
            ),
            (
                "keyward_leak_2".into(),
                true,
                Some("pasted in a public issue".into())
            ),
        ]
    );
    assert_eq!(live_keys(&e, "leak"), vec!["keyward_leak_3"]);
    assert_eq!(
        vault_value(&w, "leaky key"),
        key_value(&e, "keyward_leak_3")
    );
    let r = w.vault.read().unwrap().key_rotation("leak").unwrap();
    assert!(r.state.previous.is_none());
}

#[tokio::test]
async fn removing_a_rotation_deletes_the_keys_it_created() {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("gone", "gone key", true);
    let kr = w.rotator(&e);
    kr.rotate_now("gone").await.unwrap();
    kr.rotate_now("gone").await.unwrap();
    assert_eq!(kr.remove("gone").await.unwrap(), 2);
    assert!(live_keys(&e, "gone").is_empty());
    assert_eq!(deleted(&e).len(), 2);
    assert!(w.vault.read().unwrap().key_rotation("gone").is_err());
    // The vault secret keeps its history: removal is about Supabase keys.
    assert_eq!(causes(&w, "gone key").len(), 2);
}

#[tokio::test]
async fn a_grace_period_deletes_the_previous_key_when_it_ends() {
    let e = emu::start();
    let w = World::new().await;
    let n = keyward::vault::NewKeyRotation {
        name: "graced".into(),
        project_ref: REF_A.into(),
        connection: None,
        key_type: keyward::vault::KeyKind::Publishable,
        every_days: 7,
        at_minute: 0,
        auto: true,
        into_project: "keys".into(),
        into_name: "anon key".into(),
        grace: Some(DAY_MS),
    };
    w.vault
        .write(|tx| tx.add_key_rotation(n).map(drop))
        .unwrap();
    let kr = w.rotator(&e);
    kr.rotate_now("graced").await.unwrap();
    kr.rotate_now("graced").await.unwrap();
    assert_eq!(live_keys(&e, "graced").len(), 2);
    w.clock.advance(DAY_MS - 1);
    kr.tick().await.unwrap();
    assert_eq!(live_keys(&e, "graced").len(), 2, "grace not over yet");
    w.clock.advance(1);
    kr.tick().await.unwrap();
    assert_eq!(live_keys(&e, "graced"), vec!["keyward_graced_2"]);
}

#[tokio::test]
async fn a_receiving_secret_named_like_a_reserved_variable_is_warned_about() {
    let w = World::new().await;
    let warning = w.add_rotation("res", "supabase secret key", true).unwrap();
    assert!(warning.contains("SUPABASE_SECRET_KEY"), "{warning}");
    let spec = |every_days| keyward::vault::NewKeyRotation {
        name: "res".into(),
        project_ref: REF_A.into(),
        connection: None,
        key_type: keyward::vault::KeyKind::Secret,
        every_days,
        at_minute: 0,
        auto: true,
        into_project: "keys".into(),
        into_name: "x".into(),
        grace: None,
    };
    let zero = w.vault.write(|tx| tx.add_key_rotation(spec(0)).map(drop));
    assert!(zero.unwrap_err().to_string().contains("at least 1 day"));
    let dup = w.vault.write(|tx| tx.add_key_rotation(spec(1)).map(drop));
    assert!(dup.unwrap_err().to_string().contains("already exists"));
}

#[tokio::test]
async fn editing_the_schedule_recomputes_the_next_due_time_from_the_last_success() {
    let e = emu::start();
    let w = World::new().await;
    w.add_rotation("edit", "edit key", true);
    let kr = w.rotator(&e);
    kr.rotate_now("edit").await.unwrap();
    let day0 = T0 - T0.rem_euclid(DAY_MS);
    let r = w
        .vault
        .write(|tx| tx.edit_key_rotation("edit", 3, 90, false, None))
        .unwrap();
    assert_eq!(r.state.next_due, day0 + 3 * DAY_MS + 90 * 60_000);
    assert!(!r.auto);
    assert!(
        w.vault
            .write(|tx| tx.edit_key_rotation("edit", 0, 0, true, None))
            .is_err()
    );
}
