//! Refused access keys on the local API raise one `access_key_refused` alert a minute,
//! at the tenth refusal.

use std::sync::Arc;

use keyward::alerts::{self, Config};

use super::{lines, script};
use crate::serve::{Api, options, seeded};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_refused_keys_raise_one_alert() {
    let (sb, vault) = seeded();
    let out = sb.dir.path().join("alerts.jsonl");
    let hook = script(
        sb.dir.path(),
        "hook.sh",
        &format!("cat >> '{o}'\necho >> '{o}'", o = out.display()),
    );
    let config = Config::parse(&format!(
        "[[alert]]\nname = \"guard\"\non = [\"access_key_refused\"]\nrun = [\"{}\"]\n",
        hook.display()
    ))
    .unwrap();
    let (engine, _task) = keyward::engine::handle::start(vault.clone());
    let running = alerts::start(
        Arc::new(config),
        vault.clone(),
        engine.clone(),
        engine.subscribe(),
    );
    let api = Api::serve_with_engine(sb, vault.clone(), options(), engine).await;
    for _ in 0..25 {
        let (s, _) = api.get("/v1/status", Some("kw_not-a-key")).await;
        assert_eq!(s, 401);
    }
    let v = vault.clone();
    let start = std::time::Instant::now();
    while v
        .read()
        .unwrap()
        .audit_entries(Some(alerts::AUDIT_ACTION))
        .unwrap()
        .is_empty()
    {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "the alert"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let got = lines(&out);
    assert_eq!(
        got.len(),
        1,
        "one alert for 25 refusals in a minute: {got:#?}"
    );
    assert_eq!(got[0]["kind"], "access_key_refused");
    assert!(
        got[0]["message"]
            .as_str()
            .unwrap()
            .contains("refused 10 access key attempt(s)")
    );
    assert!(
        !got[0].to_string().contains("not-a-key"),
        "the presented key is not repeated"
    );
    running.stop();
    api.stop().await;
}
