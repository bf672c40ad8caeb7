//! What every vault command shares: where the vault is, how to reach it (through its
//! running owner, or by opening and unsealing it here), how values come in (stdin or a
//! file, never argv) and how results go out.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{CmdResult, GlobalArgs};
use crate::front::Front;
use crate::ops::{Applied, Change, Query, Reply, Request};
use crate::owner::{Host, Owner};
use crate::vault::{Clock, SealedVault, Unlock, Vault, VaultError};

pub fn vault_path(g: &GlobalArgs) -> CmdResult<PathBuf> {
    if let Some(p) = &g.vault {
        return Ok(p.clone());
    }
    let base = directories::BaseDirs::new().ok_or(
        "cannot find your data directory (no HOME): pass --vault PATH or set KEYWARD_VAULT",
    )?;
    Ok(base.data_dir().join("keyward").join("vault.redb"))
}

/// The passphrase from, in order: --passphrase-file, KEYWARD_PASSPHRASE, a masked prompt.
pub fn passphrase(g: &GlobalArgs, label: &str) -> CmdResult<SecretString> {
    if let Some(f) = &g.passphrase_file {
        return passphrase_file(f);
    }
    if let Ok(p) = std::env::var("KEYWARD_PASSPHRASE") {
        return Ok(SecretString::from(p));
    }
    if has_tty() {
        return Ok(SecretString::from(prompt(label)?.to_string()));
    }
    Err("no passphrase: set KEYWARD_PASSPHRASE, pass --passphrase-file FILE or --identity FILE, or run in a terminal".into())
}

pub fn passphrase_file(f: &Path) -> CmdResult<SecretString> {
    let text = Zeroizing::new(
        std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read the passphrase file {}: {e}", f.display()))?,
    );
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        return Err(format!(
            "the passphrase file {} is empty: put the passphrase on its first line",
            f.display()
        )
        .into());
    }
    Ok(SecretString::from(line.to_string()))
}

pub fn unlock(g: &GlobalArgs) -> CmdResult<Unlock> {
    match &g.identity {
        Some(id) => Ok(Unlock::Identity(id.clone())),
        None => Ok(Unlock::Passphrase(passphrase(g, "passphrase")?)),
    }
}

/// Opens and unseals the vault. At an interactive prompt a wrong passphrase may be
/// retried (three tries, each failure audited) without reopening the file.
pub fn open(g: &GlobalArgs) -> CmdResult<Vault> {
    let path = vault_path(g)?;
    if !crate::vault::present(&path)? {
        return Err(crate::vault::VaultError::NoVault(path).into());
    }
    let prompting = g.identity.is_none()
        && g.passphrase_file.is_none()
        && std::env::var_os("KEYWARD_PASSPHRASE").is_none()
        && has_tty();
    let sealed = SealedVault::open(&path, Clock::system())?;
    if !prompting {
        let key = sealed.unwrap_key(&unlock(g)?)?;
        return Ok(sealed.finish(key)?);
    }
    let mut tries = 0;
    loop {
        let pass = SecretString::from(prompt("passphrase")?.to_string());
        match sealed.unwrap_key(&Unlock::Passphrase(pass)) {
            Ok(key) => return Ok(sealed.finish(key)?),
            Err(VaultError::WrongPassphrase(_)) if tries < 2 => {
                tries += 1;
                eprintln!("wrong passphrase, try again");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Whether this process has a controlling terminal to prompt on, even when stdin is a
/// file or a pipe (`secret set X < file` in a terminal prompts there, as ssh and gpg do).
pub fn has_tty() -> bool {
    std::io::stdin().is_terminal()
        || std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok()
}

/// Writes a prompt where the person at the terminal sees it: stderr when that is the
/// terminal, else the terminal itself.
fn say_at_terminal(text: &str) {
    if std::io::stderr().is_terminal() {
        eprint!("{text}");
        let _ = std::io::stderr().flush();
    } else if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = tty.write_all(text.as_bytes());
    }
}

/// Reads a line from the controlling terminal without echoing it.
pub fn prompt(label: &str) -> CmdResult<Zeroizing<String>> {
    struct Raw;
    impl Drop for Raw {
        fn drop(&mut self) {
            let _ = crossterm::terminal::disable_raw_mode();
            say_at_terminal("\r\n");
        }
    }
    // Raw mode first: anything typed once the prompt is visible must not be echoed.
    // crossterm works on /dev/tty when stdin is not the terminal.
    crossterm::terminal::enable_raw_mode()?;
    let _raw = Raw;
    say_at_terminal(&format!("{label}: "));
    let mut s = Zeroizing::new(String::new());
    loop {
        if let Event::Key(k) = event::read()? {
            if k.kind != KeyEventKind::Press {
                continue;
            }
            match k.code {
                KeyCode::Enter => return Ok(s),
                KeyCode::Backspace => {
                    s.pop();
                }
                KeyCode::Char('c') | KeyCode::Char('d')
                    if k.modifiers.contains(KeyModifiers::CONTROL) =>
                {
                    return Err("cancelled at the prompt".into());
                }
                // A line typed ahead in cooked mode ends in '\n', which raw mode reads as Ctrl-J.
                KeyCode::Char('j') if k.modifiers.contains(KeyModifiers::CONTROL) => return Ok(s),
                KeyCode::Char(_) if k.modifiers.contains(KeyModifiers::CONTROL) => {}
                KeyCode::Esc => return Err("cancelled at the prompt".into()),
                KeyCode::Char(c) => s.push(c),
                _ => {}
            }
        }
    }
}

/// A value from `file`, else stdin (one trailing newline stripped), else a masked prompt
/// when stdin is a terminal.
pub fn read_value(file: Option<&Path>, what: &str) -> CmdResult<Zeroizing<String>> {
    let mut raw = Zeroizing::new(Vec::new());
    match file {
        Some(f) => {
            raw = Zeroizing::new(
                std::fs::read(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?,
            );
        }
        None if std::io::stdin().is_terminal() => return prompt(&format!("value for {what}")),
        None => {
            std::io::stdin().read_to_end(&mut raw)?;
        }
    }
    if raw.ends_with(b"\n") {
        raw.pop();
        if raw.ends_with(b"\r") {
            raw.pop();
        }
    }
    let s = std::str::from_utf8(&raw).map_err(|_| {
        format!("the value for {what} is not UTF-8 text: encode binary data (base64) first")
    })?;
    Ok(Zeroizing::new(s.to_string()))
}

/// `PROJECT/NAME`, split at the first '/' (project names cannot contain one).
pub fn addr(s: &str) -> CmdResult<(String, String)> {
    match s.split_once('/') {
        Some((p, n)) if !p.is_empty() && !n.is_empty() => Ok((p.to_string(), n.to_string())),
        _ => Err(format!(
            "{s:?} is not PROJECT/NAME: write the project, a '/', then the secret name"
        )
        .into()),
    }
}

/// An empty listing says so, and what to do next, on stderr: stdout stays empty for
/// scripts that count lines.
pub fn hint_if_empty(len: usize, hint: &str) {
    if len == 0 {
        eprintln!("{hint}");
    }
}

/// One JSON document on stdout, streamed (a large status never exists twice in memory).
pub fn print_json<T: Serialize>(v: &T) -> CmdResult {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, v)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// A vault command's way to the vault: through its running owner when there is one
/// (no passphrase, no lock error), else the vault opened and unsealed here, with this
/// process as its owner for the command's length. Requests and replies are the same.
pub struct Session {
    pub rt: tokio::runtime::Runtime,
    pub front: Front,
}

/// How long a command waits for an owner that holds the vault's lock but is not yet
/// listening (it is starting).
const OWNER_STARTING: Duration = Duration::from_secs(3);

impl Session {
    pub fn call(&self, req: Request) -> CmdResult<Reply> {
        Ok(self.rt.block_on(self.front.call(req))?)
    }

    pub fn query(&self, q: Query) -> CmdResult<Reply> {
        self.call(Request::Query(q))
    }

    /// Changes in one transaction; with `push`, the command's own push (unless
    /// --no-push).
    pub fn apply(&self, g: &GlobalArgs, changes: Vec<Change>, push: bool) -> CmdResult<Applied> {
        let push = push && !g.no_push;
        match self.call(Request::Apply { changes, push })? {
            Reply::Applied(a) => Ok(a),
            other => Err(unexpected(&other)),
        }
    }
}

/// A reply that does not fit the request: a front end and an owner of different builds.
pub fn unexpected(r: &Reply) -> Box<dyn std::error::Error + Send + Sync> {
    format!(
        "the vault's owner answered `{}`, which this keyward does not expect here: restart the owner (e.g. the daemon) with this version",
        r.kind()
    )
    .into()
}

/// Attaches to the vault's owner, or opens the vault here (asking the passphrase).
pub fn session(g: &GlobalArgs) -> CmdResult<Session> {
    let path = vault_path(g)?;
    if !crate::vault::present(&path)? {
        return Err(VaultError::NoVault(path).into());
    }
    let rt = super::runtime()?;
    let label = crate::vault::command_label();
    if !g.no_attach
        && let Some(a) = rt.block_on(crate::front::attach(&path, &label))?
    {
        return Ok(Session {
            front: Front::Attached(Arc::new(a)),
            rt,
        });
    }
    match open(g) {
        Ok(vault) => {
            let host = Host::open(Owner::transient(
                vault,
                crate::engine::EngineConfig::from_env(),
            ));
            Ok(Session {
                front: Front::Local(host),
                rt,
            })
        }
        Err(e) => {
            let locked = matches!(
                e.downcast_ref::<VaultError>(),
                Some(VaultError::Locked { .. })
            );
            if !locked {
                return Err(e);
            }
            if g.no_attach {
                return Err(format!(
                    "{e}; without --no-attach this command runs through that process when it owns the vault (`keyward daemon`, `keyward serve` or a dashboard)"
                )
                .into());
            }
            // An owner that took the lock a moment ago is about to listen.
            let end = Instant::now() + OWNER_STARTING;
            while Instant::now() < end {
                std::thread::sleep(Duration::from_millis(100));
                if let Some(a) = rt.block_on(crate::front::attach(&path, &label))? {
                    return Ok(Session {
                        front: Front::Attached(Arc::new(a)),
                        rt,
                    });
                }
            }
            Err(e)
        }
    }
}
