//! The command line: clap definitions and dispatch. Thin: each group's file builds the
//! requests of `ops` and prints the replies, whether the vault is reached through its
//! running owner or opened here (`common::session`); this file owns parsing, global
//! options and the one-line errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod alert;
mod audit;
mod branch;
mod common;
mod connect;
mod daemon;
mod dashboard;
pub mod demo;
mod emulator;
mod envio;
mod info;
mod init;
mod key;
mod legacy;
mod map;
mod meta;
mod project;
mod rotation;
mod rotation_list;
mod secret;
mod secret_list;
mod secret_show;
mod serve;
mod sync;
mod target;
mod trash;

/// Every command returns this; the error's Display is the one line the user sees.
pub type CmdResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Parser, Debug)]
#[command(
    name = "keyward",
    version,
    about = "Encrypted secrets, synced into Supabase"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command accepts, before or after the subcommand.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// The vault file [default: keyward/vault.redb in the XDG data dir]
    #[arg(long, global = true, env = "KEYWARD_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,
    /// Read the passphrase from this file (first line) instead of prompting
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Unseal with this age X25519 identity file instead of a passphrase
    #[arg(long, global = true, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// Only queue a change to a mapped secret; push it later with `keyward sync` or
    /// the daemon (offline use, batch scripts). By default a command pushes its own
    /// change before it exits
    #[arg(long, global = true, env = "KEYWARD_NO_PUSH", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_push: bool,
    /// Never go through a running owner of the vault (daemon, serve, dashboard): open
    /// the vault here, which fails while an owner holds it
    #[arg(long, global = true, env = "KEYWARD_NO_ATTACH", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_attach: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the dashboard on a throwaway vault and a built-in Supabase emulator
    Demo,
    /// Run a Supabase Management API emulator on loopback
    Emulator(emulator::Args),
    /// Create a vault (passphrase from KEYWARD_PASSPHRASE, --passphrase-file or the prompt)
    Init(init::InitArgs),
    /// Change the vault passphrase
    #[command(subcommand)]
    Passphrase(init::PassphraseCmd),
    /// Where the vault is, who owns it, how it is sealed (no passphrase needed)
    Info(info::InfoArgs),
    /// Projects: named groups of secrets
    #[command(subcommand)]
    Project(project::ProjectCmd),
    /// Secrets: values, versions, rotation, trash
    #[command(subcommand)]
    Secret(secret::SecretCmd),
    /// Trashed secrets
    #[command(subcommand)]
    Trash(trash::TrashCmd),
    /// Import a .env file into a project
    Import(envio::ImportArgs),
    /// Export a project as a .env file on stdout
    Export(envio::ExportArgs),
    /// The audit log: list, filter, verify
    Audit(audit::AuditArgs),
    /// Supabase API key rotations (two keys alive) and JWT signing key rotations: add,
    /// list, run, revoke, rm
    #[command(subcommand)]
    Rotation(rotation::RotationCmd),
    /// A project's legacy anon/service_role API keys: status, disable (plan first, check
    /// after), enable (roll back)
    #[command(subcommand, name = "legacy-keys")]
    LegacyKeys(legacy::LegacyCmd),
    /// Supabase API keys made by hand: create (the value is shown once)
    #[command(subcommand, name = "supabase-key")]
    SupabaseKey(rotation::SupabaseKeyCmd),
    /// Connect a Supabase account (Personal Access Token on stdin, validated first)
    Connect(connect::ConnectArgs),
    /// List connections (never their tokens)
    Connections(connect::ConnectionsArgs),
    /// List the Supabase projects your connections can see (ref, name, organization,
    /// already a target or not): the refs `target add` takes
    Projects(connect::ProjectsArgs),
    /// Give a connection a new token (stdin); resets its targets' health
    Reconnect(connect::ReconnectArgs),
    /// Delete a connection's token (revoke it on Supabase too)
    Disconnect(connect::DisconnectArgs),
    /// Targets: Supabase projects keyward writes to
    #[command(subcommand)]
    Target(target::TargetCmd),
    /// Preview branches of a target: list, watch, unwatch, seed
    #[command(subcommand)]
    Branch(branch::BranchCmd),
    /// Map secrets to targets (many x many)
    Map(map::MapArgs),
    /// Unmap secrets from targets (their variables are deleted there)
    Unmap(map::UnmapArgs),
    /// Push pending changes (full reconciliation); --plan shows what would change
    Sync(sync::SyncArgs),
    /// Every mapped variable and its state; targets and their health
    Status(sync::StatusArgs),
    /// Compare targets with what keyward pushed: drifted, missing, unmanaged
    Drift(sync::DriftArgs),
    /// Retry failed work now, unhealthy targets included
    Retry(sync::RetryArgs),
    /// Own the vault: run the sync engine, its retries and the rotations, and serve
    /// every other keyward command and dashboard on the vault's private socket
    Daemon(daemon::DaemonArgs),
    /// Give a sealed daemon its key (asks for the passphrase, or --identity FILE)
    Unseal,
    /// Make the daemon forget its key: syncing and rotations wait for `keyward unseal`
    Seal,
    /// Access keys for the local API: create, list, revoke
    #[command(subcommand)]
    Key(key::KeyCmd),
    /// Alerts of the config file: list them, send a test, make a webhook's signing secret
    #[command(subcommand)]
    Alert(alert::AlertCmd),
    /// Serve the local HTTP API (docs/api.md) on loopback or a Unix socket
    Serve(serve::ServeArgs),
    /// Print shell completions (bash, zsh, fish) for keyward
    Completions(meta::CompletionsArgs),
    /// Print keyward's man page (roff) on stdout
    Man,
    /// The dashboard's configuration: print the built-in keymap or theme
    #[command(subcommand)]
    Config(meta::ConfigCmd),
}

/// A tokio runtime for a command: two workers (sync pushes and key checks run in
/// parallel; small machines are the norm).
pub(crate) fn runtime() -> CmdResult<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// `keyward secret set`: the program and its subcommands, never an argument (names may
/// be private; values never are on argv anyway).
fn label(m: &clap::ArgMatches) -> String {
    let mut words = vec!["keyward".to_string()];
    let mut cur = m;
    while let Some((name, sub)) = cur.subcommand() {
        words.push(name.to_string());
        cur = sub;
    }
    words.join(" ")
}

/// clap's usage errors as one line, like every other error (its tips folded in), exit
/// status 2; help and version print as clap renders them.
fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit()
    }
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().map(str::trim).filter(|l| {
        !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
    });
    let mut line = lines
        .next()
        .unwrap_or("error: invalid arguments")
        .to_string();
    for tip in lines {
        line.push_str(&format!(" ({})", tip.trim_start_matches("tip: ")));
    }
    let _ = writeln!(std::io::stderr(), "{line}; see --help");
    std::process::exit(2)
}

pub fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => usage_error(e),
    };
    crate::vault::set_command_label(label(&matches));
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // The engine's environment is read once, here, for every command that may run it:
    // a value it cannot use stops the command before anything happens.
    let engine_free = matches!(
        cli.command,
        Some(Command::Completions(_) | Command::Man | Command::Config(_) | Command::Emulator(_))
    );
    if !engine_free && let Err(e) = crate::engine::EngineConfig::checked_env() {
        let _ = writeln!(std::io::stderr(), "error: {e}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        None => dashboard::run(&cli.global),
        Some(Command::Demo) => demo::run(),
        Some(Command::Emulator(args)) => emulator::run(args),
        Some(Command::Init(a)) => init::init(&cli.global, a),
        Some(Command::Passphrase(c)) => init::passphrase(&cli.global, c),
        Some(Command::Info(a)) => info::info(&cli.global, a),
        Some(Command::Project(c)) => project::run(&cli.global, c),
        Some(Command::Secret(c)) => secret::run(&cli.global, c),
        Some(Command::Trash(c)) => trash::run(&cli.global, c),
        Some(Command::Import(a)) => envio::import(&cli.global, a),
        Some(Command::Export(a)) => envio::export(&cli.global, a),
        Some(Command::Audit(a)) => audit::run(&cli.global, a),
        Some(Command::Rotation(c)) => rotation::run(&cli.global, c),
        Some(Command::SupabaseKey(c)) => rotation::supabase_key(&cli.global, c),
        Some(Command::LegacyKeys(c)) => legacy::run(&cli.global, c),
        Some(Command::Connect(a)) => connect::connect(&cli.global, a),
        Some(Command::Connections(a)) => connect::connections(&cli.global, a),
        Some(Command::Projects(a)) => connect::projects(&cli.global, a),
        Some(Command::Reconnect(a)) => connect::reconnect(&cli.global, a),
        Some(Command::Disconnect(a)) => connect::disconnect(&cli.global, a),
        Some(Command::Target(c)) => target::run(&cli.global, c),
        Some(Command::Branch(c)) => branch::run(&cli.global, c),
        Some(Command::Map(a)) => map::map(&cli.global, a),
        Some(Command::Unmap(a)) => map::unmap(&cli.global, a),
        Some(Command::Sync(a)) => sync::sync(&cli.global, a),
        Some(Command::Status(a)) => sync::status(&cli.global, a),
        Some(Command::Drift(a)) => sync::drift(&cli.global, a),
        Some(Command::Retry(a)) => sync::retry(&cli.global, a),
        Some(Command::Daemon(a)) => daemon::daemon(&cli.global, a),
        Some(Command::Unseal) => daemon::unseal(&cli.global),
        Some(Command::Seal) => daemon::seal(&cli.global),
        Some(Command::Key(c)) => key::run(&cli.global, c),
        Some(Command::Alert(c)) => alert::run(&cli.global, c),
        Some(Command::Serve(a)) => serve::run(&cli.global, a),
        Some(Command::Completions(a)) => meta::completions(a),
        Some(Command::Man) => meta::man(),
        Some(Command::Config(c)) => meta::config(c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // stderr may be gone (a closed terminal): the exit code still says it.
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}
