//! A flood of bad keys from one address is cut off for that address only.

use std::net::IpAddr;
use std::time::Duration;

use keyward::serve::{Budget, FailureBudgets, RefusalAudit};

use super::{Api, client, get_from, key, options};

const PATH: &str = "/v1/projects/billing/secrets/STRIPE";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bad_keys_is_rate_limited_per_address_and_valid_keys_still_work() {
    let api = Api::start_with(keyward::serve::Options {
        failures: FailureBudgets {
            per_address: Budget {
                burst: 5,
                refill: Duration::from_secs(600),
            },
            ..FailureBudgets::unlimited()
        },
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

/// Many addresses, as a local attacker has in 127.0.0.0/8: each network, then the server
/// as a whole, runs out of failures; the audit log takes a bounded number of entries;
/// a client that was already at work keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_many_addresses_is_limited_per_network_and_overall_and_logged_compactly() {
    let long = Duration::from_secs(600);
    let api = Api::start_with(keyward::serve::Options {
        failures: FailureBudgets {
            per_address: Budget {
                burst: 3,
                refill: long,
            },
            per_network: Budget {
                burst: 10,
                refill: long,
            },
            overall: Budget {
                burst: 40,
                refill: long,
            },
        },
        refusals: RefusalAudit {
            window: long,
            per_window: 20,
        },
        ..options()
    })
    .await;
    let (_, k) = key(&api.vault, "ci", &[], false);
    let bad = format!("{}{}", &k[..40], "0".repeat(22));
    let url = api.url(PATH);
    let worker = client(Some("127.0.0.1".parse().unwrap()));
    assert_eq!(get_from(&worker, &url, Some(&k)).await.0, 200);

    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for net in 0..6 {
        for host in 1..=100 {
            let ip: IpAddr = format!("127.1.{net}.{host}").parse().unwrap();
            let s = get_from(&client(Some(ip)), &url, Some(&bad)).await.0;
            *statuses.entry(s).or_default() += 1;
        }
        assert_eq!(get_from(&worker, &url, Some(&k)).await.0, 200);
    }
    // Ten failures in each of four networks spend the overall budget of forty.
    assert_eq!(statuses.get(&401), Some(&40), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&560), "{statuses:?}");
    // A new address waits, even with a valid key, while the server is over budget.
    let newcomer = client(Some("127.9.9.9".parse().unwrap()));
    assert_eq!(get_from(&newcomer, &url, Some(&k)).await.0, 429);

    // Stopping writes the summary of the window still open.
    let vault = api.vault.clone();
    api.stop().await;
    // 40 refusals and 5 first-refusal notes (4 networks, then the server) came in:
    // 20 entries of their own, one summary of the 25 others.
    let uses: Vec<serde_json::Value> = vault
        .read()
        .unwrap()
        .audit_entries(Some("access-key-use"))
        .unwrap()
        .into_iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    let failed: Vec<&str> = uses
        .iter()
        .filter(|u| u["outcome"] == "failed")
        .map(|u| u["detail"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), 21, "{failed:#?}");
    let summary = failed.last().unwrap();
    assert!(
        summary.starts_with("25 further refused attempts"),
        "{summary}"
    );
    assert!(uses.iter().filter(|u| u["outcome"] == "ok").count() == 7);
}
