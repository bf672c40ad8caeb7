//! The Unix socket: mode 0600, serves the same API, removed on shutdown, and a stale
//! socket from a crash is replaced while a live one is not.

use std::os::unix::fs::PermissionsExt;

use keyward::serve::{self, Listen};

use super::{Api, STRIPE, exchange, key, options, seeded, status_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_is_private_and_serves_the_api() {
    let (sb, vault) = seeded();
    let (_, k) = key(&vault, "ci", &[], false);
    let path = sb.dir.path().join("api.sock");
    let opts = serve::Options {
        listen: Listen::Unix(path.clone()),
        ..options()
    };
    let api = Api::serve(sb, vault, opts).await;
    assert_eq!(api.base, format!("unix:{}", path.display()));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");

    let req = format!(
        "GET /v1/projects/billing/secrets/STRIPE HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {k}\r\nConnection: close\r\n\r\n"
    );
    let mut s = tokio::net::UnixStream::connect(&path).await.unwrap();
    let resp = exchange(&mut s, req.as_bytes()).await;
    assert_eq!(status_of(&resp), 200, "{resp}");
    assert!(resp.contains(STRIPE));
    assert!(
        api.uses()[0]["detail"]
            .as_str()
            .unwrap()
            .contains("unix socket")
    );

    // A second server on the same live socket is refused.
    let again = serve::bind(&serve::Options {
        listen: Listen::Unix(path.clone()),
        ..options()
    })
    .await;
    assert!(again.err().unwrap().to_string().contains("already answers"));

    api.stop().await;
    assert!(!path.exists(), "the socket is removed on shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_socket_is_replaced_and_a_plain_file_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("api.sock");
    // A socket whose listener is gone: what a crash leaves behind.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let opts = serve::Options {
        listen: Listen::Unix(path.clone()),
        ..options()
    };
    let server = serve::bind(&opts).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    drop(server);

    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "keep me").unwrap();
    let err = serve::bind(&serve::Options {
        listen: Listen::Unix(file.clone()),
        ..options()
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("not a socket"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}
