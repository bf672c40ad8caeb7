//! Waiting for the engine: until a condition on the vault holds, checked at every engine
//! event and every 100 ms, or a timeout.

use std::time::{Duration, Instant};

use crate::engine::{EngineHandle, Event};
use crate::vault::Vault;

/// Waits until `done` holds, or the timeout passes (false), or the engine stops.
pub(crate) async fn until(
    handle: &EngineHandle,
    vault: &Vault,
    timeout: Option<Duration>,
    done: impl Fn(&Vault) -> bool,
) -> bool {
    let mut events = handle.subscribe();
    let start = Instant::now();
    loop {
        if done(vault) {
            return true;
        }
        if timeout.is_some_and(|t| start.elapsed() >= t) {
            return false;
        }
        let tick = tokio::time::sleep(Duration::from_millis(100));
        tokio::select! {
            e = events.recv() => if let Ok(Event::Stopped) = e { return done(vault) },
            _ = tick => {}
        }
    }
}

/// No open work: the outbox is empty or holds only failures.
pub fn settled(vault: &Vault) -> bool {
    vault
        .read()
        .and_then(|r| r.open_work())
        .map(|open| !open)
        .unwrap_or(true)
}
