//! Vaults the screens are tested on: every sync state, key rotations, the emulator's
//! staging project as a target.

use crate::tui::runner::Tui;
use crate::vault::Vault;
use ratatui::backend::TestBackend;

use super::{H, LATER, T0, app, make_vault};

/// A vault whose variables sit in every state: on "production", Database synced (3
/// fields), Resend API key failed, Stripe secret key drifted, Stripe webhook secret
/// pending; on "staging" (unhealthy), Sentry DSN failed.
pub(super) fn states_vault(dir: &tempfile::TempDir) -> Vault {
    use crate::supabase::emulator::seed::DEMO_TOKEN;
    let v = make_vault(dir, true);
    let (prod, staging) = ("prodrefabcdefghijklm", "stagingrefabcdefghij");
    v.write(|tx| {
        tx.add_connection("acme", "http://127.0.0.1:9", None, DEMO_TOKEN)?;
        tx.add_target(prod, "production", "acme-org", "acme")?;
        tx.add_target(staging, "staging", "acme-org", "acme")?;
        for n in [
            "Database",
            "Resend API key",
            "Stripe secret key",
            "Stripe webhook secret",
        ] {
            tx.map("billing-api", n, prod, None, false, None)?;
        }
        tx.map("web-app", "Sentry DSN", staging, None, false, None)?;
        Ok(())
    })
    .unwrap();
    let outbox = v.read().unwrap().outbox(prod).unwrap();
    let pushed: Vec<_> = outbox
        .into_iter()
        .filter(|(n, _)| n != "STRIPE_WEBHOOK_SECRET")
        .collect();
    v.write(|tx| {
        tx.record_pushed(prod, &pushed)?;
        let err = "HTTP 400 from Supabase: value rejected".to_string();
        tx.record_failed(prod, &[("RESEND_API_KEY".into(), err)], None, &|_| {
            LATER + 120_000
        })?;
        tx.mark_drifted(prod, &["STRIPE_SECRET_KEY".into()])?;
        let refused = "connection refused".to_string();
        tx.record_failed(
            staging,
            &[("SENTRY_DSN".into(), refused.clone())],
            Some(&refused),
            &|_| LATER,
        )?;
        tx.record_target_result(staging, Some(&refused), 1)?;
        Ok(())
    })
    .unwrap();
    v
}

pub(super) fn states(w: u16, h: u16) -> H {
    let dir = tempfile::tempdir().unwrap();
    let v = states_vault(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tui = Tui::detached(TestBackend::new(w, h), app(), v).unwrap();
    H::ready(rt, tui, dir)
}

/// The states vault with two key rotations: one rotated on schedule, one failing.
pub(super) fn rotations_vault(dir: &tempfile::TempDir) -> Vault {
    use crate::vault::{KeyKind, KeyRef, NewKeyRotation};
    let v = states_vault(dir);
    let new = |name: &str, into: &str, auto| NewKeyRotation {
        name: name.into(),
        project_ref: "prodrefabcdefghijklm".into(),
        connection: None,
        key_type: KeyKind::Secret,
        every_days: 30,
        at_minute: 180,
        auto,
        into_project: "billing-api".into(),
        into_name: into.into(),
        grace: None,
    };
    v.write(|tx| {
        let (mut a, _) = tx.add_key_rotation(new("prod-secret", "Service key", true))?;
        a.state.current = Some(KeyRef {
            id: "k1".into(),
            name: a.key_name(1),
        });
        a.state.generation = 1;
        a.state.last_success = Some(T0);
        a.state.last_attempt = Some(T0);
        a.state.next_due = T0 + 30 * 86_400_000;
        a.state.last_message = Some("rotated to keyward-prod-secret-1".into());
        tx.save_key_rotation(&a)?;
        let mut j = tx.add_signing_rotation(crate::vault::NewSigningRotation {
            name: "prod-jwt".into(),
            project_ref: "prodrefabcdefghijklm".into(),
            connection: None,
            algorithm: crate::vault::SigningAlg::ES256,
            every_days: 90,
            at_minute: 240,
            auto: true,
            grace: None,
        })?;
        j.state.current = Some(crate::vault::SigningKeyRef {
            id: "0b6c2f4e-7d1a-4c55-9a51-2f1f0c7f3a10".into(),
            algorithm: "ES256".into(),
        });
        j.state.last_success = Some(T0);
        j.state.next_due = T0 + 90 * 86_400_000;
        j.state.last_message = Some("rotated to ES256 signing key 0b6c2f4e".into());
        tx.save_signing_rotation(&j)?;
        let (mut b, _) = tx.add_key_rotation(new("prod-backup", "Backup key", false))?;
        b.state.failures = 2;
        b.state.retry_at = Some(LATER + 60_000);
        b.state.last_attempt = Some(T0);
        b.state.last_message = Some("HTTP 503 from Supabase: try again later".into());
        tx.save_key_rotation(&b)
    })
    .unwrap();
    v
}

/// Engine settings for tests on the emulator: key checks at its project URLs.
pub(super) fn emulator_config(
    emu: &crate::supabase::emulator::Emulator,
) -> crate::engine::EngineConfig {
    crate::engine::EngineConfig {
        project_url_template: Some(emu.project_url_template()),
        ..Default::default()
    }
}

/// The demo vault with the emulator's staging project as the target `demo-staging`,
/// the engine running, then `more`; at `w`x`h`.
pub(super) fn on_staging(
    emu: &crate::supabase::emulator::Emulator,
    w: u16,
    h: u16,
    more: impl FnOnce(&mut crate::vault::WriteTx<'_>) -> crate::vault::Result<()>,
) -> H {
    use crate::supabase::emulator::seed::{DEMO_ORG, DEMO_STAGING_REF, DEMO_TOKEN};
    let url = emu.base_url().to_string();
    H::with_config(w, h, emulator_config(emu), move |tx| {
        crate::cli::demo::seed(tx)?;
        tx.add_connection("acme", &url, None, DEMO_TOKEN)?;
        tx.add_target(DEMO_STAGING_REF, "demo-staging", DEMO_ORG, "acme")?;
        more(tx)
    })
}

/// A manual rotation of the staging project's secret keys into web-app.
pub(super) fn staging_secret_rotation() -> crate::vault::NewKeyRotation {
    crate::vault::NewKeyRotation {
        name: "staging-secret".into(),
        project_ref: crate::supabase::emulator::seed::DEMO_STAGING_REF.into(),
        connection: None,
        key_type: crate::vault::KeyKind::Secret,
        every_days: 30,
        at_minute: 180,
        auto: false,
        into_project: "web-app".into(),
        into_name: "Staging secret key".into(),
        grace: None,
    }
}
