//! Effects that reach Supabase through the owner: retry, plan and drift, validating a
//! connection's token, listing projects to add, what a sync review waits for, and the
//! rotations screen's key commands. The footer says "asking Supabase…" meanwhile.

use ratatui::backend::Backend;

use super::{Done, unexpected};
use crate::ops::{Query, Reply, Request, Sensitive};
use crate::tui::action::Action;
use crate::tui::effects::{Ask, KeyCmd};
use crate::tui::keys::Context;
use crate::tui::modals::AnyModal;
use crate::tui::modals::text::Text;
use crate::tui::runner::Tui;

impl<B: Backend> Tui<B> {
    pub(super) fn ask(&mut self, ask: Ask) {
        match ask {
            Ask::Retry => self.retry(),
            Ask::Plan => {
                let adopt_key = self.app.keymap.key_for(&[Context::Adopt], Action::Adopt);
                self.app.say("asking Supabase…");
                self.call(Request::Plan { target: None }, move |r| {
                    Done::Page(r.and_then(|r| match r {
                        Reply::Plans(p) => Ok(Box::new(Text::plan(&p, &adopt_key))),
                        other => Err(unexpected(&other)),
                    }))
                });
            }
            Ask::Drift => {
                self.app.say("asking Supabase…");
                self.call(Request::Drift { target: None }, |r| {
                    Done::Page(r.and_then(|r| match r {
                        Reply::Drift(d) => Ok(Box::new(Text::drift(&d))),
                        other => Err(unexpected(&other)),
                    }))
                });
            }
        }
    }

    fn retry(&mut self) {
        self.app.busy += 1;
        let req = Request::Retry {
            target: None,
            wait: false,
        };
        self.call(req, |r| {
            Done::Wrote(
                None,
                r.and_then(|r| match r {
                    Reply::Retried(t) if t.is_empty() => {
                        Ok(("nothing to retry".into(), Vec::new()))
                    }
                    Reply::Retried(t) => {
                        Ok((format!("retrying now: {}", t.join(", ")), Vec::new()))
                    }
                    other => Err(unexpected(&other)),
                }),
            )
        });
    }

    /// Validates the token against the Management API, then stores the connection.
    pub(super) fn connect(&mut self, name: String, url: String, token: zeroize::Zeroizing<String>) {
        let n = name.clone();
        let req = Request::Connect {
            name,
            url,
            project_ref: None,
            project_url: None,
            insecure_http: false,
            token: Sensitive::from(token),
        };
        self.call(req, move |r| {
            Done::Connected(r.and_then(|r| match r {
                Reply::Connected(c) => Ok(format!(
                    "connected {n}: {} project(s) visible · T, then a, adds one as a target",
                    c.projects_seen
                )),
                other => Err(unexpected(&other)),
            }))
        });
    }

    pub(super) fn list_projects(&mut self) {
        self.call(Request::RemoteProjects, |r| match r {
            Ok(Reply::RemoteProjects { candidates, errors }) => Done::Projects(candidates, errors),
            Ok(other) => Done::Projects(Vec::new(), vec![unexpected(&other)]),
            Err(e) => Done::Projects(Vec::new(), vec![e]),
        });
    }

    /// What a sync review waits for: the values Supabase would refuse, and the names
    /// each target holds there.
    pub(super) fn review(&mut self, targets: Vec<String>, secrets: Vec<(String, String)>) {
        self.call(Request::Query(Query::TooLong { secrets }), |r| {
            Done::TooLong(r.and_then(|r| match r {
                Reply::TooLong(found) => Ok(found),
                other => Err(unexpected(&other)),
            }))
        });
        for t in targets {
            let target = t.clone();
            self.call(Request::RemoteNames { target }, move |r| {
                Done::Remote(
                    t,
                    r.and_then(|r| match r {
                        Reply::Names(n) => Ok(n),
                        other => Err(unexpected(&other)),
                    }),
                )
            });
        }
    }

    pub(super) fn key_rotation(&mut self, form: Option<u64>, cmd: KeyCmd) {
        self.app.say("asking Supabase…");
        let req = match &cmd {
            KeyCmd::RunNow(n) => Request::RotationRun { name: n.clone() },
            KeyCmd::Revoke(n, why) => Request::RotationRevoke {
                name: n.clone(),
                reason: why.clone(),
            },
            KeyCmd::Remove(n) => Request::RotationRemove { name: n.clone() },
        };
        self.call(req, move |r| {
            Done::Wrote(form, r.and_then(|r| rotation_done(cmd, r)))
        });
    }

    pub(super) fn target_keys(&mut self, target: String) {
        self.app.say("asking Supabase…");
        self.call(Request::TargetKeys { target }, |r| {
            Done::Opened(r.and_then(|r| match r {
                Reply::TargetKeys(k) => Ok(Box::new(AnyModal::Keys(
                    crate::tui::modals::keys_view::KeysView::new(*k),
                ))),
                other => Err(unexpected(&other)),
            }))
        });
    }

    pub(super) fn legacy(&mut self, target: String, action: crate::ops::LegacyAction) {
        self.app.say("asking Supabase…");
        let req = Request::LegacyKeys { target, action };
        self.call(req, move |r| {
            Done::Legacy(
                action,
                r.and_then(|r| match r {
                    Reply::LegacyKeys(rep) => Ok(rep),
                    other => Err(unexpected(&other)),
                }),
            )
        });
    }
}

/// What the footer says once a key command is done.
fn rotation_done(cmd: KeyCmd, r: Reply) -> Result<(String, Vec<crate::ops::Outcome>), String> {
    let msg = match (cmd, r) {
        (KeyCmd::RunNow(n), Reply::Rotated(r)) => format!(
            "{n}: rotated to {} (v{} of the secret)",
            r.key_name, r.version
        ),
        (KeyCmd::Revoke(n, _), Reply::Rotated(r)) => {
            format!("{n}: revoked; the new key is {}", r.key_name)
        }
        (KeyCmd::Remove(n), Reply::Removed(d)) => {
            format!("removed {n}: {d} key(s) deleted on Supabase")
        }
        (_, other) => return Err(unexpected(&other)),
    };
    Ok((msg, Vec::new()))
}
