//! The emulator's admin routes, counters and `--state` persistence, over HTTP as a
//! benchmark or a shell script would use them.

use keyward::supabase::Error;
use keyward::supabase::api::NewSecret;
use keyward::supabase::emulator::{Emulator, EmulatorConfig, Faults, Seed};
use serde_json::{Value, json};

use crate::support::emulator::{self as emu, REF_A};

async fn admin_get(e: &Emulator, path: &str) -> Value {
    let resp = super::raw()
        .get(format!("{}/_emulator/{path}", e.base_url()))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
    resp.json().await.unwrap()
}

async fn admin_post(e: &Emulator, path: &str, body: Value) -> reqwest::StatusCode {
    super::raw()
        .post(format!("{}/_emulator/{path}", e.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn counters_are_per_route_and_readable_over_http() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    c.list_projects().await.unwrap();
    c.list_secrets(REF_A).await.unwrap();
    c.list_secrets(emu::REF_B).await.unwrap();
    let counts = admin_get(&e, "counters").await;
    assert_eq!(counts["GET /v1/projects"], 1);
    assert_eq!(counts["GET /v1/projects/{ref}/secrets"], 2);
    assert_eq!(
        e.control().total_requests(),
        3,
        "admin calls are not counted"
    );
    assert_eq!(admin_post(&e, "counters/reset", json!({})).await, 204);
    assert_eq!(e.control().total_requests(), 0);
}

#[tokio::test]
async fn faults_are_settable_over_http() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    assert_eq!(
        admin_post(&e, "faults", json!({"rate_limit": 1})).await,
        200
    );
    assert_eq!(admin_get(&e, "faults").await["rate_limit"], 1);
    c.list_projects().await.unwrap();
    assert!(matches!(
        c.list_projects().await,
        Err(Error::RateLimited { .. })
    ));
    assert_eq!(
        admin_post(&e, "faults", json!({"no_such_knob": 1})).await,
        400
    );
    assert_eq!(
        admin_post(&e, "faults", json!({"rate_limit": 120, "fail_rate": 1.0})).await,
        200
    );
    assert!(matches!(
        c.list_secrets(REF_A).await,
        Err(Error::Rejected { status: 500, .. })
    ));
    assert_eq!(
        admin_post(&e, "faults", json!({"fail_rate": 0.0})).await,
        200
    );

    let route = "GET /v1/projects/{ref}/secrets";
    assert_eq!(
        admin_post(
            &e,
            "fail-next",
            json!({"route": route, "count": 1, "status": 502})
        )
        .await,
        204
    );
    assert_eq!(admin_get(&e, "fail-next").await[0]["count"], 1);
    assert!(matches!(
        c.list_secrets(REF_A).await,
        Err(Error::Rejected { status: 502, .. })
    ));
    c.list_secrets(REF_A).await.unwrap();
    assert_eq!(
        admin_post(&e, "fail-next", json!({"route": route, "count": 0})).await,
        400
    );
}

#[tokio::test]
async fn tokens_can_be_added_and_revoked_over_http() {
    let e = emu::start();
    let fresh = "sbp_4444444444444444444444444444444444444444";
    assert_eq!(
        admin_post(&e, "tokens", json!({"token": format!("{fresh}={REF_A}")})).await,
        204
    );
    let c = emu::client(&e, fresh);
    c.get_project(REF_A).await.unwrap();
    assert!(matches!(
        c.list_projects().await,
        Err(Error::Forbidden { .. })
    ));
    assert_eq!(admin_post(&e, "revoke", json!({"token": fresh})).await, 204);
    assert!(matches!(
        c.get_project(REF_A).await,
        Err(Error::Unauthorized { .. })
    ));
    assert_eq!(
        admin_post(&e, "revoke", json!({"token": "never-seen"})).await,
        404
    );
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("emulator.json");
    let config = |seed: Seed| EmulatorConfig {
        seed,
        faults: Faults::default(),
        state_file: Some(path.clone()),
        ..EmulatorConfig::default()
    };
    let e = Emulator::start(config(emu::seed())).unwrap();
    let c = emu::client(&e, emu::TOKEN);
    c.upsert_secrets(REF_A, &[NewSecret::new("KEPT", "across restarts")])
        .await
        .unwrap();
    assert!(e.revoke_token(emu::OTHER_TOKEN));
    e.shutdown();

    // Restarting with the same seed adds nothing over the saved state: the project keeps
    // its secrets and the revoked token stays revoked.
    let e = Emulator::start(config(emu::seed())).unwrap();
    let c = emu::client(&e, emu::TOKEN);
    let list = c.list_secrets(REF_A).await.unwrap();
    assert!(list.iter().any(|s| s.name == "KEPT"));
    assert!(matches!(
        emu::client(&e, emu::OTHER_TOKEN).list_projects().await,
        Err(Error::Unauthorized { .. })
    ));
    e.shutdown();
    let e = Emulator::start(config(Seed::default())).unwrap();
    let list = emu::client(&e, emu::TOKEN)
        .list_secrets(REF_A)
        .await
        .unwrap();
    assert!(
        list.iter().any(|s| s.name == "KEPT"),
        "the state alone is enough"
    );
}

#[test]
fn a_non_loopback_address_is_refused() {
    let err = Emulator::start(EmulatorConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..EmulatorConfig::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("loopback"), "{err}");
}

#[tokio::test]
async fn branches_are_added_readied_and_removed_over_http_during_a_test() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    e.control()
        .update_faults(|f| f.branch_ready_after_ms = 60_000);
    let resp = super::raw()
        .post(format!("{}/_emulator/branches", e.base_url()))
        .json(
            &json!({"parent": REF_A, "name": "feat-x", "git_branch": "feat/x",
                      "ready_after_ms": 60_000, "secrets": {"SEEDED": "yes"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let b: Value = resp.json().await.unwrap();
    let r = b["project_ref"].as_str().unwrap().to_string();
    assert_eq!(b["status"], "CREATING_PROJECT");
    let listed = c.list_branches(REF_A).await.unwrap();
    assert_eq!(listed.len(), 2, "the default branch and feat-x");
    assert!(listed[0].is_default && !listed[1].is_ready());
    // Its project takes secrets like any, through the parent's token.
    let scoped = emu::client(&e, emu::SCOPED_TOKEN);
    let names: Vec<String> = scoped
        .list_secrets(&r)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["SEEDED"]);
    assert_eq!(
        admin_post(&e, "branches/ready", json!({"ref": r})).await,
        204
    );
    assert!(c.get_branch(REF_A, "feat-x").await.unwrap().is_ready());
    assert_eq!(
        admin_post(&e, "branches/remove", json!({"ref": r, "schedule": true})).await,
        204
    );
    let b = c.get_branch(REF_A, "feat-x").await.unwrap();
    assert!(b.deletion_scheduled_at.is_some());
    assert_eq!(
        admin_post(&e, "branches/remove", json!({"ref": r})).await,
        204
    );
    assert!(matches!(
        c.list_secrets(&r).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(c.list_branches(REF_A).await.unwrap().len(), 1);
    assert_eq!(
        admin_post(&e, "branches/remove", json!({"ref": r})).await,
        404
    );
}
