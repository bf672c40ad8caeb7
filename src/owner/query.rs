//! Reads: each query is one snapshot shaped like what a screen or command shows. Only
//! `Reveal` and `Export` carry values, and both are audited before they answer.

use crate::ops::{Dashboard, Query, Reply, SecretListing, Sensitive};
use crate::vault::{Outcome, SecretValue, Shape};

use super::Owner;

impl Owner {
    pub(crate) async fn query(&self, via: Option<String>, q: Query) -> Result<Reply, String> {
        match q {
            Query::Secrets { .. }
            | Query::Secret { .. }
            | Query::Reveal { .. }
            | Query::History { .. }
            | Query::Trash
            | Query::Export { .. }
            | Query::Policies { .. }
            | Query::Mappings { .. }
            | Query::TooLong { .. } => self.secret_query(via, q).await,
            Query::Status
            | Query::Delta(_)
            | Query::Dashboard
            | Query::Targets
            | Query::Connections
            | Query::Branches { .. } => self.state_query(q).await,
            Query::Projects => self.read(|r| Ok(Reply::Projects(r.projects()?))).await,
            Query::Alerts => self.alert_list().await,
            Query::Audit { action } => {
                self.read(move |r| Ok(Reply::Audit(r.audit_entries(action.as_deref())?)))
                    .await
            }
            Query::VerifyAudit => self.read(|r| Ok(Reply::Verdict(r.audit_verify()?))).await,
            Query::KeyRotations => {
                let now = self.vault.now();
                self.read(move |r| {
                    Ok(Reply::KeyRotations {
                        now,
                        items: r.key_rotations()?,
                        signing: r.signing_rotations()?,
                    })
                })
                .await
            }
            Query::SigningRotations => {
                let now = self.vault.now();
                self.read(move |r| {
                    Ok(Reply::SigningRotations {
                        now,
                        items: r.signing_rotations()?,
                    })
                })
                .await
            }
            Query::AccessKeys => self.read(|r| Ok(Reply::AccessKeys(r.access_keys()?))).await,
            Query::VaultInfo => {
                let v = self.vault.clone();
                tokio::task::spawn_blocking(move || v.key_info())
                    .await
                    .map_err(|e| e.to_string())?
                    .map(Reply::VaultInfo)
                    .map_err(|e| e.to_string())
            }
        }
    }

    async fn secret_query(&self, via: Option<String>, q: Query) -> Result<Reply, String> {
        match q {
            Query::Secrets { project } => {
                self.read(move |r| {
                    let secrets = r.secrets(project.as_deref())?;
                    let policies = r.all_policies()?.into_iter().collect();
                    let status = r.sync_status(None)?;
                    Ok(Reply::Secrets(SecretListing {
                        secrets,
                        policies,
                        status,
                    }))
                })
                .await
            }
            Query::Secret { project, name } => {
                self.read(move |r| Ok(Reply::Secret(r.secret(&project, &name)?)))
                    .await
            }
            Query::Reveal {
                project,
                name,
                field,
                version,
            } => self.reveal(via, project, name, field, version).await,
            Query::History { project, name } => {
                self.read(move |r| {
                    Ok(Reply::History {
                        meta: r.secret(&project, &name)?,
                        versions: r.history(&project, &name)?,
                    })
                })
                .await
            }
            Query::Trash => self.read(|r| Ok(Reply::Trash(r.trash()?))).await,
            Query::Export { project } => self.export(via, project).await,
            Query::Policies { project, name } => {
                self.read(move |r| {
                    Ok(Reply::Policies {
                        meta: r.secret(&project, &name)?,
                        policies: r.policies(&project, &name)?,
                    })
                })
                .await
            }
            Query::Mappings { project, name } => {
                self.read(move |r| Ok(Reply::Mappings(r.mappings_for_secret(&project, &name)?)))
                    .await
            }
            Query::TooLong { secrets } => {
                self.read(move |r| {
                    let mut out = Vec::new();
                    for (project, name) in secrets {
                        let (_, v) = r.value(&project, &name, None)?;
                        if let Some(why) = too_long(&v) {
                            out.push((format!("{project}/{name}"), why));
                        }
                    }
                    Ok(Reply::TooLong(out))
                })
                .await
            }
            _ => unreachable!("query sends only a secret's reads here"),
        }
    }

    async fn state_query(&self, q: Query) -> Result<Reply, String> {
        match q {
            Query::Connections => {
                self.read(|r| {
                    Ok(Reply::Connections {
                        connections: r.connections()?,
                        targets: r.targets()?,
                    })
                })
                .await
            }
            Query::Targets => self.read(|r| Ok(Reply::Targets(targets(r)?))).await,
            Query::Branches { target } => self.branch_list(target).await,
            Query::Status => {
                let now = self.vault.now();
                self.read(move |r| status(r, now)).await
            }
            Query::Delta(d) => {
                self.read(move |r| {
                    let mut out = crate::ops::DashboardDelta {
                        trashed: r.trashed_count()?,
                        ..Default::default()
                    };
                    for id in d.secrets {
                        let listed = r
                            .secret_by_id(id)?
                            .filter(|(_, _, m)| !m.is_trashed())
                            .map(|(project, _, meta)| crate::vault::Listed { project, meta });
                        out.secrets.push((id, listed));
                    }
                    for (t, v) in d.vars {
                        let st = r.var_state(&t, &v)?;
                        out.vars.push((t, v, st));
                    }
                    for t in d.targets {
                        let target = r.target(&t).ok();
                        out.targets.push((t, target));
                    }
                    Ok(Reply::Delta(Box::new(out)))
                })
                .await
            }
            Query::Dashboard => {
                self.read(|r| {
                    let mut targets = Vec::new();
                    for t in r.targets()? {
                        let vars = r.var_rows(&t.project_ref)?;
                        targets.push((t, vars));
                    }
                    Ok(Reply::Dashboard(Box::new(Dashboard {
                        overview: r.overview()?,
                        connections: r.connections()?,
                        targets,
                    })))
                })
                .await
            }
            _ => unreachable!("query sends only sync state reads here"),
        }
    }

    /// A project's variables as `.env` lines; the export is audited before they leave.
    async fn export(&self, via: Option<String>, project: String) -> Result<Reply, String> {
        let p = project.clone();
        let (lines, skipped) = self.read(move |r| r.export_env(&p)).await?;
        // The export reveals values: recorded before anything leaves.
        let detail = format!("{} variable(s)", lines.len());
        self.write(via, move |tx| {
            tx.audit("export", &project, Outcome::Ok, &detail)
        })
        .await?;
        Ok(Reply::Exported {
            lines: lines.into_iter().map(Sensitive::from).collect(),
            skipped,
        })
    }

    /// A value (or one field) for a front end whose purpose is to show it; the reveal is
    /// audited before the value leaves. A missing field is refused before that.
    async fn reveal(
        &self,
        via: Option<String>,
        project: String,
        name: String,
        field: Option<String>,
        version: Option<u32>,
    ) -> Result<Reply, String> {
        let (p, n, f) = (project.clone(), name.clone(), field.clone());
        let (v, value) = self.read(move |r| r.value(&p, &n, version)).await?;
        let value = match &field {
            None => value,
            Some(f) => match value.field(f) {
                Some(s) => SecretValue::simple(s),
                None => {
                    return Err(match value.shape() {
                        Shape::Simple => {
                            format!("{project}/{name} is a simple secret: drop --field")
                        }
                        Shape::Structured { fields } => format!(
                            "{project}/{name} has no field {f:?}: its fields are {}",
                            fields.join(", ")
                        ),
                    });
                }
            },
        };
        let detail = match &f {
            Some(f) => format!("version {v}, field {f}"),
            None => format!("version {v}"),
        };
        self.write(via, move |tx| {
            tx.audit(
                "secret-reveal",
                &format!("{project}/{name}"),
                Outcome::Ok,
                &detail,
            )
        })
        .await?;
        Ok(Reply::Revealed { version: v, value })
    }
}

/// The status screen: every target with its totals, every variable, the rotations.
fn status(r: &crate::vault::ReadTx<'_>, now: crate::vault::Millis) -> crate::vault::Result<Reply> {
    // The totals from the same rows: one pass over the variables.
    let variables = r.sync_status(None)?;
    let mut totals: std::collections::HashMap<&str, crate::vault::TargetTotals> =
        Default::default();
    for v in &variables {
        totals
            .entry(v.target.as_str())
            .or_default()
            .count(v.state.state);
    }
    let targets = r
        .targets()?
        .into_iter()
        .map(|t| {
            let n = totals.remove(t.project_ref.as_str()).unwrap_or_default();
            (t, n)
        })
        .collect();
    Ok(Reply::Status {
        targets,
        variables,
        legacy: r.legacy_keys_states()?,
        key_rotations: r.key_rotations()?,
        signing_rotations: r.signing_rotations()?,
        now,
    })
}

fn targets(
    r: &crate::vault::ReadTx<'_>,
) -> crate::vault::Result<Vec<(crate::vault::Target, crate::vault::TargetTotals)>> {
    let mut out = Vec::new();
    for t in r.targets()? {
        let n = r.target_totals(&t.project_ref)?;
        out.push((t, n));
    }
    Ok(out)
}

/// Why Supabase would refuse this value (or one of its fields): the same limit the
/// mapping checks, said in words that fit a review row.
fn too_long(v: &SecretValue) -> Option<String> {
    use crate::vault::names::MAX_VALUE_CHARS;
    let over = |s: &str| Some(s.chars().count()).filter(|n| *n > MAX_VALUE_CHARS);
    let why = |what: String, n: usize| {
        format!(
            "{what} is {n} characters and Supabase takes at most {MAX_VALUE_CHARS}: shorten it or split it into fields"
        )
    };
    match v {
        SecretValue::Simple(s) => over(s).map(|n| why("its value".into(), n)),
        SecretValue::Fields(fs) => fs
            .iter()
            .find_map(|(k, s)| over(s).map(|n| why(format!("its field {k}"), n))),
    }
}
