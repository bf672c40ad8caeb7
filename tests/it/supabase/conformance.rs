//! The emulator and the client against the official OpenAPI document: a scenario drives
//! every endpoint keyward uses through every answer class while the emulator records;
//! then every response (status, body schema) and every request our client sent (body,
//! query and path parameters) is checked against the spec.

use std::collections::BTreeSet;

use keyward::supabase::api::{
    CreateApiKey, CreateBranch, CreateSigningKey, DeleteApiKey, NewApiKeyType, NewSecret,
    SigningAlgorithm, SigningKeyStatus, UpdateApiKey, UpdateSigningKey,
};
use keyward::supabase::emulator::{Exchange, Masking};
use keyward::supabase::{Endpoint, Error};
use serde_json::Value;

use super::openapi::Spec;
use crate::support::emulator::{self as emu, REF_A, REF_B, REF_C, REF_MISSING};

/// Drives every endpoint and error class. Returns nothing; the recording is the output.
async fn scenario(e: &keyward::supabase::emulator::Emulator) {
    let c = emu::client(e, emu::TOKEN);
    let scoped = emu::client(e, emu::SCOPED_TOKEN);
    let unknown = emu::client(e, emu::UNKNOWN_TOKEN);

    // 2xx on every endpoint.
    c.list_projects().await.unwrap();
    c.get_project(REF_A).await.unwrap();
    c.list_organizations().await.unwrap();
    c.list_secrets(REF_A).await.unwrap();
    c.upsert_secrets(
        REF_B,
        &[
            NewSecret::new("API_URL", "https://x"),
            NewSecret::new("MAX", "v".repeat(24_576)),
        ],
    )
    .await
    .unwrap();
    c.delete_secrets(REF_B, &["API_URL".into(), "NEVER_SET".into()])
        .await
        .unwrap();
    c.list_secrets(REF_B).await.unwrap();
    c.list_api_keys(REF_A, false).await.unwrap();
    c.list_api_keys(REF_A, true).await.unwrap();
    let created = c
        .create_api_key(
            REF_A,
            &CreateApiKey::new(NewApiKeyType::Secret, "conformance_key").with_description("test"),
        )
        .await
        .unwrap();
    c.create_api_key(
        REF_A,
        &CreateApiKey::new(NewApiKeyType::Publishable, "conformance_pub"),
    )
    .await
    .unwrap();
    let id = created.id.unwrap();
    c.get_api_key(REF_A, &id, false).await.unwrap();
    c.get_api_key(REF_A, &id, true).await.unwrap();
    c.get_api_key(REF_A, "anon", false).await.unwrap();
    let mut template = serde_json::Map::new();
    template.insert("role".into(), "service_role".into());
    c.update_api_key(
        REF_A,
        &id,
        &UpdateApiKey {
            description: Some("renamed".into()),
            secret_jwt_template: Some(template),
            ..UpdateApiKey::default()
        },
    )
    .await
    .unwrap();
    // The legacy keys' switch and the signing keys, through a whole rotation.
    c.legacy_api_keys(REF_A).await.unwrap();
    c.set_legacy_api_keys(REF_B, false).await.unwrap();
    c.list_signing_keys(REF_B).await.unwrap();
    let legacy = c.import_legacy_signing_key(REF_B).await.unwrap();
    c.legacy_signing_key(REF_B).await.unwrap();
    let next = c
        .create_signing_key(
            REF_B,
            &CreateSigningKey {
                algorithm: SigningAlgorithm::ES256,
                status: Some(SigningKeyStatus::Standby),
            },
        )
        .await
        .unwrap();
    c.get_signing_key(REF_B, &next.id).await.unwrap();
    let status = |s| UpdateSigningKey { status: s };
    c.update_signing_key(REF_B, &next.id, &status(SigningKeyStatus::InUse))
        .await
        .unwrap();
    c.update_signing_key(REF_B, &legacy.id, &status(SigningKeyStatus::Revoked))
        .await
        .unwrap();
    c.delete_signing_key(REF_B, &legacy.id).await.unwrap();
    c.list_signing_keys(REF_B).await.unwrap();
    assert!(matches!(
        c.delete_signing_key(REF_B, &next.id).await,
        Err(Error::Rejected { status: 400, .. })
    ));
    e.control()
        .update_faults(|f| f.secret_key_masking = Masking::Null);
    c.list_api_keys(REF_A, false).await.unwrap();
    e.control()
        .update_faults(|f| f.secret_key_masking = Masking::Masked);
    let how = DeleteApiKey {
        was_compromised: true,
        reason: Some("rotating_key".into()),
    };
    c.delete_api_key(REF_A, &id, &how).await.unwrap();
    scoped.get_project(REF_A).await.unwrap();
    // Preview branches: create (with secrets), list, get by name and by ref, delete
    // (scheduled, then at once).
    let mut secrets = std::collections::BTreeMap::new();
    secrets.insert("SEEDED".to_string(), "at creation".to_string());
    let b = c
        .create_branch(
            REF_A,
            &CreateBranch {
                branch_name: "conformance".into(),
                git_branch: Some("feat/conformance".into()),
                persistent: Some(false),
                secrets: Some(secrets),
                ..CreateBranch::default()
            },
        )
        .await
        .unwrap();
    c.list_branches(REF_A).await.unwrap();
    c.get_branch(REF_A, "conformance").await.unwrap();
    c.get_branch_config(&b.project_ref).await.unwrap();
    c.list_secrets(&b.project_ref).await.unwrap();
    c.delete_branch(&b.project_ref, false).await.unwrap();
    c.list_branches(REF_A).await.unwrap();
    c.delete_branch(&b.project_ref, true).await.unwrap();
    assert!(matches!(
        c.get_branch(REF_A, "conformance").await,
        Err(Error::NotFound { .. })
    ));

    // 401, 403, 404, 400.
    assert!(matches!(
        unknown.list_projects().await,
        Err(Error::Unauthorized { .. })
    ));
    assert!(matches!(
        unknown.list_secrets(REF_A).await,
        Err(Error::Unauthorized { .. })
    ));
    assert!(matches!(
        scoped.list_projects().await,
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        scoped.list_organizations().await,
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        scoped.list_secrets(REF_C).await,
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        c.get_project(REF_MISSING).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        c.get_api_key(REF_A, &id, false).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        c.delete_api_key(REF_A, &id, &DeleteApiKey::default()).await,
        Err(Error::NotFound { .. })
    ));
    let bad = [NewSecret::new("SUPABASE_NOPE", "v")];
    assert!(matches!(
        c.upsert_secrets(REF_A, &bad).await,
        Err(Error::Rejected { status: 400, .. })
    ));
    let too_big = [NewSecret::new("BIG", "v".repeat(24_577))];
    assert!(matches!(
        c.upsert_secrets(REF_A, &too_big).await,
        Err(Error::Rejected { status: 400, .. })
    ));
    assert!(matches!(
        c.delete_secrets(REF_A, &["SUPABASE_URL".into()]).await,
        Err(Error::Rejected { status: 400, .. })
    ));
    let bad_key = CreateApiKey::new(NewApiKeyType::Secret, "No");
    assert!(matches!(
        c.create_api_key(REF_A, &bad_key).await,
        Err(Error::Rejected { status: 400, .. })
    ));
    assert!(matches!(
        emu::client(e, "").list_projects().await,
        Err(Error::Unauthorized { .. })
    ));

    // 429, and injected 500/503.
    e.control().set_rate_limit(1);
    c.list_secrets(REF_C).await.unwrap();
    assert!(matches!(
        c.list_secrets(REF_C).await,
        Err(Error::RateLimited { .. })
    ));
    e.control().set_rate_limit(120);
    e.control()
        .fail_next(Endpoint::UpsertSecrets.route(), 1, 500);
    assert!(
        c.upsert_secrets(REF_B, &[NewSecret::new("X", "1")])
            .await
            .is_err()
    );
    e.control().fail_next(Endpoint::ListApiKeys.route(), 1, 503);
    assert!(c.list_api_keys(REF_B, false).await.is_err());
}

fn error_shape_problems(body: &[u8]) -> Vec<String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return vec!["error body is not a JSON object".into()];
    };
    let mut p = Vec::new();
    if !map.get("message").is_some_and(Value::is_string) {
        p.push("error body has no string `message`".into());
    }
    for (k, v) in &map {
        let ok = match k.as_str() {
            "message" => true,
            "errorEventId" => v.is_string(),
            "missing_permissions" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            _ => false,
        };
        if !ok {
            p.push(format!(
                "error body field `{k}` is not in the API's error shape"
            ));
        }
    }
    p
}

fn check_exchange(spec: &Spec, x: &Exchange) -> Vec<String> {
    let route = x.route.as_deref().unwrap_or("(unmatched)");
    let mut problems = Vec::new();
    let Some(op) = spec.operation(&x.method, route) else {
        return vec![format!(
            "{} {route} is not an operation of the spec",
            x.method
        )];
    };
    let status = x.status.to_string();
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        if !x.response_headers.iter().any(|(k, _)| k == h) {
            problems.push(format!("no {h} header"));
        }
    }
    // Responses.
    if x.status < 400 {
        match op["responses"].get(&status) {
            None => problems.push(format!("status {status} is not declared")),
            Some(resp) => match resp.pointer("/content/application~1json/schema") {
                Some(schema) => match serde_json::from_slice::<Value>(&x.response_body) {
                    Ok(body) => problems.extend(spec.validate(schema, &body)),
                    Err(e) => problems.push(format!("response body is not JSON: {e}")),
                },
                None if !x.response_body.is_empty() => {
                    problems.push("the spec declares no body but one was sent".into())
                }
                None => {}
            },
        }
    } else {
        // The spec lists 401/403/429/500 without bodies; NOTES.md gives the error shape,
        // which every error answer (declared or not: 400, 404, injected 503) must have.
        problems.extend(error_shape_problems(&x.response_body));
        if x.status == 429 && !x.response_headers.iter().any(|(k, _)| k == "retry-after") {
            problems.push("429 without Retry-After".into());
        }
    }
    if x.response_content_type.is_none() && !x.response_body.is_empty() {
        problems.push("a body without a content type".into());
    }
    // Requests our client sent and the API accepted.
    let ours = x
        .user_agent
        .as_deref()
        .is_some_and(|ua| ua.starts_with("keyward/"));
    if ours && x.status < 400 {
        match op.pointer("/requestBody/content/application~1json/schema") {
            Some(schema) => {
                if x.request_content_type.as_deref() != Some("application/json") {
                    problems.push(format!("request content type {:?}", x.request_content_type));
                }
                match serde_json::from_slice::<Value>(&x.request_body) {
                    Ok(body) => problems.extend(
                        spec.validate(schema, &body)
                            .into_iter()
                            .map(|p| format!("request {p}")),
                    ),
                    Err(e) => problems.push(format!("request body is not JSON: {e}")),
                }
            }
            None if !x.request_body.is_empty() => {
                problems.push("a request body the spec does not take".into())
            }
            None => {}
        }
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let param = |name: &str, place: &str| {
            params
                .iter()
                .find(|p| p["name"] == name && p["in"] == place)
                .cloned()
        };
        let url = reqwest::Url::parse(&format!(
            "http://x{}?{}",
            x.path,
            x.query.as_deref().unwrap_or("")
        ))
        .unwrap();
        for (k, v) in url.query_pairs() {
            match param(&k, "query") {
                None => problems.push(format!("query parameter `{k}` is not in the spec")),
                Some(p) if p["schema"]["type"] == "boolean" => {
                    if v != "true" && v != "false" {
                        problems.push(format!("query `{k}={v}` is not a boolean string"));
                    }
                }
                Some(p) => {
                    problems.extend(spec.validate(&p["schema"], &Value::String(v.into_owned())))
                }
            }
        }
        for (tpl, actual) in route.split('/').zip(x.path.split('/')) {
            if let Some(name) = tpl.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                match param(name, "path") {
                    Some(p) => {
                        problems.extend(spec.validate(&p["schema"], &Value::String(actual.into())))
                    }
                    None => problems.push(format!("path parameter `{name}` is not in the spec")),
                }
            }
        }
    }
    problems
        .into_iter()
        .map(|p| format!("{} {} -> {}: {p}", x.method, x.path, x.status))
        .collect()
}

#[tokio::test]
async fn every_emulator_answer_and_client_request_conforms_to_the_official_spec() {
    let spec = Spec::load();
    let e = emu::start();
    e.control().set_recording(true);
    scenario(&e).await;
    let recorded: Vec<Exchange> = e
        .control()
        .recorded()
        .into_iter()
        .filter(|x| x.path.starts_with("/v1/"))
        .collect();

    let problems: Vec<String> = recorded
        .iter()
        .flat_map(|x| check_exchange(&spec, x))
        .collect();
    assert!(
        problems.is_empty(),
        "against {}:\n{}",
        spec.path.display(),
        problems.join("\n")
    );

    // The scenario really covered every endpoint and every answer class.
    let endpoints: BTreeSet<String> = recorded
        .iter()
        .map(|x| format!("{} {}", x.method, x.route.as_deref().unwrap_or("")))
        .collect();
    for ep in Endpoint::ALL {
        assert!(endpoints.contains(ep.route()), "{ep} not exercised");
    }
    let statuses: BTreeSet<u16> = recorded.iter().map(|x| x.status).collect();
    for s in [200, 201, 400, 401, 403, 404, 429, 500, 503] {
        assert!(
            statuses.contains(&s),
            "no {s} in the scenario: {statuses:?}"
        );
    }
    let client_bodies = recorded
        .iter()
        .filter(|x| {
            x.user_agent
                .as_deref()
                .is_some_and(|u| u.starts_with("keyward/"))
                && !x.request_body.is_empty()
        })
        .count();
    assert!(client_bodies >= 4, "client request bodies were checked");
}

#[tokio::test]
async fn the_conformance_check_itself_can_fail() {
    // A response the spec forbids must be caught, or the test above proves nothing.
    let spec = Spec::load();
    let bogus = Exchange {
        method: "GET".into(),
        route: Some("/v1/projects/{ref}/secrets".into()),
        path: format!("/v1/projects/{REF_A}/secrets"),
        query: None,
        user_agent: Some("keyward/test".into()),
        request_content_type: None,
        request_body: Vec::new(),
        status: 200,
        response_content_type: Some("application/json".into()),
        response_headers: vec![],
        response_body: br#"[{"name": "A"}]"#.to_vec(),
    };
    let problems = check_exchange(&spec, &bogus);
    assert!(
        problems.iter().any(|p| p.contains("`value` missing")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("x-ratelimit-limit")),
        "{problems:?}"
    );
    let bad_request = Exchange {
        method: "POST".into(),
        status: 201,
        request_content_type: Some("application/json".into()),
        request_body: br#"{"name": "A", "value": "b"}"#.to_vec(),
        response_body: Vec::new(),
        ..bogus
    };
    let problems = check_exchange(&spec, &bad_request);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("request $: expected array")),
        "{problems:?}"
    );
}
