//! The sync engine against the emulator: connections, targets, mappings, the outbox,
//! batches, faults, and the binary's sync commands end to end.

mod autopush;
mod basic;
pub(crate) mod cli;
mod crash;
mod economy;
mod faults;
mod index;
mod keep_live;
mod scenario;
mod validation;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward::engine::{EngineConfig, EngineHandle, retry::RetryPolicy};
use keyward::supabase::emulator::Emulator;
use keyward::vault::{ReadTx, SecretValue, Vault};

use crate::support::emulator::{self as emus, TOKEN};

/// Engine settings for tests: retries in milliseconds, the emulator's project URLs.
pub fn config(emu: &Emulator) -> EngineConfig {
    EngineConfig {
        retry: RetryPolicy {
            first: Duration::from_millis(20),
            factor: 2,
            cap: Duration::from_millis(200),
            jitter: 0.0,
            unhealthy_after: 10,
        },
        project_url_template: Some(emu.project_url_template()),
        request_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        max_rate_wait: Duration::from_secs(5),
        ..EngineConfig::default()
    }
}

/// A vault with a connection `main` (TOKEN) to `emu` and the given targets.
pub fn vault_with(
    emu: &Emulator,
    targets: &[(&str, &str)],
) -> (crate::support::vault::Sandbox, Arc<Vault>) {
    let sb = crate::support::vault::Sandbox::new();
    let v = sb.create();
    v.write(|tx| {
        tx.add_connection("main", emu.base_url(), None, TOKEN)?;
        for (r, name) in targets {
            tx.add_target(r, name, emus::ORG, "main")?;
        }
        tx.add_project("app")?;
        tx.add_project("ops")?;
        Ok(())
    })
    .unwrap();
    (sb, Arc::new(v))
}

pub fn set(v: &Vault, addr: &str, value: &str) {
    let (p, n) = addr.split_once('/').unwrap();
    v.write(|tx| {
        tx.set_value(
            p,
            n,
            &SecretValue::simple(value),
            keyward::vault::Cause::Edit,
        )
        .map(|_| ())
    })
    .unwrap();
}

pub fn map(v: &Vault, addr: &str, target: &str) {
    let (p, n) = addr.split_once('/').unwrap();
    v.write(|tx| tx.map(p, n, target, None, false, None).map(|_| ()))
        .unwrap();
}

/// What the emulator holds in a project, plaintext (the SUPABASE_ ones left out).
pub fn remote(emu: &Emulator, r: &str) -> BTreeMap<String, String> {
    emu.world(|w| {
        w.projects[r]
            .secrets
            .iter()
            .filter(|(k, _)| !k.starts_with("SUPABASE_"))
            .map(|(k, s)| (k.clone(), s.value.clone()))
            .collect()
    })
}

/// Waits until `done` holds of a vault snapshot (20 s at most).
#[track_caller]
pub fn settle(v: &Vault, what: &str, done: impl Fn(&ReadTx<'_>) -> bool) {
    let start = Instant::now();
    loop {
        if done(&v.read().unwrap()) {
            return;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let r = v.read().unwrap();
            panic!(
                "timed out waiting for {what}; outbox {:?}; status {:#?}; targets {:#?}",
                r.outbox_totals().unwrap(),
                r.sync_status(None).unwrap(),
                r.targets().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The state of one variable.
pub fn var(r: &ReadTx<'_>, target: &str, name: &str) -> Option<keyward::vault::VarState> {
    r.sync_status(Some(target))
        .unwrap()
        .into_iter()
        .find(|s| s.variable == name)
        .map(|s| s.state)
}

/// No open work: the outbox is empty or holds only failures.
pub fn settled(r: &ReadTx<'_>) -> bool {
    let (total, failed) = r.outbox_totals().unwrap();
    total == failed
}

/// True when no work is left in the outbox (failures included).
pub fn drained(r: &ReadTx<'_>) -> bool {
    r.outbox_totals().unwrap().0 == 0
}

/// A runtime with the engine started on `v`.
pub fn engine(emu: &Emulator, v: &Arc<Vault>) -> (tokio::runtime::Runtime, EngineHandle) {
    engine_with(v, config(emu))
}

/// Wakes the engine and waits until it has looked at its work and started nothing
/// (its Idle event): what a fixed sleep before counting requests used to stand for.
pub fn quiet(rt: &tokio::runtime::Runtime, h: &EngineHandle) {
    let mut events = h.subscribe();
    h.kick();
    rt.block_on(async {
        let idle = async {
            loop {
                match events.recv().await {
                    Ok(keyward::engine::Event::Idle) => break,
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(e) => panic!("the engine's events ended: {e}"),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(20), idle)
            .await
            .expect("the engine never went idle after a kick");
    });
}

pub fn engine_with(v: &Arc<Vault>, cfg: EngineConfig) -> (tokio::runtime::Runtime, EngineHandle) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let h = rt.block_on(async { keyward::engine::start_with(v.clone(), cfg).0 });
    (rt, h)
}
