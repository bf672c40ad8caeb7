//! Scale benchmark (issue 17): prints a table, asserts nothing. Run with
//! `cargo bench --bench scale`; set KEYWARD_BENCH_BASELINE=/path/to/an/older/keyward to
//! measure that binary on the same data in the same run.
//!
//! The release binary is run from outside, as a user runs it (no owner: each command
//! opens the vault; scrypt work factor 1, so the KDF is left out), and timed by wall
//! clock and by CPU (the children's user + system time from /proc/self/stat).
//! - 50,000 secrets in 5 projects: `secret list --json`, `secret list PROJECT` (10,000),
//!   `project list --json`.
//! - 10,000 mapped variables (50 secrets x 200 targets) already synced against the
//!   in-process emulator at zero latency: a no-op `keyward sync` (a full
//!   reconciliation: every variable re-queued, one listing per target, nothing pushed).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use keyward::supabase::emulator::{Emulator, EmulatorConfig, Seed, TokenSpec};
use keyward::vault::{Cause, InitOptions, SecretValue, Vault};

const TOKEN: &str = "sbp_1111111111111111111111111111111111111111";
const RUNS: usize = 3;

/// CPU time of this process's waited-for children, from /proc/self/stat (cutime +
/// cstime, in clock ticks of 10 ms).
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // Fields 16 and 17 of stat; `rest` starts at field 3.
    let ticks = f.get(13).copied().unwrap_or(0) + f.get(14).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Median wall time and mean CPU of `RUNS` runs of `bin ARGS` on `vault`.
fn time(bin: &Path, vault: &Path, args: &[&str]) -> (Duration, Duration) {
    time_with(bin, vault, args, |_| {})
}

/// `time`, with `before(run)` called ahead of each run, outside the timing.
fn time_with(
    bin: &Path,
    vault: &Path,
    args: &[&str],
    mut before: impl FnMut(usize),
) -> (Duration, Duration) {
    let mut walls = Vec::new();
    let mut cpu = Duration::ZERO;
    for run in 0..RUNS {
        before(run);
        let cpu0 = children_cpu();
        let start = Instant::now();
        let out = Command::new(bin)
            .args(args)
            .env("KEYWARD_VAULT", vault)
            .env("KEYWARD_PASSPHRASE", "bench")
            .env("KEYWARD_NO_ATTACH", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("run keyward");
        walls.push(start.elapsed());
        cpu += children_cpu() - cpu0;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let err: String = err.chars().take(300).collect();
            eprintln!("{} {} failed: {err}", bin.display(), args[..2].join(" "));
        }
    }
    walls.sort();
    (walls[RUNS / 2], cpu / RUNS as u32)
}

fn create(path: &Path) -> Vault {
    let opts = InitOptions {
        passphrase: SecretString::from("bench"),
        recipients: vec![],
        work_factor: Some(1),
    };
    Vault::create(path, &opts).expect("vault")
}

// The fixture's large vault is not used here, only its project refs.
#[allow(dead_code)]
#[path = "fixture/mod.rs"]
mod fixture;
use fixture::project_ref;

fn row(label: &str, bins: &[(&str, PathBuf)], vault: &Path, args: &[&str], goal: &str) {
    row_with(label, bins, vault, args, goal, |_| {})
}

fn row_with(
    label: &str,
    bins: &[(&str, PathBuf)],
    vault: &Path,
    args: &[&str],
    goal: &str,
    mut before: impl FnMut(usize),
) {
    for (which, bin) in bins {
        let (wall, cpu) = time_with(bin, vault, args, &mut before);
        println!(
            "| {label} | {which} | {:.0} ms | {:.0} ms | {goal} |",
            wall.as_secs_f64() * 1000.0,
            cpu.as_secs_f64() * 1000.0
        );
    }
}

/// A vault at `path` with one connection to `emu`, its 200 projects as targets, and 50
/// secrets `{prefix}_00..49` in project `app`, mapped to every target if `mapped`.
fn fill(path: &Path, emu: &Emulator, prefix: &str, mapped: bool) {
    let v = create(path);
    v.write(|tx| {
        tx.add_connection("main", emu.base_url(), None, TOKEN)?;
        tx.add_project("app")?;
        for i in 0..200 {
            tx.add_target(&project_ref(i), &format!("p{i}"), "acme", "main")?;
        }
        for s in 0..50 {
            let name = format!("{prefix}_{s:02}");
            let value = SecretValue::simple(format!("v-{s}"));
            tx.set_value("app", &name, &value, Cause::Edit)?;
            for i in (0..200).filter(|_| mapped) {
                tx.map("app", &name, &project_ref(i), None, false, None)?;
            }
        }
        Ok(())
    })
    .expect("fill the vault");
}

fn main() {
    let mut bins = vec![("this build", PathBuf::from(env!("CARGO_BIN_EXE_keyward")))];
    if let Some(b) = std::env::var_os("KEYWARD_BENCH_BASELINE") {
        bins.push(("baseline", PathBuf::from(b)));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // `cargo bench --bench scale -- WORD` runs only the sections named WORD: list, sync
    // (the no-op sync and the imports) or map.
    let only: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wants = |section: &str| only.as_deref().is_none_or(|w| w == section);
    println!("| operation | binary | wall (median of {RUNS}) | CPU (mean) | goal |");
    println!("| --- | --- | --- | --- | --- |");
    if wants("list") {
        listings(&bins, dir.path());
    }
    if !wants("sync") && !wants("map") {
        return;
    }
    let mut seed = Seed::default()
        .organization("acme", "Acme")
        .token(TokenSpec::account(TOKEN));
    for i in 0..200 {
        seed = seed.project_in(&project_ref(i), &format!("p{i}"), "acme");
    }
    let emu = Emulator::start(EmulatorConfig {
        seed,
        ..EmulatorConfig::default()
    })
    .expect("emulator");
    let noop = wants("sync").then(|| synced(&bins, dir.path(), &emu));
    if wants("map") {
        if !wants("sync") {
            // The map goes onto targets that hold 50 variables each, as in a full run.
            synced_vault(&bins, dir.path(), &emu);
        }
        bulk_map(&bins, dir.path(), &emu);
    }
    if let Some(noop) = noop {
        println!("\nrequests per target per no-op sync: {noop:.2} (one listing is the floor)");
    }
}

/// 50,000 secrets in 5 projects, listed.
fn listings(bins: &[(&str, PathBuf)], dir: &Path) {
    let listing = dir.join("listing.redb");
    {
        let v = create(&listing);
        for p in 0..5 {
            v.write(|tx| {
                let project = format!("p{p}");
                tx.add_project(&project)?;
                for i in 0..10_000 {
                    tx.set_value(
                        &project,
                        &format!("SECRET_{i:05}"),
                        &SecretValue::simple(format!("value-{p}-{i}")),
                        Cause::Edit,
                    )?;
                }
                Ok(())
            })
            .expect("fill");
        }
    }
    row(
        "`secret list --json`, 50,000 secrets",
        bins,
        &listing,
        &["secret", "list", "--json"],
        "< 200 ms",
    );
    row(
        "`secret list p0`, 10,000 of 50,000",
        bins,
        &listing,
        &["secret", "list", "p0"],
        "-",
    );
    row(
        "`project list --json`, 50,000 secrets",
        bins,
        &listing,
        &["project", "list", "--json"],
        "-",
    );
}

/// 10,000 variables already synced: a no-op sync, then imports that change every value.
/// Returns the no-op sync's requests per target.
fn synced(bins: &[(&str, PathBuf)], dir: &Path, emu: &Emulator) -> f64 {
    let synced = synced_vault(bins, dir, emu);
    emu.control().reset_counters();
    row(
        "no-op `sync`, 10,000 variables on 200 targets, 0 ms latency",
        bins,
        &synced,
        &["sync"],
        "< 300 ms CPU",
    );
    let noop = emu.control().total_requests() as f64 / (200 * RUNS * bins.len()) as f64;

    // An import that changes all 50 values: 10,000 variables queued (then pushed).
    let env = dir.join("import.env");
    let mut generation = 0;
    let mut fresh_values = |_: usize| {
        generation += 1;
        let text: String = (0..50)
            .map(|s| format!("SECRET_{s:02}=v-{s}-{generation}\n"))
            .collect();
        std::fs::write(&env, text).expect("env file");
    };
    let env_arg = env.to_str().expect("utf-8 path");
    row_with(
        "`import` of 50 changed values mapped to 200 targets, `--no-push`",
        bins,
        &synced,
        &["--no-push", "import", "app", env_arg],
        "< 500 ms CPU",
        &mut fresh_values,
    );
    row_with(
        "the same import, pushed (10,000 variables, 0 ms latency)",
        bins,
        &synced,
        &["import", "app", env_arg],
        "-",
        &mut fresh_values,
    );
    noop
}

/// The vault of 50 secrets mapped to the 200 targets, synced (untimed): every later
/// sync finds nothing to push, and each target holds its 50 variables.
fn synced_vault(bins: &[(&str, PathBuf)], dir: &Path, emu: &Emulator) -> PathBuf {
    let synced = dir.join("synced.redb");
    fill(&synced, emu, "SECRET", true);
    time(&bins[0].1, &synced, &["sync"]);
    synced
}

/// Mapping in bulk: 50 secrets x 200 targets into a vault with none mapped (the
/// targets already hold the synced vault's 50 variables each). The same file each run.
fn bulk_map(bins: &[(&str, PathBuf)], dir: &Path, emu: &Emulator) {
    let unmapped = dir.join("unmapped.redb");
    let pristine = dir.join("unmapped.pristine");
    fill(&pristine, emu, "OTHER", false);
    // Names the synced vault's variables on the same emulator do not use.
    let secrets: Vec<String> = (0..50).map(|s| format!("app/OTHER_{s:02}")).collect();
    let refs: Vec<String> = (0..200).map(project_ref).collect();
    let mut args: Vec<&str> = vec!["--no-push", "map"];
    args.extend(secrets.iter().map(String::as_str));
    args.push("--to");
    args.extend(refs.iter().map(String::as_str));
    row_with(
        "`map` 50 secrets x 200 targets (10,000 pairs), 0 ms latency, `--no-push`",
        bins,
        &unmapped,
        &args,
        "< 1 s",
        |_| {
            std::fs::copy(&pristine, &unmapped).expect("fresh vault");
        },
    );
}
