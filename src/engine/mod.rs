//! The sync engine: a tokio task that is the vault's single writer (Commands in, Events
//! out: `handle`), push workers that work each target's outbox as one batch (`push`,
//! through `clients` and its rate budgets), and the pure parts they use: name rules,
//! the per-target planner, retry/backoff and health, request budgets.

pub mod branches;
pub mod budget;
pub mod clients;
pub mod command;
pub mod config;
pub mod event;
pub mod handle;
pub mod inspect;
pub mod keyrotation;
pub(crate) mod pacing;
pub mod plan;
pub mod push;
pub mod report;
pub mod retry;
pub mod rotation_loop;
pub mod rotator;
pub mod schedule;
pub mod signing;
mod task;
mod workers;

pub use command::{Command, Job};
pub use config::EngineConfig;
pub use event::{BatchSummary, Delta, Event};
pub use handle::{EngineError, EngineHandle, event_channel, start, start_on, start_with};
pub use inspect::{TargetDrift, TargetPlan};
