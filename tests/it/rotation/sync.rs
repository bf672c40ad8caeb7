//! A rotated key goes onward like any change: into the Edge Function secrets of the
//! targets its vault secret is mapped to, in the same run; the client comes from the
//! target's stored connection.

use keyward::engine::keyrotation::{KeyRotator, TargetClients};
use keyward::supabase::api::secret_digest;
use keyward::vault::{Cause, KeyKind, NewKeyRotation, SecretValue};

use super::keys::key_value;
use crate::support::emulator::{self as emus, REF_A, REF_B, TOKEN};
use crate::sync::{config, map, settle, vault_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_reaches_the_mapped_targets_secrets_in_the_same_run() {
    let emu = emus::start();
    let (_sb, v) = vault_with(&emu, &[(REF_A, "billing-api"), (REF_B, "web")]);
    v.write(|tx| {
        tx.set_value(
            "ops",
            "billing service key",
            &SecretValue::simple("placeholder"),
            Cause::Edit,
        )?;
        tx.add_key_rotation(NewKeyRotation {
            name: "billing".into(),
            project_ref: REF_A.into(),
            connection: Some("main".into()),
            key_type: KeyKind::Secret,
            every_days: 7,
            at_minute: 0,
            auto: true,
            into_project: "ops".into(),
            into_name: "billing service key".into(),
            grace: None,
        })
        .map(drop)
    })
    .unwrap();
    map(&v, "ops/billing service key", REF_B);
    let cfg = config(&emu);
    let (h, _task) = keyward::engine::start_with(v.clone(), cfg.clone());
    settle(&v, "the placeholder pushed", |r| {
        r.outbox_totals().map(|(t, _)| t == 0).unwrap_or(false)
    });

    let clients = TargetClients::new(
        v.clone(),
        std::sync::Arc::new(keyward::engine::clients::Clients::new(v.clone(), cfg)),
    )
    .for_rotations();
    let kr = KeyRotator::new(v.clone(), h.clone(), clients);
    let done = kr.rotate_now("billing").await.unwrap();
    let key = key_value(&emu, &done.key_name);
    let want = secret_digest(&key);
    let vv = v.clone();
    tokio::task::spawn_blocking(move || {
        settle(&vv, "the new key pushed", |r| {
            r.outbox_totals().map(|(t, _)| t == 0).unwrap_or(false)
        })
    })
    .await
    .unwrap();
    let listed = emus::client(&emu, TOKEN).list_secrets(REF_B).await.unwrap();
    let got = listed
        .iter()
        .find(|s| s.name == "BILLING_SERVICE_KEY")
        .map(|s| s.value.clone());
    assert_eq!(
        got,
        Some(want),
        "the emulator's secrets list shows the new digest"
    );
    h.shutdown();
}
