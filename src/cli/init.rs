//! `keyward init` and `keyward passphrase change`.

use age::secrecy::{ExposeSecret, SecretString};

use super::common::{self, print_json};
use super::{CmdResult, GlobalArgs};
use crate::vault::{
    InitOptions, MAX_WORK_FACTOR, MIN_WORK_FACTOR, Vault, choose_work_factor, parse_recipient,
};

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Also seal the vault key to this age X25519 recipient (age1...), for `--identity` unseal
    #[arg(long = "recipient", value_name = "AGE_PUBLIC_KEY")]
    pub recipients: Vec<String>,
    #[command(flatten)]
    pub kdf: KdfArgs,
    /// Print the result as one JSON document (see docs/json.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct KdfArgs {
    /// The passphrase's scrypt cost, log2 N from 17 (128 MiB per unseal) to 22 (4 GiB);
    /// each step doubles time and memory [default: 18, 256 MiB, or KEYWARD_KDF_WORK_FACTOR]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(MIN_WORK_FACTOR as i64..=MAX_WORK_FACTOR as i64))]
    pub kdf_work_factor: Option<u8>,
}

#[derive(clap::Subcommand, Debug)]
pub enum PassphraseCmd {
    /// Re-wrap the vault key to a new passphrase (from KEYWARD_NEW_PASSPHRASE,
    /// --new-passphrase-file or a prompt); values are not re-sealed
    Change {
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<std::path::PathBuf>,
        #[command(flatten)]
        kdf: KdfArgs,
    },
}

/// The work factor for a new passphrase wrap (see `choose_work_factor`), warning when a
/// test asked for an insecure one.
pub(super) fn work_factor(flag: Option<u8>) -> CmdResult<Option<u8>> {
    let (n, warning) = choose_work_factor(flag)?;
    if let Some(w) = warning {
        eprintln!("{w}");
    }
    Ok(Some(n))
}

/// A new passphrase: from the given source, or typed twice at the prompt.
pub(super) fn new_passphrase(file: Option<&std::path::Path>, env: &str) -> CmdResult<SecretString> {
    let p = if let Some(f) = file {
        common::passphrase_file(f)?
    } else if let Ok(p) = std::env::var(env) {
        SecretString::from(p)
    } else if common::has_tty() {
        let a = common::prompt("new passphrase")?;
        let b = common::prompt("repeat it")?;
        if *a != *b {
            return Err("the two passphrases differ: run the command again".into());
        }
        SecretString::from(a.to_string())
    } else {
        return Err(format!(
            "no new passphrase: set {env}, pass a passphrase file, or run in a terminal"
        )
        .into());
    };
    if p.expose_secret().is_empty() {
        return Err("the passphrase is empty: choose a non-empty passphrase".into());
    }
    let n = p.expose_secret().chars().count();
    if n < ADVISED_PASSPHRASE_CHARS {
        // Advice, not a rule: whoever copies the vault file can guess offline, at the
        // KDF's pace, for as long as they like.
        eprintln!(
            "warning: a passphrase of {n} characters is quick to guess from a copy of the vault file: {ADVISED_PASSPHRASE_CHARS} or more (a few random words) is far stronger"
        );
    }
    Ok(p)
}

/// Below this, choosing a passphrase prints a warning.
const ADVISED_PASSPHRASE_CHARS: usize = 12;

pub fn init(g: &GlobalArgs, a: InitArgs) -> CmdResult {
    let path = common::vault_path(g)?;
    let recipients = a
        .recipients
        .iter()
        .map(|r| parse_recipient(r))
        .collect::<Result<Vec<_>, _>>()?;
    if crate::vault::present(&path)? {
        return Err(crate::vault::VaultError::AlreadyExists(path).into());
    }
    let passphrase = new_passphrase(g.passphrase_file.as_deref(), "KEYWARD_PASSPHRASE")?;
    let vault = Vault::create(
        &path,
        &InitOptions {
            passphrase,
            recipients,
            work_factor: work_factor(a.kdf.kdf_work_factor)?,
        },
    )?;
    if a.json {
        print_json(&serde_json::json!({ "vault": vault.path(), "recipients": a.recipients.len() }))
    } else {
        println!("created the vault {}", vault.path().display());
        Ok(())
    }
}

pub fn passphrase(g: &GlobalArgs, c: PassphraseCmd) -> CmdResult {
    let PassphraseCmd::Change {
        new_passphrase_file,
        kdf,
    } = c;
    let s = common::session(g)?;
    let new = new_passphrase(new_passphrase_file.as_deref(), "KEYWARD_NEW_PASSPHRASE")?;
    s.call(crate::ops::Request::ChangePassphrase {
        new: crate::ops::Sensitive::new(new.expose_secret()),
        work_factor: work_factor(kdf.kdf_work_factor)?,
    })?;
    println!(
        "the passphrase of {} is changed",
        common::vault_path(g)?.display()
    );
    Ok(())
}
