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
    /// With --from: on this branch (name or git branch) of the one target, the
    /// secret's variables get another secret's value
    #[arg(long, value_name = "NAME", requires = "from")]
    pub branch: Option<String>,
    /// The secret whose value the branch gets instead (PROJECT/NAME)
    #[arg(long, value_name = "PROJECT/NAME", requires = "branch")]
    pub from: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct UnmapArgs {
    #[arg(required = true, value_name = "PROJECT/NAME")]
    pub secrets: Vec<String>,
    #[arg(long = "from", required = true, num_args = 1.., value_name = "REF")]
    pub targets: Vec<String>,
    /// End the override of the secret on this branch of the one target (it gets the
    /// target's value again); the mapping itself stays
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
}

/// The one (target, branch) an override is about, or a clear error.
fn one_branch<'a>(
    secrets: &[String],
    targets: &'a [String],
) -> CmdResult<(&'a str, (String, String))> {
    match (secrets, targets) {
        ([s], [t]) => Ok((t.as_str(), addr(s)?)),
        _ => Err("--branch works on one secret and one target: e.g. `keyward map app/stripe --to REF --branch feat-x --from app/stripe-test`".into()),
    }
}

/// Sets (`from`) or ends (None) the override of one secret on one branch, pushed as a
/// command's own change.
fn set_override(
    g: &GlobalArgs,
    secrets: &[String],
    targets: &[String],
    branch: &str,
    from: Option<(String, String)>,
) -> CmdResult<crate::ops::Applied> {
    let (target, (project, name)) = one_branch(secrets, targets)?;
    let s = session(g)?;
    let applied = s.apply(
        g,
        vec![Change::OverrideBranch {
            target: target.to_string(),
            branch: branch.to_string(),
            project,
            name,
            from,
        }],
        true,
    )?;
    report_push(&applied.push);
    Ok(applied)
}

/// `map P/X --to REF --branch NAME --from P/OTHER`: a per-branch value.
fn override_branch(g: &GlobalArgs, a: MapArgs, branch: String, from: String) -> CmdResult {
    let from = addr(&from)?;
    let applied = set_override(g, &a.secrets, &a.targets, &branch, Some(from.clone()))?;
    let (target, (project, name)) = one_branch(&a.secrets, &a.targets)?;
    if let Some(crate::ops::Outcome::Mapped(names)) = applied.outcomes.first() {
        println!(
            "on {branch} of {target}, {} get(s) the value of {}/{} instead of {project}/{name}",
            names.join(", "),
            from.0,
            from.1
        );
    }
    Ok(())
}

/// Refusals named in the error line itself; beyond this, one line each before it.
const REFUSALS_IN_LINE: usize = 3;

pub fn map(g: &GlobalArgs, a: MapArgs) -> CmdResult {
    if let (Some(b), Some(f)) = (a.branch.clone(), a.from.clone()) {
        return override_branch(g, a, b, f);
    }
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
        // A few fit the one error line; more are listed one per line first (a bulk map
        // refused 10,000 times made a line of two megabytes).
        let listed = if m.refused.len() <= REFUSALS_IN_LINE {
            m.refused.join("; ")
        } else {
            for r in &m.refused {
                eprintln!("refused: {r}");
            }
            format!("each listed above; the first: {}", m.refused[0])
        };
        return Err(format!("{} mapping(s) refused: {listed}{pushed}", m.refused.len()).into());
    }
    report_push(&m.push);
    if g.no_push {
        println!("pushed at the next `keyward sync` (or by the running dashboard/daemon)");
    }
    Ok(())
}

pub fn unmap(g: &GlobalArgs, a: UnmapArgs) -> CmdResult {
    if let Some(branch) = a.branch.clone() {
        set_override(g, &a.secrets, &a.targets, &branch, None)?;
        let (target, (project, name)) = one_branch(&a.secrets, &a.targets)?;
        println!("on {branch} of {target}, {project}/{name} gives its own value again");
        return Ok(());
    }
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
