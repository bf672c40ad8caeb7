//! Retiring a target's legacy `anon`/`service_role` API keys: what still uses them (vault
//! secrets holding their values and where those are mapped, variables on the target
//! whose digest is theirs), disabling them after that plan with a check after (the
//! publishable key answers the project's auth settings, the legacy anon key no longer
//! does; a publishable key that stops answering rolls the change back), and enabling
//! them again in one step. Every change is audited and announced.

use std::time::Duration;

use secrecy::SecretString;

use super::Owner;
use crate::engine::Event;
use crate::ops::{LegacyAction, LegacyReport, Reply};
use crate::supabase::api::{ApiKeyType, secret_digest};
use crate::supabase::{Client, Error as ApiError, KeyCheck};
use crate::vault::Outcome;

/// How often, and how far apart, a check after a change is tried before it counts as
/// failed (the platform may take a moment to apply the switch).
const CHECKS: u32 = 5;
const CHECK_GAP: Duration = Duration::from_secs(2);

const DISABLE: &str = "legacy-keys-disable";
const ENABLE: &str = "legacy-keys-enable";

/// What a listing said about the keys, values included: these never leave the owner.
struct Seen {
    report: LegacyReport,
    anon: Option<SecretString>,
    publishable: Option<SecretString>,
}

impl Owner {
    /// The client of a target's connection.
    pub(super) async fn target_client(&self, target: &str) -> Result<Client, String> {
        let t = target.to_owned();
        let conn = self
            .read(move |r| {
                let target = r.target(&t)?;
                r.connection(&target.connection)
            })
            .await?;
        self.clients.client(&conn)
    }

    pub(crate) async fn legacy_keys(
        &self,
        via: Option<String>,
        target: String,
        action: LegacyAction,
    ) -> Result<Reply, String> {
        let client = self.target_client(&target).await?;
        let mut seen = self.legacy_seen(&client, &target).await?;
        let report = match action {
            LegacyAction::Status | LegacyAction::Disable { confirm: false } => {
                self.remember(via, &target, seen.report.enabled, None)
                    .await?;
                seen.report
            }
            LegacyAction::Disable { confirm: true } => {
                self.disable(via, &client, &mut seen).await?;
                seen.report
            }
            LegacyAction::Enable => {
                self.enable(via, &client, &mut seen).await?;
                seen.report
            }
        };
        Ok(Reply::LegacyKeys(Box::new(report)))
    }

    async fn legacy_seen(&self, client: &Client, target: &str) -> Result<Seen, String> {
        let enabled = match client.legacy_api_keys(target).await {
            Ok(l) => Some(l.enabled),
            Err(ApiError::NotFound { .. }) => None,
            Err(e) => return Err(format!("reading the legacy keys' state: {e}")),
        };
        let listed = client
            .list_api_keys(target, false)
            .await
            .map_err(|e| format!("listing the project's keys: {e}"))?;
        let value = |k: &crate::supabase::api::ApiKey| k.revealed_key().map(str::to_owned);
        let legacy: Vec<(String, Option<String>)> = listed
            .iter()
            .filter(|k| k.key_type == Some(ApiKeyType::Legacy))
            .map(|k| (k.name.clone(), value(k)))
            .collect();
        let publishable = listed
            .iter()
            .filter(|k| k.key_type == Some(ApiKeyType::Publishable))
            .filter_map(|k| value(k).map(|v| (k.name.clone(), v)))
            .min_by_key(|(n, _)| *n != "default");
        let remote: Vec<(String, String)> = {
            let digests: Vec<(String, String)> = legacy
                .iter()
                .filter_map(|(n, v)| v.as_ref().map(|v| (n.clone(), secret_digest(v))))
                .collect();
            client
                .list_secrets(target)
                .await
                .map_err(|e| format!("listing the project's secrets: {e}"))?
                .into_iter()
                .filter_map(|s| {
                    digests
                        .iter()
                        .find(|(_, d)| *d == s.value)
                        .map(|(n, _)| (s.name, n.clone()))
                })
                .collect()
        };
        let values: Vec<(String, String)> = legacy
            .iter()
            .filter_map(|(n, v)| v.clone().map(|v| (n.clone(), v)))
            .collect();
        let holders = self
            .read(move |r| {
                let keys: Vec<(&str, &str)> = values
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                r.secrets_holding(&keys)
            })
            .await?;
        let anon = legacy
            .iter()
            .find(|(n, _)| n == "anon")
            .and_then(|(_, v)| v.clone())
            .map(SecretString::from);
        Ok(Seen {
            report: LegacyReport {
                target: target.to_owned(),
                enabled,
                keys: legacy.iter().map(|(n, _)| n.clone()).collect(),
                holders,
                remote,
                publishable: publishable.as_ref().map(|(n, _)| n.clone()),
                changed: false,
                checks: Vec::new(),
            },
            anon,
            publishable: publishable.map(|(_, v)| SecretString::from(v)),
        })
    }

    /// Records what was seen (and, for a change, audits and announces it).
    async fn remember(
        &self,
        via: Option<String>,
        target: &str,
        enabled: Option<bool>,
        change: Option<(&'static str, bool, String)>,
    ) -> Result<(), String> {
        let t = target.to_owned();
        let message = change.as_ref().map(|(_, _, m)| m.clone());
        let change2 = change.clone();
        self.write(via, move |tx| {
            tx.record_legacy_keys(&t, enabled, message)?;
            if let Some((action, ok, m)) = change2 {
                let outcome = if ok { Outcome::Ok } else { Outcome::Failed };
                tx.audit(action, &t, outcome, &m)?;
            }
            Ok(())
        })
        .await?;
        if let Some((_, ok, m)) = change {
            let _ = self.events.send(Event::Rotation {
                name: format!("legacy-keys {target}"),
                ok,
                message: m,
            });
        }
        Ok(())
    }

    /// Tries a key until `want` is seen (a few times, apart), returning the last answer.
    async fn check(
        client: &Client,
        target: &str,
        key: &SecretString,
        want: KeyCheck,
    ) -> Result<KeyCheck, String> {
        let mut last = None;
        for i in 0..CHECKS {
            if i > 0 {
                tokio::time::sleep(CHECK_GAP).await;
            }
            let got = client
                .check_api_key(target, key)
                .await
                .map_err(|e| format!("the check could not be made: {e}"))?;
            if got == want {
                return Ok(got);
            }
            last = Some(got);
        }
        Ok(last.unwrap_or(want))
    }

    async fn disable(
        &self,
        via: Option<String>,
        client: &Client,
        seen: &mut Seen,
    ) -> Result<(), String> {
        let target = seen.report.target.clone();
        match seen.report.enabled {
            None => {
                return Err(format!(
                    "{target} has no legacy API keys any more: nothing to disable"
                ));
            }
            Some(false) => {
                seen.report
                    .checks
                    .push("already disabled: nothing changed".into());
                return self.remember(via, &target, Some(false), None).await;
            }
            Some(true) => {}
        }
        let Some(publishable) = seen.publishable.clone() else {
            return Err(format!(
                "{target} has no publishable key for clients to use instead: create one first (`keyward supabase-key create NAME --target {target} --type publishable`)"
            ));
        };
        if Self::check(client, &target, &publishable, KeyCheck::Accepted).await?
            != KeyCheck::Accepted
        {
            return Err(format!(
                "the publishable key of {target} is refused by the project's auth service: nothing changed; fix that before retiring the legacy keys"
            ));
        }
        client
            .set_legacy_api_keys(&target, false)
            .await
            .map_err(|e| {
                format!("Supabase did not disable the legacy keys (nothing changed): {e}")
            })?;
        seen.report.enabled = Some(false);
        seen.report.changed = true;
        // The check after: clients on the publishable key still work, the anon key not.
        let still = Self::check(client, &target, &publishable, KeyCheck::Accepted).await;
        if !matches!(still, Ok(KeyCheck::Accepted)) {
            return self.roll_back(via, client, &target, still).await;
        }
        seen.report.checks.push(format!(
            "the publishable key {} answers the project's auth settings",
            seen.report.publishable.as_deref().unwrap_or("")
        ));
        let anon_gone = match &seen.anon {
            Some(anon) => {
                Self::check(client, &target, anon, KeyCheck::Refused).await? == KeyCheck::Refused
            }
            None => true,
        };
        let used = seen.report.holders.len();
        if !anon_gone {
            let m = format!(
                "disabled on Supabase, but the legacy anon key is still accepted: check again with `keyward legacy-keys status {target}` in a minute; `keyward legacy-keys enable {target}` rolls back"
            );
            self.remember(via, &target, Some(false), Some((DISABLE, false, m.clone())))
                .await?;
            return Err(m);
        }
        seen.report
            .checks
            .push("the legacy anon key is refused".into());
        let m = format!(
            "disabled; checked: publishable key answers, anon key refused; {used} vault secret(s) still held a legacy key"
        );
        self.remember(via, &target, Some(false), Some((DISABLE, true, m)))
            .await
    }

    /// Enables the legacy keys again after a disable whose check failed (`still`), and
    /// records it; always an error, the one a person sees.
    async fn roll_back(
        &self,
        via: Option<String>,
        client: &Client,
        target: &str,
        still: Result<KeyCheck, String>,
    ) -> Result<(), String> {
        let back = client.set_legacy_api_keys(target, true).await;
        let why = match still {
            Err(e) => e,
            Ok(_) => "the publishable key stopped answering the project's auth settings".into(),
        };
        let enabled = Some(back.is_ok());
        let m = match back {
            Ok(_) => format!("{why}: rolled back, the legacy keys are enabled again"),
            Err(e) => format!(
                "{why}, and the roll-back failed too ({e}): run `keyward legacy-keys enable {target}`"
            ),
        };
        self.remember(via, target, enabled, Some((DISABLE, false, m.clone())))
            .await?;
        Err(m)
    }

    async fn enable(
        &self,
        via: Option<String>,
        client: &Client,
        seen: &mut Seen,
    ) -> Result<(), String> {
        let target = seen.report.target.clone();
        if seen.report.enabled == Some(true) {
            seen.report
                .checks
                .push("already enabled: nothing changed".into());
            return self.remember(via, &target, Some(true), None).await;
        }
        client
            .set_legacy_api_keys(&target, true)
            .await
            .map_err(|e| format!("Supabase did not enable the legacy keys: {e}"))?;
        seen.report.enabled = Some(true);
        seen.report.changed = true;
        if let Some(anon) = &seen.anon {
            if Self::check(client, &target, anon, KeyCheck::Accepted).await? == KeyCheck::Accepted {
                seen.report
                    .checks
                    .push("the legacy anon key answers again".into());
            } else {
                let m = format!(
                    "enabled on Supabase, but the legacy anon key is still refused: check again with `keyward legacy-keys status {target}` in a minute"
                );
                self.remember(via, &target, Some(true), Some((ENABLE, false, m.clone())))
                    .await?;
                return Err(m);
            }
        }
        self.remember(
            via,
            &target,
            Some(true),
            Some((
                ENABLE,
                true,
                "enabled again; checked: the legacy anon key answers".into(),
            )),
        )
        .await
    }
}
