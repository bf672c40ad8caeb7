//! keyward: an encrypted secret vault that keeps Supabase Edge Function secrets in sync.
//!
//! Dependencies point one way: `cli` -> `vault`, `supabase`. `vault` and `supabase`
//! know nothing of each other; nothing here but the (future) `tui` knows ratatui exists.

pub mod cli;
pub mod engine;
pub mod serve;
pub mod supabase;
pub mod tui;
pub mod vault;
