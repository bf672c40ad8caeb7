//! `keyward rotation run` killed (SIGKILL) at random points, over and over, through the
//! real binary against the emulator: an API key rotation never has more than two of its
//! keys alive, and a signing key rotation is recovered by the next run with every key on
//! the project accounted for.

use std::time::Duration;

use keyward::supabase::api::SigningKeyStatus;
use keyward::supabase::emulator::Emulator;
use keyward::vault::{Phase, SigningPhase};
use rand::Rng;

use super::keys::live_keys;
use super::rig::Rig;
use crate::support::emulator::REF_A;
use crate::support::vault::ok;

/// Runs `rotation run NAME` and kills it, watching the project all along (every 2 ms
/// `look` lists the keys and checks what must always hold): either at a random time, or
/// a random 0 to `after_create` ms after the run's first new key appears (the steps right after a
/// creation are where keys could pile up or be lost). True when it was still running.
fn watch_and_kill(
    rig: &Rig,
    name: &str,
    rng: &mut impl Rng,
    after_create: Option<u64>,
    look: &dyn Fn() -> Vec<String>,
) -> bool {
    let before = look();
    let mut child = rig.sb.spawn(&["rotation", "run", name], &rig.env());
    let now = std::time::Instant::now;
    let mut deadline = match after_create {
        Some(_) => now() + Duration::from_secs(10),
        None => now() + Duration::from_millis(rng.gen_range(0..700)),
    };
    let mut armed = after_create.is_none();
    loop {
        let keys = look();
        if !armed && keys.iter().any(|k| !before.contains(k)) {
            armed = true;
            deadline = now() + Duration::from_millis(rng.gen_range(0..after_create.unwrap_or(1)));
        }
        if now() >= deadline || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    running
}

#[test]
fn repeated_kills_during_an_api_key_rotation_never_leave_more_than_two_keys_alive() {
    let rig = Rig::new();
    // Every call takes a while, so kills land between any two steps.
    rig.emu.control().set_latency(Duration::from_millis(25));
    ok(&rig.kw(
        &[
            "rotation",
            "add",
            "api",
            "--target",
            REF_A,
            "--key-type",
            "secret",
            "--every-days",
            "7",
            "--manual-only",
        ],
        "",
    ));
    let mut rng = rand::thread_rng();
    let most = std::cell::Cell::new(0);
    let look = || {
        let alive = live_keys(&rig.emu, "api");
        most.set(most.get().max(alive.len()));
        assert!(
            alive.len() <= 2,
            "{} of the rotation's keys alive at once: {alive:?}",
            alive.len()
        );
        alive
    };
    let (mut mid_run, mut mid_attempt) = (0, 0);
    for round in 0..40 {
        mid_run += usize::from(watch_and_kill(
            &rig,
            "api",
            &mut rng,
            (round % 2 == 0).then_some(150),
            &look,
        ));
        let v = rig.sb.open();
        let r = v.read().unwrap().key_rotation("api").unwrap();
        if !matches!(r.state.phase, Phase::Idle) || r.state.cleanup_pending() {
            mid_attempt += 1;
        }
    }
    assert!(
        mid_run >= 3,
        "too few kills landed mid-run ({mid_run}): make the run longer"
    );
    // A run left alone finishes, and the project holds exactly the rotation's keys.
    ok(&rig.kw(&["rotation", "run", "api"], ""));
    let alive = live_keys(&rig.emu, "api");
    let v = rig.sb.open();
    let r = v.read().unwrap().key_rotation("api").unwrap();
    let mut known: Vec<String> = r.live_keys().into_iter().map(|k| k.name).collect();
    let mut alive_sorted = alive.clone();
    known.sort();
    alive_sorted.sort();
    assert_eq!(alive_sorted, known);
    assert!(alive.len() <= 2);
    eprintln!(
        "40 kills ({mid_run} mid-run, {mid_attempt} mid-attempt): at most {} of the rotation's keys alive",
        most.get()
    );
}

fn signing_keys(e: &Emulator) -> Vec<(String, SigningKeyStatus)> {
    e.world(|w| {
        w.projects[REF_A]
            .signing_keys
            .iter()
            .map(|k| (k.id.clone(), k.status))
            .collect()
    })
}

#[test]
fn a_signing_key_rotation_killed_at_random_points_is_recovered_by_the_next_run() {
    let rig = Rig::new();
    rig.emu.control().set_latency(Duration::from_millis(25));
    ok(&rig.kw(
        &[
            "rotation",
            "add",
            "sig",
            "--target",
            REF_A,
            "--key-type",
            "signing",
            "--algorithm",
            "ES256",
            "--every-days",
            "7",
            "--manual-only",
        ],
        "",
    ));
    let mut rng = rand::thread_rng();
    let look = || {
        let keys = signing_keys(&rig.emu);
        let count = |s| keys.iter().filter(|(_, st)| *st == s).count();
        assert!(count(SigningKeyStatus::InUse) <= 1, "{keys:?}");
        assert!(count(SigningKeyStatus::Standby) <= 1, "{keys:?}");
        keys.into_iter().map(|(id, _)| id).collect()
    };
    let (mut mid_run, mut interrupted) = (0, 0);
    for round in 0..25 {
        mid_run += usize::from(watch_and_kill(
            &rig,
            "sig",
            &mut rng,
            (round % 2 == 0).then_some(40),
            &look,
        ));
        let v = rig.sb.open();
        let r = v.read().unwrap().signing_rotation("sig").unwrap();
        if !matches!(r.state.phase, SigningPhase::Idle) {
            interrupted += 1;
        }
    }
    assert!(
        mid_run >= 3 && interrupted > 0,
        "too few kills landed mid-way ({mid_run} runs, {interrupted} mid-step): make the run longer"
    );
    // The next run recovers, then rotates.
    let out = ok(&rig.kw(&["rotation", "run", "sig"], ""));
    assert!(out.contains("ES256"), "{out}");
    let v = rig.sb.open();
    let rd = v.read().unwrap();
    let r = rd.signing_rotation("sig").unwrap();
    assert!(matches!(r.state.phase, SigningPhase::Idle));
    let keys = signing_keys(&rig.emu);
    let in_use: Vec<&String> = keys
        .iter()
        .filter(|(_, s)| *s == SigningKeyStatus::InUse)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(in_use, [&r.state.current.as_ref().unwrap().id]);
    assert!(
        keys.iter().all(|(_, s)| *s != SigningKeyStatus::Standby),
        "a standby key was left behind: {keys:?}"
    );
    // Every key on the project is one the rotation knows: nothing made twice, nothing
    // lost track of.
    let known = r.known_ids();
    for (id, status) in &keys {
        assert!(
            known.contains(&id.as_str()),
            "{id} ({status:?}) is unknown to the rotation"
        );
    }
    let recovered = rd
        .audit_entries(Some("signing-rotation-recover"))
        .unwrap()
        .len();
    assert!(recovered > 0, "no run had to recover");
    let current = r.state.current.clone().unwrap().id;
    drop(rd);
    drop(v);
    // status --json shows it beside the API key rotations.
    let st = crate::support::vault::json(&rig.kw(&["status", "--json"], ""));
    let row = st["rotations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "sig")
        .cloned()
        .unwrap();
    assert_eq!(row["key_type"], "signing");
    assert_eq!(row["current_key"]["id"], current);
    eprintln!(
        "25 kills ({mid_run} mid-run, {interrupted} mid-step, {recovered} recoveries): {} signing keys, all known",
        keys.len()
    );
}
