//! The command line: clap definitions and dispatch. Thin: each group's file calls into
//! `vault`/`supabase`; this file owns parsing, global options and the one-line errors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod demo;
mod emulator;

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
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the dashboard on a throwaway vault and a built-in Supabase emulator
    Demo,
    /// Run a Supabase Management API emulator on loopback
    Emulator(emulator::Args),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => Err("the dashboard is not built yet: run `keyward --help` for the commands".into()),
        Some(Command::Demo) => demo::run(),
        Some(Command::Emulator(args)) => emulator::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
