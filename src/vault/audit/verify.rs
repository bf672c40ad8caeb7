//! Checking the audit chain: every entry recomputed in order (its sequence number, its
//! link to the previous MAC, its own MAC), then the head (count and last MAC, itself
//! MACed). The first problem found is the verdict.

use redb::ReadableTable;

use super::{Entry, GENESIS, Head, TAMPER_ACTION, Verdict, entry_mac, eq, head_tag};
use crate::vault::error::{Result, VaultError};
use crate::vault::storage::database::{AUDIT, META, ReadTx};

/// What the walk along the chain found when every entry matched it.
struct Chain {
    count: u64,
    /// The newest entry's MAC (the genesis value for an empty log).
    last: String,
    unauthenticated: Vec<u64>,
    /// The first entry recording discarded rows of the sealed-state table.
    tampered: Option<u64>,
}

fn broken(entries: u64, problem: String) -> Verdict {
    Verdict {
        entries,
        intact: false,
        problem: Some(problem),
        unauthenticated: Vec::new(),
    }
}

impl ReadTx<'_> {
    /// Recomputes the chain and checks the head. Reports the first problem found.
    pub fn audit_verify(&self) -> Result<Verdict> {
        let key = self.vault.key.derive("audit");
        match self.audit_chain(&key)? {
            Ok(chain) => self.audit_head(&key, chain),
            Err(verdict) => Ok(verdict),
        }
    }

    /// Walks the entries oldest first; `Err` is the verdict on the first that does not
    /// match the chain.
    fn audit_chain(&self, key: &[u8; 32]) -> Result<Result<Chain, Verdict>> {
        let t = self.tx.open_table(AUDIT)?;
        let mut expected_seq = 1u64;
        let mut prev = GENESIS.to_string();
        let mut unauthenticated = Vec::new();
        let mut tampered = None;
        for row in t.iter()? {
            let (k, v) = row?;
            let seq = k.value();
            let Ok(e) = serde_json::from_slice::<Entry>(v.value()) else {
                return Ok(Err(broken(
                    seq,
                    format!("entry {seq} is unreadable: it was edited"),
                )));
            };
            if seq != expected_seq {
                let gap = if seq > expected_seq + 1 {
                    format!("entries {expected_seq} to {} are missing", seq - 1)
                } else {
                    format!("entry {expected_seq} is missing")
                };
                return Ok(Err(broken(seq, format!("{gap}: they were removed"))));
            }
            if e.seq != seq
                || !eq(&e.prev, &prev)
                || !eq(&entry_mac(key, seq, &e.event, &prev)?, &e.mac)
            {
                return Ok(Err(broken(
                    seq,
                    format!("entry {seq} does not match its chain: it was edited"),
                )));
            }
            if e.event.late {
                unauthenticated.push(seq);
            }
            if e.event.action == TAMPER_ACTION {
                tampered.get_or_insert(seq);
            }
            prev = e.mac;
            expected_seq += 1;
        }
        Ok(Ok(Chain {
            count: expected_seq - 1,
            last: prev,
            unauthenticated,
            tampered,
        }))
    }

    /// The verdict once the entries matched: the head must be there, untouched, and
    /// agree with them.
    fn audit_head(&self, key: &[u8; 32], chain: Chain) -> Result<Verdict> {
        let count = chain.count;
        let head: Option<Head> = self
            .tx
            .open_table(META)?
            .get("audit_head")?
            .map(|g| serde_json::from_slice(g.value()))
            .transpose()
            .map_err(|_| VaultError::Tampered("audit head".into()))?;
        // Every vault's log starts with its `init` entry, so a vault always has a head:
        // none at all means the log was wiped.
        let Some(h) = head else {
            return Ok(broken(
                count,
                "the audit head is missing: the log was wiped".into(),
            ));
        };
        if !eq(&head_tag(key, h.count, &h.last), &h.tag) {
            return Ok(broken(count, "the audit head was edited".into()));
        }
        if h.count > count {
            return Ok(broken(
                count,
                format!(
                    "the newest {} entries were removed (the head records {}, {count} remain)",
                    h.count - count,
                    h.count
                ),
            ));
        }
        if h.count < count || !eq(&h.last, &chain.last) {
            return Ok(broken(
                count,
                "entries were added or replaced after the head".into(),
            ));
        }
        if let Some(seq) = chain.tampered {
            return Ok(Verdict {
                entries: count,
                intact: false,
                problem: Some(format!(
                    "rows were written into the record of failed unseals by something other than keyward (entry {seq} lists what was discarded)"
                )),
                unauthenticated: chain.unauthenticated,
            });
        }
        Ok(Verdict {
            entries: count,
            intact: true,
            problem: None,
            unauthenticated: chain.unauthenticated,
        })
    }
}
