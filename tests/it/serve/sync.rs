//! The sync routes against the emulator: trigger a sync (read+sync keys only) and read
//! sync status (in the shape of `status --json`, limited to the key's projects).

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward::engine::report::var_json;
use keyward::supabase::emulator::Emulator;
use keyward::vault::Vault;

use super::{Api, key, options};
use crate::support::emulator::{self as emus, REF_A, REF_B};
use crate::sync::{config, map, remote, set, vault_with};

/// Polls (without blocking the runtime) until `done` holds; 20 s at most.
async fn until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn all_synced(v: &Vault) -> bool {
    let s = v.read().unwrap().sync_status(None).unwrap();
    !s.is_empty() && s.iter().all(|x| x.state.state.as_str() == "synced")
}

struct Fixture {
    api: Api,
    emu: Emulator,
    reader: String,
    app_sync: String,
    ops_sync: String,
    all_sync: String,
    engine: keyward::engine::EngineHandle,
}

/// `app/API_URL` -> web (REF_B), `ops/OPS_TOKEN` -> billing-api (REF_A), synced.
async fn fixture() -> Fixture {
    let emu = emus::start();
    let (sb, vault) = vault_with(&emu, &[(REF_A, "billing-api"), (REF_B, "web")]);
    set(&vault, "app/API_URL", "v1");
    map(&vault, "app/API_URL", REF_B);
    set(&vault, "ops/OPS_TOKEN", "o1");
    map(&vault, "ops/OPS_TOKEN", REF_A);
    let (_, reader) = key(&vault, "reader", &["app"], false);
    let (_, app_sync) = key(&vault, "app sync", &["app"], true);
    let (_, ops_sync) = key(&vault, "ops sync", &["ops"], true);
    let (_, all_sync) = key(&vault, "all sync", &[], true);
    let (engine, _task) = keyward::engine::start_with(vault.clone(), config(&emu));
    let api = Api::serve_with_engine(sb, vault.clone(), options(), engine.clone()).await;
    let v: Arc<Vault> = vault.clone();
    until("the first sync", || all_synced(&v)).await;
    Fixture {
        api,
        emu,
        reader,
        app_sync,
        ops_sync,
        all_sync,
        engine,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_has_the_cli_shape_and_only_the_keys_projects() {
    let f = fixture().await;
    let (s, all) = f.api.get("/v1/status", Some(&f.all_sync)).await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all["targets"].as_array().unwrap().len(), 2);
    // Every variable exactly as `keyward status --json` prints it.
    let expected: Vec<_> = f
        .api
        .vault
        .read()
        .unwrap()
        .sync_status(None)
        .unwrap()
        .iter()
        .map(var_json)
        .collect();
    assert_eq!(all["variables"], serde_json::json!(expected));

    // A read-only key for `app` sees app's variable and the target it goes to, with
    // counts of its own variables only.
    let (s, mine) = f.api.get("/v1/status", Some(&f.reader)).await;
    assert_eq!(s, 200, "{mine}");
    let vars = mine["variables"].as_array().unwrap();
    assert_eq!(vars.len(), 1);
    assert_eq!(vars[0]["secret"], "app/API_URL");
    assert_eq!(vars[0]["state"], "synced");
    let targets = mine["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0]["ref"], REF_B);
    assert_eq!(targets[0]["variables"], 1);
    assert!(!mine.to_string().contains("OPS_TOKEN"));
    f.api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_key_triggers_a_sync_and_a_read_key_cannot() {
    let f = fixture().await;
    // A change written without waking the engine waits for a trigger: the engine then
    // handles the refused trigger (its audit entry is a write through the engine's own
    // loop) and starts no batch, which it would announce with progress as it started.
    let mut events = f.engine.subscribe();
    set(&f.api.vault, "app/API_URL", "v2");
    let (s, v) = f.api.post("/v1/sync", &f.reader).await;
    assert_eq!(s, 403, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--allow-sync")
    );
    // One more request, so the engine's loop has finished the turn that wrote the
    // refusal's audit entry (its next turn writes this request's).
    assert_eq!(f.api.get("/v1/status", Some(&f.reader)).await.0, 200);
    while let Ok(e) = events.try_recv() {
        assert!(
            !matches!(
                e,
                keyward::engine::Event::Progress { .. } | keyward::engine::Event::Variable { .. }
            ),
            "a batch started without a trigger: {e:?}"
        );
    }
    assert_eq!(remote(&f.emu, REF_B)["API_URL"], "v1");

    let (s, v) = f.api.post("/v1/sync", &f.app_sync).await;
    assert_eq!(s, 202, "{v}");
    // The app key queues the targets its projects go to: web only.
    assert_eq!(v["queued"], 1);
    let emu = &f.emu;
    until("v2 on web", || remote(emu, REF_B)["API_URL"] == "v2").await;

    let (s, v) = f.api.post("/v1/sync", &f.ops_sync).await;
    assert_eq!((s, v["queued"].as_u64()), (202, Some(1)));
    let (s, v) = f.api.post("/v1/sync", &f.all_sync).await;
    assert_eq!((s, v["queued"].as_u64()), (202, Some(2)));

    // GET on the trigger is not a route; POST on status neither.
    assert_eq!(f.api.get("/v1/sync", Some(&f.all_sync)).await.0, 405);
    assert_eq!(f.api.post("/v1/status", &f.all_sync).await.0, 405);

    let uses = f.api.uses();
    let details: Vec<&str> = uses.iter().map(|u| u["detail"].as_str().unwrap()).collect();
    assert!(
        details
            .iter()
            .any(|d| d.contains("POST /v1/sync") && d.contains("403"))
    );
    assert!(
        details
            .iter()
            .filter(|d| d.contains("POST /v1/sync") && d.contains("202"))
            .count()
            == 3
    );
    f.api.stop().await;
}
