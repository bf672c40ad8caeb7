//! Sync never removes a value from Supabase that it has not replaced: a rename whose new
//! name is refused keeps the old variable live (and says so, exiting non-zero), and
//! adopting a name keyward found on Supabase pushes the vault's value at once.

use super::cli::{fresh, kw};
use super::scenario::{digests, has};
use super::*;
use crate::support::emulator::{REF_B, TOKEN};
use crate::support::vault::{Sandbox, fails, json, ok};

/// A vault connected to `emu`, target REF_B, `app/OLD_ONE` mapped and pushed.
fn renamable(emu: &Emulator) -> Sandbox {
    let url = emu.base_url().to_string();
    let sb = fresh();
    ok(&kw(&sb, &["connect", "main", "--url", &url], TOKEN));
    ok(&kw(&sb, &["target", "add", REF_B], ""));
    ok(&kw(&sb, &["secret", "set", "app/OLD_ONE"], "live value"));
    ok(&kw(&sb, &["map", "app/OLD_ONE", "--to", REF_B], ""));
    has(&digests(emu, REF_B), "OLD_ONE", "live value");
    sb
}

/// Someone sets `name` on REF_B by hand (in the Supabase dashboard, say).
fn by_hand(emu: &Emulator, name: &str, value: &str) {
    emu.world(|w| {
        w.projects.get_mut(REF_B).unwrap().secrets.insert(
            name.into(),
            keyward::supabase::emulator::SecretRecord {
                value: value.into(),
                updated_at: "2026-01-01T00:00:00Z".into(),
            },
        );
    });
}

fn state_of(sb: &Sandbox, var: &str) -> serde_json::Value {
    let st = json(&kw(sb, &["status", "--json"], ""));
    st["variables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["variable"] == var)
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

#[track_caller]
fn refused_rename_keeps_the_old_variable(emu: &Emulator, sb: &Sandbox) {
    let out = kw(sb, &["secret", "rename", "app/OLD_ONE", "NEW_ONE"], "");
    let line = fails(&out, "refused the new name");
    assert!(line.contains(REF_B) && line.contains("stay live"), "{line}");
    // Supabase still holds the old variable, with its value; nothing was deleted.
    let remote = digests(emu, REF_B);
    has(&remote, "OLD_ONE", "live value");
    assert_eq!(state_of(sb, "OLD_ONE")["state"], "synced");
    let new = state_of(sb, "NEW_ONE");
    assert_eq!(new["state"], "failed", "{new}");
    assert!(
        new["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{new}"
    );
    // A sync later keeps it so while the name is still refused.
    let _ = kw(sb, &["retry"], "");
    has(&digests(emu, REF_B), "OLD_ONE", "live value");
}

#[test]
fn a_rename_supabase_refuses_keeps_the_old_variable_live() {
    let emu = emus::start();
    let sb = renamable(&emu);
    emu.control()
        .update_faults(|f| f.reject_names = vec!["NEW_ONE".into()]);
    refused_rename_keeps_the_old_variable(&emu, &sb);
    // Once Supabase takes the name, renaming again goes through: new there, old gone.
    emu.control().update_faults(|f| f.reject_names.clear());
    ok(&kw(&sb, &["secret", "rename", "app/NEW_ONE", "NEWER"], ""));
    let remote = digests(&emu, REF_B);
    has(&remote, "NEWER", "live value");
    assert!(
        !remote.contains_key("OLD_ONE") && !remote.contains_key("NEW_ONE"),
        "{remote:?}"
    );
}

#[test]
fn a_rename_onto_a_name_set_by_hand_keeps_the_old_variable_live() {
    let emu = emus::start();
    let sb = renamable(&emu);
    by_hand(&emu, "NEW_ONE", "by hand");
    refused_rename_keeps_the_old_variable(&emu, &sb);
    has(&digests(&emu, REF_B), "NEW_ONE", "by hand");
}

#[test]
fn adopting_a_failed_variable_pushes_the_vaults_value() {
    let emu = emus::start();
    let url = emu.base_url().to_string();
    let sb = fresh();
    ok(&kw(&sb, &["connect", "main", "--url", &url], TOKEN));
    ok(&kw(&sb, &["target", "add", REF_B], ""));
    ok(&kw(&sb, &["secret", "set", "app/taken"], "ours"));
    // Mapped while the name was free; then someone sets it by hand on Supabase.
    ok(&kw(
        &sb,
        &["--no-push", "map", "app/taken", "--to", REF_B],
        "",
    ));
    by_hand(&emu, "TAKEN", "hand made");
    ok(&kw(&sb, &["sync"], ""));
    assert_eq!(state_of(&sb, "TAKEN")["state"], "failed");
    has(&digests(&emu, REF_B), "TAKEN", "hand made");
    // Adopting it pushes the vault's value before the command returns.
    let out = kw(&sb, &["map", "app/taken", "--to", REF_B, "--adopt"], "");
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pushed to 1 target(s)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    has(&digests(&emu, REF_B), "TAKEN", "ours");
    assert_eq!(state_of(&sb, "TAKEN")["state"], "synced");
}
