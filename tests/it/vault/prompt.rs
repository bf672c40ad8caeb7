//! The masked prompts, on a real pseudo-terminal (util-linux `script`): nothing typed is
//! echoed, a wrong passphrase can be retried, and the passphrase is asked before a value.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::support::vault::{PASS, Sandbox, TEST_WORK_FACTOR, ok};

struct Tty {
    child: Child,
    input: ChildStdin,
    output: Receiver<u8>,
    seen: Vec<u8>,
    /// Where the last `expect` matched: the next one waits for new output.
    mark: usize,
}

impl Tty {
    /// Runs `keyward ARGS` on a pty, or None when `script` is not installed.
    fn spawn(sb: &Sandbox, args: &str) -> Option<Tty> {
        if Command::new("script").arg("--version").output().is_err() {
            crate::support::skip::skip(
                &format!("prompt ({args})"),
                "util-linux `script` is not installed",
            );
            return None;
        }
        let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_keyward"));
        let mut child = Command::new("script")
            .args(["-qfec", &cmd, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SHELL", "/bin/sh")
            .env("HOME", sb.dir.path())
            .env("USER", "tester")
            .env("KEYWARD_VAULT", &sb.path)
            .env(
                "KEYWARD_INSECURE_KDF_WORK_FACTOR",
                TEST_WORK_FACTOR.to_string(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let mut out = child.stdout.take().unwrap();
        let (tx, output) = channel();
        std::thread::spawn(move || {
            let mut b = [0u8; 1];
            while out.read(&mut b).unwrap_or(0) == 1 {
                if tx.send(b[0]).is_err() {
                    break;
                }
            }
        });
        Some(Tty {
            child,
            input,
            output,
            seen: Vec::new(),
            mark: 0,
        })
    }

    /// Waits until the output since the last match contains `text` (a second prompt
    /// must be a new one, not the first seen again). The deadline only guards against
    /// a hang; nothing is asserted about timing.
    fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let new = &self.seen[self.mark..];
            if let Some(at) = new.windows(text.len()).position(|w| w == text.as_bytes()) {
                self.mark += at + text.len();
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(b) => self.seen.push(b),
                Err(_) => panic!(
                    "never saw {text:?}; output: {}",
                    String::from_utf8_lossy(&self.seen)
                ),
            }
        }
    }

    fn type_line(&mut self, s: &str) {
        self.input.write_all(format!("{s}\r").as_bytes()).unwrap();
        self.input.flush().unwrap();
    }

    /// Waits for exit and returns (success, everything shown on the terminal).
    fn finish(mut self) -> (bool, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "still running; output: {}",
                    String::from_utf8_lossy(&self.seen)
                );
            }
            while let Ok(b) = self.output.try_recv() {
                self.seen.push(b);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        while let Ok(b) = self.output.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(b);
        }
        (
            status.success(),
            String::from_utf8_lossy(&self.seen).into_owned(),
        )
    }
}

fn vault() -> Sandbox {
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    ok(&sb.kw(&["project", "add", "billing"], ""));
    sb
}

#[test]
fn passphrase_and_value_prompts_echo_nothing() {
    let sb = vault();
    let Some(mut t) = Tty::spawn(&sb, "secret set billing/typed") else {
        return;
    };
    t.expect("passphrase: ");
    t.type_line(PASS);
    t.expect("value for billing/typed: ");
    t.type_line("typed-on-the-keyboard");
    let (success, screen) = t.finish();
    assert!(success, "{screen}");
    assert!(screen.contains("created, version 1"), "{screen}");
    assert!(
        !screen.contains(PASS),
        "the passphrase was echoed: {screen}"
    );
    assert!(
        !screen.contains("typed-on-the-keyboard"),
        "the value was echoed: {screen}"
    );
    assert_eq!(
        ok(&sb.kw(&["secret", "get", "billing/typed"], "")),
        "typed-on-the-keyboard\n"
    );
}

#[test]
fn a_wrong_passphrase_at_the_prompt_can_be_retried_and_is_audited() {
    let sb = vault();
    let Some(mut t) = Tty::spawn(&sb, "project list") else {
        return;
    };
    t.expect("passphrase: ");
    t.type_line("not the passphrase");
    t.expect("wrong passphrase, try again");
    t.type_line(PASS);
    let (success, screen) = t.finish();
    assert!(success, "{screen}");
    assert!(screen.contains("billing"), "{screen}");
    let a = crate::support::vault::json(&sb.kw(&["audit", "--json", "--action", "unseal"], ""));
    assert_eq!(a.as_array().unwrap().len(), 1);
}

/// Three wrong passphrases end the prompt: the command fails in one line, each try is
/// audited, nothing else is asked.
#[test]
fn the_third_wrong_passphrase_ends_the_prompt() {
    let sb = vault();
    let Some(mut t) = Tty::spawn(&sb, "project list") else {
        return;
    };
    for _ in 0..2 {
        t.expect("passphrase: ");
        t.type_line("not the passphrase");
        t.expect("wrong passphrase, try again");
    }
    t.expect("passphrase: ");
    t.type_line("still not it");
    let (success, screen) = t.finish();
    assert!(!success, "{screen}");
    assert!(screen.contains("error: wrong passphrase"), "{screen}");
    assert!(!screen.contains("billing"), "{screen}");
    assert!(!screen.contains("still not it"), "echoed: {screen}");
    let a = crate::support::vault::json(&sb.kw(&["audit", "--json", "--action", "unseal"], ""));
    assert_eq!(a.as_array().unwrap().len(), 3);
}

#[test]
fn with_stdin_redirected_the_passphrase_is_asked_on_the_terminal() {
    // The README's own step: `keyward secret set P/N < key.txt` in a terminal.
    let sb = vault();
    let file = sb.dir.path().join("key.txt");
    std::fs::write(&file, "from-the-file\n").unwrap();
    let Some(mut t) = Tty::spawn(
        &sb,
        &format!("secret set billing/filed < '{}'", file.display()),
    ) else {
        return;
    };
    t.expect("passphrase: ");
    t.type_line(PASS);
    let (success, screen) = t.finish();
    assert!(success, "{screen}");
    assert!(screen.contains("created, version 1"), "{screen}");
    assert!(
        !screen.contains(PASS),
        "the passphrase was echoed: {screen}"
    );
    assert_eq!(
        ok(&sb.kw(&["secret", "get", "billing/filed"], "")),
        "from-the-file\n"
    );
}

#[test]
fn with_no_terminal_at_all_the_passphrase_error_says_what_to_do() {
    let sb = vault();
    // setsid: no controlling terminal, stdin a pipe.
    let o = std::process::Command::new("setsid")
        .args(["-w", env!("CARGO_BIN_EXE_keyward"), "project", "list"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sb.dir.path())
        .env("KEYWARD_VAULT", &sb.path)
        .stdin(std::process::Stdio::piped())
        .output();
    let Ok(o) = o else {
        crate::support::skip::skip(
            "with_no_terminal_at_all_the_passphrase_error_says_what_to_do",
            "util-linux `setsid` is not installed",
        );
        return;
    };
    crate::support::vault::fails(&o, "no passphrase: set KEYWARD_PASSPHRASE");
}
