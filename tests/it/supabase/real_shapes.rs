//! The emulator answers as the real API does (from Supabase CLI recordings): the legacy
//! entries' shape, the default secret key's template, the mask, `PATCH /api-keys/{id}`,
//! `GET/PUT /api-keys/legacy` (not captured by the `{id}` route), and both shapes of a
//! secrets listing (with and without the platform's `SUPABASE_*` entries).

use keyward::supabase::api::{ApiKeyType, UpdateApiKey};
use keyward::supabase::{Error, KeyCheck};
use secrecy::SecretString;
use serde_json::json;

use super::raw;
use crate::support::emulator::{self as emu, REF_A, REF_B};

#[tokio::test]
async fn legacy_entries_default_template_and_mask_look_like_the_real_api() {
    let e = emu::start();
    let url = format!("{}/v1/projects/{REF_A}/api-keys?reveal=false", e.base_url());
    let body: serde_json::Value = raw()
        .get(&url)
        .bearer_auth(emu::TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = body.as_array().unwrap();
    let anon = keys.iter().find(|k| k["name"] == "anon").unwrap();
    assert_eq!(anon["id"], "anon");
    assert_eq!(anon["type"], "legacy");
    assert_eq!(anon["description"], "Legacy anon API key");
    assert_eq!(anon["prefix"], "");
    assert_eq!(anon["hash"], "");
    assert!(anon.get("inserted_at").is_none() && anon.get("updated_at").is_none());
    let service = keys.iter().find(|k| k["name"] == "service_role").unwrap();
    assert_eq!(service["id"], "service_role");
    assert_eq!(service["description"], "Legacy service_role API key");

    let secret = keys
        .iter()
        .find(|k| k["type"] == "secret" && k["name"] == "default")
        .unwrap();
    assert_eq!(
        secret["secret_jwt_template"],
        json!({"role": "service_role"})
    );
    let masked = secret["api_key"].as_str().unwrap();
    let prefix = secret["prefix"].as_str().unwrap();
    assert!(
        masked.starts_with(prefix) && masked[prefix.len()..].chars().all(|c| c == '·'),
        "{masked}"
    );
    assert!(secret["inserted_at"].is_string());
    let publishable = keys.iter().find(|k| k["type"] == "publishable").unwrap();
    assert_eq!(publishable["secret_jwt_template"], serde_json::Value::Null);

    // The client reads the legacy entries too.
    let c = emu::client(&e, emu::TOKEN);
    let listed = c.list_api_keys(REF_A, false).await.unwrap();
    let anon = listed.iter().find(|k| k.name == "anon").unwrap();
    assert_eq!(anon.key_type, Some(ApiKeyType::Legacy));
    assert_eq!(anon.inserted_at, None);
    let got = c.get_api_key(REF_A, "anon", false).await.unwrap();
    assert_eq!(got.name, "anon");
}

#[tokio::test]
async fn a_key_can_be_renamed_and_given_a_template_but_a_legacy_key_cannot() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let keys = c.list_api_keys(REF_A, false).await.unwrap();
    let id = keys
        .iter()
        .find(|k| k.key_type == Some(ApiKeyType::Secret))
        .and_then(|k| k.id.clone())
        .unwrap();
    let mut t = serde_json::Map::new();
    t.insert("role".into(), json!("reader"));
    let body = UpdateApiKey {
        name: Some("renamed_key".into()),
        description: Some("read only".into()),
        secret_jwt_template: Some(t.clone()),
    };
    let k = c.update_api_key(REF_A, &id, &body).await.unwrap();
    assert_eq!(
        (k.name.as_str(), k.secret_jwt_template),
        ("renamed_key", Some(t))
    );
    let err = c
        .update_api_key(REF_A, "anon", &UpdateApiKey::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Rejected { status: 400, .. }), "{err}");
    let bad = UpdateApiKey {
        name: Some("No".into()),
        ..UpdateApiKey::default()
    };
    assert!(matches!(
        c.update_api_key(REF_A, &id, &bad).await,
        Err(Error::Rejected { status: 400, .. })
    ));
}

#[tokio::test]
async fn the_legacy_switch_is_served_and_turns_the_legacy_keys_off_and_on() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    assert!(c.legacy_api_keys(REF_A).await.unwrap().enabled);
    let anon = SecretString::from(
        c.get_api_key(REF_A, "anon", false)
            .await
            .unwrap()
            .api_key
            .unwrap(),
    );
    let publishable = c
        .list_api_keys(REF_A, false)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.key_type == Some(ApiKeyType::Publishable))
        .and_then(|k| k.api_key)
        .map(SecretString::from)
        .unwrap();
    assert_eq!(
        c.check_api_key(REF_A, &anon).await.unwrap(),
        KeyCheck::Accepted
    );
    assert!(!c.set_legacy_api_keys(REF_A, false).await.unwrap().enabled);
    assert!(!c.legacy_api_keys(REF_A).await.unwrap().enabled);
    assert_eq!(
        c.check_api_key(REF_A, &anon).await.unwrap(),
        KeyCheck::Refused
    );
    assert_eq!(
        c.check_api_key(REF_A, &publishable).await.unwrap(),
        KeyCheck::Accepted
    );
    assert!(c.set_legacy_api_keys(REF_A, true).await.unwrap().enabled);
    assert_eq!(
        c.check_api_key(REF_A, &anon).await.unwrap(),
        KeyCheck::Accepted
    );
    // `enabled` must be a boolean string.
    let url = format!(
        "{}/v1/projects/{REF_A}/api-keys/legacy?enabled=maybe",
        e.base_url()
    );
    let r = raw()
        .put(&url)
        .bearer_auth(emu::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_new_projects_listing_may_hold_no_platform_entries() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let older = c.list_secrets(REF_A).await.unwrap();
    assert!(older.iter().any(|s| s.name == "SUPABASE_URL"));
    let new = c.list_secrets(REF_B).await.unwrap();
    assert!(new.is_empty(), "{new:?}");
}
