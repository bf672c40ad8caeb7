//! Shared helpers: start an emulator, make a vault, run the binary.
#![allow(dead_code)]

pub mod emulator;
pub mod skip;
pub mod tmux;
pub mod vault;
