//! Everything a dashboard shows at once, read in one pass over the secrets' metadata
//! (no sealed record is opened): projects with live counts, live secrets, trash size.

use std::collections::HashMap;

use redb::ReadableTable;

use crate::vault::error::Result;
use crate::vault::secrets::record::{Listed, Project};
use crate::vault::storage::database::{PROJECTS, ReadTx, SECRETS};

#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Overview {
    /// Projects by name, with how many live secrets each holds.
    pub projects: Vec<(Project, usize)>,
    /// Live secrets, sorted by project then name.
    pub secrets: Vec<Listed>,
    pub trashed: usize,
}

impl ReadTx<'_> {
    pub fn overview(&self) -> Result<Overview> {
        let mut projects = Vec::new();
        for row in self.tx.open_table(PROJECTS)?.iter()? {
            let p: Project = serde_json::from_slice(row?.1.value())?;
            projects.push((p, 0usize));
        }
        let index: HashMap<_, _> = projects
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (p.id, i))
            .collect();
        let mut secrets = Vec::new();
        let mut trashed = 0;
        for row in self.tx.open_table(SECRETS)?.iter()? {
            let meta = crate::vault::storage::meta_row::decode_meta(row?.1.value())?;
            if meta.is_trashed() {
                trashed += 1;
                continue;
            }
            let i = index.get(&meta.project).copied();
            let project = match i {
                Some(i) => {
                    projects[i].1 += 1;
                    projects[i].0.name.clone()
                }
                None => String::new(),
            };
            secrets.push(Listed { project, meta });
        }
        secrets.sort_by(|a, b| (&a.project, &a.meta.name).cmp(&(&b.project, &b.meta.name)));
        projects.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        Ok(Overview {
            projects,
            secrets,
            trashed,
        })
    }
}
