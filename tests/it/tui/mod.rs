//! The dashboard end to end: the real binary in a real terminal (tmux).

pub mod e2e;
mod files;
mod sync;
