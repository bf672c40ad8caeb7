//! A read-only page of text: failure details, a plan, a drift report. Scrolls.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Modal, Outcome, boxed, navigate};
use crate::engine::{TargetDrift, TargetPlan};
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::list::ListState;
use crate::tui::panes::{ago, fit};
use crate::tui::theme::{Role, Status};
use crate::vault::{TargetHealth, VarState};

pub struct Text {
    title: String,
    lines: Vec<(Role, String)>,
    list: ListState,
    /// Failure details offer "retry now".
    pub retry: bool,
    /// A variable that failed because its name exists on Supabase and keyward did not
    /// create it: the change that adopts it, offered, never made unasked.
    pub adopt: Option<Effect>,
}

impl Text {
    /// Offers `effect` (adopting the variable) under `key`, and says so in the error
    /// line where the engine's wording names the CLI flag.
    pub fn offer_adopt(&mut self, effect: Effect, key: &str) {
        for (_, l) in &mut self.lines {
            *l = l.replace(
                "map it again with --adopt to take it over",
                &format!("{key} adopts it (the vault's value replaces theirs)"),
            );
        }
        self.adopt = Some(effect);
    }
}

/// The push error of a name on Supabase that keyward did not create (engine/push.rs).
pub fn is_unowned_error(e: &str) -> bool {
    e.contains("keyward did not create it")
}

impl Text {
    pub fn new(title: String, lines: Vec<(Role, String)>) -> Text {
        let mut list = ListState::default();
        list.refresh(&lines, |_| String::new(), None);
        Text {
            title,
            lines,
            list,
            retry: false,
            adopt: None,
        }
    }

    pub fn details(
        tname: &str,
        r: &str,
        var: &str,
        status: Status,
        st: &VarState,
        health: &TargetHealth,
        now: i64,
    ) -> Text {
        let mut l = vec![
            (
                status.role(),
                format!("{} {}", status.glyph(), status.word()),
            ),
            (Role::Title, format!("{var} in {tname} ({r})")),
            (Role::Dim, String::new()),
            (Role::Dim, format!("wanted version: v{}", st.version)),
        ];
        if let Some(v) = st.pushed_version {
            let when = st.synced_at.map(|at| ago(now, at)).unwrap_or_default();
            l.push((Role::Dim, format!("last pushed: v{v} {when}")));
        }
        if let Some(e) = &st.error {
            l.push((Role::Failed, format!("error: {e}")));
        }
        if st.attempts > 0 {
            l.push((Role::Dim, format!("attempts: {}", st.attempts)));
        }
        if let Some(at) = st.next_retry {
            let left = ((at - now).max(0) / 1000) as u64;
            l.push((Role::Dim, format!("next retry in {}s", left)));
        }
        if health.unhealthy {
            l.push((
                Role::Unhealthy,
                format!(
                    "! the target is unhealthy after {} failed pushes: no automatic retries until R (retry now) or a reconnect",
                    health.consecutive_failures
                ),
            ));
        }
        if let Some(e) = &health.last_error {
            l.push((Role::Dim, format!("target's last error: {e}")));
        }
        let mut t = Text::new(format!("Details · {var}"), l);
        t.retry = true;
        t
    }

    /// `adopt_key` names the details view's adopt key, for refusals the CLI would solve
    /// with `--adopt`.
    pub fn plan(plans: &[TargetPlan], adopt_key: &str) -> Text {
        let mut l = Vec::new();
        for p in plans {
            l.push((Role::Title, p.target.clone()));
            if let Some(e) = &p.error {
                l.push((Role::Failed, format!("  ✗ cannot plan: {e}")));
            }
            let groups = [
                ("+ create", &p.create, Role::Synced),
                ("~ update", &p.update, Role::Pending),
                ("≠ overwrite drifted", &p.overwrite, Role::Drifted),
                ("− delete", &p.delete, Role::Failed),
            ];
            for (what, names, role) in groups {
                if !names.is_empty() {
                    l.push((
                        role,
                        format!("  {what} {}: {}", names.len(), names.join(", ")),
                    ));
                }
            }
            for (n, why) in &p.refused {
                let why = why.replace(
                    "(map with --adopt)",
                    &format!("(its failure details in the mappings pane: {adopt_key} adopts it)"),
                );
                l.push((Role::Failed, format!("  ✗ {n}: {why}")));
            }
            l.push((Role::Dim, format!("  = {} unchanged", p.unchanged)));
        }
        if plans.is_empty() {
            l.push((Role::Dim, "No targets.".into()));
        }
        Text::new("Plan (names only, never values)".into(), l)
    }

    pub fn drift(drifts: &[TargetDrift]) -> Text {
        let mut l = Vec::new();
        for d in drifts {
            l.push((Role::Title, d.target.clone()));
            if let Some(e) = &d.error {
                l.push((Role::Failed, format!("  ✗ cannot list: {e}")));
            }
            let groups = [
                ("≠ drifted (edited on Supabase)", &d.drifted, Role::Drifted),
                (
                    "? missing (ours, gone from Supabase)",
                    &d.missing,
                    Role::Failed,
                ),
                ("· unmanaged (not keyward's)", &d.unmanaged, Role::Dim),
            ];
            for (what, names, role) in groups {
                if !names.is_empty() {
                    l.push((
                        role,
                        format!("  {what} {}: {}", names.len(), names.join(", ")),
                    ));
                }
            }
            if d.drifted.is_empty() && d.missing.is_empty() && d.error.is_none() {
                l.push((Role::Synced, "  ✓ no drift".into()));
            }
        }
        if drifts.is_empty() {
            l.push((Role::Dim, "No targets.".into()));
        }
        Text::new("Drift".into(), l)
    }

    /// Drawn with the keys of the modal that holds this text.
    pub fn draw_with_hint(&self, cx: &DrawCtx, f: &mut Frame, area: Rect, hint: &str) {
        let inner = boxed(cx, f, area, 100, 24, &self.title);
        let w = inner.width as usize;
        let room = inner.height.saturating_sub(2) as usize;
        // Long lines (an error from Supabase) wrap, so the whole message is readable.
        let rows: Vec<(Role, String)> = self
            .lines
            .iter()
            .flat_map(|(r, s)| wrap(s, w).into_iter().map(move |l| (*r, l)))
            .collect();
        let start = self.list.selected.min(rows.len().saturating_sub(room));
        let mut lines: Vec<Line> = rows[start..]
            .iter()
            .take(room)
            .map(|(r, s)| Line::styled(s.clone(), cx.theme.style(*r)))
            .collect();
        while lines.len() < room + 1 {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(fit(hint, w), cx.theme.style(Role::Key)));
        f.render_widget(Paragraph::new(lines), inner);
    }
}

impl Modal for Text {
    fn contexts(&self) -> Vec<Context> {
        if self.adopt.is_some() {
            vec![Context::Adopt, Context::Details, Context::List]
        } else if self.retry {
            vec![Context::Details, Context::List]
        } else {
            vec![Context::List]
        }
    }

    fn update(&mut self, a: Action) -> Outcome {
        if navigate(&mut self.list, a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            Action::Retry if self.retry => Outcome::Effect {
                effect: Effect::Ask(crate::tui::effects::Ask::Retry),
                close: true,
            },
            Action::Adopt if self.adopt.is_some() => Outcome::Effect {
                effect: self.adopt.take().expect("checked"),
                close: true,
            },
            _ => Outcome::None,
        }
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let mut hint = if self.retry {
            "R retry now · esc close".to_string()
        } else {
            "esc close".to_string()
        };
        if self.adopt.is_some() {
            let key = cx
                .keymap
                .key_for(&[crate::tui::keys::Context::Adopt], Action::Adopt);
            hint = format!("{key} adopt the name on Supabase · {hint}");
        }
        self.draw_with_hint(cx, f, area, &hint);
    }
}

/// Splits `s` into lines of at most `w` columns, at spaces where it can (a word longer
/// than a line is cut), keeping the leading indent on continuation lines.
pub fn wrap(s: &str, w: usize) -> Vec<String> {
    let width = crate::tui::panes::width;
    if w == 0 || width(s) <= w {
        return vec![s.to_string()];
    }
    let indent: String = s.chars().take_while(|c| *c == ' ').collect();
    let cont = format!("{indent}  ");
    let mut out = Vec::new();
    let mut line = String::new();
    for word in s.trim_start().split(' ') {
        let lead = if out.is_empty() { &indent } else { &cont };
        let sep = usize::from(!line.is_empty());
        if !line.is_empty() && width(lead) + width(&line) + sep + width(word) > w {
            out.push(format!("{lead}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    let lead = if out.is_empty() { &indent } else { &cont };
    out.push(format!("{lead}{line}"));
    out.into_iter().map(|l| fit(&l, w)).collect()
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_keeps_every_word_and_fits_the_width() {
        let s = "error: STRIPE_WEBHOOK_SECRET exists on demo-staging and keyward did not create it";
        let l = wrap(s, 30);
        assert!(l.len() > 1, "{l:?}");
        assert!(l.iter().all(|x| x.chars().count() <= 30), "{l:?}");
        let joined: Vec<&str> = l.iter().flat_map(|x| x.split_whitespace()).collect();
        assert_eq!(joined.join(" "), s);
        assert_eq!(wrap("short", 30), vec!["short".to_string()]);
    }
}
