//! What a sync (or a manage) review found for one target, and how it is said: what
//! would be created, refused, adopted, and whether the target stays under the cap.

use std::collections::{BTreeMap, BTreeSet};

use ratatui::text::Line;

use crate::ops::Change;
use crate::tui::action::Action;
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::keys::Context;
use crate::tui::panes::fit;
use crate::tui::theme::Role;
use crate::vault::names::PROJECT_SECRET_CAP;

/// What review found for one target.
pub struct Review {
    pub target: String,
    pub name: String,
    pub create: Vec<String>,
    pub already: usize,
    /// (variable or secret, why).
    pub refused: Vec<(String, String)>,
    /// Secrets to map: (project, name).
    pub accept: Vec<(String, String)>,
    pub total_after: usize,
    pub over_cap: bool,
    /// Names that exist on Supabase and that keyward did not create: mapped only when
    /// the user chooses to adopt them (the vault's value then replaces them).
    pub unowned: Vec<String>,
    /// The secrets those names come from: (project, name).
    pub adopt: Vec<(String, String)>,
    /// The names on Supabase now: `None` while they are being listed.
    pub remote: Option<Result<BTreeSet<String>, String>>,
    /// Whether the owner has said which values are too long for Supabase yet.
    pub sizes_known: bool,
}

/// Secrets ("project/name") whose values Supabase would refuse, with why: `None` while
/// the owner is asked.
pub type TooLong = Option<BTreeMap<String, String>>;

impl Review {
    /// Still listing the target's names or checking the values' sizes: nothing can be
    /// confirmed yet.
    pub fn checking(&self) -> bool {
        self.remote.is_none() || !self.sizes_known
    }

    /// The writes for this target: the accepted secrets, plus the ones to adopt when the
    /// user chose to. With the listing, the vault checks the names again as it maps.
    pub fn changes(&mut self, adopt: bool) -> Option<(usize, Vec<Change>)> {
        let pairs = std::mem::take(&mut self.accept);
        let adopted = if adopt {
            std::mem::take(&mut self.adopt)
        } else {
            Vec::new()
        };
        if pairs.is_empty() && adopted.is_empty() {
            return None;
        }
        let remote = self.remote.clone().and_then(Result::ok);
        let n = pairs.len() + adopted.len();
        let map = |(project, name): (String, String), adopt: bool| Change::Map {
            project,
            name,
            target: self.target.clone(),
            env_name: None,
            adopt,
            remote: remote.clone(),
        };
        let mut changes: Vec<Change> = pairs.into_iter().map(|p| map(p, false)).collect();
        changes.extend(adopted.into_iter().map(|p| map(p, true)));
        Some((n, changes))
    }

    /// Its findings, every line whole (wrapped: a reason or a name cut off is lost).
    /// Under a target's heading (the sync review) they are indented, say what would be
    /// created past the cap, and count the secrets mapped there already; the manage
    /// review, of one target, says them plainly.
    pub fn findings(&self, cx: &DrawCtx, w: usize, under_heading: bool) -> Vec<Line<'static>> {
        let t = cx.theme;
        let indent = if under_heading { "  " } else { "" };
        let mut lines = Vec::new();
        let mut put = |role: Role, text: String| {
            for l in crate::tui::modals::text::wrap(&text, w) {
                lines.push(Line::styled(l, t.style(role)));
            }
        };
        if self.over_cap {
            put(
                Role::Failed,
                format!(
                    "{indent}✗ refused: over Supabase's cap of {PROJECT_SECRET_CAP}; bundle related values as one structured secret"
                ),
            );
        }
        if !self.create.is_empty() {
            let verb = if self.over_cap && under_heading {
                "would create"
            } else {
                "create"
            };
            let names = self.create.join(", ");
            put(
                Role::Synced,
                format!("{indent}+ {verb} {}: {names}", self.create.len()),
            );
        }
        for (role, text) in self.remote_lines(cx, indent) {
            put(role, text);
        }
        if under_heading && self.already > 0 {
            put(
                Role::Dim,
                format!("{indent}= {} already mapped there", self.already),
            );
        }
        for (what, why) in &self.refused {
            put(Role::Failed, format!("{indent}✗ {what}: {why}"));
        }
        lines
    }

    /// The review's lines about names on Supabase (listing, unowned ones).
    pub fn remote_lines(&self, cx: &DrawCtx, indent: &str) -> Vec<(Role, String)> {
        let mut l = Vec::new();
        match &self.remote {
            None => l.push((
                Role::Dim,
                format!("{indent}… checking the names on Supabase"),
            )),
            Some(Err(e)) => l.push((
                Role::Failed,
                format!("{indent}? names on Supabase unchecked: {e}"),
            )),
            Some(Ok(names)) => l.push((
                Role::Dim,
                format!("{indent}✓ checked the {} name(s) on Supabase", names.len()),
            )),
        }
        if !self.unowned.is_empty() {
            let key = cx.keymap.key_for(&[Context::Adopt], Action::Adopt);
            l.push((
                Role::Drifted,
                format!(
                    "{indent}! exists on Supabase, not keyward's {}: {}",
                    self.unowned.len(),
                    self.unowned.join(", ")
                ),
            ));
            l.push((
                Role::Dim,
                format!("{indent}  {key}: adopt them too (the vault's values replace theirs)"),
            ));
        }
        l
    }
}

/// What confirming would do on each target, every line whole (a reason or a name cut
/// off is lost).
pub(super) fn review_lines(cx: &DrawCtx, w: usize, reviews: &[Review]) -> Vec<Line<'static>> {
    let t = cx.theme;
    let mut lines = Vec::new();
    lines.push(Line::styled(
        "Before anything is sent (names only, never values):",
        t.style(Role::Title),
    ));
    for r in reviews {
        lines.push(Line::raw(""));
        let cap = format!("{} of {PROJECT_SECRET_CAP} variables after", r.total_after);
        lines.push(Line::styled(
            fit(&format!("{} ({}) · {cap}", r.name, r.target), w),
            t.style(Role::Title),
        ));
        lines.extend(r.findings(cx, w, true));
    }
    lines
}
