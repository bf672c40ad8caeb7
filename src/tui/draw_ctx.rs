//! What drawing may read: the theme, the keymap (for hint rows), the data snapshot,
//! the clock's now, who "you" is, and which pane has focus. Draw functions get this,
//! not the whole `App`, so they cannot reach (or come to depend on) the state they do
//! not show, and a frame reads one `now` throughout.

use super::app::{App, Focus};
use super::data::Snapshot;
use super::keys::Keymap;
use super::theme::Theme;

pub struct DrawCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub data: &'a Snapshot,
    /// The clock read once for the frame (relative times: "3m ago").
    pub now: i64,
    /// The actor this user's changes are recorded as ("you" in history and audit).
    pub me: &'a str,
    pub vault_label: &'a str,
    pub focus: Focus,
}

impl App {
    pub fn draw_ctx(&self) -> DrawCtx<'_> {
        DrawCtx {
            theme: &self.theme,
            keymap: &self.keymap,
            data: &self.data,
            now: self.now(),
            me: &self.me,
            vault_label: &self.vault_label,
            focus: self.focus,
        }
    }
}
