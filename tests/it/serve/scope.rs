//! Scope: a key reads only its projects; a key for every project sees new ones too.

use super::{Api, WEB_TOKEN, key};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_refused_outside_its_projects() {
    let api = Api::start().await;
    let (_, billing) = key(&api.vault, "billing only", &["billing"], false);
    let (_, all) = key(&api.vault, "everything", &[], false);

    assert_eq!(
        api.get("/v1/projects/billing/secrets/STRIPE", Some(&billing))
            .await
            .0,
        200
    );
    for path in [
        "/v1/projects/web/secrets/TOKEN",
        "/v1/projects/web/secrets",
        // A project that does not exist looks the same to a scoped key: no probing names.
        "/v1/projects/nope/secrets",
        "/v1/projects/nope/secrets/X",
    ] {
        let (s, v) = api.get(path, Some(&billing)).await;
        assert_eq!(s, 403, "{path}: {v}");
        assert_eq!(v["error"]["code"], "forbidden");
        assert!(!v.to_string().contains(WEB_TOKEN));
    }

    let (s, v) = api.get("/v1/projects/web/secrets/TOKEN", Some(&all)).await;
    assert_eq!((s, v["value"].as_str()), (200, Some(WEB_TOKEN)));
    assert_eq!(
        api.get("/v1/projects/nope/secrets", Some(&all)).await.0,
        404
    );

    // A project made after the key: in scope of the all-projects key only.
    api.vault
        .write(|tx| tx.add_project("later").map(|_| ()))
        .unwrap();
    assert_eq!(
        api.get("/v1/projects/later/secrets", Some(&all)).await.0,
        200
    );
    assert_eq!(
        api.get("/v1/projects/later/secrets", Some(&billing))
            .await
            .0,
        403
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_and_recreated_project_is_not_in_the_old_scope() {
    let api = Api::start().await;
    api.vault
        .write(|tx| tx.add_project("tmp").map(|_| ()))
        .unwrap();
    let (_, k) = key(&api.vault, "tmp only", &["tmp"], false);
    assert_eq!(api.get("/v1/projects/tmp/secrets", Some(&k)).await.0, 200);
    api.vault
        .write(|tx| {
            tx.remove_project("tmp")?;
            tx.add_project("tmp").map(|_| ())
        })
        .unwrap();
    // Scope holds project ids, which survive renames and are never reused.
    assert_eq!(api.get("/v1/projects/tmp/secrets", Some(&k)).await.0, 403);
    let listed = api.vault.read().unwrap().access_keys().unwrap();
    assert!(listed[0].project_names.as_ref().unwrap()[0].starts_with('#'));
    api.stop().await;
}
