//! Slow and stalled clients: a half-sent head or body is cut off, connections are
//! capped overall and per address, and shutdown completes whoever is still connected.

use std::net::SocketAddr;
use std::time::Duration;

use keyward::serve::{ConnectionLimits, Options, RequestLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use super::{Api, client, get_from, key, options, status_of};

const PATH: &str = "/v1/projects/billing/secrets/STRIPE";

/// A connection from `local` to the server.
async fn connect_from(addr: SocketAddr, local: &str) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(format!("{local}:0").parse().unwrap()).unwrap();
    s.connect(addr).await.unwrap()
}

/// Reads until the server closes, or None if it has not after `within`.
async fn closed_within(s: &mut TcpStream, within: Duration) -> Option<String> {
    let mut out = Vec::new();
    match tokio::time::timeout(within, s.read_to_end(&mut out)).await {
        Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_head_or_body_or_nothing_at_all_is_cut_off() {
    let api = Api::start_with(Options {
        requests: RequestLimits {
            body_timeout: Duration::from_millis(300),
            ..RequestLimits::default()
        },
        connections: ConnectionLimits {
            header_timeout: Duration::from_millis(300),
            ..ConnectionLimits::default()
        },
        ..options()
    })
    .await;
    let (_, k) = key(&api.vault, "ci", &[], false);
    let addr = api.addr.unwrap();

    let mut half_head = connect_from(addr, "127.0.0.1").await;
    half_head
        .write_all(format!("GET {PATH} HTTP/1.1\r\nHost: x\r\n").as_bytes())
        .await
        .unwrap();
    let mut silent = connect_from(addr, "127.0.0.1").await;
    let mut half_body = connect_from(addr, "127.0.0.1").await;
    half_body
        .write_all(
            format!(
                "POST /v1/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {k}\r\nContent-Length: 100\r\n\r\n0123456789"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // A keep-alive connection that answered one request, then went quiet.
    let mut idle = connect_from(addr, "127.0.0.1").await;
    idle.write_all(
        format!("GET {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {k}\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();

    let wait = Duration::from_secs(10);
    let out = closed_within(&mut half_head, wait).await;
    assert!(out.is_some(), "a half-sent head kept its connection");
    assert!(
        closed_within(&mut silent, wait).await.is_some(),
        "a silent connection was kept"
    );
    let out = closed_within(&mut half_body, wait)
        .await
        .expect("a half-sent body kept its connection");
    assert_eq!(status_of(&out), 408, "{out}");
    assert!(out.contains("did not arrive within"), "{out}");
    let out = closed_within(&mut idle, wait)
        .await
        .expect("an idle keep-alive connection was kept");
    assert_eq!(status_of(&out), 200, "{out}");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_capped_per_address_and_overall() {
    let api = Api::start_with(Options {
        connections: ConnectionLimits {
            max_open: 6,
            max_open_per_address: 3,
            header_timeout: Duration::from_secs(60),
            ..ConnectionLimits::default()
        },
        ..options()
    })
    .await;
    let (_, k) = key(&api.vault, "ci", &[], false);
    let addr = api.addr.unwrap();
    let url = api.url(PATH);

    // Three stalled connections from one address fill its share...
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = connect_from(addr, "127.0.0.3").await;
        s.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        held.push(s);
    }
    // The server accepts in the order connections arrived (the kernel's queue is FIFO),
    // so the three hold their places before the fourth is counted.
    let mut fourth = connect_from(addr, "127.0.0.3").await;
    let out = closed_within(&mut fourth, Duration::from_secs(10))
        .await
        .expect("the connection over the address's share was held");
    assert_eq!(status_of(&out), 503, "{out}");
    assert!(out.contains("too many open connections"), "{out}");
    // ...while another address is served.
    let good = client(Some("127.0.0.1".parse().unwrap()));
    assert_eq!(get_from(&good, &url, Some(&k)).await.0, 200);

    // Three more from another address fill the server: now everyone waits.
    for _ in 0..3 {
        let mut s = connect_from(addr, "127.0.0.4").await;
        s.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        held.push(s);
    }
    let mut over = connect_from(addr, "127.0.0.5").await;
    let out = closed_within(&mut over, Duration::from_secs(10))
        .await
        .expect("the connection over the cap was held");
    assert_eq!(status_of(&out), 503, "{out}");

    // Closing them frees the places, as soon as the server has seen them close.
    drop(held);
    let fresh = client(Some("127.0.0.5".parse().unwrap()));
    let start = std::time::Instant::now();
    loop {
        match get_from(&fresh, &url, Some(&k)).await.0 {
            200 => break,
            503 if start.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            s => panic!("closed connections kept their places: {s}"),
        }
    }
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drops_stalled_clients_after_its_grace() {
    let api = Api::start_with(Options {
        connections: ConnectionLimits {
            header_timeout: Duration::from_secs(600),
            shutdown_grace: Duration::from_millis(300),
            ..ConnectionLimits::default()
        },
        requests: RequestLimits {
            body_timeout: Duration::from_secs(600),
            ..RequestLimits::default()
        },
        ..options()
    })
    .await;
    let (_, k) = key(&api.vault, "ci", &[], false);
    let addr = api.addr.unwrap();
    let mut half_head = connect_from(addr, "127.0.0.1").await;
    half_head.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
    let mut half_body = connect_from(addr, "127.0.0.1").await;
    half_body
        .write_all(
            format!(
                "POST /v1/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {k}\r\nContent-Length: 9\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // A full request after them: once it is answered the server has accepted both (it
    // accepts in arrival order), so shutdown finds them open and must end them.
    let good = client(Some("127.0.0.2".parse().unwrap()));
    assert_eq!(get_from(&good, &api.url(PATH), Some(&k)).await.0, 200);
    let stopped = tokio::time::timeout(Duration::from_secs(20), api.stop()).await;
    assert!(stopped.is_ok(), "the server never stopped");
    assert!(
        closed_within(&mut half_head, Duration::from_secs(5))
            .await
            .is_some()
    );
    assert!(
        closed_within(&mut half_body, Duration::from_secs(5))
            .await
            .is_some()
    );
}
