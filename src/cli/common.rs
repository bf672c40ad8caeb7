//! What every vault command shares: where the vault is, how to unseal it, how values come
//! in (stdin or a file, never argv) and how results go out.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{CmdResult, GlobalArgs};
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
    if std::io::stdin().is_terminal() {
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
    if !path.exists() {
        return Err(crate::vault::VaultError::NoVault(path).into());
    }
    let prompting = g.identity.is_none()
        && g.passphrase_file.is_none()
        && std::env::var_os("KEYWARD_PASSPHRASE").is_none()
        && std::io::stdin().is_terminal();
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

/// Reads a line from the terminal without echoing it.
pub fn prompt(label: &str) -> CmdResult<Zeroizing<String>> {
    struct Raw;
    impl Drop for Raw {
        fn drop(&mut self) {
            let _ = crossterm::terminal::disable_raw_mode();
            eprintln!();
        }
    }
    // Raw mode first: anything typed once the prompt is visible must not be echoed.
    crossterm::terminal::enable_raw_mode()?;
    let _raw = Raw;
    eprint!("{label}: ");
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

pub fn print_json<T: Serialize>(v: &T) -> CmdResult {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
