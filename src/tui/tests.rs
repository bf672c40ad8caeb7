//! The dashboard driven without a terminal: keys in, TestBackend frames out, snapshotted
//! with insta at 80x24 (the smallest supported) and 160x48. Vault and engine are real
//! (a temp vault with a cheap KDF); the clock is fixed so "3h ago" is stable.

use age::secrecy::SecretString;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;

use super::app::App;
use super::keys::Keymap;
use super::runner::Tui;
use super::theme::Theme;
use crate::vault::{Clock, InitOptions, SealedVault, SecretValue, Vault};

pub(super) const T0: i64 = 1_790_000_000_000;
pub(super) const LATER: i64 = T0 + 3 * 3600 * 1000;
pub(super) const PASS: &str = "correct horse";

pub(super) struct H {
    pub(super) rt: tokio::runtime::Runtime,
    pub(super) tui: Tui<TestBackend>,
    _dir: tempfile::TempDir,
}

pub(super) fn app() -> App {
    App::new(
        Keymap::defaults(),
        Theme::mono(),
        Clock::fixed(LATER),
        "/home/you/.local/share/keyward/vault.redb".into(),
    )
}

pub(super) fn make_vault(dir: &tempfile::TempDir, seed: bool) -> Vault {
    let opts = InitOptions {
        passphrase: SecretString::from(PASS),
        recipients: vec![],
        work_factor: Some(4),
    };
    let v = Vault::create_with(&dir.path().join("v.redb"), &opts, Clock::fixed(T0)).unwrap();
    if seed {
        v.write(crate::cli::demo::seed).unwrap();
    }
    v
}

impl H {
    /// The harness once the dashboard has read what it shows.
    pub(super) fn ready(
        rt: tokio::runtime::Runtime,
        mut tui: Tui<TestBackend>,
        dir: tempfile::TempDir,
    ) -> H {
        {
            let _g = rt.enter();
            rt.block_on(tui.settle());
        }
        H { rt, tui, _dir: dir }
    }

    pub(super) fn open(w: u16, h: u16) -> H {
        H::with(w, h, crate::cli::demo::seed)
    }

    pub(super) fn with(
        w: u16,
        h: u16,
        seed: impl FnOnce(&mut crate::vault::WriteTx<'_>) -> crate::vault::Result<()>,
    ) -> H {
        H::with_config(w, h, crate::engine::EngineConfig::default(), seed)
    }

    pub(super) fn with_config(
        w: u16,
        h: u16,
        config: crate::engine::EngineConfig,
        seed: impl FnOnce(&mut crate::vault::WriteTx<'_>) -> crate::vault::Result<()>,
    ) -> H {
        let dir = tempfile::tempdir().unwrap();
        let v = make_vault(&dir, false);
        v.write(seed).unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let tui = {
            let _g = rt.enter();
            Tui::open_with(TestBackend::new(w, h), app(), v, config).unwrap()
        };
        H::ready(rt, tui, dir)
    }

    pub(super) fn sealed(w: u16, h: u16) -> H {
        let dir = tempfile::tempdir().unwrap();
        drop(make_vault(&dir, true));
        let sealed = SealedVault::open(&dir.path().join("v.redb"), Clock::fixed(T0)).unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let tui = Tui::sealed(TestBackend::new(w, h), app(), sealed, Default::default()).unwrap();
        H::ready(rt, tui, dir)
    }

    /// Presses each key and waits for whatever it started (unseal, writes) to finish.
    pub(super) fn keys(&mut self, keys: &[&str]) -> &mut Self {
        for k in keys {
            let _g = self.rt.enter();
            self.tui.press(key(k));
            self.rt.block_on(self.tui.settle());
        }
        self
    }

    pub(super) fn typed(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            self.tui
                .press(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        self
    }

    pub(super) fn screen(&mut self) -> String {
        self.tui.draw().unwrap();
        let buf = self.tui.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let mut line = String::new();
            for x in 0..buf.area.width {
                line.push_str(buf[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub(super) fn vault(&self) -> std::sync::Arc<Vault> {
        self.tui
            .front()
            .and_then(|f| f.host())
            .and_then(|h| h.owner())
            .map(|o| o.vault().clone())
            .expect("this dashboard owns the vault")
    }
}

pub(super) fn key(s: &str) -> KeyEvent {
    let (m, rest) = match s.strip_prefix("ctrl-") {
        Some(r) => (KeyModifiers::CONTROL, r),
        None => (KeyModifiers::NONE, s),
    };
    let code = match rest {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "down" => KeyCode::Down,
        "up" => KeyCode::Up,
        "backspace" => KeyCode::Backspace,
        "pagedown" => KeyCode::PageDown,
        c => KeyCode::Char(c.chars().next().unwrap()),
    };
    KeyEvent::new(code, m)
}

pub(super) const SIZES: [(u16, u16, &str); 2] = [(80, 24, "80x24"), (160, 48, "160x48")];

/// Runs `steps` at both sizes and snapshots the screen.
pub(super) fn snap(name: &str, steps: impl Fn(&mut H)) {
    for (w, h, size) in SIZES {
        let mut t = H::open(w, h);
        steps(&mut t);
        insta::assert_snapshot!(format!("{name}@{size}"), t.screen());
    }
}

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

#[test]
fn audit_log_with_filter() {
    snap("audit", |t| {
        t.keys(&["a"]);
    });
    snap("audit_filtered", |t| {
        t.keys(&["a", "/"]).typed("stripe");
    });
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
    for c in super::keys::Context::ALL {
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

/// A vault whose variables sit in every state: on "production", Database synced (3
/// fields), Resend API key failed, Stripe secret key drifted, Stripe webhook secret
/// pending; on "staging" (unhealthy), Sentry DSN failed.
pub(super) fn states_vault(dir: &tempfile::TempDir) -> Vault {
    use crate::supabase::emulator::seed::DEMO_TOKEN;
    let v = make_vault(dir, true);
    let (prod, staging) = ("prodrefabcdefghijklm", "stagingrefabcdefghij");
    v.write(|tx| {
        tx.add_connection("acme", "http://127.0.0.1:9", None, DEMO_TOKEN)?;
        tx.add_target(prod, "production", "acme-org", "acme")?;
        tx.add_target(staging, "staging", "acme-org", "acme")?;
        for n in [
            "Database",
            "Resend API key",
            "Stripe secret key",
            "Stripe webhook secret",
        ] {
            tx.map("billing-api", n, prod, None, false, None)?;
        }
        tx.map("web-app", "Sentry DSN", staging, None, false, None)?;
        Ok(())
    })
    .unwrap();
    let outbox = v.read().unwrap().outbox(prod).unwrap();
    let pushed: Vec<_> = outbox
        .into_iter()
        .filter(|(n, _)| n != "STRIPE_WEBHOOK_SECRET")
        .collect();
    v.write(|tx| {
        tx.record_pushed(prod, &pushed)?;
        let err = "HTTP 400 from Supabase: value rejected".to_string();
        tx.record_failed(prod, &[("RESEND_API_KEY".into(), err)], None, &|_| {
            LATER + 120_000
        })?;
        tx.mark_drifted(prod, &["STRIPE_SECRET_KEY".into()])?;
        let refused = "connection refused".to_string();
        tx.record_failed(
            staging,
            &[("SENTRY_DSN".into(), refused.clone())],
            Some(&refused),
            &|_| LATER,
        )?;
        tx.record_target_result(staging, Some(&refused), 1)?;
        Ok(())
    })
    .unwrap();
    v
}

pub(super) fn states(w: u16, h: u16) -> H {
    let dir = tempfile::tempdir().unwrap();
    let v = states_vault(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tui = Tui::detached(TestBackend::new(w, h), app(), v).unwrap();
    H::ready(rt, tui, dir)
}

#[test]
fn mapping_states_synced_failed_drifted_pending_unhealthy() {
    let cases: [(&str, &[&str]); 5] = [
        ("synced", &["tab"]),
        ("failed", &["tab", "down"]),
        ("drifted", &["tab", "down", "down"]),
        ("pending", &["tab", "down", "down", "down"]),
        ("unhealthy", &["down", "tab", "down"]),
    ];
    for (w, h, size) in SIZES {
        for (state, keys) in cases {
            let mut t = states(w, h);
            t.keys(keys);
            let s = t.screen();
            // In the mappings pane, as "<glyph> <state> · <target>": the header names
            // every state whatever the panes show.
            let shown = s
                .lines()
                .skip(1)
                .any(|l| l.contains(&format!(" {state} · ")));
            assert!(shown, "{state} not shown in a mapping row:\n{s}");
            insta::assert_snapshot!(format!("state_{state}@{size}"), s);
        }
    }
}

#[test]
fn failure_details_show_the_error_and_offer_retry() {
    snap_states("details_failed", &["tab", "down", "tab", "enter"]);
    snap_states(
        "details_unhealthy",
        &["down", "tab", "down", "tab", "enter"],
    );
}

pub(super) fn snap_states(name: &str, keys: &[&str]) {
    for (w, h, size) in SIZES {
        let mut t = states(w, h);
        t.keys(keys);
        insta::assert_snapshot!(format!("{name}@{size}"), t.screen());
    }
}

#[test]
fn sync_flow_review_says_when_names_on_supabase_could_not_be_checked() {
    // Offline (the connection points nowhere): the review says what it could not
    // check. Conflicts and the cap from a real listing: tests_review.rs.
    // Select the two Stripe secrets, sync: choose production, review.
    snap_states(
        "sync_pick",
        &["tab", "/", "s", "t", "r", "i", "p", "e", "enter", "A", "s"],
    );
    snap_states(
        "sync_review",
        &[
            "tab", "/", "s", "t", "r", "i", "p", "e", "enter", "A", "s", " ", "down", " ", "enter",
        ],
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

#[test]
fn connect_validates_the_token_first_then_add_target_lists_projects() {
    use crate::supabase::emulator::seed::DEMO_TOKEN;
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let mut t = H::open(100, 30);
    t.keys(&["c"])
        .typed("acme")
        .keys(&["tab", "tab"])
        .typed(DEMO_TOKEN);
    let s = t.screen();
    assert!(!s.contains(DEMO_TOKEN), "the token shows:\n{s}");
    insta::assert_snapshot!("connect@100x30", s);
    // Point it at the emulator, with a wrong token first.
    t.keys(&["backtab"]);
    for _ in 0..40 {
        t.keys(&["backspace"]);
    }
    t.typed(emu.base_url()).keys(&["tab"]);
    t.typed("sbp_0000000000000000000000000000000000000000")
        .keys(&["enter"]);
    let s = t.screen();
    assert!(s.contains("token refused, nothing stored"), "{s}");
    assert!(t.vault().read().unwrap().connections().unwrap().is_empty());
    t.typed(DEMO_TOKEN).keys(&["enter"]);
    let s = t.screen();
    assert!(s.contains("connected acme: 2 project(s) visible"), "{s}");
    assert_eq!(t.vault().read().unwrap().connections().unwrap().len(), 1);

    t.keys(&["T", "a"]);
    insta::assert_snapshot!("add_target@100x30", t.screen());
    t.typed("staging").keys(&["enter"]);
    let targets = t.vault().read().unwrap().targets().unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].name, "demo-staging");
    emu.shutdown();
}

#[test]
fn manage_a_targets_secrets_across_projects() {
    snap_states("manage", &["M"]);
    snap_states(
        "manage_review",
        &[
            "M", " ", "/", "s", "e", "n", "t", "r", "y", "enter", " ", "enter",
        ],
    );
    // Through a running engine: add Sentry DSN, remove Database, in one go.
    let dir = tempfile::tempdir().unwrap();
    let v = states_vault(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tui = {
        let _g = rt.enter();
        Tui::open_with(TestBackend::new(100, 30), app(), v, Default::default()).unwrap()
    };
    let mut t = H::ready(rt, tui, dir);
    t.keys(&["M", " "])
        .keys(&["/"])
        .typed("sentry")
        .keys(&["enter", " ", "enter"]);
    assert!(t.screen().contains("− remove billing-api/Database"));
    t.keys(&["y"]);
    let v = t.vault();
    let r = v.read().unwrap();
    let on: Vec<String> = r
        .mappings_for_target("prodrefabcdefghijklm")
        .unwrap()
        .into_iter()
        .map(|m| m.secret)
        .collect();
    assert!(on.contains(&"web-app/Sentry DSN".to_string()), "{on:?}");
    assert!(!on.contains(&"billing-api/Database".to_string()), "{on:?}");
}

#[test]
fn a_name_on_supabase_keyward_did_not_create_is_written_only_when_adopted() {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let url = emu.base_url().to_string();
    let theirs = |e: &Emulator| {
        e.world(|w| {
            w.projects[DEMO_STAGING_REF].secrets["STRIPE_WEBHOOK_SECRET"]
                .value
                .clone()
        })
    };
    let mut t = H::with(80, 24, move |tx| {
        crate::cli::demo::seed(tx)?;
        tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
        tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")
            .map(|_| ())
    });
    t.keys(&["tab", "/"])
        .typed("webhook")
        .keys(&["enter", "s", "enter"]);
    let s = t.screen();
    assert!(
        s.contains("exists on Supabase, not keyward's 1: STRIPE_WEBHOOK_SECRET"),
        "{s}"
    );
    assert!(!s.contains("+ create"), "{s}");
    insta::assert_snapshot!("sync_review_unowned@80x24", s);
    // Enter leaves it out: nothing mapped, their value untouched.
    t.keys(&["enter"]);
    let mapped = |t: &H| {
        t.vault()
            .read()
            .unwrap()
            .mappings_for_target(DEMO_STAGING_REF)
            .unwrap()
            .len()
    };
    assert_eq!(mapped(&t), 0);
    assert_eq!(theirs(&emu), "whsec_demo_set_by_hand");
    // `a` adopts it: the vault's value replaces theirs.
    t.keys(&["s", "enter", "a"]);
    assert_eq!(mapped(&t), 1);
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while theirs(&emu) != "whsec_demo_5f1c0e" {
        assert!(std::time::Instant::now() < end, "never adopted");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    emu.shutdown();
}

/// The states vault with two key rotations: one rotated on schedule, one failing.
pub(super) fn rotations_vault(dir: &tempfile::TempDir) -> Vault {
    use crate::vault::{KeyKind, KeyRef, NewKeyRotation};
    let v = states_vault(dir);
    let new = |name: &str, into: &str, auto| NewKeyRotation {
        name: name.into(),
        project_ref: "prodrefabcdefghijklm".into(),
        connection: None,
        key_type: KeyKind::Secret,
        every_days: 30,
        at_minute: 180,
        auto,
        into_project: "billing-api".into(),
        into_name: into.into(),
        grace: None,
    };
    v.write(|tx| {
        let (mut a, _) = tx.add_key_rotation(new("prod-secret", "Service key", true))?;
        a.state.current = Some(KeyRef {
            id: "k1".into(),
            name: a.key_name(1),
        });
        a.state.generation = 1;
        a.state.last_success = Some(T0);
        a.state.last_attempt = Some(T0);
        a.state.next_due = T0 + 30 * 86_400_000;
        a.state.last_message = Some("rotated to keyward-prod-secret-1".into());
        tx.save_key_rotation(&a)?;
        let mut j = tx.add_signing_rotation(crate::vault::NewSigningRotation {
            name: "prod-jwt".into(),
            project_ref: "prodrefabcdefghijklm".into(),
            connection: None,
            algorithm: crate::vault::SigningAlg::ES256,
            every_days: 90,
            at_minute: 240,
            auto: true,
            grace: None,
        })?;
        j.state.current = Some(crate::vault::SigningKeyRef {
            id: "0b6c2f4e-7d1a-4c55-9a51-2f1f0c7f3a10".into(),
            algorithm: "ES256".into(),
        });
        j.state.last_success = Some(T0);
        j.state.next_due = T0 + 90 * 86_400_000;
        j.state.last_message = Some("rotated to ES256 signing key 0b6c2f4e".into());
        tx.save_signing_rotation(&j)?;
        let (mut b, _) = tx.add_key_rotation(new("prod-backup", "Backup key", false))?;
        b.state.failures = 2;
        b.state.retry_at = Some(LATER + 60_000);
        b.state.last_attempt = Some(T0);
        b.state.last_message = Some("HTTP 503 from Supabase: try again later".into());
        tx.save_key_rotation(&b)
    })
    .unwrap();
    v
}

pub(super) fn snap_rotations(name: &str, keys: &[&str]) -> String {
    let mut last = String::new();
    for (w, h, size) in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let v = rotations_vault(&dir);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let tui = Tui::detached(TestBackend::new(w, h), app(), v).unwrap();
        let mut t = H::ready(rt, tui, dir);
        t.keys(keys);
        last = t.screen();
        insta::assert_snapshot!(format!("{name}@{size}"), last);
    }
    last
}

#[test]
fn the_rotations_screen_lists_status_next_due_and_the_last_message() {
    let s = snap_rotations("rotations", &["K"]);
    assert!(s.contains("prod-secret"), "{s}");
    assert!(s.contains("failing"), "{s}");
    assert!(s.contains("HTTP 503"), "{s}");
    let s = snap_rotations("rotation_add", &["K", "a"]);
    assert!(s.contains("Add a key rotation"), "{s}");
    snap_rotations("rotation_edit", &["K", "e"]);
    snap_rotations("rotation_revoke", &["K", "X"]);
}

#[test]
fn rotations_toggle_auto_add_and_warn_about_supabase_names() {
    let dir = tempfile::tempdir().unwrap();
    let v = rotations_vault(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tui = {
        let _g = rt.enter();
        Tui::open_with(TestBackend::new(100, 30), app(), v, Default::default()).unwrap()
    };
    let mut t = H::ready(rt, tui, dir);
    let auto = |t: &H, n: &str| t.vault().read().unwrap().key_rotation(n).unwrap().auto;
    // The list is sorted by name: prod-backup first (manual).
    assert!(!auto(&t, "prod-backup"));
    t.keys(&["K", " "]);
    assert!(auto(&t, "prod-backup"));
    // Add one whose secret would sync as a SUPABASE_ name: the form warns.
    t.keys(&["a"]).typed("stage-pub");
    t.keys(&["tab"]).typed("prodrefabcdefghijklm");
    t.keys(&["tab", "tab", "tab", "tab", "tab"])
        .typed("billing-api/Supabase anon key");
    let s = t.screen();
    assert!(s.contains("would sync as SUPABASE_ANON_KEY"), "{s}");
    t.keys(&["ctrl-s"]);
    let r = t.vault().read().unwrap().key_rotation("stage-pub").unwrap();
    assert_eq!((r.every_days, r.at_minute, r.auto), (30, 180, true));
    assert!(t.screen().contains("stage-pub"));
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
fn failure_details_of_a_name_keyward_did_not_create_offer_adopt() {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let url = emu.base_url().to_string();
    let theirs = |e: &Emulator| {
        e.world(|w| {
            w.projects[DEMO_STAGING_REF].secrets["STRIPE_WEBHOOK_SECRET"]
                .value
                .clone()
        })
    };
    // Mapped without a listing (as an older keyward would): the push is refused.
    let mut t = H::with(80, 24, move |tx| {
        crate::cli::demo::seed(tx)?;
        tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
        tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")?;
        tx.map(
            "billing-api",
            "Stripe webhook secret",
            DEMO_STAGING_REF,
            None,
            false,
            None,
        )
        .map(|_| ())
    });
    let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // Wait for the engine's refusal to reach the panes.
    while t.tui.app.data.totals.failed == 0 {
        assert!(std::time::Instant::now() < end, "the push never failed");
        std::thread::sleep(std::time::Duration::from_millis(50));
        let _g = t.rt.enter();
        t.rt.block_on(t.tui.settle());
    }
    t.keys(&["tab", "/"])
        .typed("webhook")
        .keys(&["enter", "tab", "enter"]);
    let s = t.screen();
    assert!(s.contains("a adopts it"), "{s}");
    assert!(!s.contains("--adopt"), "{s}");
    assert!(s.contains("a adopt the name on Supabase"), "{s}");
    assert_eq!(theirs(&emu), "whsec_demo_set_by_hand");
    t.keys(&["a"]);
    while theirs(&emu) != "whsec_demo_5f1c0e" {
        assert!(std::time::Instant::now() < end, "never adopted");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    emu.shutdown();
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

/// Engine settings for tests on the emulator: key checks at its project URLs.
pub(super) fn emulator_config(
    emu: &crate::supabase::emulator::Emulator,
) -> crate::engine::EngineConfig {
    crate::engine::EngineConfig {
        project_url_template: Some(emu.project_url_template()),
        ..Default::default()
    }
}

/// The demo vault with the emulator's staging project as the target `demo-staging`,
/// the engine running, then `more`; at `w`x`h`.
pub(super) fn on_staging(
    emu: &crate::supabase::emulator::Emulator,
    w: u16,
    h: u16,
    more: impl FnOnce(&mut crate::vault::WriteTx<'_>) -> crate::vault::Result<()>,
) -> H {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    let url = emu.base_url().to_string();
    H::with_config(w, h, emulator_config(emu), move |tx| {
        crate::cli::demo::seed(tx)?;
        tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
        tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")?;
        more(tx)
    })
}

/// A manual rotation of the staging project's secret keys into web-app.
pub(super) fn staging_secret_rotation() -> crate::vault::NewKeyRotation {
    crate::vault::NewKeyRotation {
        name: "staging-secret".into(),
        project_ref: crate::supabase::emulator::seed::DEMO_STAGING_REF.into(),
        connection: None,
        key_type: crate::vault::KeyKind::Secret,
        every_days: 30,
        at_minute: 180,
        auto: false,
        into_project: "web-app".into(),
        into_name: "Staging secret key".into(),
        grace: None,
    }
}

#[test]
fn run_now_and_revoke_from_the_rotations_screen_reach_supabase() {
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    // The new key is checked against the project's own URL: the emulator's.
    let mut t = on_staging(&emu, 100, 30, |tx| {
        tx.add_key_rotation(staging_secret_rotation()).map(|_| ())
    });
    let gen_of = |t: &H| {
        t.vault()
            .read()
            .unwrap()
            .key_rotation("staging-secret")
            .unwrap()
            .state
            .generation
    };
    // enter opens the rotation; r asks before rotating, n leaves it alone.
    t.keys(&["K", "enter"]);
    assert!(t.screen().contains("Key rotation staging-secret"));
    assert_eq!(gen_of(&t), 0);
    t.keys(&["esc", "r"]);
    assert!(t.screen().contains("Rotate staging-secret now?"));
    t.keys(&["n"]);
    assert_eq!(gen_of(&t), 0);
    t.keys(&["r", "y"]);
    assert_eq!(gen_of(&t), 1, "{}", t.screen());
    let s = t.screen();
    assert!(s.contains("staging-secret: rotated to"), "{s}");
    let (_, v1) = t
        .vault()
        .read()
        .unwrap()
        .value("web-app", "Staging secret key", None)
        .unwrap();
    // Revoke: a reason is required, then a new key replaces the old one.
    t.keys(&["X", "enter"]);
    assert_eq!(gen_of(&t), 1);
    t.typed("leaked in a log").keys(&["enter"]);
    assert_eq!(gen_of(&t), 2, "{}", t.screen());
    let (_, v2) = t
        .vault()
        .read()
        .unwrap()
        .value("web-app", "Staging secret key", None)
        .unwrap();
    assert!(v1 != v2);
    emu.shutdown();
}

#[test]
fn the_rotations_screen_shows_every_key_of_a_rotations_target() {
    use crate::supabase::emulator::seed::DEMO_STAGING_REF;
    use crate::supabase::emulator::{Emulator, Seed};
    let emu = Emulator::with_seed(Seed::demo()).unwrap();
    let mut t = on_staging(&emu, 120, 32, |tx| {
        tx.add_key_rotation(staging_secret_rotation()).map(|_| ())
    });
    // Rotate once (r asks first), then open the keys view of its target.
    t.keys(&["K", "r", "y"]);
    t.keys(&["K"]);
    let s = t.screen();
    assert!(s.contains(&format!("Keys of {DEMO_STAGING_REF}")), "{s}");
    assert!(s.contains("legacy keys: enabled"), "{s}");
    assert!(s.contains("JWT signing keys:"), "{s}");
    // The new key, with the privileges it was given and the rotation that owns it.
    let lines: Vec<&str> = s.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("keyward_staging_secret_1"))
        .unwrap_or_else(|| panic!("{s}"));
    let about = lines[at + 1];
    assert!(about.contains(r#"template {"role":"service_role"}"#), "{s}");
    assert!(
        about.contains("current key of rotation staging-secret"),
        "{s}"
    );
    // Never a key's value.
    assert!(!s.contains("sb_secret_"), "{s}");
    emu.shutdown();
}
