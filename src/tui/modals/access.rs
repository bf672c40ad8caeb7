//! Access keys for the local API: newest first with their last 4 characters, name,
//! scope, created, last used, revoked. Creating one shows the full key exactly once
//! (the vault keeps only a verifier); revoking asks first.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use tui_input::Input;

use super::confirm::Confirm;
use super::rows::{self, At, Layout, Rows};
use super::{AnyModal, Modal, Outcome, boxed, row_style};
use crate::ops::{Change, Query, Reply, Sensitive};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::panes::{ago, fit};
use crate::tui::theme::Role;
use crate::vault::AccessKeyInfo;

/// A key just created, until the user dismisses it: (id, name, full key). It arrives
/// with the committed change's reply, and is shown only once its id is in a list read
/// after the commit: a key that does not exist is never shown.
type Fresh = Option<(String, String, Sensitive)>;

#[derive(Default)]
pub struct AccessKeys {
    rows: Rows<AccessKeyInfo>,
    fresh: Fresh,
}

fn scope_of(k: &AccessKeyInfo) -> String {
    let what = if k.scope.allow_sync {
        "read+sync"
    } else {
        "read"
    };
    match &k.project_names {
        None => format!("{what} · every project"),
        Some(n) => format!("{what} · {}", n.join(", ")),
    }
}

impl AccessKeys {
    /// A key this dashboard just created: shown once, then dropped.
    pub fn created(&mut self, id: String, name: String, key: Sensitive) {
        self.fresh = Some((id, name, key));
    }

    /// The full key is on screen (until any key dismisses it).
    pub fn showing_key(&self) -> bool {
        self.fresh.as_ref().is_some_and(|(id, ..)| self.stored(id))
    }

    fn stored(&self, id: &str) -> bool {
        self.rows.items.iter().any(|k| k.id == id)
    }
}

impl Modal for AccessKeys {
    /// Any key hides a key just shown.
    fn key(&mut self, _k: &KeyEvent) -> Outcome {
        if self.showing_key() {
            return self.update(Action::None);
        }
        Outcome::None
    }

    fn query(&self) -> Option<Query> {
        Some(Query::AccessKeys)
    }

    fn reloaded(&mut self, r: &Reply) {
        let Reply::AccessKeys(items) = r else { return };
        self.rows.set(items.to_vec(), |k| k.name.clone());
    }

    fn contexts(&self) -> Vec<Context> {
        vec![Context::Access, Context::List]
    }

    fn update(&mut self, a: Action) -> Outcome {
        let shown = self.showing_key();
        // Dismissed (or never stored): dropped, zeroized, never shown again.
        if self.fresh.take().is_some() && shown {
            return Outcome::None;
        }
        if self.rows.navigate(a) {
            return Outcome::None;
        }
        match (a, self.rows.current()) {
            (Action::Close, _) => Outcome::Close,
            (Action::Add, _) => Outcome::Push(Box::new(AnyModal::AccessForm(AccessForm::new()))),
            (Action::Revoke, Some(k)) if k.revoked.is_none() => {
                let (id, name) = (k.id.clone(), k.name.clone());
                let q = format!(
                    "Revoke the access key {name:?} (…{})? Anything using it is refused from now on; this cannot be undone.",
                    k.last4
                );
                let done = format!("revoked the access key {name:?}");
                let effect = Effect::Write {
                    changes: vec![Change::RevokeAccessKey { id }],
                    done,
                };
                Outcome::Push(Box::new(AnyModal::Confirm(Confirm::new(q, effect))))
            }
            _ => Outcome::None,
        }
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let layout = Layout {
            title: "Access keys (local API)",
            size: (120, 24),
            chrome: 3,
            per_row: 2,
            gap: true,
            contexts: &[Context::Access, Context::List],
        };
        if let Some((_, name, key)) = self.fresh.as_ref().filter(|_| self.showing_key()) {
            let (w, h) = layout.size;
            let inner = boxed(cx, f, area, w, h, layout.title);
            let lines = fresh_key(cx, name, key, inner.width as usize);
            let room = inner.height.saturating_sub(layout.chrome) as usize;
            let hints = "any key: hide it for good".to_string();
            return rows::finish(cx, f, inner, lines, room, layout.gap, hints);
        }
        let empty = |_| {
            self.rows.when_empty(cx, || {
                let add = cx.keymap.key_for(&[Context::Access], Action::Add);
                format!("No access keys yet: {add} creates one.")
            })
        };
        let row = |k: &AccessKeyInfo, at: At| key_row(cx, k, at);
        self.rows.draw(cx, f, area, &layout, empty, row);
    }
}

/// A key just created, in full: the only time it is shown.
fn fresh_key(cx: &DrawCtx, name: &str, key: &Sensitive, w: usize) -> Vec<Line<'static>> {
    let t = cx.theme;
    let mut lines = vec![
        Line::styled(
            fit(&format!("New access key {name:?}:"), w),
            t.style(Role::Title),
        ),
        Line::raw(""),
    ];
    // It wraps rather than being cut.
    for l in super::text::wrap(key.expose(), w) {
        lines.push(Line::styled(l, t.style(Role::Synced)));
    }
    lines.push(Line::raw(""));
    for l in super::text::wrap(
        "Copy it now (select it with your terminal's mouse or copy mode): the vault keeps only a verifier, so it is never shown again. Any key hides it.",
        w,
    ) {
        lines.push(Line::styled(l, t.style(Role::Drifted)));
    }
    lines
}

/// Two lines: its last 4, name, state, when created and last used; then its scope.
fn key_row(cx: &DrawCtx, k: &AccessKeyInfo, at: At) -> Vec<Line<'static>> {
    let (t, now, w) = (cx.theme, cx.now, at.w);
    let state = match k.revoked {
        Some(at) => format!("revoked {}", ago(now, at)),
        None => "active".into(),
    };
    let used = k
        .last_used
        .map(|at| format!("used {}", ago(now, at)))
        .unwrap_or_else(|| "never used".into());
    let head = format!(
        "…{}  {:<24} {:<15} created {}, {used}",
        k.last4,
        fit(&k.name, 24),
        state,
        ago(now, k.created),
    );
    let style = if at.selected {
        row_style(cx, true)
    } else if k.revoked.is_some() {
        t.style(Role::Dim)
    } else {
        Default::default()
    };
    vec![
        Line::styled(fit(&head, w), style),
        Line::styled(
            fit(&format!("       {}", scope_of(k)), w),
            t.style(Role::Dim),
        ),
    ]
}

const LABELS: [&str; 3] = [
    "name",
    "projects (comma-separated; empty = every project)",
    "access (read | read+sync)",
];

/// Name, projects and access of a new key.
pub struct AccessForm {
    fields: Vec<Input>,
    focus: usize,
    error: Option<String>,
    pub saving: Option<u64>,
    pub edited: bool,
}

impl AccessForm {
    fn new() -> AccessForm {
        AccessForm {
            fields: ["", "", "read"]
                .iter()
                .map(|v| Input::new(v.to_string()))
                .collect(),
            focus: 0,
            error: None,
            saving: None,
            edited: false,
        }
    }

    fn save(&mut self) -> Outcome {
        let name = self.fields[0].value().trim().to_string();
        // Said here, in the form's words: the vault's rule would quote an empty name.
        if name.is_empty() {
            self.error = Some("the key needs a name: say what will use it (\"ci deploy\")".into());
            return Outcome::None;
        }
        let projects: Vec<String> = self.fields[1]
            .value()
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let allow_sync = match self.fields[2].value().trim() {
            "read" => false,
            "read+sync" => true,
            _ => {
                self.error = Some("access: type read or read+sync".into());
                return Outcome::None;
            }
        };
        let done = format!("created the access key {name:?}: copy it now, it is shown once");
        Outcome::Submit(Effect::Write {
            changes: vec![Change::CreateAccessKey {
                name,
                projects,
                allow_sync,
            }],
            done,
        })
    }
}

impl Modal for AccessForm {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Policy]
    }

    fn update(&mut self, a: Action) -> Outcome {
        let n = self.fields.len();
        super::fields::update(a, self.saving.is_some(), &mut self.focus, n, |_| true)
            .or_save(|| self.save())
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if self.saving.is_none() && super::fields::typed(&mut self.fields[self.focus], k) {
            self.edited = true;
            self.error = None;
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let t = cx.theme;
        let inner = boxed(cx, f, area, 90, 12, "New access key");
        let w = inner.width as usize;
        let mut lines = Vec::new();
        for (i, label) in LABELS.iter().enumerate() {
            let style = if i == self.focus {
                t.style(Role::Focused)
            } else {
                Default::default()
            };
            let cursor = if i == self.focus { "▏" } else { "" };
            lines.push(Line::styled(
                fit(&format!("{label}:"), w),
                t.style(Role::Dim),
            ));
            lines.push(Line::styled(
                fit(&format!("  {}{cursor}", self.fields[i].value()), w),
                style,
            ));
        }
        if self.saving.is_some() {
            lines.push(Line::styled("saving…", t.style(Role::Pending)));
        }
        if let Some(e) = &self.error {
            // Whole, wrapped: the reason and what to do.
            lines.extend(super::error_lines(cx, e, w, Role::Failed));
        }
        super::render_form(cx, f, inner, lines, &[Context::Policy]);
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        crate::tui::textarea::paste_into(&mut self.fields[self.focus], text);
        self.edited = true;
        self.error = None;
    }

    fn dirty(&self) -> bool {
        self.edited
    }

    super::form_save!(refused);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_whose_write_did_not_commit_is_never_shown() {
        let mut m = AccessKeys::default();
        m.created(
            "2lDMS6Cq3H5cbYSmrCkkwIPMLBA".into(),
            "ci".into(),
            Sensitive::new("kw_never_stored"),
        );
        // Its id is in no committed listing, so it is not on screen...
        assert!(!m.showing_key());
        // ...the next key press does what it says instead of dismissing an invisible
        // key, and the key is dropped for good.
        assert!(matches!(m.update(Action::Close), Outcome::Close));
        assert!(m.fresh.is_none());
    }
}
