//! Supabase API key and JWT signing key rotations, in one list: each with its status,
//! next due time and last message. Run one now, turn its automatic runs on or off,
//! revoke its key as compromised (with a reason), remove it, add or edit one, open the
//! keys of its target. The attempts themselves run in the dashboard's
//! rotation loops (or through the driver for "run now"), never on the UI task.
//! form.rs adds or edits one; revoke.rs asks the reason of a revoke.

mod form;
mod revoke;

pub use form::RotationForm;
pub use revoke::RevokeKey;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::confirm::Confirm;
use super::rows::{At, Layout, Rows};
use super::{AnyModal, Modal, Outcome, row_style};
use crate::ops::{Change, Query, Reply};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::{Effect, KeyCmd};
use crate::tui::keys::Context;
use crate::tui::panes::fit;
use crate::tui::theme::Role;
use crate::vault::{
    KeyRotation, KeyRotationStatus, Millis, SigningRotation, format_duration, format_time_of_day,
};

/// A row: rotations of both kinds share one list, as they share their names.
#[derive(Clone)]
enum Row {
    Api(KeyRotation),
    Signing(SigningRotation),
}

impl Row {
    fn name(&self) -> &str {
        match self {
            Row::Api(r) => &r.name,
            Row::Signing(r) => &r.name,
        }
    }

    fn project_ref(&self) -> &str {
        match self {
            Row::Api(r) => &r.project_ref,
            Row::Signing(r) => &r.project_ref,
        }
    }

    fn auto(&self) -> bool {
        match self {
            Row::Api(r) => r.auto,
            Row::Signing(r) => r.auto,
        }
    }

    fn status(&self, now: Millis) -> KeyRotationStatus {
        match self {
            Row::Api(r) => r.status(now),
            Row::Signing(r) => r.status(now),
        }
    }

    /// (every N days, at minute of the day, next due)
    fn schedule(&self) -> (u32, u32, Millis) {
        match self {
            Row::Api(r) => (r.every_days, r.at_minute, r.state.next_due),
            Row::Signing(r) => (r.every_days, r.at_minute, r.state.next_due),
        }
    }

    fn last_message(&self) -> Option<&str> {
        match self {
            Row::Api(r) => r.state.last_message.as_deref(),
            Row::Signing(r) => r.state.last_message.as_deref(),
        }
    }

    /// What it rotates, and where a new key goes.
    fn what(&self) -> String {
        match self {
            Row::Api(r) => format!(
                "{} key of {} → {}/{}",
                r.key_type.as_str(),
                r.project_ref,
                r.into.project,
                r.into.name
            ),
            Row::Signing(r) => format!(
                "{} signing keys of {} · grace {}",
                r.algorithm.as_str(),
                r.project_ref,
                format_duration(r.grace)
            ),
        }
    }
}

#[derive(Default)]
pub struct Rotations {
    /// By name.
    rows: Rows<Row>,
}

fn role_of(s: KeyRotationStatus) -> Role {
    match s {
        KeyRotationStatus::Ok => Role::Synced,
        KeyRotationStatus::Failing => Role::Failed,
        KeyRotationStatus::Due | KeyRotationStatus::New | KeyRotationStatus::Rotating => {
            Role::Pending
        }
        KeyRotationStatus::CleanupPending => Role::Drifted,
    }
}

/// "in 3d", "in 5h", "now": when a rotation is next due.
fn due_in(now: i64, at: i64) -> String {
    let s = (at - now) / 1000;
    match s {
        ..=0 => "now".into(),
        1..=3599 => format!("in {}m", s / 60 + 1),
        3600..=86_399 => format!("in {}h", s / 3600),
        _ => format!("in {}d", s / 86_400),
    }
}

impl Modal for Rotations {
    fn query(&self) -> Option<Query> {
        Some(Query::KeyRotations)
    }

    fn reloaded(&mut self, r: &Reply) {
        let Reply::KeyRotations { items, signing, .. } = r else {
            return;
        };
        let mut rows: Vec<Row> = items.iter().cloned().map(Row::Api).collect();
        rows.extend(signing.iter().cloned().map(Row::Signing));
        rows.sort_by(|a, b| a.name().cmp(b.name()));
        self.rows.set(rows, |k| k.name().to_owned());
    }

    fn contexts(&self) -> Vec<Context> {
        vec![Context::Rotations, Context::List]
    }

    fn update(&mut self, a: Action) -> Outcome {
        if self.rows.navigate(a) {
            return Outcome::None;
        }
        match (a, self.rows.current()) {
            (Action::Close, _) => Outcome::Close,
            (Action::Add, _) => {
                Outcome::Push(Box::new(AnyModal::RotationForm(RotationForm::add())))
            }
            (Action::Edit, Some(r)) => {
                Outcome::Push(Box::new(AnyModal::RotationForm(RotationForm::edit(r))))
            }
            (Action::Submit, Some(r)) => Outcome::Push(Box::new(AnyModal::Text(details(r)))),
            (Action::RunNow, Some(r)) => {
                let n = r.name().to_owned();
                let q = match r {
                    Row::Api(r) => format!(
                        "Rotate {n} now? A new {} key is created on {} and written into {}/{}; the key retired a rotation ago is deleted on Supabase.",
                        r.key_type.as_str(),
                        r.project_ref,
                        r.into.project,
                        r.into.name
                    ),
                    Row::Signing(r) => format!(
                        "Rotate {n} now? A new {} signing key is created on {} and put in use; the key in use now keeps verifying for {}, then is revoked.",
                        r.algorithm.as_str(),
                        r.project_ref,
                        format_duration(r.grace)
                    ),
                };
                Outcome::Push(Box::new(AnyModal::Confirm(Confirm::new(
                    q,
                    Effect::KeyRotation(KeyCmd::RunNow(n)),
                ))))
            }
            (Action::TargetKeys, Some(r)) => Outcome::Effect {
                effect: Effect::TargetKeys(r.project_ref().to_owned()),
                close: false,
            },
            (Action::ToggleAuto, Some(r)) => {
                let (n, auto) = (r.name().to_owned(), !r.auto());
                let done = format!("{n}: automatic runs {}", if auto { "on" } else { "off" });
                Outcome::Effect {
                    effect: Effect::Write {
                        changes: vec![Change::SetKeyRotationAuto { name: n, auto }],
                        done,
                    },
                    close: false,
                }
            }
            (Action::Revoke, Some(r)) => Outcome::Push(Box::new(AnyModal::RevokeKey(
                RevokeKey::new(r.name().to_owned(), matches!(r, Row::Signing(_))),
            ))),
            (Action::Remove, Some(r)) => {
                let n = r.name().to_owned();
                let q = match r {
                    Row::Api(_) => format!(
                        "Remove the rotation {n}? The keys it created on Supabase are deleted; the vault secret stays."
                    ),
                    Row::Signing(_) => format!(
                        "Remove the rotation {n}? The project's signing keys stay as they are: the key in use keeps signing."
                    ),
                };
                Outcome::Push(Box::new(AnyModal::Confirm(Confirm::new(
                    q,
                    Effect::KeyRotation(KeyCmd::Remove(n)),
                ))))
            }
            _ => Outcome::None,
        }
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let layout = Layout {
            title: "Key rotations",
            size: (120, 24),
            chrome: 3,
            per_row: 3,
            gap: true,
            contexts: &[Context::Rotations, Context::List],
        };
        let empty = |_| {
            self.rows.when_empty(cx, || {
                let add = cx.keymap.key_for(&[Context::Rotations], Action::Add);
                format!("No key rotations yet: {add} adds one.")
            })
        };
        let row = |r: &Row, at: At| rotation_row(cx, r, at);
        self.rows.draw(cx, f, area, &layout, empty, row);
    }
}

/// Three lines: what and when, which key where, its last message.
fn rotation_row(cx: &DrawCtx, r: &Row, at: At) -> Vec<Line<'static>> {
    let (t, now, w) = (cx.theme, cx.now, at.w);
    let st = r.status(now);
    let auto = if r.auto() { "auto" } else { "manual" };
    let (every, at_minute, due) = r.schedule();
    let head = format!(
        "{:<16} {:<15} next {:<7} every {every}d at {} UTC · {auto}",
        fit(r.name(), 16),
        st.as_str(),
        due_in(now, due),
        format_time_of_day(at_minute),
    );
    let style = if at.selected {
        row_style(cx, true)
    } else {
        t.style(role_of(st))
    };
    let mut lines = vec![
        Line::styled(fit(&head, w), style),
        Line::styled(fit(&format!("  {}", r.what()), w), t.style(Role::Dim)),
    ];
    let msg = r.last_message().unwrap_or("no attempt yet");
    for l in super::text::wrap(&format!("  last: {msg}"), w) {
        lines.push(Line::styled(l, t.style(Role::Dim)));
    }
    lines
}

/// Everything about one rotation, whole and wrapped: `enter` opens it.
fn details(r: &Row) -> super::text::Text {
    use crate::vault::rfc3339;
    let at = |t: Option<i64>| t.map(rfc3339).unwrap_or_else(|| "never".into());
    let mut lines = match r {
        Row::Api(r) => api_details(r),
        Row::Signing(r) => signing_details(r),
    };
    let (_, _, next_due) = r.schedule();
    let (attempt, success) = match r {
        Row::Api(r) => (r.state.last_attempt, r.state.last_success),
        Row::Signing(r) => (r.state.last_attempt, r.state.last_success),
    };
    lines.extend([
        (Role::Dim, format!("next due: {}", rfc3339(next_due))),
        (Role::Dim, format!("last attempt: {}", at(attempt))),
        (Role::Dim, format!("last success: {}", at(success))),
        (
            Role::Dim,
            format!(
                "last message: {}",
                r.last_message().unwrap_or("no attempt yet")
            ),
        ),
    ]);
    super::text::Text::new(format!("Key rotation {}", r.name()), lines)
}

fn signing_details(r: &SigningRotation) -> Vec<(Role, String)> {
    let s = &r.state;
    let aging = |v: &[crate::vault::Aging]| {
        let ids: Vec<String> = v
            .iter()
            .map(|a| format!("{} until {}", a.key.id, crate::vault::rfc3339(a.until)))
            .collect();
        if ids.is_empty() {
            "none".into()
        } else {
            ids.join(", ")
        }
    };
    let in_use = s.current.as_ref().map_or("none yet", |k| k.id.as_str());
    vec![
        (
            Role::Title,
            format!("{} signing keys of {}", r.algorithm.as_str(), r.project_ref),
        ),
        (
            Role::Dim,
            format!(
                "every {}d at {} UTC · {} · grace {}",
                r.every_days,
                format_time_of_day(r.at_minute),
                if r.auto { "auto" } else { "manual" },
                format_duration(r.grace)
            ),
        ),
        (Role::Dim, String::new()),
        (Role::Dim, format!("key in use: {in_use}")),
        (
            Role::Dim,
            format!("previously used: {}", aging(&s.previous)),
        ),
        (Role::Dim, format!("revoked: {}", aging(&s.revoked))),
    ]
}

fn api_details(r: &KeyRotation) -> Vec<(Role, String)> {
    let key = |k: &Option<crate::vault::KeyRef>| {
        k.as_ref().map_or("none", |k| k.name.as_str()).to_owned()
    };
    let s = &r.state;
    vec![
        (
            Role::Title,
            format!("{} key of {}", r.key_type.as_str(), r.project_ref),
        ),
        (
            Role::Dim,
            format!("into {}/{}", r.into.project, r.into.name),
        ),
        (
            Role::Dim,
            format!(
                "every {}d at {} UTC · {}",
                r.every_days,
                format_time_of_day(r.at_minute),
                if r.auto { "auto" } else { "manual" }
            ),
        ),
        (Role::Dim, String::new()),
        (Role::Dim, format!("current key: {}", key(&s.current))),
        (Role::Dim, format!("previous key: {}", key(&s.previous))),
    ]
}
