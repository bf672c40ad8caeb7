//! `GET /v1/events`: server-sent events of the local API, against the engine and the
//! emulator. A change is seen going pending -> synced; a client that reconnects with
//! `Last-Event-ID` gets what happened meanwhile; a key for one project never sees
//! another project's events.

use std::time::{Duration, Instant};

use keyward::engine::EngineHandle;
use keyward::vault::{Cause, SecretValue};
use serde_json::Value;

use crate::serve::{Api, key, options};
use crate::support::emulator::{self as emus, REF_A, REF_B};
use crate::sync::{config, map, set, vault_with};

/// An open event stream: frames parsed as they arrive.
struct Stream {
    resp: reqwest::Response,
    buf: String,
    /// Everything seen: (id, event, data).
    seen: Vec<(String, String, Value)>,
}

impl Stream {
    async fn open(api: &Api, key: &str, last: Option<&str>) -> Stream {
        let mut req = reqwest::Client::new()
            .get(api.url("/v1/events"))
            .bearer_auth(key);
        if let Some(id) = last {
            req = req.header("Last-Event-ID", id);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Stream {
            resp,
            buf: String::new(),
            seen: Vec::new(),
        }
    }

    /// Reads until an event matches `want` (20 s at most); returns its id.
    async fn until(&mut self, what: &str, want: impl Fn(&str, &Value) -> bool) -> String {
        let start = Instant::now();
        let mut from = 0;
        loop {
            for (id, ev, data) in &self.seen[from..] {
                if want(ev, data) {
                    return id.clone();
                }
            }
            from = self.seen.len();
            let left = Duration::from_secs(20).saturating_sub(start.elapsed());
            let chunk = tokio::time::timeout(left, self.resp.chunk())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}; seen {:#?}", self.seen))
                .unwrap()
                .expect("the stream stays open");
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
            while let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut ev, mut data) = (String::new(), String::new(), String::new());
                for l in frame.lines() {
                    if let Some(v) = l.strip_prefix("id: ") {
                        id = v.into();
                    } else if let Some(v) = l.strip_prefix("event: ") {
                        ev = v.into();
                    } else if let Some(v) = l.strip_prefix("data: ") {
                        data = v.into();
                    }
                }
                if !ev.is_empty() {
                    self.seen
                        .push((id, ev, serde_json::from_str(&data).unwrap()));
                }
            }
        }
    }

    fn text(&self) -> String {
        format!("{:?}", self.seen)
    }
}

fn is_var(name: &'static str, state: &'static str) -> impl Fn(&str, &Value) -> bool {
    move |ev, d| ev == "variable" && d["variable"] == name && d["state"] == state
}

/// A write through the engine (which wakes it, as the owner's writes do).
async fn set_now(h: &EngineHandle, project: &'static str, name: &'static str, value: &str) {
    let v = SecretValue::simple(value);
    h.apply(move |tx| tx.set_value(project, name, &v, Cause::Edit).map(drop))
        .await
        .unwrap();
}

struct Fixture {
    api: Api,
    engine: EngineHandle,
    /// A read-only key for the project `app` (API_URL -> web, REF_B), and its id.
    app: String,
    app_id: String,
    /// A key for every project (ops/OPS_TOKEN -> billing-api, REF_A, too).
    all: String,
    emu: keyward::supabase::emulator::Emulator,
}

async fn fixture() -> Fixture {
    let emu = emus::start();
    let (sb, vault) = vault_with(&emu, &[(REF_A, "billing-api"), (REF_B, "web")]);
    set(&vault, "app/API_URL", "v1");
    map(&vault, "app/API_URL", REF_B);
    set(&vault, "ops/OPS_TOKEN", "o1");
    map(&vault, "ops/OPS_TOKEN", REF_A);
    let (app_id, app) = key(&vault, "app reader", &["app"], false);
    let (_, all) = key(&vault, "everything", &[], false);
    let (engine, _task) = keyward::engine::start_with(vault.clone(), config(&emu));
    let api = Api::serve_with_engine(sb, vault.clone(), options(), engine.clone()).await;
    let start = Instant::now();
    while !vault
        .read()
        .unwrap()
        .sync_status(None)
        .unwrap()
        .iter()
        .all(|v| v.state.state.as_str() == "synced")
    {
        assert!(start.elapsed() < Duration::from_secs(20), "the first sync");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Fixture {
        api,
        engine,
        app,
        app_id,
        all,
        emu,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sees_pending_then_synced_and_resumes_after_a_reconnect() {
    let f = fixture().await;
    let (s, _) = f.api.get("/v1/events", None).await;
    assert_eq!(s, 401, "the stream is behind an access key");

    let mut s = Stream::open(&f.api, &f.app, None).await;
    // A slow Supabase keeps the change pending long enough to be seen so: the stream
    // reads a write's variables as they are when it gets to them.
    f.emu.control().set_latency(Duration::from_millis(300));
    set_now(&f.engine, "app", "API_URL", "v2").await;
    s.until("pending", is_var("API_URL", "pending")).await;
    let last = s.until("synced", is_var("API_URL", "synced")).await;
    assert!(!last.is_empty(), "events carry ids");
    drop(s);

    // While nobody listens, another change goes pending -> synced.
    set_now(&f.engine, "app", "API_URL", "v3").await;
    let v = f.api.vault.clone();
    let start = Instant::now();
    while crate::sync::var(&v.read().unwrap(), REF_B, "API_URL")
        .is_none_or(|s| s.state.as_str() != "synced" || s.version != 3)
    {
        assert!(start.elapsed() < Duration::from_secs(20), "v3 synced");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Reconnecting after the last id seen replays exactly what came after it.
    let mut s = Stream::open(&f.api, &f.app, Some(&last)).await;
    s.until("the missed synced", is_var("API_URL", "synced"))
        .await;
    let kinds: Vec<String> = s
        .seen
        .iter()
        .filter(|(_, e, d)| e == "variable" && d["variable"] == "API_URL")
        .map(|(_, _, d)| format!("{} {}", d["state"].as_str().unwrap(), d["version"]))
        .collect();
    assert_eq!(kinds, ["pending 3", "synced 3"], "{}", s.text());
    let n = |id: &str| id.rsplit_once('-').unwrap().1.parse::<u64>().unwrap();
    assert!(
        s.seen.iter().all(|(id, _, _)| n(id) > n(&last)),
        "{}",
        s.text()
    );
    assert!(!s.seen.iter().any(|(_, e, _)| e == "reset"), "{}", s.text());

    // An id from another run of the server: told to re-read, then given what is kept.
    let mut s = Stream::open(&f.api, &f.app, Some("1-5")).await;
    s.until("reset", |e, _| e == "reset").await;
    s.until("the kept synced", is_var("API_URL", "synced"))
        .await;

    // A push too fast to be seen pending is still seen: synced, at its own version.
    f.emu.control().set_latency(Duration::from_millis(0));
    set_now(&f.engine, "app", "API_URL", "v4").await;
    s.until("v4 synced", |e, d| {
        is_var("API_URL", "synced")(e, d) && d["version"] == 4
    })
    .await;
    f.api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_for_one_project_never_sees_another_projects_events() {
    let f = fixture().await;
    let mut mine = Stream::open(&f.api, &f.app, None).await;
    let mut every = Stream::open(&f.api, &f.all, None).await;

    set_now(&f.engine, "ops", "OPS_TOKEN", "o2").await;
    every
        .until("OPS_TOKEN synced", is_var("OPS_TOKEN", "synced"))
        .await;
    every
        .until("billing-api's health", |e, d| {
            e == "target_health" && d["target"] == REF_A
        })
        .await;
    // The app change comes after the ops one: when the app key has seen it, the ops
    // events have gone by it.
    set_now(&f.engine, "app", "API_URL", "v2").await;
    mine.until("API_URL synced", is_var("API_URL", "synced"))
        .await;
    mine.until("web's health", |e, d| {
        e == "target_health" && d["target"] == REF_B
    })
    .await;
    let seen = mine.text();
    assert!(!seen.contains("OPS_TOKEN"), "{seen}");
    assert!(!seen.contains(REF_A), "{seen}");
    assert!(
        !mine.seen.iter().any(|(_, e, _)| e == "progress"),
        "progress counts every project's work: {seen}"
    );
    every
        .until("API_URL synced", is_var("API_URL", "synced"))
        .await;

    // Revoking the key ends its stream at the next event.
    let id = f.app_id.clone();
    f.api
        .vault
        .write(move |tx| tx.revoke_access_key(&id).map(drop))
        .unwrap();
    set_now(&f.engine, "app", "API_URL", "v3").await;
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while mine.resp.chunk().await.unwrap().is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the revoked key's stream ended");
    f.api.stop().await;
}
