//! `keyward map | unmap`: many secrets x many targets.

use std::collections::{BTreeMap, BTreeSet};

use super::autopush::{before, push, push_quiet};
use super::common::{addr, open};
use super::engine_rt::{runtime, stored_client};
use super::{CmdResult, GlobalArgs};

#[derive(clap::Args, Debug)]
pub struct MapArgs {
    /// Secrets as PROJECT/NAME
    #[arg(required = true, value_name = "PROJECT/NAME")]
    pub secrets: Vec<String>,
    /// Target refs
    #[arg(long = "to", required = true, num_args = 1.., value_name = "REF")]
    pub targets: Vec<String>,
    /// The variable name to use instead of the derived one (one secret only; the
    /// prefix of its fields for a structured secret)
    #[arg(long = "as", value_name = "ENVNAME")]
    pub env_name: Option<String>,
    /// Take over a variable of the same name that exists on Supabase and that keyward
    /// did not create (the vault's value replaces it)
    #[arg(long)]
    pub adopt: bool,
}

#[derive(clap::Args, Debug)]
pub struct UnmapArgs {
    #[arg(required = true, value_name = "PROJECT/NAME")]
    pub secrets: Vec<String>,
    #[arg(long = "from", required = true, num_args = 1.., value_name = "REF")]
    pub targets: Vec<String>,
}

pub fn map(g: &GlobalArgs, a: MapArgs) -> CmdResult {
    if a.env_name.is_some() && a.secrets.len() > 1 {
        return Err("--as names the variable of one secret: map the secrets one at a time".into());
    }
    let vault = open(g)?;
    let pairs: Vec<(String, String)> = a
        .secrets
        .iter()
        .map(|s| addr(s))
        .collect::<Result<_, _>>()?;
    // What each target holds now: names keyward does not own must be adopted, and
    // everything there counts toward the cap.
    let mut remote: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let rt = runtime()?;
    for t in &a.targets {
        let (target, conn) = {
            let r = vault.read()?;
            let target = r.target(t)?;
            let conn = r.connection(&target.connection)?;
            (target, conn)
        };
        let client = stored_client(&vault, &conn)?;
        let list = rt
            .block_on(client.list_secrets(&target.project_ref))
            .map_err(|e| format!("cannot list {t} to check its names: {e}"))?;
        remote.insert(t.clone(), list.into_iter().map(|s| s.name).collect());
    }
    // One transaction per (secret, target): a refused one (bad name, conflict, cap)
    // is reported with its reason and never stops the others.
    let b = before(g, &vault);
    let mut refused = Vec::new();
    for (p, n) in &pairs {
        for t in &a.targets {
            let done =
                vault.write(|tx| tx.map(p, n, t, a.env_name.as_deref(), a.adopt, remote.get(t)));
            match done {
                Ok(names) => println!("mapped {p}/{n} -> {t} as {}", names.join(", ")),
                Err(e) => refused.push(format!("{p}/{n} -> {t}: {e}")),
            }
        }
    }
    if !refused.is_empty() {
        // What was mapped is pushed all the same; the one error line says how it went.
        let pushed = push_quiet(vault, b)
            .map(|r| format!(" (the others: {})", r.lines().join("; ")))
            .unwrap_or_default();
        return Err(format!(
            "{} mapping(s) refused: {}{pushed}",
            refused.len(),
            refused.join("; ")
        )
        .into());
    }
    push(vault, b);
    if g.no_push {
        println!("pushed at the next `keyward sync` (or by the running dashboard/daemon)");
    }
    Ok(())
}

pub fn unmap(g: &GlobalArgs, a: UnmapArgs) -> CmdResult {
    let vault = open(g)?;
    let pairs: Vec<(String, String)> = a
        .secrets
        .iter()
        .map(|s| addr(s))
        .collect::<Result<_, _>>()?;
    let b = before(g, &vault);
    vault.write(|tx| {
        for (p, n) in &pairs {
            for t in &a.targets {
                tx.unmap(p, n, t)?;
            }
        }
        Ok(())
    })?;
    for (p, n) in &pairs {
        println!("unmapped {p}/{n} from {}", a.targets.join(", "));
    }
    if g.no_push {
        println!("its variables are deleted at the next `keyward sync`");
    }
    push(vault, b);
    Ok(())
}
