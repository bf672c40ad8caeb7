//! A flood of bad keys from one address is cut off for that address only.

use std::net::IpAddr;
use std::time::Duration;

use super::{Api, client, get_from, key, options};

const PATH: &str = "/v1/projects/billing/secrets/STRIPE";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bad_keys_is_rate_limited_per_address_and_valid_keys_still_work() {
    let api = Api::start_with(keyward::serve::Options {
        failure_burst: 5,
        failure_refill: Duration::from_secs(600),
        ..options()
    })
    .await;
    let (_, k) = key(&api.vault, "ci", &[], false);
    let bad = format!("{}{}", &k[..40], "0".repeat(22));
    // Linux routes all of 127.0.0.0/8 to loopback: 127.0.0.2 is "another client".
    let attacker_ip: IpAddr = "127.0.0.2".parse().unwrap();
    let attacker = client(Some(attacker_ip));
    let good = client(Some("127.0.0.1".parse().unwrap()));
    let url = api.url(PATH);

    let mut statuses = Vec::new();
    for i in 0..40 {
        let junk = if i % 2 == 0 {
            bad.clone()
        } else {
            "kw_short".into()
        };
        statuses.push(get_from(&attacker, &url, Some(&junk)).await.0);
        // The valid key from another address is never held back.
        if i % 10 == 0 {
            assert_eq!(get_from(&good, &url, Some(&k)).await.0, 200);
        }
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");

    // Refused requests carry Retry-After and are refused before any lookup, so even a
    // valid key from the flooding address waits.
    let r = attacker
        .get(&url)
        .header("Authorization", format!("Bearer {k}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    assert_eq!(get_from(&good, &url, Some(&k)).await.0, 200);

    // The log: 5 refusals, one "rate-limited" entry for the whole flood, the good uses.
    let uses = api.uses();
    let limited: Vec<_> = uses
        .iter()
        .filter(|u| u["detail"].as_str().unwrap().contains("rate-limited"))
        .collect();
    assert_eq!(limited.len(), 1, "{uses:?}");
    assert!(limited[0]["detail"].as_str().unwrap().contains("127.0.0.2"));
    let failed_401 = uses
        .iter()
        .filter(|u| u["detail"].as_str().unwrap().contains(": 401"))
        .count();
    assert_eq!(failed_401, 5);
    api.stop().await;
}
