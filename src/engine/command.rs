//! What a front end asks of the engine: the commands its task reads from one mpsc
//! channel. A change travels as a closure over a `WriteTx`, applied by the engine, the
//! single writer, in one durable transaction.

use tokio::sync::oneshot;

use super::inspect::{TargetDrift, TargetPlan};
use crate::vault::{VaultError, WriteTx};

/// A change to apply in one durable write transaction.
pub type Job = Box<dyn FnOnce(&mut WriteTx<'_>) -> Result<(), VaultError> + Send>;

pub(super) type Reply<T> = oneshot::Sender<Result<T, VaultError>>;

pub enum Command {
    Apply {
        job: Job,
        /// The attached front end the change came from (audit), if any.
        via: Option<String>,
        reply: oneshot::Sender<Result<(), VaultError>>,
    },
    /// Something outside the engine changed the outbox (or the user asked): work it now.
    Kick,
    /// Queue every mapped variable (of one target or all) and work it: a full
    /// reconciliation, cheap because unchanged digests are skipped.
    SyncAll {
        target: Option<String>,
        reply: Reply<usize>,
    },
    /// Retry now: clears retry waits and unhealthy marks (one target or all).
    Retry {
        target: Option<String>,
        reply: Reply<Vec<String>>,
    },
    /// Dry run: what a sync would create, update, overwrite and delete.
    Plan {
        target: Option<String>,
        reply: Reply<Vec<TargetPlan>>,
    },
    /// List targets and compare with what keyward pushed; marks drifted variables.
    Drift {
        target: Option<String>,
        reply: Reply<Vec<TargetDrift>>,
    },
    /// The names a target holds now (one listing): what `WriteTx::map` takes as
    /// `remote`, to refuse or adopt names keyward does not own and to count the cap.
    RemoteNames {
        target: String,
        reply: Reply<std::collections::BTreeSet<String>>,
    },
    Shutdown,
}
