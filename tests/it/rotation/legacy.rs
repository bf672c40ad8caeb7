//! `keyward legacy-keys`: what still uses a project's legacy anon/service_role keys,
//! disabling them only after a plan and with a check after, and the one-step roll-back.

use super::rig::Rig;
use crate::support::emulator::REF_A;
use crate::support::vault::{fails, json, ok};

fn enabled(rig: &Rig) -> bool {
    rig.emu.world(|w| w.projects[REF_A].legacy_keys_enabled)
}

#[test]
fn legacy_keys_are_disabled_after_a_plan_checked_and_rolled_back_in_one_step() {
    let rig = Rig::new();
    // A vault secret holds the anon key and is mapped to the project.
    let anon = rig.key_value("anon");
    ok(&rig.kw(&["project", "add", "app"], ""));
    ok(&rig.kw(&["secret", "set", "app/anon key"], &anon));
    ok(&rig.kw(&["map", "app/anon key", "--to", REF_A], ""));

    let status = ok(&rig.kw(&["legacy-keys", "status", REF_A], ""));
    assert!(status.contains("enabled (anon, service_role)"), "{status}");
    assert!(
        status.contains("vault secret app/anon key holds the anon key; mapped as ANON_KEY on"),
        "{status}"
    );
    assert!(
        status.contains(&format!("variable ANON_KEY on {REF_A} holds the anon key")),
        "{status}"
    );
    assert!(!status.contains(&anon), "a key value reached the output");
    let j = json(&rig.kw(&["legacy-keys", "status", REF_A, "--json"], ""));
    assert_eq!(j["enabled"], true);
    assert_eq!(j["holders"][0]["secret"], "app/anon key");

    // Without --yes and without a terminal: the plan, and nothing changed.
    let out = rig.kw(&["legacy-keys", "disable", REF_A], "");
    let plan = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(plan.contains("still in use"), "{plan}");
    fails(&out, "nothing changed");
    assert!(enabled(&rig));

    // With --yes: disabled, and the check after says so.
    let done = ok(&rig.kw(&["legacy-keys", "disable", REF_A, "--yes"], ""));
    assert!(
        done.contains("checked: the legacy anon key is refused"),
        "{done}"
    );
    assert!(done.contains("publishable key"), "{done}");
    assert!(!enabled(&rig));
    let st = ok(&rig.kw(&["status"], ""));
    assert!(st.contains("legacy API keys: disabled"), "{st}");
    let st = json(&rig.kw(&["status", "--json"], ""));
    assert_eq!(st["legacy_keys"][0]["target"], REF_A);
    assert_eq!(st["legacy_keys"][0]["enabled"], false);

    // The roll-back, in one step.
    let back = ok(&rig.kw(&["legacy-keys", "enable", REF_A], ""));
    assert!(back.contains("the legacy anon key answers again"), "{back}");
    assert!(enabled(&rig));

    let audit = rig.sb.open();
    let rd = audit.read().unwrap();
    assert_eq!(
        rd.audit_entries(Some("legacy-keys-disable")).unwrap().len(),
        1
    );
    assert_eq!(
        rd.audit_entries(Some("legacy-keys-enable")).unwrap().len(),
        1
    );
}

#[test]
fn a_project_without_a_publishable_key_keeps_its_legacy_keys() {
    let rig = Rig::new();
    rig.emu.world(|w| {
        let p = w.projects.get_mut(REF_A).unwrap();
        p.api_keys
            .retain(|k| k.key_type != keyward::supabase::api::ApiKeyType::Publishable);
    });
    fails(
        &rig.kw(&["legacy-keys", "disable", REF_A, "--yes"], ""),
        "no publishable key",
    );
    assert!(enabled(&rig));
}
