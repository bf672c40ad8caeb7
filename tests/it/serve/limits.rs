//! Oversized heads and bodies are refused before any key is looked at.

use super::{Api, raw_tcp, status_of};

const PATH: &str = "/v1/projects/billing/secrets/STRIPE";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_are_refused() {
    let api = Api::start().await;
    let (_, k) = super::key(&api.vault, "ci", &[], false);
    let c = super::client(None);
    let send = |extra: Vec<(&'static str, String)>| {
        let mut r = c
            .get(api.url(PATH))
            .header("Authorization", format!("Bearer {k}"));
        for (name, v) in extra {
            r = r.header(name, v);
        }
        r.send()
    };
    // Just under our 8 KiB limit: fine.
    let r = send(vec![("x-pad", "a".repeat(7_000))]).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // One big header, many small ones, a huge bearer value.
    for extra in [
        vec![("x-pad", "a".repeat(9_000))],
        (0..40)
            .map(|_| ("x-many", "b".repeat(300)))
            .collect::<Vec<_>>(),
        vec![("x-huge", "c".repeat(600_000))],
    ] {
        let r = send(extra).await.unwrap();
        assert_eq!(r.status().as_u16(), 431);
    }
    let r = c
        .get(api.url(PATH))
        .header("Authorization", format!("Bearer {}", "k".repeat(10_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 431);
    // A long path counts too.
    let r = c
        .get(api.url(&format!("{PATH}{}", "x".repeat(9_000))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 431);
    // None of them was looked at as a key.
    assert_eq!(api.uses().len(), 1);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused_declared_or_chunked() {
    let api = Api::start().await;
    let (_, k) = super::key(&api.vault, "ci", &[], false);
    let addr = api.addr.unwrap();
    let head = |extra: &str| {
        format!(
            "GET {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {k}\r\nConnection: close\r\n{extra}\r\n"
        )
    };

    // A small body is tolerated.
    let ok = raw_tcp(
        addr,
        format!("{}{}", head("Content-Length: 2\r\n"), "{}").as_bytes(),
    )
    .await;
    assert_eq!(status_of(&ok), 200, "{ok}");

    // Declared too large: refused before the body is read.
    let big = raw_tcp(addr, head("Content-Length: 100000\r\n").as_bytes()).await;
    assert_eq!(status_of(&big), 413, "{big}");

    // Chunked, no declared length: refused once the limit is passed.
    let mut req = head("Transfer-Encoding: chunked\r\n").into_bytes();
    for _ in 0..10 {
        req.extend_from_slice(format!("400\r\n{}\r\n", "z".repeat(0x400)).as_bytes());
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let chunked = raw_tcp(addr, &req).await;
    assert_eq!(status_of(&chunked), 413, "{chunked}");
    assert!(!chunked.contains(super::STRIPE));
    api.stop().await;
}
