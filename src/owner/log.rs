//! The owner's events in words: one line per event worth a person's attention, on the
//! daemon's stderr (journald keeps it) and on `keyward status --watch`. Never a value or
//! a token: names, counts and Supabase's reasons only.

use std::collections::HashMap;

use serde_json::json;

use crate::engine::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            _ => Err(format!("--log-format {s:?}: use text or json")),
        }
    }
}

/// How much a line matters (the `level` of a JSON line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
}

/// One line to show: its level, a kind (`push`, `push_failed`, `health`...) and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub level: Level,
    pub kind: &'static str,
    pub target: Option<String>,
    pub text: String,
}

/// Turns events into lines. Keeps each target's health, so only a change of health is
/// a line (every batch reports health).
#[derive(Default)]
pub struct Describer {
    healthy: HashMap<String, bool>,
}

fn line(level: Level, kind: &'static str, target: Option<&str>, text: String) -> Line {
    Line {
        level,
        kind,
        target: target.map(str::to_owned),
        text,
    }
}

fn names(v: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = v.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if v.len() > SHOWN {
        s.push_str(&format!(" and {} more", v.len() - SHOWN));
    }
    s
}

impl Describer {
    pub fn lines(&mut self, e: &Event) -> Vec<Line> {
        use Level::{Info, Warn};
        match e {
            Event::Batch(b) => batch_lines(b),
            Event::TargetHealth {
                target,
                healthy,
                consecutive_failures,
            } => self.health_lines(target, *healthy, *consecutive_failures),
            Event::Drift {
                target,
                drifted,
                missing,
            } => vec![drift_line(target, drifted, missing)],
            Event::Rotation { name, ok, message } => vec![rotation_line(name, *ok, message)],
            Event::Branches {
                parent,
                changes,
                error,
            } => branch_lines(parent, changes, error.as_deref()),
            Event::Sealed => vec![line(
                Info,
                "sealed",
                None,
                "sealed: the key is wiped from memory; syncing and rotations wait for `keyward unseal`".into(),
            )],
            Event::Unsealed => vec![line(
                Info,
                "unsealed",
                None,
                "unsealed: syncing, retrying and rotating".into(),
            )],
            Event::Attached { pid, command } => vec![line(
                Info,
                "attach",
                None,
                format!("attached: pid {pid} ({command})"),
            )],
            Event::Detached { pid, command } => vec![line(
                Info,
                "detach",
                None,
                format!("detached: pid {pid} ({command})"),
            )],
            Event::AttachRefused { uid, pid, version } => {
                let pid = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
                let message = match version {
                    Some(v) => format!(
                        "refused an attach from keyward {v}{pid}: this owner is keyward {}, which speaks another protocol; restart the owner after an upgrade",
                        env!("CARGO_PKG_VERSION")
                    ),
                    None => format!(
                        "refused an attach from uid {uid}{pid}: only this owner's user may attach"
                    ),
                };
                vec![line(Warn, "attach_refused", None, message)]
            }
            Event::AlertDelivery { alert, ok, message } => vec![line(
                if *ok { Info } else { Warn },
                if *ok { "alert" } else { "alert_failed" },
                None,
                format!("alert {alert}: {message}"),
            )],
            Event::AccessRefused { refused, detail } => vec![line(
                Warn,
                "access_refused",
                None,
                format!("the local API refused {refused} access key attempt(s): {detail}"),
            )],
            // Stopping is said by what stops it (seal, the signal).
            Event::Stopped
            | Event::Changed
            | Event::Touched(_)
            | Event::Variable { .. }
            | Event::Progress { .. }
            | Event::Idle => Vec::new(),
        }
    }
}

impl Describer {
    /// A target turning unhealthy, or healthy again (said once per change).
    fn health_lines(
        &mut self,
        target: &str,
        healthy: bool,
        consecutive_failures: u32,
    ) -> Vec<Line> {
        use Level::{Info, Warn};
        let before = self.healthy.insert(target.to_owned(), healthy);
        match (before, healthy) {
            (Some(true) | None, false) => vec![line(
                Warn,
                "unhealthy",
                Some(target),
                format!(
                    "{target} is unhealthy after {consecutive_failures} failed pushes: automatic retries stop until `keyward retry {target}` or a reconnect"
                ),
            )],
            (Some(false), true) => vec![line(
                Info,
                "healthy",
                Some(target),
                format!("{target} is healthy again"),
            )],
            _ => Vec::new(),
        }
    }
}

/// A batch: what was pushed and deleted, drift it overwrote, each variable that failed.
fn batch_lines(b: &crate::engine::BatchSummary) -> Vec<Line> {
    use Level::{Info, Warn};
    let t = Some(b.target.as_str());
    let mut out = Vec::new();
    if b.pushed + b.deleted > 0 || b.failed.is_empty() {
        let mut s = format!("{}: pushed {}, deleted {}", b.target, b.pushed, b.deleted);
        if b.unchanged > 0 {
            s.push_str(&format!(" ({} already there)", b.unchanged));
        }
        out.push(line(Info, "push", t, s));
    }
    if !b.overwritten.is_empty() {
        out.push(line(
            Warn,
            "drift_overwritten",
            t,
            format!(
                "{}: {} edited on Supabase, overwritten with the vault's value: {}",
                b.target,
                b.overwritten.len(),
                names(&b.overwritten)
            ),
        ));
    }
    for (var, why) in &b.failed {
        out.push(line(
            Warn,
            "push_failed",
            t,
            format!("{}: {var} failed: {why}", b.target),
        ));
    }
    out
}

fn drift_line(target: &str, drifted: &[String], missing: &[String]) -> Line {
    let mut parts = Vec::new();
    if !drifted.is_empty() {
        parts.push(format!(
            "{} edited on Supabase ({})",
            drifted.len(),
            names(drifted)
        ));
    }
    if !missing.is_empty() {
        parts.push(format!(
            "{} deleted on Supabase ({})",
            missing.len(),
            names(missing)
        ));
    }
    line(
        Level::Warn,
        "drift",
        Some(target),
        format!("drift on {target}: {}", parts.join(", ")),
    )
}

/// A rotation step; the legacy key retirement speaks as `legacy-keys TARGET`.
fn rotation_line(name: &str, ok: bool, message: &str) -> Line {
    let level = if ok { Level::Info } else { Level::Warn };
    match name.strip_prefix("legacy-keys ") {
        Some(t) => line(
            level,
            "legacy_keys",
            Some(t),
            format!("legacy API keys of {t}: {message}"),
        ),
        None => line(
            level,
            "rotation",
            None,
            format!("rotation {name}: {message}"),
        ),
    }
}

/// A followed target's branches: a failed listing, and what was added, seeded, dropped.
fn branch_lines(
    parent: &str,
    changes: &crate::vault::BranchChanges,
    error: Option<&str>,
) -> Vec<Line> {
    let mut out = Vec::new();
    if let Some(e) = error {
        out.push(line(
            Level::Warn,
            "branches_failed",
            Some(parent),
            e.to_owned(),
        ));
    }
    for (what, refs) in [
        ("added", &changes.added),
        ("seeded", &changes.seeded),
        ("dropped (nothing deleted there)", &changes.dropped),
    ] {
        if !refs.is_empty() {
            out.push(line(
                Level::Info,
                "branches",
                Some(parent),
                format!("branches of {parent} {what}: {}", names(refs)),
            ));
        }
    }
    out
}

/// A line as written: `text` (with the time, unless journald adds its own) or one JSON
/// object.
pub fn render(l: &Line, format: Format, now: crate::vault::Millis) -> String {
    let time = crate::vault::rfc3339(now);
    let level = match l.level {
        Level::Info => "info",
        Level::Warn => "warn",
    };
    match format {
        Format::Json => json!({
            "time": time, "level": level, "kind": l.kind, "target": l.target, "message": l.text,
        })
        .to_string(),
        Format::Text if std::env::var_os("JOURNAL_STREAM").is_some() => l.text.clone(),
        Format::Text => format!("{time} {}", l.text),
    }
}

/// Writes the owner's event lines to stderr until the events end.
pub fn spawn_stderr(
    mut events: tokio::sync::broadcast::Receiver<Event>,
    format: Format,
    clock: crate::vault::Clock,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut d = Describer::default();
        loop {
            match events.recv().await {
                Ok(e) => {
                    for l in d.lines(&e) {
                        eprintln!("{}", render(&l, format, clock.now()));
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!(
                        "{}",
                        render(
                            &line(
                                Level::Warn,
                                "lagged",
                                None,
                                format!("{n} event(s) not shown (too many at once)")
                            ),
                            format,
                            clock.now()
                        )
                    );
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    })
}
