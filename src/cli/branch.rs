//! `keyward branch list | watch | unwatch | seed`: a target's preview branches.

use super::common::{print_json, session, unexpected};
use super::secret::report_push;
use super::{CmdResult, GlobalArgs};
use crate::ops::{BranchList, Change, Query, Reply, Request};
use crate::vault::{BranchChanges, BranchWatch, Target};

#[derive(clap::Subcommand, Debug)]
pub enum BranchCmd {
    /// The followed branches of a target: name, git branch, persistent or preview,
    /// status, scheduled deletion, counts and overrides
    List {
        #[arg(value_name = "REF")]
        project_ref: String,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Follow a target's branches: each matching branch gets the target's mappings
    /// as soon as it is ready (listed now, then by the daemon or dashboard)
    Watch {
        #[arg(value_name = "REF")]
        project_ref: String,
        /// Only branches whose name or git branch matches this glob (`*`, `?`);
        /// default: every non-default branch
        #[arg(long = "branches", value_name = "PATTERN")]
        pattern: Option<String>,
    },
    /// Stop following a target's branches (nothing on them is deleted)
    Unwatch {
        #[arg(value_name = "REF")]
        project_ref: String,
    },
    /// Push a branch's secrets now, even before it reports ready (for CI, right after
    /// the branch is created)
    Seed {
        #[arg(value_name = "REF")]
        project_ref: String,
        /// The branch's name (or its git branch)
        #[arg(value_name = "BRANCH")]
        branch: String,
    },
}

pub fn run(g: &GlobalArgs, c: BranchCmd) -> CmdResult {
    let s = session(g)?;
    match c {
        BranchCmd::List { project_ref, json } => {
            let reply = s.query(Query::Branches {
                target: project_ref,
            })?;
            let Reply::Branches(list) = reply else {
                return Err(unexpected(&reply));
            };
            if json {
                return print_json(&list_json(&list));
            }
            print_list(&list);
        }
        BranchCmd::Watch {
            project_ref,
            pattern,
        } => {
            s.apply(
                g,
                vec![Change::WatchBranches {
                    target: project_ref.clone(),
                    watch: Some(BranchWatch { pattern }),
                }],
                false,
            )?;
            println!("{project_ref} follows its branches");
            follow(&s, project_ref, None)?;
        }
        BranchCmd::Unwatch { project_ref } => {
            s.apply(
                g,
                vec![Change::WatchBranches {
                    target: project_ref.clone(),
                    watch: None,
                }],
                false,
            )?;
            println!("{project_ref} no longer follows its branches (nothing was deleted on them)");
        }
        BranchCmd::Seed {
            project_ref,
            branch,
        } => follow(&s, project_ref, Some(branch))?,
    }
    Ok(())
}

/// Lists (or seeds) now and says what changed.
pub(super) fn follow(
    s: &super::common::Session,
    target: String,
    seed: Option<String>,
) -> CmdResult {
    let reply = s.call(Request::Branches {
        target: target.clone(),
        seed: seed.clone(),
    })?;
    let Reply::BranchesFollowed(f) = reply else {
        return Err(unexpected(&reply));
    };
    let crate::ops::Followed { changes, push } = *f;
    say(&target, &changes);
    if let (Some(b), true) = (&seed, changes.seeded.is_empty() && changes.added.is_empty()) {
        println!("{b} already had its secrets");
    }
    report_push(&push);
    if let Some(p) = &push
        && !p.queued.is_empty()
    {
        return Err(format!(
            "{} branch(es) could not be seeded yet: they stay queued (see `keyward status`)",
            p.queued.len()
        )
        .into());
    }
    Ok(())
}

fn say(target: &str, c: &BranchChanges) {
    for (what, refs) in [
        ("found", &c.added),
        ("seeded", &c.seeded),
        ("dropped", &c.dropped),
    ] {
        if !refs.is_empty() {
            println!(
                "{what} {} branch(es) of {target}: {}",
                refs.len(),
                refs.join(", ")
            );
        }
    }
}

fn status_words(t: &Target) -> String {
    let Some(b) = &t.branch else {
        return String::new();
    };
    let mut s = format!(
        "{}\t{}\t{}\t{}",
        b.name,
        b.git_branch.as_deref().unwrap_or("-"),
        b.kind(),
        b.state("waiting: not ready")
    );
    if let Some(at) = &b.deletion_scheduled_at {
        s.push_str(&format!("\tdeletion scheduled {at}"));
    }
    s
}

fn print_list(l: &BranchList) {
    match &l.parent.branches {
        Some(w) => println!(
            "{} ({}) follows {}",
            l.parent.project_ref,
            l.parent.name,
            w.pattern
                .as_deref()
                .map(|p| format!("the branches matching {p}"))
                .unwrap_or_else(|| "every branch".into())
        ),
        None => println!(
            "{} does not follow its branches: `keyward branch watch {}`",
            l.parent.project_ref, l.parent.project_ref
        ),
    }
    for row in &l.branches {
        println!(
            "  {}\t{}\t{} variable(s), {} pending, {} failed",
            row.target.project_ref,
            status_words(&row.target),
            row.totals.variables,
            row.totals.pending,
            row.totals.failed
        );
        for (of, from) in &row.overrides {
            println!("    {of} overridden by {from}");
        }
    }
}

fn list_json(l: &BranchList) -> serde_json::Value {
    serde_json::json!({
        "ref": l.parent.project_ref,
        "pattern": l.parent.branches.as_ref().and_then(|w| w.pattern.clone()),
        "watching": l.parent.branches.is_some(),
        "branches": l.branches.iter().map(|r| {
            let b = r.target.branch.as_deref().cloned().unwrap_or_default();
            serde_json::json!({
                "ref": r.target.project_ref,
                "name": b.name,
                "git_branch": b.git_branch,
                "persistent": b.persistent,
                "status": b.status,
                "preview_status": b.preview_status,
                "ready": b.ready,
                "deletion_scheduled_at": b.deletion_scheduled_at,
                "healthy": !r.target.health.unhealthy,
                "variables": r.totals.variables,
                "pending": r.totals.pending,
                "failed": r.totals.failed,
                "synced": r.totals.synced,
                "overrides": r.overrides.iter().map(|(of, from)| serde_json::json!({"secret": of, "from": from})).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
    })
}
