//! Rotation policies (per secret or per field) and rotating on demand. The schedule
//! itself belongs to the engine; this stores the interval and the next due time.

use redb::ReadableTable;

use crate::vault::audit::Outcome;
use crate::vault::clock::{Millis, format_duration};
use crate::vault::error::{Result, VaultError};
use crate::vault::secrets::generate::Generator;
use crate::vault::secrets::record::{Cause, Policy, SecretId, SecretMeta, SecretValue, Shape};
use crate::vault::secrets::versions::Written;
use crate::vault::storage::database::{POLICIES, ReadTx, WriteTx};
use zeroize::Zeroizing;

fn field_key(field: Option<&str>) -> &str {
    field.unwrap_or("")
}

fn check_field(m: &SecretMeta, project: &str, field: Option<&str>) -> Result<()> {
    match (&m.shape, field) {
        (Shape::Simple, None) => Ok(()),
        (Shape::Simple, Some(f)) => Err(VaultError::invalid(format!(
            "{project}/{} is a simple secret and has no field {f:?}: drop --field",
            m.name
        ))),
        (Shape::Structured { fields }, Some(f)) if fields.iter().any(|x| x == f) => Ok(()),
        (Shape::Structured { fields }, Some(f)) => Err(VaultError::not_found(format!(
            "{project}/{} has no field {f:?}: its fields are {}",
            m.name,
            fields.join(", ")
        ))),
        (Shape::Structured { .. }, None) => Err(VaultError::invalid(format!(
            "{project}/{} is structured: a policy applies to one field, give --field KEY",
            m.name
        ))),
    }
}

/// Policy rows carry the sync rows' tag, bound to (secret id, field): someone with the
/// file but not the key cannot weaken a future generated value (a shorter length, a
/// smaller alphabet) or move a policy onto another secret.
fn encode(key: &[u8; 32], id: u64, field: &str, p: &Policy) -> Result<Vec<u8>> {
    crate::vault::storage::tagged::encode(key, "policies", &[&id.to_string(), field], p)
}

fn decode(key: &[u8; 32], id: u64, field: &str, b: &[u8]) -> Result<Policy> {
    crate::vault::storage::tagged::decode(key, "policies", &[&id.to_string(), field], b)
}

fn all_policies(
    key: &[u8; 32],
    t: &impl ReadableTable<(u64, &'static str), &'static [u8]>,
    id: u64,
) -> Result<Vec<Policy>> {
    let mut out = Vec::new();
    for row in t.range((id, "")..(id + 1, ""))? {
        let (k, v) = row?;
        out.push(decode(key, id, k.value().1, v.value())?);
    }
    Ok(out)
}

impl WriteTx<'_> {
    pub fn set_policy(
        &mut self,
        project: &str,
        name: &str,
        field: Option<&str>,
        every: Millis,
        generator: Generator,
    ) -> Result<Policy> {
        let m = self.live_secret(project, name)?;
        check_field(&m, project, field)?;
        let p = Policy {
            field: field.map(str::to_string),
            every,
            generator,
            next_due: self.now + every,
            last_rotated: None,
        };
        self.tx.open_table(POLICIES)?.insert(
            (m.id.0, field_key(field)),
            encode(&self.vault.meta_key, m.id.0, field_key(field), &p)?.as_slice(),
        )?;
        let detail = format!("{} every {}", p.generator, format_duration(every));
        let subject = subject(project, name, field);
        self.audit("secret-policy", &subject, Outcome::Ok, &detail)?;
        Ok(p)
    }

    pub fn clear_policy(&mut self, project: &str, name: &str, field: Option<&str>) -> Result<()> {
        let m = self.live_secret(project, name)?;
        let removed = self
            .tx
            .open_table(POLICIES)?
            .remove((m.id.0, field_key(field)))?
            .is_some();
        if !removed {
            return Err(VaultError::not_found(format!(
                "{} has no rotation policy: nothing to turn off",
                subject(project, name, field)
            )));
        }
        self.audit(
            "secret-policy",
            &subject(project, name, field),
            Outcome::Ok,
            "off",
        )
    }

    /// Generates new material now for the policy of the secret (or of `field`; for a
    /// structured secret without `field`, every field that has a policy) as one version.
    pub fn rotate(&mut self, project: &str, name: &str, field: Option<&str>) -> Result<Written> {
        let m = self.live_secret(project, name)?;
        if let Some(f) = field {
            check_field(&m, project, Some(f))?;
        }
        let policies: Vec<Policy> =
            all_policies(&self.vault.meta_key, &self.tx.open_table(POLICIES)?, m.id.0)?
                .into_iter()
                .filter(|p| field.is_none() || p.field.as_deref() == field)
                .collect();
        if policies.is_empty() {
            return Err(VaultError::not_found(format!(
                "{} has no rotation policy: set one with `keyward secret policy {project}/{name} --every 30d --generate alnum:32`",
                subject(project, name, field)
            )));
        }
        let current = self.value_at(m.id, m.version)?;
        let next = match current {
            SecretValue::Simple(_) => SecretValue::Simple(policies[0].generator.generate()),
            SecretValue::Fields(mut fs) => {
                for p in &policies {
                    if let Some(slot) = fs
                        .iter_mut()
                        .find(|(k, _)| Some(k.as_str()) == p.field.as_deref())
                    {
                        slot.1 = Zeroizing::new(p.generator.generate().to_string());
                    }
                }
                SecretValue::Fields(fs)
            }
        };
        let w = self.set_value(project, name, &next, Cause::Rotation)?;
        let mut t = self.tx.open_table(POLICIES)?;
        for mut p in policies {
            p.last_rotated = Some(self.now);
            p.next_due = self.now + p.every;
            t.insert(
                (m.id.0, field_key(p.field.as_deref())),
                encode(
                    &self.vault.meta_key,
                    m.id.0,
                    field_key(p.field.as_deref()),
                    &p,
                )?
                .as_slice(),
            )?;
        }
        Ok(w)
    }
}

/// One policy the scheduler found due: which secret and field, and the due time it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRotation {
    pub secret: SecretId,
    pub field: Option<String>,
    pub due: Millis,
}

impl WriteTx<'_> {
    /// Rotates the given due policies of one secret as one version (cause rotation),
    /// each only if its stored due time is still the one the scheduler saw and has come
    /// by this transaction's clock. That check makes a rotation idempotent per due time:
    /// after it, the policy's next due is `now + every` (always later than the old due),
    /// so a repeated tick, a second scheduler or a clock that jumped back skips it. A
    /// policy that was overdue by many intervals rotates once, and its next due counts
    /// from now (catch-up once, no burst). Returns None when nothing was rotated (the
    /// secret is gone or trashed, or every policy moved on).
    pub fn rotate_due(&mut self, due: &[DueRotation]) -> Result<Option<Written>> {
        let Some(first) = due.first() else {
            return Ok(None);
        };
        let id = first.secret;
        let Some((project, name, m)) = self.secret_by_id(id)? else {
            return Ok(None);
        };
        if m.is_trashed() {
            return Ok(None);
        }
        let stored = all_policies(&self.vault.meta_key, &self.tx.open_table(POLICIES)?, id.0)?;
        let now = self.now;
        let ready: Vec<Policy> = stored
            .into_iter()
            .filter(|p| {
                due.iter().any(|d| {
                    d.secret == id && d.field == p.field && d.due == p.next_due && d.due <= now
                })
            })
            .collect();
        if ready.is_empty() {
            return Ok(None);
        }
        let next = match self.value_at(m.id, m.version)? {
            SecretValue::Simple(_) => match ready.iter().find(|p| p.field.is_none()) {
                Some(p) => SecretValue::Simple(p.generator.generate()),
                None => return Ok(None),
            },
            SecretValue::Fields(mut fs) => {
                for p in &ready {
                    if let Some(slot) = fs
                        .iter_mut()
                        .find(|(k, _)| Some(k.as_str()) == p.field.as_deref())
                    {
                        slot.1 = Zeroizing::new(p.generator.generate().to_string());
                    }
                }
                SecretValue::Fields(fs)
            }
        };
        let w = self.set_value(&project, &name, &next, Cause::Rotation)?;
        let mut t = self.tx.open_table(POLICIES)?;
        for mut p in ready {
            p.last_rotated = Some(now);
            p.next_due = now + p.every;
            t.insert(
                (id.0, field_key(p.field.as_deref())),
                encode(
                    &self.vault.meta_key,
                    id.0,
                    field_key(p.field.as_deref()),
                    &p,
                )?
                .as_slice(),
            )?;
        }
        Ok(Some(w))
    }
}

fn subject(project: &str, name: &str, field: Option<&str>) -> String {
    match field {
        Some(f) => format!("{project}/{name} field {f}"),
        None => format!("{project}/{name}"),
    }
}

impl ReadTx<'_> {
    /// Every policy in the vault, by secret: one scan, for listings.
    pub fn all_policies(&self) -> Result<std::collections::HashMap<SecretId, Vec<Policy>>> {
        let mut out: std::collections::HashMap<SecretId, Vec<Policy>> =
            std::collections::HashMap::new();
        for row in self.tx.open_table(POLICIES)?.iter()? {
            let (k, v) = row?;
            let (id, field) = k.value();
            out.entry(SecretId(id)).or_default().push(decode(
                &self.vault.meta_key,
                id,
                field,
                v.value(),
            )?);
        }
        Ok(out)
    }

    pub fn policies(&self, project: &str, name: &str) -> Result<Vec<Policy>> {
        let m = self.secret(project, name)?;
        all_policies(&self.vault.meta_key, &self.tx.open_table(POLICIES)?, m.id.0)
    }
}
