//! Alerts: hooks and webhooks called when pushes fail or targets turn unhealthy, with
//! throttling and off the sync path; `keyward alert test | list | secret`; and the live
//! event stream of the local API (`GET /v1/events`).

mod daemon;
mod events;
mod hooks;
mod refused;
mod webhook;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Writes an executable shell script.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Polls until `done` holds; 20 s at most.
#[track_caller]
pub fn wait_for(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The JSON documents a hook appended, one per line.
pub fn lines(p: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
