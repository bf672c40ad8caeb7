//! The compact binary row of an access key. Verification decodes one per request, so
//! it is a fixed layout read in place (JSON and hex cost more than the hash did).
//! Layout (big-endian), version 1:
//! `1, salt [16], verifier [32], allow_sync u8, created i64, last_used (0 | 1 i64),
//! revoked (0 | 1 i64), last4 [4], projects (0 | 1 u16 count u64*), name (u16 len, bytes)`.

use crate::vault::access::format::SALT_LEN;
use crate::vault::clock::Millis;
use crate::vault::secrets::record::ProjectId;
use crate::vault::storage::meta_row::Reader;

const V1: u8 = 1;

pub(crate) struct Row {
    pub salt: [u8; SALT_LEN],
    pub verifier: [u8; 32],
    pub allow_sync: bool,
    pub created: Millis,
    pub last_used: Option<Millis>,
    pub revoked: Option<Millis>,
    pub last4: String,
    /// None = every project, present and future.
    pub projects: Option<Vec<ProjectId>>,
    pub name: String,
}

fn opt(out: &mut Vec<u8>, v: Option<i64>) {
    match v {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            out.extend_from_slice(&t.to_be_bytes());
        }
    }
}

impl Row {
    pub fn encode(&self) -> Vec<u8> {
        let mut o = Vec::with_capacity(96 + self.name.len());
        o.push(V1);
        o.extend_from_slice(&self.salt);
        o.extend_from_slice(&self.verifier);
        o.push(u8::from(self.allow_sync));
        o.extend_from_slice(&self.created.to_be_bytes());
        opt(&mut o, self.last_used);
        opt(&mut o, self.revoked);
        let mut last4 = [b'?'; 4];
        for (d, s) in last4.iter_mut().zip(self.last4.bytes()) {
            *d = s;
        }
        o.extend_from_slice(&last4);
        match &self.projects {
            None => o.push(0),
            Some(ps) => {
                o.push(1);
                o.extend_from_slice(&(ps.len() as u16).to_be_bytes());
                for p in ps {
                    o.extend_from_slice(&p.0.to_be_bytes());
                }
            }
        }
        // Names are limited to 64 characters (256 bytes at most).
        o.extend_from_slice(&(self.name.len() as u16).to_be_bytes());
        o.extend_from_slice(self.name.as_bytes());
        o
    }

    pub fn decode(b: &[u8]) -> Option<Row> {
        let mut r = Reader(b);
        if r.take(1)?[0] != V1 {
            return None;
        }
        let salt = r.take(SALT_LEN)?.try_into().ok()?;
        let verifier = r.take(32)?.try_into().ok()?;
        let allow_sync = match r.take(1)?[0] {
            0 => false,
            1 => true,
            _ => return None,
        };
        let created = r.i64()?;
        let last_used = r.opt_i64()?;
        let revoked = r.opt_i64()?;
        let last4 = std::str::from_utf8(r.take(4)?).ok()?.to_string();
        let projects = match r.take(1)?[0] {
            0 => None,
            1 => {
                let n = r.u16()?;
                Some(
                    (0..n)
                        .map(|_| r.u64().map(ProjectId))
                        .collect::<Option<_>>()?,
                )
            }
            _ => return None,
        };
        let n = r.u16()? as usize;
        let name = std::str::from_utf8(r.take(n)?).ok()?.to_string();
        r.0.is_empty().then_some(Row {
            salt,
            verifier,
            allow_sync,
            created,
            last_used,
            revoked,
            last4,
            projects,
            name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_junk_is_refused() {
        let mut row = Row {
            salt: [1; SALT_LEN],
            verifier: [2; 32],
            allow_sync: true,
            created: 1_795_443_509_000,
            last_used: Some(5),
            revoked: None,
            last4: "aB9z".into(),
            projects: Some(vec![ProjectId(3), ProjectId(9)]),
            name: "deploy bot ü".into(),
        };
        let b = row.encode();
        let back = Row::decode(&b).unwrap();
        assert_eq!(back.encode(), b);
        assert_eq!(back.name, row.name);
        row.projects = None;
        row.revoked = Some(7);
        let b = row.encode();
        assert_eq!(Row::decode(&b).unwrap().encode(), b);
        for n in 0..b.len() {
            assert!(Row::decode(&b[..n]).is_none(), "truncated at {n}");
        }
        let mut longer = b.clone();
        longer.push(0);
        assert!(Row::decode(&longer).is_none());
    }
}
