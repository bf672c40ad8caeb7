//! `keyward daemon --sealed` starts with nothing secret on disk or in its environment,
//! refuses every request until `keyward unseal` (from another process, as from an SSH
//! session) gives it the key, and `keyward seal` makes it forget the key again.

use super::{Owner, attached};
use crate::support::vault::{PASS, Sandbox, fails, ok};

#[test]
fn a_sealed_daemon_waits_for_unseal_and_seal_wipes_the_key() {
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    ok(&sb.kw(&["project", "add", "app"], ""));
    ok(&sb.kw(&["secret", "set", "app/token"], "t0k3n\n"));
    let daemon = Owner::start(&sb, &["daemon", "--sealed"], &[]);
    daemon.wait_log("is sealed: run `keyward unseal`");

    // Nothing secret in the daemon's argv or environment, ever.
    let pid = daemon.pid();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    for (what, bytes) in [("argv", &cmdline), ("environment", &environ)] {
        assert!(
            !crate::support::vault::contains(bytes, PASS.as_bytes()),
            "the passphrase is in the daemon's {what}"
        );
        assert!(
            !crate::support::vault::contains(bytes, b"KEYWARD_PASSPHRASE"),
            "the daemon's {what} names a passphrase"
        );
    }

    // Sealed: every command is refused with what to do, nothing is opened directly.
    fails(
        &attached(&sb, &["status"], ""),
        "sealed: run `keyward unseal`",
    );
    fails(
        &sb.kw(&["secret", "get", "app/token"], ""),
        "sealed: run `keyward unseal`",
    );
    // A wrong passphrase is refused and audited later; the daemon stays sealed.
    let wrong = sb.run(&["unseal"], "", &[("KEYWARD_PASSPHRASE", "nope")], true);
    fails(&wrong, "wrong passphrase");
    let o = ok(&sb.kw(&["unseal"], ""));
    assert!(
        o.contains("unsealed") && o.contains("keyward daemon"),
        "{o}"
    );
    daemon.wait_log("unsealed: syncing");
    assert_eq!(
        ok(&attached(&sb, &["secret", "get", "app/token"], "")),
        "t0k3n\n"
    );
    // Unsealing twice is fine.
    assert!(ok(&sb.kw(&["unseal"], "")).contains("already unsealed"));

    let o = ok(&attached(&sb, &["seal"], ""));
    assert!(o.contains("has forgotten the key"), "{o}");
    daemon.wait_log("sealed: the key is wiped from memory");
    fails(
        &attached(&sb, &["secret", "get", "app/token"], ""),
        "sealed",
    );
    // And back, from the identity-less passphrase prompt's environment twin.
    ok(&sb.kw(&["unseal"], ""));
    assert_eq!(
        ok(&attached(&sb, &["secret", "get", "app/token"], "")),
        "t0k3n\n"
    );
    assert!(daemon.stop().success());

    // The failed unseal reached the audit log, naming the front end that tried.
    let audit = crate::support::vault::json(&sb.kw(&["audit", "--json", "--action", "unseal"], ""));
    let failed = audit.as_array().unwrap();
    assert_eq!(failed.len(), 1, "{audit}");
    assert!(
        failed[0]["via"]
            .as_str()
            .unwrap()
            .contains("keyward unseal"),
        "{audit}"
    );
}

#[test]
fn unseal_and_seal_without_a_daemon_say_so() {
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    fails(&sb.kw(&["unseal"], ""), "no keyward daemon owns this vault");
    fails(&sb.kw(&["seal"], ""), "no keyward daemon owns this vault");
    fails(&sb.kw(&["status", "--watch"], ""), "nothing to follow");
}
