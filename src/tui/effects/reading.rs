//! Reading what the screens show: a fresh snapshot (at most one in flight), a patch of
//! what changed, the open list modals' rows, a modal's data before it opens, and a
//! value revealed on purpose.

use ratatui::backend::Backend;

use super::{Done, unexpected};
use crate::ops::{Query, Reply, Request};
use crate::tui::effects::Opening;
use crate::tui::modals::AnyModal;
use crate::tui::runner::Tui;

impl<B: Backend> Tui<B> {
    /// Reads what a modal shows, then opens it.
    pub(super) fn open_modal(&mut self, opening: Opening) {
        let query = match &opening {
            Opening::List(m) => m.query(),
            Opening::Editor { project, name } => Some(Query::Secret {
                project: project.clone(),
                name: name.clone(),
            }),
            Opening::Policy { project, name } => Some(Query::Policies {
                project: project.clone(),
                name: name.clone(),
            }),
        };
        let Some(query) = query else {
            if let Opening::List(m) = opening {
                self.app.opened(Ok(*m));
            }
            return;
        };
        self.call(Request::Query(query), move |r| {
            Done::Opened(r.and_then(|reply| {
                use crate::tui::modals::{editor::Editor, policy::PolicyEditor};
                Ok(Box::new(match (opening, reply) {
                    (Opening::List(mut m), reply) => {
                        m.reloaded(&reply);
                        *m
                    }
                    (Opening::Editor { project, .. }, Reply::Secret(meta)) => {
                        AnyModal::Editor(Editor::existing(project, &meta))
                    }
                    (Opening::Policy { project, .. }, Reply::Policies { meta, policies }) => {
                        AnyModal::Policy(PolicyEditor::new(project, &meta, &policies))
                    }
                    (_, other) => return Err(unexpected(&other)),
                }))
            }))
        });
    }

    /// Re-reads only what changed, and the open list modals (an audit entry, a policy:
    /// nothing the panes show, but a modal might).
    pub(crate) fn load_delta(&mut self, d: crate::engine::Delta) {
        self.reload_modals();
        if d.is_empty() {
            return;
        }
        if self.loading {
            // A full read is under way; its answer would race this patch.
            self.load_again = true;
            return;
        }
        self.call(Request::Query(Query::Delta(d)), |r| {
            Done::Patched(r.and_then(|r| match r {
                Reply::Delta(d) => Ok(d),
                other => Err(unexpected(&other)),
            }))
        });
    }

    fn reload_modals(&mut self) {
        for q in self.app.modal_queries() {
            let q2 = q.clone();
            self.call(Request::Query(q), move |r| Done::Reloaded(q2, r));
        }
    }

    /// Reads a fresh snapshot (off the UI task, at most one at a time: changes meanwhile
    /// cause exactly one more), and the open list modals' rows.
    pub(crate) fn load(&mut self) {
        self.reload_modals();
        if self.loading {
            self.load_again = true;
            return;
        }
        self.loading = true;
        self.call(Request::Query(Query::Dashboard), |r| {
            Done::Loaded(r.and_then(|r| match r {
                Reply::Dashboard(d) => Ok(Box::new(crate::tui::data::Snapshot::from_dashboard(*d))),
                other => Err(unexpected(&other)),
            }))
        });
    }

    /// The value of the secret open in the editor, asked for on purpose (audited).
    pub(super) fn reveal(&mut self, project: String, name: String) {
        let (p, n) = (project.clone(), name.clone());
        let q = Query::Reveal {
            project,
            name,
            field: None,
            version: None,
        };
        self.call(Request::Query(q), move |r| {
            Done::Revealed(
                p,
                n,
                r.and_then(|r| match r {
                    Reply::Revealed { value, .. } => Ok(value),
                    other => Err(unexpected(&other)),
                }),
            )
        });
    }
}
