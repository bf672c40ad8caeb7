//! Supabase API key and JWT signing key rotations, in one list: each with its status,
//! next due time and last message. Run one now, turn its automatic runs on or off,
//! revoke its key as compromised (with a reason), remove it, add or edit one, open the
//! keys of its target. The attempts themselves run in the dashboard's
//! rotation loops (or through the driver for "run now"), never on the UI task.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::confirm::Confirm;
use super::rows::{At, Layout, Rows};
use super::{AnyModal, Modal, Outcome, boxed, row_style};
use crate::ops::{Change, Query, Reply};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::{Effect, KeyCmd};
use crate::tui::keys::Context;
use crate::tui::panes::fit;
use crate::tui::theme::Role;
use crate::vault::{
    KeyKind, KeyRotation, KeyRotationStatus, Millis, NewKeyRotation, NewSigningRotation,
    SigningAlg, SigningRotation, format_duration, format_time_of_day, parse_time_of_day,
    reserved_name_warning,
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

/// The reason a key is revoked (kept in the audit log).
pub struct RevokeKey {
    name: String,
    signing: bool,
    reason: Input,
    pub saving: Option<u64>,
    error: Option<String>,
}

impl RevokeKey {
    fn new(name: String, signing: bool) -> RevokeKey {
        RevokeKey {
            name,
            signing,
            reason: Input::default(),
            saving: None,
            error: None,
        }
    }

    pub fn edited(&self) -> bool {
        !self.reason.value().is_empty()
    }
}

impl Modal for RevokeKey {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Prompt]
    }

    fn update(&mut self, a: Action) -> Outcome {
        match a {
            Action::Close => Outcome::Close,
            _ if self.saving.is_some() => Outcome::None,
            Action::Submit if self.reason.value().trim().is_empty() => {
                self.error = Some("type a reason first: it is kept in the audit log".into());
                Outcome::None
            }
            Action::Submit => Outcome::Submit(Effect::KeyRotation(KeyCmd::Revoke(
                self.name.clone(),
                self.reason.value().trim().to_string(),
            ))),
            _ => Outcome::None,
        }
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if self.saving.is_none() {
            self.reason.handle_event(&crossterm::event::Event::Key(*k));
            self.error = None;
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let t = cx.theme;
        let w = 80.min(area.width).saturating_sub(2) as usize;
        let mut lines = Vec::new();
        // What it touches on Supabase, whole: it cannot be undone.
        let what = if self.signing {
            "Revoking rotates to a new signing key and revokes the previous signing keys at once (no grace): JWTs they signed stop verifying, so signed-in users sign in again."
        } else {
            "Revoking deletes this rotation's current and previous keys on Supabase at once (marked compromised, no grace) and rotates to a new key, written into the vault secret."
        };
        for l in super::text::wrap(what, w) {
            lines.push(Line::styled(l, t.style(Role::Failed)));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("reason: ", t.style(Role::Focused)),
            Span::raw(fit(self.reason.value(), w.saturating_sub(8))),
        ]));
        lines.push(Line::raw(""));
        match (&self.error, self.saving) {
            (_, Some(_)) => lines.push(Line::styled("asking Supabase…", t.style(Role::Pending))),
            (Some(e), _) => {
                for l in super::text::wrap(&format!("✗ {e}"), w) {
                    lines.push(Line::styled(l, t.style(Role::Failed)));
                }
            }
            (None, _) => lines.push(Line::styled(
                "a reason is required (kept in the audit log)",
                t.style(Role::Dim),
            )),
        }
        lines.push(Line::styled(
            super::hints(cx, &[Context::Prompt], w),
            t.style(Role::Key),
        ));
        let inner = boxed(
            cx,
            f,
            area,
            80,
            lines.len() as u16 + 2,
            &format!("Revoke {}", self.name),
        );
        f.render_widget(Paragraph::new(lines), inner);
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        crate::tui::textarea::paste_into(&mut self.reason, text);
    }

    fn dirty(&self) -> bool {
        self.edited()
    }

    super::form_save!(refused);
}

const LABELS: [&str; 8] = [
    "name",
    "target (project ref)",
    "key (publishable|secret|signing)",
    "every N days",
    "at HH:MM UTC",
    "auto (on|off)",
    "vault secret (PROJECT/NAME)",
    "algorithm (signing keys)",
];
/// Fields an edit may change (the others are fixed once added).
const EDITABLE: [usize; 3] = [3, 4, 5];

/// Add or edit a rotation: one text field per setting, checked on save.
pub struct RotationForm {
    fields: Vec<Input>,
    focus: usize,
    editing: Option<String>,
    error: Option<String>,
    pub saving: Option<u64>,
    pub edited: bool,
}

impl RotationForm {
    fn add() -> RotationForm {
        Self::filled(["", "", "secret", "30", "03:00", "on", "", "RS256"].map(String::from))
    }

    /// A signing key rotation of `target` (from its keys view).
    pub fn signing(target: &str) -> RotationForm {
        let mut f = Self::filled(
            ["", target, "signing", "30", "03:00", "on", "", "RS256"].map(String::from),
        );
        f.focus = 0;
        f
    }

    fn filled(vals: [String; 8]) -> RotationForm {
        RotationForm {
            fields: vals.into_iter().map(Input::new).collect(),
            focus: 0,
            editing: None,
            error: None,
            saving: None,
            edited: false,
        }
    }

    fn edit(r: &Row) -> RotationForm {
        let (every, at, _) = r.schedule();
        let (kind, into, alg) = match r {
            Row::Api(r) => (
                r.key_type.as_str(),
                format!("{}/{}", r.into.project, r.into.name),
                "",
            ),
            Row::Signing(r) => ("signing", String::new(), r.algorithm.as_str()),
        };
        let vals = [
            r.name().to_owned(),
            r.project_ref().to_owned(),
            kind.to_owned(),
            every.to_string(),
            format_time_of_day(at),
            if r.auto() { "on" } else { "off" }.to_string(),
            into,
            alg.to_owned(),
        ];
        RotationForm {
            focus: EDITABLE[0],
            editing: Some(r.name().to_owned()),
            ..Self::filled(vals)
        }
    }

    fn editable(&self, i: usize) -> bool {
        self.editing.is_none() || EDITABLE.contains(&i)
    }

    fn val(&self, i: usize) -> &str {
        self.fields[i].value().trim()
    }

    /// The warning for a receiving secret Supabase would refuse to sync.
    fn warning(&self) -> Option<String> {
        let (_, name) = self.val(6).split_once('/')?;
        reserved_name_warning(name)
    }

    fn parsed(&self) -> std::result::Result<(u32, u32, bool), String> {
        let every: u32 = self
            .val(3)
            .parse()
            .ok()
            .filter(|d| *d > 0)
            .ok_or("every N days: give a whole number of days, 1 or more")?;
        let at = parse_time_of_day(self.val(4)).map_err(|e| e.to_string())?;
        let auto = match self.val(5) {
            "on" | "yes" | "y" => true,
            "off" | "no" | "n" => false,
            _ => return Err("auto: type on or off".into()),
        };
        Ok((every, at, auto))
    }

    fn save(&mut self) -> Outcome {
        let (every, at, auto) = match self.parsed() {
            Ok(p) => p,
            Err(e) => {
                self.error = Some(e);
                return Outcome::None;
            }
        };
        if let Some(name) = self.editing.clone() {
            return Outcome::Submit(Effect::Write {
                done: format!("{name}: every {every}d at {} UTC", format_time_of_day(at)),
                changes: vec![Change::EditKeyRotation {
                    name,
                    every_days: every,
                    at_minute: at,
                    auto,
                    grace: None,
                }],
            });
        }
        let key_type = match self.val(2) {
            "publishable" => KeyKind::Publishable,
            "secret" => KeyKind::Secret,
            "signing" => return self.save_signing(every, at, auto),
            _ => {
                self.error = Some("key: type publishable, secret or signing".into());
                return Outcome::None;
            }
        };
        let Some((p, n)) = self.val(6).split_once('/') else {
            self.error = Some("vault secret: give PROJECT/NAME".into());
            return Outcome::None;
        };
        let new = NewKeyRotation {
            name: self.val(0).to_string(),
            project_ref: self.val(1).to_string(),
            connection: None,
            key_type,
            every_days: every,
            at_minute: at,
            auto,
            into_project: p.to_string(),
            into_name: n.to_string(),
            grace: None,
        };
        let mut done = format!(
            "added the rotation {}: its first run creates a key",
            new.name
        );
        if let Some(w) = self.warning() {
            done = format!("{done}; warning: {w}");
        }
        Outcome::Submit(Effect::Write {
            changes: vec![Change::AddKeyRotation(new)],
            done,
        })
    }

    /// A signing key never leaves Supabase: no vault secret receives it.
    fn save_signing(&mut self, every: u32, at: u32, auto: bool) -> Outcome {
        if !self.val(6).is_empty() {
            self.error = Some(
                "vault secret: leave it empty for signing keys: a signing key never leaves Supabase"
                    .into(),
            );
            return Outcome::None;
        }
        let algorithm: SigningAlg = match self.val(7).parse() {
            Ok(a) => a,
            Err(e) => {
                self.error = Some(format!("algorithm: {e}"));
                return Outcome::None;
            }
        };
        let new = NewSigningRotation {
            name: self.val(0).to_string(),
            project_ref: self.val(1).to_string(),
            connection: None,
            algorithm,
            every_days: every,
            at_minute: at,
            auto,
            grace: None,
        };
        let done = format!(
            "added the rotation {}: its first run puts a new {} signing key in use",
            new.name,
            algorithm.as_str()
        );
        Outcome::Submit(Effect::Write {
            changes: vec![Change::AddSigningRotation(new)],
            done,
        })
    }
}

impl Modal for RotationForm {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Policy]
    }

    fn update(&mut self, a: Action) -> Outcome {
        let n = self.fields.len();
        match a {
            Action::Close => Outcome::Close,
            _ if self.saving.is_some() => Outcome::None,
            Action::Save | Action::Submit => self.save(),
            Action::NextField | Action::PrevField => {
                let step = if a == Action::NextField { 1 } else { n - 1 };
                loop {
                    self.focus = (self.focus + step) % n;
                    if self.editable(self.focus) {
                        break;
                    }
                }
                Outcome::None
            }
            _ => Outcome::None,
        }
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if self.editable(self.focus)
            && self.saving.is_none()
            && self.fields[self.focus]
                .handle_event(&crossterm::event::Event::Key(*k))
                .is_some_and(|c| c.value)
        {
            self.edited = true;
            self.error = None;
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let t = cx.theme;
        let title = match &self.editing {
            Some(n) => format!("Edit rotation {n}"),
            None => "Add a key rotation".into(),
        };
        let w = 80.min(area.width).saturating_sub(2) as usize;
        let mut lines = Vec::new();
        for (i, label) in LABELS.iter().enumerate() {
            let style = if i == self.focus {
                t.style(Role::Focused)
            } else if self.editable(i) {
                Default::default()
            } else {
                t.style(Role::Dim)
            };
            let cursor = if i == self.focus { "▏" } else { "" };
            lines.push(Line::styled(
                fit(
                    &format!("{label:>32}: {}{cursor}", self.fields[i].value()),
                    w,
                ),
                style,
            ));
        }
        lines.push(Line::raw(""));
        // Warnings and errors wrap: the whole sentence says what to do.
        if let Some(warn) = self.warning() {
            for l in super::text::wrap(&format!("! {warn}"), w) {
                lines.push(Line::styled(l, t.style(Role::Drifted)));
            }
        }
        if let Some(e) = &self.error {
            for l in super::text::wrap(&format!("✗ {e}"), w) {
                lines.push(Line::styled(l, t.style(Role::Failed)));
            }
        }
        if self.saving.is_some() {
            lines.push(Line::styled("saving…", t.style(Role::Pending)));
        }
        let hint = super::hints(cx, &[Context::Policy], w);
        lines.push(Line::styled(hint, t.style(Role::Key)));
        let inner = boxed(cx, f, area, 80, lines.len() as u16 + 2, &title);
        f.render_widget(Paragraph::new(lines), inner);
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        if self.editable(self.focus) {
            crate::tui::textarea::paste_into(&mut self.fields[self.focus], text);
            self.edited = true;
            self.error = None;
        }
    }

    fn dirty(&self) -> bool {
        self.edited
    }

    super::form_save!(refused);
}
