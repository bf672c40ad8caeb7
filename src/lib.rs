//! keyward: an encrypted secret vault that keeps Supabase Edge Function secrets in sync.
//!
//! Dependencies point one way: `cli`, `tui`, `serve` -> `front` -> `owner` -> `engine` ->
//! `vault`, `supabase`; `ops` (the vocabulary of requests and replies) is shared by the
//! front ends and the owner. `supabase` knows nothing of the vault; the vault reads only
//! the API's own definitions from it (its limits, the digest a listing reports) for the
//! checks made where a mapping is written. `encoding` (hex, UUID text) and `crypto` (HMAC-SHA256, constant-time
//! comparison) sit below all.
//! Nothing but `tui` (and the CLI's prompts) knows a terminal exists.

pub mod alerts;
pub mod cli;
pub mod crypto;
pub mod encoding;
pub mod engine;
pub mod front;
pub mod ops;
pub mod owner;
pub mod private;
pub mod serve;
pub mod supabase;
pub mod tui;
pub mod vault;
