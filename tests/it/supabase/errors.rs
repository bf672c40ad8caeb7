//! Rate limits, injected failures, timeouts, refused connections and bad configuration,
//! as the client reports them.

use std::time::Duration;

use keyward::supabase::api::NewSecret;
use keyward::supabase::emulator::Faults;
use keyward::supabase::{Client, ClientConfig, Endpoint, Error, TransportKind};
use secrecy::SecretString;

use crate::support::emulator::{self as emu, REF_A, REF_B};

fn limited(n: u32) -> Faults {
    Faults {
        rate_limit: n,
        ..Faults::default()
    }
}

#[tokio::test]
async fn rate_limit_headers_are_read_per_endpoint_and_project() {
    let e = emu::start_with(emu::seed(), limited(5));
    let c = emu::client(&e, emu::TOKEN);
    assert_eq!(c.rate_limit(Endpoint::ListSecrets, Some(REF_A)), None);
    c.list_secrets(REF_A).await.unwrap();
    c.list_secrets(REF_A).await.unwrap();
    let rl = c.rate_limit(Endpoint::ListSecrets, Some(REF_A)).unwrap();
    assert_eq!((rl.limit, rl.remaining), (5, 3));
    assert!(rl.reset <= Duration::from_secs(60) && rl.reset > Duration::ZERO);
    // Another project and another endpoint have budgets of their own.
    c.list_secrets(REF_B).await.unwrap();
    assert_eq!(
        c.rate_limit(Endpoint::ListSecrets, Some(REF_B))
            .unwrap()
            .remaining,
        4
    );
    c.list_projects().await.unwrap();
    assert_eq!(
        c.rate_limit(Endpoint::ListProjects, None)
            .unwrap()
            .remaining,
        4
    );
    assert_eq!(c.rate_limits().len(), 3);
}

#[tokio::test]
async fn past_the_limit_comes_429_with_retry_after() {
    let e = emu::start_with(emu::seed(), limited(2));
    let c = emu::client(&e, emu::TOKEN);
    c.list_secrets(REF_A).await.unwrap();
    c.list_secrets(REF_A).await.unwrap();
    let err = c.list_secrets(REF_A).await.unwrap_err();
    let Error::RateLimited { retry_after } = err else {
        panic!("expected RateLimited, got {err:?}");
    };
    assert!(retry_after >= Duration::from_secs(1) && retry_after <= Duration::from_secs(60));
    assert!(err_line(c.list_secrets(REF_A).await).contains("retry in"));
    // Another token has its own budget on the same project and endpoint.
    emu::client(&e, emu::OTHER_TOKEN)
        .list_secrets(REF_A)
        .await
        .unwrap();
    // The raw answer carries Retry-After and the x-ratelimit headers.
    let resp = super::raw()
        .get(format!("{}/v1/projects/{REF_A}/secrets", e.base_url()))
        .bearer_auth(emu::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(resp.headers()["x-ratelimit-remaining"], "0");
    e.control().reset_rate_limits();
    c.list_secrets(REF_A).await.unwrap();
}

fn err_line<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    r.unwrap_err().to_string()
}

#[tokio::test]
async fn scripted_failures_hit_the_named_route_only_then_stop() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    e.control()
        .fail_next("POST /v1/projects/{ref}/secrets", 2, 503);
    c.list_secrets(REF_A).await.unwrap();
    for _ in 0..2 {
        let err = c
            .upsert_secrets(REF_A, &[NewSecret::new("X", "1")])
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Rejected { status: 503, .. }),
            "{err:?}"
        );
        assert!(err.is_transient());
    }
    c.upsert_secrets(REF_A, &[NewSecret::new("X", "1")])
        .await
        .unwrap();
    assert_eq!(
        e.control().request_count("POST /v1/projects/{ref}/secrets"),
        3
    );

    e.control().fail_next("*", 1, 429);
    let err = c.list_projects().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
}

#[tokio::test]
async fn a_fail_rate_of_one_fails_every_api_call() {
    let e = emu::start();
    e.control().set_fail_rate(1.0);
    let c = emu::client(&e, emu::TOKEN);
    let err = c.list_projects().await.unwrap_err();
    assert!(
        matches!(err, Error::Rejected { status: 500, .. }),
        "{err:?}"
    );
    e.control().set_fail_rate(0.0);
    c.list_projects().await.unwrap();
}

#[tokio::test]
async fn latency_beyond_the_client_timeout_is_a_timeout() {
    let e = emu::start();
    e.control().set_latency(Duration::from_secs(3));
    let c = emu::client_with_timeout(&e, emu::TOKEN, Duration::from_millis(200));
    let err = c.list_projects().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{err:?}"
    );
    let line = err.to_string();
    assert!(line.contains("timed out") && !line.contains('\n'), "{line}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn nothing_listening_is_connection_refused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = ClientConfig {
        instance_url: format!("http://127.0.0.1:{port}"),
        ..ClientConfig::default()
    };
    let c = emu::client_with(config, emu::TOKEN);
    let err = c.list_projects().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::ConnectionRefused,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("connection refused"), "{err}");
}

#[tokio::test]
async fn the_instance_url_may_end_with_a_slash_and_must_be_http() {
    let e = emu::start();
    let config = ClientConfig {
        instance_url: format!("{}/", e.base_url()),
        ..e.client_config()
    };
    emu::client_with(config, emu::TOKEN)
        .list_projects()
        .await
        .unwrap();
    for bad in ["ftp://127.0.0.1:1", "unix:/tmp/socket", "127.0.0.1:8080"] {
        let config = ClientConfig {
            instance_url: bad.into(),
            ..ClientConfig::default()
        };
        let err = Client::new(&config, SecretString::from("t".to_owned())).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
        assert!(err.to_string().contains("http"), "{err}");
    }
    let config = ClientConfig {
        project_url_template: "https://example.com".into(),
        ..ClientConfig::default()
    };
    assert!(Client::new(&config, SecretString::from("t".to_owned())).is_err());
}

#[tokio::test]
async fn one_client_serves_many_projects_concurrently() {
    let e = emu::start();
    let c = emu::client(&e, emu::TOKEN);
    let mut tasks = Vec::new();
    for (i, r) in [REF_A, REF_B, emu::REF_C]
        .into_iter()
        .cycle()
        .take(30)
        .enumerate()
    {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.upsert_secrets(r, &[NewSecret::new(format!("V_{i}"), "x")])
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let total: usize = e.world(|w| {
        w.projects
            .values()
            .map(|p| p.secrets.keys().filter(|n| n.starts_with("V_")).count())
            .sum()
    });
    assert_eq!(total, 30);
    assert_eq!(
        e.control().request_count("POST /v1/projects/{ref}/secrets"),
        30
    );
}

/// Serves one connection: a 200 with a JSON array that never ends (without a length, or
/// announcing `length`), counting the bytes it managed to send before the client left.
async fn endless_listing(length: Option<u64>) -> (String, tokio::task::JoinHandle<u64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let sent = tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut head = [0u8; 4096];
        let _ = s.read(&mut head).await;
        let framing = match length {
            Some(n) => format!("content-length: {n}\r\n"),
            None => "connection: close\r\n".into(),
        };
        let start = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{framing}\r\n[");
        let mut sent = 0u64;
        if s.write_all(start.as_bytes()).await.is_err() {
            return sent;
        }
        let row = format!("{{\"name\":\"K\",\"value\":\"{}\"}},", "v".repeat(4000));
        while sent < 1 << 28 {
            if s.write_all(row.as_bytes()).await.is_err() {
                break;
            }
            sent += row.len() as u64;
        }
        sent
    });
    (url, sent)
}

#[tokio::test]
async fn an_answer_larger_than_the_bound_fails_that_request_without_reading_it_all() {
    for length in [None, Some(200 * 1024 * 1024)] {
        let (url, sent) = endless_listing(length).await;
        let config = ClientConfig {
            instance_url: url,
            request_timeout: Duration::from_secs(20),
            ..ClientConfig::default()
        };
        let c = emu::client_with(config, emu::TOKEN);
        let err = c.list_secrets(REF_A).await.unwrap_err();
        assert!(
            matches!(err, Error::UnexpectedResponse { status: 200, .. }),
            "{length:?}: {err:?}"
        );
        let line = err.to_string();
        assert!(line.contains("more than 8 MiB"), "{line}");
        assert!(
            line.contains("check the connection's instance URL"),
            "{line}"
        );
        drop(c);
        let sent = sent.await.unwrap();
        // The bound plus what sat in socket buffers when the client stopped reading.
        assert!(
            sent < (keyward::supabase::MAX_BODY_BYTES as u64) + (32 << 20),
            "{length:?}: the server got {sent} bytes out"
        );
    }
}
