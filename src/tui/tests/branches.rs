//! Branches in the dashboard (issue 14): the targets screen shows a followed target's
//! branches under it (name, git branch, preview or persistent, status), and `b` turns
//! following on or off through the same change as `keyward branch watch | unwatch`.

use super::{H, SIZES, app, states, states_vault};
use crate::vault::{BranchInfo, BranchWatch, ListedBranch};

const PROD: &str = "prodrefabcdefghijklm";

fn listed(r: &str, name: &str, git: &str, ready: bool) -> ListedBranch {
    ListedBranch {
        project_ref: r.into(),
        is_default: false,
        info: BranchInfo {
            name: name.into(),
            git_branch: Some(git.into()),
            status: if ready {
                "FUNCTIONS_DEPLOYED"
            } else {
                "CREATING_PROJECT"
            }
            .into(),
            ready,
            ..BranchInfo::default()
        },
    }
}

/// The states vault with production following `feat/*`: one branch seeded, one being
/// created.
fn with_branches(w: u16, h: u16) -> H {
    let dir = tempfile::tempdir().unwrap();
    let v = states_vault(&dir);
    v.write(|tx| {
        tx.watch_branches(
            PROD,
            Some(BranchWatch {
                pattern: Some("feat/*".into()),
            }),
        )?;
        let found = [
            listed("featloginabcdefghijk", "feat-login", "feat/login", true),
            listed("featpayabcdefghijklm", "feat-pay", "feat/pay", false),
        ];
        tx.reconcile_branches(PROD, &found, None, false).map(drop)
    })
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tui = crate::tui::runner::Tui::detached(ratatui::backend::TestBackend::new(w, h), app(), v)
        .unwrap();
    H::ready(rt, tui, dir)
}

#[test]
fn the_targets_screen_shows_branches_under_their_parent() {
    for (w, h, size) in SIZES {
        let mut t = with_branches(w, h);
        t.keys(&["T"]);
        let s = t.screen();
        let parent = s.lines().position(|l| l.contains("branches feat/*"));
        let child = s.lines().position(|l| l.contains("↳ branch feat-login"));
        assert!(
            parent.is_some() && child.is_some() && parent < child,
            "the branch is not under its parent:\n{s}"
        );
        if w >= 120 {
            assert!(s.contains("waiting to be ready"), "{s}");
        }
        insta::assert_snapshot!(format!("targets_branches@{size}"), s);
    }
}

#[test]
fn b_follows_a_targets_branches_and_stops() {
    let mut t = states(80, 24);
    // Connection, then production.
    t.keys(&["T", "down", "b"]);
    let r = t.vault().read().unwrap().target(PROD).unwrap();
    assert_eq!(r.branches, Some(BranchWatch::default()));
    assert!(t.screen().contains("follows its branches"));
    t.keys(&["b"]);
    let r = t.vault().read().unwrap().target(PROD).unwrap();
    assert_eq!(r.branches, None);
    // On a branch row it says where to act.
    let mut t = with_branches(80, 24);
    t.keys(&["T", "down", "down", "b"]);
    assert!(t.screen().contains("is a branch of"), "{}", t.screen());
}
