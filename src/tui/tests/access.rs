//! Access keys of the local API: shown once when created, listed by their last 4
//! characters, revoked after asking.

use crate::tui::runner::Tui;
use ratatui::backend::TestBackend;

use super::{H, SIZES, app, make_vault};

/// The screen with each access key's random last 4 characters masked.
fn masked_last4(s: &str, keys: &[crate::vault::AccessKeyInfo]) -> String {
    keys.iter().fold(s.to_string(), |s, k| {
        s.replace(&format!("…{}", k.last4), "…····")
    })
}

#[test]
fn an_access_key_is_shown_once_listed_by_last4_and_revoked_after_asking() {
    let mut t = H::open(80, 24);
    t.keys(&["L"]);
    let s = t.screen();
    assert!(s.contains("No access keys yet"), "{s}");
    t.keys(&["n"]).typed("ci deploy");
    t.keys(&["tab"]).typed("billing-api");
    t.keys(&["tab"]);
    for _ in 0..4 {
        t.keys(&["backspace"]);
    }
    t.typed("read+sync");
    insta::assert_snapshot!("access_form@80x24", t.screen());
    t.keys(&["ctrl-s"]);
    let s = t.screen();
    let key: String = s
        .lines()
        .find(|l| l.contains(crate::vault::ACCESS_KEY_PREFIX))
        .map(|l| l.trim_matches(|c| c == '║' || c == ' ').to_string())
        .unwrap_or_else(|| panic!("no key shown:\n{s}"));
    assert!(s.contains("never shown again"), "{s}");
    let v = t.vault();
    let grant = v.read().unwrap().verify_access_key(&key).unwrap().unwrap();
    assert!(grant.scope.allow_sync);
    // Any key hides it for good.
    t.keys(&["esc"]);
    let s = t.screen();
    assert!(!s.contains(&key), "{s}");
    let keys = v.read().unwrap().access_keys().unwrap();
    assert_eq!(keys.len(), 1);
    assert!(s.contains(&format!("…{}", keys[0].last4)), "{s}");
    assert!(s.contains("read+sync · billing-api"), "{s}");
    insta::assert_snapshot!("access_keys@80x24", masked_last4(&s, &keys));
    // Revoke asks first; n keeps it, X then y revokes it.
    t.keys(&["X", "n"]);
    assert!(
        v.read().unwrap().access_keys().unwrap()[0]
            .revoked
            .is_none()
    );
    t.keys(&["X", "y"]);
    assert!(
        v.read().unwrap().access_keys().unwrap()[0]
            .revoked
            .is_some()
    );
    assert!(v.read().unwrap().verify_access_key(&key).unwrap().is_err());
    assert!(t.screen().contains("revoked"));
}

#[test]
fn the_access_keys_list_at_both_sizes() {
    for (w, h, size) in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let v = make_vault(&dir, true);
        v.write(|tx| {
            // One key: two made in the same millisecond have no stable order.
            let old = tx.create_access_key("ci deploy", &["billing-api"], true)?;
            tx.revoke_access_key(&old.info.id).map(|_| ())
        })
        .unwrap();
        let keys = v.read().unwrap().access_keys().unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let tui = Tui::detached(TestBackend::new(w, h), app(), v).unwrap();
        let mut t = H::ready(rt, tui, dir);
        t.keys(&["L"]);
        let s = masked_last4(&t.screen(), &keys);
        assert!(s.contains("revoked"), "{s}");
        insta::assert_snapshot!(format!("access_list@{size}"), s);
    }
}
