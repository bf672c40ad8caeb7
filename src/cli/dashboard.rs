//! `keyward` with no subcommand: the dashboard on the vault. When another keyward
//! process owns the vault (the daemon, serve, another dashboard) it attaches to it: no
//! passphrase. Otherwise it owns the vault itself: a missing vault is created after
//! asking; the passphrase is asked by the dashboard itself, unless it comes from the
//! environment, a file or an identity.

use std::io::{BufRead, IsTerminal, Write};

use super::common;
use super::{CmdResult, GlobalArgs};
use crate::tui::Start;
use crate::vault::{Clock, InitOptions, SealedVault, Vault};

pub fn run(g: &GlobalArgs) -> CmdResult {
    let path = common::vault_path(g)?;
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !interactive {
        return Err("the dashboard needs a terminal: run `keyward` in one, or use the commands in `keyward --help`".into());
    }
    crate::tui::check_terminal()?;
    if !crate::vault::present(&path)? {
        // The question on a line of its own: after a long path it wrapped mid-"[y/N]".
        eprint!(
            "There is no vault at {}.\nCreate one now? [y/N] ",
            path.display()
        );
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err("no vault: run `keyward init` to create one, or pass --vault PATH".into());
        }
        // Made here rather than through `init` so the new vault opens at once, without
        // asking for the passphrase just chosen.
        let passphrase =
            super::init::new_passphrase(g.passphrase_file.as_deref(), "KEYWARD_PASSPHRASE")?;
        let opts = InitOptions {
            passphrase,
            recipients: vec![],
            work_factor: super::init::work_factor(None)?,
        };
        let vault = Vault::create(&path, &opts)?;
        return crate::tui::run(
            super::runtime()?,
            Start::Open(vault),
            path.display().to_string(),
            crate::engine::EngineConfig::from_env(),
            crate::tui::logging::dir(),
        );
    }
    let rt = super::runtime()?;
    let label = crate::vault::command_label();
    if !g.no_attach
        && let Some(a) = rt.block_on(crate::front::attach(&path, &label))?
    {
        return crate::tui::run(
            rt,
            Start::Attached(a),
            path.display().to_string(),
            crate::engine::EngineConfig::from_env(),
            crate::tui::logging::dir(),
        );
    }
    let from_env = g.identity.is_some()
        || g.passphrase_file.is_some()
        || std::env::var_os("KEYWARD_PASSPHRASE").is_some();
    let start = if from_env {
        Start::Open(common::open(g)?)
    } else {
        Start::Sealed(SealedVault::open(&path, Clock::system())?)
    };
    crate::tui::run(
        rt,
        start,
        path.display().to_string(),
        crate::engine::EngineConfig::from_env(),
        crate::tui::logging::dir(),
    )
}
