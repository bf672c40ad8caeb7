//! `keyward demo`: the dashboard on a throwaway vault (temp dir, cheap KDF) with sample
//! secrets, next to the built-in Supabase emulator. Nothing it does outlives it.

use age::secrecy::SecretString;

use super::CmdResult;
use crate::supabase::emulator::{Emulator, Seed};
use crate::vault::{Cause, InitOptions, SecretValue, Vault, WriteTx};

/// The demo's sample data: two vault projects, one structured secret, a rollback-able
/// history. Also used by tests and benchmarks.
pub fn seed(tx: &mut WriteTx<'_>) -> Result<(), crate::vault::VaultError> {
    tx.add_project("billing-api")?;
    tx.add_project("web-app")?;
    let simple = [
        (
            "billing-api",
            "Stripe secret key",
            "sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc",
        ),
        ("billing-api", "Stripe webhook secret", "whsec_demo_5f1c0e"),
        ("billing-api", "Resend API key", "re_demo_9b2f7c41"),
        (
            "web-app",
            "Sentry DSN",
            "https://demo@o0.ingest.sentry.io/0",
        ),
        ("web-app", "OpenAI API key", "sk-demo-openai-000000"),
        ("web-app", "Session secret", "demo-session-secret-change-me"),
    ];
    for (p, n, v) in simple {
        tx.set_value(p, n, &SecretValue::simple(v), Cause::Import)?;
    }
    tx.set_value(
        "billing-api",
        "Database",
        &SecretValue::fields([
            ("host", "db.demo.internal"),
            ("user", "billing"),
            ("password", "demo-db-password"),
        ]),
        Cause::Import,
    )?;
    // A second version, so history and rollback have something to show.
    tx.set_value(
        "billing-api",
        "Stripe secret key",
        &SecretValue::simple("sk_test_demo_rotated_51H8"),
        Cause::Edit,
    )?;
    Ok(())
}

/// The demo's sync side: a connection to the emulator, its staging project as a target,
/// and two secrets (one structured) mapped to it. The engine pushes them at start.
pub fn connect_demo(tx: &mut WriteTx<'_>, url: &str) -> Result<(), crate::vault::VaultError> {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    tx.add_connection("demo", url, None, DEMO_TOKEN)?;
    tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "demo")?;
    tx.map(
        "billing-api",
        "Stripe secret key",
        DEMO_STAGING_REF,
        None,
        false,
        None,
    )?;
    tx.map(
        "billing-api",
        "Database",
        DEMO_STAGING_REF,
        None,
        false,
        None,
    )?;
    Ok(())
}

pub fn run() -> CmdResult {
    crate::tui::check_terminal()?;
    let dir = std::env::temp_dir().join(format!(
        "keyward-demo-{}-{}",
        std::process::id(),
        crate::vault::Clock::system().now()
    ));
    crate::private::dir(&dir).map_err(|e| {
        format!("cannot make a temp dir for the demo ({e}): set TMPDIR to a writable dir")
    })?;
    let cleanup = Cleanup(dir.clone());
    let opts = InitOptions {
        passphrase: SecretString::from("demo"),
        recipients: vec![],
        // A throwaway vault: a cheap KDF keeps the demo instant.
        work_factor: Some(4),
    };
    let vault = Vault::create(&dir.join("vault.redb"), &opts)?;
    vault.write(seed)?;
    // The vault side of the demo works without the emulator, so a failure to start it
    // (no loopback?) is logged and the demo opens without a connection.
    let mut config = crate::engine::EngineConfig::from_env();
    let emulator = match Emulator::with_seed(Seed::demo()) {
        Ok(e) => {
            config.project_url_template = Some(e.project_url_template());
            if let Err(err) = vault.write(|tx| connect_demo(tx, e.base_url())) {
                tracing::warn!("demo: could not connect to the emulator: {err}");
            }
            Some(e)
        }
        Err(e) => {
            tracing::warn!("demo: the emulator did not start: {e}");
            None
        }
    };
    let label = "demo (throwaway vault)".to_string();
    let r = crate::tui::run(
        super::runtime()?,
        crate::tui::Start::Open(vault),
        label,
        config,
        // The demo's log is as throwaway as its vault: never mixed into the user's.
        Some(dir.clone()),
    );
    if let Some(e) = emulator {
        e.shutdown();
    }
    drop(cleanup);
    r
}

struct Cleanup(std::path::PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
