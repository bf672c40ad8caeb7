//! Mapping in bulk: many secrets x many targets. Every target is listed first (names
//! keyward does not own must be adopted, and everything there counts toward the cap),
//! then the pairs are written in a few large transactions. A refused pair never stops
//! the others: a group with a refusal is written again target by target, and a target
//! with one pair by pair, so each refusal is reported and every other pair lands.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::Owner;
use crate::ops::{MapRequest, Mapped, Outcome, Reply};
use crate::vault::How;

/// How many targets are listed at once to check their names (the clients keep to the
/// rate budgets whatever this is).
const LISTINGS_AT_ONCE: usize = 16;

/// Pairs per transaction: 50 secrets x 200 targets made 200 durable commits, one per
/// target (a fifth of the CPU and most of the wall time at zero latency); groups of
/// whole targets up to this many pairs make four, and hold the writer (the engine,
/// other front ends) for about a quarter of a second at most.
const PAIRS_PER_WRITE: usize = 2_500;

/// One (secret, target) mapping to make.
#[derive(Clone)]
struct Pair {
    project: String,
    name: String,
    target: String,
}

impl Pair {
    /// How the report names the secret: project/name.
    fn label(&self) -> String {
        format!("{}/{}", self.project, self.name)
    }
}

/// What every pair of one request shares: the targets' names as listed (read by
/// reference: a copy per pair of a target's 50 names was a third of a bulk map onto
/// targets that already hold variables), the variable name, adoption.
struct Shared {
    remote: BTreeMap<String, BTreeSet<String>>,
    env_name: Option<String>,
    adopt: bool,
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
        let shared = Arc::new(Shared {
            remote: self.list_names(&m.targets).await?,
            env_name: m.env_name.clone(),
            adopt: m.adopt,
        });
        let mut out = Mapped::default();
        let mut rows = Vec::new();
        let per_write = (PAIRS_PER_WRITE / m.secrets.len().max(1)).max(1);
        for group in m.targets.chunks(per_write) {
            let pairs: Vec<Pair> = group
                .iter()
                .flat_map(|t| {
                    m.secrets.iter().map(|(p, n)| Pair {
                        project: p.clone(),
                        name: n.clone(),
                        target: t.clone(),
                    })
                })
                .collect();
            self.map_group(&via, &shared, pairs, m.push, &mut out, &mut rows)
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
        shared: &Arc<Shared>,
        pairs: Vec<Pair>,
        push: bool,
        out: &mut Mapped,
        rows: &mut Vec<(String, String)>,
    ) {
        // Pairs come target by target, in the order asked for (as the report lists them).
        let by_target: Vec<&[Pair]> = pairs.chunk_by(|a, b| a.target == b.target).collect();
        if by_target.len() > 1 {
            if let Ok(done) = self.write_pairs(via, shared, &pairs, push).await {
                return record(out, rows, &pairs, done);
            }
        }
        for mine in by_target {
            if let Ok(done) = self.write_pairs(via, shared, mine, push).await {
                record(out, rows, mine, done);
                continue;
            }
            for p in mine {
                match self
                    .write_pairs(via, shared, std::slice::from_ref(p), push)
                    .await
                {
                    Ok(done) => record(out, rows, std::slice::from_ref(p), done),
                    Err(e) => out
                        .refused
                        .push(format!("{} -> {}: {e}", p.label(), p.target)),
                }
            }
        }
    }

    /// One durable transaction for `pairs`: all of them or none. Each pair is what
    /// `Change::Map` applies (`WriteTx::map`), with the listing borrowed, and the pairs
    /// share the records they read (`Mapper`).
    async fn write_pairs(
        &self,
        via: &Option<String>,
        shared: &Arc<Shared>,
        pairs: &[Pair],
        push: bool,
    ) -> Result<Written, String> {
        let batch = pairs.to_vec();
        let shared = shared.clone();
        self.write(via.clone(), move |tx| {
            let mut outcomes = Vec::with_capacity(batch.len());
            let mut mapper = tx.mapper();
            for p in &batch {
                let how = How {
                    env_name: shared.env_name.as_deref(),
                    adopt: shared.adopt,
                    remote: shared.remote.get(&p.target),
                };
                let names = mapper.map(&p.project, &p.name, &p.target, how)?;
                outcomes.push(Outcome::Mapped(names));
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
            out.mapped.push((p.label(), p.target.clone(), names));
        }
    }
    rows.extend(touched);
}
