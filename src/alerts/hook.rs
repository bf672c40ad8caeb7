//! Runs a hook command: no shell, the alert's JSON on stdin, `KEYWARD_EVENT_*` in its
//! environment. The owner's own `KEYWARD_*` variables are removed first
//! (`KEYWARD_PASSPHRASE` may be among them). A hook still running at the timeout is
//! killed with its process group, so a shell script's children go too.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Alert;

/// The end of a failing hook's stderr kept for the log (it is the operator's program's
/// own output, not keyward's data).
const STDERR_KEPT: usize = 200;

pub async fn run(argv: &[String], alert: &Alert, timeout: Duration) -> Result<(), String> {
    let mut child = command(argv, alert)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", argv[0]))?;
    // Killed with its group when abandoned (timeout, owner stopping); left alone once
    // it exited by itself (it may have started something on purpose).
    let mut group = Group(
        child
            .id()
            .and_then(|p| rustix::process::Pid::from_raw(p as i32)),
    );
    let body = alert.json();
    let mut stdin = child.stdin.take();
    // Read beside the wait, not after it: something the hook left running in the
    // background may hold stderr open long after the hook itself exited.
    let mut stderr = child.stderr.take();
    let mut reader = tokio::spawn(async move {
        let mut err = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(64 * 1024).read_to_end(&mut err).await;
        }
        err
    });
    let work = async {
        if let Some(s) = stdin.as_mut() {
            // A hook that does not read its stdin is fine.
            let _ = s.write_all(&body).await;
        }
        drop(stdin.take());
        child.wait().await
    };
    let done = tokio::time::timeout(timeout, work).await;
    if done.is_ok() {
        group.0 = None;
    }
    let err = match tokio::time::timeout(Duration::from_millis(200), &mut reader).await {
        Ok(Ok(e)) => e,
        _ => {
            reader.abort();
            Vec::new()
        }
    };
    verdict(argv, done.map(|r| (r, err)), timeout)
}

/// The hook's command: its own process group, stdin piped, stdout dropped, stderr
/// kept; the owner's `KEYWARD_*` variables removed and the alert's set.
fn command(argv: &[String], alert: &Alert) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("KEYWARD_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(alert.env());
    cmd
}

/// How the hook ended, in the log's words: success, its exit status with the end of
/// its stderr, or the timeout.
fn verdict(
    argv: &[String],
    done: Result<(std::io::Result<std::process::ExitStatus>, Vec<u8>), tokio::time::error::Elapsed>,
    timeout: Duration,
) -> Result<(), String> {
    match done {
        Ok((Ok(st), _)) if st.success() => Ok(()),
        Ok((Ok(st), err)) => {
            let err = String::from_utf8_lossy(&err);
            let err = err.trim();
            let tail: String = err
                .chars()
                .rev()
                .take(STDERR_KEPT)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            Err(match tail.is_empty() {
                true => format!("{} exited with {st}", argv[0]),
                false => format!("{} exited with {st}: {}", argv[0], tail.replace('\n', " ")),
            })
        }
        Ok((Err(e), _)) => Err(format!("waiting for {}: {e}", argv[0])),
        Err(_) => Err(format!(
            "{} did not finish within {}s: killed",
            argv[0],
            timeout.as_secs()
        )),
    }
}

/// A hook's process group, killed on drop unless disarmed.
struct Group(Option<rustix::process::Pid>);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}
