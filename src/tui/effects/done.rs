//! The answers to the work in flight, and what each does to the app and the runner.

use ratatui::backend::Backend;

use crate::front::Front;
use crate::ops::{Candidate, Outcome as Done_, Query, Reply, Sensitive};
use crate::owner::Listening;
use crate::tui::modals::AnyModal;
use crate::tui::modals::text::Text;
use crate::tui::runner::Tui;
use crate::vault::SecretValue;

/// Work finished: what it found, for the app.
pub(crate) enum Done {
    Unsealed(Result<(), String>),
    /// A change's answer; for a form's change, the form's id.
    Wrote(Option<u64>, Result<(String, Vec<Done_>), String>),
    /// What importing a file would do: (form, project, the file's text and the plan).
    Previewed(
        Option<u64>,
        String,
        Result<(Sensitive, Vec<crate::vault::Planned>), String>,
    ),
    Connected(Result<String, String>),
    /// A snapshot of the panes.
    Loaded(Result<Box<crate::tui::data::Snapshot>, String>),
    /// What changed, to patch the panes with.
    Patched(Result<Box<crate::ops::DashboardDelta>, String>),
    Projects(Vec<Candidate>, Vec<String>),
    /// A target's names on Supabase, for a sync review.
    Remote(String, Result<std::collections::BTreeSet<String>, String>),
    /// Secrets whose values Supabase would refuse, for a sync review.
    TooLong(Result<Vec<(String, String)>, String>),
    /// An engine answer to show as a page, or a failure to show in the footer.
    Page(Result<Box<Text>, String>),
    /// A modal whose data arrived.
    Opened(Result<Box<AnyModal>, String>),
    /// A legacy keys request's report.
    Legacy(
        crate::ops::LegacyAction,
        Result<Box<crate::ops::LegacyReport>, String>,
    ),
    /// A list modal's fresh rows.
    Reloaded(Query, Result<Reply, String>),
    Revealed(String, String, Result<SecretValue, String>),
    /// The vault reopened after its owner went away: attached to a new owner, or opened
    /// here (sealed, at the prompt) and listening for others.
    Reopened(Result<(Front, Option<Listening>), String>),
}

impl<B: Backend> Tui<B> {
    pub(crate) fn finish(&mut self, d: Done) {
        match d {
            Done::Unsealed(Ok(())) => {
                self.app.unsealed();
                tracing::info!("dashboard unsealed the vault");
                self.after_events();
            }
            Done::Unsealed(Err(e)) => {
                tracing::warn!("unseal failed: {e}");
                self.app.unseal_failed(unseal_refused(e));
            }
            Done::Connected(r) => self.app.connect_done(r),
            Done::Loaded(r) => self.loaded(r),
            Done::Patched(r) => match r {
                Ok(d) => self.app.patched(*d),
                Err(_) if self.app.gone => {}
                Err(e) => self.app.fail(format!("cannot read the vault: {e}")),
            },
            Done::Projects(c, e) => {
                self.app.message = None;
                self.app.modals.push(AnyModal::AddTarget(
                    crate::tui::modals::targets::AddTarget::new(c, e),
                ));
            }
            Done::Page(Ok(t)) => {
                self.app.message = None;
                self.app.modals.push(AnyModal::Text(*t));
            }
            Done::Page(Err(e)) => self.app.fail(e),
            Done::Remote(t, r) => self.app.remote_names(&t, r),
            Done::TooLong(r) => self.app.too_long(r),
            Done::Wrote(form, r) => {
                if let Err(e) = &r {
                    tracing::warn!("a change was refused: {e}");
                }
                self.app.write_done(form, r);
            }
            Done::Previewed(form, project, r) => self.app.import_previewed(form, project, r),
            Done::Opened(r) => self.app.opened(r.map(|m| *m)),
            Done::Legacy(action, r) => self.app.legacy_keys(action, r),
            Done::Reloaded(q, r) => self.app.reloaded(&q, r),
            Done::Revealed(p, n, r) => self.app.revealed(&p, &n, r),
            Done::Reopened(Ok((front, listening))) => self.reopened(front, listening),
            Done::Reopened(Err(e)) => self.app.fail(e),
        }
    }

    /// A snapshot read: shown, and one more read if a change came meanwhile.
    fn loaded(&mut self, r: Result<Box<crate::tui::data::Snapshot>, String>) {
        self.loading = false;
        match r {
            Ok(s) => self.app.loaded(*s),
            Err(_) if self.app.gone => {}
            Err(e) => self.app.fail(format!("cannot read the vault: {e}")),
        }
        if std::mem::take(&mut self.load_again) {
            self.load();
        }
    }

    /// The vault reopened after its owner went away: at the prompt if sealed.
    fn reopened(&mut self, front: Front, listening: Option<Listening>) {
        self.listening = listening;
        let sealed = front.owner().sealed;
        self.use_front(front);
        self.app.message = None;
        if sealed {
            self.app.sealed_by_owner();
            self.app.say("type the passphrase to open the vault here");
        } else {
            self.app.unsealed();
            self.greet();
            self.after_events();
        }
    }
}

/// Why the passphrase was refused, as the prompt says it.
fn unseal_refused(e: String) -> String {
    if e.starts_with("wrong passphrase") {
        "wrong passphrase: try again".to_string()
    } else {
        e
    }
}
