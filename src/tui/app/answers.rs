//! What the runner hands back to the app: the vault unsealed or sealed, its owner gone,
//! a change's answer (to the form that sent it), a modal's data, a snapshot or a patch
//! of one, a list's fresh rows, what a sync review waits for.

use super::App;
use crate::ops::Outcome as Done;
use crate::tui::data::Snapshot;
use crate::tui::effects::Effect;
use crate::tui::modals::{self, AnyModal, Modal};
use crate::vault::SecretValue;

impl App {
    /// The vault is open: the panes load (the runner reads them), the prompt goes.
    pub fn unsealed(&mut self) {
        self.modals.retain(|m| !matches!(m, AnyModal::Unseal(_)));
        self.open = true;
        self.stale = true;
        match self.warnings.first() {
            // A broken config file is said where it stays until the next key.
            Some(w) => self.fail(format!("unsealed, but {w}")),
            None => self.say("unsealed: ? shows every key"),
        }
    }

    /// The owner forgot its key (`keyward seal`): the prompt is back, to unseal it again.
    pub fn sealed_by_owner(&mut self) {
        self.open = false;
        if !self.modals.iter().any(|m| matches!(m, AnyModal::Unseal(_))) {
            self.modals
                .push(AnyModal::Unseal(modals::unseal::Unseal::default()));
        }
        self.fail(
            "the vault was sealed (`keyward seal`): type the passphrase to unseal it, esc quits",
        );
    }

    /// The owner this dashboard was attached to is gone: say so once, offer the way on.
    pub fn owner_gone(&mut self) {
        self.notice_gone(false);
    }

    /// A change was asked for with the owner gone: the notice, whatever is open.
    pub(super) fn offer_reopen(&mut self) {
        self.notice_gone(true);
    }

    fn notice_gone(&mut self, asked: bool) {
        let who = self
            .owner
            .as_ref()
            .map(|o| format!("{} (pid {})", o.command, o.pid))
            .unwrap_or_else(|| "the vault's owner".into());
        self.busy = 0;
        self.progress = None;
        self.gone = true;
        self.message = None;
        if self
            .modals
            .iter()
            .any(|m| matches!(m, AnyModal::OwnerGone(_)))
        {
            return;
        }
        // Someone typing into a form keeps typing into it: the notice waits for the
        // moment they try to save (every change offers it then), not steal their keys.
        if !asked && self.modals.last().is_some_and(|m| m.takes_text()) {
            return self.fail(format!("{who} stopped: saving offers to reopen the vault"));
        }
        self.modals
            .push(AnyModal::OwnerGone(modals::gone::OwnerGone::new(who)));
    }

    pub fn unseal_failed(&mut self, why: String) {
        if let Some(AnyModal::Unseal(u)) = self.modals.last_mut() {
            u.failed(why);
        }
    }

    /// The outcome of a token validation for the connect modal.
    pub fn connect_done(&mut self, result: Result<String, String>) {
        match result {
            Ok(m) => {
                self.modals.retain(|m| !matches!(m, AnyModal::Connect(_)));
                self.say(m);
            }
            Err(e) => match self.modals.last_mut() {
                Some(AnyModal::Connect(c)) => c.refused(e),
                _ => self.fail(e),
            },
        }
    }

    pub fn write_done(&mut self, form: Option<u64>, result: Result<(String, Vec<Done>), String>) {
        self.busy = self.busy.saturating_sub(1);
        // A form's answer goes to the form: it closes, or it shows why not, input kept.
        if let Some(i) = form.and_then(|id| self.modals.iter().position(|m| m.saving() == Some(id)))
        {
            match &result {
                Ok(_) => {
                    self.modals.remove(i);
                }
                Err(e) => {
                    self.modals[i].refused(crate::tui::words::dashboard(e));
                    return;
                }
            }
        }
        match result {
            Ok((m, outcomes)) => {
                for o in outcomes {
                    if let Done::AccessKey { info, key } = o {
                        for m in &mut self.modals {
                            if let AnyModal::AccessKeys(a) = m {
                                a.created(info.id.clone(), info.name.clone(), key.clone());
                            }
                        }
                    }
                }
                self.say(m)
            }
            Err(e) => self.fail(e),
        }
    }

    /// A modal's data arrived: it opens on top.
    pub fn opened(&mut self, m: Result<AnyModal, String>) {
        match m {
            Ok(m) => {
                self.message = None;
                self.modals.push(m);
            }
            Err(e) => self.fail(e),
        }
    }

    /// A legacy keys report: a disable's plan becomes its question; a change done
    /// shows what the check after it found, and the keys view under it follows.
    pub fn legacy_keys(
        &mut self,
        action: crate::ops::LegacyAction,
        r: Result<Box<crate::ops::LegacyReport>, String>,
    ) {
        use crate::ops::LegacyAction;
        use modals::keys_view::disable_question;
        let rep = match r {
            Ok(rep) => rep,
            Err(e) => return self.fail(e),
        };
        self.message = None;
        let view = self.modals.iter_mut().rev().find_map(|m| match m {
            AnyModal::Keys(k) if k.target() == rep.target => Some(k),
            _ => None,
        });
        if let Some(v) = view {
            v.legacy_changed(rep.enabled);
        }
        match action {
            LegacyAction::Disable { confirm: false } if rep.enabled == Some(true) => {
                let key = self.keymap.key_for(
                    &[crate::tui::keys::Context::KeysView],
                    crate::tui::action::Action::LegacyKeys,
                );
                let effect = Effect::Legacy {
                    target: rep.target.clone(),
                    action: LegacyAction::Disable { confirm: true },
                };
                let q = disable_question(&rep, &key);
                self.modals
                    .push(AnyModal::Confirm(modals::confirm::Confirm::new(q, effect)));
            }
            LegacyAction::Status | LegacyAction::Disable { confirm: false } => {
                self.say(format!("legacy keys of {}: {}", rep.target, rep.state()));
            }
            _ => {
                let lines = rep
                    .lines()
                    .into_iter()
                    .map(|l| (crate::tui::theme::Role::Message, l))
                    .collect();
                let title = format!("Legacy keys of {}", rep.target);
                self.modals
                    .push(AnyModal::Text(modals::text::Text::new(title, lines)));
            }
        }
    }

    /// A revealed value for the editor on top (if it is still that secret's).
    pub fn revealed(&mut self, project: &str, name: &str, v: Result<SecretValue, String>) {
        match (self.modals.last_mut(), v) {
            (Some(AnyModal::Editor(e)), Ok(v))
                if e.saved_secret()
                    .is_some_and(|(p, n)| p == project && n == name) =>
            {
                e.revealed(v)
            }
            (Some(AnyModal::Editor(e)), Err(why)) => e.refused(why),
            (_, Err(why)) => self.fail(why),
            _ => {}
        }
    }

    /// Shows a freshly loaded snapshot (open list modals re-read their own rows).
    pub fn loaded(&mut self, s: Snapshot) {
        self.data = s;
        self.ready = true;
        self.follow_data();
    }

    /// The panes and the screens drawn from the snapshot follow it; a sync that ended
    /// while it was being read says how it ended.
    fn follow_data(&mut self) {
        self.projects.refresh(&self.data);
        self.secrets
            .refresh(&self.data, self.projects.current(&self.data));
        self.refresh_mappings();
        self.refresh_screens();
        self.finished_after_read();
    }

    fn finished_after_read(&mut self) {
        if std::mem::take(&mut self.finish_after_read) {
            self.sync_finished();
        }
    }

    /// Screens drawn from the snapshot follow it.
    fn refresh_screens(&mut self) {
        for m in &mut self.modals {
            if let AnyModal::Targets(t) = m {
                t.refresh(&self.data);
            }
        }
    }

    /// What changed, patched into the panes in place.
    pub fn patched(&mut self, d: crate::ops::DashboardDelta) {
        if !self.ready {
            return;
        }
        self.data.apply(d);
        self.follow_data();
    }

    /// What each open list modal reads to refresh itself.
    pub fn modal_queries(&self) -> Vec<crate::ops::Query> {
        let mut q: Vec<crate::ops::Query> = self.modals.iter().filter_map(|m| m.query()).collect();
        q.dedup();
        q
    }

    /// A list modal's fresh rows: every open modal that asked this applies them.
    pub fn reloaded(&mut self, q: &crate::ops::Query, r: Result<crate::ops::Reply, String>) {
        match r {
            Ok(reply) => {
                for m in &mut self.modals {
                    if m.query().as_ref() == Some(q) {
                        m.reloaded(&reply);
                    }
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// A target's names on Supabase arrived, for the review on top (if still open).
    pub fn remote_names(
        &mut self,
        target: &str,
        names: Result<std::collections::BTreeSet<String>, String>,
    ) {
        match self.modals.last_mut() {
            Some(AnyModal::Sync(m)) => m.remote_names(target, names),
            Some(AnyModal::Manage(m)) => m.remote_names(target, names),
            _ => {}
        }
    }

    /// The secrets whose values Supabase would refuse arrived ("project/name", why), for
    /// the review on top (if still open).
    pub fn too_long(&mut self, found: Result<Vec<(String, String)>, String>) {
        // Unknown (the owner could not say) counts as none: the vault checks again as it
        // maps, and a refusal then keeps the review open with the reason.
        let found: std::collections::BTreeMap<String, String> =
            found.unwrap_or_default().into_iter().collect();
        match self.modals.last_mut() {
            Some(AnyModal::Sync(m)) => m.too_long(found),
            Some(AnyModal::Manage(m)) => m.too_long(found),
            _ => {}
        }
    }
}
