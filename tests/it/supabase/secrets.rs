//! Edge Function secrets: digests, the platform's reserved entries, the limits, the cap,
//! atomic upserts and bulk deletes with a JSON body.

use keyward::supabase::Error;
use keyward::supabase::api::{NewSecret, secret_digest};
use keyward::supabase::emulator::{Faults, PLATFORM_SECRETS};

use crate::support::emulator::{self as emu, REF_A, REF_B};

fn names(list: &[keyward::supabase::api::Secret]) -> Vec<String> {
    list.iter().map(|s| s.name.clone()).collect()
}

fn own_names(list: &[keyward::supabase::api::Secret]) -> Vec<String> {
    names(list)
        .into_iter()
        .filter(|n| !n.starts_with("SUPABASE_"))
        .collect()
}

#[tokio::test]
async fn the_list_has_digests_and_the_platform_entries() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let list = c.list_secrets(REF_A).await.unwrap();
    for reserved in PLATFORM_SECRETS {
        assert!(
            names(&list).contains(&reserved.to_string()),
            "{reserved} listed"
        );
    }
    let hand = list.iter().find(|s| s.name == "HAND_SET").unwrap();
    assert_eq!(hand.value, secret_digest("by hand"));
    assert_eq!(hand.value.len(), 64);
    assert!(
        hand.value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert!(hand.updated_at.is_some());
}

#[tokio::test]
async fn upsert_creates_then_overwrites() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    c.upsert_secrets(
        REF_B,
        &[
            NewSecret::new("API_URL", "one"),
            NewSecret::new("TOKEN_X", "t"),
        ],
    )
    .await
    .unwrap();
    c.upsert_secrets(REF_B, &[NewSecret::new("API_URL", "two")])
        .await
        .unwrap();
    let list = c.list_secrets(REF_B).await.unwrap();
    assert_eq!(own_names(&list), ["API_URL", "TOKEN_X"]);
    let api = list.iter().find(|s| s.name == "API_URL").unwrap();
    assert_eq!(api.value, secret_digest("two"));
    // The plaintext is what Supabase holds; only the digest goes over the wire.
    let held = e.world(|w| w.projects[REF_B].secrets["API_URL"].value.clone());
    assert_eq!(held, "two");
}

#[tokio::test]
async fn reserved_names_are_refused_and_untouchable() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let err = c
        .upsert_secrets(REF_A, &[NewSecret::new("SUPABASE_URL", "https://evil")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { status: 400, message } if message.contains("SUPABASE_")),
        "{err:?}"
    );
    let line = err.to_string();
    assert!(
        line.contains("400") && line.contains("SUPABASE_ prefix"),
        "{line}"
    );
    let err = c
        .delete_secrets(REF_A, &["SUPABASE_DB_URL".into()])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected { status: 400, .. }),
        "{err:?}"
    );
    let list = c.list_secrets(REF_A).await.unwrap();
    for reserved in PLATFORM_SECRETS {
        assert!(
            names(&list).contains(&reserved.to_string()),
            "{reserved} still there"
        );
    }
    let url = e.world(|w| w.projects[REF_A].secrets["SUPABASE_URL"].value.clone());
    assert_eq!(url, format!("https://{REF_A}.supabase.co"));
}

#[tokio::test]
async fn name_and_value_limits_are_exact() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let longest = "N".repeat(256);
    let biggest = "v".repeat(24_576);
    c.upsert_secrets(REF_B, &[NewSecret::new(&longest, &biggest)])
        .await
        .unwrap();
    let err = c
        .upsert_secrets(REF_B, &[NewSecret::new("N".repeat(257), "x")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected { status: 400, .. }),
        "{err:?}"
    );
    let err = c
        .upsert_secrets(REF_B, &[NewSecret::new("BIG", "v".repeat(24_577))])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { status: 400, message } if message.contains("24576")),
        "{err:?}"
    );
    let err = c
        .upsert_secrets(REF_B, &[NewSecret::new("", "x")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected { status: 400, .. }),
        "{err:?}"
    );
    // Limits count characters, not bytes.
    c.upsert_secrets(REF_B, &[NewSecret::new("UNICODE", "é".repeat(24_576))])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_batch_with_one_bad_item_writes_nothing() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let batch = [
        NewSecret::new("GOOD_ONE", "1"),
        NewSecret::new("SUPABASE_BAD", "2"),
        NewSecret::new("GOOD_TWO", "3"),
    ];
    assert!(c.upsert_secrets(REF_B, &batch).await.is_err());
    let list = c.list_secrets(REF_B).await.unwrap();
    assert!(own_names(&list).is_empty(), "{:?}", own_names(&list));
}

#[tokio::test]
async fn the_cap_counts_only_the_projects_own_secrets() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    // REF_A already has HAND_SET; 99 more makes 100 own (plus 4 platform entries).
    let batch: Vec<NewSecret> = (0..99)
        .map(|i| NewSecret::new(format!("S_{i:03}"), "v"))
        .collect();
    c.upsert_secrets(REF_A, &batch).await.unwrap();
    let list = c.list_secrets(REF_A).await.unwrap();
    assert_eq!(own_names(&list).len(), 100);
    assert_eq!(list.len(), 100 + PLATFORM_SECRETS.len());
    let err = c
        .upsert_secrets(REF_A, &[NewSecret::new("ONE_MORE", "v")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { status: 400, message } if message.contains("at most 100")),
        "{err:?}"
    );
    // Overwriting an existing name does not grow the count.
    c.upsert_secrets(REF_A, &[NewSecret::new("S_000", "new")])
        .await
        .unwrap();
}

#[tokio::test]
async fn more_than_100_in_one_upsert_is_refused_before_sending() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let batch: Vec<NewSecret> = (0..101)
        .map(|i| NewSecret::new(format!("S_{i}"), "v"))
        .collect();
    let err = c.upsert_secrets(REF_B, &batch).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::BatchTooLarge {
                count: 101,
                max: 100
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        e.control().request_count("POST /v1/projects/{ref}/secrets"),
        0
    );
    // Exactly 100 goes in one request.
    c.upsert_secrets(REF_B, &batch[..100]).await.unwrap();
    assert_eq!(
        e.control().request_count("POST /v1/projects/{ref}/secrets"),
        1
    );
}

#[tokio::test]
async fn bulk_delete_sends_its_json_body() {
    let e = emu::start();
    e.control().set_recording(true);
    let c = emu::client(&e, emu::TOKEN);
    c.upsert_secrets(
        REF_B,
        &[
            NewSecret::new("A", "1"),
            NewSecret::new("B", "2"),
            NewSecret::new("C", "3"),
        ],
    )
    .await
    .unwrap();
    c.delete_secrets(REF_B, &["A".into(), "C".into()])
        .await
        .unwrap();
    assert_eq!(own_names(&c.list_secrets(REF_B).await.unwrap()), ["B"]);
    let delete = e
        .control()
        .recorded()
        .into_iter()
        .find(|x| x.method == "DELETE")
        .expect("the delete was recorded");
    assert_eq!(
        delete.request_content_type.as_deref(),
        Some("application/json")
    );
    let body: serde_json::Value = serde_json::from_slice(&delete.request_body).unwrap();
    assert_eq!(body, serde_json::json!(["A", "C"]));
    assert_eq!(delete.status, 200);
}

#[tokio::test]
async fn deleting_absent_names_is_tolerated_whether_the_api_says_200_or_404() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    c.delete_secrets(REF_B, &["NEVER_SET".into()])
        .await
        .unwrap();
    e.control().update_faults(|f| f.delete_absent_404 = true);
    let raw = super::raw()
        .delete(format!("{}/v1/projects/{REF_B}/secrets", e.base_url()))
        .bearer_auth(emu::TOKEN)
        .json(&["NEVER_SET"])
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 404, "the knob makes the emulator answer 404");
    c.delete_secrets(REF_B, &["NEVER_SET".into()])
        .await
        .unwrap();
}

#[tokio::test]
async fn deletes_of_more_than_100_names_go_in_requests_of_100() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let names: Vec<String> = (0..150).map(|i| format!("GONE_{i}")).collect();
    c.delete_secrets(REF_B, &names).await.unwrap();
    assert_eq!(
        e.control()
            .request_count("DELETE /v1/projects/{ref}/secrets"),
        2
    );
}

#[tokio::test]
async fn malformed_bodies_get_400_in_the_apis_error_shape() {
    let e = emu::start();
    let url = format!("{}/v1/projects/{REF_B}/secrets", e.base_url());
    let http = super::raw();
    let cases: Vec<(reqwest::Method, Option<&str>, &str)> = vec![
        (
            reqwest::Method::POST,
            Some("application/json"),
            r#"{"name":"A","value":"1"}"#,
        ),
        (
            reqwest::Method::POST,
            Some("application/json"),
            r#"[{"name":"A"}]"#,
        ),
        (
            reqwest::Method::POST,
            Some("application/json"),
            r#"[{"name":1,"value":"1"}]"#,
        ),
        (reqwest::Method::POST, Some("application/json"), "not json"),
        (reqwest::Method::POST, None, r#"[{"name":"A","value":"1"}]"#),
        (
            reqwest::Method::DELETE,
            Some("application/json"),
            r#"[1, 2]"#,
        ),
        (reqwest::Method::DELETE, None, r#"["A"]"#),
    ];
    for (method, ct, body) in cases {
        let mut req = http
            .request(method.clone(), &url)
            .bearer_auth(emu::TOKEN)
            .body(body);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 400, "{method} {ct:?} {body}");
        let v: serde_json::Value = resp.json().await.unwrap();
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    }
}

#[test]
fn new_secret_debug_hides_the_value() {
    let s = NewSecret::new("DB_PASSWORD", "hunter2-very-secret");
    let d = format!("{s:?}");
    assert!(d.contains("DB_PASSWORD") && !d.contains("hunter2"), "{d}");
}

#[test]
fn a_plain_test_fn_can_drive_the_emulator_with_its_own_runtime() {
    let e = emu::start_with(emu::seed(), Faults::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let c = emu::client(&e, emu::TOKEN);
    let list = rt.block_on(c.list_secrets(REF_A)).unwrap();
    assert!(list.iter().any(|s| s.name == "HAND_SET"));
    e.shutdown();
    let err = rt.block_on(c.list_secrets(REF_A)).unwrap_err();
    assert!(
        matches!(err, Error::Transport { .. }),
        "after shutdown: {err:?}"
    );
}
