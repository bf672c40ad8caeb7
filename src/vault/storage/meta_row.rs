//! The compact binary row of [`SecretMeta`]. Listing decodes one per secret, so this is
//! the hot path of "list 10,000 secrets in under 10 ms": JSON cost ~600 ns a row, this
//! ~60 ns. Layout (big-endian), version 1:
//! `1, id u64, project u64, version u32, created i64, updated i64, trashed (0 | 1 i64),
//! name (u16 len, bytes), note (0 | 1 u16 len bytes), shape (0 | 1 u16 count (u16 len bytes)*),
//! tag [32]`.
//!
//! The tag is HMAC-SHA256 under a key derived from the vault key, over everything before
//! it. Reading or changing one secret verifies it, so someone with the file but not the
//! key cannot re-point a secret's current version or untrash it; listings skip the check
//! (an HMAC per row would cost as much as the whole listing budget).

use crate::vault::error::{Result, VaultError};
use crate::vault::secrets::record::{ProjectId, SecretId, SecretMeta, Shape};

const V1: u8 = 1;
const TAG: usize = 32;

fn tag(key: &[u8; 32], body: &[u8]) -> [u8; TAG] {
    crate::crypto::mac(key, &[b"secret-meta\0", body])
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Limits keep names, notes and field names far below u16::MAX bytes.
    out.extend_from_slice(&(s.len().min(u16::MAX as usize) as u16).to_be_bytes());
    out.extend_from_slice(&s.as_bytes()[..s.len().min(u16::MAX as usize)]);
}

pub(crate) fn encode_meta(m: &SecretMeta, key: &[u8; 32]) -> Vec<u8> {
    let mut o = Vec::with_capacity(48 + TAG + m.name.len());
    o.push(V1);
    o.extend_from_slice(&m.id.0.to_be_bytes());
    o.extend_from_slice(&m.project.0.to_be_bytes());
    o.extend_from_slice(&m.version.to_be_bytes());
    o.extend_from_slice(&m.created.to_be_bytes());
    o.extend_from_slice(&m.updated.to_be_bytes());
    match m.trashed {
        None => o.push(0),
        Some(t) => {
            o.push(1);
            o.extend_from_slice(&t.to_be_bytes());
        }
    }
    put_str(&mut o, &m.name);
    match &m.note {
        None => o.push(0),
        Some(n) => {
            o.push(1);
            put_str(&mut o, n);
        }
    }
    match &m.shape {
        Shape::Simple => o.push(0),
        Shape::Structured { fields } => {
            o.push(1);
            o.extend_from_slice(&(fields.len() as u16).to_be_bytes());
            for f in fields {
                put_str(&mut o, f);
            }
        }
    }
    let t = tag(key, &o);
    o.extend_from_slice(&t);
    o
}

/// Reads the big-endian binary rows (secret metadata, access keys); `None` = malformed.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (h, t) = self.0.split_at(n);
        self.0 = t;
        Some(h)
    }
    pub(crate) fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    pub(crate) fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }
    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }
    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }
    pub(crate) fn i64(&mut self) -> Option<i64> {
        Some(i64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }
    pub(crate) fn str(&mut self) -> Option<String> {
        let n = self.u16()? as usize;
        Some(std::str::from_utf8(self.take(n)?).ok()?.to_string())
    }
    /// A presence byte (0 or 1) and, when 1, an i64.
    pub(crate) fn opt_i64(&mut self) -> Option<Option<i64>> {
        match self.take(1)?[0] {
            0 => Some(None),
            1 => Some(Some(self.i64()?)),
            _ => None,
        }
    }
}

fn decode(b: &[u8]) -> Option<SecretMeta> {
    let mut r = Reader(b);
    if r.u8()? != V1 {
        return None;
    }
    let id = SecretId(r.u64()?);
    let project = ProjectId(r.u64()?);
    let version = r.u32()?;
    let created = r.i64()?;
    let updated = r.i64()?;
    let trashed = r.opt_i64()?;
    let name = r.str()?;
    let note = match r.u8()? {
        0 => None,
        1 => Some(r.str()?),
        _ => return None,
    };
    let shape = match r.u8()? {
        0 => Shape::Simple,
        1 => {
            let n = r.u16()?;
            Shape::Structured {
                fields: (0..n).map(|_| r.str()).collect::<Option<_>>()?,
            }
        }
        _ => return None,
    };
    r.0.is_empty().then_some(SecretMeta {
        id,
        project,
        name,
        note,
        shape,
        version,
        created,
        updated,
        trashed,
    })
}

/// Decodes without checking the tag: for listings only.
pub(crate) fn decode_meta(b: &[u8]) -> Result<SecretMeta> {
    let body = b.len().checked_sub(TAG).map(|n| &b[..n]);
    body.and_then(decode)
        .ok_or_else(|| VaultError::Tampered("secret metadata row".into()))
}

/// Decodes the row stored under `id`, checking its tag and that it is that secret's.
pub(crate) fn decode_meta_verified(b: &[u8], id: u64, key: &[u8; 32]) -> Result<SecretMeta> {
    let bad = || VaultError::Tampered("secret metadata row".into());
    let n = b.len().checked_sub(TAG).ok_or_else(bad)?;
    let (body, t) = b.split_at(n);
    if !crate::crypto::verify(&tag(key, body), t) {
        return Err(bad());
    }
    decode(body).filter(|m| m.id.0 == id).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tags are stored: these bytes must never change (values computed before the HMAC
    /// code moved to `crate::crypto`).
    #[test]
    fn the_tag_keeps_its_bytes() {
        let t = tag(&[0x21; 32], b"\x01body of a row");
        assert_eq!(
            crate::encoding::hex(&t),
            "cb87e7cdb64b405947324b01ab1c3fd0d768e3b74bb8ee81ee39caa192c4f83b"
        );
    }

    #[test]
    fn rows_round_trip_and_junk_is_refused() {
        let mut m = SecretMeta {
            id: SecretId(7),
            project: ProjectId(2),
            name: "Database URL".into(),
            note: Some("primary".into()),
            shape: Shape::Structured {
                fields: vec!["host".into(), "password".into()],
            },
            version: 12,
            created: 1,
            updated: -2,
            trashed: Some(99),
        };
        let k = [7u8; 32];
        assert_eq!(decode_meta(&encode_meta(&m, &k)).unwrap(), m);
        m.note = None;
        m.shape = Shape::Simple;
        m.trashed = None;
        let b = encode_meta(&m, &k);
        assert_eq!(decode_meta(&b).unwrap(), m);
        assert_eq!(decode_meta_verified(&b, 7, &k).unwrap(), m);
        assert!(decode_meta(&b[..b.len() - 1]).is_err());
        assert!(decode_meta(&[2]).is_err());
        // Wrong key, another secret's slot, or one flipped bit: refused.
        assert!(decode_meta_verified(&b, 7, &[8u8; 32]).is_err());
        assert!(decode_meta_verified(&b, 8, &k).is_err());
        let mut flipped = b.clone();
        flipped[20] ^= 1;
        assert!(decode_meta_verified(&flipped, 7, &k).is_err());
    }
}
