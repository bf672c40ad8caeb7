//! `keyward secret ...`: set, rename, rollback, rotate, policy, rm, restore; get and
//! history are in `secret_show`, list in `secret_list`.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::common::{Session, addr, print_json, read_value, session};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Change, Outcome as Done, PushReport};
use crate::vault::{
    Cause, Generator, Policy, SecretValue, Written, format_duration, parse_duration, rfc3339,
};

#[derive(clap::Subcommand, Debug)]
pub enum SecretCmd {
    /// Set a value (from stdin, or --value-file); with --field, stdin holds KEY=VALUE lines
    Set {
        #[arg(value_name = "PROJECT/NAME")]
        secret: String,
        /// Set these fields of a structured secret (others are kept; new ones are added)
        #[arg(long = "field", value_name = "KEY")]
        fields: Vec<String>,
        /// With --field: the given fields become the whole set (drops the others)
        #[arg(long, requires = "fields")]
        replace: bool,
        /// Read the value from this file instead of stdin
        #[arg(long, value_name = "FILE")]
        value_file: Option<PathBuf>,
        /// A free-text note (metadata, stored in clear)
        #[arg(long)]
        note: Option<String>,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Print a value (or one field, or an older version)
    Get {
        #[arg(value_name = "PROJECT/NAME")]
        secret: String,
        #[arg(long, value_name = "KEY")]
        field: Option<String>,
        #[arg(long, value_name = "N")]
        version: Option<u32>,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// List secrets (of one project or all) with their metadata
    List {
        project: Option<String>,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Rename a secret; it keeps its identity and history
    Rename {
        #[arg(value_name = "PROJECT/NAME")]
        secret: String,
        new_name: String,
    },
    /// Every version with its time, actor and cause
    History {
        #[arg(value_name = "PROJECT/NAME")]
        secret: String,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Make a new version holding an older version's value
    Rollback {
        #[arg(value_name = "PROJECT/NAME")]
        secret: String,
        version: u32,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Generate a new value now from the rotation policy
    Rotate {
        #[arg(value_name = "PROJECT/NAME")]
        secret: String,
        #[arg(long, value_name = "KEY")]
        field: Option<String>,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Set or remove the rotation policy of a secret or one of its fields
    Policy {
        #[arg(value_name = "PROJECT/NAME")]
        secret: String,
        #[arg(long, value_name = "KEY")]
        field: Option<String>,
        /// Interval: 30d, 12h, 2w, 90m
        #[arg(
            long,
            value_name = "DURATION",
            required_unless_present = "off",
            requires = "generate"
        )]
        every: Option<String>,
        /// alnum:LEN, hex:LEN, base64url:LEN, uuid, password:LEN[:lower,upper,digit,symbol]
        #[arg(long, value_name = "SPEC", requires = "every")]
        generate: Option<String>,
        /// Remove the policy
        #[arg(long, conflicts_with_all = ["every", "generate"])]
        off: bool,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long, conflicts_with = "off")]
        json: bool,
    },
    /// Move a secret to the trash (purged after 30 days)
    Rm {
        #[arg(value_name = "PROJECT/NAME")]
        secret: String,
    },
    /// Bring a secret back from the trash with its current value
    Restore {
        #[arg(value_name = "PROJECT/NAME")]
        secret: String,
        /// Print the result as one JSON document (see docs/json.md)
        #[arg(long)]
        json: bool,
    },
}

/// `--field` lines: `KEY=VALUE`, every declared field exactly once, nothing else.
fn structured(text: &str, fields: &[String], what: &str) -> CmdResult<SecretValue> {
    let mut got: Vec<(String, Zeroizing<String>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(format!(
                "line {} on stdin for {what} is not KEY=VALUE: give one KEY=VALUE line per --field",
                i + 1
            )
            .into());
        };
        let k = k.trim();
        if !fields.iter().any(|f| f == k) {
            return Err(format!(
                "stdin for {what} gives {k:?}, which is not a --field: declare it with --field {k}"
            )
            .into());
        }
        got.push((k.to_string(), Zeroizing::new(v.to_string())));
    }
    let mut ordered = Vec::with_capacity(fields.len());
    for f in fields {
        let mut matching = got.iter().filter(|(k, _)| k == f);
        match (matching.next(), matching.next()) {
            (Some((_, v)), None) => ordered.push((f.clone(), v.clone())),
            (None, _) => {
                return Err(format!(
                    "stdin for {what} has no line for the field {f:?}: add {f}=VALUE"
                )
                .into());
            }
            (Some(_), Some(_)) => {
                return Err(
                    format!("stdin for {what} gives the field {f:?} twice: give it once").into(),
                );
            }
        }
    }
    Ok(SecretValue::Fields(ordered))
}

fn policy_json(p: &Policy) -> serde_json::Value {
    serde_json::to_value(super::secret_list::policy_row(p)).unwrap_or_default()
}

fn written(
    json: bool,
    p: &str,
    n: &str,
    w: Written,
    verb: &str,
    pushed: Option<PushReport>,
) -> CmdResult {
    if json {
        return print_json(
            &serde_json::json!({ "project": p, "name": n, "version": w.version, "changed": w.changed, "push": pushed }),
        );
    }
    if w.changed {
        println!("{p}/{n}: {verb}, version {}", w.version);
    } else {
        println!("{p}/{n}: unchanged (same value), version {}", w.version);
    }
    Ok(())
}

/// Prints a push report's lines on stderr (what reached Supabase, what stays queued).
pub fn report_push(p: &Option<PushReport>) {
    for line in p.iter().flat_map(|p| p.lines()) {
        eprintln!("{line}");
    }
}

/// One change of a secret that reports what it wrote, pushed as a command does.
fn change_written(
    s: &Session,
    g: &GlobalArgs,
    changes: Vec<Change>,
) -> CmdResult<(Written, Option<PushReport>)> {
    let a = s.apply(g, changes, true)?;
    report_push(&a.push);
    match a.outcomes.first() {
        Some(Done::Written(w)) => Ok((*w, a.push)),
        _ => Err(
            "the vault's owner did not say what it wrote: restart the owner with this version"
                .into(),
        ),
    }
}

pub fn run(g: &GlobalArgs, c: SecretCmd) -> CmdResult {
    match c {
        SecretCmd::Set {
            secret,
            fields,
            replace,
            value_file,
            note,
            json,
        } => set(g, &secret, &fields, replace, value_file, note, json),
        SecretCmd::Get {
            secret,
            field,
            version,
            json,
        } => super::secret_show::get(g, &secret, field, version, json),
        SecretCmd::List { project, json } => super::secret_list::list(g, project, json),
        SecretCmd::Rename { secret, new_name } => rename(g, &secret, &new_name),
        SecretCmd::History { secret, json } => super::secret_show::history(g, &secret, json),
        SecretCmd::Rollback {
            secret,
            version,
            json,
        } => rollback(g, &secret, version, json),
        SecretCmd::Rotate {
            secret,
            field,
            json,
        } => rotate(g, &secret, field, json),
        SecretCmd::Policy {
            secret,
            field,
            every,
            generate,
            off,
            json,
        } => {
            if off {
                policy_off(g, &secret, field)
            } else {
                policy(g, &secret, field, every, generate, json)
            }
        }
        SecretCmd::Rm { secret } => rm(g, &secret),
        SecretCmd::Restore { secret, json } => restore(g, &secret, json),
    }
}

/// `secret set`: a simple value, or fields of a structured one, and the note.
fn set(
    g: &GlobalArgs,
    secret: &str,
    fields: &[String],
    replace: bool,
    value_file: Option<PathBuf>,
    note: Option<String>,
    json: bool,
) -> CmdResult {
    let (p, n) = addr(secret)?;
    // Reach the vault first, so that at a terminal the passphrase is asked before
    // the value.
    let s = session(g)?;
    let raw = read_value(value_file.as_deref(), secret)?;
    let merge = !fields.is_empty() && !replace;
    let value = if fields.is_empty() {
        SecretValue::Simple(raw)
    } else {
        structured(&raw, fields, secret)?
    };
    let mut changes = vec![Change::Set {
        project: p.clone(),
        name: n.clone(),
        value,
        merge,
        cause: Cause::Edit,
    }];
    if let Some(note) = &note {
        changes.push(Change::SetNote {
            project: p.clone(),
            name: n.clone(),
            note: Some(note.clone()),
        });
    }
    let (w, pushed) = change_written(&s, g, changes)?;
    let verb = if w.created { "created" } else { "set" };
    written(json, &p, &n, w, verb, pushed)
}

/// `secret rename`: fails when a target refused the new name.
fn rename(g: &GlobalArgs, secret: &str, new_name: &str) -> CmdResult {
    let (p, n) = addr(secret)?;
    let s = session(g)?;
    let change = Change::Rename {
        project: p.clone(),
        name: n.clone(),
        new_name: new_name.to_owned(),
    };
    let a = s.apply(g, vec![change], true)?;
    println!("renamed {p}/{n} to {p}/{new_name}");
    // Supabase refusing the new name leaves the old variable live there (its
    // delete waits for the new one): say so, and fail.
    if let Some(q) = a.push.as_ref().and_then(|p| p.refusal()) {
        return Err(format!(
            "target {} refused the new name: {}; its variables under the old name stay live there; rename again to a name it accepts (or fix the cause) and the old ones go",
            q.target, q.reason
        )
        .into());
    }
    report_push(&a.push);
    Ok(())
}

/// `secret rollback`: a new version with an older version's value.
fn rollback(g: &GlobalArgs, secret: &str, version: u32, json: bool) -> CmdResult {
    let (p, n) = addr(secret)?;
    let s = session(g)?;
    let (w, pushed) = change_written(
        &s,
        g,
        vec![Change::Rollback {
            project: p.clone(),
            name: n.clone(),
            version,
        }],
    )?;
    let verb = format!("rolled back to the value of version {version}");
    written(json, &p, &n, w, &verb, pushed)
}

/// `secret rotate`: a new value from the policy, now.
fn rotate(g: &GlobalArgs, secret: &str, field: Option<String>, json: bool) -> CmdResult {
    let (p, n) = addr(secret)?;
    let s = session(g)?;
    let (w, pushed) = change_written(
        &s,
        g,
        vec![Change::Rotate {
            project: p.clone(),
            name: n.clone(),
            field,
        }],
    )?;
    written(json, &p, &n, w, "rotated", pushed)
}

/// `secret policy --off`.
fn policy_off(g: &GlobalArgs, secret: &str, field: Option<String>) -> CmdResult {
    let (p, n) = addr(secret)?;
    let change = Change::ClearPolicy {
        project: p,
        name: n,
        field,
    };
    session(g)?.apply(g, vec![change], false)?;
    println!("{secret}: rotation policy removed");
    Ok(())
}

/// `secret policy --every --generate`: the spec is checked before the passphrase is
/// asked for.
fn policy(
    g: &GlobalArgs,
    secret: &str,
    field: Option<String>,
    every: Option<String>,
    generate: Option<String>,
    json: bool,
) -> CmdResult {
    let (p, n) = addr(secret)?;
    let every_s = every.unwrap_or_default();
    let every = parse_duration(&every_s).ok_or_else(|| {
        format!(
            "--every {every_s:?} is not a duration: write a number and a unit, e.g. 30d, 12h, 2w"
        )
    })?;
    let generator = Generator::parse(&generate.unwrap_or_default())?;
    let change = Change::SetPolicy {
        project: p.clone(),
        name: n.clone(),
        field,
        every,
        generator,
    };
    let a = session(g)?.apply(g, vec![change], false)?;
    let Some(Done::Policy(pol)) = a.outcomes.into_iter().next() else {
        return Err(
            "the vault's owner did not return the policy: restart the owner with this version"
                .into(),
        );
    };
    if json {
        let mut doc = policy_json(&pol);
        doc["project"] = p.into();
        doc["name"] = n.into();
        return print_json(&doc);
    }
    println!(
        "{secret}: rotate with {} every {}, next due {}",
        pol.generator,
        format_duration(pol.every),
        rfc3339(pol.next_due)
    );
    Ok(())
}

/// `secret rm`: to the trash.
fn rm(g: &GlobalArgs, secret: &str) -> CmdResult {
    let (p, n) = addr(secret)?;
    let s = session(g)?;
    let change = Change::Trash {
        project: p.clone(),
        name: n.clone(),
    };
    let a = s.apply(g, vec![change], true)?;
    println!(
        "moved {p}/{n} to the trash (purged after 30 days; `keyward secret restore {p}/{n}` brings it back)"
    );
    report_push(&a.push);
    Ok(())
}

/// `secret restore`: out of the trash.
fn restore(g: &GlobalArgs, secret: &str, json: bool) -> CmdResult {
    let (p, n) = addr(secret)?;
    let s = session(g)?;
    let (w, pushed) = change_written(
        &s,
        g,
        vec![Change::Restore {
            project: p.clone(),
            name: n.clone(),
        }],
    )?;
    written(json, &p, &n, w, "restored", pushed)
}
