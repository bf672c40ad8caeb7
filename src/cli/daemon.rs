//! `keyward daemon | unseal | seal` and `keyward status --watch`: the long-running owner
//! of a vault and the commands that talk to it as such.

use std::time::Duration;

use super::common::{passphrase, vault_path};
use super::{CmdResult, GlobalArgs};
use crate::engine::{EngineConfig, Event};
use crate::front::Attached;
use crate::ops::{Reply, Request, Sensitive, UnsealWith};
use crate::owner::log::{Describer, Format, render, spawn_stderr};
use crate::owner::{Host, listen};
use crate::vault::{Clock, SealedVault, VaultError};

#[derive(clap::Args, Debug)]
pub struct DaemonArgs {
    /// Start without the key (nothing on disk or in the environment): refuse every
    /// request until `keyward unseal` gives it, from an SSH session or a terminal
    #[arg(long)]
    pub sealed: bool,
    /// How event lines look on stderr (journald keeps them)
    #[arg(long, value_name = "text|json", default_value = "text")]
    pub log_format: String,
    /// How often each target that follows its branches has them listed (one request
    /// per target; default 60, or KEYWARD_BRANCH_POLL_MS)
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub branch_poll: Option<u64>,
}

/// Attaches to the vault's owner, or says that none runs.
fn attached(g: &GlobalArgs, rt: &tokio::runtime::Runtime, none: &str) -> CmdResult<Attached> {
    let path = vault_path(g)?;
    if !crate::vault::present(&path)? {
        return Err(VaultError::NoVault(path).into());
    }
    let label = crate::vault::command_label();
    match rt.block_on(crate::front::attach(&path, &label))? {
        Some(a) => Ok(a),
        None => Err(format!("{} ({})", none, path.display()).into()),
    }
}

/// Says who owns the vault already, when some process does.
fn refuse_if_owned(g: &GlobalArgs, rt: &tokio::runtime::Runtime, what: &str) -> CmdResult {
    let path = vault_path(g)?;
    if !crate::vault::present(&path)? {
        return Err(VaultError::NoVault(path).into());
    }
    let label = crate::vault::command_label();
    if let Some(a) = rt.block_on(crate::front::attach(&path, &label))? {
        let o = a.owner();
        return Err(format!(
            "{} already owns {} (pid {}): stop it first, or let it do this ({what} cannot share a vault with another owner)",
            o.command, o.vault, o.pid
        )
        .into());
    }
    Ok(())
}

/// The owner's start: sealed (waiting for `keyward unseal`) or unsealed here.
pub(super) fn own(
    g: &GlobalArgs,
    rt: &tokio::runtime::Runtime,
    sealed: bool,
    what: &str,
    branch_poll: Option<u64>,
) -> CmdResult<std::sync::Arc<Host>> {
    refuse_if_owned(g, rt, what)?;
    let path = vault_path(g)?;
    // A broken alert entry must stop the start: an operator would believe it armed.
    let alerts = crate::alerts::Config::load().map_err(|e| {
        format!("{e}; fix the [[alert]] entry, or move the file away to start without alerts")
    })?;
    if let Some(f) = &alerts.file {
        eprintln!(
            "keyward {what}: {} alert(s) from {}",
            alerts.alerts.len(),
            f.display()
        );
    }
    let mut config = EngineConfig::from_env();
    if let Some(s) = branch_poll {
        config.branch_poll = std::time::Duration::from_secs(s);
    }
    if sealed {
        return Ok(Host::sealed(
            SealedVault::open(&path, Clock::system())?,
            config,
        ));
    }
    let vault = super::common::open(g)?;
    let _in_rt = rt.enter();
    Ok(Host::resident(vault, config))
}

/// Serves the owner until SIGINT or SIGTERM: the socket, the event lines, then a clean
/// stop (a rotation in flight finishes; the socket file goes).
pub(super) async fn serve_owner(
    host: std::sync::Arc<Host>,
    format: Format,
    what: &str,
    until: impl std::future::Future<Output = ()>,
) -> CmdResult {
    let logger = spawn_stderr(host.subscribe(), format, Clock::system());
    let listening = listen(host.clone()).await.map_err(|e| {
        format!(
            "cannot listen on the vault's socket: {e}; set XDG_RUNTIME_DIR to a directory of yours"
        )
    })?;
    let vault = host.vault_path().display().to_string();
    match host.owner() {
        Some(o) => {
            let (targets, rotations) = o
                .vault()
                .read()
                .map(|r| {
                    (
                        r.targets().map(|t| t.len()).unwrap_or(0),
                        r.key_rotations().map(|k| k.len()).unwrap_or(0),
                    )
                })
                .unwrap_or((0, 0));
            eprintln!(
                "keyward {what}: owns {vault}, syncing {targets} target(s), {rotations} key rotation(s) and the rotation policies; commands and dashboards attach at {}; Ctrl-C or SIGTERM stops it",
                listening.path().display()
            );
        }
        None => eprintln!(
            "keyward {what}: {vault} is sealed: run `keyward unseal` (it asks for the passphrase) to start syncing; socket {}",
            listening.path().display()
        ),
    }
    until.await;
    drop(listening);
    host.stop().await;
    // The last lines (a rotation finishing) reach stderr before the process ends.
    tokio::time::sleep(Duration::from_millis(50)).await;
    logger.abort();
    Ok(())
}

pub fn daemon(g: &GlobalArgs, a: DaemonArgs) -> CmdResult {
    let format: Format = a.log_format.parse()?;
    let rt = super::runtime()?;
    let host = own(g, &rt, a.sealed, "daemon", a.branch_poll)?;
    rt.block_on(serve_owner(
        host,
        format,
        "daemon",
        super::emulator::wait_for_stop_signal(),
    ))
}

pub fn unseal(g: &GlobalArgs) -> CmdResult {
    let rt = super::runtime()?;
    let a = attached(
        g,
        &rt,
        "no keyward daemon owns this vault: start one with `keyward daemon --sealed`; without a daemon, commands ask for the passphrase themselves",
    )?;
    let o = a.owner().clone();
    if !o.sealed {
        println!(
            "{} is already unsealed ({}, pid {})",
            o.vault, o.command, o.pid
        );
        return Ok(());
    }
    let mut tries = 0;
    loop {
        let with = match &g.identity {
            Some(f) => {
                UnsealWith::Identity(Sensitive::new(std::fs::read_to_string(f).map_err(|e| {
                    format!("cannot read the identity file {}: {e}", f.display())
                })?))
            }
            None => UnsealWith::Passphrase(Sensitive::new(
                age::secrecy::ExposeSecret::expose_secret(&passphrase(g, "passphrase")?),
            )),
        };
        match rt.block_on(a.call(Request::Unseal(with))) {
            Ok(Reply::Done) => break,
            Ok(other) => return Err(super::common::unexpected(&other)),
            Err(e) if e.starts_with("wrong passphrase") && prompting(g) && tries < 2 => {
                tries += 1;
                eprintln!("wrong passphrase, try again");
            }
            Err(e) => return Err(e.into()),
        }
    }
    println!(
        "unsealed {}: {} (pid {}) syncs and rotates",
        o.vault, o.command, o.pid
    );
    Ok(())
}

fn prompting(g: &GlobalArgs) -> bool {
    g.identity.is_none()
        && g.passphrase_file.is_none()
        && std::env::var_os("KEYWARD_PASSPHRASE").is_none()
}

pub fn seal(g: &GlobalArgs) -> CmdResult {
    let rt = super::runtime()?;
    let a = attached(
        g,
        &rt,
        "no keyward daemon owns this vault: there is no key in memory to forget",
    )?;
    let o = a.owner().clone();
    rt.block_on(a.call(Request::Seal))?;
    println!(
        "sealed {}: {} (pid {}) has forgotten the key and waits for `keyward unseal`",
        o.vault, o.command, o.pid
    );
    Ok(())
}

/// `keyward status --watch`: the owner's event lines as they happen, until Ctrl-C or
/// the owner stops.
pub fn watch(g: &GlobalArgs, format: &str) -> CmdResult {
    let format: Format = format
        .parse()
        .map_err(|_| format!("--format {format:?}: use text or json"))?;
    let rt = super::runtime()?;
    let a = attached(
        g,
        &rt,
        "nothing to follow: no keyward daemon, serve or dashboard owns this vault; start `keyward daemon` (events exist while an owner runs)",
    )?;
    let o = a.owner().clone();
    eprintln!(
        "following {} (pid {}) on {}; Ctrl-C stops",
        o.command, o.pid, o.vault
    );
    let clock = Clock::system();
    rt.block_on(async {
        let mut rx = a.subscribe();
        let mut d = Describer::default();
        let stop = super::emulator::wait_for_stop_signal();
        tokio::pin!(stop);
        loop {
            let e = tokio::select! {
                e = rx.recv() => e,
                _ = &mut stop => return Ok(()),
            };
            match e {
                Ok(Event::Stopped) if a.is_gone() => {
                    return Err(
                        format!("the owner ({}, pid {}) has stopped", o.command, o.pid).into(),
                    );
                }
                Ok(e) => {
                    for l in d.lines(&e) {
                        println!("{}", render(&l, format, clock.now()));
                    }
                    use std::io::Write;
                    let _ = std::io::stdout().flush();
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("({n} event(s) missed)");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    return Err("the owner has stopped".into());
                }
            }
        }
    })
}
