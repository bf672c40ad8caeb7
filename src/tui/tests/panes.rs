//! The main screen: unseal, the three panes, help, a user keymap, a large vault, marks
//! for bulk work and the progress gauge.

use crate::tui::keys::Keymap;
use crate::vault::SecretValue;

use super::{H, PASS, SIZES, snap, states};

#[test]
fn unseal_prompt_masks_refuses_a_wrong_passphrase_and_opens() {
    for (w, h, size) in SIZES {
        let mut t = H::sealed(w, h);
        t.typed("nope");
        insta::assert_snapshot!(format!("unseal_typing@{size}"), t.screen());
        t.keys(&["enter"]);
        insta::assert_snapshot!(format!("unseal_wrong@{size}"), t.screen());
        assert!(!t.tui.app.open);
        t.typed(PASS).keys(&["enter"]);
        assert!(t.tui.app.open);
        assert!(!t.screen().contains(PASS));
    }
}

#[test]
fn main_screen() {
    snap("main", |_| {});
}

#[test]
fn secrets_pane_focused_and_filtered() {
    snap("secrets_filtered", |t| {
        t.keys(&["tab", "/"]).typed("stripe");
    });
}

#[test]
fn mappings_pane_empty_state() {
    snap("mappings_empty", |t| {
        t.keys(&["tab", "down", "tab"]);
    });
}

#[test]
fn an_empty_vault_says_what_to_do() {
    for (w, h, size) in SIZES {
        let mut t = H::with(w, h, |_| Ok(()));
        insta::assert_snapshot!(format!("empty@{size}"), t.screen());
    }
}

#[test]
fn help_lists_every_binding() {
    snap("help", |t| {
        t.keys(&["?"]);
    });
    let mut t = H::open(160, 48);
    t.keys(&["?"]);
    let k = Keymap::defaults();
    let mut all = String::new();
    for _ in 0..40 {
        all.push_str(&t.screen());
        t.keys(&["pagedown"]);
    }
    for c in crate::tui::keys::Context::ALL {
        for b in k.bindings(c) {
            assert!(all.contains(&b.desc), "help lacks {:?}", b.desc);
        }
    }
}

#[test]
fn a_user_keymap_changes_the_footer_and_the_keys() {
    let (k, _) = Keymap::load(Some(
        "[[main]]\nkey = \"x\"\naction = \"quit\"\ndesc = \"leave now\"\n",
    ));
    let mut t = H::open(120, 48);
    t.tui.app.keymap = k;
    t.keys(&["?"]).typed("leave");
    assert!(t.screen().contains("leave now"));
    t.keys(&["esc", "x"]);
    assert!(t.tui.app.quit);
}

#[test]
fn ten_thousand_secrets_draw_and_scroll() {
    let mut t = H::with(80, 24, |tx| {
        tx.add_project("big")?;
        for i in 0..10_000 {
            tx.set_value(
                "big",
                &format!("secret {i:05}"),
                &SecretValue::simple("v"),
                crate::vault::Cause::Import,
            )?;
        }
        Ok(())
    });
    t.keys(&["tab", "G"]);
    let s = t.screen();
    assert!(
        s.contains("secret 09999") && !s.contains("secret 00000"),
        "{s}"
    );
    t.keys(&["g"]);
    assert!(t.screen().contains("secret 00000"));
}

#[test]
fn space_and_select_all_mark_secrets_for_bulk_work() {
    snap("selection", |t| {
        t.keys(&["tab", " ", "down", " "]);
    });
    let mut t = H::open(80, 24);
    t.keys(&["tab", "/"]).typed("stripe").keys(&["enter", "A"]);
    assert_eq!(t.tui.app.secrets.marked.len(), 2);
    t.keys(&["A"]);
    assert!(t.tui.app.secrets.marked.is_empty());
    t.keys(&["A", "d", "y"]);
    assert_eq!(
        t.tui.app.secrets.marked.len(),
        1,
        "a trashed secret is unmarked"
    );
}

#[test]
fn a_progress_event_shows_the_gauge_and_idle_hides_it() {
    let mut t = states(80, 24);
    // A few variables: their rows say how they are doing; no gauge comes and goes.
    t.tui
        .deliver(crate::engine::Event::Progress { done: 3, total: 8 });
    assert!(!t.screen().contains("syncing"));
    t.tui.deliver(crate::engine::Event::Progress {
        done: 30,
        total: 80,
    });
    let s = t.screen();
    assert!(s.contains("syncing 30/80"), "{s}");
    insta::assert_snapshot!("progress@80x24", s);
    t.tui.deliver(crate::engine::Event::Idle);
    assert!(!t.screen().contains("syncing 30/80"));
}
