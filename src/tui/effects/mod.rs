//! The work the app asks for ([`Effect`]s), carried out by the runner as requests to the
//! vault's owner; each request's answer comes back as a [`Done`] that `finish` hands to
//! the app. Nothing here blocks the loop: every request runs as a task.
//!
//! - supabase.rs: questions that reach Supabase (retry, plan, drift, connect, keys).
//! - files.rs: `.env` import and export, and the clipboard.
//! - reading.rs: snapshots, list rows and modals opened once their data is read.
//! - effect.rs: the effects themselves.
//! - done.rs: the answers, and what each does to the app.

mod done;
mod effect;
mod files;
mod reading;
mod supabase;

use std::sync::Arc;

use ratatui::backend::Backend;

pub(super) use done::Done;
pub use effect::{Ask, Effect, KeyCmd, OnReply, Opening};

use super::runner::Tui;
use crate::engine::EngineConfig;
use crate::front::Front;
use crate::ops::{Change, Reply, Request, Sensitive, UnsealWith};
use crate::owner::{Host, Listening};
use crate::vault::SealedVault;

impl<B: Backend> Tui<B> {
    /// One effect; `form` is the form waiting for its answer, if any.
    pub(crate) fn perform_one(&mut self, e: Effect, form: Option<u64>) {
        match e {
            Effect::Form(id, inner) => self.perform_one(*inner, Some(id)),
            Effect::Call { request, done } => {
                self.call(request, move |r| {
                    Done::Wrote(form, r.and_then(done).map(|m| (m, Vec::new())))
                });
            }
            Effect::ImportPreview { project, path } => self.import_preview(form, project, path),
            Effect::Export { project, path } => self.export(form, project, path),
            Effect::Copy(value) => self.copy(&value),
            Effect::Unseal(pass) => {
                use age::secrecy::ExposeSecret;
                let with = UnsealWith::Passphrase(Sensitive::new(pass.expose_secret()));
                self.call(Request::Unseal(with), |r| Done::Unsealed(r.map(|_| ())));
            }
            Effect::Ask(ask) => self.ask(ask),
            Effect::Connect { name, url, token } => self.connect(name, url, token),
            Effect::ListProjects => self.list_projects(),
            Effect::Review { targets, secrets } => self.review(targets, secrets),
            Effect::KeyRotation(cmd) => self.key_rotation(form, cmd),
            Effect::TargetKeys(target) => self.target_keys(target),
            Effect::Legacy { target, action } => self.legacy(target, action),
            Effect::Write { changes, done } => self.write(form, changes, done),
            Effect::Open(opening) => self.open_modal(opening),
            Effect::Reveal { project, name } => self.reveal(project, name),
            Effect::Reopen => self.reopen(),
        }
    }

    /// Changes in one transaction; `done` is the footer's word once they committed.
    fn write(&mut self, form: Option<u64>, changes: Vec<Change>, done: String) {
        let req = Request::Apply {
            changes,
            push: false,
        };
        self.call(req, move |r| {
            Done::Wrote(
                form,
                r.and_then(|r| match r {
                    Reply::Applied(a) => Ok((done, a.outcomes)),
                    other => Err(unexpected(&other)),
                }),
            )
        });
    }

    /// The owner went away: attach to the owner now running, else open the vault here
    /// (at the unseal prompt) and own it.
    fn reopen(&mut self) {
        let path = match self.front() {
            Some(f) => std::path::PathBuf::from(f.owner().vault),
            None => return,
        };
        let config = self.config.clone();
        self.app.say("opening the vault…");
        self.tasks.push(Box::pin(async move {
            Done::Reopened(reopen(path, config).await)
        }));
    }
}

/// Why an answer of the wrong kind is refused (an owner of another version).
pub(super) fn unexpected(r: &Reply) -> String {
    format!(
        "the vault's owner answered `{}`, which this dashboard does not expect: restart the owner with this version",
        r.kind()
    )
}

/// Attaches to the owner now running, else opens the vault here (sealed, for the
/// prompt) and listens for other front ends.
async fn reopen(
    path: std::path::PathBuf,
    config: EngineConfig,
) -> Result<(Front, Option<Listening>), String> {
    let label = crate::vault::command_label();
    if let Some(a) = crate::front::attach(&path, &label).await? {
        return Ok((Front::Attached(Arc::new(a)), None));
    }
    let p = path.clone();
    let sealed =
        tokio::task::spawn_blocking(move || SealedVault::open(&p, crate::vault::Clock::system()))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    let host = Host::sealed(sealed, config);
    let listening = crate::owner::listen(host.clone()).await.ok();
    Ok((Front::Local(host), listening))
}
