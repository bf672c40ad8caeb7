//! A change's own push (product.md §4: a change to a mapped secret reaches every target
//! that maps it). The rows a transaction queued are known exactly (the outbox before and
//! after, inside that transaction); the engine works them, limited to their targets when
//! it is started for this, and the caller learns per target whether the change is there
//! or still queued, and why. A failure leaves the work queued: the change itself
//! committed, so the command still succeeds.

use std::collections::BTreeSet;
use std::time::Duration;

use super::Owner;
use crate::ops::{PushReport, Queued};
use crate::vault::{RowState, Vault};

/// How long a command waits for its push; the engine's request timeouts bound each
/// request inside it. KEYWARD_PUSH_TIMEOUT_MS overrides it (tests, slow links).
const PUSH_TIMEOUT: Duration = Duration::from_secs(30);

fn timeout() -> Duration {
    std::env::var("KEYWARD_PUSH_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis)
        .unwrap_or(PUSH_TIMEOUT)
}

fn state(v: &Vault, t: &str, n: &str) -> RowState {
    v.read()
        .and_then(|r| r.outbox_row_state(t, n))
        .unwrap_or(RowState::Failed)
}

impl Owner {
    /// Pushes `rows` ((target, variable) a change queued) and reports; None when the
    /// change queued nothing (an unmapped secret): no engine, no request.
    pub(crate) async fn push_rows(&self, rows: Vec<(String, String)>) -> Option<PushReport> {
        if rows.is_empty() {
            return None;
        }
        let targets: BTreeSet<String> = rows.iter().map(|(t, _)| t.clone()).collect();
        let timeout = timeout();
        let lease = self.lease(Some(targets.clone()));
        lease.handle.kick();
        let vault = self.vault.clone();
        let finished = super::wait::until(&lease.handle, &vault, Some(timeout), |v| {
            rows.iter().all(|(t, n)| state(v, t, n) != RowState::Open)
        })
        .await;
        lease.done().await;
        let status = match self.read(|r| r.sync_status(None)).await {
            Ok(s) => s,
            Err(e) => {
                return Some(PushReport {
                    pushed: Vec::new(),
                    queued: targets
                        .into_iter()
                        .map(|target| Queued {
                            target,
                            reason: e.clone(),
                            refused: false,
                        })
                        .collect(),
                });
            }
        };
        let mut report = PushReport::default();
        for t in targets {
            // A refusal first, then any failure with a reason, then what is still open.
            let mut reason: Option<(String, bool)> = None;
            let mut open = false;
            for (_, n) in rows.iter().filter(|(rt, _)| *rt == t) {
                match state(&vault, &t, n) {
                    RowState::Done => {}
                    RowState::Failed => {
                        let st = status.iter().find(|s| s.target == t && &s.variable == n);
                        if let Some(e) = st.and_then(|s| s.state.error.clone()) {
                            let refused = st.is_some_and(|s| s.state.refused);
                            if reason.as_ref().is_none_or(|(_, r)| !r && refused) {
                                reason = Some((e, refused));
                            }
                        }
                        open = true;
                    }
                    RowState::Open => open = true,
                }
            }
            if !open {
                report.pushed.push(t);
                continue;
            }
            let (reason, refused) = reason.unwrap_or_else(|| {
                let any_failed = rows
                    .iter()
                    .any(|(rt, n)| *rt == t && state(&vault, &t, n) == RowState::Failed);
                let why = if any_failed {
                    "the target is unhealthy (see `keyward status`)".to_string()
                } else if finished {
                    "not pushed yet".to_string()
                } else {
                    format!("not pushed within {} s", timeout.as_secs())
                };
                (why, false)
            });
            report.queued.push(Queued {
                target: t,
                reason,
                refused,
            });
        }
        Some(report)
    }
}
