//! `Request::Map`: many secrets mapped onto many targets, each target listed first.

use std::collections::{BTreeMap, BTreeSet};

use super::Owner;
use crate::ops::{Change, MapRequest, Mapped, Reply};

/// How many targets `map` lists at once to check their names.
const LISTINGS_AT_ONCE: usize = 16;

impl Owner {
    /// Many secrets x many targets: each target listed first (names keyward does not own
    /// must be adopted, and everything there counts toward the cap), then one
    /// transaction per pair, so a refused pair never stops the others.
    pub(super) async fn map(&self, via: Option<String>, m: MapRequest) -> Result<Reply, String> {
        if m.env_name.is_some() && m.secrets.len() > 1 {
            return Err(
                "--as names the variable of one secret: map the secrets one at a time".into(),
            );
        }
        let remote = self.list_targets(&m.targets).await?;
        let mut out = Mapped::default();
        let mut rows = Vec::new();
        for t in &m.targets {
            self.map_onto(
                via.clone(),
                &m,
                t,
                remote.get(t).cloned(),
                &mut out,
                &mut rows,
            )
            .await;
        }
        out.push = self.push_rows(rows).await;
        Ok(Reply::Mapped(out))
    }

    /// Every target's names at once (bounded; the clients keep to the rate budgets).
    async fn list_targets(
        &self,
        targets: &[String],
    ) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        let mut listed: BTreeMap<String, Result<BTreeSet<String>, String>> = {
            use futures_util::stream::{self, StreamExt};
            stream::iter(targets.iter().cloned())
                .map(|t| async move {
                    let names = self.remote_names(t.clone()).await;
                    (t, names)
                })
                .buffer_unordered(LISTINGS_AT_ONCE)
                .collect()
                .await
        };
        let mut remote: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for t in targets {
            match listed.remove(t) {
                Some(Ok(names)) => {
                    remote.insert(t.clone(), names);
                }
                Some(Err(e)) => return Err(format!("cannot list {t} to check its names: {e}")),
                None => {}
            }
        }
        Ok(remote)
    }

    /// The request's secrets mapped onto one target `t`, whose names are `listed`.
    async fn map_onto(
        &self,
        via: Option<String>,
        m: &MapRequest,
        t: &str,
        listed: Option<BTreeSet<String>>,
        out: &mut Mapped,
        rows: &mut Vec<(String, String)>,
    ) {
        let push = m.push;
        let pairs: Vec<(String, Change)> = m
            .secrets
            .iter()
            .map(|(p, n)| {
                let change = Change::Map {
                    project: p.clone(),
                    name: n.clone(),
                    target: t.to_string(),
                    env_name: m.env_name.clone(),
                    adopt: m.adopt,
                    remote: listed.clone(),
                };
                (format!("{p}/{n}"), change)
            })
            .collect();
        // One durable transaction per target; if any pair is refused it is rolled
        // back whole and the target's pairs go one by one, so each refusal is
        // reported and every other pair still lands.
        let batch: Vec<Change> = pairs.iter().map(|(_, c)| c.clone()).collect();
        let whole = self
            .write(via.clone(), move |tx| {
                let mut outcomes = Vec::with_capacity(batch.len());
                for change in batch {
                    outcomes.push(super::apply(tx, change)?);
                }
                let touched = if push { tx.queued_rows()? } else { Vec::new() };
                Ok((outcomes, touched))
            })
            .await;
        if let Ok((outcomes, touched)) = whole {
            for ((secret, _), o) in pairs.iter().zip(outcomes) {
                if let crate::ops::Outcome::Mapped(names) = o {
                    out.mapped.push((secret.clone(), t.to_string(), names));
                }
            }
            rows.extend(touched);
            return;
        }
        for (secret, change) in pairs {
            let done = self
                .write(via.clone(), move |tx| {
                    let o = super::apply(tx, change)?;
                    let touched = if push { tx.queued_rows()? } else { Vec::new() };
                    Ok((o, touched))
                })
                .await;
            match done {
                Ok((crate::ops::Outcome::Mapped(names), touched)) => {
                    out.mapped.push((secret, t.to_string(), names));
                    rows.extend(touched);
                }
                Ok(_) => {}
                Err(e) => out.refused.push(format!("{secret} -> {t}: {e}")),
            }
        }
    }
}
