//! The push workers under way, by target: at most one batch per target at a time. A
//! worker that ends, even by panicking, frees its own target and no other, so a second
//! batch can never start on a target still in flight.

use std::collections::HashMap;
use std::future::Future;

use tokio::task::{Id, JoinSet};

pub(super) struct Workers<T> {
    set: JoinSet<T>,
    targets: HashMap<Id, String>,
}

impl<T: Send + 'static> Workers<T> {
    pub fn new() -> Self {
        Workers {
            set: JoinSet::new(),
            targets: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The targets with a batch in flight.
    pub fn targets(&self) -> impl Iterator<Item = &str> {
        self.targets.values().map(String::as_str)
    }

    pub fn running(&self, target: &str) -> bool {
        self.targets.values().any(|t| t == target)
    }

    /// Starts `work` on `target` unless a worker runs there already.
    pub fn start(&mut self, target: &str, work: impl Future<Output = T> + Send + 'static) -> bool {
        if self.running(target) {
            return false;
        }
        let h = self.set.spawn(work);
        self.targets.insert(h.id(), target.to_owned());
        true
    }

    /// The next worker to end: its target, and its result (Err: it panicked or was
    /// aborted). None when none runs.
    pub async fn next(&mut self) -> Option<(String, Result<T, tokio::task::JoinError>)> {
        let (id, out) = match self.set.join_next_with_id().await? {
            Ok((id, v)) => (id, Ok(v)),
            Err(e) => (e.id(), Err(e)),
        };
        let target = self.targets.remove(&id).unwrap_or_default();
        Some((target, out))
    }

    pub fn abort_all(&mut self) {
        self.set.abort_all();
        self.targets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_worker_frees_only_its_own_target() {
        let mut w = Workers::new();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        assert!(w.start("slow", async move {
            let _ = rx.await;
            1
        }));
        assert!(w.start("boom", async { panic!("a worker's bug") }));
        // A second batch on a target in flight is refused.
        assert!(!w.start("slow", async { 2 }));
        let (target, out) = w.next().await.unwrap();
        assert_eq!(target, "boom");
        assert!(out.is_err());
        assert!(
            w.running("slow"),
            "the panic freed a target still in flight"
        );
        assert!(!w.start("slow", async { 3 }));
        assert!(w.start("boom", async { 4 }), "its own target is free again");
        tx.send(()).unwrap();
        let mut ended = vec![];
        while let Some((t, out)) = w.next().await {
            ended.push((t, out.unwrap()));
        }
        ended.sort();
        assert_eq!(ended, vec![("boom".into(), 4), ("slow".into(), 1)]);
        assert!(w.is_empty());
    }
}
