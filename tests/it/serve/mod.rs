//! The local API (`keyward serve`) through real HTTP on loopback (port 0) and a real
//! Unix socket, against a real vault and the real engine handle. Helpers here; cases in
//! the submodules.

mod auth;
mod binary;
mod flood;
mod limits;
mod scope;
mod slow;
mod socket;
mod sync;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use keyward::engine::handle;
use keyward::serve::{self, Listen, Options};
use keyward::vault::{SecretValue, Vault};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

use crate::support::vault::Sandbox;

pub const STRIPE: &str = "sk_live_stripe_value_0001";
pub const DB_PASSWORD: &str = "db-password-value-0002";
pub const WEB_TOKEN: &str = "web-token-value-0003";

/// A running server on a fresh vault holding `billing/STRIPE`, `billing/db` (fields
/// host, password) and `web/TOKEN`.
pub struct Api {
    pub sb: Sandbox,
    pub vault: Arc<Vault>,
    pub addr: Option<SocketAddr>,
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// Options for tests: loopback port 0, no failure budget and an entry for every
/// refusal unless a test wants otherwise.
pub fn options() -> Options {
    Options {
        listen: Listen::Tcp("127.0.0.1:0".parse().unwrap()),
        failures: serve::FailureBudgets::unlimited(),
        refusals: serve::RefusalAudit {
            per_window: usize::MAX,
            ..serve::RefusalAudit::default()
        },
        ..Options::default()
    }
}

pub fn seeded() -> (Sandbox, Arc<Vault>) {
    let sb = Sandbox::new();
    let vault = sb.create();
    vault
        .write(|tx| {
            tx.add_project("billing")?;
            tx.add_project("web")?;
            tx.set_value(
                "billing",
                "STRIPE",
                &SecretValue::simple(STRIPE),
                keyward::vault::Cause::Edit,
            )?;
            tx.set_value(
                "billing",
                "db",
                &SecretValue::fields([("host", "db.internal"), ("password", DB_PASSWORD)]),
                keyward::vault::Cause::Edit,
            )?;
            tx.set_value(
                "web",
                "TOKEN",
                &SecretValue::simple(WEB_TOKEN),
                keyward::vault::Cause::Edit,
            )?;
            Ok(())
        })
        .unwrap();
    (sb, Arc::new(vault))
}

/// Makes a key (before the server starts, or while it runs: redb serialises writers).
pub fn key(vault: &Vault, name: &str, projects: &[&str], sync: bool) -> (String, String) {
    let k = vault
        .write(|tx| tx.create_access_key(name, projects, sync))
        .unwrap();
    (k.info.id, k.key.to_string())
}

impl Api {
    pub async fn start() -> Api {
        Self::start_with(options()).await
    }

    pub async fn start_with(opts: Options) -> Api {
        let (sb, vault) = seeded();
        Self::serve(sb, vault, opts).await
    }

    pub async fn serve(sb: Sandbox, vault: Arc<Vault>, opts: Options) -> Api {
        let (engine, _task) = handle::start(vault.clone());
        Self::serve_with_engine(sb, vault, opts, engine).await
    }

    /// With an engine the test started (e.g. configured for an emulator).
    pub async fn serve_with_engine(
        sb: Sandbox,
        vault: Arc<Vault>,
        opts: Options,
        engine: handle::EngineHandle,
    ) -> Api {
        let server = serve::bind(&opts).await.expect("bind");
        let addr = server.local_addr();
        let base = server.address();
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server.run(vault.clone(), engine, async move {
            let _ = rx.await;
        }));
        Api {
            sb,
            vault,
            addr,
            base,
            stop: Some(tx),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET with an optional bearer key from 127.0.0.1.
    pub async fn get(&self, path: &str, key: Option<&str>) -> (u16, serde_json::Value) {
        get_from(&client(None), &self.url(path), key).await
    }

    /// POST (no body) with a bearer key from 127.0.0.1.
    pub async fn post(&self, path: &str, key: &str) -> (u16, serde_json::Value) {
        let resp = client(None)
            .post(self.url(path))
            .header("Authorization", format!("Bearer {key}"))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
    }

    /// The `access-key-use` audit entries, oldest first, as JSON.
    pub fn uses(&self) -> Vec<serde_json::Value> {
        self.vault
            .read()
            .unwrap()
            .audit_entries(Some("access-key-use"))
            .unwrap()
            .into_iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .collect()
    }
}

pub fn client(local: Option<IpAddr>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10));
    if let Some(ip) = local {
        b = b.local_address(ip);
    }
    b.build().unwrap()
}

pub async fn get_from(
    c: &reqwest::Client,
    url: &str,
    key: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut r = c.get(url);
    if let Some(k) = key {
        r = r.header("Authorization", format!("Bearer {k}"));
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// Sends raw bytes over a fresh connection and returns the whole response text.
pub async fn raw_tcp(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    exchange(&mut s, request).await
}

pub async fn exchange<S: AsyncReadExt + AsyncWriteExt + Unpin>(
    s: &mut S,
    request: &[u8],
) -> String {
    // The server may answer (and close) before the whole request is written.
    let _ = s.write_all(request).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// The status code of a raw HTTP/1.1 response.
pub fn status_of(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
