//! Shared helpers: start an emulator, make a vault, run the binary.
#![allow(dead_code)]

pub mod emulator;
pub mod skip;
pub mod tmux;
pub mod vault;

/// Sends SIGTERM to `pid` (our own child) and fails the test if it cannot be sent: no
/// `kill` binary needed, and a test never waits for a child nobody signalled.
#[track_caller]
pub fn sigterm(pid: u32) {
    signal(pid, rustix::process::Signal::TERM);
}

/// SIGKILL, likewise.
#[track_caller]
pub fn sigkill(pid: u32) {
    signal(pid, rustix::process::Signal::KILL);
}

/// Sends `sig` to `pid`, failing the test if it cannot be sent.
#[track_caller]
pub fn signal(pid: u32, sig: rustix::process::Signal) {
    let p = rustix::process::Pid::from_raw(pid as i32).expect("a child's pid is positive");
    if let Err(e) = rustix::process::kill_process(p, sig) {
        panic!("cannot signal pid {pid}: {e}");
    }
}
