//! Everything that speaks the Supabase Management API: the spec's types (`api`), the
//! client (`Client`), token validation, and an in-process emulator of the same API.
//!
//! Nothing here knows about the vault or the engine.

pub mod api;
pub mod client;
pub mod emulator;
pub mod error;
mod http;
pub mod ratelimit;
pub mod token;

pub use client::{Client, ClientConfig, KeyCheck};
pub use error::{Error, TransportKind};
pub use ratelimit::{Endpoint, RateLimit};
pub use token::{TokenScope, TokenValidation, token_format_warning};
