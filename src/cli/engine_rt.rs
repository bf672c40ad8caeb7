//! Running the sync engine from a headless command: a runtime, the engine started on
//! the vault, and waiting for it to settle.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::CmdResult;
use crate::engine::{EngineConfig, EngineHandle, Event};
use crate::supabase::{Client, ClientConfig};
use crate::vault::{Connection, Vault};

pub fn runtime() -> CmdResult<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// A client for a connection's instance with `token` (the project URL template from
/// KEYWARD_PROJECT_URL_TEMPLATE when set, as the engine does).
pub fn client_for(url: &str, token: &str) -> CmdResult<Client> {
    let cfg = EngineConfig::from_env();
    let mut c = ClientConfig {
        instance_url: url.to_string(),
        request_timeout: cfg.request_timeout,
        connect_timeout: cfg.connect_timeout,
        ..ClientConfig::default()
    };
    if let Some(t) = cfg.project_url_template {
        c.project_url_template = t;
    }
    Ok(Client::new(
        &c,
        secrecy::SecretString::from(token.to_string()),
    )?)
}

pub fn stored_client(vault: &Vault, conn: &Connection) -> CmdResult<Client> {
    let token = vault.read()?.connection_token(&conn.name)?;
    client_for(&conn.url, &token)
}

pub fn start(vault: &Arc<Vault>) -> EngineHandle {
    start_for(vault, None)
}

/// The engine working only `targets` (None: all of them).
pub fn start_for(vault: &Arc<Vault>, targets: Option<BTreeSet<String>>) -> EngineHandle {
    let mut cfg = EngineConfig::from_env();
    cfg.only_targets = targets;
    crate::engine::start_with(vault.clone(), cfg).0
}

/// Waits until `done` holds (checked at every engine event and every 100 ms), or the
/// timeout passes. Returns false on timeout.
pub async fn wait_until(
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
        .and_then(|r| r.outbox_totals())
        .map(|(total, failed)| total == failed)
        .unwrap_or(true)
}
