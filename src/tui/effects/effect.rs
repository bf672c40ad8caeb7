//! What the app asks the runner to do: every [`Effect`] is a request to the vault's
//! owner (or a file, or the clipboard), queued by `update`/`apply` and carried out off
//! the UI task. Debug never prints a passphrase, a token or a value.

use age::secrecy::SecretString;

use crate::ops::Change;
use crate::tui::modals::AnyModal;

/// Work the runner does for the app: each is a request to the vault's owner.
pub enum Effect {
    Unseal(SecretString),
    /// Changes in one transaction; `done` is the footer message once they committed.
    Write {
        changes: Vec<Change>,
        done: String,
    },
    /// A question for the engine (it may ask Supabase).
    Ask(Ask),
    /// Validate a token against the Management API, then store the connection.
    Connect {
        name: String,
        url: String,
        token: zeroize::Zeroizing<String>,
    },
    /// List the projects every connection can see (for "add a target").
    ListProjects,
    /// What a sync review waits for before it can be confirmed: the names these targets
    /// hold on Supabase, and which of these (project, name) secrets hold a value
    /// Supabase would refuse as too long (the owner checks; no value comes here).
    Review {
        targets: Vec<String>,
        secrets: Vec<(String, String)>,
    },
    /// A key rotation command that talks to Supabase.
    KeyRotation(KeyCmd),
    /// Every key of a target as Supabase lists it (the rotations screen's keys view).
    TargetKeys(String),
    /// A target's legacy API keys: the plan of a disable (then asked), the disable,
    /// or enabling them again.
    Legacy {
        target: String,
        action: crate::ops::LegacyAction,
    },
    /// A modal that shows what the owner holds: opened once that is read.
    Open(Opening),
    /// The value of the secret open in the editor, asked for on purpose (audited).
    Reveal {
        project: String,
        name: String,
    },
    /// The owner went away: open the vault here (or attach to the owner now running).
    Reopen,
    /// A form's effect: its answer goes back to the form (`id`), which stays open until
    /// then, and shows a refusal inside with its input kept.
    Form(u64, Box<Effect>),
    /// Any other request to the owner; `done` says what its answer means.
    Call {
        request: crate::ops::Request,
        done: OnReply,
    },
    /// Read a `.env` file and ask the owner what importing it would do (a dry run).
    ImportPreview {
        project: String,
        path: String,
    },
    /// Export a project into a new file (0600).
    Export {
        project: String,
        path: String,
    },
    /// Copy a value to the terminal's clipboard (OSC 52); never logged.
    Copy(crate::ops::Sensitive),
}

/// What a reply means, as the footer says it (or why it is not what was asked).
pub type OnReply = Box<dyn FnOnce(crate::ops::Reply) -> Result<String, String> + Send>;

/// A modal waiting for its data.
pub enum Opening {
    /// A list modal (history, trash, audit, rotations, access keys): its own query.
    List(Box<AnyModal>),
    /// The editor of an existing secret (its metadata; the value only on reveal).
    Editor { project: String, name: String },
    /// The rotation policies of a secret.
    Policy { project: String, name: String },
}

/// What the rotations screen asks the key rotation driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCmd {
    RunNow(String),
    /// (rotation, reason)
    Revoke(String, String),
    Remove(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Retry,
    Plan,
    Drift,
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Unseal(_) => f.write_str("Unseal(<redacted>)"),
            Effect::Write { done, .. } => write!(f, "Write({done:?})"),
            Effect::Ask(a) => write!(f, "Ask({a:?})"),
            Effect::Connect { name, url, .. } => {
                write!(f, "Connect({name:?}, {url:?}, <redacted>)")
            }
            Effect::ListProjects => f.write_str("ListProjects"),
            Effect::Review { targets, secrets } => {
                write!(f, "Review({targets:?}, {} secret(s))", secrets.len())
            }
            Effect::KeyRotation(c) => write!(f, "KeyRotation({c:?})"),
            Effect::TargetKeys(t) => write!(f, "TargetKeys({t})"),
            Effect::Legacy { target, action } => write!(f, "Legacy({target}, {action:?})"),
            Effect::Open(_) => f.write_str("Open"),
            Effect::Reveal { project, name } => write!(f, "Reveal({project}/{name})"),
            Effect::Reopen => f.write_str("Reopen"),
            Effect::Form(id, e) => write!(f, "Form({id}, {e:?})"),
            Effect::Call { request, .. } => write!(f, "Call({})", request_kind(request)),
            Effect::ImportPreview { project, path } => {
                write!(f, "ImportPreview({project}, {path})")
            }
            Effect::Export { project, path } => write!(f, "Export({project}, {path})"),
            Effect::Copy(_) => f.write_str("Copy(<redacted>)"),
        }
    }
}

/// A request's name for the log (never its arguments: a token may be one).
fn request_kind(r: &crate::ops::Request) -> &'static str {
    use crate::ops::Request as R;
    match r {
        R::RemoveTarget { .. } => "remove_target",
        R::Disconnect { .. } => "disconnect",
        R::Reconnect { .. } => "reconnect",
        R::Retry { .. } => "retry",
        _ => "request",
    }
}
