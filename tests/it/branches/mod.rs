//! Preview branches as targets, against the emulator: following a target's branches
//! from the command line (a pattern, overrides, seeding, plan and drift on a branch)
//! and from a running daemon (new branches seeded within an interval, one listing per
//! parent per interval, gone branches dropped without a write).

mod cli;
mod daemon;
mod serve;

use std::collections::BTreeMap;

use keyward::supabase::emulator::Emulator;
use keyward::supabase::emulator::branches::NewBranch;

use crate::support::emulator::TOKEN;
use crate::support::vault::{Sandbox, ok};
pub(crate) use crate::sync::cli::kw;

pub const LIST: &str = "GET /v1/projects/{ref}/branches";

/// A vault connected to `emu` with the secret `app/k` = v1.
pub fn connected(emu: &Emulator) -> Sandbox {
    let sb = Sandbox::new();
    drop(sb.create());
    ok(&kw(&sb, &["project", "add", "app"], ""));
    ok(&kw(
        &sb,
        &["connect", "main", "--url", emu.base_url()],
        TOKEN,
    ));
    ok(&kw(&sb, &["secret", "set", "app/k"], "v1"));
    sb
}

/// A branch of `parent` on the emulator (ready at once unless `ready_after_ms`);
/// returns its ref.
pub fn branch(emu: &Emulator, parent: &str, name: &str, git: &str, ready_after_ms: u64) -> String {
    emu.world(|w| {
        w.add_branch(
            parent,
            NewBranch {
                name: name.into(),
                git_branch: Some(git.into()),
                ready_after_ms,
                ..NewBranch::default()
            },
        )
        .unwrap()
        .project_ref
    })
}

/// What a project holds, plaintext (the SUPABASE_ ones left out).
pub fn remote(emu: &Emulator, r: &str) -> BTreeMap<String, String> {
    emu.world(|w| {
        w.projects
            .get(r)
            .map(|p| {
                p.secrets
                    .iter()
                    .filter(|(k, _)| !k.starts_with("SUPABASE_"))
                    .map(|(k, s)| (k.clone(), s.value.clone()))
                    .collect()
            })
            .unwrap_or_default()
    })
}
