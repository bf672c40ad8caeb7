//! A real client: the official Supabase CLI (npm `supabase@2.117.0`) against the
//! emulator, through a `--profile` whose `api_url` is the emulator's loopback address.
//! What the CLI reports and what the emulator then holds are both checked, so a shape
//! the emulator invents (and keyward's own client would accept) shows up here.
//!
//! The CLI is found at `KEYWARD_SUPABASE_CLI`, else where `.ci/run` installs it
//! (`.ci/supabase-cli/node_modules/.bin/supabase`). Elsewhere the test skips with a
//! note; under `CI` it never skips.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use keyward::supabase::api::secret_digest;
use keyward::supabase::emulator::Emulator;
use serde_json::Value;

use crate::support::emulator::{self as emu, REF_A, REF_B, REF_C, TOKEN};

pub const VERSION: &str = "2.117.0";

fn cli_or_skip() -> Option<PathBuf> {
    let installed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/supabase-cli/node_modules/.bin/supabase");
    let found = std::env::var_os("KEYWARD_SUPABASE_CLI")
        .map(PathBuf::from)
        .or_else(|| installed.exists().then_some(installed));
    if found.is_none() {
        crate::support::skip::skip(
            "the_official_cli_lists_sets_and_unsets_through_the_emulator",
            &format!(
                "the Supabase CLI is not installed (`npm i -E supabase@{VERSION} --prefix .ci/supabase-cli`, or set KEYWARD_SUPABASE_CLI)"
            ),
        );
    }
    found
}

struct Cli {
    bin: PathBuf,
    home: tempfile::TempDir,
    profile: PathBuf,
}

impl Cli {
    fn new(bin: PathBuf, e: &Emulator) -> Cli {
        let home = tempfile::tempdir().unwrap();
        let profile = home.path().join("profile.yaml");
        let url = e.base_url().trim_end_matches('/');
        std::fs::write(
            &profile,
            format!(
                "name: keyward-emulator\napi_url: {url}\ndashboard_url: {url}/dashboard\nproject_host: localhost\n"
            ),
        )
        .unwrap();
        Cli { bin, home, profile }
    }

    /// Runs the CLI in an empty directory with the emulator's token in its environment
    /// (never in argv), with telemetry and update checks off.
    fn run(&self, args: &[&str]) -> Output {
        let mut all = vec!["--profile", self.profile.to_str().unwrap()];
        all.extend_from_slice(args);
        Command::new(&self.bin)
            .args(&all)
            .current_dir(self.home.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("SUPABASE_ACCESS_TOKEN", TOKEN)
            .env("DO_NOT_TRACK", "1")
            .env("SUPABASE_TELEMETRY_DISABLED", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "supabase {args:?}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    #[track_caller]
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend_from_slice(&["-o", "json"]);
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }
}

fn held(e: &Emulator, r: &str, name: &str) -> Option<String> {
    e.world(|w| w.projects[r].secrets.get(name).map(|s| s.value.clone()))
}

#[test]
fn the_official_cli_lists_sets_and_unsets_through_the_emulator() {
    let Some(bin) = cli_or_skip() else { return };
    let e = emu::start();
    let cli = Cli::new(bin, &e);
    assert!(cli.ok(&["--version"]).contains(VERSION));

    // projects list: every project of the account token.
    let projects = cli.json(&["projects", "list"]);
    let mut refs: Vec<&str> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    refs.sort();
    assert_eq!(refs, [REF_A, REF_B, REF_C]);

    // secrets set NAME=VALUE, and --env-file with a quoted value.
    cli.ok(&[
        "secrets",
        "set",
        "FROM_CLI=plain value",
        "--project-ref",
        REF_B,
    ]);
    assert_eq!(held(&e, REF_B, "FROM_CLI").as_deref(), Some("plain value"));
    let env = cli.home.path().join("cli.env");
    std::fs::write(&env, "ONE=1\nTWO=\"two words\"\n").unwrap();
    cli.ok(&[
        "secrets",
        "set",
        "--env-file",
        env.to_str().unwrap(),
        "--project-ref",
        REF_B,
    ]);
    assert_eq!(held(&e, REF_B, "ONE").as_deref(), Some("1"));
    assert_eq!(held(&e, REF_B, "TWO").as_deref(), Some("two words"));

    // secrets list: names with digests, as the CLI prints them. REF_B is a new project
    // (no SUPABASE_* entries), REF_A an older one that lists the platform's.
    let listed = cli.json(&["secrets", "list", "--project-ref", REF_B]);
    let digest = |name: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["value"].as_str().unwrap().to_owned())
    };
    assert_eq!(digest("TWO"), Some(secret_digest("two words")));
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !s["name"].as_str().unwrap().starts_with("SUPABASE_"))
    );
    let older = cli.json(&["secrets", "list", "--project-ref", REF_A]);
    assert!(
        older
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "SUPABASE_URL"),
        "{older}"
    );

    // secrets unset: gone from the emulator, the others stay.
    cli.ok(&[
        "secrets",
        "unset",
        "FROM_CLI",
        "ONE",
        "--project-ref",
        REF_B,
        "--yes",
    ]);
    assert_eq!(held(&e, REF_B, "FROM_CLI"), None);
    assert_eq!(held(&e, REF_B, "ONE"), None);
    assert_eq!(held(&e, REF_B, "TWO").as_deref(), Some("two words"));

    // projects api-keys: the legacy entries and the default keys in the real shapes.
    let keys = cli.json(&["projects", "api-keys", "--project-ref", REF_A]);
    let keys = keys.as_array().unwrap();
    let by_id = |id: &str| keys.iter().find(|k| k["id"] == id).cloned();
    let anon = by_id("anon").expect("the legacy anon entry has id anon");
    assert_eq!(anon["type"], "legacy");
    assert_eq!(anon["description"], "Legacy anon API key");
    assert!(anon.get("inserted_at").is_none(), "{anon}");
    assert!(by_id("service_role").is_some());
    let secret = keys
        .iter()
        .find(|k| k["type"] == "secret" && k["name"] == "default")
        .expect("a default secret key");
    assert_eq!(secret["secret_jwt_template"]["role"], "service_role");
    let masked = secret["api_key"].as_str().unwrap();
    let prefix = secret["prefix"].as_str().unwrap();
    assert!(
        masked.starts_with(prefix) && masked[prefix.len()..].chars().all(|c| c == '·'),
        "{masked}"
    );
}

#[test]
fn the_demos_tokens_pass_the_clis_token_format() {
    // `sbp_` + 40 hex, or the CLI refuses the token before sending it.
    use keyward::supabase::emulator::seed::{DEMO_SCOPED_TOKEN, DEMO_TOKEN};
    for demo in [DEMO_TOKEN, DEMO_SCOPED_TOKEN] {
        let hex = demo.strip_prefix("sbp_").expect("sbp_ prefix");
        assert_eq!(hex.len(), 40, "{demo}");
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()), "{demo}");
    }
}
