//! `keyward project add | list | rm`.

use super::common::{open, print_json};
use super::{CmdResult, GlobalArgs};
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
    /// Remove an empty project
    Rm { name: String },
}

pub fn run(g: &GlobalArgs, c: ProjectCmd) -> CmdResult {
    let vault = open(g)?;
    match c {
        ProjectCmd::Add { name } => {
            vault.write(|tx| tx.add_project(&name))?;
            println!("added the project {name}");
        }
        ProjectCmd::Rm { name } => {
            vault.write(|tx| tx.remove_project(&name))?;
            println!("removed the project {name}");
        }
        ProjectCmd::List { json } => {
            let projects = vault.read()?.projects()?;
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
