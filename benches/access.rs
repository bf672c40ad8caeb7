//! Access key verification benchmark: prints a table, asserts nothing. Run with
//! `cargo bench --bench access` (release) or `--profile dev` for a quick sanity run.
//!
//! Verification is what `keyward serve` does per request: a read snapshot, parse, one
//! lookup by KSUID, one HMAC-SHA256, one constant-time compare. Target: < 50 µs per key,
//! most of it the one hash.

use std::hint::black_box;
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use hmac::{Hmac, Mac};
use keyward::vault::{InitOptions, Vault};
use sha2::Sha256;

const KEYS: usize = 1_000;
const BATCH: usize = 1_000;
const ROUNDS: usize = 21;

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

fn us(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

/// Median over ROUNDS of the mean time of one call in a batch of BATCH calls.
fn per_call(mut f: impl FnMut(usize)) -> Duration {
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for i in 0..BATCH {
            f(i);
        }
        samples.push(t.elapsed() / BATCH as u32);
    }
    median(samples)
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = InitOptions {
        passphrase: SecretString::from("bench"),
        recipients: vec![],
        work_factor: Some(1),
    };
    let vault = Vault::create(&dir.path().join("bench.redb"), &opts).expect("create");
    let keys: Vec<String> = vault
        .write(|tx| {
            tx.add_project("bench")?;
            (0..KEYS)
                .map(|i| {
                    tx.create_access_key(&format!("key {i}"), &["bench"], i % 2 == 0)
                        .map(|k| k.key.to_string())
                })
                .collect()
        })
        .expect("keys");
    let wrong: Vec<String> = keys
        .iter()
        .map(|k| format!("{}{}", &k[..30], "0".repeat(32)))
        .collect();
    let unknown: Vec<String> = keys
        .iter()
        .map(|k| format!("kw_{}{}", "1".repeat(27), &k[30..]))
        .collect();
    let malformed: Vec<String> = keys.iter().map(|k| k[..61].to_string()).collect();

    let mut rows: Vec<(String, String, &str)> = Vec::new();

    // As the server does it: a fresh snapshot per request.
    let d = per_call(|i| {
        let r = vault.read().expect("read");
        let g = r.verify_access_key(&keys[i % KEYS]).expect("verify");
        assert!(black_box(g).is_ok());
    });
    rows.push((
        "verify a valid key (fresh snapshot each)".into(),
        us(d),
        "< 50 µs",
    ));

    let r = vault.read().expect("read");
    let d = per_call(|i| {
        let g = r.verify_access_key(&keys[i % KEYS]).expect("verify");
        assert!(black_box(g).is_ok());
    });
    rows.push(("verify a valid key (one snapshot)".into(), us(d), "< 50 µs"));

    let d = per_call(|i| {
        let g = r.verify_access_key(&wrong[i % KEYS]).expect("verify");
        assert!(black_box(g).is_err());
    });
    rows.push(("refuse a real id with a wrong secret".into(), us(d), "-"));

    let d = per_call(|i| {
        let g = r.verify_access_key(&unknown[i % KEYS]).expect("verify");
        assert!(black_box(g).is_err());
    });
    rows.push(("refuse an unknown id (dummy hash)".into(), us(d), "-"));

    let d = per_call(|i| {
        let g = r.verify_access_key(&malformed[i % KEYS]).expect("verify");
        assert!(black_box(g).is_err());
    });
    rows.push(("refuse a malformed key (no lookup)".into(), us(d), "-"));
    drop(r);

    // The hash alone, over input of the same size: the share of verification it takes.
    let mac_key = [7u8; 32];
    let d = per_call(|i| {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&mac_key).expect("key");
        m.update(b"keyward access key v1\0");
        m.update(&keys[i % KEYS].as_bytes()[3..30]);
        m.update(&[0u8; 16]);
        m.update(&[0u8; 4 + 10]);
        m.update(&keys[i % KEYS].as_bytes()[30..]);
        black_box(m.finalize());
    });
    rows.push(("HMAC-SHA256 alone (same input size)".into(), us(d), "-"));

    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    println!(
        "access key verification ({KEYS} keys in the vault; median of {ROUNDS} batches of {BATCH})"
    );
    println!(
        "| {:w$} | {:>10} | {:>8} |",
        "operation", "per key", "target"
    );
    println!("| {:-<w$} | {:->10} | {:->8} |", "", "", "");
    for (op, t, target) in rows {
        println!("| {op:w$} | {t:>10} | {target:>8} |");
    }
}
