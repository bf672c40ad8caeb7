//! Vault benchmark: prints a table, asserts nothing. Run with
//! `cargo bench --bench vault` (release) or `--profile dev` for a quick sanity run.
//!
//! The passphrase wrap uses scrypt work factor 1 so that "open" measures the vault, not
//! the KDF: the targets are stated "after the key is unwrapped".

use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use keyward::vault::{Cause, Clock, InitOptions, SealedVault, SecretValue, Unlock, Vault};

const SECRETS: usize = 10_000;
const VERSIONS: usize = 1_000;
const BATCH: usize = 1_000;

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

fn p95(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[(d.len() * 95 / 100).min(d.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.redb");
    let pass = SecretString::from("bench passphrase");
    let opts = InitOptions {
        passphrase: pass.clone(),
        recipients: vec![],
        work_factor: Some(1),
    };
    let vault = Vault::create(&path, &opts).expect("create");
    vault
        .write(|tx| tx.add_project("bench").map(|_| ()))
        .expect("project");

    let mut rows: Vec<(String, String, String)> = Vec::new();

    // Set 10,000 secrets, committed in batches of 1,000 (each commit durable).
    let t = Instant::now();
    for b in 0..SECRETS / BATCH {
        vault
            .write(|tx| {
                for i in 0..BATCH {
                    let n = b * BATCH + i;
                    let value = SecretValue::simple(format!("value-{n:05}-{}", "x".repeat(40)));
                    tx.set_value("bench", &format!("SECRET_{n:05}"), &value, Cause::Import)?;
                }
                Ok(())
            })
            .expect("set");
    }
    let set_all = t.elapsed();
    rows.push((
        format!(
            "set {SECRETS} secrets ({} commits of {BATCH})",
            SECRETS / BATCH
        ),
        ms(set_all),
        "-".into(),
    ));

    // List all with metadata (no AEAD opens).
    let mut samples = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let n = vault
            .read()
            .expect("read")
            .secrets(None)
            .expect("list")
            .len();
        samples.push(t.elapsed());
        assert_eq!(n, SECRETS);
    }
    rows.push((
        format!("list {SECRETS} secrets with metadata (median of 20)"),
        ms(median(samples)),
        "< 10 ms".into(),
    ));

    // History of a secret with 1,000 versions.
    vault
        .write(|tx| {
            for v in 0..VERSIONS {
                tx.set_value(
                    "bench",
                    "HISTORY",
                    &SecretValue::simple(format!("version {v}")),
                    Cause::Edit,
                )?;
            }
            Ok(())
        })
        .expect("versions");
    let mut samples = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let h = vault
            .read()
            .expect("read")
            .history("bench", "HISTORY")
            .expect("history");
        samples.push(t.elapsed());
        assert_eq!(h.len(), VERSIONS);
    }
    rows.push((
        format!("history of a secret with {VERSIONS} versions (median of 20)"),
        ms(median(samples)),
        "-".into(),
    ));

    // One change committed durably.
    let mut samples = Vec::new();
    for i in 0..200 {
        let value = SecretValue::simple(format!("changed {i}"));
        let t = Instant::now();
        vault
            .write(|tx| tx.set_value("bench", "SECRET_00042", &value, Cause::Edit))
            .expect("change");
        samples.push(t.elapsed());
    }
    rows.push((
        "one change committed durably (median of 200)".into(),
        ms(median(samples.clone())),
        "< 2 ms".into(),
    ));
    rows.push((
        "one change committed durably (p95 of 200)".into(),
        ms(p95(samples)),
        "-".into(),
    ));

    // Open a vault holding them: file open + finish, timed apart from the key unwrap
    // (scrypt, and age's own work-factor calibration of a few ms).
    drop(vault);
    let (mut opening, mut unwrapping) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let t = Instant::now();
        let sealed = SealedVault::open(&path, Clock::system()).expect("open file");
        let t_file = t.elapsed();
        let t = Instant::now();
        let key = sealed
            .unwrap_key(&Unlock::Passphrase(pass.clone()))
            .expect("unwrap");
        unwrapping.push(t.elapsed());
        let t = Instant::now();
        let v = sealed.finish(key).expect("finish");
        opening.push(t_file + t.elapsed());
        drop(v);
    }
    rows.push((
        format!("open a vault holding {SECRETS} secrets, key unwrap excluded (median of 10)"),
        ms(median(opening)),
        "< 10 ms".into(),
    ));
    rows.push((
        "  key unwrap alone (scrypt at work factor 1 + age calibration)".into(),
        ms(median(unwrapping)),
        "-".into(),
    ));

    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    println!(
        "\nkeyward vault benchmark ({} build; file {:.1} MiB)\n",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        size as f64 / 1048576.0
    );
    println!("| {:w$} | {:>12} | {:>8} |", "operation", "time", "target");
    println!(
        "|-{}-|-{}-|-{}-|",
        "-".repeat(w),
        "-".repeat(12),
        "-".repeat(8)
    );
    for (op, t, target) in rows {
        println!("| {op:w$} | {t:>12} | {target:>8} |");
    }
}
