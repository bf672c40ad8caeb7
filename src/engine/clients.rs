//! One Management API client per connection, built from the stored connection and its
//! token, for the whole process: sync, inspection, both kinds of key rotation and the
//! keys view all use these. Each client carries the process's rate budget as its gate
//! (`supabase::Gate`): before every request it waits for the window the API announced,
//! a 429's Retry-After is honoured (never a failure), and what the headers say is
//! recorded, per (connection, project, endpoint).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::budget::{BudgetKey, Budgets, Observed};
use super::config::EngineConfig;
use crate::supabase::{Client, ClientConfig, Endpoint, Gate, RateLimit};
use crate::vault::{Connection, Vault};

pub struct Clients {
    vault: Arc<Vault>,
    config: EngineConfig,
    cache: Mutex<HashMap<String, (u64, Client)>>,
    budgets: Arc<Mutex<Budgets>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One connection's share of the process's budgets (its token and generation: a new
/// token is a new budget).
struct ConnGate {
    token: String,
    budgets: Arc<Mutex<Budgets>>,
    max_wait: Duration,
}

impl ConnGate {
    fn key(&self, endpoint: Endpoint, project: Option<&str>) -> BudgetKey {
        BudgetKey {
            token: self.token.clone(),
            project: project.unwrap_or_default().to_string(),
            endpoint: endpoint.route().to_string(),
        }
    }
}

impl Gate for ConnGate {
    fn wait(&self, endpoint: Endpoint, project: Option<&str>) -> Option<Duration> {
        let key = self.key(endpoint, project);
        lock(&self.budgets)
            .take(&key, Instant::now())
            .err()
            .map(|w| w.min(self.max_wait))
    }

    fn observed(
        &self,
        endpoint: Endpoint,
        project: Option<&str>,
        reading: Option<RateLimit>,
        limited: Option<Duration>,
    ) {
        let key = self.key(endpoint, project);
        let now = Instant::now();
        let mut b = lock(&self.budgets);
        if let Some(rl) = reading {
            b.observe(
                &key,
                Observed {
                    limit: rl.limit,
                    remaining: rl.remaining,
                    reset: rl.reset,
                },
                now,
            );
        }
        if let Some(retry_after) = limited {
            let wait = retry_after
                .max(Duration::from_millis(50))
                .min(self.max_wait);
            b.exhausted(&key, wait, now);
        }
    }
}

impl Clients {
    pub fn new(vault: Arc<Vault>, config: EngineConfig) -> Self {
        Self {
            vault,
            config,
            cache: Mutex::default(),
            budgets: Arc::default(),
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
        let gate = Arc::new(ConnGate {
            token: format!("{}#{}", conn.name, conn.generation),
            budgets: self.budgets.clone(),
            max_wait: self.config.max_rate_wait,
        });
        let client = Client::new(&cfg, SecretString::from(token.to_string()))
            .map_err(|e| e.to_string())?
            .with_gate(gate);
        lock(&self.cache).insert(conn.name.clone(), (conn.generation, client.clone()));
        Ok(client)
    }
}
