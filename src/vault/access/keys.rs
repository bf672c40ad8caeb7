//! Access keys for the local API: create (the full key is returned once), list newest
//! first, revoke, verify, and record each use. The key format is in format.rs.
//!
//! Table `access_keys`: KSUID -> row (row.rs). The row holds the salt, the verifier (an HMAC of
//! the secret, see [`access_key::verifier`]), the last 4 characters, name, scope,
//! created, last used and revoked. Verifying a presented key is: parse (no I/O), one
//! lookup by KSUID, one HMAC, one constant-time comparison.

use redb::{ReadableTable, TableDefinition};
use zeroize::Zeroizing;

use crate::vault::access::format::{self as access_key, SALT_LEN};
use crate::vault::access::row::Row;
use crate::vault::audit::Outcome;
use crate::vault::clock::Millis;
use crate::vault::error::{Result, VaultError};
use crate::vault::secrets::record::{Project, ProjectId};
use crate::vault::storage::database::{PROJECTS, ReadTx, WriteTx};

pub(crate) const ACCESS_KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("access_keys");
const NAME_MAX: usize = 64;

/// What a key may do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scope {
    /// None = every project (including ones made later).
    pub projects: Option<Vec<ProjectId>>,
    /// Read, or read + trigger syncs.
    pub allow_sync: bool,
}

impl Scope {
    pub fn may_read(&self, project: ProjectId) -> bool {
        self.projects
            .as_ref()
            .is_none_or(|ps| ps.contains(&project))
    }

    /// Canonical bytes for the verifier, so the scope cannot be edited in the file.
    fn encode(&self) -> Vec<u8> {
        let mut out = vec![u8::from(self.allow_sync)];
        match &self.projects {
            None => out.push(0),
            Some(ps) => {
                out.push(1);
                let mut ids: Vec<u64> = ps.iter().map(|p| p.0).collect();
                ids.sort_unstable();
                for id in ids {
                    out.extend_from_slice(&id.to_be_bytes());
                }
            }
        }
        out
    }
}

/// A key as listed (never its secret): what `key list` and the TUI show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessKeyInfo {
    /// The KSUID: the key's public id.
    pub id: String,
    pub name: String,
    /// The last 4 characters of the key, to tell keys apart.
    pub last4: String,
    pub scope: Scope,
    /// Project names of the scope, resolved now (a removed project shows as `#ID`).
    pub project_names: Option<Vec<String>>,
    pub created: Millis,
    pub last_used: Option<Millis>,
    pub revoked: Option<Millis>,
}

/// A key just made. `key` is the full key: show it once, it cannot be recovered.
pub struct NewAccessKey {
    pub info: AccessKeyInfo,
    pub key: Zeroizing<String>,
}

impl std::fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccessKey")
            .field("info", &self.info)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// A key that verified: who it is and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub name: String,
    pub scope: Scope,
}

/// Why a presented key was refused. Only `Revoked` is told apart to the client, and
/// only when the secret matched (so only the key's holder learns it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong length, prefix or alphabet: refused before any lookup.
    Malformed,
    /// Well formed, but no key has this id.
    Unknown,
    /// The id exists; the secret does not match.
    WrongSecret,
    Revoked,
}

impl Refusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::Unknown => "unknown id",
            Refusal::WrongSecret => "wrong secret",
            Refusal::Revoked => "revoked",
        }
    }
}

fn damaged(id: &str) -> VaultError {
    VaultError::Tampered(format!("access key {id}"))
}

fn unknown_id(id: &str) -> VaultError {
    VaultError::not_found(format!(
        "no access key with the id {id:?}: see `keyward key list` for the ids"
    ))
}

fn project_names(
    t: &impl ReadableTable<u64, &'static [u8]>,
    scope: &Scope,
) -> Result<Option<Vec<String>>> {
    let Some(ids) = &scope.projects else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(match t.get(id.0)? {
            Some(g) => serde_json::from_slice::<Project>(g.value())?.name,
            None => format!("#{}", id.0),
        });
    }
    Ok(Some(out))
}

fn info(id: &str, row: &Row, names: Option<Vec<String>>) -> AccessKeyInfo {
    AccessKeyInfo {
        id: id.to_string(),
        name: row.name.clone(),
        last4: row.last4.clone(),
        scope: Scope {
            projects: row.projects.clone(),
            allow_sync: row.allow_sync,
        },
        project_names: names,
        created: row.created,
        last_used: row.last_used,
        revoked: row.revoked,
    }
}

fn describe(scope: &Scope, names: &Option<Vec<String>>) -> String {
    let what = if scope.allow_sync {
        "read+sync"
    } else {
        "read"
    };
    match names {
        None => format!("{what}, every project"),
        Some(n) => format!("{what}, projects {}", n.join(", ")),
    }
}

impl WriteTx<'_> {
    /// Makes a key for `projects` (empty = every project). The returned full key is the
    /// only copy: the vault keeps a verifier, never the secret.
    pub fn create_access_key(
        &mut self,
        name: &str,
        projects: &[&str],
        allow_sync: bool,
    ) -> Result<NewAccessKey> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX {
            return Err(VaultError::invalid(format!(
                "the access key name {name:?} must be 1 to {NAME_MAX} characters: pick another"
            )));
        }
        crate::vault::limits::invisible("the access key name", name)?;
        let mut ids = Vec::with_capacity(projects.len());
        for p in projects {
            let id = self.project_id(p)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let scope = Scope {
            projects: (!ids.is_empty()).then_some(ids),
            allow_sync,
        };
        let id = loop {
            let id = access_key::new_id(self.now);
            if self.tx.open_table(ACCESS_KEYS)?.get(id.as_str())?.is_none() {
                break id;
            }
        };
        let secret = access_key::new_secret();
        let salt = access_key::new_salt();
        let mac_key = &self.vault.access_mac_key;
        let v = access_key::verifier(mac_key, &id, &salt, &scope.encode(), &secret);
        let row = Row {
            name: name.to_string(),
            salt,
            verifier: v,
            last4: secret[secret.len() - 4..].to_string(),
            projects: scope.projects.clone(),
            allow_sync,
            created: self.now,
            last_used: None,
            revoked: None,
        };
        self.tx
            .open_table(ACCESS_KEYS)?
            .insert(id.as_str(), row.encode().as_slice())?;
        let names = project_names(&self.tx.open_table(PROJECTS)?, &scope)?;
        let detail = format!("{name:?}, {}", describe(&scope, &names));
        self.audit("access-key-create", &id, Outcome::Ok, &detail)?;
        let mut key = Zeroizing::new(String::with_capacity(access_key::KEY_LEN));
        key.push_str(access_key::PREFIX);
        key.push_str(&id);
        key.push_str(&secret);
        Ok(NewAccessKey {
            info: info(&id, &row, names),
            key,
        })
    }

    /// Revokes a key for good. Revoking a revoked key is refused (it says when).
    pub fn revoke_access_key(&mut self, id: &str) -> Result<AccessKeyInfo> {
        if !access_key::is_id(id) {
            return Err(VaultError::invalid(format!(
                "{id:?} is not an access key id (27 letters and digits): see `keyward key list`"
            )));
        }
        let mut row: Row = {
            let t = self.tx.open_table(ACCESS_KEYS)?;
            let g = t.get(id)?.ok_or_else(|| unknown_id(id))?;
            Row::decode(g.value()).ok_or_else(|| damaged(id))?
        };
        if let Some(at) = row.revoked {
            return Err(VaultError::conflict(format!(
                "the access key {id} was already revoked at {}",
                crate::vault::clock::rfc3339(at)
            )));
        }
        row.verifier = access_key::revoked_verifier(&self.vault.access_mac_key, &row.verifier);
        row.revoked = Some(self.now);
        self.tx
            .open_table(ACCESS_KEYS)?
            .insert(id, row.encode().as_slice())?;
        self.audit(
            "access-key-revoke",
            id,
            Outcome::Ok,
            &format!("{:?}", row.name),
        )?;
        let names = project_names(&self.tx.open_table(PROJECTS)?, &info(id, &row, None).scope)?;
        Ok(info(id, &row, names))
    }

    /// Audits one use of the API (`id` None when the key was malformed) and, when it
    /// succeeded, stamps the key's last use. `detail` names the route and the outcome;
    /// never the key or a value.
    pub fn record_access_use(&mut self, id: Option<&str>, ok: bool, detail: &str) -> Result<()> {
        if let (Some(id), true) = (id, ok) {
            let mut t = self.tx.open_table(ACCESS_KEYS)?;
            let row = t.get(id)?.map(|g| Row::decode(g.value()));
            if let Some(mut row) = row.flatten() {
                row.last_used = Some(self.now);
                t.insert(id, row.encode().as_slice())?;
            }
        }
        let outcome = if ok { Outcome::Ok } else { Outcome::Failed };
        self.audit("access-key-use", id.unwrap_or("-"), outcome, detail)
    }
}

impl ReadTx<'_> {
    /// Every key, newest first (KSUIDs sort by time; same second: by creation time).
    pub fn access_keys(&self) -> Result<Vec<AccessKeyInfo>> {
        let t = match self.tx.open_table(ACCESS_KEYS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let projects = self.tx.open_table(PROJECTS)?;
        let mut out = Vec::new();
        for r in t.iter()?.rev() {
            let (k, v) = r?;
            let row = Row::decode(v.value()).ok_or_else(|| damaged(k.value()))?;
            let scope = Scope {
                projects: row.projects.clone(),
                allow_sync: row.allow_sync,
            };
            out.push(info(k.value(), &row, project_names(&projects, &scope)?));
        }
        out.sort_by(|a, b| (b.created, &b.id).cmp(&(a.created, &a.id)));
        Ok(out)
    }

    /// Whether the key `id` exists and is not revoked: what a long-lived request (the
    /// event stream) re-checks, since the key it was let in with may be revoked since.
    pub fn access_key_live(&self, id: &str) -> Result<bool> {
        let t = match self.tx.open_table(ACCESS_KEYS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        let Some(g) = t.get(id)? else {
            return Ok(false);
        };
        let row = Row::decode(g.value()).ok_or_else(|| damaged(id))?;
        Ok(row.revoked.is_none())
    }

    /// Verifies a presented key: parse, one lookup, one HMAC, one constant-time compare.
    /// `Ok(Err(_))` is a refusal; `Err(_)` a storage problem.
    pub fn verify_access_key(&self, presented: &str) -> Result<Result<Grant, Refusal>> {
        let Some(p) = access_key::parse(presented) else {
            return Ok(Err(Refusal::Malformed));
        };
        let t = match self.tx.open_table(ACCESS_KEYS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Err(Refusal::Unknown)),
            Err(e) => return Err(e.into()),
        };
        let mac_key = &self.vault.access_mac_key;
        let Some(g) = t.get(p.id)? else {
            // The same hash as a real check (black_box: the compiler may not drop it); the
            // row decode it skips is the ~0.6 µs difference docs/security.md states.
            std::hint::black_box(access_key::verifier(
                mac_key,
                p.id,
                &[0; SALT_LEN],
                &[],
                p.secret,
            ));
            return Ok(Err(Refusal::Unknown));
        };
        let row = Row::decode(g.value()).ok_or_else(|| damaged(p.id))?;
        let (salt, stored) = (row.salt, row.verifier);
        let scope = Scope {
            projects: row.projects,
            allow_sync: row.allow_sync,
        };
        let v = access_key::verifier(mac_key, p.id, &salt, &scope.encode(), p.secret);
        if row.revoked.is_some() {
            let r = access_key::revoked_verifier(mac_key, &v);
            let matched = crate::crypto::verify(&r, &stored);
            return Ok(Err(if matched {
                Refusal::Revoked
            } else {
                Refusal::WrongSecret
            }));
        }
        if !crate::crypto::verify(&v, &stored) {
            return Ok(Err(Refusal::WrongSecret));
        }
        Ok(Ok(Grant {
            id: p.id.to_string(),
            name: row.name,
            scope,
        }))
    }
}
