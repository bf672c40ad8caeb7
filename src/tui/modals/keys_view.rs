//! Every key of a target (the rotations screen's `K`): its API keys with their JWT
//! templates, whether its legacy keys are on, its JWT signing keys, each marked with
//! the rotation that manages it. From here the legacy keys are turned off (after their
//! plan, asked) or on again, and a signing key rotation is added for the target.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::confirm::Confirm;
use super::rotations::RotationForm;
use super::text::Text;
use super::{AnyModal, Modal, Outcome};
use crate::ops::{LegacyAction, LegacyReport, TargetKeys};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::theme::Role;

pub struct KeysView {
    keys: TargetKeys,
    text: Text,
}

impl KeysView {
    pub fn new(keys: TargetKeys) -> KeysView {
        KeysView {
            text: text(&keys),
            keys,
        }
    }

    pub fn target(&self) -> &str {
        &self.keys.target
    }

    /// A legacy keys change went through: the view shows their state now.
    pub fn legacy_changed(&mut self, enabled: Option<bool>) {
        self.keys.legacy_enabled = enabled;
        self.text = text(&self.keys);
    }
}

impl Modal for KeysView {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::KeysView, Context::List]
    }

    fn update(&mut self, a: Action) -> Outcome {
        let target = self.keys.target.clone();
        match a {
            Action::LegacyKeys => match self.keys.legacy_enabled {
                // The plan comes first; the question is asked with it (runner).
                Some(true) => Outcome::Effect {
                    effect: Effect::Legacy {
                        target,
                        action: LegacyAction::Disable { confirm: false },
                    },
                    close: false,
                },
                Some(false) => {
                    let q = format!(
                        "Enable the legacy API keys of {target} again? Clients that hold the anon or service_role key are let in again."
                    );
                    let effect = Effect::Legacy {
                        target,
                        action: LegacyAction::Enable,
                    };
                    Outcome::Push(Box::new(AnyModal::Confirm(Confirm::new(q, effect))))
                }
                None => Outcome::Say(format!(
                    "{target} has no legacy keys any more: nothing to turn off or on"
                )),
            },
            Action::Add => Outcome::Push(Box::new(AnyModal::RotationForm(RotationForm::signing(
                &target,
            )))),
            _ => self.text.update(a),
        }
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let w = 100.min(area.width).saturating_sub(2) as usize;
        let hint = super::hints(cx, &[Context::KeysView, Context::List], w);
        self.text.draw_with_hint(cx, f, area, &hint);
    }
}

/// The question before a disable: the plan (what still uses the keys), whole.
pub fn disable_question(r: &LegacyReport, enable_key: &str) -> String {
    let mut q = format!("Disable the legacy API keys of {}?\n", r.target);
    for l in r.lines().iter().skip(1) {
        q.push_str(l.trim_start());
        q.push('\n');
    }
    q.push_str(&format!(
        "Afterwards keyward checks that the publishable key still answers and the anon key no longer does; {enable_key} in this view turns them on again."
    ));
    q
}

/// The keys as lines (ids, names, templates and statuses; never a key's value), headed
/// by what could not be read.
fn text(k: &TargetKeys) -> Text {
    let mut lines: Vec<(Role, String)> = k
        .errors
        .iter()
        .map(|e| (Role::Failed, format!("could not be read: {e}")))
        .collect();
    for l in k.lines() {
        let role = if l.starts_with(' ') {
            Role::Message
        } else {
            Role::Title
        };
        lines.push((role, l.replace('\t', "  ")));
    }
    Text::new(format!("Keys of {}", k.target), lines)
}
