//! Who holds the vault. redb's file lock already refuses a second opener; this note beside
//! the file lets the refused process name the holder instead of saying only "locked".

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::audit;
use super::clock::{Clock, rfc3339};

#[derive(Serialize, Deserialize)]
struct Holder {
    pid: u32,
    actor: String,
    command: String,
    since: i64,
}

/// Written after the lock is taken, removed when the vault is dropped. A stale note (the
/// holder crashed) is harmless: redb's lock died with the process and the next opener
/// overwrites the note.
pub(crate) struct LockNote(PathBuf);

impl LockNote {
    fn note_path(vault: &Path) -> PathBuf {
        let mut p = vault.as_os_str().to_owned();
        p.push(".lock");
        PathBuf::from(p)
    }

    pub(crate) fn take(vault: &Path) -> LockNote {
        let path = Self::note_path(vault);
        // argv never holds secret material (values come from stdin or files), so the
        // command line is safe to show; still, keep only the program name and subcommand.
        let command: Vec<String> = std::env::args()
            .take(3)
            .enumerate()
            .map(|(i, a)| {
                if i == 0 {
                    Path::new(&a)
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or(a)
                } else {
                    a
                }
            })
            .collect();
        let holder = Holder {
            pid: std::process::id(),
            actor: audit::actor(),
            command: command.join(" "),
            since: Clock::system().now(),
        };
        if let Ok(json) = serde_json::to_vec(&holder) {
            let _ = std::fs::write(&path, json);
        }
        LockNote(path)
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

impl Drop for LockNote {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
