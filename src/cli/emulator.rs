//! `keyward emulator`: the Management API emulator as a standalone server.

use super::CmdResult;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> CmdResult {
    Err("the emulator is not built yet".into())
}
