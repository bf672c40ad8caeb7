//! A rotated secret key carries the privileges of the key it replaces (its JWT
//! template), or the ones the user set; key checks go to the connection's own project
//! URL; and `connect` refuses to send a token in clear to another machine.

use super::rig::Rig;
use crate::support::emulator::{REF_A, TOKEN};
use crate::support::vault::{fails, json, ok};

#[test]
fn secret_keys_keep_the_replaced_keys_template_or_take_the_users() {
    // Key checks reach the emulator only through the connection's --project-url: no
    // KEYWARD_PROJECT_URL_TEMPLATE in the environment.
    let rig = Rig::connected(true);
    let conns = ok(&rig.kw(&["connections"], ""));
    assert!(conns.contains("projects at http://127.0.0.1:"), "{conns}");

    // First key: the project default secret key's template, stated explicitly.
    let out = ok(&rig.add_rotation("api", "secret", &[]));
    assert!(out.contains("template of the key it replaces"), "{out}");
    ok(&rig.kw(&["rotation", "run", "api"], ""));
    assert_eq!(
        rig.key_role("keyward_api_1").as_deref(),
        Some("service_role")
    );

    // Someone gave the current key other privileges: the next key inherits them.
    rig.emu.world(|w| {
        let k = w.projects.get_mut(REF_A).unwrap();
        let k = k.api_keys.iter_mut().find(|k| k.name == "keyward_api_1");
        let t = k.unwrap().secret_jwt_template.as_mut().unwrap();
        t.insert("role".into(), "billing_worker".into());
    });
    ok(&rig.kw(&["rotation", "run", "api"], ""));
    assert_eq!(
        rig.key_role("keyward_api_2").as_deref(),
        Some("billing_worker")
    );

    // The user's own template wins.
    ok(&rig.add_rotation("reader", "secret", &["--template", r#"{"role":"reader"}"#]));
    ok(&rig.kw(&["rotation", "run", "reader"], ""));
    assert_eq!(rig.key_role("keyward_reader_1").as_deref(), Some("reader"));
    // Publishable keys carry no privileges: a template there is refused.
    fails(
        &rig.add_rotation("pub", "publishable", &["--template", r#"{"role":"x"}"#]),
        "template",
    );

    // Shown in the list, status and the keys view.
    let list = json(&rig.kw(&["rotation", "list", "--json"], ""));
    let row = |n: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == n)
            .cloned()
            .unwrap()
    };
    assert_eq!(row("api")["current_template"]["role"], "billing_worker");
    assert_eq!(row("reader")["template"]["role"], "reader");
    let status = json(&rig.kw(&["status", "--json"], ""));
    assert!(
        status["rotations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "reader" && r["current_template"]["role"] == "reader"),
        "{status}"
    );
    let keys = json(&rig.kw(&["target", "keys", REF_A, "--json"], ""));
    let current = keys["api_keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "keyward_api_2")
        .cloned()
        .unwrap();
    assert_eq!(current["template"]["role"], "billing_worker");
    assert_eq!(current["rotation"][0], "api");
    let text = ok(&rig.kw(&["target", "keys", REF_A], ""));
    assert!(text.contains("template {\"role\":\"reader\"}"), "{text}");
}

#[test]
fn connect_refuses_plain_http_to_another_machine_without_insecure_http() {
    let rig = Rig::new();
    let err = fails(
        &rig.kw(
            &["connect", "remote", "--url", "http://api.example.com"],
            &format!("{TOKEN}\n"),
        ),
        "--insecure-http",
    );
    assert!(err.contains("in clear"), "{err}");
    assert!(!err.contains(TOKEN), "{err}");
    // The project URL carries API keys: the same rule.
    let url = rig.emu.base_url().to_string();
    fails(
        &rig.kw(
            &[
                "connect",
                "proxied",
                "--url",
                &url,
                "--project-url",
                "http://{ref}.example.com",
            ],
            &format!("{TOKEN}\n"),
        ),
        "--insecure-http",
    );
    fails(
        &rig.kw(
            &[
                "connect",
                "noref",
                "--url",
                &url,
                "--project-url",
                "https://x.example.com",
            ],
            &format!("{TOKEN}\n"),
        ),
        "{ref}",
    );
    // Nothing was stored; plain http on loopback (the emulator) stays allowed.
    let conns = json(&rig.kw(&["connections", "--json"], ""));
    let names: Vec<&str> = conns
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["main"]);
}
