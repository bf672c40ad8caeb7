//! Branch fan-out benchmark: prints a table, asserts nothing but convergence. Run with
//! `cargo bench --bench branches` (release) or `--profile dev` for a quick sanity run.
//!
//! Against the in-process emulator with 50 ms latency per request and its rate limit
//! on: one parent target following its 50 preview branches, one secret mapped to the
//! parent (so to every branch), seeded; then one change to that secret, timed until
//! the parent and every branch hold it, with the requests counted per branch.

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward::engine::EngineConfig;
use keyward::engine::clients::Clients;
use keyward::supabase::emulator::branches::NewBranch;
use keyward::supabase::emulator::{Emulator, EmulatorConfig, Faults, Seed, TokenSpec};
use keyward::vault::{BranchWatch, Cause, SecretValue};

const BRANCHES: usize = 50;
const PARENT: &str = "aaaaaaaaaaaaaaaaaaaa";

#[path = "fanout/mod.rs"]
mod fanout;
use fanout::TOKEN;

struct Run {
    converge: Duration,
    per_branch: f64,
    max_per_branch: usize,
    parent: usize,
    listings: u64,
    rate_limited: usize,
}

fn run(parallelism: usize) -> Run {
    let emu = Emulator::start(EmulatorConfig {
        seed: Seed::default()
            .organization("acme", "Acme")
            .project_in(PARENT, "app", "acme")
            .token(TokenSpec::account(TOKEN)),
        faults: Faults {
            latency_ms: 50,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .expect("emulator");
    let branches: Vec<String> = (0..BRANCHES)
        .map(|i| {
            emu.world(|w| {
                w.add_branch(
                    PARENT,
                    NewBranch {
                        name: format!("preview-{i:02}"),
                        git_branch: Some(format!("feat/{i:02}")),
                        ..NewBranch::default()
                    },
                )
                .expect("branch")
                .project_ref
            })
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let vault = Arc::new(fanout::fresh_vault(dir.path()));
    vault
        .write(|tx| {
            tx.add_connection("main", emu.base_url(), None, TOKEN)?;
            tx.add_project("app")?;
            tx.add_target(PARENT, "app", "acme", "main")?;
            tx.watch_branches(PARENT, Some(BranchWatch::default()))?;
            tx.set_value("app", "api key", &SecretValue::simple("v1"), Cause::Edit)?;
            tx.map("app", "api key", PARENT, None, false, None)?;
            Ok(())
        })
        .expect("setup");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let config = fanout::engine_config(parallelism);
    let clients = Arc::new(Clients::new(vault.clone(), config.clone()));
    let handle = rt.block_on(async {
        let (h, _) = keyward::engine::start_on(
            vault.clone(),
            config,
            keyward::engine::event_channel(),
            clients.clone(),
        );
        // The listing a watcher makes: every branch found and seeded.
        let found = keyward::engine::branches::follow(&vault, &clients, &h, PARENT, None)
            .await
            .expect("listing");
        assert_eq!(found.seeded.len(), BRANCHES);
        h
    });
    fanout::wait_drained(&vault);
    emu.control().reset_counters();
    emu.control().set_recording(true);
    vault
        .write(|tx| {
            tx.set_value("app", "api key", &SecretValue::simple("v2"), Cause::Edit)
                .map(|_| ())
        })
        .expect("change");
    let start = Instant::now();
    handle.kick();
    fanout::wait_drained(&vault);
    let converge = start.elapsed();
    for r in branches.iter().chain([&PARENT.to_string()]) {
        let got = emu.world(|w| {
            w.projects[r]
                .secrets
                .get("API_KEY")
                .map(|s| s.value.clone())
        });
        assert_eq!(got.as_deref(), Some("v2"), "{r} after convergence");
    }
    let recorded = emu.control().recorded();
    let count = |r: &str| {
        recorded
            .iter()
            .filter(|x| x.path.starts_with(&format!("/v1/projects/{r}/")))
            .count()
    };
    let per: Vec<usize> = branches.iter().map(|b| count(b)).collect();
    handle.shutdown();
    Run {
        converge,
        per_branch: per.iter().sum::<usize>() as f64 / BRANCHES as f64,
        max_per_branch: per.iter().copied().max().unwrap_or(0),
        parent: count(PARENT),
        listings: emu
            .control()
            .request_count("GET /v1/projects/{ref}/branches"),
        rate_limited: recorded.iter().filter(|x| x.status == 429).count(),
    }
}

fn main() {
    println!(
        "branch fan-out: 1 parent following {BRANCHES} branches, emulator latency 50 ms, rate limit 120/min"
    );
    println!("engine overrides: first retry 100 ms (default 2 min); parallelism as in the table\n");
    println!(
        "| scenario | workers | converged in | requests per branch (mean / max) | parent | branch listings | 429s met |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for workers in [EngineConfig::default().parallelism, 1] {
        let r = run(workers);
        println!(
            "| 1 change x parent + {BRANCHES} branches | {} | {:.2} s | {:.2} / {} | {} | {} | {} |",
            if workers == 1 {
                "1 (one at a time)".to_string()
            } else {
                workers.to_string()
            },
            r.converge.as_secs_f64(),
            r.per_branch,
            r.max_per_branch,
            r.parent,
            r.listings,
            r.rate_limited
        );
    }
}
