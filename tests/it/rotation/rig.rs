//! The real binary on a vault connected to the emulator, with target REF_A: the fixture
//! of the command-line key tests (kills, templates, legacy keys).

use keyward::supabase::emulator::Emulator;

use crate::support::emulator::{self as emus, REF_A, TOKEN};
use crate::support::vault::{PASS, Sandbox, ok};

pub struct Rig {
    pub emu: Emulator,
    pub sb: Sandbox,
    /// Where the emulator answers for a project (key checks).
    pub template: String,
    /// Whether commands get `KEYWARD_PROJECT_URL_TEMPLATE` (false: the connection's own
    /// `--project-url` must do).
    pub env_template: bool,
}

impl Rig {
    /// Connected through the engine-wide template in the environment, as other tests.
    pub fn new() -> Rig {
        Rig::connected(false)
    }

    /// `connect main --url EMULATOR`, then `target add REF_A`; with `project_url`, the
    /// connection gets `--project-url` (the emulator's) and the environment no template.
    pub fn connected(project_url: bool) -> Rig {
        let env_template = !project_url;
        let emu = emus::start();
        let template = emu.project_url_template();
        let r = Rig {
            emu,
            sb: Sandbox::new(),
            template,
            env_template,
        };
        ok(&r.kw(&["init"], ""));
        let url = r.emu.base_url().to_string();
        let mut args = vec!["connect", "main", "--url", &url];
        if project_url {
            args.extend_from_slice(&["--project-url", &r.template]);
        }
        ok(&r.kw(&args, &format!("{TOKEN}\n")));
        ok(&r.kw(&["target", "add", REF_A], ""));
        r
    }

    pub fn env(&self) -> Vec<(&str, &str)> {
        let mut env = vec![
            ("KEYWARD_PASSPHRASE", PASS),
            ("KEYWARD_RETRY_FIRST_MS", "10"),
            ("KEYWARD_RETRY_CAP_MS", "50"),
        ];
        if self.env_template {
            env.push(("KEYWARD_PROJECT_URL_TEMPLATE", &self.template));
        }
        env
    }

    pub fn kw(&self, args: &[&str], stdin: &str) -> std::process::Output {
        self.sb.kw_env(args, stdin, &self.env())
    }

    /// `rotation add NAME` of REF_A's `kind` keys, weekly, manual only, plus `extra`.
    pub fn add_rotation(&self, name: &str, kind: &str, extra: &[&str]) -> std::process::Output {
        let mut args = vec![
            "rotation",
            "add",
            name,
            "--target",
            REF_A,
            "--key-type",
            kind,
            "--every-days",
            "7",
            "--manual-only",
        ];
        args.extend_from_slice(extra);
        self.kw(&args, "")
    }

    /// The value of a key of REF_A by name (legacy keys: `anon`, `service_role`).
    pub fn key_value(&self, name: &str) -> String {
        self.emu.world(|w| {
            w.projects[REF_A]
                .api_keys
                .iter()
                .find(|k| k.name == name)
                .map(|k| k.api_key.clone())
                .expect("key exists")
        })
    }

    /// The JWT template's `role` of a key of REF_A, by name.
    pub fn key_role(&self, name: &str) -> Option<String> {
        self.emu.world(|w| {
            w.projects[REF_A]
                .api_keys
                .iter()
                .find(|k| k.name == name)
                .and_then(|k| k.secret_jwt_template.as_ref())
                .and_then(|t| t.get("role"))
                .and_then(|r| r.as_str())
                .map(str::to_owned)
        })
    }
}
