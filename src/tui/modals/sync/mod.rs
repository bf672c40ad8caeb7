//! Syncing the selected secrets: pick targets (space, A for all), then review what each
//! target would get (variables created, refusals: conflicts, bad names, the 100-variable
//! cap) before anything is written. Confirming maps the accepted secrets in one
//! transaction per target; the engine pushes them and the panes turn synced live.
//! review.rs holds what a review found and its wording.

mod review;

use review::review_lines;
pub use review::{Review, TooLong};

use std::collections::{BTreeMap, BTreeSet};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Modal, Outcome, boxed, navigate, row_style};
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

struct TargetChoice {
    project_ref: String,
    name: String,
    /// Variables keyward manages there now, with the secret each comes from.
    existing: BTreeMap<String, (SecretId, String)>,
}

impl TargetChoice {
    /// Where the `names` of secret `id` stand here: the last conflict found (if any),
    /// the names it would create, and those Supabase holds that keyward did not create.
    fn place(
        &self,
        id: SecretId,
        names: &[String],
        claimed: &BTreeMap<String, String>,
        theirs: &dyn Fn(&str) -> bool,
    ) -> (Option<String>, Vec<String>, Vec<String>) {
        let mut problem = None;
        let mut new = Vec::new();
        let mut taken = Vec::new();
        for n in names {
            if let Some((owner, from)) = self.existing.get(n) {
                if *owner != id {
                    problem = Some(format!("{n} already comes from {from}"));
                }
            } else if let Some(other) = claimed.get(n) {
                problem = Some(format!("{n} would also come from {other}"));
            } else if theirs(n) {
                taken.push(n.clone());
            } else {
                new.push(n.clone());
            }
        }
        (problem, new, taken)
    }

    /// The names on Supabase here that are neither reserved, nor keyward's, nor about
    /// to be created: they count toward the cap.
    fn held_by_others(&self, remote: &BTreeSet<String>, create: &[String]) -> usize {
        remote
            .iter()
            .filter(|n| {
                !n.starts_with(crate::vault::names::RESERVED_PREFIX)
                    && !self.existing.contains_key(*n)
                    && !create.contains(n)
            })
            .count()
    }
}

pub struct SyncFlow {
    secrets: Vec<Listed>,
    targets: Vec<TargetChoice>,
    chosen: BTreeSet<usize>,
    list: ListState,
    review: Option<Vec<Review>>,
    /// Each target's names on Supabase, as they arrive.
    remote: BTreeMap<String, Result<BTreeSet<String>, String>>,
    too_long: TooLong,
    /// The review's first line shown (it scrolls when long).
    scroll: usize,
}

/// The (project, name) of each secret, as the owner's queries take them.
pub fn pairs(secrets: &[Listed]) -> Vec<(String, String)> {
    secrets
        .iter()
        .map(|s| (s.project.clone(), s.meta.name.clone()))
        .collect()
}

/// The variables a secret makes (one, or one per field), by the vault's rule: what
/// mapping it will make, or the reason it will refuse.
fn names_of(s: &Listed) -> Result<Vec<String>, String> {
    crate::vault::names::variables(&s.meta.name, &s.meta.shape, None)
        .map(|v| v.into_iter().map(|(n, _)| n).collect())
        .map_err(|e| e.to_string())
}

impl SyncFlow {
    pub fn new(secrets: Vec<Listed>, data: &Snapshot) -> SyncFlow {
        let label: BTreeMap<SecretId, String> = data
            .secrets
            .iter()
            .map(|s| (s.meta.id, format!("{}/{}", s.project, s.meta.name)))
            .collect();
        let targets: Vec<TargetChoice> = data
            .targets
            .iter()
            .filter(|t| !t.target.removing)
            .map(|t| TargetChoice {
                project_ref: t.target.project_ref.clone(),
                name: t.target.name.clone(),
                existing: t
                    .vars
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.clone(),
                            (v.secret, label.get(&v.secret).cloned().unwrap_or_default()),
                        )
                    })
                    .collect(),
            })
            .collect();
        let mut list = ListState::default();
        list.refresh(&targets, |t| t.name.clone(), None);
        let mut chosen = BTreeSet::new();
        if targets.len() == 1 {
            chosen.insert(0);
        }
        SyncFlow {
            secrets,
            targets,
            chosen,
            list,
            review: None,
            remote: BTreeMap::new(),
            too_long: None,
            scroll: 0,
        }
    }

    /// The review of mapping `secrets` to one target (for the manage screen).
    pub fn review_for(
        secrets: Vec<Listed>,
        data: &Snapshot,
        target: &str,
        remote: Option<Result<BTreeSet<String>, String>>,
        too_long: TooLong,
    ) -> Option<Review> {
        let mut f = SyncFlow::new(secrets, data);
        if let Some(r) = remote {
            f.remote.insert(target.to_string(), r);
        }
        f.too_long = too_long;
        let t = f.targets.iter().find(|t| t.project_ref == target)?;
        Some(f.review_one(t))
    }

    /// A target's names on Supabase arrived: its review is redone with them.
    pub fn remote_names(&mut self, target: &str, names: Result<BTreeSet<String>, String>) {
        self.remote.insert(target.to_string(), names);
        self.redo();
    }

    /// The owner said which values are too long for Supabase: the review is redone.
    pub fn too_long(&mut self, found: BTreeMap<String, String>) {
        self.too_long = Some(found);
        self.redo();
    }

    fn redo(&mut self) {
        if self.review.is_some() {
            self.review = Some(
                self.chosen
                    .iter()
                    .map(|i| self.review_one(&self.targets[*i]))
                    .collect(),
            );
        }
    }

    fn review_one(&self, t: &TargetChoice) -> Review {
        let mut r = Review {
            target: t.project_ref.clone(),
            name: t.name.clone(),
            create: Vec::new(),
            already: 0,
            refused: Vec::new(),
            accept: Vec::new(),
            total_after: t.existing.len(),
            over_cap: false,
            unowned: Vec::new(),
            adopt: Vec::new(),
            remote: self.remote.get(&t.project_ref).cloned(),
            sizes_known: self.too_long.is_some(),
        };
        let remote = self
            .remote
            .get(&t.project_ref)
            .and_then(|r| r.as_ref().ok());
        let theirs = |n: &str| remote.is_some_and(|r| r.contains(n));
        let mut claimed: BTreeMap<String, String> = BTreeMap::new();
        for s in &self.secrets {
            let addr = format!("{}/{}", s.project, s.meta.name);
            // Refused here, before confirming: Supabase would refuse the value anyway.
            if let Some(why) = self.too_long.as_ref().and_then(|t| t.get(&addr)) {
                r.refused.push((addr, why.clone()));
                continue;
            }
            let names = match names_of(s) {
                Ok(n) => n,
                Err(e) => {
                    r.refused.push((addr, e));
                    continue;
                }
            };
            let (problem, new, taken) = t.place(s.meta.id, &names, &claimed, &theirs);
            match problem {
                Some(p) => r.refused.push((addr, p)),
                None if !taken.is_empty() => {
                    for n in new.iter().chain(&taken) {
                        claimed.insert(n.clone(), addr.clone());
                    }
                    r.unowned.extend(taken);
                    r.adopt.push((s.project.clone(), s.meta.name.clone()));
                }
                None if new.is_empty() => r.already += 1,
                None => {
                    for n in &new {
                        claimed.insert(n.clone(), addr.clone());
                    }
                    r.create.extend(new);
                    r.accept.push((s.project.clone(), s.meta.name.clone()));
                }
            }
        }
        r.total_after += r.create.len();
        // Names others hold there count toward the cap too.
        if let Some(remote) = remote {
            r.total_after += t.held_by_others(remote, &r.create);
        }
        if r.total_after > PROJECT_SECRET_CAP {
            r.over_cap = true;
        }
        r
    }
}

impl SyncFlow {
    /// The targets to choose from, marked when chosen.
    fn choice_lines(&self, cx: &DrawCtx, w: usize, room: usize) -> Vec<Line<'static>> {
        let t = cx.theme;
        let mut lines = Vec::new();
        lines.push(Line::styled("Choose targets:", t.style(Role::Title)));
        for pos in self.list.window(room.saturating_sub(1)) {
            let i = self.list.visible[pos];
            let c = &self.targets[i];
            let mark = if self.chosen.contains(&i) {
                "[x]"
            } else {
                "[ ]"
            };
            let text = format!(
                "{mark} {} ({}) · {} variables now",
                c.name,
                c.project_ref,
                c.existing.len()
            );
            lines.push(Line::styled(
                fit(&text, w),
                row_style(cx, pos == self.list.selected),
            ));
        }
        lines
    }
}

impl Modal for SyncFlow {
    /// Keys of the review: adopting is offered only when there is something to adopt.
    fn contexts(&self) -> Vec<Context> {
        match &self.review {
            Some(rs) if rs.iter().any(|r| !r.unowned.is_empty()) => {
                vec![
                    Context::Adopt,
                    Context::Review,
                    Context::Confirm,
                    Context::List,
                ]
            }
            Some(_) => vec![Context::Confirm, Context::List],
            None => vec![Context::Pick, Context::List],
        }
    }

    fn update(&mut self, a: Action) -> Outcome {
        if let Some(reviews) = &mut self.review {
            return match a {
                Action::Down | Action::PageDown => {
                    self.scroll += if a == Action::Down { 1 } else { 10 };
                    Outcome::None
                }
                Action::Up | Action::PageUp => {
                    self.scroll = self
                        .scroll
                        .saturating_sub(if a == Action::Up { 1 } else { 10 });
                    Outcome::None
                }
                _ if reviews.iter().any(Review::checking) && a != Action::Close => Outcome::Say(
                    "still checking the names on Supabase: confirm once the review says checked"
                        .into(),
                ),
                Action::Submit | Action::Adopt => {
                    let mut effects = Vec::new();
                    for r in reviews.iter_mut().filter(|r| !r.over_cap) {
                        if let Some((n, changes)) = r.changes(a == Action::Adopt) {
                            let done = format!(
                                "syncing {n} secret(s) to {}: watch the mappings pane",
                                r.name
                            );
                            effects.push(Effect::Write { changes, done });
                        }
                    }
                    Outcome::Many(effects)
                }
                _ => Outcome::Close,
            };
        }
        if navigate(&mut self.list, a) {
            return Outcome::None;
        }
        match a {
            Action::Close => Outcome::Close,
            Action::ToggleSelect => {
                if let Some(i) = self.list.current() {
                    if !self.chosen.remove(&i) {
                        self.chosen.insert(i);
                    }
                }
                Outcome::None
            }
            Action::SelectAll => {
                if self.chosen.len() == self.targets.len() {
                    self.chosen.clear();
                } else {
                    self.chosen = (0..self.targets.len()).collect();
                }
                Outcome::None
            }
            Action::Submit if !self.chosen.is_empty() => {
                let reviews = self
                    .chosen
                    .iter()
                    .map(|i| self.review_one(&self.targets[*i]))
                    .collect();
                self.review = Some(reviews);
                let targets = self
                    .chosen
                    .iter()
                    .map(|i| self.targets[*i].project_ref.clone())
                    .collect();
                Outcome::Effect {
                    effect: Effect::Review {
                        targets,
                        secrets: pairs(&self.secrets),
                    },
                    close: false,
                }
            }
            _ => Outcome::None,
        }
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let t = cx.theme;
        let title = format!("Sync {} secret(s)", self.secrets.len());
        let inner = boxed(cx, f, area, 100, 30, &title);
        let w = inner.width as usize;
        let room = inner.height.saturating_sub(2) as usize;
        let lines = match &self.review {
            None => self.choice_lines(cx, w, room),
            Some(reviews) => review_lines(cx, w, reviews),
        };
        // A review longer than the box scrolls (↓): it is never cut.
        let more = lines.len().saturating_sub(room);
        let top = self.scroll.min(more);
        let mut lines: Vec<Line> = lines.into_iter().skip(top).take(room).collect();
        while lines.len() < room {
            lines.push(Line::raw(""));
        }
        lines.push(Line::raw(""));
        let mut hint = super::hints(cx, &self.contexts(), w);
        if more > top {
            hint = format!("↓ {} more · {hint}", more - top);
        }
        lines.push(Line::styled(fit(&hint, w), t.style(Role::Key)));
        f.render_widget(Paragraph::new(lines), inner);
    }
}
