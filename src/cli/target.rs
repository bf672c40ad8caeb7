//! `keyward target add | list | rm`.

use std::sync::Arc;

use super::common::{open, print_json};
use super::connect::remove_wait;
use super::engine_rt::{runtime, stored_client};
use super::{CmdResult, GlobalArgs};

#[derive(clap::Subcommand, Debug)]
pub enum TargetCmd {
    /// Add a Supabase project the connection's token can see
    Add {
        #[arg(value_name = "REF")]
        project_ref: String,
        /// The connection to reach it through (needed when there are several)
        #[arg(long)]
        connection: Option<String>,
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
}

pub fn run(g: &GlobalArgs, c: TargetCmd) -> CmdResult {
    let vault = Arc::new(open(g)?);
    match c {
        TargetCmd::Add {
            project_ref,
            connection,
        } => {
            let conns = vault.read()?.connections()?;
            let conn = match connection {
                Some(n) => vault.read()?.connection(&n)?,
                None if conns.len() == 1 => conns[0].clone(),
                None if conns.is_empty() => {
                    return Err("no connection yet: `keyward connect NAME` first".into());
                }
                None => {
                    let names: Vec<&str> = conns.iter().map(|c| c.name.as_str()).collect();
                    return Err(format!(
                        "there are several connections ({}): pick one with --connection NAME",
                        names.join(", ")
                    )
                    .into());
                }
            };
            let client = stored_client(&vault, &conn)?;
            let rt = runtime()?;
            let project = rt.block_on(async {
                if conn.project_ref.is_some() {
                    return client.get_project(&project_ref).await.map(Some);
                }
                let all = client.list_projects().await?;
                Ok(all.into_iter().find(|p| p.project_ref == project_ref))
            });
            let project = match project {
                Ok(Some(p)) => p,
                Ok(None) | Err(crate::supabase::Error::NotFound { .. }) => {
                    return Err(format!(
                        "the connection {} cannot see a project {project_ref}: check the ref (Project Settings > General) or the token's access",
                        conn.name
                    )
                    .into());
                }
                Err(e) => return Err(e.into()),
            };
            let t = vault.write(|tx| {
                tx.add_target(
                    &project.project_ref,
                    &project.name,
                    &project.organization_slug,
                    &conn.name,
                )
            })?;
            println!(
                "added the target {} ({}, {}) through {}",
                t.project_ref, t.name, t.organization, t.connection
            );
        }
        TargetCmd::List { json } => {
            let r = vault.read()?;
            let targets = r.targets()?;
            if json {
                let mut rows = Vec::new();
                for t in &targets {
                    rows.push(target_json(t, &r.target_totals(&t.project_ref)?));
                }
                return print_json(&rows);
            }
            super::common::hint_if_empty(
                targets.len(),
                "no targets yet: add one with `keyward target add REF` (see `keyward connections`)",
            );
            for t in targets {
                let n = r.target_totals(&t.project_ref)?;
                let health = if t.removing {
                    "removing".to_string()
                } else if t.health.unhealthy {
                    format!("unhealthy ({} failures)", t.health.consecutive_failures)
                } else {
                    "healthy".to_string()
                };
                println!(
                    "{}\t{}\t{}\tvia {}\t{health}\t{} variable(s), {} pending, {} failed",
                    t.project_ref,
                    t.name,
                    t.organization,
                    t.connection,
                    n.variables,
                    n.pending,
                    n.failed
                );
            }
        }
        TargetCmd::Rm { project_ref } => {
            let r = project_ref.clone();
            let names = vault.write(move |tx| tx.remove_target(&r))?;
            remove_wait(&vault, std::slice::from_ref(&project_ref))?;
            println!(
                "removed the target {project_ref}: deleted {} variable(s) keyward had put there",
                names.len()
            );
        }
    }
    Ok(())
}

pub use crate::engine::report::target_json;
