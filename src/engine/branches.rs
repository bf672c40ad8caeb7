//! Watching preview branches: for every target that follows its branches, one listing
//! per interval (within the rate budgets), reconciled into branch targets through the
//! engine (the single writer), which then pushes whatever that queued like any other
//! work. A failed listing is logged and tried at the next interval; it never counts
//! against the parent's health.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::clients::Clients;
use super::event::Event;
use super::handle::EngineHandle;
use crate::supabase::api::Branch;
use crate::vault::{BranchChanges, BranchInfo, ListedBranch, Vault};

/// A listed branch in the vault's terms.
pub fn listed(b: &Branch) -> ListedBranch {
    ListedBranch {
        project_ref: b.project_ref.clone(),
        is_default: b.is_default,
        info: BranchInfo {
            parent: b.parent_project_ref.clone(),
            name: b.name.clone(),
            git_branch: b.git_branch.clone(),
            persistent: b.persistent,
            status: b.status.clone(),
            preview_status: b.preview_project_status.clone(),
            deletion_scheduled_at: b.deletion_scheduled_at.clone(),
            ready: b.is_ready(),
        },
    }
}

/// Where a followed target's branches are read: its connection and client.
async fn reach(
    vault: &Arc<Vault>,
    clients: &Clients,
    parent: &str,
) -> Result<crate::supabase::Client, String> {
    let v = vault.clone();
    let p = parent.to_string();
    let conn = tokio::task::spawn_blocking(move || {
        let r = v.read()?;
        let t = r.target(&p)?;
        r.connection(&t.connection)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    clients.client(&conn)
}

/// Lists `parent`'s branches (one request) and reconciles them. `seed`: read only that
/// branch by name and seed it even before it reports ready.
pub async fn follow(
    vault: &Arc<Vault>,
    clients: &Clients,
    handle: &EngineHandle,
    parent: &str,
    seed: Option<&str>,
) -> Result<BranchChanges, String> {
    let client = reach(vault, clients, parent).await?;
    let listing: Vec<Branch> = match seed {
        None => client
            .list_branches(parent)
            .await
            .map_err(|e| format!("cannot list the branches of {parent}: {e}"))?,
        Some(name) => vec![find_branch(&client, parent, name).await?],
    };
    let rows: Vec<ListedBranch> = listing.iter().map(listed).collect();
    if let Some(name) = seed {
        check_seedable(vault, parent, name, &rows).await?;
    }
    let p = parent.to_string();
    let only = seed.map(|_| {
        rows.first()
            .map(|l| l.project_ref.clone())
            .unwrap_or_default()
    });
    let force = seed.is_some();
    let changes = handle
        .write(None, move |tx| {
            tx.reconcile_branches(&p, &rows, only.as_deref(), force)
        })
        .await
        .map_err(|e| e.to_string())?;
    if !changes.is_empty() {
        handle.notify(Event::Branches {
            parent: parent.to_string(),
            changes: changes.clone(),
            error: None,
        });
    }
    Ok(changes)
}

/// The branch `name` of `parent`: by its name, or else by its git branch (what CI
/// knows) in the listing.
async fn find_branch(
    client: &crate::supabase::Client,
    parent: &str,
    name: &str,
) -> Result<Branch, String> {
    let got = client.get_branch(parent, name).await;
    let found = match got {
        Ok(b) => Some(b),
        // Not a branch name: perhaps its git branch (what CI knows), found in
        // the listing.
        Err(crate::supabase::Error::NotFound { .. }) => client
            .list_branches(parent)
            .await
            .map_err(|e| format!("cannot list the branches of {parent}: {e}"))?
            .into_iter()
            .find(|b| b.git_branch.as_deref() == Some(name)),
        Err(e) => return Err(format!("cannot read the branch {name} of {parent}: {e}")),
    };
    found.ok_or_else(|| {
        format!(
            "{parent} has no branch {name}: check the name (`keyward branch list {parent}` shows the followed ones)"
        )
    })
}

/// A branch may be seeded only if `parent` follows its branches and it is not the
/// default branch, matches the pattern and is not scheduled for deletion.
async fn check_seedable(
    vault: &Arc<Vault>,
    parent: &str,
    name: &str,
    rows: &[ListedBranch],
) -> Result<(), String> {
    let watch = {
        let v = vault.clone();
        let p = parent.to_string();
        tokio::task::spawn_blocking(move || v.read()?.target(&p))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
            .branches
    };
    let Some(w) = watch else {
        return Err(format!(
            "{parent} does not follow its branches: `keyward branch watch {parent}` first"
        ));
    };
    if rows.iter().any(|l| l.is_default) {
        return Err(format!(
            "{name} is the default branch of {parent}: it is {parent} itself"
        ));
    }
    if rows.iter().any(|l| !w.matches(&l.info)) {
        return Err(format!(
            "the branch {name} does not match {parent}'s pattern {}: change it with `keyward branch watch {parent} --branches PATTERN`",
            w.pattern.as_deref().unwrap_or("*")
        ));
    }
    if rows.iter().any(|l| l.info.deletion_scheduled_at.is_some()) {
        return Err(format!(
            "the branch {name} is scheduled for deletion: keyward writes nothing to it"
        ));
    }
    Ok(())
}

/// The loop: lists each followed target when its interval has passed (a newly followed
/// one at once), waking on vault changes to notice new ones.
pub struct Watcher {
    pub vault: Arc<Vault>,
    pub clients: Arc<Clients>,
    pub handle: EngineHandle,
    pub every: Duration,
    pub stop: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Watcher {
    /// Followed targets, by ref.
    fn parents(&self) -> Vec<String> {
        self.vault
            .read()
            .and_then(|r| r.targets())
            .map(|ts| {
                ts.into_iter()
                    .filter(|t| t.branches.is_some() && !t.removing)
                    .map(|t| t.project_ref)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn run(mut self) {
        let mut events = self.handle.subscribe();
        let mut stop = self.stop.take();
        let mut listed: HashMap<String, Instant> = HashMap::new();
        loop {
            let parents = self.parents();
            listed.retain(|p, _| parents.contains(p));
            let mut next = self.every;
            for p in parents {
                let due = listed.get(&p).is_none_or(|t| t.elapsed() >= self.every);
                if !due {
                    next = next.min(self.every.saturating_sub(listed[&p].elapsed()));
                    continue;
                }
                listed.insert(p.clone(), Instant::now());
                match follow(&self.vault, &self.clients, &self.handle, &p, None).await {
                    Ok(_) => {}
                    Err(e) if e.contains("has stopped") => return,
                    Err(e) => {
                        tracing::warn!("branches: {e}");
                        self.handle.notify(Event::Branches {
                            parent: p.clone(),
                            changes: BranchChanges::default(),
                            error: Some(e),
                        });
                    }
                }
            }
            let wait = next.max(Duration::from_millis(50));
            if !super::schedule::wait_or_change(&mut events, stop.as_mut(), wait).await {
                return;
            }
        }
    }
}
