//! Drives the real binary in a real terminal: a private tmux server (its own socket, so
//! tests never touch the user's tmux), a fixed window size, send-keys and capture-pane.
//! The server is killed when the handle drops, on failure too.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// None (with a note) when tmux is missing; under CI a missing tmux is a failure.
pub fn tmux_or_skip(test: &str) -> Option<()> {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return Some(());
    }
    super::skip::skip(test, "tmux is not installed");
    None
}

impl Tmux {
    /// Starts `sh -c script` in a `w`x`h` window with exactly `env` (plus PATH, TERM).
    pub fn start(script: &str, env: &[(&str, &Path)], w: u16, h: u16) -> Tmux {
        let socket = format!(
            "kwtest-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut cmd = Command::new("tmux");
        cmd.args([
            "-L",
            &socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
        ])
        .args(["-x", &w.to_string(), "-y", &h.to_string()])
        .args(["env", "-i"])
        .arg(format!(
            "PATH={}",
            std::env::var("PATH").unwrap_or_default()
        ))
        .arg("TERM=xterm-256color");
        for (k, v) in env {
            cmd.arg(format!("{k}={}", v.display()));
        }
        cmd.args(["sh", "-c", script]);
        let t = Tmux { socket };
        let out = cmd.output().expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Keep the pane (and what the shell printed) after the program exits.
        t.tmux(&["set-option", "-t", "t", "remain-on-exit", "on"]);
        // Without this tmux holds an Esc for 500 ms to see if a sequence follows, and
        // glues it to the next key (Esc then d arrives as alt-d).
        t.tmux(&["set-option", "-s", "escape-time", "0"]);
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Named keys, as tmux spells them: Enter, Tab, Down, BSpace, C-s, q...
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    pub fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
    }

    /// Pastes `text` as a terminal does: bracketed when the program asked for it, and
    /// each newline sent as a carriage return (tmux's paste-buffer, like xterm).
    pub fn paste(&self, text: &str) {
        let f = std::env::temp_dir().join(format!("{}-paste", self.socket));
        std::fs::write(&f, text).unwrap();
        self.tmux(&["load-buffer", "-b", "kw", &f.display().to_string()]);
        self.tmux(&["paste-buffer", "-p", "-d", "-b", "kw", "-t", "t"]);
        let _ = std::fs::remove_file(f);
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    /// Whether the pane shows the alternate screen (a full-screen program is running).
    pub fn alternate_on(&self) -> bool {
        self.tmux(&["display-message", "-p", "-t", "t", "#{alternate_on}"])
            .trim()
            == "1"
    }

    /// Resizes the window, as a user dragging the terminal does.
    pub fn resize(&self, w: u16, h: u16) {
        self.tmux(&[
            "resize-window",
            "-t",
            "t",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
        ]);
    }

    /// From now on, appends every byte the program writes to the terminal to `file`
    /// (tmux pipe-pane: what an SSH session would carry).
    pub fn pipe_to(&self, file: &Path) {
        let cmd = format!("cat >> '{}'", file.display());
        self.tmux(&["pipe-pane", "-o", "-t", "t", &cmd]);
    }

    /// The pid of the pane's process (the `sh` the test started).
    pub fn pane_pid(&self) -> String {
        self.tmux(&["display-message", "-p", "-t", "t", "#{pane_pid}"])
            .trim()
            .to_string()
    }

    /// Waits (up to 20 s: debug builds on a shared machine) until the screen shows
    /// `needle`; panics with the screen otherwise.
    #[track_caller]
    pub fn wait_for(&self, needle: &str) -> String {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            if Instant::now() > end {
                panic!("timed out waiting for {needle:?}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
