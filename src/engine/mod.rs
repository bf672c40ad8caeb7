//! The sync engine. So far its pure parts: name rules and the per-target planner; the
//! async task (Commands in, Events out, the single writer) builds on them.

pub mod budget;
pub mod handle;
pub mod keyrotation;
pub mod names;
pub mod plan;
pub mod retry;
pub mod schedule;
