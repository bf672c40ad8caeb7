//! Everything that speaks the Supabase Management API: the spec's types (`api`), the
//! client (`Client`), token validation (`token`), and an in-process emulator of the same
//! API (`emulator`). Nothing here knows about the vault or the engine.
//!
//! - One [`Client`] per connection (instance URL + token); clone it freely, share it
//!   across tasks. Every call returns its value or an [`Error`] whose Display is one line
//!   a user can act on.
//! - Rate limits are per token, project and endpoint; the client keeps the latest
//!   `x-ratelimit-*` reading per ([`Endpoint`], project) in [`Client::rate_limit`], and
//!   a client given a [`Gate`] (`Client::with_gate`) waits its budget before every
//!   request and meets a 429 by waiting.
//! - Upserts of more than 100 secrets are refused (`Error::BatchTooLarge`), never split,
//!   so a batch stays atomic; deletes are sent in chunks of 100.
//! - [`emulator::Emulator::start`] serves the same API on loopback for tests, benchmarks
//!   and the demo.

pub mod api;
mod auth_keys;
mod body;
pub mod branch_api;
pub mod client;
mod client_branches;
mod client_keys;
pub mod emulator;
pub mod error;
pub mod gate;
mod http;
pub mod ratelimit;
pub mod token;

pub use body::MAX_BODY_BYTES;
pub use client::{Client, ClientConfig, KeyCheck};
pub use error::{Error, TransportKind};
pub use gate::Gate;
pub use http::{cleartext_remote_host, is_loopback_url};
pub use ratelimit::{Endpoint, RateLimit};
pub use token::{TokenScope, TokenValidation, token_format_warning};
