//! Attach benchmark: prints a table, asserts nothing. Run with `cargo bench --bench
//! attach` (release; the numbers that count) or `--profile dev` for a sanity run.
//!
//! Two vaults of 10,000 secrets (benches/fixture): a heavy one with 7,500 of them mapped
//! to 200 targets, and one with 500 mapped to 10 targets, both sealed with age's default
//! passphrase cost, as a real vault is. The same release binary runs headless commands
//! two ways: directly (it unseals the vault itself) and attached to a `keyward daemon`
//! owning the vault. Wall time is from spawn to exit, with stdout
//! read to the end; peak memory is the process's maximum resident set, read by
//! `/usr/bin/time -f %M` (shown as n/a without it). Then, in this process, a dashboard
//! attaches to the daemon (TestBackend, 200x60): its first frame, and how long a change
//! takes from being sent to the owner to showing on that dashboard's screen.

#[path = "fixture/mod.rs"]
mod fixture;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use keyward::front::Front;
use keyward::ops::{Change, Request};
use keyward::tui::app::App;
use keyward::tui::keys::Keymap;
use keyward::tui::runner::Tui;
use keyward::tui::theme::Theme;
use keyward::vault::{Cause, Clock, InitOptions, SecretValue};
use ratatui::backend::TestBackend;

const PASS: &str = "bench passphrase";
const RUNS: usize = 20;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_keyward")
}

/// The environment of every run: the vault, no push (a change queues), a passphrase
/// only for the direct path.
fn env(c: &mut Command, vault: &std::path::Path, passphrase: bool) {
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", vault.parent().expect("a dir"))
        .env("KEYWARD_VAULT", vault)
        .env("KEYWARD_NO_PUSH", "1")
        .stdin(Stdio::null());
    if passphrase {
        c.env("KEYWARD_PASSPHRASE", PASS);
    }
}

fn command(vault: &std::path::Path, args: &[&str], passphrase: bool) -> Command {
    let mut c = Command::new(bin());
    c.args(args);
    env(&mut c, vault, passphrase);
    c.stdout(Stdio::piped()).stderr(Stdio::null());
    c
}

/// Wall time of one run, spawn to exit, its whole stdout read.
fn wall(vault: &std::path::Path, args: &[&str], passphrase: bool) -> Duration {
    let t0 = Instant::now();
    let mut child = command(vault, args, passphrase).spawn().expect("spawn");
    let mut out = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_end(&mut out)
        .expect("read");
    let st = child.wait().expect("wait");
    let d = t0.elapsed();
    assert!(st.success(), "keyward {args:?} failed");
    d
}

/// Peak resident memory of one run, from /usr/bin/time; None without it.
fn peak_mb(vault: &std::path::Path, args: &[&str], passphrase: bool) -> Option<f64> {
    let mut c = Command::new("/usr/bin/time");
    c.arg("-f").arg("%M").arg(bin()).args(args);
    env(&mut c, vault, passphrase);
    let out = c
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let kb: f64 = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// The daemon, killed however the run ends (a panic too).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn mb(v: Option<f64>) -> String {
    v.map(|m| format!("{m:.1} MB"))
        .unwrap_or_else(|| "n/a".into())
}

fn app() -> App {
    App::new(
        Keymap::defaults(),
        Theme::colored(),
        Clock::system(),
        "bench".into(),
    )
}

fn screen(t: &Tui<TestBackend>) -> String {
    let buf = t.terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// What the attached path costs on one vault.
struct Attached {
    /// The daemon working its outbox at start, until its log is quiet for a second.
    storm: Duration,
    get: Vec<Duration>,
    get_mb: Option<f64>,
    status: Vec<Duration>,
    status_mb: Option<f64>,
    first: Vec<Duration>,
    snapshot: Vec<Duration>,
    seen: Vec<Duration>,
}

const GET: [&str; 3] = ["secret", "get", "project-00/secret number 00001"];
const STATUS: [&str; 2] = ["status", "--json"];

/// The vault at `path` (made unless it is there: KEYWARD_BENCH_VAULT keeps it).
fn vault(path: &std::path::Path, targets: usize, mapped: usize) {
    if !path.exists() {
        let opts = InitOptions {
            passphrase: SecretString::from(PASS),
            recipients: vec![],
            // age's own default cost: what a real vault pays to unseal.
            work_factor: None,
        };
        drop(fixture::vault_with(path, &opts, targets, mapped));
    }
}

/// A daemon on `path`, then the attached commands and an attached dashboard.
fn attached(path: &std::path::Path) -> Attached {
    let mut daemon = Killed(
        command(path, &["daemon"], true)
            .stderr(Stdio::piped())
            .spawn()
            .expect("daemon"),
    );
    // The daemon starts by working the outbox: the variables to targets whose
    // connection refuses, each failing once and then waiting two minutes. The numbers
    // are taken once that storm is over and its log has been quiet for a second.
    let err = daemon.0.stderr.take().expect("stderr");
    let last = Arc::new(std::sync::Mutex::new(Instant::now()));
    let (started_tx, started) = std::sync::mpsc::channel();
    {
        let last = last.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if line.contains("attach at") {
                    let _ = started_tx.send(());
                }
                *last.lock().expect("lock") = Instant::now();
            }
        });
    }
    started
        .recv_timeout(Duration::from_secs(120))
        .expect("the daemon started");
    let t0 = Instant::now();
    while last.lock().expect("lock").elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let storm = t0.elapsed().saturating_sub(Duration::from_secs(1));
    let get = (0..RUNS).map(|_| wall(path, &GET, false)).collect();
    let status = (0..RUNS).map(|_| wall(path, &STATUS, false)).collect();
    let get_mb = peak_mb(path, &GET, false);
    let status_mb = peak_mb(path, &STATUS, false);

    // An attached dashboard, in this process.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let _g = rt.enter();
    let attach = |what: &str| {
        rt.block_on(keyward::front::attach(path, what))
            .expect("attach")
            .expect("an owner")
    };
    let dashboard = |a| {
        Tui::with_front(
            TestBackend::new(200, 60),
            app(),
            Front::Attached(Arc::new(a)),
            keyward::engine::EngineConfig::default(),
        )
        .expect("tui")
    };
    let mut first = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        let mut t = dashboard(attach("keyward"));
        rt.block_on(t.settle());
        t.draw().expect("draw");
        first.push(t0.elapsed());
    }
    // The snapshot alone, asked and read back: what the first frame waits for.
    let a = attach("keyward");
    let mut snapshot = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        rt.block_on(a.call(Request::Query(keyward::ops::Query::Dashboard)))
            .expect("dashboard");
        snapshot.push(t0.elapsed());
    }
    let mut t = dashboard(a);
    rt.block_on(t.settle());
    t.draw().expect("draw");
    // Another front end changes the secret at the top of the pane; the clock runs from
    // sending the change (its commit included) to the new version on this screen.
    let writer = attach("keyward secret set");
    let first_version = match rt
        .block_on(writer.call(Request::Query(keyward::ops::Query::Secret {
            project: "project-00".into(),
            name: "secret number 00000".into(),
        })))
        .expect("read")
    {
        keyward::ops::Reply::Secret(m) => m.version,
        other => panic!("{other:?}"),
    };
    let mut seen = Vec::new();
    for i in 0..RUNS {
        let want = format!("v{} ", first_version as usize + i + 1);
        let change = Change::Set {
            project: "project-00".into(),
            name: "secret number 00000".into(),
            // A value never set before (the vault may be reused): always a new version.
            value: SecretValue::simple(format!("changed {i} {:?}", Instant::now())),
            merge: false,
            cause: Cause::Edit,
        };
        let t0 = Instant::now();
        rt.block_on(writer.call(Request::Apply {
            changes: vec![change],
            push: false,
        }))
        .expect("change");
        loop {
            rt.block_on(t.settle());
            t.draw().expect("draw");
            let s = screen(&t);
            if s.lines()
                .any(|l| l.contains("secret number 00000") && l.contains(&want))
            {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "never shown: {want:?} in {:?}",
                s.lines().find(|l| l.contains("secret number 00000"))
            );
            std::thread::sleep(Duration::from_micros(200));
        }
        seen.push(t0.elapsed());
    }
    drop(daemon);
    Attached {
        storm,
        get,
        get_mb,
        status,
        status_mb,
        first,
        snapshot,
        seen,
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = std::env::var_os("KEYWARD_BENCH_VAULT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.redb"));
    let heavy = base.clone();
    let light = base.with_extension("light.redb");
    vault(&heavy, fixture::TARGETS, fixture::MAPPED);
    vault(&light, 10, 500);

    // Direct: each command unseals the vault itself.
    let direct_get: Vec<Duration> = (0..3).map(|_| wall(&heavy, &GET, true)).collect();
    let direct_status: Vec<Duration> = (0..3).map(|_| wall(&heavy, &STATUS, true)).collect();
    let direct_get_mb = peak_mb(&heavy, &GET, true);
    let direct_status_mb = peak_mb(&heavy, &STATUS, true);

    // The owner's own cost of the dashboard's snapshot, in this process (no socket, no
    // JSON): the part of an attached first frame that is reading the vault.
    let local_snapshot = {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let v = keyward::vault::Vault::open(
            &heavy,
            &keyward::vault::Unlock::Passphrase(SecretString::from(PASS)),
        )
        .expect("open");
        let owner = keyward::owner::Owner::transient(v, keyward::engine::EngineConfig::default());
        let mut d = Vec::new();
        for _ in 0..5 {
            let t0 = Instant::now();
            rt.block_on(owner.handle(None, Request::Query(keyward::ops::Query::Dashboard)))
                .expect("dashboard");
            d.push(t0.elapsed());
        }
        median(d)
    };
    let h = attached(&heavy);
    let l = attached(&light);

    let slowest = |d: &[Duration]| ms(*d.iter().max().expect("runs"));
    println!(
        "| measurement (10,000 secrets) | 7,500 mapped to 200 targets | 500 mapped to 10 targets | target |"
    );
    println!("| --- | --- | --- | --- |");
    println!(
        "| `secret get`, direct: unseal + read (median of 3) | {} | - | - |",
        ms(median(direct_get))
    );
    println!(
        "| `secret get`, direct: peak memory | {} | - | - |",
        mb(direct_get_mb)
    );
    println!(
        "| `status --json`, direct (median of 3) | {} | - | - |",
        ms(median(direct_status))
    );
    println!(
        "| `status --json`, direct: peak memory | {} | - | - |",
        mb(direct_status_mb)
    );
    println!(
        "| the daemon's start: working the failing outbox until its log is quiet | {} | {} | - |",
        ms(h.storm),
        ms(l.storm)
    );
    println!(
        "| `secret get`, attached (median of {RUNS}) | {} | {} | < 20 ms |",
        ms(median(h.get.clone())),
        ms(median(l.get.clone()))
    );
    println!(
        "| `secret get`, attached (slowest of {RUNS}) | {} | {} | - |",
        slowest(&h.get),
        slowest(&l.get)
    );
    println!(
        "| `secret get`, attached: peak memory | {} | {} | < 20 MB |",
        mb(h.get_mb),
        mb(l.get_mb)
    );
    println!(
        "| `status --json`, attached (median of {RUNS}) | {} | {} | < 20 ms |",
        ms(median(h.status.clone())),
        ms(median(l.status.clone()))
    );
    println!(
        "| `status --json`, attached (slowest of {RUNS}) | {} | {} | - |",
        slowest(&h.status),
        slowest(&l.status)
    );
    println!(
        "| `status --json`, attached: peak memory | {} | {} | < 20 MB |",
        mb(h.status_mb),
        mb(l.status_mb)
    );
    println!(
        "| attached dashboard: attach to first frame (median of 5) | {} | {} | < 100 ms |",
        ms(median(h.first)),
        ms(median(l.first))
    );
    println!(
        "| its snapshot, read in-process by the owner (median of 5) | {} | - | - |",
        ms(local_snapshot)
    );
    println!(
        "| its snapshot attached: asked, read, sent, parsed (median of 5) | {} | {} | - |",
        ms(median(h.snapshot)),
        ms(median(l.snapshot))
    );
    println!(
        "| a change sent to the owner, to an attached dashboard's screen (median of {RUNS}) | {} | {} | < 20 ms |",
        ms(median(h.seen.clone())),
        ms(median(l.seen.clone()))
    );
    println!(
        "| the same (slowest of {RUNS}) | {} | {} | - |",
        slowest(&h.seen),
        slowest(&l.seen)
    );
}
