//! Logs go to a file in the XDG state dir (never the screen: it would tear the UI), with
//! the filter from KEYWARD_LOG. Nothing logged carries a value or a token: the
//! dashboard logs actions and outcomes, and vault errors, which never hold values.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The log directory: $XDG_STATE_HOME/keyward (or the local data dir where there is no
/// state dir).
pub fn dir() -> Option<PathBuf> {
    let b = directories::BaseDirs::new()?;
    Some(
        b.state_dir()
            .unwrap_or_else(|| b.data_local_dir())
            .join("keyward"),
    )
}

/// Starts file logging into `dir`/keyward.log (0600 in a 0700 dir: it names projects,
/// targets and users); keep the guard alive until exit so the last lines are flushed.
/// Failing to log never stops the dashboard.
pub fn init(dir: &Path) -> Option<WorkerGuard> {
    crate::private::dir(dir).ok()?;
    let file = crate::private::append(&dir.join("keyward.log")).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("KEYWARD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
