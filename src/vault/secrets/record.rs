//! The vault's domain types. Metadata (names, notes, times, version causes) is stored in
//! clear; values only ever live in [`SecretValue`], which zeroizes and never prints.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::vault::clock::Millis;
use crate::vault::secrets::generate::Generator;

/// Stable identifiers: a secret keeps its id across renames, so later tables (mappings,
/// outbox, ledger) can refer to it without caring about its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProjectId(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SecretId(pub u64);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub created: Millis,
}

/// Simple (one value) or structured (ordered named fields). Field names are metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Shape {
    Simple,
    Structured { fields: Vec<String> },
}

/// One row per secret, kept compact and free of sealed material so that a listing of
/// every secret needs no AEAD open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretMeta {
    pub id: SecretId,
    pub project: ProjectId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub shape: Shape,
    /// The newest version number; versions are 1-based and never reused.
    pub version: u32,
    pub created: Millis,
    pub updated: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trashed: Option<Millis>,
}

impl SecretMeta {
    pub fn is_trashed(&self) -> bool {
        self.trashed.is_some()
    }
}

/// Why a version exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "lowercase")]
pub enum Cause {
    Edit,
    Rotation,
    Rollback { from: u32 },
    Restore,
    Import,
}

impl Cause {
    pub fn as_str(&self) -> &'static str {
        match self {
            Cause::Edit => "edit",
            Cause::Rotation => "rotation",
            Cause::Rollback { .. } => "rollback",
            Cause::Restore => "restore",
            Cause::Import => "import",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionMeta {
    pub number: u32,
    pub at: Millis,
    pub actor: String,
    #[serde(flatten)]
    pub cause: Cause,
}

/// A rotation policy for a whole simple secret (`field: None`) or one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub every: Millis,
    pub generator: Generator,
    pub next_due: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<Millis>,
}

/// Secret material. Never Debug-printed, zeroized on drop; encoded to be sealed, and
/// serialized only to cross the owner's private socket (docs/daemon.md).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretValue {
    Simple(Zeroizing<String>),
    Fields(Vec<(String, Zeroizing<String>)>),
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretValue::Simple(_) => f.write_str("SecretValue::Simple(<redacted>)"),
            SecretValue::Fields(fs) => {
                let names: Vec<&str> = fs.iter().map(|(k, _)| k.as_str()).collect();
                write!(f, "SecretValue::Fields({names:?} <redacted>)")
            }
        }
    }
}

impl SecretValue {
    pub fn simple(v: impl Into<String>) -> Self {
        SecretValue::Simple(Zeroizing::new(v.into()))
    }
    pub fn fields<K: Into<String>, V: Into<String>>(fs: impl IntoIterator<Item = (K, V)>) -> Self {
        SecretValue::Fields(
            fs.into_iter()
                .map(|(k, v)| (k.into(), Zeroizing::new(v.into())))
                .collect(),
        )
    }
    pub fn shape(&self) -> Shape {
        match self {
            SecretValue::Simple(_) => Shape::Simple,
            SecretValue::Fields(fs) => Shape::Structured {
                fields: fs.iter().map(|(k, _)| k.clone()).collect(),
            },
        }
    }
    pub fn as_simple(&self) -> Option<&str> {
        match self {
            SecretValue::Simple(v) => Some(v),
            SecretValue::Fields(_) => None,
        }
    }
    /// A length-prefixed encoding into a zeroizing buffer (serde would leave copies in
    /// ordinary `String`s). Layout: tag 0 + value, or tag 1 + count + (name, value)*.
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        fn put(out: &mut Vec<u8>, s: &str) {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        let mut out = Zeroizing::new(Vec::new());
        match self {
            SecretValue::Simple(v) => {
                out.push(0);
                put(&mut out, v);
            }
            SecretValue::Fields(fs) => {
                out.push(1);
                out.extend_from_slice(&(fs.len() as u32).to_be_bytes());
                for (k, v) in fs {
                    put(&mut out, k);
                    put(&mut out, v);
                }
            }
        }
        out
    }

    pub(crate) fn decode(b: &[u8]) -> Option<SecretValue> {
        fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
            let (h, t) = (b.get(..n)?, b.get(n..)?);
            *b = t;
            Some(h)
        }
        fn num(b: &mut &[u8]) -> Option<usize> {
            Some(u32::from_be_bytes(take(b, 4)?.try_into().ok()?) as usize)
        }
        fn text(b: &mut &[u8]) -> Option<Zeroizing<String>> {
            let n = num(b)?;
            let raw = take(b, n)?;
            Some(Zeroizing::new(std::str::from_utf8(raw).ok()?.to_string()))
        }
        let mut b = b;
        let v = match take(&mut b, 1)?[0] {
            0 => SecretValue::Simple(text(&mut b)?),
            1 => {
                let n = num(&mut b)?;
                let mut fs = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    let k = text(&mut b)?;
                    fs.push((k.to_string(), text(&mut b)?));
                }
                SecretValue::Fields(fs)
            }
            _ => return None,
        };
        b.is_empty().then_some(v)
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        match self {
            SecretValue::Fields(fs) => fs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()),
            SecretValue::Simple(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_never_debug_print() {
        for v in [
            SecretValue::simple("s3cr3t"),
            SecretValue::fields([("host", "db"), ("password", "pw")]),
        ] {
            assert_eq!(SecretValue::decode(&v.encode()).unwrap(), v);
            assert!(!format!("{v:?}").contains("s3cr3t") && !format!("{v:?}").contains("pw\""));
        }
        assert!(SecretValue::decode(&[0, 0, 0, 0, 9, b'x']).is_none());
        assert!(SecretValue::decode(&[7]).is_none());
    }
}

/// A secret as listed: its metadata plus its project's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    pub project: String,
    pub meta: SecretMeta,
}
