//! `keyward target add | list | rm | keys`.

use super::common::{Session, print_json, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Query, Reply, Request};
use crate::vault::BranchWatch;

#[derive(clap::Subcommand, Debug)]
pub enum TargetCmd {
    /// Add a Supabase project the connection's token can see
    Add {
        #[arg(value_name = "REF")]
        project_ref: String,
        /// The connection to reach it through (needed when there are several)
        #[arg(long)]
        connection: Option<String>,
        /// Follow its preview branches too: each gets its mappings when ready
        #[arg(long)]
        with_branches: bool,
        /// Only branches whose name or git branch matches this glob (`*`, `?`)
        #[arg(long = "branches", value_name = "PATTERN", requires = "with_branches")]
        pattern: Option<String>,
    },
    /// List targets with their health and counts
    List {
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Remove a target: delete every variable keyward put there (only those)
    Rm {
        #[arg(value_name = "REF")]
        project_ref: String,
    },
    /// Every key of a target: API keys (with their JWT templates), the legacy keys'
    /// state, the JWT signing keys; and which rotation manages each
    Keys {
        #[arg(value_name = "REF")]
        project_ref: String,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
}

pub fn run(g: &GlobalArgs, c: TargetCmd) -> CmdResult {
    let s = session(g)?;
    match c {
        TargetCmd::Add {
            project_ref,
            connection,
            with_branches,
            pattern,
        } => add(
            &s,
            project_ref,
            connection,
            with_branches.then_some(BranchWatch { pattern }),
        ),
        TargetCmd::List { json } => list(&s, json),
        TargetCmd::Rm { project_ref } => remove(&s, project_ref),
        TargetCmd::Keys { project_ref, json } => keys(&s, project_ref, json),
    }
}

/// `target add`: the owner checks the project through the connection.
fn add(
    s: &Session,
    project_ref: String,
    connection: Option<String>,
    branches: Option<BranchWatch>,
) -> CmdResult {
    let reply = s.call(Request::AddTarget {
        project_ref,
        connection,
        branches,
    })?;
    let Reply::Target(t) = reply else {
        return Err(unexpected(&reply));
    };
    println!(
        "added the target {} ({}, {}) through {}",
        t.project_ref, t.name, t.organization, t.connection
    );
    if t.branches.is_some() {
        println!(
            "it follows its branches: `keyward branch list {}`",
            t.project_ref
        );
    }
    Ok(())
}

/// `target list`: each target (its branches under it) with health and counts.
fn list(s: &Session, json: bool) -> CmdResult {
    let targets = match s.query(Query::Targets)? {
        Reply::Targets(t) => t,
        other => return Err(unexpected(&other)),
    };
    if json {
        let rows: Vec<_> = crate::engine::report::grouped(&targets, |(t, _)| t)
            .into_iter()
            .map(|(t, n)| target_json(t, n))
            .collect();
        return print_json(&rows);
    }
    super::common::hint_if_empty(
        targets.len(),
        "no targets yet: add one with `keyward target add REF` (see `keyward connections`)",
    );
    for (t, n) in crate::engine::report::grouped(&targets, |(t, _)| t) {
        let health = if t.removing {
            "removing".to_string()
        } else if t.health.unhealthy {
            format!("unhealthy ({} failures)", t.health.consecutive_failures)
        } else {
            "healthy".to_string()
        };
        // A branch under its parent: indented, named as a branch of it.
        let name = match &t.branch {
            Some(b) => format!("branch {} of {}", b.name, b.parent),
            None => t.name.clone(),
        };
        println!(
            "{}{}\t{name}\t{}\tvia {}\t{health}\t{} variable(s), {} pending, {} failed",
            if t.branch.is_some() { "  " } else { "" },
            t.project_ref,
            t.organization,
            t.connection,
            n.variables,
            n.pending,
            n.failed
        );
    }
    Ok(())
}

/// `target rm`: the variables keyward put there are deleted first.
fn remove(s: &Session, project_ref: String) -> CmdResult {
    let reply = s.call(Request::RemoveTarget {
        project_ref: project_ref.clone(),
    })?;
    let Reply::Removed(n) = reply else {
        return Err(unexpected(&reply));
    };
    println!("removed the target {project_ref}: deleted {n} variable(s) keyward had put there");
    Ok(())
}

/// `target keys`: every key of the project; fails if some could not be read.
fn keys(s: &Session, project_ref: String, json: bool) -> CmdResult {
    let reply = s.call(Request::TargetKeys {
        target: project_ref,
    })?;
    let Reply::TargetKeys(k) = reply else {
        return Err(unexpected(&reply));
    };
    if json {
        return print_json(&k);
    }
    for l in k.lines() {
        println!("{l}");
    }
    if let Some(e) = k.errors.first() {
        return Err(format!("{} could not be read: {e}", k.target).into());
    }
    Ok(())
}

pub use crate::engine::report::target_json;
