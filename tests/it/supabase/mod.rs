//! The Management API client against the emulator, the emulator's rules, and the
//! conformance of both to the official spec.

mod api_keys;
mod binary;
mod cli;
mod conformance;
mod errors;
mod knobs;
mod openapi;
mod projects;
mod real_shapes;
mod redaction;
mod secrets;
mod signing_keys;

/// A raw HTTP client for requests our client would never send (no token, bad bodies).
pub fn raw() -> reqwest::Client {
    reqwest::Client::new()
}
