//! One Management API client per connection, built from the stored connection and its
//! token, and every request made through the rate budgets: wait for the window the API
//! announced, honour a 429's Retry-After (never a failure), record what the headers say.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::budget::{BudgetKey, Budgets, Observed};
use super::config::EngineConfig;
use crate::supabase::{Client, ClientConfig, Endpoint, Error};
use crate::vault::{Connection, Vault};

pub struct Clients {
    vault: Arc<Vault>,
    config: EngineConfig,
    cache: Mutex<HashMap<String, (u64, Client)>>,
    budgets: Mutex<Budgets>,
    /// 429s met, for benchmarks and status.
    pub rate_limited: std::sync::atomic::AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Clients {
    pub fn new(vault: Arc<Vault>, config: EngineConfig) -> Self {
        Self {
            vault,
            config,
            cache: Mutex::default(),
            budgets: Mutex::default(),
            rate_limited: Default::default(),
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The client of a connection, rebuilt after a reconnect (its generation moved).
    pub fn client(&self, conn: &Connection) -> Result<Client, String> {
        if let Some((g, c)) = lock(&self.cache).get(&conn.name)
            && *g == conn.generation
        {
            return Ok(c.clone());
        }
        let token = self
            .vault
            .read()
            .and_then(|r| r.connection_token(&conn.name))
            .map_err(|e| e.to_string())?;
        let mut cfg = ClientConfig {
            instance_url: conn.url.clone(),
            connect_timeout: self.config.connect_timeout,
            request_timeout: self.config.request_timeout,
            ..ClientConfig::default()
        };
        // The connection's own project URL first (a self-hosted or proxied instance),
        // then the engine's (KEYWARD_PROJECT_URL_TEMPLATE, for tests and the demo).
        if let Some(t) = conn
            .project_url
            .as_ref()
            .or(self.config.project_url_template.as_ref())
        {
            cfg.project_url_template = t.clone();
        }
        let client =
            Client::new(&cfg, SecretString::from(token.to_string())).map_err(|e| e.to_string())?;
        lock(&self.cache).insert(conn.name.clone(), (conn.generation, client.clone()));
        Ok(client)
    }

    /// Runs one request within the budget of (connection, project, endpoint).
    pub async fn call<T, F, Fut>(
        &self,
        conn: &Connection,
        client: &Client,
        project: &str,
        endpoint: Endpoint,
        f: F,
    ) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let key = BudgetKey {
            token: format!("{}#{}", conn.name, conn.generation),
            project: project.to_string(),
            endpoint: endpoint.route().to_string(),
        };
        loop {
            let wait = lock(&self.budgets).take(&key, Instant::now()).err();
            if let Some(w) = wait {
                tokio::time::sleep(w.min(self.config.max_rate_wait)).await;
                continue;
            }
            let out = f().await;
            if let Some(rl) = client.rate_limit(endpoint, Some(project)) {
                lock(&self.budgets).observe(
                    &key,
                    Observed {
                        limit: rl.limit,
                        remaining: rl.remaining,
                        reset: rl.reset,
                    },
                    Instant::now(),
                );
            }
            match out {
                Err(Error::RateLimited { retry_after }) => {
                    self.rate_limited
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let wait = retry_after
                        .max(Duration::from_millis(50))
                        .min(self.config.max_rate_wait);
                    lock(&self.budgets).exhausted(&key, wait, Instant::now());
                }
                other => return other,
            }
        }
    }
}
