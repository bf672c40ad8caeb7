//! `keyward` with no subcommand: the dashboard on the vault. A missing vault is created
//! after asking; the passphrase is asked by the dashboard itself, unless it comes from
//! the environment, a file or an identity.

use std::io::{BufRead, IsTerminal, Write};

use super::common;
use super::{CmdResult, GlobalArgs};
use crate::tui::Start;
use crate::vault::{Clock, SealedVault};

pub fn run(g: &GlobalArgs) -> CmdResult {
    let path = common::vault_path(g)?;
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !interactive {
        return Err("the dashboard needs a terminal: run `keyward` in one, or use the commands in `keyward --help`".into());
    }
    if !path.exists() {
        eprint!(
            "There is no vault at {}. Create one now? [y/N] ",
            path.display()
        );
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err("no vault: run `keyward init` to create one, or pass --vault PATH".into());
        }
        super::init::init(
            g,
            super::init::InitArgs {
                recipients: vec![],
                json: false,
            },
        )?;
    }
    let from_env = g.identity.is_some()
        || g.passphrase_file.is_some()
        || std::env::var_os("KEYWARD_PASSPHRASE").is_some();
    let start = if from_env {
        Start::Open(common::open(g)?)
    } else {
        Start::Sealed(SealedVault::open(&path, Clock::system())?)
    };
    crate::tui::run(start, path.display().to_string())
}
