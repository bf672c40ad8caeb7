//! Webhooks end to end through the binary: `keyward alert secret` makes the signing
//! secret (sealed in the vault, shown once), `keyward alert test` posts a sample event
//! to a receiver on loopback that checks the Standard Webhooks signature itself, and
//! `keyward alert list` shows the outcome.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::support::vault::{Sandbox, contains, fails, file_bytes, json, ok};

/// One request as received: headers (lower-case names) and body.
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} header"))
    }
}

/// A receiver on loopback answering `status` to each request, handing them over.
fn receiver(status: u16) -> (String, mpsc::Receiver<Received>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook/some-path-token", l.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            loop {
                line.clear();
                r.read_line(&mut line).unwrap();
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                let (k, v) = l.split_once(':').unwrap();
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .map(|(_, v)| v.parse().unwrap())
                .unwrap_or(0);
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            if tx.send(Received { headers, body }).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

/// The Standard Webhooks check, written out here rather than borrowed from keyward.
fn verify(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
    let signed = format!(
        "{}.{}.{}",
        r.header("webhook-id"),
        r.header("webhook-timestamp"),
        String::from_utf8(r.body.clone()).unwrap()
    );
    m.update(signed.as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(m.finalize().into_bytes()));
    r.header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

pub fn write_config(sb: &Sandbox, text: &str) {
    let dir = sb.dir.path().join("home/config/keyward");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), text).unwrap();
    // Whatever the umask: a file others may write is refused when it has `run` entries.
    std::fs::set_permissions(
        dir.join("config.toml"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
}

#[test]
fn a_webhook_receiver_on_loopback_checks_the_signature() {
    let sb = Sandbox::new();
    drop(sb.create());
    let (url, got) = receiver(204);
    write_config(
        &sb,
        &format!(
            "[[alert]]\nname = \"chat\"\non = [\"push_failed\", \"drift_found\"]\nurl = \"{url}\"\n"
        ),
    );
    // Without a secret, nothing is sent unsigned: the test fails and says what to do.
    let o = sb.kw(&["alert", "test", "push_failed"], "");
    fails(&o, "1 of 1 alert(s) could not be delivered");
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains(
            "not sent: no signing secret in the vault: make one with `keyward alert secret chat`"
        ),
        "{said}"
    );
    let listed = json(&sb.kw(&["alert", "list", "--json"], ""));
    assert_eq!(listed["alerts"][0]["signing_secret"], false);

    let secret = ok(&sb.kw(&["alert", "secret", "chat"], ""))
        .trim()
        .to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    // Sealed: the file never holds it in clear.
    assert!(!contains(&file_bytes(&sb.path), secret.as_bytes()));

    let out = ok(&sb.kw(&["alert", "test", "push_failed"], ""));
    assert!(
        out.contains("chat\tpush_failed on abcdefghijklmnopqrst: delivered (attempt 1)"),
        "{out}"
    );
    let r = got
        .recv_timeout(std::time::Duration::from_secs(20))
        .unwrap();
    assert!(verify(&secret, &r), "the signature checks out");
    assert_eq!(r.header("content-type"), "application/json");
    let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
    assert!(ts > 1_700_000_000);
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["kind"], "push_failed");
    assert_eq!(body["test"], true);
    assert_eq!(body["id"], r.header("webhook-id"));
    // A tampered body fails the same check.
    let mut bad = r;
    bad.body = br#"{"kind":"drift_found"}"#.to_vec();
    assert!(!verify(&secret, &bad));

    // The listing shows the outcome; never the URL's path (often its credential).
    let listed = ok(&sb.kw(&["alert", "list"], ""));
    assert!(listed.contains("chat\turl: 127.0.0.1:"), "{listed}");
    assert!(
        listed.contains("last: ") && listed.contains(" ok: push_failed"),
        "{listed}"
    );
    assert!(!listed.contains("some-path-token"), "{listed}");

    // A secret given on stdin replaces it; a broken one is refused in one line.
    fails(
        &sb.kw(&["alert", "secret", "chat", "--stdin"], "whsec_***\n"),
        "not whsec_ followed by base64",
    );
    let given = format!("whsec_{}", STANDARD.encode([7u8; 32]));
    ok(&sb.kw(
        &["alert", "secret", "chat", "--stdin"],
        &format!("{given}\n"),
    ));
    ok(&sb.kw(&["alert", "test", "push_failed"], ""));
    let r = got
        .recv_timeout(std::time::Duration::from_secs(20))
        .unwrap();
    assert!(verify(&given, &r));
}

#[test]
fn a_failing_receiver_is_retried_then_reported_and_bad_config_is_refused() {
    let sb = Sandbox::new();
    drop(sb.create());
    let (url, got) = receiver(500);
    write_config(
        &sb,
        &format!(
            "[[alert]]\nname = \"chat\"\non = [\"all\"]\nurl = \"{url}\"\nretries = 1\nbackoff = \"1s\"\n"
        ),
    );
    ok(&sb.kw(&["alert", "secret", "chat"], ""));
    fails(
        &sb.kw(&["alert", "test", "target_unhealthy"], ""),
        "1 of 1 alert(s) could not be delivered",
    );
    for _ in 0..2 {
        got.recv_timeout(std::time::Duration::from_secs(20))
            .unwrap();
    }
    let listed = json(&sb.kw(&["alert", "list", "--json"], ""));
    let a = &listed["alerts"][0];
    assert_eq!(a["last_ok"], false, "{listed}");
    assert!(
        a["last_detail"]
            .as_str()
            .unwrap()
            .contains("failed after 2 attempt(s)"),
        "{listed}"
    );
    assert!(
        a["last_detail"].as_str().unwrap().contains("HTTP 500"),
        "{listed}"
    );
    let audit = json(&sb.kw(&["audit", "--json", "--action", "alert-delivery"], ""));
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");

    fails(
        &sb.kw(&["alert", "test", "nonsense"], ""),
        "is not an alert kind",
    );
    write_config(
        &sb,
        "[[alert]]\nname = \"x\"\non = [\"all\"]\nurl = \"http://example.com/h\"\n",
    );
    let o = sb.spawn(
        &["daemon"],
        &[("KEYWARD_PASSPHRASE", crate::support::vault::PASS)],
    );
    let o = o.wait_with_output().unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("use https://") && err.contains("config.toml"),
        "{err}"
    );
    // Commands that own the vault for a moment say why rather than list nothing.
    fails(&sb.kw(&["alert", "list"], ""), "alerts are off: ");

    // A file others may write names programs keyward would run as you: refused.
    write_config(
        &sb,
        "[[alert]]\nname = \"x\"\non = [\"all\"]\nrun = [\"/bin/true\"]\n",
    );
    let f = sb.dir.path().join("home/config/keyward/config.toml");
    let mode = |m| std::os::unix::fs::PermissionsExt::from_mode(m);
    std::fs::set_permissions(&f, mode(0o666)).unwrap();
    fails(&sb.kw(&["alert", "test", "push_failed"], ""), "chmod go-w");
    std::fs::set_permissions(&f, mode(0o644)).unwrap();
    let out = ok(&sb.kw(&["alert", "test", "push_failed"], ""));
    assert!(
        out.contains("x\tpush_failed on abcdefghijklmnopqrst: delivered"),
        "{out}"
    );
}
