//! The secret editor (masked until revealed, structured fields, refusals that keep
//! the input) and a secret's rotation policy editor.

use crate::vault::SecretValue;

use super::{H, snap, snap_states};

#[test]
fn editor_masks_until_revealed() {
    snap("editor_masked", |t| {
        t.keys(&["tab", "down", "enter"]);
    });
    snap("editor_revealed", |t| {
        t.keys(&["tab", "down", "enter", "ctrl-r"]);
    });
    let mut t = H::open(80, 24);
    let s = t.keys(&["tab", "down", "enter"]).screen();
    assert!(!s.contains("re_demo_9b2f7c41"), "masked value leaked:\n{s}");
}

#[test]
fn editor_of_a_structured_secret() {
    snap("editor_structured", |t| {
        t.keys(&["tab", "enter"]);
    });
}

#[test]
fn editing_a_value_writes_a_new_version_through_the_engine() {
    let mut t = H::open(80, 24);
    t.keys(&["tab", "down", "enter"]);
    for _ in 0..20 {
        t.keys(&["backspace"]);
    }
    t.typed("re_new_value").keys(&["ctrl-s"]);
    let r = t.vault();
    let r = r.read().unwrap();
    let (v, value) = r.value("billing-api", "Resend API key", None).unwrap();
    assert_eq!((v, value), (2, SecretValue::simple("re_new_value")));
    let s = t.screen();
    assert!(s.contains("saved billing-api/Resend API key"), "{s}");
}

#[test]
fn a_new_structured_secret_with_two_fields() {
    let mut t = H::open(80, 24);
    t.keys(&["N"]).typed("Redis").keys(&["tab", "tab"]);
    t.typed("host").keys(&["tab"]).typed("redis.internal");
    t.keys(&["ctrl-n"])
        .typed("port")
        .keys(&["tab"])
        .typed("6379");
    insta::assert_snapshot!("editor_new_structured@80x24", t.screen());
    t.keys(&["ctrl-s"]);
    let v = t.vault();
    let r = v.read().unwrap();
    let (_, value) = r.value("billing-api", "Redis", None).unwrap();
    assert_eq!(
        value,
        SecretValue::fields([("host", "redis.internal"), ("port", "6379")])
    );
}

#[test]
fn the_editor_refuses_a_nameless_secret_and_keeps_what_was_typed() {
    let mut t = H::open(80, 24);
    t.keys(&["tab", "n", "tab", "tab"])
        .typed("v")
        .keys(&["ctrl-s"]);
    assert!(t.screen().contains("the secret needs a name"));
    assert_eq!(t.vault().read().unwrap().secrets(None).unwrap().len(), 7);
}

#[test]
fn the_policy_editor_sets_and_turns_off_a_fields_policy() {
    // Database is structured: one row per field.
    snap_states("policy_fields", &["tab", "enter", "ctrl-p"]);
    let mut t = H::open(100, 30);
    t.keys(&["tab", "enter", "ctrl-p"]);
    let s = t.screen();
    assert!(s.contains("Rotation policy · billing-api/Database"), "{s}");
    // First row's interval: 30d, saved.
    t.typed("30d").keys(&["ctrl-s"]);
    let pols = |t: &H| {
        t.vault()
            .read()
            .unwrap()
            .policies("billing-api", "Database")
            .unwrap()
    };
    let p = pols(&t);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].every, 30 * crate::vault::DAY_MS);
    assert!(p[0].field.is_some());
    // A bad interval is refused with what to write, and nothing changes.
    t.keys(&["ctrl-p"]);
    for _ in 0..3 {
        t.keys(&["backspace"]);
    }
    t.typed("soon").keys(&["ctrl-s"]);
    assert!(t.screen().contains("is not an interval"));
    assert_eq!(pols(&t).len(), 1);
    // Empty = off.
    for _ in 0..4 {
        t.keys(&["backspace"]);
    }
    t.keys(&["ctrl-s"]);
    assert!(pols(&t).is_empty());
}
