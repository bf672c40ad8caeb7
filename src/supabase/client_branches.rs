//! The preview-branch calls of the client: list a project's branches, get one by name
//! (what keyward reads), and create, inspect and delete one (what tests and the
//! conformance scenario drive).

use reqwest::Method;

use super::branch_api::{Branch, BranchDeleted, BranchDetail, CreateBranch};
use super::client::{Client, bool_str};
use super::error::{Error, hints};
use super::ratelimit::Endpoint;

impl Client {
    /// Every branch of a project, the default (production) branch included.
    pub async fn list_branches(&self, project_ref: &str) -> Result<Vec<Branch>, Error> {
        let req = self.request(Method::GET, "v1/projects", &[project_ref, "branches"], &[])?;
        self.json(
            Endpoint::ListBranches,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    pub async fn get_branch(&self, project_ref: &str, name: &str) -> Result<Branch, Error> {
        let req = self.request(
            Method::GET,
            "v1/projects",
            &[project_ref, "branches", name],
            &[],
        )?;
        self.json(Endpoint::GetBranch, Some(project_ref), req, hints::DEFAULT)
            .await
    }

    pub async fn create_branch(
        &self,
        project_ref: &str,
        body: &CreateBranch,
    ) -> Result<Branch, Error> {
        let req = self
            .request(Method::POST, "v1/projects", &[project_ref, "branches"], &[])?
            .json(body);
        self.json(
            Endpoint::CreateBranch,
            Some(project_ref),
            req,
            hints::DEFAULT,
        )
        .await
    }

    /// A branch by its own ref.
    pub async fn get_branch_config(&self, branch_ref: &str) -> Result<BranchDetail, Error> {
        let req = self.request(Method::GET, "v1/branches", &[branch_ref], &[])?;
        self.json(Endpoint::GetBranchConfig, None, req, hints::DEFAULT)
            .await
    }

    /// Deletes a branch; `force` false schedules the deletion (a grace period).
    pub async fn delete_branch(&self, branch_ref: &str, force: bool) -> Result<(), Error> {
        let req = self.request(
            Method::DELETE,
            "v1/branches",
            &[branch_ref],
            &[("force", bool_str(force))],
        )?;
        self.json::<BranchDeleted>(Endpoint::DeleteBranch, None, req, hints::DEFAULT)
            .await
            .map(drop)
    }
}
