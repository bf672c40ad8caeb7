//! The main view's tasks beyond browsing: projects (new, rename, remove), trash with
//! what it deletes on Supabase, find in every project, `.env` import and export, the
//! targets screen, help. Each builds the same `ops` requests the command line sends.

use super::{App, Focus};
use crate::ops::Change;
use crate::tui::action::Action;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::modals::form::{Field, Form};
use crate::tui::modals::{self, AnyModal};

impl App {
    pub(crate) fn open_help(&mut self) {
        let h = modals::help::Help::new(&self.keymap, &self.warnings);
        self.modals.push(AnyModal::Help(h));
    }

    /// The engine went idle after a sync started here: the footer says how it ended.
    pub(crate) fn sync_finished(&mut self) {
        let t = self.data.totals;
        let text = format!(
            "sync finished: ✓{} synced · ✗{} failed · …{} pending (enter on a failed row says why)",
            t.synced, t.failed, t.pending
        );
        if t.failed > 0 {
            self.fail(text)
        } else {
            self.say(text)
        }
    }

    /// Shows `project/name` in the panes, whatever the filters were.
    pub(crate) fn select(&mut self, project: &str, name: &str) {
        self.projects.list.filter.clear();
        self.projects.refresh(&self.data);
        if let Some(i) = self
            .data
            .projects
            .iter()
            .position(|(p, _)| p.name == project)
        {
            self.projects.list.selected = self
                .projects
                .list
                .visible
                .iter()
                .position(|v| *v == i)
                .unwrap_or(0);
        }
        self.secrets.list.filter.clear();
        let items = self.data.secrets_of(project);
        self.secrets
            .list
            .refresh(items, |s| s.meta.name.clone(), None);
        if let Some(i) = items.iter().position(|s| s.meta.name == name) {
            self.secrets.list.selected = i;
        }
        self.secrets.moved(&self.data);
        self.secrets.refresh(&self.data, Some(project));
        self.focus = Focus::Secrets;
        self.mappings.list.selected = 0;
        let n = self
            .selected_listed()
            .map(|s| self.data.vars_of(s.meta.id).len())
            .unwrap_or(0);
        self.mappings.refresh(n);
    }

    pub(crate) fn new_project(&mut self) {
        let form = Form::new(
            "New project",
            "A project groups secrets (\"billing-api\"). Names are 1 to 64 characters, without '/'.",
            vec![Field::new("name", "")],
            Box::new(|v: &[&str]| {
                let name = v[0].trim().to_string();
                Ok(Effect::Write {
                    done: format!("created the project {name}: n adds a secret to it"),
                    changes: vec![Change::AddProject { name }],
                })
            }),
        );
        self.focus = Focus::Projects;
        self.modals.push(AnyModal::Form(form));
    }

    pub(crate) fn rename_project(&mut self) {
        let Some(p) = self.projects.current(&self.data).map(str::to_string) else {
            return self.fail("no project to rename: n creates one");
        };
        let old = p.clone();
        let form = Form::new(
            &format!("Rename the project {p}"),
            "Its secrets, their history and mappings stay as they are; key rotations that write into it follow it.",
            vec![Field::new("new name", &p)],
            Box::new(move |v: &[&str]| {
                let new_name = v[0].trim().to_string();
                Ok(Effect::Write {
                    done: format!("renamed the project {old} to {new_name}"),
                    changes: vec![Change::RenameProject {
                        name: old.clone(),
                        new_name,
                    }],
                })
            }),
        );
        self.modals.push(AnyModal::Form(form));
    }

    pub(crate) fn remove_project(&mut self) {
        let Some((p, n)) = self
            .projects
            .current(&self.data)
            .and_then(|p| self.data.projects.iter().find(|(x, _)| x.name == p))
            .map(|(p, n)| (p.name.clone(), *n))
        else {
            return self.fail("no project to remove");
        };
        if n > 0 {
            let trash = self.keymap.key_for(&[Context::Main], Action::Trash);
            return self.fail(format!(
                "{p} still holds {n} secret(s): move them to the trash ({trash}) and purge them there first"
            ));
        }
        let q = format!(
            "Remove the empty project {p}? Secrets of it still in the trash must be purged first."
        );
        let effect = Effect::Write {
            done: format!("removed the project {p}"),
            changes: vec![Change::RemoveProject { name: p }],
        };
        self.modals
            .push(AnyModal::Confirm(modals::confirm::Confirm::new(q, effect)));
    }

    /// `d`: asks first, saying which variables on which targets are deleted now.
    pub(crate) fn trash_selected(&mut self) {
        let Some(s) = self.selected_listed() else {
            return;
        };
        let (p, n) = (s.project.clone(), s.meta.name.clone());
        let vars = self.data.vars_of(s.meta.id);
        let mut q = format!("Move {p}/{n} to the trash? It can be restored for 30 days.");
        if !vars.is_empty() {
            let mut by_target: Vec<(String, Vec<&str>)> = Vec::new();
            for (t, var, _) in &vars {
                match by_target.iter_mut().find(|(n, _)| *n == t.target.name) {
                    Some((_, v)) => v.push(var),
                    None => by_target.push((t.target.name.clone(), vec![var])),
                }
            }
            let on: Vec<String> = by_target
                .iter()
                .map(|(t, v)| format!("{} on {t}", v.join(", ")))
                .collect();
            q = format!(
                "{q} Deleted from Supabase now (restoring pushes them again): {}.",
                on.join("; ")
            );
        }
        let effect = Effect::Write {
            changes: vec![Change::Trash {
                project: p.clone(),
                name: n.clone(),
            }],
            done: format!("moved {p}/{n} to the trash (t opens it)"),
        };
        self.modals
            .push(AnyModal::Confirm(modals::confirm::Confirm::new(q, effect)));
    }

    pub(crate) fn open_find(&mut self) {
        let f = modals::find::Find::new(&self.data);
        self.modals.push(AnyModal::Find(f));
    }

    pub(crate) fn import_env(&mut self) {
        let Some(p) = self.projects.current(&self.data).map(str::to_string) else {
            return self.fail("no project yet: n in the projects pane creates one");
        };
        let project = p.clone();
        let form = Form::new(
            &format!("Import a .env file into {p}"),
            "Each KEY=VALUE line becomes a secret named KEY. You see what would be created and updated (names only) before anything is written.",
            vec![Field::new("file", ".env")],
            Box::new(move |v: &[&str]| {
                let path = v[0].trim();
                if path.is_empty() {
                    return Err("give the path of a .env file".into());
                }
                Ok(Effect::ImportPreview {
                    project: project.clone(),
                    path: path.to_string(),
                })
            }),
        );
        self.modals.push(AnyModal::Form(form));
    }

    pub(crate) fn export_env(&mut self) {
        let Some(p) = self.projects.current(&self.data).map(str::to_string) else {
            return self.fail("no project yet: n in the projects pane creates one");
        };
        let project = p.clone();
        let form = Form::new(
            &format!("Export {p} as a .env file"),
            "Every secret's value is written to a new file only you can read (0600); the export is recorded in the audit log. An existing file is never overwritten.",
            vec![Field::new("file", &format!("{p}.env"))],
            Box::new(move |v: &[&str]| {
                let path = v[0].trim();
                if path.is_empty() {
                    return Err("give the path of the file to write".into());
                }
                Ok(Effect::Export {
                    project: project.clone(),
                    path: path.to_string(),
                })
            }),
        );
        self.modals.push(AnyModal::Form(form));
    }

    /// A dry run answered: the form goes, the preview opens with the file's text.
    pub(crate) fn import_previewed(
        &mut self,
        form: Option<u64>,
        project: String,
        r: Result<(crate::ops::Sensitive, Vec<crate::vault::Planned>), String>,
    ) {
        let i = form.and_then(|id| self.modals.iter().position(|m| m.saving() == Some(id)));
        match (r, i) {
            (Ok((text, plan)), i) => {
                if let Some(i) = i {
                    self.modals.remove(i);
                }
                let m = modals::import::ImportReview::new(project, text, plan);
                self.modals.push(AnyModal::Import(m));
            }
            (Err(e), Some(i)) => self.modals[i].refused(e),
            (Err(e), None) => self.fail(e),
        }
    }

    pub(crate) fn open_targets(&mut self) {
        let m = modals::connections::Targets::new(&self.data);
        self.modals.push(AnyModal::Targets(m));
    }

    pub(crate) fn add_target(&mut self) {
        if self.data.connections.is_empty() {
            let c = self.keymap.key_for(&[Context::Main], Action::Connect);
            return self.fail(format!(
                "no connection yet: {c} connects a Supabase account"
            ));
        }
        self.say("listing the projects your tokens can see…");
        self.effect(Effect::ListProjects)
    }
}
