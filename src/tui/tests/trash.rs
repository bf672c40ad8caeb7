//! Trashing a secret (after asking), and the trash bin's restore and purge.

use super::{H, snap};

#[test]
fn trash_asks_then_moves_and_the_bin_restores_and_purges() {
    snap("trash_confirm", |t| {
        t.keys(&["tab", "down", "d"]);
    });
    let mut t = H::open(80, 24);
    t.keys(&["tab", "down", "d", "n"]);
    assert_eq!(t.vault().read().unwrap().trash().unwrap().len(), 0);
    t.keys(&["d", "y"]);
    assert_eq!(t.vault().read().unwrap().trash().unwrap().len(), 1);
    let s = t.screen();
    assert!(!s.contains("Resend API key  "), "{s}");
    insta::assert_snapshot!("after_trash@80x24", s);
    t.keys(&["t"]);
    insta::assert_snapshot!("trash_bin@80x24", t.screen());
    t.keys(&["r"]);
    assert_eq!(t.vault().read().unwrap().trash().unwrap().len(), 0);
    assert!(
        t.vault()
            .read()
            .unwrap()
            .secret("billing-api", "Resend API key")
            .is_ok()
    );
    // The cursor stayed on the secret below the restored one.
    t.keys(&["esc", "d", "y", "t", "p"]);
    insta::assert_snapshot!("purge_confirm@80x24", t.screen());
    t.keys(&["y"]);
    assert!(
        t.vault()
            .read()
            .unwrap()
            .secret("billing-api", "Stripe secret key")
            .is_err()
    );
    assert_eq!(t.vault().read().unwrap().trash().unwrap().len(), 0);
    snap("trash_bin", |t| {
        t.keys(&["tab", "down", "d", "y", "t"]);
    });
}
