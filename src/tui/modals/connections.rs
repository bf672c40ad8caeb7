//! Targets and connections: each connection (URL, token fingerprint) with its targets
//! under it (health, last sync, variable counts). Add a target, remove one (saying what
//! it deletes on Supabase), retry one now; connect, reconnect (a new token), disconnect.
//! The same requests as `keyward target add|rm`, `retry`, `connect`, `reconnect`,
//! `disconnect`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::confirm::Confirm;
use super::form::{Field, Form};
use super::rows::{At, Layout, Rows};
use super::{AnyModal, Modal, Outcome, row_style};
use crate::ops::{Reply, Request, Sensitive};
use crate::tui::action::Action;
use crate::tui::data::{Snapshot, TargetView};
use crate::tui::draw_ctx::DrawCtx;
use crate::tui::effects::Effect;
use crate::tui::keys::Context;
use crate::tui::panes::{ago, fit};
use crate::tui::theme::Role;
use crate::vault::Connection;

enum Row {
    Connection(Connection, Vec<String>),
    Target(Box<TargetView>),
}

#[derive(Default)]
pub struct Targets {
    rows: Rows<Row>,
}

const REVOKE: &str = "https://supabase.com/dashboard/account/tokens";

impl Targets {
    pub fn new(data: &Snapshot) -> Targets {
        let mut t = Targets::default();
        t.refresh(data);
        t
    }

    /// The vault changed: the rows follow, the cursor stays on the same row.
    pub fn refresh(&mut self, data: &Snapshot) {
        let key = |r: &Row| match r {
            Row::Connection(c, _) => format!("c:{}", c.name),
            Row::Target(t) => format!("t:{}", t.target.project_ref),
        };
        let keep = self.rows.current().map(key);
        let mut rows = Vec::new();
        for c in &data.connections {
            let mine: Vec<&TargetView> = data
                .targets
                .iter()
                .filter(|t| t.target.connection == c.name)
                .collect();
            // Branches follow their parent; they are not the connection's own targets.
            let names = mine
                .iter()
                .filter(|t| t.target.branch.is_none())
                .map(|t| t.target.name.clone())
                .collect();
            rows.push(Row::Connection(c.clone(), names));
            for t in crate::engine::report::grouped(&mine, |t| &t.target) {
                rows.push(Row::Target(Box::new((*t).clone())));
            }
        }
        let keep_fn = |r: &Row| Some(key(r)) == keep;
        self.rows.set_keeping(rows, &keep_fn);
    }
}

impl Modal for Targets {
    fn contexts(&self) -> Vec<Context> {
        vec![Context::Targets, Context::List]
    }

    fn update(&mut self, a: Action) -> Outcome {
        if self.rows.navigate(a) {
            return Outcome::None;
        }
        match (a, self.rows.current()) {
            (Action::Close, _) => Outcome::Close,
            (Action::Add, _) => Outcome::Effect {
                effect: Effect::ListProjects,
                close: false,
            },
            (Action::Connect, _) => Outcome::Push(Box::new(AnyModal::Connect(Default::default()))),
            (Action::Retry, Some(Row::Target(t))) => {
                let (r, name) = (t.target.project_ref.clone(), t.target.name.clone());
                Outcome::Effect {
                    effect: Effect::Call {
                        request: Request::Retry {
                            target: Some(r),
                            wait: false,
                        },
                        done: Box::new(move |reply| match reply {
                            Reply::Retried(t) if t.is_empty() => {
                                Ok(format!("{name}: nothing to retry"))
                            }
                            _ => Ok(format!("{name}: retrying now")),
                        }),
                    },
                    close: false,
                }
            }
            (Action::ToggleBranches, Some(Row::Target(t))) => toggle_branches(&t.target),
            (Action::Remove, Some(Row::Target(t))) => {
                Outcome::Push(Box::new(AnyModal::Confirm(remove_target(t))))
            }
            (Action::Remove, Some(Row::Connection(c, targets))) => {
                Outcome::Push(Box::new(AnyModal::Confirm(disconnect(c, targets))))
            }
            (Action::TargetKeys, Some(Row::Target(t))) => Outcome::Effect {
                effect: Effect::TargetKeys(t.target.project_ref.clone()),
                close: false,
            },
            (Action::Reconnect, Some(Row::Connection(c, _))) => {
                Outcome::Push(Box::new(AnyModal::Form(reconnect(&c.name))))
            }
            (
                Action::Reconnect | Action::Retry | Action::TargetKeys | Action::ToggleBranches,
                _,
            ) => Outcome::Say("that acts on another kind of row: see the keys below".into()),
            _ => Outcome::None,
        }
    }

    fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        let layout = Layout {
            title: "Targets and connections",
            size: (120, 30),
            chrome: 2,
            per_row: 2,
            gap: false,
            contexts: &[Context::Targets, Context::List],
        };
        let empty = |_| {
            self.rows.when_empty(cx, || {
                let c = cx.keymap.key_for(&[Context::Targets], Action::Connect);
                format!("No connections yet: {c} connects a Supabase account with a Personal Access Token.")
            })
        };
        let row = |r: &Row, at: At| match r {
            Row::Connection(c, targets) => connection_lines(cx, c, targets, at),
            Row::Target(tv) => target_lines(cx, tv, at),
        };
        self.rows.draw(cx, f, area, &layout, empty, row);
    }
}

/// A connection: its name, API, token's fingerprint and how many targets; when made.
fn connection_lines(
    cx: &DrawCtx,
    c: &Connection,
    targets: &[String],
    at: At,
) -> Vec<Line<'static>> {
    let (t, w) = (cx.theme, at.w);
    let head = format!(
        "{} · {} · token …{} · {} target(s)",
        c.name,
        c.url,
        c.fingerprint,
        targets.len()
    );
    let style = if at.selected {
        row_style(cx, true)
    } else {
        t.style(Role::Title)
    };
    vec![
        Line::styled(fit(&head, w), style),
        Line::styled(
            fit(&format!("  connected {}", ago(cx.now, c.created)), w),
            t.style(Role::Dim),
        ),
    ]
}

/// A target (or a branch, under its parent): its health and last sync, its counts,
/// and its last error in full.
fn target_lines(cx: &DrawCtx, tv: &TargetView, at: At) -> Vec<Line<'static>> {
    let (t, now, w) = (cx.theme, cx.now, at.w);
    let tg = &tv.target;
    let (health, role) = if tg.removing {
        ("− removing".to_string(), Role::Pending)
    } else if tg.health.unhealthy {
        (
            format!("! unhealthy ({} failures)", tg.health.consecutive_failures),
            Role::Unhealthy,
        )
    } else {
        ("✓ healthy".to_string(), Role::Synced)
    };
    let last = tg
        .health
        .last_sync
        .map(|at| format!("last sync {}", ago(now, at)))
        .unwrap_or_else(|| "never synced".into());
    let n = tv.totals;
    let head = match (&tg.branch, &tg.branches) {
        // A branch reads under its parent: what it is, then its health.
        (Some(b), _) => format!(
            "    ↳ branch {} ({}){} · {} · {} · {health}",
            b.name,
            tg.project_ref,
            b.git_branch
                .as_deref()
                .map(|g| format!(" git {g}"))
                .unwrap_or_default(),
            b.kind(),
            b.state("waiting to be ready"),
        ),
        (None, Some(w)) => format!(
            "  {} ({}) · branches {} · {health} · {last}",
            tg.name,
            tg.project_ref,
            w.pattern.as_deref().unwrap_or("*"),
        ),
        (None, None) => {
            format!("  {} ({}) · {health} · {last}", tg.name, tg.project_ref)
        }
    };
    let counts = format!(
        "    {} variable(s): ✓{} synced · …{} pending · ✗{} failed",
        tv.vars.len(),
        n.synced,
        n.pending + n.removing,
        n.failed,
    );
    let style = if at.selected {
        row_style(cx, true)
    } else {
        t.style(role)
    };
    let mut lines = vec![
        Line::styled(fit(&head, w), style),
        Line::styled(fit(&counts, w), t.style(Role::Dim)),
    ];
    if let Some(e) = &tg.health.last_error {
        // The whole error: it says what to fix.
        for l in super::text::wrap(&format!("    last error: {e}"), w) {
            lines.push(Line::styled(l, t.style(Role::Failed)));
        }
    }
    lines
}

/// Follow the target's branches (every non-default one; a pattern is the command
/// line's `branch watch --branches`), or stop following them. A branch row says how.
fn toggle_branches(t: &crate::vault::Target) -> Outcome {
    if let Some(b) = &t.branch {
        return Outcome::Say(format!(
            "{} is a branch of {}: follow or stop on its parent",
            b.name, b.parent
        ));
    }
    let (watch, done) = match t.branches {
        Some(_) => (
            None,
            format!(
                "{} no longer follows its branches (nothing was deleted on them)",
                t.name
            ),
        ),
        None => (
            Some(crate::vault::BranchWatch::default()),
            format!(
                "{} follows its branches: they are listed now and get its secrets when ready",
                t.name
            ),
        ),
    };
    Outcome::Effect {
        effect: Effect::Write {
            changes: vec![crate::ops::Change::WatchBranches {
                target: t.project_ref.clone(),
                watch,
            }],
            done,
        },
        close: false,
    }
}

/// The question before removing a target: every variable it deletes there, by name.
fn remove_target(t: &TargetView) -> Confirm {
    let tg = &t.target;
    let names: Vec<&str> = t.vars.iter().map(|(n, _)| n.as_str()).collect();
    let what = if names.is_empty() {
        "keyward put no variables there.".to_string()
    } else {
        format!(
            "keyward deletes the {} variable(s) it put there: {}.",
            names.len(),
            names.join(", ")
        )
    };
    let q = format!(
        "Remove the target {} ({})? {what} Variables set there by hand stay. Its mappings are cleared.",
        tg.name, tg.project_ref
    );
    let name = tg.name.clone();
    let effect = Effect::Call {
        request: Request::RemoveTarget {
            project_ref: tg.project_ref.clone(),
        },
        done: Box::new(move |r| match r {
            Reply::Removed(n) => Ok(format!(
                "removed the target {name}: deleted {n} variable(s) keyward had put there"
            )),
            _ => Ok(format!("removed the target {name}")),
        }),
    };
    Confirm::new(q, effect)
}

fn disconnect(c: &Connection, targets: &[String]) -> Confirm {
    let first = if targets.is_empty() {
        String::new()
    } else {
        format!(
            " Its target(s) {} are removed first: keyward deletes every variable it put there.",
            targets.join(", ")
        )
    };
    let q = format!(
        "Disconnect {}?{first} The token is deleted from the vault; revoke it on Supabase too ({REVOKE}).",
        c.name
    );
    let name = c.name.clone();
    let effect = Effect::Call {
        request: Request::Disconnect {
            name: c.name.clone(),
            remove_targets: true,
        },
        done: Box::new(move |_| {
            Ok(format!(
                "disconnected {name}: the token was deleted from the vault; revoke it on Supabase too: {REVOKE}"
            ))
        }),
    };
    Confirm::new(q, effect)
}

/// A new token for a connection (validated first; its targets are healthy again).
fn reconnect(name: &str) -> Form {
    let n = name.to_string();
    Form::new(
        &format!("Reconnect {name}"),
        "A new Personal Access Token for this connection: it is checked against the Management API first, then sealed; unhealthy targets of the connection are retried.",
        vec![Field::masked("token")],
        Box::new(move |v: &[&str]| {
            let token = v[0].trim();
            if token.is_empty() {
                return Err("paste the new token first".into());
            }
            let n2 = n.clone();
            Ok(Effect::Call {
                request: Request::Reconnect {
                    name: n.clone(),
                    token: Sensitive::new(token),
                },
                done: Box::new(move |_| {
                    Ok(format!(
                        "reconnected {n2}: its targets are healthy again and retried"
                    ))
                }),
            })
        }),
    )
}
