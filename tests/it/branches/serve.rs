//! The local API's seed: `POST /v1/targets/{ref}/branches/{name}/seed` behind a key
//! that may sync and read the target's projects; the engine pushes what it queued.

use std::time::{Duration, Instant};

use keyward::vault::BranchWatch;

use super::*;
use crate::serve::{Api, key, options};
use crate::support::emulator::{self as emus, REF_A};
use crate::sync::{config, map, set, vault_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ci_job_seeds_a_new_branch_through_the_local_api() {
    let emu = emus::start();
    let (sb, vault) = vault_with(&emu, &[(REF_A, "billing-api")]);
    set(&vault, "app/k", "v1");
    map(&vault, "app/k", REF_A);
    vault
        .write(|tx| {
            tx.watch_branches(REF_A, Some(BranchWatch::default()))
                .map(drop)
        })
        .unwrap();
    let (_, reader) = key(&vault, "reader", &["app"], false);
    let (_, other) = key(&vault, "ops sync", &["ops"], true);
    let (_, ci) = key(&vault, "ci", &["app"], true);
    let (engine, _task) = keyward::engine::start_with(vault.clone(), config(&emu));
    let api = Api::serve_with_engine(sb, vault.clone(), options(), engine).await;
    // Created by CI a moment ago, not ready for a minute.
    let b = branch(&emu, REF_A, "pr-9", "feat/nine", 60_000);
    let path = format!("/v1/targets/{REF_A}/branches/pr-9/seed");
    let (s, body) = api.post(&path, &reader).await;
    assert_eq!(s, 403, "{body}");
    let (s, body) = api.post(&path, &other).await;
    assert_eq!(s, 403, "a key for other projects: {body}");
    let (s, body) = api
        .post(&format!("/v1/targets/{REF_A}/branches/nope/seed"), &ci)
        .await;
    assert_eq!(s, 404, "{body}");
    let (s, body) = api.post(&path, &ci).await;
    assert_eq!(s, 202, "{body}");
    assert_eq!(body["seeded"], serde_json::json!([b]));
    let start = Instant::now();
    while remote(&emu, &b).get("K").map(String::as_str) != Some("v1") {
        assert!(start.elapsed() < Duration::from_secs(20), "not pushed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    api.stop().await;
}
