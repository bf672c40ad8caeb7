//! Who holds the vault. redb's file lock already refuses a second opener; this note beside
//! the file lets the refused process name the holder instead of saying only "locked".

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::vault::audit;
use crate::vault::clock::{Clock, rfc3339};

#[derive(Serialize, Deserialize)]
struct Holder {
    pid: u32,
    actor: String,
    command: String,
    since: i64,
    /// Where the holder, as the vault's owner, listens: front ends find it here even
    /// when their runtime dir differs from the owner's (a system service, sudo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    socket: Option<PathBuf>,
}

static COMMAND: OnceLock<String> = OnceLock::new();

/// What this process is, in words a person recognises (`keyward daemon`), for the lock
/// note and for the owner's attach log. The command line sets it once it has parsed its
/// arguments; without it, the program name stands in.
pub fn set_command_label(label: String) {
    let _ = COMMAND.set(label);
}

pub fn command_label() -> String {
    COMMAND.get().cloned().unwrap_or_else(|| {
        std::env::args()
            .next()
            .and_then(|a| {
                Path::new(&a)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "keyward".into())
    })
}

/// Written after the lock is taken, removed when the vault is dropped. A stale note (the
/// holder crashed) is harmless: redb's lock died with the process and the next opener
/// overwrites the note.
pub struct LockNote(PathBuf);

impl LockNote {
    fn note_path(vault: &Path) -> PathBuf {
        let mut p = vault.as_os_str().to_owned();
        p.push(".lock");
        PathBuf::from(p)
    }

    pub(crate) fn take(vault: &Path) -> LockNote {
        let path = Self::note_path(vault);
        let holder = Holder {
            pid: std::process::id(),
            actor: audit::actor(),
            command: command_label(),
            since: Clock::system().now(),
            socket: None,
        };
        if let Ok(json) = serde_json::to_vec(&holder) {
            let _ = write_private(&path, &json);
        }
        LockNote(path)
    }

    /// Records the socket the holder listens on (called by the owner once it listens).
    pub fn advertise(vault: &Path, socket: Option<&Path>) {
        let path = Self::note_path(vault);
        let Some(mut h) = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Holder>(&b).ok())
            .filter(|h| h.pid == std::process::id())
        else {
            return;
        };
        h.socket = socket.map(Path::to_path_buf);
        if let Ok(json) = serde_json::to_vec(&h) {
            let _ = write_private(&path, &json);
        }
    }

    /// The socket the vault's holder said it listens on, if any.
    pub fn advertised(vault: &Path) -> Option<PathBuf> {
        std::fs::read(Self::note_path(vault))
            .ok()
            .and_then(|b| serde_json::from_slice::<Holder>(&b).ok())
            .and_then(|h| h.socket)
    }

    pub(crate) fn describe_holder(vault: &Path) -> String {
        let parsed = std::fs::read(Self::note_path(vault))
            .ok()
            .and_then(|b| serde_json::from_slice::<Holder>(&b).ok());
        match parsed {
            Some(h) => format!(
                "pid {}, {}, `{}`, since {}",
                h.pid,
                h.actor,
                h.command,
                rfc3339(h.since)
            ),
            None => "holder unknown".into(),
        }
    }
}

/// Writes `bytes` to `path` readable by its owner only (the note names a user and a
/// command: nobody else's business).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(0o600);
        // An older note may have been made with wider permissions.
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    o.open(path)?.write_all(bytes)
}

impl Drop for LockNote {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
