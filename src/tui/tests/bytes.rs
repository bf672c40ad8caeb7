//! What the dashboard sends to the terminal, counted through the backend a real terminal
//! gets (`Lean` behind `Quiet`), for a change a user watches over SSH.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

use super::fixtures::states_vault;
use super::{app, key};
use crate::engine::{Delta, Event};
use crate::tui::lean::Lean;
use crate::tui::quiet::Quiet;
use crate::tui::runner::Tui;
use crate::tui::theme::Theme;

/// The bytes written to the "terminal".
#[derive(Clone, Default)]
struct Wire(Arc<Mutex<Vec<u8>>>);

impl Write for Wire {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Wire {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

/// The dashboard's backend writing to a `Wire`, with the size a terminal would report
/// (there is none).
struct Sized(Lean<Wire>, Size);

impl Backend for Sized {
    type Error = io::Error;
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(&mut self, c: I) -> io::Result<()> {
        self.0.draw(c)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.0.hide_cursor()
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.0.show_cursor()
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(Position::ORIGIN)
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> io::Result<()> {
        self.0.set_cursor_position(p)
    }
    fn clear(&mut self) -> io::Result<()> {
        self.0.clear()
    }
    fn clear_region(&mut self, t: ClearType) -> io::Result<()> {
        self.0.clear_region(t)
    }
    fn size(&self) -> io::Result<Size> {
        Ok(self.1)
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize {
            columns_rows: self.1,
            pixels: Size::default(),
        })
    }
    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.0)
    }
}

/// One variable goes from pending to synced, with the events the engine sends around
/// it, each drawn on its own (the loop may draw fewer frames, never more). It used to
/// show and remove a footer gauge for that one variable: 619-922 bytes.
#[test]
fn one_rows_status_change_writes_under_200_bytes() {
    for theme in themes() {
        one_rows_status_change(theme);
    }
}

fn one_rows_status_change((which, theme): (&str, Theme)) {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _g = rt.enter();
    // The secret whose state the mappings pane shows: Stripe webhook secret, pending.
    let (mut tui, wire) = terminal(&dir, &rt, theme, &["tab", "down", "down", "down"]);
    let vault = tui
        .front()
        .and_then(|f| f.host())
        .and_then(|h| h.owner())
        .map(|o| o.vault().clone())
        .unwrap();
    let prod = "prodrefabcdefghijklm";
    let var = "STRIPE_WEBHOOK_SECRET";
    let op = vault.read().unwrap().outbox(prod).unwrap();
    let pushed: Vec<_> = op.into_iter().filter(|(n, _)| n == var).collect();
    assert_eq!(pushed.len(), 1, "the fixture has it pending");
    wire.take();

    let step = |tui: &mut Tui<Quiet<Sized>>, e: Event| {
        tui.deliver(e);
        rt.block_on(tui.settle());
        tui.draw().unwrap();
    };
    step(&mut tui, Event::Progress { done: 0, total: 1 });
    let (_, touched) = vault
        .write_touched(None, |tx| tx.record_pushed(prod, &pushed))
        .unwrap();
    step(&mut tui, Delta::event(&touched));
    step(&mut tui, Event::Progress { done: 1, total: 1 });
    step(&mut tui, Event::Idle);
    let written = wire.take();
    let shown = String::from_utf8_lossy(&written);
    assert!(
        shown.contains("✓"),
        "the row's change was not drawn ({which}): {shown:?}"
    );
    // Shown with --nocapture, for docs/benchmarks.md.
    eprintln!("a row's status change, {which}: {} bytes", written.len());
    assert!(
        written.len() < 200,
        "{} bytes for one row's change ({which}): {shown:?}",
        written.len()
    );
}

/// The built-in colours, and none (NO_COLOR): each has its own escape sequences.
fn themes() -> [(&'static str, Theme); 2] {
    [("colour", Theme::colored()), ("no colour", Theme::mono())]
}

/// The dashboard on the states fixture at 100x30, drawn after `keys`, and its wire.
fn terminal(
    dir: &tempfile::TempDir,
    rt: &tokio::runtime::Runtime,
    theme: Theme,
    keys: &[&str],
) -> (Tui<Quiet<Sized>>, Wire) {
    let wire = Wire::default();
    let backend = Quiet::new(Sized(Lean::new(wire.clone()), Size::new(100, 30)));
    let mut app = app();
    app.theme = theme;
    let mut tui = Tui::detached(backend, app, states_vault(dir)).unwrap();
    rt.block_on(tui.settle());
    for k in keys {
        tui.press(key(k));
        rt.block_on(tui.settle());
    }
    tui.draw().unwrap();
    (tui, wire)
}

/// Moving the selection one row over SSH: the old and the new row, and the details
/// pane's new content, nothing else.
#[test]
fn a_cursor_move_writes_under_150_bytes() {
    for theme in themes() {
        a_cursor_move(theme);
    }
}

fn a_cursor_move((which, theme): (&str, Theme)) {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _g = rt.enter();
    // From Resend API key (failed) to Stripe secret key (drifted): one variable each.
    let (mut tui, wire) = terminal(&dir, &rt, theme, &["tab", "down"]);
    wire.take();
    tui.press(key("down"));
    rt.block_on(tui.settle());
    tui.draw().unwrap();
    let written = wire.take();
    let shown = String::from_utf8_lossy(&written);
    assert!(
        shown.contains("drifted"),
        "the new selection's details were not drawn ({which}): {shown:?}"
    );
    eprintln!("a cursor move, {which}: {} bytes", written.len());
    assert!(
        written.len() < 150,
        "{} bytes for one cursor move ({which}): {shown:?}",
        written.len()
    );
}
