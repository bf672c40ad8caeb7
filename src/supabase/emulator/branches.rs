//! Preview branches in the emulator's world: each branch is a project of its own (its
//! own ref, secrets and keys) with a record naming its parent. A branch is created
//! `CREATING_PROJECT` and becomes ready once its `ready_at` passes (or at once); a
//! deletion is immediate, or scheduled (`deletion_scheduled_at`) with `force=false`.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::clock;
use super::reply::ApiError;
use super::world::{SecretRecord, World};
use crate::supabase::api::Branch;

/// How long a scheduled deletion waits (the API's grace period).
const DELETION_GRACE_SECS: i64 = 3600;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BranchRecord {
    pub id: String,
    pub name: String,
    pub parent: String,
    #[serde(default)]
    pub git_branch: Option<String>,
    #[serde(default)]
    pub persistent: bool,
    pub created_at: String,
    /// Unix milliseconds when its project is up; None = ready.
    #[serde(default)]
    pub ready_at: Option<u64>,
    #[serde(default)]
    pub deletion_scheduled_at: Option<String>,
}

/// What a new branch is made of (the API's create body, or a control call).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewBranch {
    pub name: String,
    #[serde(default)]
    pub git_branch: Option<String>,
    #[serde(default)]
    pub persistent: bool,
    /// Milliseconds until it is ready (0: at once).
    #[serde(default)]
    pub ready_after_ms: u64,
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// A fresh project ref: 20 lowercase letters.
fn new_ref() -> String {
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| (b'a' + rng.gen_range(0..26u8)) as char)
        .collect()
}

impl BranchRecord {
    fn view(&self, branch_ref: &str) -> Branch {
        let ready = self.ready_at.is_none_or(|t| t <= now_ms());
        Branch {
            id: self.id.clone(),
            name: self.name.clone(),
            project_ref: branch_ref.to_owned(),
            parent_project_ref: self.parent.clone(),
            is_default: false,
            git_branch: self.git_branch.clone(),
            pr_number: None,
            persistent: self.persistent,
            status: if ready {
                "FUNCTIONS_DEPLOYED"
            } else {
                "CREATING_PROJECT"
            }
            .into(),
            created_at: self.created_at.clone(),
            updated_at: self.created_at.clone(),
            with_data: false,
            deletion_scheduled_at: self.deletion_scheduled_at.clone(),
            preview_project_status: Some(if ready { "ACTIVE_HEALTHY" } else { "COMING_UP" }.into()),
        }
    }
}

impl World {
    /// The project's branches as the API lists them: its default (production) branch
    /// first, then every preview branch.
    pub fn branch_views(&self, parent: &str) -> Vec<Branch> {
        let Some(p) = self.projects.get(parent) else {
            return Vec::new();
        };
        // The default branch's id: a uuid made from the ref, stable across listings.
        let hex = crate::encoding::hex(&parent.as_bytes()[..parent.len().min(6)]);
        let mut out = vec![Branch {
            id: format!("00000000-0000-4000-8000-{hex:0<12}"),
            name: "main".into(),
            project_ref: parent.to_owned(),
            parent_project_ref: parent.to_owned(),
            is_default: true,
            git_branch: Some("main".into()),
            pr_number: None,
            persistent: true,
            status: "FUNCTIONS_DEPLOYED".into(),
            created_at: p.created_at.clone(),
            updated_at: p.created_at.clone(),
            with_data: true,
            deletion_scheduled_at: None,
            preview_project_status: Some("ACTIVE_HEALTHY".into()),
        }];
        out.extend(
            self.branches
                .iter()
                .filter(|(_, b)| b.parent == parent)
                .map(|(r, b)| b.view(r)),
        );
        out
    }

    /// A branch by its ref (or its id).
    pub fn branch_view(&self, id_or_ref: &str) -> Option<Branch> {
        self.branches
            .iter()
            .find(|(r, b)| *r == id_or_ref || b.id == id_or_ref)
            .map(|(r, b)| b.view(r))
    }

    /// Creates a branch of `parent` (a project of its own, with `secrets` set) and
    /// returns it.
    pub fn add_branch(&mut self, parent: &str, b: NewBranch) -> Result<Branch, ApiError> {
        let Some(p) = self.projects.get(parent) else {
            return Err(ApiError::not_found("Project not found"));
        };
        if b.name.is_empty() {
            return Err(ApiError::bad_request("branch_name must not be empty"));
        }
        if self
            .branches
            .values()
            .any(|x| x.parent == parent && x.name == b.name)
            || b.name == "main"
        {
            return Err(ApiError::bad_request(format!(
                "A branch named {} already exists",
                b.name
            )));
        }
        let (name, org) = (
            format!("{} ({})", p.name, b.name),
            p.organization_slug.clone(),
        );
        let r = new_ref();
        self.add_project(&r, &name, &org);
        let now = clock::now_rfc3339();
        if let Some(project) = self.projects.get_mut(&r) {
            project.parent = Some(parent.to_owned());
            for (k, v) in b.secrets {
                project.secrets.insert(
                    k,
                    SecretRecord {
                        value: v,
                        updated_at: now.clone(),
                    },
                );
            }
        }
        let record = BranchRecord {
            id: clock::uuid_v4(),
            name: b.name,
            parent: parent.to_owned(),
            git_branch: b.git_branch,
            persistent: b.persistent,
            created_at: now,
            ready_at: (b.ready_after_ms > 0).then(|| now_ms() + b.ready_after_ms),
            deletion_scheduled_at: None,
        };
        let view = record.view(&r);
        self.branches.insert(r, record);
        Ok(view)
    }

    /// Deletes a branch (its project goes with it), or with `schedule` only marks it
    /// for deletion after the grace period. Returns false when there is no such branch.
    pub fn remove_branch(&mut self, id_or_ref: &str, schedule: bool) -> bool {
        let Some(r) = self
            .branches
            .iter()
            .find(|(r, b)| *r == id_or_ref || b.id == id_or_ref)
            .map(|(r, _)| r.clone())
        else {
            return false;
        };
        if schedule {
            let at = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or_default()
                + DELETION_GRACE_SECS;
            if let Some(b) = self.branches.get_mut(&r) {
                b.deletion_scheduled_at = Some(clock::rfc3339(at, 0));
            }
        } else {
            self.branches.remove(&r);
            self.projects.remove(&r);
        }
        true
    }

    /// Marks a branch ready now. Returns false when there is no such branch.
    pub fn ready_branch(&mut self, id_or_ref: &str) -> bool {
        match self
            .branches
            .iter_mut()
            .find(|(r, b)| *r == id_or_ref || b.id == id_or_ref)
        {
            Some((_, b)) => {
                b.ready_at = None;
                true
            }
            None => false,
        }
    }

    /// The ref of `parent`'s branch called `name`.
    pub fn branch_ref(&self, parent: &str, name: &str) -> Option<String> {
        self.branches
            .iter()
            .find(|(_, b)| b.parent == parent && b.name == name)
            .map(|(r, _)| r.clone())
    }
}
