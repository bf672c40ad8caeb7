//! The real `keyward emulator` binary: first stdout line is the base URL, then it serves.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use keyward::supabase::ClientConfig;
use keyward::supabase::api::NewSecret;

use crate::support::emulator as emu;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .arg("emulator")
        .args(args)
        .env_remove("KEYWARD_EMULATOR_TOKENS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run keyward emulator");
    let stdout = child.stdout.take().unwrap();
    let guard = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    (guard, line.trim().to_owned())
}

#[tokio::test]
async fn keyward_emulator_prints_its_url_first_and_serves_the_api() {
    let tokens = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        tokens.path(),
        format!("# test tokens\n{}\n", emu::OTHER_TOKEN),
    )
    .unwrap();
    let project = format!("{}:billing-api:acme", emu::REF_A);
    let (_child, url) = spawn(&[
        "--token",
        emu::TOKEN,
        "--tokens-file",
        tokens.path().to_str().unwrap(),
        "--project",
        &project,
        "--fail-next",
        "GET /v1/organizations=1:503",
    ]);
    assert!(url.starts_with("http://127.0.0.1:"), "first line: {url:?}");
    let config = ClientConfig {
        instance_url: url.clone(),
        project_url_template: format!("{url}/_projects/{{ref}}"),
        ..ClientConfig::default()
    };
    let c = emu::client_with(config.clone(), emu::TOKEN);
    let projects = c.list_projects().await.unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].name, "billing-api");
    assert_eq!(projects[0].organization_slug, "acme");
    c.upsert_secrets(emu::REF_A, &[NewSecret::new("FROM_TEST", "1")])
        .await
        .unwrap();
    assert!(c.list_organizations().await.is_err(), "--fail-next applied");
    assert_eq!(c.list_organizations().await.unwrap()[0].slug, "acme");
    // The token from the file works too.
    emu::client_with(config, emu::OTHER_TOKEN)
        .list_projects()
        .await
        .unwrap();
}

#[test]
fn keyward_emulator_refuses_bad_flags_with_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["emulator", "--project", "short:name"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("20 lowercase letters"), "{err}");
}

#[tokio::test]
async fn keyward_emulator_without_flags_serves_the_demo_data() {
    use keyward::supabase::emulator::seed::{DEMO_SCOPED_TOKEN, DEMO_STAGING_REF, DEMO_TOKEN};
    let (_child, url) = spawn(&[]);
    let config = ClientConfig {
        instance_url: url,
        ..ClientConfig::default()
    };
    assert_eq!(
        emu::client_with(config.clone(), DEMO_TOKEN)
            .list_projects()
            .await
            .unwrap()
            .len(),
        2
    );
    let scoped = emu::client_with(config, DEMO_SCOPED_TOKEN);
    scoped.validate_token(Some(DEMO_STAGING_REF)).await.unwrap();
}

#[tokio::test]
async fn keyward_emulator_state_survives_a_kill_and_flags_revoke_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let project = format!("{}:web", emu::REF_B);
    let config = |url: &str| ClientConfig {
        instance_url: url.to_owned(),
        ..ClientConfig::default()
    };
    {
        let (_child, url) = spawn(&[
            "--token",
            emu::TOKEN,
            emu::OTHER_TOKEN,
            "--revoke",
            emu::OTHER_TOKEN,
            "--project",
            &project,
            "--state",
            state_arg,
        ]);
        let c = emu::client_with(config(&url), emu::TOKEN);
        c.upsert_secrets(emu::REF_B, &[NewSecret::new("SURVIVES", "yes")])
            .await
            .unwrap();
        let revoked = emu::client_with(config(&url), emu::OTHER_TOKEN);
        assert!(matches!(
            revoked.list_projects().await,
            Err(keyward::supabase::Error::Unauthorized { .. })
        ));
    } // killed (SIGKILL) here
    let (_child, url) = spawn(&["--state", state_arg]);
    let list = emu::client_with(config(&url), emu::TOKEN)
        .list_secrets(emu::REF_B)
        .await
        .unwrap();
    assert!(list.iter().any(|s| s.name == "SURVIVES"));
    assert!(
        emu::client_with(config(&url), emu::OTHER_TOKEN)
            .list_projects()
            .await
            .is_err()
    );
}
