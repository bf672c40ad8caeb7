//! A read-only page of text: failure details, a plan, a drift report. Scrolls.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Outcome, boxed, navigate};
use crate::engine::{TargetDrift, TargetPlan};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect};
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

    pub fn plan(plans: &[TargetPlan]) -> Text {
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

    pub fn update(&mut self, a: Action) -> Outcome {
        if navigate(&mut self.list, a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            Action::Retry if self.retry => Outcome::Effect {
                effect: Effect::Ask(crate::tui::app::Ask::Retry),
                close: true,
            },
            _ => Outcome::None,
        }
    }

    pub fn draw(&self, app: &App, f: &mut Frame, area: Rect) {
        let inner = boxed(app, f, area, 100, 24, &self.title);
        let w = inner.width as usize;
        let room = inner.height.saturating_sub(2) as usize;
        let start = self
            .list
            .selected
            .min(self.lines.len().saturating_sub(room));
        let mut lines: Vec<Line> = self.lines[start..]
            .iter()
            .take(room)
            .map(|(r, s)| Line::styled(fit(s, w), app.theme.style(*r)))
            .collect();
        while lines.len() < room + 1 {
            lines.push(Line::raw(""));
        }
        let hint = if self.retry {
            "R retry now · esc close"
        } else {
            "esc close"
        };
        lines.push(Line::styled(hint, app.theme.style(Role::Key)));
        f.render_widget(Paragraph::new(lines), inner);
    }
}
