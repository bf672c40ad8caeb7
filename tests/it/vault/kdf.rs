//! The passphrase's scrypt cost is chosen, not left to age's calibration: a fixed
//! default, a flag on `init` and `passphrase change`, a floor that only an explicitly
//! insecure test switch goes below, and `keyward info` to see it.

use crate::attach::Owner;
use crate::support::vault::{PASS, Sandbox, fails, json, ok};

/// `keyward ARGS` without the suite's insecure KDF switch.
fn kw_real_kdf(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut all = vec![
        ("KEYWARD_PASSPHRASE", PASS),
        ("KEYWARD_INSECURE_KDF_WORK_FACTOR", ""),
    ];
    all.extend_from_slice(env);
    sb.kw_env(args, "", &all)
}

#[test]
fn init_uses_the_flag_the_env_or_the_default_and_info_shows_it() {
    // 17 is the cheapest a user may choose (and the quickest to test).
    let sb = Sandbox::new();
    let out = sb.run(
        &["init", "--kdf-work-factor", "17"],
        "",
        &[("KEYWARD_PASSPHRASE", PASS)],
        true,
    );
    ok(&out);
    let info = json(&sb.kw(&["info", "--json"], ""));
    assert_eq!(info["kdf"]["algorithm"], "scrypt");
    assert_eq!(info["kdf"]["work_factor"], 17);
    assert_eq!(info["kdf"]["memory_mib"], 128);
    assert_eq!(info["recipients"], 0);
    assert_eq!(info["owner"], serde_json::Value::Null);
    let text = ok(&sb.kw(&["info"], ""));
    assert!(
        text.contains("work factor 17: 128 MiB per unseal"),
        "{text}"
    );

    // Below the floor: refused with the way out, from the flag and from the env.
    let sb2 = Sandbox::new();
    fails(
        &kw_real_kdf(&sb2, &["init", "--kdf-work-factor", "12"], &[]),
        "12 is not in 17..=22",
    );
    fails(
        &kw_real_kdf(&sb2, &["init"], &[("KEYWARD_KDF_WORK_FACTOR", "10")]),
        "KEYWARD_KDF_WORK_FACTOR=\"10\" is not a number from 17 to 22",
    );
    assert!(!sb2.path.exists());

    // passphrase change re-wraps at another cost.
    ok(&sb.kw_env(
        &["passphrase", "change", "--kdf-work-factor", "18"],
        "",
        &[
            ("KEYWARD_PASSPHRASE", PASS),
            ("KEYWARD_NEW_PASSPHRASE", PASS),
        ],
    ));
    let info = json(&sb.kw(&["info", "--json"], ""));
    assert_eq!(info["kdf"]["work_factor"], 18);
    assert_eq!(info["kdf"]["memory_mib"], 256);
}

#[test]
fn the_suite_s_cheap_factor_is_flagged_and_info_needs_no_passphrase_even_through_an_owner() {
    let sb = Sandbox::new();
    let out = sb.kw(&["init"], "");
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("KEYWARD_INSECURE_KDF_WORK_FACTOR=4: this passphrase is cheap to guess"),
        "{err}"
    );
    let text = ok(&sb.kw_env(&["info"], "", &[]));
    assert!(text.contains("INSECURE"), "{text}");

    let daemon = Owner::daemon(&sb);
    let info = json(&sb.kw_env(&["info", "--json"], "", &[]));
    assert_eq!(info["kdf"]["work_factor"], 4);
    assert_eq!(info["owner"]["command"], "keyward daemon");
    assert_eq!(info["owner"]["sealed"], false);
    drop(daemon);
}
