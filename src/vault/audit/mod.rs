//! The audit log: append-only and hash-chained under a key derived from the vault key.
//!
//! Each entry's MAC covers its content and the previous entry's MAC; a head record
//! (count + last MAC, itself MACed) catches removal of the newest entries. Without the
//! vault key nobody can recompute the chain, so an edited, removed or reordered entry is
//! detected by `verify`. Rolling the whole file back to an older copy is not detectable
//! from inside the file (see docs/security.md).
//!
//! Failed unseals happen without the key: they go to a pending table in clear and are
//! folded into the keyed chain, with `late: true`, at the next successful unseal. Anyone
//! who can write the file can write that table too, so only rows of exactly that shape
//! are folded (and shown as not authenticated); anything else is discarded and the
//! discarding is itself recorded, as tampering (see [`PendingRow`]).

use redb::{Database, ReadableTable};
use serde::{Deserialize, Serialize};

use crate::vault::clock::Millis;
use crate::vault::error::Result;
use crate::vault::storage::database::{AUDIT, AUDIT_PENDING, META, ReadTx, WriteTx};

mod verify;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Failed,
}

/// What an entry says. Never a value or a token: subjects are names, details are
/// version numbers and causes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: Millis,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// Recorded while the vault was sealed and authenticated only when folded in.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
    /// The front end a change came through when it was not the owner's own: the
    /// attached process (`pid 4242, keyward secret set`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    #[serde(flatten)]
    pub event: Event,
    /// hex MAC of the previous entry (zeros for the first).
    pub prev: String,
    pub mac: String,
}

#[derive(Serialize, Deserialize)]
struct Head {
    count: u64,
    last: String,
    tag: String,
}

/// The result of `verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub entries: u64,
    pub intact: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Entries recorded while sealed: their content was never authenticated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unauthenticated: Vec<u64>,
}

/// The action of the entry that records discarded rows of the sealed-state table.
pub const TAMPER_ACTION: &str = "audit-tamper";

/// The only row the sealed-state table may hold: a failed unseal, as `record_pending`
/// writes it. Unknown fields are refused too.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingRow {
    at: Millis,
    actor: String,
    action: String,
    subject: String,
    outcome: Outcome,
    detail: String,
    late: bool,
    #[serde(default)]
    via: Option<String>,
}

/// What a failed unseal's detail may say.
const PENDING_DETAILS: [&str; 2] = ["wrong passphrase", "identity did not match"];

fn plain(s: &str, max: usize) -> bool {
    !s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

impl PendingRow {
    /// The event it records, if it has exactly the shape of a failed unseal.
    fn accept(self, now: Millis) -> Option<Event> {
        // A clock a day fast is a broken clock, not a failed unseal from the future.
        let day = 24 * 3600 * 1000;
        let well_formed = self.action == "unseal"
            && self.subject == "vault"
            && self.outcome == Outcome::Failed
            && PENDING_DETAILS.contains(&self.detail.as_str())
            && self.late
            && plain(&self.actor, 200)
            && self.actor.contains('@')
            && self.via.as_deref().is_none_or(|v| plain(v, 200))
            && (0..=now.saturating_add(day)).contains(&self.at);
        well_formed.then_some(Event {
            at: self.at,
            actor: self.actor,
            action: self.action,
            subject: self.subject,
            outcome: self.outcome,
            detail: self.detail,
            late: true,
            via: self.via,
        })
    }
}

/// A word that describes a refused row without repeating what it said.
fn claimed(raw: &[u8]) -> String {
    let action = serde_json::from_slice::<serde_json::Value>(raw)
        .ok()
        .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_owned));
    match action {
        Some(a)
            if !a.is_empty()
                && a.len() <= 32
                && a.chars().all(|c| c.is_ascii_lowercase() || c == '-') =>
        {
            format!("an entry claiming {a}")
        }
        Some(_) => "an entry with an odd action".into(),
        None => "an unreadable row".into(),
    }
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `user@host`, from the environment and the kernel; never fails.
pub fn actor() -> String {
    // The user is the process's uid, named from the passwd file: USER and LOGNAME are
    // whatever the caller's environment says, so anyone could sign as anyone.
    let user = user_from_passwd()
        .or_else(uid_label)
        .unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    format!("{user}@{host}")
}

/// `uid N` where the uid has no passwd entry (containers).
#[cfg(unix)]
fn uid_label() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    Some(format!(
        "uid {}",
        std::fs::metadata("/proc/self").ok()?.uid()
    ))
}
#[cfg(not(unix))]
fn uid_label() -> Option<String> {
    ["USERNAME", "USER"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
}

/// The passwd entry of our uid.
#[cfg(unix)]
fn user_from_passwd() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_string())
    })
}
#[cfg(not(unix))]
fn user_from_passwd() -> Option<String> {
    None
}

use crate::encoding::hex;

fn entry_mac(key: &[u8; 32], seq: u64, event: &Event, prev: &str) -> Result<String> {
    let body = serde_json::to_vec(event)?;
    let parts: [&[u8]; 4] = [b"entry\0", &seq.to_be_bytes(), prev.as_bytes(), &body];
    Ok(hex(&crate::crypto::mac(key, &parts)))
}

fn head_tag(key: &[u8; 32], count: u64, last: &str) -> String {
    let parts: [&[u8]; 3] = [b"head\0", &count.to_be_bytes(), last.as_bytes()];
    hex(&crate::crypto::mac(key, &parts))
}

fn eq(a: &str, b: &str) -> bool {
    crate::crypto::verify(a.as_bytes(), b.as_bytes())
}

/// The chain's end as this transaction left it. A bulk map appends 10,000 entries in a
/// few transactions; each read, parsed and rewrote the head, and derived the key, again.
/// Only `append_event` moves it, and the head is written once, before the commit.
pub(crate) struct Tail {
    key: zeroize::Zeroizing<[u8; 32]>,
    count: u64,
    last: String,
}

impl WriteTx<'_> {
    /// Appends one entry to the chain, in this transaction.
    pub fn audit(
        &mut self,
        action: &str,
        subject: &str,
        outcome: Outcome,
        detail: &str,
    ) -> Result<()> {
        let event = Event {
            at: self.now,
            actor: self.vault.actor().to_string(),
            action: action.into(),
            subject: subject.into(),
            outcome,
            detail: detail.into(),
            late: false,
            via: self.via.clone(),
        };
        self.append_event(event)
    }

    fn append_event(&mut self, event: Event) -> Result<()> {
        let tail = match self.audit_tail.take() {
            Some(t) => t,
            None => self.read_tail()?,
        };
        let seq = tail.count + 1;
        let mac = entry_mac(&tail.key, seq, &event, &tail.last)?;
        let entry = Entry {
            seq,
            event,
            prev: tail.last,
            mac: mac.clone(),
        };
        self.tx
            .open_table(AUDIT)?
            .insert(seq, serde_json::to_vec(&entry)?.as_slice())?;
        self.audit_tail = Some(Tail {
            key: tail.key,
            count: seq,
            last: mac,
        });
        Ok(())
    }

    fn read_tail(&self) -> Result<Tail> {
        let (count, last) = match self.tx.open_table(META)?.get("audit_head")? {
            Some(g) => {
                let h: Head = serde_json::from_slice(g.value())?;
                (h.count, h.last)
            }
            None => (0, GENESIS.to_string()),
        };
        Ok(Tail {
            key: self.vault.key.derive("audit"),
            count,
            last,
        })
    }

    /// Writes the head the entries appended in this transaction left; called once,
    /// just before it commits.
    pub(crate) fn write_audit_head(&mut self) -> Result<()> {
        if let Some(t) = &self.audit_tail {
            let head = Head {
                count: t.count,
                tag: head_tag(&t.key, t.count, &t.last),
                last: t.last.clone(),
            };
            self.tx
                .open_table(META)?
                .insert("audit_head", serde_json::to_vec(&head)?.as_slice())?;
        }
        Ok(())
    }

    /// Folds the failed unseals recorded while sealed into the chain, and records (as
    /// [`TAMPER_ACTION`]) that anything else found there was discarded.
    pub(crate) fn fold_pending_audit(&mut self) -> Result<()> {
        let mut accepted = Vec::new();
        let mut refused: std::collections::BTreeMap<String, u64> = Default::default();
        {
            let mut t = self.tx.open_table(AUDIT_PENDING)?;
            while let Some((_, v)) = t.pop_first()? {
                let raw = v.value();
                match serde_json::from_slice::<PendingRow>(raw)
                    .ok()
                    .and_then(|row| row.accept(self.now))
                {
                    Some(e) => accepted.push(e),
                    None => *refused.entry(claimed(raw)).or_default() += 1,
                }
            }
        }
        for e in accepted {
            self.append_event(e)?;
        }
        if !refused.is_empty() {
            let total: u64 = refused.values().sum();
            let what: Vec<String> = refused.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
            self.audit(
                TAMPER_ACTION,
                "audit_pending",
                Outcome::Failed,
                &format!(
                    "discarded {total} row(s) written into the record of failed unseals by something other than keyward: {}",
                    what.join(", ")
                ),
            )?;
        }
        Ok(())
    }
}

/// Records a failed unseal without the key (see the module comment).
pub(crate) fn record_pending(
    db: &Database,
    at: Millis,
    detail: &str,
    via: Option<&str>,
) -> Result<()> {
    let tx = db.begin_write()?;
    {
        let mut t = tx.open_table(AUDIT_PENDING)?;
        let seq = t.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
        let e = Event {
            at,
            actor: actor(),
            action: "unseal".into(),
            subject: "vault".into(),
            outcome: Outcome::Failed,
            detail: detail.into(),
            late: true,
            via: via.map(str::to_owned),
        };
        t.insert(seq, serde_json::to_vec(&e)?.as_slice())?;
    }
    tx.commit()?;
    Ok(())
}

impl ReadTx<'_> {
    /// Entries oldest first, optionally only one action.
    pub fn audit_entries(&self, action: Option<&str>) -> Result<Vec<Entry>> {
        let t = self.tx.open_table(AUDIT)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (_, v) = row?;
            let e: Entry = serde_json::from_slice(v.value())?;
            if action.is_none_or(|a| a == e.event.action) {
                out.push(e);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chain's MACs are on disk: these bytes must never change (values computed
    /// before the HMAC code moved to `crate::crypto`).
    #[test]
    fn entry_and_head_macs_keep_their_bytes() {
        let key = [0x5a; 32];
        let event = Event {
            at: 1_795_443_509_000,
            actor: "ana".into(),
            action: "secret.set".into(),
            subject: "app/DB_URL".into(),
            outcome: Outcome::Ok,
            detail: String::new(),
            late: false,
            via: None,
        };
        assert_eq!(
            entry_mac(&key, 7, &event, "00ff").unwrap(),
            "c1ea3f8f04fc684bb803130462e191a240d519dcb1d21d9027b02e2c52ff6ef8"
        );
        assert_eq!(
            head_tag(&key, 8, "abcd"),
            "3099879d40dc3a92ebf5859d1f057b305af9a6848513e63f7b69b9a1bd94feae"
        );
        assert!(eq("abc", "abc") && !eq("abc", "abd") && !eq("abc", "ab"));
    }
}
