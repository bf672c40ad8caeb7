//! Vault fixtures: a temp vault made through the library, and the real binary run
//! against it with a sandboxed environment (HOME/XDG in the temp dir, cheap scrypt).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use age::secrecy::SecretString;
use keyward::vault::{Clock, InitOptions, Unlock, Vault};

pub const PASS: &str = "correct horse battery staple";
/// Cheap scrypt for tests; decryption accepts whatever factor the file says.
pub const TEST_WORK_FACTOR: u8 = 4;

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.redb");
        Sandbox { dir, path }
    }

    pub fn create(&self) -> Vault {
        self.create_at(Clock::system())
    }

    pub fn create_at(&self, clock: Clock) -> Vault {
        let opts = InitOptions {
            passphrase: SecretString::from(PASS),
            recipients: vec![],
            work_factor: Some(TEST_WORK_FACTOR),
        };
        Vault::create_with(&self.path, &opts, clock).unwrap()
    }

    pub fn open(&self) -> Vault {
        self.open_at(Clock::system())
    }

    pub fn open_at(&self, clock: Clock) -> Vault {
        Vault::open_with(
            &self.path,
            &Unlock::Passphrase(SecretString::from(PASS)),
            clock,
        )
        .unwrap()
    }

    /// Runs `keyward ARGS` on this vault with `stdin`; the passphrase comes from the env.
    pub fn kw(&self, args: &[&str], stdin: &str) -> Output {
        self.kw_env(args, stdin, &[("KEYWARD_PASSPHRASE", PASS)])
    }

    pub fn kw_env(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        self.run(args, stdin, env, true)
    }

    /// Like `kw_env`, optionally without KEYWARD_VAULT (the default location, under the
    /// sandbox's XDG_DATA_HOME).
    pub fn run(
        &self,
        args: &[&str],
        stdin: &str,
        env: &[(&str, &str)],
        with_vault: bool,
    ) -> Output {
        // In its own session, with no controlling terminal: a test run from a terminal
        // must not have keyward prompt on it (it reads passphrases from /dev/tty).
        let cmd = match detached() {
            true => {
                let mut c = Command::new("setsid");
                c.arg("-w").arg(env!("CARGO_BIN_EXE_keyward"));
                c
            }
            false => Command::new(env!("CARGO_BIN_EXE_keyward")),
        };
        let mut child = self.sandboxed(cmd, args, env, with_vault).spawn().unwrap();
        // A command that fails before reading stdin closes it: that is not a test failure.
        match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            r => r.unwrap(),
        }
        child.wait_with_output().unwrap()
    }

    /// Starts `keyward ARGS` on this vault with stdin closed, as the direct child (no
    /// `setsid` in between), so that killing the child kills keyward itself.
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
        let cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
        let mut cmd = self.sandboxed(cmd, args, env, true);
        cmd.stdin(Stdio::null()).stdout(Stdio::null());
        cmd.spawn().unwrap()
    }

    fn sandboxed(
        &self,
        mut cmd: Command,
        args: &[&str],
        env: &[(&str, &str)],
        with_vault: bool,
    ) -> Command {
        let home = self.dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("USER", "tester")
            .env(
                "KEYWARD_INSECURE_KDF_WORK_FACTOR",
                TEST_WORK_FACTOR.to_string(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if with_vault {
            cmd.env("KEYWARD_VAULT", &self.path);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }
}

/// Whether util-linux `setsid` is here to run the binary without a terminal.
fn detached() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| {
        Command::new("setsid")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Asserts success and returns stdout.
#[track_caller]
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "expected success, got {:?}; stderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Asserts failure with exactly one stderr line starting `error: ` and containing
/// `needle`; returns that line.
#[track_caller]
pub fn fails(o: &Output, needle: &str) -> String {
    assert!(
        !o.status.success(),
        "expected failure; stdout: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = String::from_utf8(o.stderr.clone()).unwrap();
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| !l.starts_with("warning: "))
        .collect();
    assert_eq!(lines.len(), 1, "want one error line, got: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[0].contains(needle), "want {needle:?} in: {err}");
    lines[0].to_string()
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(o)).unwrap()
}

pub fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A file's permission bits.
pub fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}
