//! Mapping in bulk: many secrets x many targets. Every target is listed first (names
//! keyward does not own must be adopted, and everything there counts toward the cap),
//! then the pairs are written in a few large transactions. A refused pair never stops
//! the others: a group with a refusal is written again target by target, and a target
//! with one pair by pair, so each refusal is reported and every other pair lands.

use std::collections::{BTreeMap, BTreeSet};

use super::Owner;
use crate::ops::{Change, MapRequest, Mapped, Outcome, Reply};

/// How many targets are listed at once to check their names (the clients keep to the
/// rate budgets whatever this is).
const LISTINGS_AT_ONCE: usize = 16;

/// Pairs per transaction: 50 secrets x 200 targets made 200 durable commits, one per
/// target (a fifth of the CPU and most of the wall time at zero latency); groups of
/// whole targets up to this many pairs make ten, and never hold the writer (the engine,
/// other front ends) for more than about a tenth of a second.
const PAIRS_PER_WRITE: usize = 1_000;

/// One (secret, target) mapping to make, and how a refusal names it.
#[derive(Clone)]
struct Pair {
    secret: String,
    target: String,
    change: Change,
}

/// What a committed write mapped, and the (target, variable) rows it queued.
type Written = (Vec<Outcome>, Vec<(String, String)>);

impl Owner {
    pub(super) async fn map(&self, via: Option<String>, m: MapRequest) -> Result<Reply, String> {
        if m.env_name.is_some() && m.secrets.len() > 1 {
            return Err(
                "--as names the variable of one secret: map the secrets one at a time".into(),
            );
        }
        let remote = self.list_names(&m.targets).await?;
        let mut out = Mapped::default();
        let mut rows = Vec::new();
        let per_write = (PAIRS_PER_WRITE / m.secrets.len().max(1)).max(1);
        for group in m.targets.chunks(per_write) {
            let pairs: Vec<Pair> = group
                .iter()
                .flat_map(|t| {
                    m.secrets.iter().map(|(p, n)| Pair {
                        secret: format!("{p}/{n}"),
                        target: t.clone(),
                        change: Change::Map {
                            project: p.clone(),
                            name: n.clone(),
                            target: t.clone(),
                            env_name: m.env_name.clone(),
                            adopt: m.adopt,
                            remote: remote.get(t).cloned(),
                        },
                    })
                })
                .collect();
            self.map_group(&via, pairs, m.push, &mut out, &mut rows)
                .await;
        }
        out.push = self.push_rows(rows).await;
        Ok(Reply::Mapped(out))
    }

    /// Every target's names at once (bounded); a target that cannot be listed stops the
    /// whole map before anything is written.
    async fn list_names(
        &self,
        targets: &[String],
    ) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        use futures_util::stream::{self, StreamExt};
        let mut listed: BTreeMap<String, Result<BTreeSet<String>, String>> =
            stream::iter(targets.iter().cloned())
                .map(|t| async move {
                    let names = self.remote_names(t.clone()).await;
                    (t, names)
                })
                .buffer_unordered(LISTINGS_AT_ONCE)
                .collect()
                .await;
        let mut remote = BTreeMap::new();
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

    /// Writes `pairs` (whole targets) in one transaction; if that is refused, each
    /// target in its own, and a refused target pair by pair.
    async fn map_group(
        &self,
        via: &Option<String>,
        pairs: Vec<Pair>,
        push: bool,
        out: &mut Mapped,
        rows: &mut Vec<(String, String)>,
    ) {
        let targets: BTreeSet<&str> = pairs.iter().map(|p| p.target.as_str()).collect();
        if targets.len() > 1 {
            if let Ok(done) = self.write_pairs(via, &pairs, push).await {
                return record(out, rows, &pairs, done);
            }
        }
        let mut by_target: BTreeMap<&str, Vec<Pair>> = BTreeMap::new();
        for p in &pairs {
            by_target.entry(&p.target).or_default().push(p.clone());
        }
        // In the order asked for, as the report lists them.
        let mut order: Vec<&str> = Vec::new();
        for p in &pairs {
            if order.last() != Some(&p.target.as_str()) {
                order.push(&p.target);
            }
        }
        for t in order {
            let Some(mine) = by_target.remove(t) else {
                continue;
            };
            if let Ok(done) = self.write_pairs(via, &mine, push).await {
                record(out, rows, &mine, done);
                continue;
            }
            for p in mine {
                match self.write_pairs(via, std::slice::from_ref(&p), push).await {
                    Ok(done) => record(out, rows, std::slice::from_ref(&p), done),
                    Err(e) => out
                        .refused
                        .push(format!("{} -> {}: {e}", p.secret, p.target)),
                }
            }
        }
    }

    /// One durable transaction for `pairs`: all of them or none.
    async fn write_pairs(
        &self,
        via: &Option<String>,
        pairs: &[Pair],
        push: bool,
    ) -> Result<Written, String> {
        let batch: Vec<Change> = pairs.iter().map(|p| p.change.clone()).collect();
        self.write(via.clone(), move |tx| {
            let mut outcomes = Vec::with_capacity(batch.len());
            for change in batch {
                outcomes.push(super::apply(tx, change)?);
            }
            let touched = if push { tx.queued_rows()? } else { Vec::new() };
            Ok((outcomes, touched))
        })
        .await
    }
}

fn record(out: &mut Mapped, rows: &mut Vec<(String, String)>, pairs: &[Pair], done: Written) {
    let (outcomes, touched) = done;
    for (p, o) in pairs.iter().zip(outcomes) {
        if let Outcome::Mapped(names) = o {
            out.mapped.push((p.secret.clone(), p.target.clone(), names));
        }
    }
    rows.extend(touched);
}
