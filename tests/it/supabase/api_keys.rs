//! API keys: masked or null without reveal, revealed once on create, deleted with
//! was_compromised, and the project-side key check.

use keyward::supabase::api::{ApiKeyType, CreateApiKey, DeleteApiKey, NewApiKeyType};
use keyward::supabase::emulator::{DeletedKey, Masking};
use keyward::supabase::{Error, KeyCheck};
use secrecy::SecretString;

use crate::support::emulator::{self as emu, REF_A, REF_B};

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

#[tokio::test]
async fn listing_masks_secret_keys_unless_revealed() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let keys = c.list_api_keys(REF_A, false).await.unwrap();
    let types: Vec<_> = keys.iter().map(|k| k.key_type).collect();
    assert!(
        types.contains(&Some(ApiKeyType::Publishable)) && types.contains(&Some(ApiKeyType::Secret))
    );
    let sk = keys
        .iter()
        .find(|k| k.key_type == Some(ApiKeyType::Secret))
        .unwrap();
    let masked = sk.api_key.as_deref().unwrap();
    assert!(
        masked.starts_with("sb_secret_") && masked.ends_with('·'),
        "{masked}"
    );
    assert_eq!(sk.revealed_key(), None);
    let pk = keys
        .iter()
        .find(|k| k.key_type == Some(ApiKeyType::Publishable))
        .unwrap();
    assert!(
        pk.revealed_key()
            .is_some_and(|k| k.starts_with("sb_publishable_"))
    );

    let revealed = c.list_api_keys(REF_A, true).await.unwrap();
    let sk = revealed
        .iter()
        .find(|k| k.key_type == Some(ApiKeyType::Secret))
        .unwrap();
    let full = sk.revealed_key().expect("revealed");
    assert!(full.starts_with("sb_secret_") && !full.contains('·'));
    assert_eq!(
        c.check_api_key(REF_A, &secret(full)).await.unwrap(),
        KeyCheck::Accepted
    );
}

#[tokio::test]
async fn a_null_secret_key_without_reveal_is_handled() {
    let e = emu::start();
    e.control()
        .update_faults(|f| f.secret_key_masking = Masking::Null);
    let c = emu::client(&e, emu::TOKEN);
    let keys = c.list_api_keys(REF_A, false).await.unwrap();
    let sk = keys
        .iter()
        .find(|k| k.key_type == Some(ApiKeyType::Secret))
        .unwrap();
    assert_eq!(sk.api_key, None);
    assert_eq!(sk.revealed_key(), None);
    let id = sk.id.clone().unwrap();
    assert_eq!(
        c.get_api_key(REF_A, &id, false).await.unwrap().api_key,
        None
    );
    assert!(
        c.get_api_key(REF_A, &id, true)
            .await
            .unwrap()
            .revealed_key()
            .is_some()
    );
}

#[tokio::test]
async fn create_reveals_once_then_delete_with_was_compromised_kills_the_key() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let body = CreateApiKey::new(NewApiKeyType::Secret, "keyward_rotation_1")
        .with_description("rotated by keyward");
    let created = c.create_api_key(REF_B, &body).await.unwrap();
    let key = created
        .revealed_key()
        .expect("create reveals the key")
        .to_owned();
    let id = created.id.clone().unwrap();
    assert_eq!(created.name, "keyward_rotation_1");
    assert_eq!(created.description.as_deref(), Some("rotated by keyward"));
    assert_eq!(
        c.check_api_key(REF_B, &secret(&key)).await.unwrap(),
        KeyCheck::Accepted
    );
    // A key of one project does not open another.
    assert_eq!(
        c.check_api_key(REF_A, &secret(&key)).await.unwrap(),
        KeyCheck::Refused
    );

    let fetched = c.get_api_key(REF_B, &id, false).await.unwrap();
    assert_eq!(fetched.revealed_key(), None, "later reads are masked");

    let how = DeleteApiKey {
        was_compromised: true,
        reason: Some("leaked in a log".into()),
    };
    let deleted = c.delete_api_key(REF_B, &id, &how).await.unwrap();
    assert_eq!(deleted.id.as_deref(), Some(id.as_str()));
    let log = e.world(|w| w.deleted_keys.clone());
    assert_eq!(
        log,
        [DeletedKey {
            project_ref: REF_B.into(),
            id: id.clone(),
            name: "keyward_rotation_1".into(),
            was_compromised: true,
            reason: Some("leaked in a log".into()),
        }]
    );
    assert_eq!(
        c.check_api_key(REF_B, &secret(&key)).await.unwrap(),
        KeyCheck::Refused
    );
    let err = c.get_api_key(REF_B, &id, false).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = c
        .delete_api_key(REF_B, &id, &DeleteApiKey::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn a_publishable_key_is_created_and_checked() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let created = c
        .create_api_key(
            REF_A,
            &CreateApiKey::new(NewApiKeyType::Publishable, "web_client"),
        )
        .await
        .unwrap();
    assert_eq!(created.key_type, Some(ApiKeyType::Publishable));
    let key = created.revealed_key().unwrap();
    assert_eq!(
        c.check_api_key(REF_A, &secret(key)).await.unwrap(),
        KeyCheck::Accepted
    );
    assert_eq!(
        c.check_api_key(REF_A, &secret("sb_secret_made_up"))
            .await
            .unwrap(),
        KeyCheck::Refused
    );
}

#[tokio::test]
async fn bad_key_names_and_types_are_400() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    for bad in [
        "abc",
        "Upper_case",
        "9starts_with_digit",
        "has-dash",
        &"a".repeat(65),
    ] {
        let err = c
            .create_api_key(REF_A, &CreateApiKey::new(NewApiKeyType::Secret, bad))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Rejected { status: 400, .. }),
            "{bad}: {err:?}"
        );
    }
    let resp = super::raw()
        .post(format!(
            "{}/v1/projects/{REF_A}/api-keys?reveal=true",
            e.base_url()
        ))
        .bearer_auth(emu::TOKEN)
        .json(&serde_json::json!({"type": "legacy", "name": "nope_nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = super::raw()
        .get(format!(
            "{}/v1/projects/{REF_A}/api-keys?reveal=yes",
            e.base_url()
        ))
        .bearer_auth(emu::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "reveal is a boolean string");
}

#[tokio::test]
async fn legacy_keys_cannot_be_deleted() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let keys = c.list_api_keys(REF_A, false).await.unwrap();
    let legacy = keys
        .iter()
        .find(|k| k.key_type == Some(ApiKeyType::Legacy))
        .unwrap();
    let err = c
        .delete_api_key(
            REF_A,
            legacy.id.as_deref().unwrap(),
            &DeleteApiKey::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected { status: 400, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_scoped_token_without_key_permissions_sees_why() {
    let e = emu::start();
    let mut t = keyward::supabase::emulator::TokenSpec::scoped("sbp_fc_readonly_secrets", [REF_A]);
    t.permissions = Some(["edge_functions_secrets_read".to_string()].into());
    e.world(|w| w.add_token(t));
    let c = emu::client(&e, "sbp_fc_readonly_secrets");
    c.list_secrets(REF_A).await.unwrap();
    let err = c.list_api_keys(REF_A, true).await.unwrap_err();
    let line = err.to_string();
    assert!(
        line.contains("missing permissions: api_gateway_keys_read"),
        "{line}"
    );
    assert!(
        !line.contains("API Key Secrets"),
        "a named permission is the cause: {line}"
    );
    let err = c
        .upsert_secrets(REF_A, &[keyward::supabase::api::NewSecret::new("X", "y")])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("edge_functions_secrets_write"),
        "{err}"
    );
}

#[tokio::test]
async fn the_scoped_reveal_bug_is_reported_with_what_to_do() {
    let e = emu::start();
    e.control().update_faults(|f| f.scoped_reveal_403 = true);
    let scoped = emu::client(&e, emu::SCOPED_TOKEN);
    scoped.list_api_keys(REF_A, false).await.unwrap();
    let err = scoped.list_api_keys(REF_A, true).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert!(err.to_string().contains("\"API Key Secrets\""), "{err}");
    // Account tokens are not affected.
    emu::client(&e, emu::TOKEN)
        .list_api_keys(REF_A, true)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_client_for_another_token_shares_the_pool_not_the_identity() {
    let e = emu::start();
    let account = emu::client(&e, emu::TOKEN);
    account.list_projects().await.unwrap();
    let scoped = account.with_token(secret(emu::SCOPED_TOKEN));
    assert!(matches!(
        scoped.list_projects().await,
        Err(Error::Forbidden { .. })
    ));
    account.list_projects().await.unwrap();
    // Each token has its own budget on the API and its own readings in the client.
    let reading = |c: &keyward::supabase::Client| {
        c.rate_limit(keyward::supabase::Endpoint::ListProjects, None)
            .unwrap()
            .remaining
    };
    assert_eq!((reading(&account), reading(&scoped)), (118, 119));
}
