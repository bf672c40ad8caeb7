//! A secret's history with rollback, and the audit log with its filter.

use crate::vault::SecretValue;

use super::{H, snap};

#[test]
fn history_and_rollback() {
    snap("history", |t| {
        t.keys(&["tab", "down", "down", "y"]);
    });
    let mut t = H::open(80, 24);
    t.keys(&["tab", "down", "down", "y", "down", "r"]);
    // Rolling back pushes an old value: it asks first, and n changes nothing.
    let s = t.screen();
    assert!(s.contains("Roll billing-api/Stripe secret key back"), "{s}");
    insta::assert_snapshot!("rollback_confirm@80x24", s);
    t.keys(&["n"]);
    assert_eq!(
        t.vault()
            .read()
            .unwrap()
            .value("billing-api", "Stripe secret key", None)
            .unwrap()
            .0,
        2
    );
    t.keys(&["r", "y"]);
    let v = t.vault();
    let r = v.read().unwrap();
    let (n, value) = r.value("billing-api", "Stripe secret key", None).unwrap();
    assert_eq!(n, 3);
    assert_eq!(
        value,
        SecretValue::simple("sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc")
    );
    insta::assert_snapshot!("history_after_rollback@80x24", t.screen());
}

#[test]
fn audit_log_with_filter() {
    snap("audit", |t| {
        t.keys(&["a"]);
    });
    snap("audit_filtered", |t| {
        t.keys(&["a", "/"]).typed("stripe");
    });
}
