//! Projects, organizations and token validation (NOTES.md: account and scoped tokens).

use keyward::supabase::{Error, TokenScope, token::token_format_warning};

use crate::support::emulator::{self as emu, REF_A, REF_B, REF_C, REF_MISSING};

#[tokio::test]
async fn an_account_token_lists_every_project_and_organization() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let projects = c.list_projects().await.unwrap();
    let refs: Vec<&str> = projects.iter().map(|p| p.project_ref.as_str()).collect();
    assert_eq!(refs, [REF_A, REF_B, REF_C]);
    assert_eq!(projects[0].name, "billing-api");
    assert_eq!(projects[0].organization_slug, emu::ORG);
    let orgs = c.list_organizations().await.unwrap();
    let slugs: Vec<&str> = orgs.iter().map(|o| o.slug.as_str()).collect();
    assert_eq!(slugs, [emu::ORG, emu::OTHER_ORG]);
    let p = c.get_project(REF_B).await.unwrap();
    assert_eq!((p.project_ref.as_str(), p.name.as_str()), (REF_B, "web"));
}

#[tokio::test]
async fn a_scoped_token_gets_403_with_missing_permissions_on_account_wide_lists() {
    let e = emu::start();
    let c = emu::client(&e, emu::SCOPED_TOKEN);
    let err = c.list_projects().await.unwrap_err();
    match &err {
        Error::Forbidden {
            missing_permissions,
            ..
        } => assert_eq!(missing_permissions, &["projects_read"]),
        other => panic!("expected Forbidden, got {other:?}"),
    }
    let line = err.to_string();
    assert!(
        line.contains("missing permissions: projects_read"),
        "{line}"
    );
    assert!(
        line.contains("project ref"),
        "the hint says what to do: {line}"
    );
    assert!(!line.contains('\n'));
    assert!(matches!(
        c.list_organizations().await,
        Err(Error::Forbidden { .. })
    ));
    // It reads its own project, and is forbidden the others.
    assert_eq!(c.get_project(REF_A).await.unwrap().project_ref, REF_A);
    assert!(matches!(
        c.get_project(REF_B).await,
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        c.list_secrets(REF_C).await,
        Err(Error::Forbidden { .. })
    ));
}

#[tokio::test]
async fn unknown_and_malformed_project_refs() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let err = c.get_project(REF_MISSING).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("404"), "{err}");
    let err = c.list_secrets("Not-A-Ref").await.unwrap_err();
    assert!(
        matches!(err, Error::Rejected { status: 400, ref message } if message.contains("20 lowercase letters")),
        "{err:?}"
    );
}

#[tokio::test]
async fn validating_an_account_token_lists_its_projects() {
    let e = emu::start();
    let v = emu::client(&e, emu::TOKEN)
        .validate_token(None)
        .await
        .unwrap();
    assert!(matches!(&v.scope, TokenScope::Account { projects } if projects.len() == 3));
    assert_eq!(v.format_warning, None);
}

#[tokio::test]
async fn validating_a_scoped_token_falls_back_to_the_given_project() {
    let e = emu::start();
    let c = emu::client(&e, emu::SCOPED_TOKEN);
    let v = c.validate_token(Some(REF_A)).await.unwrap();
    assert!(matches!(&v.scope, TokenScope::Project { project } if project.project_ref == REF_A));
    assert_eq!(v.projects().len(), 1);
    // Without a ref there is nothing to validate against: the error says to give one.
    let err = c.validate_token(None).await.unwrap_err();
    assert!(err.to_string().contains("give the project ref"), "{err}");
    // A ref the token cannot see is refused, not accepted.
    assert!(matches!(
        c.validate_token(Some(REF_B)).await,
        Err(Error::Forbidden { .. })
    ));
    // The fallback went to GET /v1/projects/{ref} exactly as NOTES.md says.
    assert_eq!(e.control().request_count("GET /v1/projects/{ref}"), 2);
}

#[tokio::test]
async fn invalid_missing_and_revoked_tokens_are_401() {
    let e = emu::start();
    let err = emu::client(&e, emu::UNKNOWN_TOKEN)
        .validate_token(None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().contains("invalid or revoked"), "{err}");

    let empty = emu::client(&e, "").list_projects().await.unwrap_err();
    assert!(matches!(empty, Error::Unauthorized { .. }), "{empty:?}");
    let resp = super::raw()
        .get(format!("{}/v1/projects", e.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["message"].is_string(), "{body}");

    let c = emu::client(&e, emu::OTHER_TOKEN);
    c.list_projects().await.unwrap();
    assert!(e.revoke_token(emu::OTHER_TOKEN));
    let err = c.list_projects().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    // The other account token is untouched by the revocation.
    emu::client(&e, emu::TOKEN).list_projects().await.unwrap();
}

#[tokio::test]
async fn an_unusual_token_format_warns_but_is_still_tried() {
    let e = emu::start();
    e.world(|w| {
        w.add_token(keyward::supabase::emulator::TokenSpec::account(
            "oauth-style-token",
        ))
    });
    let v = emu::client(&e, "oauth-style-token")
        .validate_token(None)
        .await
        .unwrap();
    assert!(v.format_warning.is_some());
    assert!(token_format_warning(emu::TOKEN).is_none());
}
