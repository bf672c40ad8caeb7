//! Modals, stacked over the panes: the top one gets every key. Each is a small state
//! machine: `update(Action)` / `key(KeyEvent)` return an [`Outcome`] for the app to carry
//! out, `reload` refreshes it from a snapshot after a change, `draw` is pure.

pub mod access;
pub mod audit;
pub mod confirm;
pub mod connect;
pub mod connections;
pub mod editor;
pub mod find;
pub mod form;
pub mod gone;
pub mod help;
pub mod history;
pub mod import;
pub mod keys_view;
pub mod manage;
pub mod policy;
pub mod rotations;
pub mod sync;
pub mod targets;
pub mod text;
pub mod trash;
pub mod unseal;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear};

use super::action::Action;
use super::app::Effect;
use super::draw_ctx::DrawCtx;
use super::keys::Context;
use super::theme::Role;
use crate::ops::{Query, Reply};

pub enum Modal {
    Unseal(unseal::Unseal),
    Editor(editor::Editor),
    History(history::History),
    Trash(trash::TrashBin),
    Audit(audit::AuditLog),
    Help(help::Help),
    Confirm(confirm::Confirm),
    Sync(sync::SyncFlow),
    Text(text::Text),
    Connect(connect::Connect),
    AddTarget(targets::AddTarget),
    // Boxed: the review it holds makes it several times the size of the others.
    Manage(Box<manage::ManageTarget>),
    Rotations(rotations::Rotations),
    RotationForm(rotations::RotationForm),
    RevokeKey(rotations::RevokeKey),
    Keys(keys_view::KeysView),
    Policy(policy::PolicyEditor),
    AccessKeys(access::AccessKeys),
    AccessForm(access::AccessForm),
    OwnerGone(gone::OwnerGone),
    Form(form::Form),
    Find(find::Find),
    Targets(connections::Targets),
    Import(import::ImportReview),
}

/// What a modal asks of the app.
pub enum Outcome {
    None,
    Close,
    Push(Box<Modal>),
    Effect {
        effect: Effect,
        close: bool,
    },
    /// Several changes at once; closes the modal.
    Many(Vec<Effect>),
    /// Send this and keep the form open until the answer: it closes when the owner
    /// accepts, and shows the refusal inside, with its input, when it does not.
    Submit(Effect),
    /// Close this question and the form under it (what was typed is thrown away).
    Discard,
    /// A footer message: why a key did nothing, or what it did.
    Say(String),
    /// Close and show this secret (project, name) in the panes.
    Select(String, String),
    Quit,
}

impl Modal {
    pub fn contexts(&self) -> Vec<Context> {
        match self {
            Modal::Unseal(_) => vec![Context::Prompt],
            Modal::Editor(_) => vec![Context::Editor],
            Modal::History(_) => vec![Context::History, Context::List],
            Modal::Trash(_) => vec![Context::Trash, Context::List],
            Modal::Audit(a) if a.filtering.is_some() => vec![Context::Prompt],
            Modal::Audit(_) => vec![Context::Audit, Context::List],
            Modal::Help(_) => vec![Context::Prompt],
            Modal::Confirm(_) => vec![Context::Confirm],
            Modal::Sync(s) => s.contexts(),
            Modal::Connect(_) => vec![Context::Prompt, Context::Policy],
            Modal::AddTarget(_) => vec![Context::Prompt],
            Modal::Manage(m) => m.contexts(),
            Modal::Rotations(_) => vec![Context::Rotations, Context::List],
            Modal::RotationForm(_) => vec![Context::Policy],
            Modal::RevokeKey(_) => vec![Context::Prompt],
            Modal::Keys(_) => vec![Context::KeysView, Context::List],
            Modal::Policy(_) => vec![Context::Policy],
            Modal::AccessKeys(_) => vec![Context::Access, Context::List],
            Modal::AccessForm(_) => vec![Context::Policy],
            Modal::Text(t) if t.adopt.is_some() => {
                vec![Context::Adopt, Context::Details, Context::List]
            }
            Modal::Text(t) if t.retry => vec![Context::Details, Context::List],
            Modal::Text(_) => vec![Context::List],
            Modal::OwnerGone(_) => vec![Context::Gone],
            Modal::Form(_) => vec![Context::Policy],
            Modal::Find(_) => vec![Context::Prompt],
            Modal::Targets(_) => vec![Context::Targets, Context::List],
            Modal::Import(_) => vec![Context::Confirm],
        }
    }

    pub fn update(&mut self, a: Action) -> Outcome {
        match self {
            Modal::Unseal(m) => m.update(a),
            Modal::Editor(m) => m.update(a),
            Modal::History(m) => m.update(a),
            Modal::Trash(m) => m.update(a),
            Modal::Audit(m) => m.update(a),
            Modal::Help(m) => m.update(a),
            Modal::Confirm(m) => m.update(a),
            Modal::Sync(m) => m.update(a),
            Modal::Text(m) => m.update(a),
            Modal::Connect(m) => m.update(a),
            Modal::AddTarget(m) => m.update(a),
            Modal::Manage(m) => m.update(a),
            Modal::Rotations(m) => m.update(a),
            Modal::RotationForm(m) => m.update(a),
            Modal::Keys(m) => m.update(a),
            Modal::RevokeKey(m) => m.update(a),
            Modal::Policy(m) => m.update(a),
            Modal::AccessKeys(m) => m.update(a),
            Modal::AccessForm(m) => m.update(a),
            Modal::OwnerGone(m) => m.update(a),
            Modal::Form(m) => m.update(a),
            Modal::Find(m) => m.update(a),
            Modal::Targets(m) => m.update(a),
            Modal::Import(m) => m.update(a),
        }
    }

    /// The id of the save this form sent and is waiting for.
    pub fn saving(&self) -> Option<u64> {
        match self {
            Modal::Editor(m) => m.saving,
            Modal::Form(m) => m.saving,
            Modal::Policy(m) => m.saving,
            Modal::RotationForm(m) => m.saving,
            Modal::RevokeKey(m) => m.saving,
            Modal::AccessForm(m) => m.saving,
            Modal::AddTarget(m) => m.saving,
            Modal::Manage(m) => m.saving,
            _ => None,
        }
    }

    /// Its save was sent as `id`.
    pub fn submitted(&mut self, id: u64) {
        match self {
            Modal::Editor(m) => m.saving = Some(id),
            Modal::Form(m) => m.saving = Some(id),
            Modal::Policy(m) => m.saving = Some(id),
            Modal::RotationForm(m) => m.saving = Some(id),
            Modal::RevokeKey(m) => m.saving = Some(id),
            Modal::AccessForm(m) => m.saving = Some(id),
            Modal::AddTarget(m) => m.saving = Some(id),
            Modal::Manage(m) => m.saving = Some(id),
            _ => {}
        }
    }

    /// The owner refused its save: why, in dashboard words, inside the form.
    pub fn refused(&mut self, why: String) {
        let why = crate::tui::words::dashboard(&why);
        match self {
            Modal::Editor(m) => m.refused(why),
            Modal::Form(m) => m.refused(why),
            Modal::Policy(m) => m.refused(why),
            Modal::RotationForm(m) => m.refused(why),
            Modal::RevokeKey(m) => m.refused(why),
            Modal::AccessForm(m) => m.refused(why),
            Modal::AddTarget(m) => m.refused(why),
            Modal::Manage(m) => m.refused(why),
            _ => {}
        }
    }

    /// Typed input that closing would throw away (closing asks first).
    pub fn dirty(&self) -> bool {
        match self {
            Modal::Editor(m) => m.edited,
            Modal::Form(m) => m.dirty(),
            Modal::Policy(m) => m.edited,
            Modal::RotationForm(m) => m.edited,
            Modal::RevokeKey(m) => m.edited(),
            Modal::AccessForm(m) => m.edited,
            Modal::Connect(m) => m.edited(),
            _ => false,
        }
    }

    /// Pasted text (one event, whatever its size): into the focused input.
    pub fn paste(&mut self, text: &str) {
        use crate::tui::textarea::paste_into;
        match self {
            Modal::Editor(m) => m.paste(text),
            Modal::Form(m) => m.paste(text),
            Modal::Policy(m) => m.paste(text),
            Modal::RotationForm(m) => m.paste(text),
            Modal::RevokeKey(m) => m.paste(text),
            Modal::AccessForm(m) => m.paste(text),
            Modal::Connect(m) => m.paste(text),
            Modal::Unseal(m) => m.paste(text),
            Modal::AddTarget(m) => m.paste(text),
            Modal::Audit(m) => {
                if let Some(i) = &mut m.filtering {
                    paste_into(i, text);
                    m.refilter();
                }
            }
            Modal::Manage(m) => m.paste(text),
            Modal::Help(m) => m.paste(text),
            Modal::Find(m) => m.paste(text),
            _ => {}
        }
    }

    /// Whether typing goes into this modal (a form, a prompt, a filter).
    pub fn takes_text(&self) -> bool {
        matches!(
            self,
            Modal::Unseal(_)
                | Modal::Editor(_)
                | Modal::Connect(_)
                | Modal::AddTarget(_)
                | Modal::Manage(_)
                | Modal::RotationForm(_)
                | Modal::RevokeKey(_)
                | Modal::Policy(_)
                | Modal::AccessForm(_)
                | Modal::Form(_)
                | Modal::Help(_)
                | Modal::Find(_)
        ) || matches!(self, Modal::Audit(a) if a.filtering.is_some())
    }

    /// A key no binding claims: text for the modals that take text.
    pub fn key(&mut self, k: &KeyEvent) -> Outcome {
        match self {
            Modal::Unseal(m) => m.key(k),
            Modal::Editor(m) => m.key(k),
            Modal::Audit(m) => m.key(k),
            Modal::Connect(m) => m.key(k),
            Modal::AddTarget(m) => m.key(k),
            Modal::Manage(m) => m.key(k),
            Modal::RotationForm(m) => m.key(k),
            Modal::RevokeKey(m) => m.key(k),
            Modal::Policy(m) => m.key(k),
            Modal::AccessForm(m) => m.key(k),
            Modal::OwnerGone(m) => m.key(k),
            Modal::Form(m) => m.key(k),
            Modal::Help(m) => m.key(k),
            Modal::Find(m) => m.key(k),
            // Any key hides a key just shown.
            Modal::AccessKeys(m) if m.showing_key() => m.update(Action::None),
            _ => Outcome::None,
        }
    }

    /// What a list modal reads to show its rows (and re-reads after a change).
    pub fn query(&self) -> Option<Query> {
        match self {
            Modal::History(m) => Some(m.query()),
            Modal::Trash(_) => Some(Query::Trash),
            Modal::Audit(_) => Some(Query::Audit { action: None }),
            Modal::Rotations(_) => Some(Query::KeyRotations),
            Modal::AccessKeys(_) => Some(Query::AccessKeys),
            _ => None,
        }
    }

    /// Its rows, read.
    pub fn reloaded(&mut self, r: &Reply) {
        match (self, r) {
            (Modal::History(m), Reply::History { versions, .. }) => m.reloaded(versions),
            (Modal::Trash(m), Reply::Trash(items)) => m.reloaded(items),
            (Modal::Audit(m), Reply::Audit(entries)) => m.reloaded(entries),
            (Modal::Rotations(m), Reply::KeyRotations { items, signing, .. }) => {
                m.reloaded(items, signing)
            }
            (Modal::AccessKeys(m), Reply::AccessKeys(items)) => m.reloaded(items),
            _ => {}
        }
    }

    pub fn draw(&self, cx: &DrawCtx, f: &mut Frame, area: Rect) {
        match self {
            Modal::Unseal(m) => m.draw(cx, f, area),
            Modal::Editor(m) => m.draw(cx, f, area),
            Modal::History(m) => m.draw(cx, f, area),
            Modal::Trash(m) => m.draw(cx, f, area),
            Modal::Audit(m) => m.draw(cx, f, area),
            Modal::Help(m) => m.draw(cx, f, area),
            Modal::Confirm(m) => m.draw(cx, f, area),
            Modal::Sync(m) => m.draw(cx, f, area),
            Modal::Text(m) => m.draw(cx, f, area),
            Modal::Connect(m) => m.draw(cx, f, area),
            Modal::AddTarget(m) => m.draw(cx, f, area),
            Modal::Manage(m) => m.draw(cx, f, area),
            Modal::Rotations(m) => m.draw(cx, f, area),
            Modal::RotationForm(m) => m.draw(cx, f, area),
            Modal::Keys(m) => m.draw(cx, f, area),
            Modal::RevokeKey(m) => m.draw(cx, f, area),
            Modal::Policy(m) => m.draw(cx, f, area),
            Modal::AccessKeys(m) => m.draw(cx, f, area),
            Modal::AccessForm(m) => m.draw(cx, f, area),
            Modal::OwnerGone(m) => m.draw(cx, f, area),
            Modal::Form(m) => m.draw(cx, f, area),
            Modal::Find(m) => m.draw(cx, f, area),
            Modal::Targets(m) => m.draw(cx, f, area),
            Modal::Import(m) => m.draw(cx, f, area),
        }
    }
}

macro_rules! into_modal {
    ($t:ty, $v:ident) => {
        impl From<$t> for Modal {
            fn from(m: $t) -> Modal {
                Modal::$v(m)
            }
        }
    };
}
into_modal!(history::History, History);
into_modal!(trash::TrashBin, Trash);
into_modal!(audit::AuditLog, Audit);
into_modal!(rotations::Rotations, Rotations);
into_modal!(access::AccessKeys, AccessKeys);

/// A centred box of at most `w` x `h` inside `area`, cleared, with a titled border;
/// returns the inner area.
pub fn boxed(cx: &DrawCtx, f: &mut Frame, area: Rect, w: u16, h: u16, title: &str) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    let t = cx.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(t.style(Role::Focused))
        .title(Line::from(Span::styled(
            format!(" {title} "),
            t.style(Role::Focused),
        )));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

/// Moves the list cursor for the navigation actions every list modal shares; true when
/// the action was one of them.
pub fn navigate(list: &mut super::list::ListState, a: Action) -> bool {
    match a {
        Action::Up => list.up(1),
        Action::Down => list.down(1),
        Action::PageUp => list.up(10),
        Action::PageDown => list.down(10),
        Action::Top => list.top(),
        Action::Bottom => list.bottom(),
        _ => return false,
    }
    true
}

/// The style of a list row.
pub fn row_style(cx: &DrawCtx, selected: bool) -> ratatui::style::Style {
    if selected {
        cx.theme.style(Role::Selected)
    } else {
        Default::default()
    }
}

/// "you" for this machine's own user, so history reads naturally (and snapshots are
/// stable across machines).
pub fn actor_label(cx: &DrawCtx, actor: &str) -> String {
    if cx.me == actor {
        "you".into()
    } else {
        actor.to_string()
    }
}

/// The head line of a filterable list: the filter being typed, the filter applied with
/// how many rows it keeps, or `idle` when there is none.
pub fn filter_head(
    cx: &DrawCtx,
    label: &str,
    typing: Option<&tui_input::Input>,
    list: &super::list::ListState,
    total: usize,
    idle: Line<'static>,
) -> Line<'static> {
    let t = cx.theme;
    match typing {
        Some(i) => Line::from(vec![
            Span::styled(format!("{label}: "), t.style(Role::Focused)),
            Span::raw(i.value().to_string()),
        ]),
        None if !list.filter.is_empty() => Line::styled(
            format!("{label}: {} ({} of {total})", list.filter, list.len()),
            t.style(Role::Dim),
        ),
        None => idle,
    }
}

/// A hint row that fits `w` columns: this context's keys in keymap order (its order is
/// their priority), minus plain navigation, as many as fit; the way out (esc) and help
/// are always kept.
pub fn hints(cx: &DrawCtx, contexts: &[Context], w: usize) -> String {
    let items: Vec<(String, String)> = cx
        .keymap
        .hints(contexts)
        .into_iter()
        .filter(|(_, d)| !is_navigation(d))
        .collect();
    fit_hints(&items, &help_hint(cx, contexts), w)
        .into_iter()
        .map(|(k, d)| format!("{k} {d}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Navigation every list shares: left out of hint rows (help lists it).
pub fn is_navigation(desc: &str) -> bool {
    matches!(
        desc,
        "down"
            | "up"
            | "page down"
            | "page up"
            | "previous pane"
            | "first row"
            | "last row"
            | "next field"
            | "previous field"
            | "select all shown / none"
    )
}

/// The help key as this context reaches it: `?` where keys are commands, F1 where
/// they are typed text.
pub fn help_hint(cx: &DrawCtx, contexts: &[Context]) -> (String, String) {
    let typing = contexts
        .iter()
        .any(|c| matches!(c, Context::Prompt | Context::Policy | Context::Editor));
    if typing {
        ("F1".into(), "help".into())
    } else {
        let k = cx.keymap.key_for(&[Context::Main], Action::Help);
        (k, "help".into())
    }
}

/// The items that fit `w` columns (" · " between them), in order, always keeping the
/// one that closes (its description is "close", "cancel", "dismiss" or "no") and `help`.
pub fn fit_hints(
    items: &[(String, String)],
    help: &(String, String),
    w: usize,
) -> Vec<(String, String)> {
    let len =
        |(k, d): &(String, String)| crate::tui::panes::width(k) + 1 + crate::tui::panes::width(d);
    let keep = |d: &str| matches!(d, "close" | "cancel" | "dismiss" | "no");
    let sep = 3;
    let mut budget = len(help) as isize;
    for it in items.iter().filter(|(_, d)| keep(d)) {
        budget += (len(it) + sep) as isize;
    }
    let mut out = Vec::new();
    let mut used = budget;
    for it in items {
        if keep(&it.1) {
            out.push(it.clone());
            continue;
        }
        let l = (len(it) + sep) as isize;
        if used + l <= w as isize {
            used += l;
            out.push(it.clone());
        }
    }
    if !out.iter().any(|(_, d)| d == "help") {
        out.push(help.clone());
    }
    out
}
