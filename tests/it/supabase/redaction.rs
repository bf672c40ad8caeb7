//! The token never appears in Debug output, error messages or logs.
//!
//! Logs are captured in a child run of this test binary: tracing caches per call site
//! whether anyone listens, so a subscriber scoped to one thread misses events while other
//! tests run in parallel. The child installs a global TRACE subscriber and runs alone.

use std::process::Command;
use std::time::Duration;

use keyward::supabase::api::NewSecret;
use keyward::supabase::{Client, ClientConfig};
use secrecy::SecretString;

use crate::support::emulator::{self as emu, REF_A};

const CHILD_ENV: &str = "KEYWARD_TEST_REDACTION_CHILD";
/// Tokens the child uses: one the emulator does not know (401s), one scoped (403s).
const SECRET_TOKENS: [&str; 2] = [emu::UNKNOWN_TOKEN, emu::SCOPED_TOKEN];

#[test]
fn the_token_is_in_no_debug_output_error_or_log_line() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "supabase::redaction::child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the child run failed:\n{text}");
    assert!(
        text.contains("management api"),
        "the client's request log was captured:\n{text}"
    );
    assert!(
        text.contains("SEEN: "),
        "the child reported its errors:\n{text}"
    );
    assert!(
        text.contains("hyper"),
        "library logs were captured at TRACE too"
    );
    for token in SECRET_TOKENS {
        for line in text.lines() {
            assert!(!line.contains(&token[4..]), "token leaked: {line}");
        }
    }
    let debug = format!("{:?}", emu::client(&emu::start(), emu::TOKEN));
    assert!(
        debug.contains("redacted") && !debug.contains(&emu::TOKEN[4..]),
        "{debug}"
    );
}

/// Runs only as the child of the test above; a no-op in a normal run.
#[test]
fn child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .init();
    let e = emu::start();
    e.control().update_faults(|f| f.rate_limit = 3);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut seen = Vec::<String>::new();
    rt.block_on(async {
        for token in SECRET_TOKENS {
            let c = emu::client(&e, token);
            seen.push(format!("{c:?}"));
            for r in [
                c.list_projects().await.map(drop),
                c.validate_token(Some(emu::REF_B)).await.map(drop),
                c.upsert_secrets(REF_A, &[NewSecret::new("SUPABASE_X", "v")])
                    .await,
                c.list_secrets(REF_A).await.map(drop),
                c.list_secrets(REF_A).await.map(drop),
                c.list_secrets(REF_A).await.map(drop),
                c.list_secrets(REF_A).await.map(drop),
            ] {
                if let Err(err) = r {
                    seen.push(err.to_string());
                    seen.push(format!("{err:?}"));
                }
            }
        }
        let dead = Client::new(
            &ClientConfig {
                instance_url: "http://127.0.0.1:9".into(),
                request_timeout: Duration::from_secs(2),
                ..ClientConfig::default()
            },
            SecretString::from(emu::SCOPED_TOKEN.to_owned()),
        )
        .unwrap();
        let err = dead.list_projects().await.unwrap_err();
        seen.push(err.to_string());
        seen.push(format!("{err:?}"));
    });
    assert!(seen.len() > 10, "errors were produced: {seen:?}");
    for s in seen {
        println!("SEEN: {s}");
    }
}
