//! Dashboard benchmark: prints a table, asserts nothing. Run with
//! `cargo bench --bench tui` (release) or `--profile dev` for a quick sanity run.
//!
//! Frames are drawn into ratatui's TestBackend at 200x60 (the buffer diff and the
//! widgets are the cost; a real terminal adds only the bytes written). The dashboard
//! runs without an engine (`Tui::detached`): the states stay as written, nothing is
//! pushed, and the numbers are the dashboard's own.

use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use keyward::tui::app::App;
use keyward::tui::keys::Keymap;
use keyward::tui::runner::Tui;
use keyward::tui::theme::Theme;
use keyward::vault::{Clock, InitOptions, SealedVault, Unlock};
use ratatui::backend::TestBackend;

#[path = "fixture/mod.rs"]
mod fixture;

use fixture::{MAPPED, SECRETS, TARGETS};

const FRAMES: usize = 300;

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn pct(mut d: Vec<Duration>, p: usize) -> Duration {
    d.sort();
    d[(d.len() * p / 100).min(d.len() - 1)]
}

/// Resident memory now and at its peak, from /proc (Linux); "n/a" elsewhere.
fn memory() -> (String, String) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| format!("{:.1} MB", kb / 1024.0))
            .unwrap_or_else(|| "n/a".into())
    };
    (get("VmRSS:"), get("VmHWM:"))
}

fn app() -> App {
    App::new(
        Keymap::defaults(),
        Theme::colored(),
        Clock::system(),
        "bench".into(),
    )
}

fn press(t: &mut Tui<TestBackend>, c: KeyCode) {
    t.press(KeyEvent::new(c, KeyModifiers::NONE));
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.redb");
    let pass = SecretString::from("bench passphrase");
    let opts = InitOptions {
        passphrase: pass.clone(),
        recipients: vec![],
        work_factor: Some(1),
    };
    let vault = fixture::vault_with(&path, &opts, TARGETS, MAPPED);
    drop(vault);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let _g = rt.enter();

    // Start to first frame, after the key is unwrapped: open the file, start the
    // engine, load the snapshot, draw.
    let mut first = Vec::new();
    for _ in 0..5 {
        let sealed = SealedVault::open(&path, Clock::system()).expect("open");
        let key = sealed
            .unwrap_key(&Unlock::Passphrase(pass.clone()))
            .expect("unwrap");
        let t0 = Instant::now();
        let v = sealed.finish(key).expect("finish");
        let mut t = Tui::detached(TestBackend::new(200, 60), app(), v).expect("tui");
        // The panes are read off the UI task; the first frame that shows them counts.
        rt.block_on(t.settle());
        t.draw().expect("draw");
        first.push(t0.elapsed());
    }

    let sealed = SealedVault::open(&path, Clock::system()).expect("open");
    let key = sealed
        .unwrap_key(&Unlock::Passphrase(pass))
        .expect("unwrap");
    let v = sealed.finish(key).expect("finish");
    let mut t = Tui::detached(TestBackend::new(200, 60), app(), v).expect("tui");
    rt.block_on(t.settle());
    press(&mut t, KeyCode::Tab);
    for _ in 0..400 {
        press(&mut t, KeyCode::PageDown);
    }
    // Alternate the selection so every frame has a real diff to compute.
    let mut frames = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        press(
            &mut t,
            if i % 2 == 0 {
                KeyCode::Down
            } else {
                KeyCode::Up
            },
        );
        let t0 = Instant::now();
        t.draw().expect("draw");
        frames.push(t0.elapsed());
    }
    let mut reloads = Vec::new();
    for _ in 0..20 {
        let t0 = Instant::now();
        t.deliver(keyward::engine::Event::Changed);
        rt.block_on(t.settle());
        reloads.push(t0.elapsed());
    }
    let (rss, peak) = memory();

    println!(
        "| measurement ({SECRETS} secrets, {TARGETS} targets, {MAPPED} mapped variables, 200x60) | result | target |"
    );
    println!("| --- | --- | --- |");
    println!(
        "| start to first frame after unseal (median of 5) | {} | < 50 ms |",
        ms(pct(first, 50))
    );
    println!(
        "| frame render, secrets pane focused (median of {FRAMES}) | {} | < 1 ms |",
        ms(pct(frames.clone(), 50))
    );
    println!(
        "| frame render (p99 of {FRAMES}) | {} | - |",
        ms(pct(frames, 99))
    );
    println!(
        "| reload on Event::Changed (median of 20) | {} | - |",
        ms(pct(reloads, 50))
    );
    println!("| resident memory after the run | {rss} | < 100 MB |");
    println!("| peak resident memory | {peak} | - |");
}
