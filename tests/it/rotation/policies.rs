//! Vault-secret rotation policies on schedule: due, once per due time under clock
//! jumps, one catch-up after downtime, per field, across restarts, and the loop.

use std::time::Duration;

use keyward::engine::schedule::PolicyScheduler;
use keyward::vault::{Cause, DAY_MS, Generator, SecretValue};

use super::{T0, World};

fn versions(w: &World, name: &str) -> Vec<Cause> {
    let r = w.vault.read().unwrap();
    r.history("keys", name)
        .unwrap()
        .into_iter()
        .map(|v| v.cause)
        .collect()
}

fn value(w: &World, name: &str) -> SecretValue {
    w.vault.read().unwrap().value("keys", name, None).unwrap().1
}

fn simple_with_policy(w: &World, name: &str, every: i64) {
    w.vault
        .write(|tx| {
            tx.set_value("keys", name, &SecretValue::simple("initial"), Cause::Edit)?;
            tx.set_policy("keys", name, None, every, Generator::Hex { len: 32 })
                .map(drop)
        })
        .unwrap();
}

#[tokio::test]
async fn a_due_policy_rotates_once_per_due_time_whatever_the_clock_does() {
    let w = World::new().await;
    simple_with_policy(&w, "token", DAY_MS);
    let s = PolicyScheduler::new(w.vault.clone(), w.handle.clone());

    w.clock.set(T0 + DAY_MS - 1);
    let t = s.tick().await.unwrap();
    assert!(t.rotated.is_empty());
    assert_eq!(t.next_due, Some(T0 + DAY_MS));

    w.clock.set(T0 + DAY_MS);
    assert_eq!(s.tick().await.unwrap().rotated.len(), 1);
    assert!(s.tick().await.unwrap().rotated.is_empty(), "same due time");
    assert_eq!(versions(&w, "token"), vec![Cause::Edit, Cause::Rotation]);
    assert_ne!(value(&w, "token"), SecretValue::simple("initial"));

    // Backwards, before the first due time: it was done; nothing to do.
    w.clock.set(T0 + DAY_MS / 2);
    assert!(s.tick().await.unwrap().rotated.is_empty());
    w.clock.set(T0 + DAY_MS);
    assert!(s.tick().await.unwrap().rotated.is_empty());
    assert_eq!(versions(&w, "token").len(), 2);
}

#[tokio::test]
async fn downtime_catches_up_once_and_counts_the_next_due_from_now() {
    let w = World::new().await;
    simple_with_policy(&w, "token", DAY_MS);
    let s = PolicyScheduler::new(w.vault.clone(), w.handle.clone());
    w.clock.set(T0 + 30 * DAY_MS + 5);
    let t = s.tick().await.unwrap();
    assert_eq!(t.rotated.len(), 1);
    assert!(s.tick().await.unwrap().rotated.is_empty(), "no burst");
    let p = &w.vault.read().unwrap().policies("keys", "token").unwrap()[0];
    assert_eq!(p.next_due, T0 + 31 * DAY_MS + 5);
    assert_eq!(p.last_rotated, Some(T0 + 30 * DAY_MS + 5));
    assert_eq!(versions(&w, "token").len(), 2);
}

#[tokio::test]
async fn fields_rotate_on_their_own_schedules_and_together_when_both_are_due() {
    let w = World::new().await;
    w.vault
        .write(|tx| {
            let db = SecretValue::fields([("user", "app"), ("password", "p0"), ("api", "a0")]);
            tx.set_value("keys", "db", &db, Cause::Edit)?;
            let g = Generator::Alnum { len: 24 };
            tx.set_policy("keys", "db", Some("password"), DAY_MS, g.clone())?;
            tx.set_policy("keys", "db", Some("api"), 3 * DAY_MS, g)
                .map(drop)
        })
        .unwrap();
    let s = PolicyScheduler::new(w.vault.clone(), w.handle.clone());

    w.clock.set(T0 + DAY_MS);
    assert_eq!(
        s.tick().await.unwrap().rotated[0].fields,
        vec![Some("password".to_string())]
    );
    let v = value(&w, "db");
    assert_eq!(v.field("user"), Some("app"));
    assert_eq!(v.field("api"), Some("a0"));
    assert_ne!(v.field("password"), Some("p0"));
    let pw1 = v.field("password").unwrap().to_owned();

    // Day 3: the password (due day 2) and the api field (due day 3) in one version.
    w.clock.set(T0 + 3 * DAY_MS);
    let t = s.tick().await.unwrap();
    assert_eq!(t.rotated.len(), 1);
    assert_eq!(t.rotated[0].fields.len(), 2);
    let v = value(&w, "db");
    assert_eq!(v.field("user"), Some("app"));
    assert_ne!(v.field("api"), Some("a0"));
    assert_ne!(v.field("password"), Some(pw1.as_str()));
    assert_eq!(
        versions(&w, "db"),
        vec![Cause::Edit, Cause::Rotation, Cause::Rotation]
    );
}

#[tokio::test]
async fn due_times_survive_a_restart_and_trashed_secrets_wait() {
    let w = World::new().await;
    simple_with_policy(&w, "token", DAY_MS);
    simple_with_policy(&w, "binned", DAY_MS);
    w.vault
        .write(|tx| tx.trash("keys", "binned").map(drop))
        .unwrap();
    let w = w.restart().await;
    w.clock.set(T0 + DAY_MS);
    let s = PolicyScheduler::new(w.vault.clone(), w.handle.clone());
    assert_eq!(s.tick().await.unwrap().rotated.len(), 1);
    assert_eq!(versions(&w, "token").len(), 2);
    assert_eq!(versions(&w, "binned").len(), 1);
}

#[tokio::test]
async fn the_loop_picks_up_new_policies_and_rotates_when_due() {
    let w = World::new().await;
    let mut s = PolicyScheduler::new(w.vault.clone(), w.handle.clone());
    // No polling within the test: only the engine's events can wake the loop.
    s.cap = Duration::from_secs(3600);
    let mut next_due = s.next_due();
    let task = tokio::spawn(s.run());
    // A policy set through the engine wakes the loop; it is not due yet.
    w.handle
        .apply(|tx| {
            tx.set_value("keys", "token", &SecretValue::simple("v1"), Cause::Edit)?;
            tx.set_policy("keys", "token", None, DAY_MS, Generator::Uuid)
                .map(drop)
        })
        .await
        .unwrap();
    // The loop's look after that change found the policy, due in a day, and rotated
    // nothing.
    tokio::time::timeout(
        Duration::from_secs(10),
        next_due.wait_for(|d| *d == Some(T0 + DAY_MS)),
    )
    .await
    .expect("the loop never looked at the new policy")
    .unwrap();
    assert_eq!(versions(&w, "token").len(), 1);
    w.clock.advance(DAY_MS);
    // The test clock moved, no timer did: a change through the engine wakes the loop,
    // which finds the policy due.
    w.handle
        .apply(|tx| {
            tx.set_value("keys", "other", &SecretValue::simple("x"), Cause::Edit)
                .map(drop)
        })
        .await
        .unwrap();
    let mut waited = Duration::ZERO;
    while versions(&w, "token").len() < 2 && waited < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    assert_eq!(versions(&w, "token"), vec![Cause::Edit, Cause::Rotation]);
    w.handle.shutdown();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the loop ends when the engine stops")
        .unwrap();
}
