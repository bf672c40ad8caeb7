//! The caller's rate budget, consulted around every request a [`Client`] sends: the
//! one place a wait for the window the API announced happens, whoever asks (sync,
//! inspection, key rotations, the keys view). A 429 is met by waiting its Retry-After
//! and sending again, never reported as a failure, when a gate is set.
//!
//! [`Client`]: super::Client

use std::time::Duration;

use super::ratelimit::{Endpoint, RateLimit};

pub trait Gate: Send + Sync {
    /// How long to wait before sending to (endpoint, project); `None`: send now (the
    /// request is counted against the budget).
    fn wait(&self, endpoint: Endpoint, project: Option<&str>) -> Option<Duration>;

    /// What an answer said: its rate-limit headers, and for a 429 the wait it asked.
    fn observed(
        &self,
        endpoint: Endpoint,
        project: Option<&str>,
        reading: Option<RateLimit>,
        limited: Option<Duration>,
    );
}
