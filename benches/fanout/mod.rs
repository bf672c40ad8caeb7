//! What the fan-out benches (sync, branches) share: a fresh vault with a cheap KDF, the
//! engine's settings with their one override said in each bench's header, and the wait
//! for an empty outbox.

use std::time::Duration;

use age::secrecy::SecretString;
use keyward::engine::{EngineConfig, retry::RetryPolicy};
use keyward::vault::{InitOptions, Vault};

/// The bench's account token on the emulator.
pub const TOKEN: &str = "sbp_1111111111111111111111111111111111111111";

/// A new vault in `dir` (scrypt work factor 1: the KDF is not what is measured).
pub fn fresh_vault(dir: &std::path::Path) -> Vault {
    let opts = InitOptions {
        passphrase: SecretString::from("bench"),
        recipients: vec![],
        work_factor: Some(1),
    };
    Vault::create(&dir.join("v.redb"), &opts).expect("vault")
}

/// The engine's defaults with `parallelism`, and a first retry after 100 ms instead of
/// 2 minutes, so a rare failed batch cannot stall a run.
pub fn engine_config(parallelism: usize) -> EngineConfig {
    EngineConfig {
        parallelism,
        retry: RetryPolicy {
            first: Duration::from_millis(100),
            ..RetryPolicy::default()
        },
        ..EngineConfig::default()
    }
}

/// Waits until the outbox is empty.
pub fn wait_drained(v: &Vault) {
    let drained = |v: &Vault| {
        v.read()
            .and_then(|r| r.outbox_totals())
            .map(|t| t.0 == 0)
            .unwrap_or(false)
    };
    while !drained(v) {
        std::thread::sleep(Duration::from_millis(2));
    }
}
