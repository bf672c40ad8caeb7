//! One owner, many front ends: a daemon (or serve, or a dashboard) owns the vault and
//! every other keyward process attaches to it over the vault's socket.

mod dashboard;
mod delta;
mod log;
mod parity;
mod sealed;
mod serve;
pub mod uid;
mod wire;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::vault::{PASS, Sandbox, TEST_WORK_FACTOR};

/// A running `keyward daemon` (or `serve`) on a sandbox's vault; killed when dropped.
pub struct Owner {
    pub child: Child,
    /// Every line it wrote on stderr so far.
    pub log: Arc<Mutex<Vec<String>>>,
    /// The first stdout line (serve's address), if any.
    pub first_line: String,
}

/// The environment of the binary in these tests (the sandbox's HOME, no runtime dir, so
/// the socket is beside the vault).
pub fn base_env(sb: &Sandbox, cmd: &mut Command) {
    let home = sb.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("USER", "tester")
        .env("KEYWARD_VAULT", &sb.path)
        .env(
            "KEYWARD_INSECURE_KDF_WORK_FACTOR",
            TEST_WORK_FACTOR.to_string(),
        );
}

impl Owner {
    /// `keyward ARGS` (daemon, serve...) with `env`; waits until it serves its socket.
    pub fn start(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Owner {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
        base_env(sb, &mut cmd);
        cmd.args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, started) = std::sync::mpsc::channel();
        {
            let log = log.clone();
            let err = child.stderr.take().unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines().map_while(Result::ok) {
                    if line.contains("attach at") || line.contains("socket ") {
                        let _ = tx.send(());
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        let mut first_line = String::new();
        if args.first() == Some(&"serve") {
            BufReader::new(child.stdout.as_mut().unwrap())
                .read_line(&mut first_line)
                .unwrap();
        }
        if started.recv_timeout(Duration::from_secs(30)).is_err() {
            let _ = child.kill();
            panic!("{args:?} did not start: {:?}", log.lock().unwrap());
        }
        Owner {
            child,
            log,
            first_line: first_line.trim().to_string(),
        }
    }

    /// `keyward daemon`, unsealed with the test passphrase from its environment.
    pub fn daemon(sb: &Sandbox) -> Owner {
        Owner::start(sb, &["daemon"], &[("KEYWARD_PASSPHRASE", PASS)])
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the log has a line containing `needle` (the deadline guards a hang).
    #[track_caller]
    pub fn wait_log(&self, needle: &str) -> String {
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(l) = self.log.lock().unwrap().iter().find(|l| l.contains(needle)) {
                return l.clone();
            }
            if Instant::now() > end {
                panic!(
                    "no log line with {needle:?}: {:?}",
                    self.log.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then its exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        crate::support::sigterm(self.child.id());
        self.child.wait().unwrap()
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The socket path a daemon's first line names ("... attach at PATH; ...").
#[track_caller]
pub fn socket_in(line: &str) -> String {
    line.split("attach at ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .unwrap_or_else(|| panic!("no socket in {line:?}"))
        .to_string()
}

/// Says `hello` (one JSON line) at the owner's `socket` as a front end would; the
/// owner's first answer line. Every wait has a deadline: an owner that never answers
/// fails the test.
pub fn hello(socket: &str, hello: &str) -> String {
    use std::io::Write;
    let mut s = std::os::unix::net::UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(format!("{hello}\n").as_bytes()).unwrap();
    let mut answer = String::new();
    BufReader::new(&s).read_line(&mut answer).unwrap();
    answer
}

/// A vault whose secret `app/one` (`first-value`) is mapped to REF_A (`alpha`) of `emu`
/// through the connection `main`: what a daemon's log and alerts are shown on.
pub fn one_mapped(emu: &keyward::supabase::emulator::Emulator) -> Sandbox {
    use crate::support::emulator::{ORG, REF_A, TOKEN};
    use keyward::vault::{Cause, SecretValue};
    let sb = Sandbox::new();
    sb.create()
        .write(|tx| {
            tx.add_project("app")?;
            tx.set_value(
                "app",
                "one",
                &SecretValue::simple("first-value"),
                Cause::Edit,
            )?;
            tx.add_connection("main", emu.base_url(), None, TOKEN)?;
            tx.add_target(REF_A, "alpha", ORG, "main")?;
            tx.map("app", "one", REF_A, None, false, None).map(drop)
        })
        .unwrap();
    sb
}

/// `keyward ARGS` with no passphrase anywhere: it can only work attached.
pub fn attached(sb: &Sandbox, args: &[&str], stdin: &str) -> std::process::Output {
    sb.run(args, stdin, &[], true)
}
