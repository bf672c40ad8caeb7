//! `keyward alert list | test KIND` in the owner: the alerts it runs (the config file it
//! read when it started) with their last delivery from the audit log, and a sample
//! event sent to every alert listening to a kind, right now, without throttling.

use crate::alerts::{AUDIT_ACTION, Alert, Delivery, How, Kind};
use crate::ops::{AlertRow, Reply};

use super::Owner;

impl Owner {
    /// The config file's problem, if it was not used.
    fn alerts_usable(&self) -> Result<(), String> {
        match &self.alerts.problem {
            Some(p) => Err(format!("alerts are off: {p}")),
            None => Ok(()),
        }
    }

    pub(crate) async fn alert_list(&self) -> Result<Reply, String> {
        self.alerts_usable()?;
        let specs = self.alerts.alerts.clone();
        let file = self.alerts.file.as_ref().map(|p| p.display().to_string());
        self.read(move |r| {
            let entries = r.audit_entries(Some(AUDIT_ACTION))?;
            let mut rows = Vec::new();
            for s in specs {
                let last = entries.iter().rev().find(|e| e.event.subject == s.name);
                rows.push(AlertRow {
                    name: s.name.clone(),
                    on: s.on.iter().copied().collect(),
                    how: s.target_text(),
                    interval_secs: s.interval.as_secs(),
                    signing_secret: match s.how {
                        How::Url(_) => Some(r.alert_secret(&s.name)?.is_some()),
                        How::Run(_) => None,
                    },
                    last_at: last.map(|e| e.event.at),
                    last_ok: last.map(|e| e.event.outcome == crate::vault::Outcome::Ok),
                    last_detail: last.map(|e| e.event.detail.clone()),
                });
            }
            Ok(Reply::Alerts { file, alerts: rows })
        })
        .await
    }

    pub(crate) async fn alert_test(
        &self,
        via: Option<String>,
        kind: Kind,
    ) -> Result<Reply, String> {
        self.alerts_usable()?;
        let specs: Vec<_> = self.alerts.listening(kind).cloned().collect();
        if specs.is_empty() {
            let file = match &self.alerts.file {
                Some(p) => p.display().to_string(),
                None => crate::alerts::config::path()
                    .map_or("the config file".into(), |p| p.display().to_string()),
            };
            return Err(format!(
                "no alert listens to {kind}: add an [[alert]] with on = [\"{kind}\"] to {file} and restart the owner (docs/user-guide.md \"Alerts\")"
            ));
        }
        let sample = Alert::sample(kind, self.vault.clock().now());
        let runs = specs
            .iter()
            .map(|s| crate::alerts::deliver(s, &sample, &self.vault));
        let done: Vec<Delivery> = futures_util::future::join_all(runs).await;
        for d in &done {
            let _ = self.events.send(d.event());
            let d = d.clone();
            self.write(via.clone(), move |tx| d.audit(tx)).await?;
        }
        Ok(Reply::AlertTest(done))
    }
}
