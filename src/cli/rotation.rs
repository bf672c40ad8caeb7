//! `keyward rotation add | list | run | revoke | rm` and `keyward supabase-key create`:
//! Supabase API key and JWT signing key rotations (docs/rotation.md) and ad hoc keys.

use super::common::{addr, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Change, Outcome, Query, Reply, Request, RotatedKey, SigningRotated};
use crate::vault::{
    KeyKind, NewKeyRotation, NewSigningRotation, SigningAlg, format_schedule, parse_duration,
    parse_time_of_day, reserved_name_warning,
};

/// The vault project that receives keys when `--into` is not given.
pub const DEFAULT_KEYS_PROJECT: &str = "supabase-keys";

#[derive(clap::Subcommand, Debug)]
pub enum RotationCmd {
    /// Rotate a Supabase API key of a target on a schedule (two keys alive)
    Add {
        name: String,
        /// The target's project ref
        #[arg(long, value_name = "REF")]
        target: String,
        /// `signing`: the project's JWT signing keys (no vault secret receives them)
        #[arg(long, value_name = "publishable|secret|signing")]
        key_type: String,
        /// Days between rotations (1 or more)
        #[arg(long, value_name = "N")]
        every_days: u32,
        /// Time of day in UTC
        #[arg(long, value_name = "HH:MM", default_value = "00:00")]
        at: String,
        /// The vault secret that receives the key [default: supabase-keys/NAME key]
        #[arg(long, value_name = "PROJECT/NAME")]
        into: Option<String>,
        /// API keys: delete the previous key this long after a rotation (e.g. 2d) instead
        /// of at the next one. Signing keys: how long the previous key keeps verifying
        /// before it is revoked, and a revoked key is kept before it is deleted [default: 24h]
        #[arg(long, value_name = "DURATION")]
        grace: Option<String>,
        /// Rotate only on `keyward rotation run`, never on schedule
        #[arg(long)]
        manual_only: bool,
        /// Secret keys: the JWT template (privileges) every new key gets, as JSON
        /// [default: the replaced key's, else the project's default secret key's]
        #[arg(long, value_name = "JSON")]
        template: Option<String>,
        /// Signing keys: the algorithm of new keys
        #[arg(long, value_name = "RS256|ES256|EdDSA")]
        algorithm: Option<String>,
    },
    /// List rotations with their keys and status
    List {
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Rotate now
    Run { name: String },
    /// Delete the rotation's keys at once as compromised, then rotate to a fresh key
    Revoke {
        name: String,
        /// Why (sent to Supabase with the deletion)
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Delete every key the rotation created, then the rotation
    Rm { name: String },
}

#[derive(clap::Subcommand, Debug)]
pub enum SupabaseKeyCmd {
    /// Create a Supabase API key; its value is printed once (or saved with --into)
    Create {
        name: String,
        /// The target's project ref
        #[arg(long, value_name = "REF")]
        target: String,
        #[arg(long = "type", value_name = "secret|publishable")]
        key_type: String,
        #[arg(long)]
        description: Option<String>,
        /// Save the value into this vault secret instead of printing it
        #[arg(long, value_name = "PROJECT/NAME")]
        into: Option<String>,
    },
}

pub fn run(g: &GlobalArgs, c: RotationCmd) -> CmdResult {
    match c {
        RotationCmd::Add {
            name,
            target,
            key_type,
            every_days,
            at,
            into,
            grace,
            manual_only,
            template,
            algorithm,
        } => {
            let at_minute = parse_time_of_day(&at)?;
            let grace = grace
                .map(|s| {
                    parse_duration(&s).ok_or_else(|| {
                        format!("bad grace {s:?}: use a number and m, h, d or w (e.g. 2d)")
                    })
                })
                .transpose()?;
            if key_type == "signing" {
                if into.is_some() || template.is_some() {
                    return Err("--into and --template are for API keys: a signing key never leaves Supabase, so no vault secret receives it".into());
                }
                let algorithm: SigningAlg = algorithm.as_deref().unwrap_or("RS256").parse()?;
                let n = NewSigningRotation {
                    name,
                    project_ref: target,
                    connection: None,
                    algorithm,
                    every_days,
                    at_minute,
                    auto: !manual_only,
                    grace,
                };
                return super::rotation_list::add_signing(g, n);
            }
            if algorithm.is_some() {
                return Err("--algorithm is for signing keys (--key-type signing)".into());
            }
            let key_type: KeyKind = key_type.parse()?;
            let template = template.as_deref().map(parse_template).transpose()?;
            let (project, secret) = match &into {
                Some(a) => addr(a)?,
                None => (DEFAULT_KEYS_PROJECT.to_owned(), format!("{name} key")),
            };
            let n = NewKeyRotation {
                name,
                project_ref: target,
                // The target's connection, looked up by the owner.
                connection: None,
                key_type,
                every_days,
                at_minute,
                auto: !manual_only,
                into_project: project,
                into_name: secret,
                grace,
            };
            add_key(g, n, into.is_none(), template)?;
        }
        RotationCmd::List { json } => super::rotation_list::list(g, json)?,
        RotationCmd::Run { name } => run_now(g, name)?,
        RotationCmd::Revoke { name, reason } => revoke(g, name, reason)?,
        RotationCmd::Rm { name } => remove(g, name)?,
    }
    Ok(())
}

/// Adds an API key rotation (in the default keys project, made if needed, when
/// `into_default`) with its template, and says what it will do.
fn add_key(
    g: &GlobalArgs,
    n: NewKeyRotation,
    into_default: bool,
    template: Option<crate::vault::JwtTemplate>,
) -> CmdResult {
    let (name, project, secret) = (n.name.clone(), n.into_project.clone(), n.into_name.clone());
    let s = session(g)?;
    let mut changes = Vec::new();
    if into_default {
        changes.push(Change::EnsureProject {
            name: DEFAULT_KEYS_PROJECT.into(),
        });
    }
    changes.push(Change::AddKeyRotation(n));
    if template.is_some() {
        changes.push(Change::SetKeyRotationTemplate {
            name,
            template: template.clone(),
        });
    }
    let a = s.apply(g, changes, false)?;
    let Some(Outcome::KeyRotation {
        rotation: r,
        warning,
    }) = a
        .outcomes
        .into_iter()
        .find(|o| matches!(o, Outcome::KeyRotation { .. }))
    else {
        return Err(NOT_RETURNED.into());
    };
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
    let when = first_run(r.auto, r.every_days, r.at_minute, &r.name);
    let privileges = match (&template, r.key_type) {
        (Some(t), _) => format!(" with template {}", serde_json::Value::Object(t.clone())),
        (None, KeyKind::Secret) => {
            " with the template of the key it replaces (at first the project's default secret key's)".into()
        }
        _ => String::new(),
    };
    println!(
        "{}: {} key of {} into {project}/{secret}{privileges}, {when}",
        r.name,
        r.key_type.as_str(),
        r.project_ref
    );
    Ok(())
}

/// `rotation run`: either kind, now.
fn run_now(g: &GlobalArgs, name: String) -> CmdResult {
    let s = session(g)?;
    match s.call(Request::RotationRun { name })? {
        Reply::Rotated(done) => print_rotated(&done),
        Reply::SigningRotated(done) => print_signing(&done),
        other => return Err(unexpected(&other)),
    }
    Ok(())
}

/// `rotation revoke`: the keys go at once as compromised, then a fresh one.
fn revoke(g: &GlobalArgs, name: String, reason: String) -> CmdResult {
    let s = session(g)?;
    match s.call(Request::RotationRevoke { name, reason })? {
        Reply::Rotated(done) => {
            println!(
                "{}: the previous keys were deleted as compromised",
                done.name
            );
            print_rotated(&done);
        }
        Reply::SigningRotated(done) => {
            print_signing(&done);
            println!(
                "{}: the previous signing keys were revoked at once: JWTs they signed no longer verify",
                done.name
            );
        }
        other => return Err(unexpected(&other)),
    }
    Ok(())
}

/// `rotation rm`: what happens to the keys depends on the kind.
fn remove(g: &GlobalArgs, name: String) -> CmdResult {
    let s = session(g)?;
    let signing = matches!(
        s.query(Query::SigningRotations)?,
        Reply::SigningRotations { items, .. } if items.iter().any(|r| r.name == name)
    );
    match s.call(Request::RotationRemove { name: name.clone() })? {
        Reply::Removed(_) if signing => println!(
            "{name}: removed; the project's signing keys stay as they are (the key in use keeps signing)"
        ),
        Reply::Removed(count) => {
            println!("{name}: removed; {count} key(s) deleted on Supabase")
        }
        other => return Err(unexpected(&other)),
    }
    Ok(())
}

/// `--template '{"role":"service_role"}'`: a JSON object.
/// An owner that answers an added rotation without it is older than this command.
pub(super) const NOT_RETURNED: &str =
    "the vault's owner did not return the rotation: restart the owner with this version";

/// When a rotation just added first runs, as `rotation add` tells it.
pub(super) fn first_run(auto: bool, every_days: u32, at_minute: u32, name: &str) -> String {
    if auto {
        format!(
            "{}, first run now (by `keyward daemon`, or `keyward rotation run {name}`)",
            format_schedule(every_days, at_minute),
        )
    } else {
        format!("manual only: `keyward rotation run {name}`")
    }
}

fn parse_template(s: &str) -> CmdResult<crate::vault::JwtTemplate> {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => Err(format!(
            "--template {s:?} is not a JSON object: write e.g. '{{\"role\":\"service_role\"}}'"
        )
        .into()),
    }
}

fn print_signing(done: &SigningRotated) {
    if done.imported_legacy {
        println!(
            "{}: imported the legacy JWT secret as a signing key (it keeps verifying the JWTs it signed)",
            done.name
        );
    }
    let previous = match &done.previous {
        Some(p) => format!("; the previous key {p} keeps verifying until its grace ends"),
        None => String::new(),
    };
    println!(
        "{}: rotated to {} signing key {}{previous}",
        done.name, done.algorithm, done.key_id
    );
}

fn print_rotated(done: &RotatedKey) {
    let clean = if done.cleanup_pending {
        "; clean-up of the retired key pending (retried)"
    } else {
        ""
    };
    println!(
        "{}: rotated to key {} (vault secret version {}){clean}",
        done.name, done.key_name, done.version
    );
}

pub fn supabase_key(g: &GlobalArgs, c: SupabaseKeyCmd) -> CmdResult {
    let SupabaseKeyCmd::Create {
        name,
        target,
        key_type,
        description,
        into,
    } = c;
    let kind: KeyKind = key_type.parse()?;
    let dest = into.as_deref().map(addr).transpose()?;
    let s = session(g)?;
    if let Some((_, n)) = &dest
        && let Some(w) = reserved_name_warning(n)
    {
        eprintln!("warning: {w}");
    }
    let reply = s.call(Request::CreateSupabaseKey {
        name: name.clone(),
        target: target.clone(),
        kind,
        description,
        into: dest,
    })?;
    let Reply::SupabaseKey(k) = reply else {
        return Err(unexpected(&reply));
    };
    match (k.saved, k.value) {
        (Some((p, n, version)), _) => println!(
            "created {} key {name} ({}) on {target}; saved into {p}/{n} version {version}",
            kind.as_str(),
            k.id
        ),
        (None, Some(value)) => {
            eprintln!(
                "created {} key {name} ({}) on {target}; its value follows and is not shown again",
                kind.as_str(),
                k.id
            );
            println!("{}", value.expose());
        }
        (None, None) => {}
    }
    Ok(())
}
