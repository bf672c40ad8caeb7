//! The daemon runs the alerts of its config file: a push failing in the daemon runs the
//! hook, the delivery is in the daemon's log, and `keyward alert list | test` work
//! attached to it (through its config and its vault).

use super::{lines, script, wait_for};
use crate::attach::{Owner, attached};
use crate::support::emulator::{self as emus, REF_A};
use crate::support::vault::{PASS, json, ok};

#[test]
fn the_daemon_runs_its_alerts_and_alert_commands_attach_to_it() {
    let emu = emus::start();
    let sb = crate::attach::one_mapped(&emu);
    let out = sb.dir.path().join("alerts.jsonl");
    let hook = script(
        sb.dir.path(),
        "hook.sh",
        &format!("cat >> '{o}'\necho >> '{o}'", o = out.display()),
    );
    super::webhook::write_config(
        &sb,
        &format!(
            "[[alert]]\nname = \"pager\"\non = [\"push_failed\"]\nrun = [\"{}\"]\ninterval = \"1h\"\n",
            hook.display()
        ),
    );
    let template = emu.project_url_template();
    let env = [
        ("KEYWARD_PASSPHRASE", PASS),
        ("KEYWARD_PROJECT_URL_TEMPLATE", template.as_str()),
        ("KEYWARD_RETRY_FIRST_MS", "20"),
        ("KEYWARD_RETRY_CAP_MS", "40"),
    ];
    let daemon = Owner::start(&sb, &["daemon"], &env);
    daemon.wait_log("keyward daemon: 1 alert(s) from ");
    daemon.wait_log(&format!("{REF_A}: pushed 1, deleted 0"));

    emu.control().set_fail_rate(1.0);
    ok(&attached(
        &sb,
        &["secret", "set", "app/one"],
        "second-value\n",
    ));
    wait_for("the hook", || !lines(&out).is_empty());
    let a = &lines(&out)[0];
    assert_eq!(a["kind"], "push_failed");
    assert_eq!(a["target"], REF_A);
    assert_eq!(a["variables"], serde_json::json!(["ONE"]));
    daemon.wait_log(&format!(
        "alert pager: push_failed on {REF_A}: delivered (attempt 1)"
    ));

    let listed = json(&attached(&sb, &["alert", "list", "--json"], ""));
    let row = &listed["alerts"][0];
    assert_eq!(row["name"], "pager");
    assert_eq!(row["last_ok"], true, "{listed}");
    assert!(
        listed["file"]
            .as_str()
            .unwrap()
            .ends_with("keyward/config.toml")
    );

    // A test goes through the daemon at once, whatever the interval.
    let said = ok(&attached(&sb, &["alert", "test", "push_failed"], ""));
    assert!(said.contains("delivered (attempt 1)"), "{said}");
    let got = lines(&out);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[1]["test"], true);
    assert!(
        !std::fs::read_to_string(&out)
            .unwrap()
            .contains("second-value")
    );
    daemon.stop();
}
