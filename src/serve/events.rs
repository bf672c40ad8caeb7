//! `GET /v1/events`: the owner's events as server-sent events, limited to the access
//! key's projects. A feeder task turns engine events into stream entries, each with the
//! projects it concerns, and keeps the newest in a bounded ring; every client reads the
//! ring from where it is (`Last-Event-ID` after a reconnect) and waits for more.
//!
//! Ids are `<start>-<n>`: `start` is when this server started (ms), `n` counts up. An id
//! from another run, or one older than the ring holds, gets a `reset` event first (some
//! events are gone: re-read /v1/status), then everything the ring has.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as Sse, KeepAlive};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use super::App;
use crate::engine::Event;
use crate::vault::{Grant, ProjectId, ReadTx, SyncState, VarStatus, Vault};

/// Entries kept for clients that reconnect.
pub const RING: usize = 1024;

/// Who may see an entry.
#[derive(Debug, Clone)]
enum Audience {
    Everyone,
    /// Keys for every project, and keys for any of these (empty: every-project keys
    /// only, e.g. progress counts over all targets).
    Projects(BTreeSet<ProjectId>),
}

struct Entry {
    n: u64,
    kind: &'static str,
    data: Value,
    audience: Audience,
}

pub(crate) struct Ring {
    start: i64,
    entries: Mutex<VecDeque<Arc<Entry>>>,
    newest: watch::Sender<u64>,
}

impl Ring {
    pub fn new(start: i64) -> Ring {
        Ring {
            start,
            entries: Mutex::new(VecDeque::new()),
            newest: watch::channel(0).0,
        }
    }

    fn push(&self, kind: &'static str, data: Value, audience: Audience) {
        let mut q = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let n = q.back().map_or(1, |e| e.n + 1);
        if q.len() == RING {
            q.pop_front();
        }
        q.push_back(Arc::new(Entry {
            n,
            kind,
            data,
            audience,
        }));
        drop(q);
        self.newest.send_replace(n);
    }

    /// Entries after `n`, and whether some after `n` are already gone.
    fn after(&self, n: u64) -> (Vec<Arc<Entry>>, bool) {
        let q = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let first = q.front().map_or(n + 1, |e| e.n);
        // Numbers are contiguous: the entries after `n` start at a known index.
        let skip = (n + 1).saturating_sub(first) as usize;
        (q.iter().skip(skip).cloned().collect(), first > n + 1)
    }
}

/// Feeds the ring from the engine's events until they end.
pub(crate) fn feed(
    ring: Arc<Ring>,
    vault: Arc<Vault>,
    mut events: broadcast::Receiver<Event>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Each variable's last state sent: a state reaches the stream once, whether the
        // engine said it or a write's delta did.
        let mut last: HashMap<(String, String), (Value, Value)> = HashMap::new();
        loop {
            let e = match events.recv().await {
                Ok(e) => e,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    ring.push("lagged", json!({ "missed": n }), Audience::Everyone);
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if !streamed(&e) {
                continue;
            }
            let v = vault.clone();
            let entries = tokio::task::spawn_blocking(move || match v.read() {
                Ok(r) => entries(&r, &e),
                Err(_) => Vec::new(),
            })
            .await
            .unwrap_or_default();
            for (kind, data, audience) in entries {
                if kind == "variable" {
                    let key = (
                        data["target"].as_str().unwrap_or_default().to_owned(),
                        data["variable"].as_str().unwrap_or_default().to_owned(),
                    );
                    // (state, version): a fast push seen only as `synced` still differs
                    // from the previous version's `synced`.
                    let now = (data["state"].clone(), data["version"].clone());
                    if last.get(&key) == Some(&now) {
                        continue;
                    }
                    last.insert(key, now);
                }
                ring.push(kind, data, audience);
            }
        }
    })
}

fn streamed(e: &Event) -> bool {
    matches!(
        e,
        Event::Variable { .. }
            | Event::Touched(_)
            | Event::TargetHealth { .. }
            | Event::Drift { .. }
            | Event::Rotation { .. }
            | Event::Progress { .. }
            | Event::Idle
    )
}

/// Reads for one event, each target's variables listed once (a write touching a
/// hundred variables of a target costs one listing, not a hundred).
struct Lookup<'a, 'r> {
    r: &'a ReadTx<'r>,
    rows: HashMap<String, Vec<VarStatus>>,
}

impl Lookup<'_, '_> {
    fn rows(&mut self, target: &str) -> &[VarStatus] {
        let r = self.r;
        self.rows
            .entry(target.to_owned())
            .or_insert_with(|| r.sync_status(Some(target)).unwrap_or_default())
    }

    fn project_of(&self, secret: &str) -> Option<ProjectId> {
        secret
            .split_once('/')
            .and_then(|(p, _)| self.r.project_id(p).ok())
    }

    /// The projects whose secrets go to `target`.
    fn target_projects(&mut self, target: &str) -> BTreeSet<ProjectId> {
        let secrets: BTreeSet<String> =
            self.rows(target).iter().map(|v| v.secret.clone()).collect();
        secrets.iter().filter_map(|s| self.project_of(s)).collect()
    }

    /// A variable's entry: its state (`said` by the engine, else as stored now; None:
    /// no longer managed), the version that state is about (the one pushed when
    /// synced, else the one wanted), and its secret's project.
    fn var_entry(
        &mut self,
        target: &str,
        variable: &str,
        said: Option<Option<SyncState>>,
    ) -> (&'static str, Value, Audience) {
        let row = self
            .rows(target)
            .iter()
            .find(|v| v.variable == variable)
            .map(|v| (v.state.clone(), v.secret.clone()));
        let state = said.unwrap_or_else(|| row.as_ref().map(|(s, _)| s.state));
        let version = row.as_ref().and_then(|(s, _)| match state {
            Some(SyncState::Synced) => s.pushed_version,
            _ => Some(s.version),
        });
        let projects = row
            .and_then(|(_, secret)| self.project_of(&secret))
            .into_iter()
            .collect();
        (
            "variable",
            json!({ "target": target, "variable": variable,
                    "state": state.map(|s| s.as_str()), "version": version }),
            Audience::Projects(projects),
        )
    }

    fn var_project(&mut self, target: &str, variable: &str) -> BTreeSet<ProjectId> {
        match self.var_entry(target, variable, None).2 {
            Audience::Projects(p) => p,
            Audience::Everyone => BTreeSet::new(),
        }
    }

    /// What a rotation concerns: a key rotation's vault project and its target's
    /// projects; a signing or legacy-keys rotation's target's projects.
    fn rotation_projects(&mut self, name: &str) -> BTreeSet<ProjectId> {
        if let Some(t) = name.strip_prefix("legacy-keys ") {
            return self.target_projects(t);
        }
        if let Ok(k) = self.r.key_rotation(name) {
            let mut p = self.target_projects(&k.project_ref);
            p.extend(self.r.project_id(&k.into.project).ok());
            return p;
        }
        match self.r.signing_rotation(name) {
            Ok(s) => self.target_projects(&s.project_ref),
            Err(_) => BTreeSet::new(),
        }
    }
}

type Entries = Vec<(&'static str, Value, Audience)>;

/// The stream entries of one event. Drift becomes one entry per variable, so a key
/// sees only its own variables' names.
fn entries(r: &ReadTx<'_>, e: &Event) -> Entries {
    use Audience::{Everyone, Projects};
    let mut r = Lookup {
        r,
        rows: HashMap::new(),
    };
    match e {
        Event::Variable {
            target,
            variable,
            state,
        } => vec![r.var_entry(target, variable, Some(*state))],
        // A write queued or recorded work: each variable it touched, as it is now (how
        // a change is first seen `pending`).
        Event::Touched(d) => d
            .vars
            .iter()
            .map(|(target, variable)| r.var_entry(target, variable, None))
            .collect(),
        Event::TargetHealth {
            target,
            healthy,
            consecutive_failures,
        } => vec![(
            "target_health",
            json!({ "target": target, "healthy": healthy, "consecutive_failures": consecutive_failures }),
            Projects(r.target_projects(target)),
        )],
        Event::Drift {
            target,
            drifted,
            missing,
        } => drifted
            .iter()
            .map(|v| (v, "edited"))
            .chain(missing.iter().map(|v| (v, "deleted")))
            .map(|(v, how)| {
                (
                    "drift",
                    json!({ "target": target, "variable": v, "how": how }),
                    Projects(r.var_project(target, v)),
                )
            })
            .collect(),
        Event::Rotation { name, ok, message } => vec![(
            "rotation",
            json!({ "name": name, "ok": ok, "message": message }),
            Projects(r.rotation_projects(name)),
        )],
        Event::Progress { done, total } => vec![(
            "progress",
            json!({ "done": done, "total": total }),
            Projects(BTreeSet::new()),
        )],
        Event::Idle => vec![("idle", json!({}), Everyone)],
        _ => Vec::new(),
    }
}

fn visible(grant: &Grant, a: &Audience) -> bool {
    match (&grant.scope.projects, a) {
        (None, _) | (_, Audience::Everyone) => true,
        (Some(mine), Audience::Projects(p)) => mine.iter().any(|m| p.contains(m)),
    }
}

/// Where to start: after the client's last id of this run, or (none, or another run's,
/// with `reset`) from the ring's beginning.
fn resume_point(ring: &Ring, headers: &HeaderMap) -> (u64, bool) {
    let Some(last) = headers.get("last-event-id").and_then(|v| v.to_str().ok()) else {
        return (*ring.newest.borrow(), false);
    };
    match last
        .split_once('-')
        .and_then(|(s, n)| Some((s.parse::<i64>().ok()?, n.parse::<u64>().ok()?)))
    {
        Some((s, n)) if s == ring.start && n <= *ring.newest.borrow() => (n, false),
        _ => (0, true),
    }
}

pub async fn stream(
    State(app): State<Arc<App>>,
    Extension(grant): Extension<Grant>,
    headers: HeaderMap,
) -> Response {
    let ring = app.events.clone();
    let (cursor, reset) = resume_point(&ring, &headers);
    let newest = ring.newest.subscribe();
    let start = ring.start;
    let vault = app.vault.clone();
    let s =
        futures_util::stream::unfold(
            (cursor, newest, VecDeque::<Sse>::new(), reset),
            move |(mut cursor, mut newest, mut out, mut reset)| {
                let ring = ring.clone();
                let grant = grant.clone();
                let vault = vault.clone();
                async move {
                    loop {
                        if out.is_empty() {
                            // Revoking a key ends its streams at their next event.
                            let live = vault.read().and_then(|r| r.access_key_live(&grant.id));
                            if !matches!(live, Ok(true)) {
                                return None;
                            }
                        }
                        if let Some(e) = out.pop_front() {
                            return Some((Ok::<_, Infallible>(e), (cursor, newest, out, reset)));
                        }
                        newest.mark_unchanged();
                        let (entries, gone) = ring.after(cursor);
                        if gone || std::mem::take(&mut reset) {
                            out.push_back(Sse::default().event("reset").data(
                            json!({ "message": "some events were missed: re-read /v1/status" })
                                .to_string(),
                        ));
                        }
                        for e in entries {
                            cursor = e.n;
                            if visible(&grant, &e.audience) {
                                out.push_back(
                                    Sse::default()
                                        .id(format!("{start}-{}", e.n))
                                        .event(e.kind)
                                        .data(e.data.to_string()),
                                );
                            }
                        }
                        if out.is_empty() && newest.changed().await.is_err() {
                            return None;
                        }
                    }
                }
            },
        );
    axum::response::sse::Sse::new(s)
        .keep_alive(KeepAlive::default())
        .into_response()
}
