//! Adding or editing a rotation (API keys or signing keys): one text field per
//! setting, checked on save; names Supabase reserves are warned about.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use tui_input::Input;

use super::Row;
use crate::ops::Change;
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::modals::{Modal, Outcome, boxed};
use crate::tui::panes::fit;
use crate::tui::theme::Role;
use crate::vault::{
    KeyKind, NewKeyRotation, NewSigningRotation, SigningAlg, format_time_of_day, parse_time_of_day,
    reserved_name_warning,
};

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
    pub(super) fn add() -> RotationForm {
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

    pub(super) fn edit(r: &Row) -> RotationForm {
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
        let editable: Vec<bool> = (0..n).map(|i| self.editable(i)).collect();
        let busy = self.saving.is_some();
        super::super::fields::update(a, busy, &mut self.focus, n, |i| editable[i])
            .or_save(|| self.save())
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if self.editable(self.focus)
            && self.saving.is_none()
            && super::super::fields::typed(&mut self.fields[self.focus], k)
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
            for l in crate::tui::modals::text::wrap(&format!("! {warn}"), w) {
                lines.push(Line::styled(l, t.style(Role::Drifted)));
            }
        }
        if let Some(e) = &self.error {
            lines.extend(crate::tui::modals::error_lines(cx, e, w, Role::Failed));
        }
        if self.saving.is_some() {
            lines.push(Line::styled("saving…", t.style(Role::Pending)));
        }
        let hint = crate::tui::modals::hints(cx, &[Context::Policy], w);
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

    crate::tui::modals::form_save!(refused);
}
