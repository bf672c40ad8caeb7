//! The dashboard driven without a terminal: keys in, TestBackend frames out, snapshotted
//! with insta at 80x24 (the smallest supported) and 160x48. Vault and engine are real
//! (a temp vault with a cheap KDF); the clock is fixed so "3h ago" is stable.
//!
//! This file holds the harness [`H`] and the snapshot helpers; fixtures.rs the vaults
//! the screens are tested on; one file per screen or issue holds the tests. A snapshot
//! taken here is named `tests__NAME`, one taken in a screen's file `tests__FILE__NAME`
//! (insta names them by module): the same screen may be stored under both.

use age::secrecy::SecretString;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;

use super::app::App;
use super::keys::Keymap;
use super::runner::Tui;
use super::theme::Theme;
use crate::vault::{Clock, InitOptions, SealedVault, Vault};

mod access;
mod branches;
mod bytes;
mod day;
mod editor;
mod fixtures;
mod history;
mod panes;
mod review;
mod rotations;
mod supabase_keys;
mod sync;
mod trash;

use fixtures::{
    emulator_config, on_staging, rotations_vault, staging_secret_rotation, states, states_vault,
};

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

pub(super) fn snap_states(name: &str, keys: &[&str]) {
    for (w, h, size) in SIZES {
        let mut t = states(w, h);
        t.keys(keys);
        insta::assert_snapshot!(format!("{name}@{size}"), t.screen());
    }
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
