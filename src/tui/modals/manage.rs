//! Manage what one target receives: every live secret of every vault project, the mapped
//! ones checked. Search with `/`, toggle with space (A: every shown one), then review:
//! what is added (with conflicts, refused names and the cap, before anything is sent)
//! and what is removed (its variables are deleted from the target).

use std::collections::BTreeSet;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::sync::{Review, SyncFlow, TooLong, pairs};
use super::{Modal, Outcome, boxed, navigate, row_style};
use crate::ops::Change;
use crate::tui::action::Action;
use crate::tui::data::Snapshot;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::list::ListState;
use crate::tui::panes::fit;
use crate::tui::theme::Role;
use crate::vault::names::PROJECT_SECRET_CAP;
use crate::vault::{Listed, SecretId};

/// Secrets to stop syncing here: (project, name).
type Removals = Vec<(String, String)>;

pub struct ManageTarget {
    target: String,
    name: String,
    secrets: Vec<Listed>,
    mapped: BTreeSet<SecretId>,
    want: BTreeSet<SecretId>,
    list: ListState,
    pub filtering: Option<Input>,
    review: Option<(Option<Review>, Removals)>,
    /// The secrets being added (their review is redone when the names on Supabase, or the
    /// values too long for it, arrive).
    adds: Vec<Listed>,
    remote: Option<Result<BTreeSet<String>, String>>,
    too_long: TooLong,
    data: Box<Snapshot>,
    pub saving: Option<u64>,
    error: Option<String>,
    /// The review's first line shown (it scrolls when long, like the sync review's).
    scroll: usize,
}

fn text_of(s: &Listed) -> String {
    format!("{}/{}", s.project, s.meta.name)
}

impl ManageTarget {
    pub fn new(data: &Snapshot, target: usize) -> ManageTarget {
        let tv = &data.targets[target];
        let mapped: BTreeSet<SecretId> = tv.vars.iter().map(|(_, v)| v.secret).collect();
        let secrets = data.secrets.clone();
        let mut list = ListState::default();
        list.refresh(&secrets, text_of, None);
        ManageTarget {
            target: tv.target.project_ref.clone(),
            name: tv.target.name.clone(),
            want: mapped.clone(),
            mapped,
            secrets,
            list,
            filtering: None,
            review: None,
            adds: Vec::new(),
            remote: None,
            too_long: None,
            data: Box::new(data.clone()),
            saving: None,
            error: None,
            scroll: 0,
        }
    }

    /// The target's names on Supabase arrived: the review is redone with them.
    pub fn remote_names(&mut self, target: &str, names: Result<BTreeSet<String>, String>) {
        if target == self.target {
            self.remote = Some(names);
            self.redo();
        }
    }

    /// The owner said which values are too long for Supabase: the review is redone.
    pub fn too_long(&mut self, found: std::collections::BTreeMap<String, String>) {
        self.too_long = Some(found);
        self.redo();
    }

    fn redo(&mut self) {
        if let Some((review @ Some(_), _)) = &mut self.review {
            *review = SyncFlow::review_for(
                self.adds.clone(),
                &self.data,
                &self.target,
                self.remote.clone(),
                self.too_long.clone(),
            );
        }
    }
}

impl ManageTarget {
    /// A key while the review is open: scroll it, confirm it (adopting names found
    /// there, with the adopt key), or leave it for the list.
    fn review_action(&mut self, a: Action) -> Outcome {
        let Some((review, removals)) = &mut self.review else {
            return Outcome::None;
        };
        match a {
            Action::Down | Action::PageDown => {
                self.scroll += if a == Action::Down { 1 } else { 10 };
                return Outcome::None;
            }
            Action::Up | Action::PageUp => {
                let by = if a == Action::Up { 1 } else { 10 };
                self.scroll = self.scroll.saturating_sub(by);
                return Outcome::None;
            }
            _ => {}
        }
        if review.as_ref().is_some_and(Review::checking) && a != Action::Close {
            return Outcome::None;
        }
        if !matches!(a, Action::Submit | Action::Adopt) {
            self.review = None;
            return Outcome::None;
        }
        let adds = review
            .as_mut()
            .filter(|r| !r.over_cap)
            .and_then(|r| r.changes(a == Action::Adopt));
        let removes = std::mem::take(removals);
        if adds.is_none() && removes.is_empty() {
            return Outcome::Close;
        }
        let target = self.target.clone();
        let mut changes: Vec<Change> = removes
            .iter()
            .map(|(p, n)| Change::Unmap {
                project: p.clone(),
                name: n.clone(),
                target: target.clone(),
            })
            .collect();
        let done = format!(
            "{}: {} added, {} removed; watch the mappings pane",
            self.name,
            adds.as_ref().map_or(0, |(n, _)| *n),
            removes.len()
        );
        if let Some((_, add)) = adds {
            changes.extend(add);
        }
        Outcome::Submit(Effect::Write { changes, done })
    }

    /// Confirming the picks: the review of what would change, checked against
    /// Supabase when something is added.
    fn start_review(&mut self) -> Outcome {
        let adds: Vec<Listed> = self
            .secrets
            .iter()
            .filter(|s| self.want.contains(&s.meta.id) && !self.mapped.contains(&s.meta.id))
            .cloned()
            .collect();
        let removes: Vec<(String, String)> = self
            .secrets
            .iter()
            .filter(|s| self.mapped.contains(&s.meta.id) && !self.want.contains(&s.meta.id))
            .map(|s| (s.project.clone(), s.meta.name.clone()))
            .collect();
        self.remote = None;
        self.too_long = None;
        let review = (!adds.is_empty())
            .then(|| SyncFlow::review_for(adds.clone(), &self.data, &self.target, None, None))
            .flatten();
        let checking = review.is_some();
        let secrets = pairs(&adds);
        self.adds = adds;
        self.review = Some((review, removes));
        self.scroll = 0;
        if checking {
            Outcome::Effect {
                effect: Effect::Review {
                    targets: vec![self.target.clone()],
                    secrets,
                },
                close: false,
            }
        } else {
            Outcome::None
        }
    }

    /// Space: the secret under the cursor goes here or not; the cursor moves on.
    fn toggle(&mut self) {
        if let Some(i) = self.list.current() {
            let id = self.secrets[i].meta.id;
            if !self.want.remove(&id) {
                self.want.insert(id);
            }
            self.list.down(1);
        }
    }

    /// Every secret shown goes here, or (when all already do) none.
    fn toggle_all(&mut self) {
        let shown: Vec<SecretId> = self
            .list
            .visible
            .iter()
            .map(|i| self.secrets[*i].meta.id)
            .collect();
        if shown.iter().all(|id| self.want.contains(id)) {
            for id in shown {
                self.want.remove(&id);
            }
        } else {
            self.want.extend(shown);
        }
    }
}

impl ManageTarget {
    /// The secrets to pick from: the search (or how many go here), a refusal, the rows.
    fn pick_lines(&self, cx: &DrawCtx, w: usize, room: usize) -> Vec<Line<'static>> {
        let t = cx.theme;
        let mut lines = Vec::new();
        let head = super::filter_head(
            cx,
            "search",
            self.filtering.as_ref(),
            &self.list,
            self.secrets.len(),
            Line::styled(
                format!(
                    "{} of {} secrets go here",
                    self.want.len(),
                    self.secrets.len()
                ),
                t.style(Role::Dim),
            ),
        );
        lines.push(head);
        if let Some(e) = &self.error {
            lines.extend(super::error_lines(cx, e, w, Role::Failed));
        }
        for pos in self.list.window(room) {
            let s = &self.secrets[self.list.visible[pos]];
            let (want, was) = (
                self.want.contains(&s.meta.id),
                self.mapped.contains(&s.meta.id),
            );
            let mark = match (want, was) {
                (true, true) => "[x]  ",
                (true, false) => "[x] +",
                (false, true) => "[ ] −",
                (false, false) => "[ ]  ",
            };
            let row = format!("{mark} {}", text_of(s));
            lines.push(Line::styled(
                fit(&row, w),
                row_style(cx, pos == self.list.selected),
            ));
        }
        lines
    }

    /// What confirming would do, every line whole (a reason or a name cut off is lost).
    fn review_lines(
        &self,
        cx: &DrawCtx,
        w: usize,
        review: Option<&Review>,
        removes: &[(String, String)],
    ) -> Vec<Line<'static>> {
        let t = cx.theme;
        let mut lines = Vec::new();
        lines.push(Line::styled(
            "Before anything is sent (names only, never values):",
            t.style(Role::Title),
        ));
        if let Some(r) = review {
            lines.push(Line::styled(
                format!(
                    "{} of {PROJECT_SECRET_CAP} variables after adding",
                    r.total_after
                ),
                t.style(Role::Dim),
            ));
            lines.extend(r.findings(cx, w, false));
        }
        for (p, n) in removes {
            let text = format!(
                "− remove {p}/{n}: its variables are deleted from {}",
                self.name
            );
            for l in super::text::wrap(&text, w) {
                lines.push(Line::styled(l, t.style(Role::Pending)));
            }
        }
        if review.is_none() && removes.is_empty() {
            lines.push(Line::styled("Nothing changes.", t.style(Role::Dim)));
        }
        lines
    }
}

impl Modal for ManageTarget {
    fn contexts(&self) -> Vec<Context> {
        match (&self.filtering, &self.review) {
            (Some(_), _) => vec![Context::Prompt],
            (None, Some((Some(r), _))) if !r.unowned.is_empty() => {
                vec![
                    Context::Adopt,
                    Context::Review,
                    Context::Confirm,
                    Context::List,
                ]
            }
            (None, Some(_)) => vec![Context::Confirm, Context::List],
            (None, None) => vec![Context::Pick, Context::Audit, Context::List],
        }
    }

    fn update(&mut self, a: Action) -> Outcome {
        if self.saving.is_some() {
            return Outcome::None;
        }
        self.error = None;
        if self.filtering.is_some() {
            if matches!(a, Action::Submit | Action::Close) {
                if a == Action::Close {
                    self.list.filter.clear();
                    self.list.refresh(&self.secrets, text_of, None);
                }
                self.filtering = None;
            }
            return Outcome::None;
        }
        if self.review.is_some() {
            return self.review_action(a);
        }
        if navigate(&mut self.list, a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            Action::Filter => {
                self.filtering = Some(Input::new(self.list.filter.clone()));
                Outcome::None
            }
            Action::ToggleSelect => {
                self.toggle();
                Outcome::None
            }
            Action::SelectAll => {
                self.toggle_all();
                Outcome::None
            }
            Action::Submit => self.start_review(),
            _ => Outcome::None,
        }
    }

    fn key(&mut self, k: &KeyEvent) -> Outcome {
        if let Some(input) = &mut self.filtering {
            input.handle_event(&crossterm::event::Event::Key(*k));
            self.list.refilter(input.value(), &self.secrets, text_of);
        }
        Outcome::None
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let t = cx.theme;
        let title = format!("Secrets of {} ({})", self.name, self.target);
        let inner = boxed(cx, f, area, 100, 30, &title);
        let w = inner.width as usize;
        let room = inner.height.saturating_sub(3) as usize;
        let lines = match &self.review {
            None => self.pick_lines(cx, w, room),
            Some((review, removes)) => self.review_lines(cx, w, review.as_ref(), removes),
        };
        // A review longer than the box scrolls (↓): it is never cut.
        let more = lines.len().saturating_sub(room + 1);
        let top = if self.review.is_some() {
            self.scroll.min(more)
        } else {
            0
        };
        let mut lines: Vec<Line> = lines.into_iter().skip(top).take(room + 1).collect();
        while lines.len() < room + 1 {
            lines.push(Line::raw(""));
        }
        lines.push(Line::raw(""));
        let mut hint = super::hints(cx, &self.contexts(), w);
        if self.review.is_some() && more > top {
            hint = format!("↓ {} more · {hint}", more - top);
        }
        lines.push(Line::styled(fit(&hint, w), t.style(Role::Key)));
        f.render_widget(Paragraph::new(lines), inner);
    }

    fn takes_text(&self) -> bool {
        true
    }

    fn paste(&mut self, text: &str) {
        if let Some(input) = &mut self.filtering {
            crate::tui::textarea::paste_into(input, text);
            self.list.refilter(input.value(), &self.secrets, text_of);
        }
    }

    super::form_save!();

    /// The owner refused the change: back to the list (nothing was applied), with why.
    fn refused(&mut self, why: String) {
        self.saving = None;
        self.review = None;
        self.error = Some(why);
    }
}
