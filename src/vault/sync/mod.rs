//! What the sync engine keeps in the vault: connections, targets (and followed preview
//! branches), mappings, the outbox, the per-variable state and ledger, and the batch
//! reads and outcome writes the engine makes. `record` holds the types.

pub(super) mod batch;
pub(super) mod branches;
pub(super) mod connections;
pub(super) mod mapper;
pub(super) mod mappings;
pub(super) mod outbox;
pub(super) mod outbox_watch;
pub(super) mod record;
pub(super) mod states;
pub(super) mod targets;
