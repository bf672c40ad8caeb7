//! `keyward rotation add | list | run | revoke | rm` and `keyward supabase-key create`:
//! Supabase API key rotations (docs/rotation.md) and ad hoc keys.

use super::common::{addr, print_json, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Change, Outcome, Query, Reply, Request, RotatedKey};
use crate::vault::{
    KeyKind, KeyRotation, NewKeyRotation, format_time_of_day, parse_duration, parse_time_of_day,
    reserved_name_warning, rfc3339,
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
        #[arg(long, value_name = "publishable|secret")]
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
        /// Delete the previous key this long after a rotation (e.g. 2d) instead of at the next one
        #[arg(long, value_name = "DURATION")]
        grace: Option<String>,
        /// Rotate only on `keyward rotation run`, never on schedule
        #[arg(long)]
        manual_only: bool,
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

fn row(r: &KeyRotation, now: i64) -> serde_json::Value {
    let key = |k: &Option<crate::vault::KeyRef>| {
        k.as_ref()
            .map(|k| serde_json::json!({ "id": k.id, "name": k.name }))
    };
    let s = &r.state;
    serde_json::json!({
        "name": r.name,
        "target": r.project_ref,
        "connection": r.connection,
        "key_type": r.key_type.as_str(),
        "every_days": r.every_days,
        "at": format_time_of_day(r.at_minute),
        "auto": r.auto,
        "into": format!("{}/{}", r.into.project, r.into.name),
        "grace_seconds": r.grace.map(|g| g / 1000),
        "status": r.status(now).as_str(),
        "current_key": key(&s.current),
        "previous_key": key(&s.previous),
        "previous_until": s.previous_until.map(rfc3339),
        "cleanup_pending": s.cleanup_pending(),
        "pending_deletes": s.retiring.iter().map(|k| k.name.clone()).collect::<Vec<_>>(),
        "last_attempt": s.last_attempt.map(rfc3339),
        "last_success": s.last_success.map(rfc3339),
        "next_due": r.auto.then(|| rfc3339(s.next_due)),
        "last_message": s.last_message,
        "failures": s.failures,
        "retry_at": s.retry_at.map(rfc3339),
    })
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
        } => {
            let key_type: KeyKind = key_type.parse()?;
            let at_minute = parse_time_of_day(&at)?;
            let grace = grace
                .map(|s| {
                    parse_duration(&s).ok_or_else(|| {
                        format!("bad grace {s:?}: use a number and m, h, d or w (e.g. 2d)")
                    })
                })
                .transpose()?;
            let (project, secret) = match &into {
                Some(a) => addr(a)?,
                None => (DEFAULT_KEYS_PROJECT.to_owned(), format!("{name} key")),
            };
            let s = session(g)?;
            let mut changes = Vec::new();
            if into.is_none() {
                changes.push(Change::EnsureProject {
                    name: DEFAULT_KEYS_PROJECT.into(),
                });
            }
            changes.push(Change::AddKeyRotation(NewKeyRotation {
                name: name.clone(),
                project_ref: target.clone(),
                // The target's connection, looked up by the owner.
                connection: None,
                key_type,
                every_days,
                at_minute,
                auto: !manual_only,
                into_project: project.clone(),
                into_name: secret.clone(),
                grace,
            }));
            let a = s.apply(g, changes, false)?;
            let Some(Outcome::KeyRotation {
                rotation: r,
                warning,
            }) = a.outcomes.into_iter().last()
            else {
                return Err("the vault's owner did not return the rotation: restart the owner with this version".into());
            };
            if let Some(w) = warning {
                eprintln!("warning: {w}");
            }
            let when = if r.auto {
                format!(
                    "every {} day(s) at {} UTC, first run now (by `keyward daemon`, or `keyward rotation run {}`)",
                    r.every_days,
                    format_time_of_day(r.at_minute),
                    r.name
                )
            } else {
                format!("manual only: `keyward rotation run {}`", r.name)
            };
            println!(
                "{}: {} key of {} into {project}/{secret}, {when}",
                r.name,
                r.key_type.as_str(),
                r.project_ref
            );
        }
        RotationCmd::List { json } => {
            let s = session(g)?;
            let (now, all) = match s.query(Query::KeyRotations)? {
                Reply::KeyRotations { now, items } => (now, items),
                other => return Err(unexpected(&other)),
            };
            if json {
                return print_json(&all.iter().map(|r| row(r, now)).collect::<Vec<_>>());
            }
            super::common::hint_if_empty(
                all.len(),
                "no key rotations yet: add one with `keyward rotation add NAME --target REF ...`",
            );
            for r in all {
                let s = &r.state;
                println!(
                    "{}\t{} {}\t{}\tkey {}\tnext {}\t{}",
                    r.name,
                    r.project_ref,
                    r.key_type.as_str(),
                    r.status(now).as_str(),
                    s.current.as_ref().map_or("-", |k| k.name.as_str()),
                    if r.auto {
                        rfc3339(s.next_due)
                    } else {
                        "manual".into()
                    },
                    s.last_message.as_deref().unwrap_or("")
                );
            }
        }
        RotationCmd::Run { name } => {
            let s = session(g)?;
            match s.call(Request::RotationRun { name })? {
                Reply::Rotated(done) => print_rotated(&done),
                other => return Err(unexpected(&other)),
            }
        }
        RotationCmd::Revoke { name, reason } => {
            let s = session(g)?;
            match s.call(Request::RotationRevoke { name, reason })? {
                Reply::Rotated(done) => {
                    println!(
                        "{}: the previous keys were deleted as compromised",
                        done.name
                    );
                    print_rotated(&done);
                }
                other => return Err(unexpected(&other)),
            }
        }
        RotationCmd::Rm { name } => {
            let s = session(g)?;
            match s.call(Request::RotationRemove { name: name.clone() })? {
                Reply::Removed(count) => {
                    println!("{name}: removed; {count} key(s) deleted on Supabase")
                }
                other => return Err(unexpected(&other)),
            }
        }
    }
    Ok(())
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
