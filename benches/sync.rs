//! Sync fan-out benchmark: prints a table, asserts nothing. Run with
//! `cargo bench --bench sync` (release) or `--profile dev` for a quick sanity run.
//!
//! Against the in-process emulator with 50 ms latency per request and its rate limit
//! on (120 requests a minute per token, project and endpoint): one secret changed that
//! is mapped to 200 targets, the initial sync of 50 secrets x 200 targets, and a burst
//! of 50 changes arriving 10 ms apart (each committed and the engine woken, as a
//! `secret set` through a daemon does); each with targets worked in parallel (the
//! engine's default) and one at a time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward::engine::EngineConfig;
use keyward::supabase::emulator::{Emulator, EmulatorConfig, Faults, Seed, TokenSpec};
use keyward::vault::{Cause, SecretValue};

const TARGETS: usize = 200;
const SECRETS: usize = 50;

// The fixture's large vault is not used here, only its project refs.
#[allow(dead_code)]
#[path = "fixture/mod.rs"]
mod fixture;
use fixture::project_ref;

fn emulator() -> Emulator {
    let mut seed = Seed::default()
        .organization("acme", "Acme")
        .token(TokenSpec::account(TOKEN));
    for i in 0..TARGETS {
        seed = seed.project_in(&project_ref(i), &format!("p{i}"), "acme");
    }
    Emulator::start(EmulatorConfig {
        seed,
        faults: Faults {
            latency_ms: 50,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .expect("emulator")
}

#[path = "fanout/mod.rs"]
mod fanout;
use fanout::TOKEN;

struct Run {
    converge: Duration,
    /// From the first change's commit to the last's (the burst as the engine saw it).
    arrived: Duration,
    requests: u64,
    rate_limited: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Case {
    /// The initial sync of every mapping.
    Initial,
    /// One secret changed, after the initial sync.
    One,
    /// Changes to each secret in turn, 10 ms apart, after the initial sync.
    Burst(usize),
}

/// Maps `secrets` secrets to every target, syncs, then makes the case's changes and
/// times their convergence (Initial: times the initial sync instead).
fn run(parallelism: usize, secrets: usize, case: Case) -> Run {
    let emu = emulator();
    let dir = tempfile::tempdir().expect("temp dir");
    let vault = Arc::new(fanout::fresh_vault(dir.path()));
    vault
        .write(|tx| {
            tx.add_connection("main", emu.base_url(), None, TOKEN)?;
            tx.add_project("app")?;
            for i in 0..TARGETS {
                tx.add_target(&project_ref(i), &format!("p{i}"), "acme", "main")?;
            }
            for s in 0..secrets {
                let name = format!("secret {s:02}");
                tx.set_value(
                    "app",
                    &name,
                    &SecretValue::simple(format!("v1-{s}")),
                    Cause::Edit,
                )?;
                for i in 0..TARGETS {
                    tx.map("app", &name, &project_ref(i), None, false, None)?;
                }
            }
            Ok(())
        })
        .expect("setup");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let config = fanout::engine_config(parallelism);
    // Counted from before the engine starts, so no early request goes uncounted.
    emu.control().reset_counters();
    emu.control().set_recording(true);
    let mut start = Instant::now();
    let mut arrived = Duration::ZERO;
    let handle = rt.block_on(async { keyward::engine::start_with(vault.clone(), config).0 });
    fanout::wait_drained(&vault);
    let changes = match case {
        Case::Initial => 0,
        Case::One => 1,
        Case::Burst(n) => n,
    };
    if changes > 0 {
        emu.control().reset_counters();
        emu.control().set_recording(true);
        start = Instant::now();
        for k in 0..changes {
            let name = format!("secret {:02}", k % secrets);
            vault
                .write(|tx| {
                    tx.set_value(
                        "app",
                        &name,
                        &SecretValue::simple(format!("v2-{k}")),
                        Cause::Edit,
                    )
                    .map(|_| ())
                })
                .expect("change");
            handle.kick();
            if k + 1 < changes {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        arrived = start.elapsed();
        fanout::wait_drained(&vault);
    }
    let converge = start.elapsed();
    // Converged means Supabase holds the values, not only that the outbox is empty:
    // each secret's last value, on every target.
    for s in 0..secrets {
        let last = (0..changes).rev().find(|k| k % secrets == s);
        let want = match last {
            Some(k) => format!("v2-{k}"),
            None => format!("v1-{s}"),
        };
        let var = format!("SECRET_{s:02}");
        for i in 0..TARGETS {
            let got = emu.world(|w| {
                w.projects[&project_ref(i)]
                    .secrets
                    .get(&var)
                    .map(|x| x.value.clone())
            });
            assert_eq!(got.as_deref(), Some(want.as_str()), "{var} on target {i}");
        }
    }
    let rate_limited = emu
        .control()
        .recorded()
        .iter()
        .filter(|e| e.status == 429)
        .count();
    handle.shutdown();
    Run {
        converge,
        arrived,
        requests: emu.control().total_requests(),
        rate_limited,
    }
}

fn main() {
    println!("sync fan-out: {TARGETS} targets, emulator latency 50 ms, rate limit 120/min");
    println!(
        "engine overrides: first retry 100 ms (default 2 min) so a rare failed batch does not stall a run; parallelism as in the table\n"
    );
    // `cargo bench --bench sync -- WORD` runs only the scenarios whose label holds WORD.
    let only: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    println!(
        "| scenario | workers | converged in | changes committed over | requests per target | 429s met |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let cases = [
        ("1 secret changed x 200 targets", 1usize, Case::One),
        (
            "50 secrets x 200 targets, initial sync",
            SECRETS,
            Case::Initial,
        ),
        (
            "50 changes 10 ms apart (50 secrets x 200 targets)",
            SECRETS,
            Case::Burst(SECRETS),
        ),
    ];
    for (label, secrets, case) in cases {
        if only.as_deref().is_some_and(|w| !label.contains(w)) {
            continue;
        }
        for workers in [EngineConfig::default().parallelism, 1] {
            let r = run(workers, secrets, case);
            println!(
                "| {label} | {} | {:.2} s | {} | {:.2} | {} |",
                if workers == 1 {
                    "1 (one at a time)".to_string()
                } else {
                    workers.to_string()
                },
                r.converge.as_secs_f64(),
                if case == Case::Initial {
                    "-".to_string()
                } else {
                    format!("{:.2} s", r.arrived.as_secs_f64())
                },
                r.requests as f64 / TARGETS as f64,
                r.rate_limited
            );
        }
    }
}
