//! Preview branches as the vault keeps them: a parent target may follow its branches
//! (`BranchWatch`), and each followed branch is a target of its own (its own ref,
//! health, outbox and ledger) carrying `BranchInfo`, whose mappings are derived from the
//! parent's (`Mapping::inherited`) or override one of them (`Mapping::overrides`).

use serde::{Deserialize, Serialize};

/// "Follow this target's preview branches." None pattern = every non-default branch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchWatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

impl BranchWatch {
    /// The pattern matches the branch's name or its git branch.
    pub fn matches(&self, b: &BranchInfo) -> bool {
        match &self.pattern {
            None => true,
            Some(p) => {
                glob_match(p, &b.name) || b.git_branch.as_deref().is_some_and(|g| glob_match(p, g))
            }
        }
    }
}

/// What the API last said of a followed branch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchInfo {
    /// The target it branches from.
    pub parent: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_branch: Option<String>,
    /// Persistent, or a preview branch (deleted with its pull request).
    pub persistent: bool,
    /// The API's branch status (`CREATING_PROJECT`, `FUNCTIONS_DEPLOYED`, ...).
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_scheduled_at: Option<String>,
    /// Its project takes secrets: the parent's mappings apply to it (seeded).
    #[serde(default)]
    pub ready: bool,
}

impl BranchInfo {
    /// `persistent` or `preview`, as listings and status say it.
    pub fn kind(&self) -> &'static str {
        if self.persistent {
            "persistent"
        } else {
            "preview"
        }
    }

    /// Its API status once ready; `waiting` (the caller's word) before.
    pub fn state<'a>(&'a self, waiting: &'a str) -> &'a str {
        if self.ready { &self.status } else { waiting }
    }
}

/// One branch as a listing gave it, in the vault's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedBranch {
    pub project_ref: String,
    pub is_default: bool,
    pub info: BranchInfo,
}

/// What a reconciliation with a listing did, by branch ref.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchChanges {
    pub added: Vec<String>,
    pub seeded: Vec<String>,
    pub dropped: Vec<String>,
}

impl BranchChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.seeded.is_empty() && self.dropped.is_empty()
    }
}

/// A shell-style glob: `*` any run of characters (`/` included), `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    // The last `*` seen and the text position it was tried at: backtrack there.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("feat/*", "feat/login"));
        assert!(glob_match("preview-??", "preview-42"));
        assert!(!glob_match("preview-??", "preview-420"));
        assert!(glob_match("*-login*", "feat-login-page"));
        assert!(!glob_match("feat/*", "fix/login"));
        assert!(glob_match("", ""));
        assert!(!glob_match("", "x"));
    }

    #[test]
    fn a_pattern_matches_the_name_or_the_git_branch() {
        let b = BranchInfo {
            name: "preview-login".into(),
            git_branch: Some("feat/login".into()),
            ..BranchInfo::default()
        };
        let w = |p: &str| BranchWatch {
            pattern: Some(p.into()),
        };
        assert!(w("preview-*").matches(&b));
        assert!(w("feat/*").matches(&b));
        assert!(!w("fix/*").matches(&b));
        assert!(BranchWatch::default().matches(&b));
    }
}
