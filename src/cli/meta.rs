//! `keyward completions bash|zsh|fish`, `keyward man` and `keyward config print
//! keymap|theme`: generated from the same clap definitions and embedded defaults the
//! program runs on, so they cannot drift from it.

use std::io::Write;

use clap::CommandFactory;

use super::{Cli, CmdResult};

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for
    pub shell: clap_complete::Shell,
}

#[derive(clap::Subcommand, Debug)]
pub enum ConfigCmd {
    /// Print a built-in default: the keymap, or a theme (`theme` = dark, `theme light`)
    Print {
        #[arg(value_parser = ["keymap", "theme"])]
        what: String,
        /// For `theme`: dark (the default) or light
        #[arg(default_value = "dark")]
        variant: String,
    },
}

pub fn completions(a: CompletionsArgs) -> CmdResult {
    let mut cmd = Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "keyward", &mut std::io::stdout());
    Ok(())
}

pub fn man() -> CmdResult {
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(())
}

pub fn config(c: ConfigCmd) -> CmdResult {
    let ConfigCmd::Print { what, variant } = c;
    let text = match what.as_str() {
        "keymap" => crate::tui::keys::DEFAULTS,
        _ => crate::tui::theme::builtin(&variant)
            .ok_or_else(|| format!("no theme {variant:?}: the built-in ones are dark and light"))?,
    };
    print!("{text}");
    Ok(())
}
