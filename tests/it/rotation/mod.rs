//! Rotation: vault-secret policies on schedule, and Supabase API key rotations (dual
//! phase) against the emulator, with a fixed clock the tests move.

mod budget;
mod cli;
mod daemon;
mod keys;
mod keys_faults;
mod kills;
mod legacy;
mod policies;
mod rig;
mod signing;
mod sync;
mod templates;

use std::sync::Arc;

use keyward::engine::handle::{self, EngineHandle};
use keyward::engine::keyrotation::{ClientFor, KeyRotator};
use keyward::engine::retry::RetryPolicy;
use keyward::supabase::emulator::Emulator;
use keyward::vault::{Clock, KeyKind, Millis, NewKeyRotation, Vault};

use crate::support::emulator as emu;
use crate::support::vault::Sandbox;

/// 2026-11-23T01:00:00Z: an hour past midnight UTC.
pub const T0: Millis = 1_795_392_000_000 + 3_600_000;

pub struct World {
    pub sb: Sandbox,
    pub clock: Clock,
    pub vault: Arc<Vault>,
    pub handle: EngineHandle,
}

impl World {
    pub async fn new() -> World {
        let sb = Sandbox::new();
        let clock = Clock::fixed(T0);
        let vault = Arc::new(sb.create_at(clock.clone()));
        vault.write(|tx| tx.add_project("keys").map(drop)).unwrap();
        let (handle, _task) = handle::start(vault.clone());
        World {
            sb,
            clock,
            vault,
            handle,
        }
    }

    /// Simulates a restart: stop the engine, close the vault, reopen the file with the
    /// same clock and start a new engine.
    pub async fn restart(self) -> World {
        let World {
            sb,
            clock,
            vault,
            handle,
        } = self;
        handle.shutdown();
        // Wait until the engine task dropped its reference, then close the file.
        let mut vault = vault;
        let end = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let v = loop {
            match Arc::try_unwrap(vault) {
                Ok(v) => break v,
                Err(again) => {
                    assert!(
                        std::time::Instant::now() < end,
                        "the engine never let go of the vault after shutdown"
                    );
                    vault = again;
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        };
        drop(v);
        let vault = Arc::new(sb.open_at(clock.clone()));
        let (handle, _task) = handle::start(vault.clone());
        World {
            sb,
            clock,
            vault,
            handle,
        }
    }

    pub fn rotator(&self, e: &Emulator) -> KeyRotator {
        let client = emu::client(e, emu::TOKEN);
        let clients: ClientFor = Arc::new(move |_| Ok(client.clone()));
        let mut r = KeyRotator::new(self.vault.clone(), self.handle.clone(), clients);
        r.retry = RetryPolicy {
            first: std::time::Duration::from_secs(60),
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        r
    }

    pub fn add_rotation(&self, name: &str, into: &str, auto: bool) -> Option<String> {
        let n = NewKeyRotation {
            name: name.into(),
            project_ref: emu::REF_A.into(),
            connection: None,
            key_type: KeyKind::Secret,
            every_days: 1,
            at_minute: 0,
            auto,
            into_project: "keys".into(),
            into_name: into.into(),
            grace: None,
        };
        self.vault
            .write(|tx| tx.add_key_rotation(n).map(|(_, w)| w))
            .unwrap()
    }
}
