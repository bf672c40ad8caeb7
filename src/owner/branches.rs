//! A followed target's branches, now (`branch watch`, `branch seed`, `target add
//! --with-branches`): the same listing and reconciliation the watcher runs, then the
//! push of what it queued, waited for like a command's own change.

use super::Owner;
use crate::ops::{BranchList, BranchRow, Followed, Reply};

impl Owner {
    pub(crate) async fn follow_branches(
        &self,
        target: String,
        seed: Option<String>,
    ) -> Result<Reply, String> {
        // The write goes through an engine; a transient one works no target meanwhile
        // (the push below is limited to the branches).
        let lease = self.lease(Some(Default::default()));
        let changes = crate::engine::branches::follow(
            &self.vault,
            &self.clients,
            &lease.handle,
            &target,
            seed.as_deref(),
        )
        .await;
        lease.done().await;
        let changes = changes?;
        let refs: Vec<String> = changes
            .added
            .iter()
            .chain(&changes.seeded)
            .cloned()
            .collect();
        let rows = self
            .read(move |r| {
                let mut rows = Vec::new();
                for b in refs {
                    rows.extend(r.outbox_rows_of(&b)?);
                }
                Ok(rows)
            })
            .await?;
        let push = self.push_rows(rows).await;
        Ok(Reply::BranchesFollowed(Box::new(Followed {
            changes,
            push,
        })))
    }

    pub(crate) async fn branch_list(&self, target: String) -> Result<Reply, String> {
        self.read(move |r| {
            let parent = r.target(&target)?;
            let mut branches = Vec::new();
            for b in r.branches_of(&target)? {
                branches.push(BranchRow {
                    totals: r.target_totals(&b.project_ref)?,
                    overrides: r.branch_overrides(&b.project_ref)?,
                    target: b,
                });
            }
            Ok(Reply::Branches(Box::new(BranchList { parent, branches })))
        })
        .await
    }
}
