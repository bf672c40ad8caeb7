//! Authentication: good keys work, every kind of bad key is refused, and every use is
//! audited without the key or a value.

use super::{Api, DB_PASSWORD, STRIPE, WEB_TOKEN, key};

const STRIPE_PATH: &str = "/v1/projects/billing/secrets/STRIPE";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_key_reads_values_fields_and_names() {
    let api = Api::start().await;
    let (_, k) = key(&api.vault, "ci", &[], false);

    let (s, v) = api.get(STRIPE_PATH, Some(&k)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["value"], STRIPE);
    assert_eq!(v["version"], 1);
    let r = super::client(None)
        .get(api.url(STRIPE_PATH))
        .header("Authorization", format!("bearer {k}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "the scheme is case-insensitive");
    assert_eq!(r.headers()["cache-control"], "no-store");

    let (s, v) = api.get("/v1/projects/billing/secrets/db", Some(&k)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["fields"][1]["name"], "password");
    assert_eq!(v["fields"][1]["value"], DB_PASSWORD);

    let (s, v) = api
        .get("/v1/projects/billing/secrets/db/fields/password", Some(&k))
        .await;
    assert_eq!((s, v["value"].as_str()), (200, Some(DB_PASSWORD)));
    let (s, v) = api
        .get("/v1/projects/billing/secrets/db/fields/nope", Some(&k))
        .await;
    assert_eq!(s, 404, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("host, password")
    );
    let (s, _) = api
        .get("/v1/projects/billing/secrets/STRIPE/fields/x", Some(&k))
        .await;
    assert_eq!(s, 400);

    let (s, v) = api.get("/v1/projects/billing/secrets", Some(&k)).await;
    assert_eq!(s, 200);
    let names: Vec<&str> = v["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["STRIPE", "db"]);
    assert!(!v.to_string().contains(STRIPE), "listing carries no values");

    let (s, _) = api
        .get("/v1/projects/billing/secrets/missing", Some(&k))
        .await;
    assert_eq!(s, 404);

    let listed = api.vault.read().unwrap().access_keys().unwrap();
    assert!(listed[0].last_used.is_some(), "a use stamps last_used");
    api.stop().await;
}

/// Every length from 0 to 70, each a prefix of a valid key or a valid key padded, and
/// the wrong prefix or alphabet at the right length: all 401, none ever reaches a value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_keys_of_every_length_are_refused() {
    let api = Api::start().await;
    let (_, k) = key(&api.vault, "ci", &[], false);
    let mut bad: Vec<String> = (0..k.len()).map(|n| k[..n].to_string()).collect();
    for extra in 1..=8 {
        bad.push(format!("{k}{}", "A".repeat(extra)));
    }
    bad.push(format!("KW_{}", &k[3..]));
    bad.push(format!("kw-{}", &k[3..]));
    bad.push(format!("{}_{}", &k[..40], &k[41..]));
    bad.push(format!("{}={}", &k[..40], &k[41..]));
    bad.push(format!("kw_{}{}", "z".repeat(27), &k[30..])); // id above the KSUID range
    bad.push(" ".repeat(62));
    for b in &bad {
        let (s, v) = api.get(STRIPE_PATH, Some(b)).await;
        assert_eq!(s, 401, "{b:?} gave {v}");
        assert_eq!(v["error"]["code"], "unauthorized");
    }
    // No header, another scheme, a non-ASCII header.
    let (s, _) = api.get(STRIPE_PATH, None).await;
    assert_eq!(s, 401);
    let c = super::client(None);
    let r = c
        .get(api.url(STRIPE_PATH))
        .header("Authorization", format!("Basic {k}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = c
        .get(api.url(STRIPE_PATH))
        .header("Authorization", b"Bearer kw_\xff\xfe".as_slice())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    let uses = api.uses();
    assert_eq!(uses.len(), bad.len() + 3);
    assert!(uses.iter().all(|u| u["outcome"] == "failed"));
    // The KSUID-range case parses no id; the prefixes of the real key never do either.
    assert!(uses.iter().all(|u| u["subject"] == "-"), "{uses:?}");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_id_with_a_wrong_secret_and_a_revoked_key_are_refused() {
    let api = Api::start().await;
    let (id, k) = key(&api.vault, "ci", &[], false);
    // Same id, secret changed in its last character.
    let last = k.chars().last().unwrap();
    let wrong = format!(
        "{}{}",
        &k[..k.len() - 1],
        if last == 'a' { 'b' } else { 'a' }
    );
    let (s, v) = api.get(STRIPE_PATH, Some(&wrong)).await;
    assert_eq!(s, 401);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid")
    );
    // An unknown but well-formed id.
    let other = format!("kw_{}{}", "1".repeat(27), &k[30..]);
    assert_eq!(api.get(STRIPE_PATH, Some(&other)).await.0, 401);
    // Still good with the right secret.
    assert_eq!(api.get(STRIPE_PATH, Some(&k)).await.0, 200);

    api.vault
        .write(|tx| tx.revoke_access_key(&id).map(|_| ()))
        .unwrap();
    let (s, v) = api.get(STRIPE_PATH, Some(&k)).await;
    assert_eq!(s, 401);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("revoked"),
        "{v}"
    );
    // A revoked key with a wrong secret is just "not valid": only the holder learns more.
    let (s, v) = api.get(STRIPE_PATH, Some(&wrong)).await;
    assert_eq!(s, 401);
    assert!(!v["error"]["message"].as_str().unwrap().contains("revoked"));

    let details: Vec<String> = api
        .uses()
        .iter()
        .map(|u| format!("{} {} {}", u["subject"], u["outcome"], u["detail"]))
        .collect();
    assert!(
        details[0].contains(&id) && details[0].contains("wrong secret"),
        "{details:?}"
    );
    assert!(details[1].contains("unknown id"));
    assert!(details[2].contains("\"ok\"") && details[2].contains("200"));
    assert!(details[3].contains("revoked"));
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_entries_never_hold_a_key_or_a_value() {
    let api = Api::start().await;
    let (id, k) = key(&api.vault, "ci", &["billing"], false);
    let secret_part = &k[30..];
    api.get(STRIPE_PATH, Some(&k)).await;
    api.get("/v1/projects/billing/secrets/db", Some(&k)).await;
    api.get("/v1/projects/billing/secrets/db/fields/password", Some(&k))
        .await;
    api.get("/v1/projects/web/secrets/TOKEN", Some(&k)).await;
    // The last character changed (to one it is not: a random key may end in `x`).
    let other = if k.ends_with('x') { 'y' } else { 'x' };
    api.get(STRIPE_PATH, Some(&format!("{}{other}", &k[..61])))
        .await;
    api.get(STRIPE_PATH, Some(&format!("{k}tail"))).await;

    let log =
        serde_json::to_string(&api.vault.read().unwrap().audit_entries(None).unwrap()).unwrap();
    for needle in [
        secret_part,
        &k[..],
        STRIPE,
        DB_PASSWORD,
        WEB_TOKEN,
        &k[50..],
    ] {
        assert!(!log.contains(needle), "the audit log holds {needle:?}");
    }
    let uses = api.uses();
    assert_eq!(uses.len(), 6);
    let outcomes: Vec<&str> = uses
        .iter()
        .map(|u| u["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["ok", "ok", "ok", "failed", "failed", "failed"]);
    assert!(uses[..5].iter().all(|u| u["subject"] == id.as_str()));
    assert!(uses[3]["detail"].as_str().unwrap().contains("403"));
    assert!(
        uses[0]["detail"]
            .as_str()
            .unwrap()
            .contains("GET /v1/projects/billing/secrets/STRIPE")
    );
    // The file itself holds neither the key nor its secret part.
    let bytes = std::fs::read(&api.sb.path).unwrap();
    assert!(!crate::support::vault::contains(
        &bytes,
        secret_part.as_bytes()
    ));
    api.stop().await;
}

/// The audit entry is written before the response leaves: when it cannot be (the
/// engine, the vault's writer, has stopped), the value is not sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_value_leaves_without_its_audit_entry() {
    let (sb, vault) = super::seeded();
    let (_, k) = key(&vault, "ci", &[], false);
    let (engine, task) = keyward::engine::start(vault.clone());
    let api = Api::serve_with_engine(sb, vault, super::options(), engine.clone()).await;
    assert_eq!(api.get(STRIPE_PATH, Some(&k)).await.0, 200);
    engine.shutdown();
    task.await.unwrap();
    let (s, v) = api.get(STRIPE_PATH, Some(&k)).await;
    assert_eq!(s, 500, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("audit"));
    assert!(!v.to_string().contains(STRIPE));
    assert_eq!(api.uses().len(), 1);
    api.stop().await;
}
