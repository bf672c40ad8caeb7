//! A running daemon follows branches: a branch created meanwhile gets its secrets at
//! the next listing, one listing per parent per interval; a branch that waits to be
//! ready is seeded once it is; a branch deleted (or scheduled for deletion) leaves the
//! status without an error and without a write to it.

use std::time::{Duration, Instant};

use super::*;
use crate::support::emulator::{self as emus, REF_A, REF_B};
use crate::support::vault::{PASS, json};

// Long enough that a push slowed by a loaded machine still lands before the next
// listing, so "seeded by the first listing after it appeared" is what is counted.
const POLL_MS: u64 = 1000;

#[track_caller]
fn until(what: &str, f: impl Fn() -> bool) {
    assert!(wait(f), "timed out: {what}");
}

/// Whether `f` came true within 20 s.
fn wait(f: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while !f() {
        if start.elapsed() > Duration::from_secs(20) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

fn branch_refs(sb: &Sandbox) -> Vec<String> {
    let st = json(&kw(sb, &["status", "--json"], ""));
    st["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["branch"].is_object())
        .map(|t| t["ref"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_daemon_seeds_new_branches_and_drops_gone_ones_within_the_rate_budget() {
    let emu = emus::start();
    let sb = connected(&emu);
    ok(&kw(&sb, &["target", "add", REF_A, "--with-branches"], ""));
    ok(&kw(&sb, &["map", "app/k", "--to", REF_A], ""));
    let poll = POLL_MS.to_string();
    let daemon = sb.spawn(
        &["daemon"],
        &[
            ("KEYWARD_PASSPHRASE", PASS),
            ("KEYWARD_BRANCH_POLL_MS", poll.as_str()),
            ("KEYWARD_RETRY_FIRST_MS", "10"),
        ],
    );
    emu.control().reset_counters();
    let started = Instant::now();

    // A new ready branch: seeded by the first listing after it appears.
    let listed_before = emu.control().request_count(LIST);
    let b1 = branch(&emu, REF_A, "feat-a", "feat/a", 0);
    until("b1 seeded", || {
        remote(&emu, &b1).get("K").is_some_and(|v| v == "v1")
    });
    let listings = emu.control().request_count(LIST) - listed_before;
    assert!(
        listings <= 2,
        "{listings} listings before the branch had its secrets"
    );

    // One still being created: followed, seeded once ready.
    let b2 = branch(&emu, REF_A, "feat-b", "feat/b", 3_600_000);
    until("b2 followed", || branch_refs(&sb).contains(&b2));
    assert!(remote(&emu, &b2).is_empty(), "nothing before it is ready");
    emu.world(|w| w.ready_branch(&b2));
    let seeded = wait(|| remote(&emu, &b2).contains_key("K"));
    if !seeded {
        crate::support::sigterm(daemon.id());
        let out = daemon.wait_with_output().unwrap();
        panic!(
            "timed out: b2 seeded; the daemon's log:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // Deleted at once, and scheduled for deletion: both leave the status, and
    // nothing is written to them.
    emu.control().set_recording(true);
    emu.world(|w| w.remove_branch(&b1, false));
    emu.world(|w| w.remove_branch(&b2, true));
    until("both dropped", || branch_refs(&sb).is_empty());
    let writes: Vec<String> = emu
        .control()
        .recorded()
        .iter()
        .filter(|x| x.method != "GET" && (x.path.contains(&b1) || x.path.contains(&b2)))
        .map(|x| format!("{} {}", x.method, x.path))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    assert_eq!(remote(&emu, &b2).get("K").map(String::as_str), Some("v1"));
    let st = json(&kw(&sb, &["status", "--json"], ""));
    assert_eq!(st["targets"][0]["healthy"], true);
    assert_eq!(st["targets"][0]["last_error"], serde_json::Value::Null);

    // The budget: one listing per parent per interval (and one at the start).
    let elapsed = started.elapsed().as_millis() as u64;
    let listings = emu.control().request_count(LIST);
    assert!(
        listings <= elapsed / POLL_MS + 2,
        "{listings} listings in {elapsed} ms at one per {POLL_MS} ms"
    );
    crate::support::sigterm(daemon.id());
    let out = daemon.wait_with_output().unwrap();
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains(&format!("branches of {REF_A} seeded")),
        "{log}"
    );
    assert!(
        !log.contains("branches_failed") && !log.contains("cannot list"),
        "{log}"
    );
}

#[test]
fn commands_attached_to_a_daemon_follow_and_seed_through_it() {
    let emu = emus::start();
    let b = branch(&emu, REF_B, "feat-c", "feat/c", 3_600_000);
    let sb = connected(&emu);
    let daemon = crate::attach::Owner::start(
        &sb,
        &["daemon", "--branch-poll", "3600"],
        &[("KEYWARD_PASSPHRASE", PASS)],
    );
    ok(&kw(&sb, &["target", "add", REF_B, "--with-branches"], ""));
    ok(&kw(&sb, &["map", "app/k", "--to", REF_B], ""));
    // Not ready, and the next listing is an hour away: CI seeds it through the daemon.
    assert!(remote(&emu, &b).is_empty());
    let out = ok(&kw(&sb, &["branch", "seed", REF_B, "feat-c"], ""));
    assert!(out.contains("seeded 1 branch(es)"), "{out}");
    assert_eq!(remote(&emu, &b).get("K").map(String::as_str), Some("v1"));
    assert!(daemon.stop().success());
}
