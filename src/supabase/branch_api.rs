//! The preview-branch types of the Management API (`BranchResponse`,
//! `BranchDetailResponse`, `CreateBranchBody`, `BranchDeleteResponse`), shaped like the
//! spec: required fields plain, optional ones skipped when absent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `BranchResponse`: one item of `GET /v1/projects/{ref}/branches`, and
/// `GET /v1/projects/{ref}/branches/{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub id: String,
    pub name: String,
    /// The branch's own project ref: where its Edge Function secrets live.
    pub project_ref: String,
    pub parent_project_ref: String,
    pub is_default: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_number: Option<i32>,
    pub persistent: bool,
    /// Deprecated by the API (action runs replace it) but still required in answers.
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    pub with_data: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_scheduled_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_project_status: Option<String>,
}

impl Branch {
    /// Its project can take secrets: created (not `CREATING_PROJECT`) and, when the
    /// project status is given, up (`ACTIVE_*`).
    pub fn is_ready(&self) -> bool {
        self.status != "CREATING_PROJECT"
            && self
                .preview_project_status
                .as_deref()
                .is_none_or(|s| s.starts_with("ACTIVE_"))
    }
}

/// `BranchDetailResponse`: `GET /v1/branches/{branch_id_or_ref}`. The database password
/// and JWT secret the API may add are not read (keyward has no use for them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchDetail {
    #[serde(rename = "ref")]
    pub branch_ref: String,
    pub postgres_version: String,
    pub postgres_engine: String,
    pub release_channel: String,
    pub status: String,
    pub db_host: String,
    pub db_port: u32,
}

/// `CreateBranchBody`. `secrets` holds plaintext values: Debug never shows them.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateBranch {
    pub branch_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<BTreeMap<String, String>>,
}

impl std::fmt::Debug for CreateBranch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateBranch")
            .field("branch_name", &self.branch_name)
            .field("git_branch", &self.git_branch)
            .field("persistent", &self.persistent)
            .field(
                "secrets",
                &self.secrets.as_ref().map(|s| s.keys().collect::<Vec<_>>()),
            )
            .finish()
    }
}

/// `BranchDeleteResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchDeleted {
    pub message: String,
}
