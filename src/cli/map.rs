//! `keyward map | unmap`: many secrets x many targets.

use super::common::{addr, session, unexpected};
use super::secret::report_push;
use super::{CmdResult, GlobalArgs};
use crate::ops::{Change, MapRequest, Reply, Request};

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
    let secrets: Vec<(String, String)> = a
        .secrets
        .iter()
        .map(|s| addr(s))
        .collect::<Result<_, _>>()?;
    let s = session(g)?;
    let reply = s.call(Request::Map(MapRequest {
        secrets,
        targets: a.targets,
        env_name: a.env_name,
        adopt: a.adopt,
        push: !g.no_push,
    }))?;
    let Reply::Mapped(m) = reply else {
        return Err(unexpected(&reply));
    };
    for (secret, t, names) in &m.mapped {
        println!("mapped {secret} -> {t} as {}", names.join(", "));
    }
    if !m.refused.is_empty() {
        // What was mapped is pushed all the same; the one error line says how it went.
        let pushed = m
            .push
            .map(|r| format!(" (the others: {})", r.lines().join("; ")))
            .unwrap_or_default();
        return Err(format!(
            "{} mapping(s) refused: {}{pushed}",
            m.refused.len(),
            m.refused.join("; ")
        )
        .into());
    }
    report_push(&m.push);
    if g.no_push {
        println!("pushed at the next `keyward sync` (or by the running dashboard/daemon)");
    }
    Ok(())
}

pub fn unmap(g: &GlobalArgs, a: UnmapArgs) -> CmdResult {
    let pairs: Vec<(String, String)> = a
        .secrets
        .iter()
        .map(|s| addr(s))
        .collect::<Result<_, _>>()?;
    let s = session(g)?;
    let mut changes = Vec::new();
    for (p, n) in &pairs {
        for t in &a.targets {
            changes.push(Change::Unmap {
                project: p.clone(),
                name: n.clone(),
                target: t.clone(),
            });
        }
    }
    let applied = s.apply(g, changes, true)?;
    for (p, n) in &pairs {
        println!("unmapped {p}/{n} from {}", a.targets.join(", "));
    }
    if g.no_push {
        println!("its variables are deleted at the next `keyward sync`");
    }
    report_push(&applied.push);
    Ok(())
}
