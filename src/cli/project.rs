//! `keyward project add | list | rm`.

use super::common::{print_json, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Change, Query, Reply};
use crate::vault::rfc3339;

#[derive(clap::Subcommand, Debug)]
pub enum ProjectCmd {
    /// Create a project
    Add { name: String },
    /// List projects with their number of secrets
    List {
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Rename a project (its secrets, history and access key scopes follow)
    Rename { name: String, new_name: String },
    /// Remove an empty project
    Rm { name: String },
}

pub fn run(g: &GlobalArgs, c: ProjectCmd) -> CmdResult {
    let s = session(g)?;
    match c {
        ProjectCmd::Add { name } => {
            s.apply(g, vec![Change::AddProject { name: name.clone() }], false)?;
            println!("added the project {name}");
        }
        ProjectCmd::Rename { name, new_name } => {
            let change = Change::RenameProject {
                name: name.clone(),
                new_name: new_name.clone(),
            };
            s.apply(g, vec![change], false)?;
            println!("renamed the project {name} to {new_name}");
        }
        ProjectCmd::Rm { name } => {
            s.apply(g, vec![Change::RemoveProject { name: name.clone() }], false)?;
            println!("removed the project {name}");
        }
        ProjectCmd::List { json } => {
            let projects = match s.query(Query::Projects)? {
                Reply::Projects(p) => p,
                other => return Err(unexpected(&other)),
            };
            if json {
                let rows: Vec<_> = projects
                    .iter()
                    .map(|(p, n)| serde_json::json!({ "name": p.name, "secrets": n, "created": rfc3339(p.created) }))
                    .collect();
                return print_json(&rows);
            }
            super::common::hint_if_empty(
                projects.len(),
                "no projects yet: add one with `keyward project add NAME`",
            );
            for (p, n) in projects {
                println!("{}\t{n} secret(s)", p.name);
            }
        }
    }
    Ok(())
}
