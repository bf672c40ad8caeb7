//! Following branches from the command line: `target add --with-branches`, `branch
//! watch --branches PATTERN`, a per-branch override, `branch seed` before a branch is
//! ready, plan and drift on a branch, status grouped under the parent.

use super::*;
use crate::support::emulator::{self as emus, REF_A};
use crate::support::vault::{fails, json};

#[test]
fn target_add_with_branches_seeds_every_preview_branch_and_follows_changes() {
    let emu = emus::start();
    let b1 = branch(&emu, REF_A, "feat-login", "feat/login", 0);
    let b2 = branch(&emu, REF_A, "fix-typo", "fix/typo", 0);
    let sb = connected(&emu);
    let out = ok(&kw(&sb, &["target", "add", REF_A, "--with-branches"], ""));
    assert!(out.contains("follows its branches"), "{out}");
    ok(&kw(&sb, &["map", "app/k", "--to", REF_A], ""));
    // The mapping made to the parent reached both branches, pushed by the command.
    for r in [REF_A, &b1, &b2] {
        assert_eq!(
            remote(&emu, r).get("K").map(String::as_str),
            Some("v1"),
            "{r}"
        );
    }
    ok(&kw(&sb, &["secret", "set", "app/k"], "v2"));
    for r in [REF_A, &b1, &b2] {
        assert_eq!(
            remote(&emu, r).get("K").map(String::as_str),
            Some("v2"),
            "{r}"
        );
    }
    // Status groups the branches under their parent; the default branch is the parent.
    let st = json(&kw(&sb, &["status", "--json"], ""));
    let refs: Vec<&str> = st["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs[0], REF_A);
    assert_eq!(refs.len(), 3, "{refs:?}");
    assert_eq!(st["targets"][0]["branches"], "*");
    assert_eq!(st["targets"][1]["branch"]["parent"], REF_A);
    assert_eq!(st["targets"][1]["branch"]["name"], "feat-login");
    assert_eq!(st["targets"][1]["branch"]["git_branch"], "feat/login");
    assert_eq!(st["targets"][1]["branch"]["persistent"], false);
    let text = ok(&kw(&sb, &["status"], ""));
    assert!(
        text.contains(&format!(
            "  {b1} (branch feat-login of {REF_A}: git feat/login, preview, FUNCTIONS_DEPLOYED)"
        )),
        "{text}"
    );
    // Unmapping at the parent deletes on the branches too (keyward's own variables).
    ok(&kw(&sb, &["unmap", "app/k", "--from", REF_A], ""));
    for r in [REF_A, &b1, &b2] {
        assert!(!remote(&emu, r).contains_key("K"), "{r}");
    }
}

#[test]
fn a_pattern_excludes_a_branch_which_is_never_written() {
    let emu = emus::start();
    let feat = branch(&emu, REF_A, "feat-login", "feat/login", 0);
    let fix = branch(&emu, REF_A, "fix-typo", "fix/typo", 0);
    let sb = connected(&emu);
    ok(&kw(&sb, &["target", "add", REF_A], ""));
    ok(&kw(&sb, &["map", "app/k", "--to", REF_A], ""));
    emu.control().set_recording(true);
    let out = ok(&kw(
        &sb,
        &["branch", "watch", REF_A, "--branches", "feat/*"],
        "",
    ));
    assert!(out.contains("seeded 1 branch(es)"), "{out}");
    assert_eq!(remote(&emu, &feat).get("K").map(String::as_str), Some("v1"));
    assert!(remote(&emu, &fix).is_empty());
    let touched_fix = emu
        .control()
        .recorded()
        .iter()
        .any(|x| x.path.contains(&fix));
    assert!(!touched_fix, "the excluded branch was never asked anything");
    let list = json(&kw(&sb, &["branch", "list", REF_A, "--json"], ""));
    assert_eq!(list["pattern"], "feat/*");
    let names: Vec<&str> = list["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["feat-login"]);
    // Seeding an excluded branch says why, and writes nothing.
    fails(
        &kw(&sb, &["branch", "seed", REF_A, "fix-typo"], ""),
        "does not match",
    );
    assert!(remote(&emu, &fix).is_empty());
    // Unwatching forgets the branch without deleting there.
    ok(&kw(&sb, &["branch", "unwatch", REF_A], ""));
    assert_eq!(remote(&emu, &feat).get("K").map(String::as_str), Some("v1"));
    let st = json(&kw(&sb, &["status", "--json"], ""));
    assert_eq!(st["targets"].as_array().unwrap().len(), 1);
}

#[test]
fn a_per_branch_override_pushes_the_other_value_and_can_be_ended() {
    let emu = emus::start();
    let b = branch(&emu, REF_A, "feat-pay", "feat/pay", 0);
    let sb = connected(&emu);
    ok(&kw(&sb, &["secret", "set", "app/k-test"], "test value"));
    ok(&kw(&sb, &["target", "add", REF_A, "--with-branches"], ""));
    ok(&kw(&sb, &["map", "app/k", "--to", REF_A], ""));
    let out = ok(&kw(
        &sb,
        &[
            "map",
            "app/k",
            "--to",
            REF_A,
            "--branch",
            "feat-pay",
            "--from",
            "app/k-test",
        ],
        "",
    ));
    assert!(out.contains("K get(s) the value of app/k-test"), "{out}");
    assert_eq!(
        remote(&emu, &b).get("K").map(String::as_str),
        Some("test value")
    );
    assert_eq!(remote(&emu, REF_A).get("K").map(String::as_str), Some("v1"));
    // A new value of the parent's secret leaves the branch's override alone; the
    // override's own secret moves it.
    ok(&kw(&sb, &["secret", "set", "app/k"], "v2"));
    ok(&kw(&sb, &["secret", "set", "app/k-test"], "test 2"));
    assert_eq!(
        remote(&emu, &b).get("K").map(String::as_str),
        Some("test 2")
    );
    assert_eq!(remote(&emu, REF_A).get("K").map(String::as_str), Some("v2"));
    let list = ok(&kw(&sb, &["branch", "list", REF_A], ""));
    assert!(list.contains("app/k overridden by app/k-test"), "{list}");
    // What a branch gets through its parent is changed at the parent, not on it.
    fails(
        &kw(&sb, &["unmap", "app/k-test", "--from", &b], ""),
        "through its parent",
    );
    // Ended: the parent's value again.
    ok(&kw(
        &sb,
        &["unmap", "app/k", "--from", REF_A, "--branch", "feat-pay"],
        "",
    ));
    assert_eq!(remote(&emu, &b).get("K").map(String::as_str), Some("v2"));
    // An override goes with the parent's mapping it overrides: K leaves the branch.
    let over = |branch: &str| {
        kw(
            &sb,
            &[
                "map",
                "app/k",
                "--to",
                REF_A,
                "--branch",
                branch,
                "--from",
                "app/k-test",
            ],
            "",
        )
    };
    ok(&over("feat/pay"));
    assert_eq!(
        remote(&emu, &b).get("K").map(String::as_str),
        Some("test 2")
    );
    ok(&kw(&sb, &["unmap", "app/k", "--from", REF_A], ""));
    assert!(!remote(&emu, &b).contains_key("K"));
    assert!(!remote(&emu, REF_A).contains_key("K"));
    let list = ok(&kw(&sb, &["branch", "list", REF_A], ""));
    assert!(!list.contains("overridden"), "{list}");
    fails(&over("feat/pay"), "is not mapped to");
    fails(
        &kw(
            &sb,
            &[
                "map",
                "app/k",
                "--to",
                REF_A,
                "--branch",
                "nope",
                "--from",
                "app/k-test",
            ],
            "",
        ),
        "no followed branch nope",
    );
}

#[test]
fn seed_pushes_a_branch_before_it_reports_ready() {
    let emu = emus::start();
    let sb = connected(&emu);
    ok(&kw(&sb, &["target", "add", REF_A, "--with-branches"], ""));
    ok(&kw(&sb, &["map", "app/k", "--to", REF_A], ""));
    // Created by CI a moment ago: still CREATING_PROJECT for a minute.
    let b = branch(&emu, REF_A, "pr-7", "feat/seven", 60_000);
    let list = ok(&kw(&sb, &["branch", "list", REF_A], ""));
    assert!(!list.contains(&b), "not listed before a listing: {list}");
    ok(&kw(&sb, &["branch", "seed", REF_A, "pr-7"], ""));
    assert_eq!(remote(&emu, &b).get("K").map(String::as_str), Some("v1"));
    // By git branch too; already seeded, nothing more is written.
    let out = ok(&kw(&sb, &["branch", "seed", REF_A, "feat/seven"], ""));
    assert!(out.contains("already had its secrets"), "{out}");
    fails(
        &kw(&sb, &["branch", "seed", REF_A, "no-such-branch"], ""),
        "has no branch no-such-branch",
    );
}

#[test]
fn plan_and_drift_cover_a_branch_like_any_target() {
    let emu = emus::start();
    let b = branch(&emu, REF_A, "feat-x", "feat/x", 0);
    let sb = connected(&emu);
    ok(&kw(&sb, &["target", "add", REF_A, "--with-branches"], ""));
    ok(&kw(&sb, &["map", "app/k", "--to", REF_A], ""));
    // Edited on the branch by hand: drift says so for the branch only.
    emu.world(|w| {
        w.projects
            .get_mut(&b)
            .unwrap()
            .secrets
            .get_mut("K")
            .unwrap()
            .value = "by hand".into();
    });
    let d = json(&kw(&sb, &["drift", &b, "--json"], ""));
    assert_eq!(d[0]["target"], b.as_str());
    assert_eq!(d[0]["drifted"], serde_json::json!(["K"]));
    let d = json(&kw(&sb, &["drift", REF_A, "--json"], ""));
    assert_eq!(d[0]["drifted"], serde_json::json!([]));
    // A queued change shows in the plan of the parent and of the branch.
    ok(&kw(&sb, &["--no-push", "secret", "set", "app/k"], "v2"));
    let plans = json(&kw(&sb, &["sync", "--plan", "--json"], ""));
    let of = |r: &str| {
        plans
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["target"] == r)
            .cloned()
            .unwrap_or_else(|| panic!("no plan for {r}: {plans}"))
    };
    let order: Vec<&str> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [REF_A, b.as_str()],
        "the branch right after its parent"
    );
    assert!(of(&b).to_string().contains("\"K\""), "{}", of(&b));
    assert!(of(REF_A).to_string().contains("\"K\""), "{}", of(REF_A));
}

#[test]
fn a_failing_branch_never_marks_its_parent_unhealthy() {
    let emu = emus::start();
    let b = branch(&emu, REF_A, "feat-y", "feat/y", 0);
    let sb = connected(&emu);
    ok(&kw(&sb, &["target", "add", REF_A, "--with-branches"], ""));
    ok(&kw(&sb, &["map", "app/k", "--to", REF_A], ""));
    // The branch's project stops answering (its branch is still listed).
    emu.world(|w| w.projects.remove(&b));
    let out = kw(&sb, &["secret", "set", "app/k"], "v2");
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("queued for target {b}")), "{err}");
    assert_eq!(remote(&emu, REF_A).get("K").map(String::as_str), Some("v2"));
    let st = json(&kw(&sb, &["status", "--json"], ""));
    let row = |r: &str| {
        st["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["ref"] == r)
            .cloned()
            .unwrap()
    };
    assert_eq!(row(REF_A)["healthy"], true);
    assert_eq!(row(REF_A)["consecutive_failures"], 0);
    assert!(
        row(&b)["consecutive_failures"].as_u64().unwrap() >= 1,
        "{st}"
    );
    assert!(row(&b)["last_error"].is_string(), "{st}");
}
