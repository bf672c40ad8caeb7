//! The dashboard end to end: the real binary in a real terminal (tmux).

mod day;
pub mod e2e;
mod files;
mod sync;
