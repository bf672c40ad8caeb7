//! `keyward demo`: the dashboard on a throwaway vault and the built-in emulator.

use super::CmdResult;

pub fn run() -> CmdResult {
    println!(
        "keyward demo will open the dashboard on a throwaway vault against the built-in \
         Supabase emulator. The dashboard is not built yet; meanwhile try \
         `keyward emulator` and the vault commands in `keyward --help`."
    );
    Ok(())
}
