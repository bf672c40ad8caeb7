//! keyward: an encrypted secret vault that keeps Supabase Edge Function secrets in sync.
//!
//! Dependencies point one way: `cli`, `tui`, `serve` -> `front` -> `owner` -> `engine` ->
//! `vault`, `supabase`; `ops` (the vocabulary of requests and replies) is shared by the
//! front ends and the owner. `vault` and `supabase` know nothing of each other; nothing
//! but `tui` (and the CLI's prompts) knows a terminal exists.

pub mod alerts;
pub mod cli;
pub mod engine;
pub mod front;
pub mod ops;
pub mod owner;
pub mod private;
pub mod serve;
pub mod supabase;
pub mod tui;
pub mod vault;
