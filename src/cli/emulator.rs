//! `keyward emulator`: the Management API emulator as a standalone server. Prints its
//! base URL as the first line of stdout, then serves until killed (or Ctrl-C/SIGTERM).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::CmdResult;
use crate::supabase::emulator::seed::{self, DEMO_SCOPED_TOKEN, DEMO_TOKEN};
use crate::supabase::emulator::{Emulator, EmulatorConfig, Faults, Masking, Seed};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on; loopback only, port 0 picks a free port
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// A token the emulator accepts: TOKEN sees every project, TOKEN=REF[,REF] only those
    /// (a project-scoped token) [repeatable; also KEYWARD_EMULATOR_TOKENS, space-separated]
    #[arg(long = "token", value_name = "TOKEN", num_args = 1..)]
    pub tokens: Vec<String>,
    /// Read tokens from a file, one per line, in the --token forms (# starts a comment)
    #[arg(long, value_name = "FILE")]
    pub tokens_file: Option<PathBuf>,
    /// A project: REF:NAME or REF:NAME:ORG (REF is 20 lowercase letters) [repeatable]
    #[arg(long = "project", value_name = "REF:NAME", num_args = 1..)]
    pub projects: Vec<String>,
    /// List the platform's SUPABASE_* entries among the --project projects' secrets (as
    /// older projects show them; new projects may list none)
    #[arg(long)]
    pub platform_secrets: bool,
    #[command(flatten)]
    pub faults: Box<FaultArgs>,
    /// Load the emulator's data from FILE if it exists, and save every change to it
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// Fault knobs, kept apart (and boxed) so the command enum stays small.
#[derive(clap::Args, Debug)]
pub struct FaultArgs {
    /// Delay every answer by N milliseconds
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub latency_ms: u64,
    /// Fail this fraction (0..1) of API requests with a 500
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Requests allowed per window per token, project and endpoint before 429
    #[arg(long, value_name = "N", default_value_t = 120)]
    pub rate_limit: u32,
    /// The rate-limit window in seconds
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub rate_window_secs: u64,
    /// Fail the next N calls of a route: 'METHOD /route/{param}=N' or '...=N:STATUS'
    /// (default status 500; route `*` = every route) [repeatable]
    #[arg(long = "fail-next", value_name = "ROUTE=N[:STATUS]")]
    pub fail_next: Vec<String>,
    /// Start with this token revoked (it answers 401) [repeatable]
    #[arg(long = "revoke", value_name = "TOKEN")]
    pub revoked: Vec<String>,
    /// Show unrevealed secret API keys as null instead of masked
    #[arg(long)]
    pub null_secret_keys: bool,
    /// Answer 404 to a bulk delete naming an absent secret (default: 200)
    #[arg(long)]
    pub delete_absent_404: bool,
    /// Answer 403 to reveal=true from project-scoped tokens (a known Supabase bug)
    #[arg(long)]
    pub scoped_reveal_403: bool,
}

pub fn run(args: Args) -> CmdResult {
    let faults = &args.faults;
    if !(0.0..=1.0).contains(&faults.fail_rate) {
        return Err(format!("--fail-rate {} is outside 0..1", faults.fail_rate).into());
    }
    let (seed, demo) = seed_of(&args)?;
    let failures = faults
        .fail_next
        .iter()
        .map(|f| parse_fail_next(f))
        .collect::<Result<Vec<_>, _>>()?;

    let config = EmulatorConfig {
        listen: args.listen,
        seed,
        faults: faults_of(faults),
        state_file: args.state.clone(),
    };
    let emulator =
        Emulator::start(config).map_err(|e| format!("cannot start the emulator: {e}"))?;
    for (route, count, status) in failures {
        emulator.control().fail_next(&route, count, status);
    }
    for t in &faults.revoked {
        if !emulator.revoke_token(t) {
            return Err(
                "--revoke names a token the emulator does not know (give it with --token too)"
                    .into(),
            );
        }
    }
    announce(&emulator, demo)?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(wait_for_stop_signal());
    emulator.shutdown();
    Ok(())
}

/// Tokens from --token, KEYWARD_EMULATOR_TOKENS and --tokens-file, in that order.
fn token_forms(args: &Args) -> CmdResult<Vec<String>> {
    let mut token_forms = args.tokens.clone();
    if let Ok(env) = std::env::var("KEYWARD_EMULATOR_TOKENS") {
        token_forms.extend(env.split_whitespace().map(str::to_owned));
    }
    if let Some(path) = &args.tokens_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --tokens-file {}: {e}", path.display()))?;
        token_forms.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    Ok(token_forms)
}

/// The tokens and projects given, or the demo data when none are and there is no
/// state file to resume (then `true`).
fn seed_of(args: &Args) -> CmdResult<(Seed, bool)> {
    let mut seed = Seed::default();
    for t in &token_forms(args)? {
        seed = seed.token(seed::parse_token(t).map_err(|e| format!("--token: {e}"))?);
    }
    for p in &args.projects {
        let p = seed::parse_project(p).map_err(|e| format!("--project: {e}"))?;
        seed = seed.project_in(&p.project_ref, &p.name, &p.organization);
        if args.platform_secrets {
            seed = seed.with_platform_secrets(&p.project_ref);
        }
    }
    let fresh = args.state.as_ref().is_none_or(|s| !s.exists());
    let demo = seed.is_empty() && fresh;
    if demo {
        seed = Seed::demo();
    }
    Ok((seed, demo))
}

fn faults_of(faults: &FaultArgs) -> Faults {
    Faults {
        latency_ms: faults.latency_ms,
        fail_rate: faults.fail_rate,
        rate_limit: faults.rate_limit,
        rate_window_secs: faults.rate_window_secs.max(1),
        secret_key_masking: if faults.null_secret_keys {
            Masking::Null
        } else {
            Masking::Masked
        },
        delete_absent_404: faults.delete_absent_404,
        scoped_reveal_403: faults.scoped_reveal_403,
        reject_names: Vec::new(),
        revoked_key_min_age_secs: 0,
        branch_ready_after_ms: 0,
    }
}

/// The base URL on stdout (what scripts read), the rest on stderr.
fn announce(emulator: &Emulator, demo: bool) -> CmdResult {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", emulator.base_url())?;
    out.flush()?;
    drop(out);
    eprintln!(
        "project URL template (key checks): {}",
        emulator.project_url_template()
    );
    eprintln!(
        "admin routes: {}/_emulator/ (see docs/emulator.md)",
        emulator.base_url()
    );
    if demo {
        eprintln!("demo data: account token {DEMO_TOKEN}, scoped token {DEMO_SCOPED_TOKEN}");
    }
    Ok(())
}

pub(super) async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `METHOD /route=N` or `METHOD /route=N:STATUS`.
fn parse_fail_next(s: &str) -> Result<(String, u32, u16), String> {
    let bad = || format!("--fail-next `{s}`: expected 'METHOD /route/{{param}}=N[:STATUS]'");
    let (route, rest) = s.rsplit_once('=').ok_or_else(bad)?;
    let (count, status) = match rest.split_once(':') {
        Some((c, st)) => (c, st.parse::<u16>().map_err(|_| bad())?),
        None => (rest, 500),
    };
    let count = count.parse::<u32>().map_err(|_| bad())?;
    if count == 0 || !(400..=599).contains(&status) || route.trim().is_empty() {
        return Err(bad());
    }
    Ok((route.trim().to_owned(), count, status))
}
