//! The access key format: generating, parsing and hashing, with no storage.
//!
//! A key is `kw_` + a 27-character KSUID + a 32-character secret, 62 ASCII characters,
//! all after the prefix from the base62 alphabet `0-9A-Za-z`:
//!
//! ```text
//! kw_2QxZp0d6M1bYJc9Vh3L8tK4rWsF  e7Hq2Lk9Pz0Xb4Nc8Vm1Rt6Yw3Ja5Sd
//!    |------ KSUID (id) ------|  |--------- secret ----------|
//! ```
//!
//! (without the spaces). Secret scanners match `\bkw_[0-9A-Za-z]{59}\b`. The KSUID is the
//! public id (shown in `key list` and the audit log) and sorts by creation time; the
//! secret is 32 characters drawn uniformly from 62, about 190 bits.
//!
//! Parsing refuses anything of the wrong length, prefix or alphabet, and any id above
//! the largest KSUID, before a single table is touched.

use rand::RngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

pub const PREFIX: &str = "kw_";
pub const ID_LEN: usize = 27;
pub const SECRET_LEN: usize = 32;
pub const KEY_LEN: usize = PREFIX.len() + ID_LEN + SECRET_LEN;
pub const SALT_LEN: usize = 16;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// The largest 160-bit value in base62. Fixed-width base62 in this alphabet sorts like
/// the number it encodes, so a string comparison is a range check.
const KSUID_MAX: &str = "aWgEPTl1tmebfsQzFP4bxwgy80V";

/// A presented key split into its id and secret. Borrowed: nothing is copied.
#[derive(Clone, Copy)]
pub struct Parsed<'a> {
    pub id: &'a str,
    pub secret: &'a str,
}

impl std::fmt::Debug for Parsed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Parsed {{ id: {:?}, secret: <redacted> }}", self.id)
    }
}

/// Splits `key`, or refuses it as malformed. Costs one pass over at most 62 bytes.
pub fn parse(key: &str) -> Option<Parsed<'_>> {
    let b = key.as_bytes();
    if b.len() != KEY_LEN || !b.starts_with(PREFIX.as_bytes()) {
        return None;
    }
    if !b[PREFIX.len()..].iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let id = &key[PREFIX.len()..PREFIX.len() + ID_LEN];
    if id > KSUID_MAX {
        return None;
    }
    Some(Parsed {
        id,
        secret: &key[PREFIX.len() + ID_LEN..],
    })
}

/// The id part of a well-formed key (for audit entries of refused keys).
pub fn id_of(key: &str) -> Option<&str> {
    parse(key).map(|p| p.id)
}

/// True for a string shaped like a key id (27 base62 characters in the KSUID range).
pub fn is_id(s: &str) -> bool {
    s.len() == ID_LEN && s.bytes().all(|c| c.is_ascii_alphanumeric()) && s <= KSUID_MAX
}

/// A fresh id for a key made at `now_ms`.
pub fn new_id(now_ms: i64) -> String {
    use svix_ksuid::{Ksuid, KsuidLike};
    Ksuid::from_seconds(Some(now_ms.div_euclid(1000)), None).to_string()
}

/// A fresh secret: uniform over the alphabet (rejection sampling keeps it unbiased).
pub fn new_secret() -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(SECRET_LEN));
    let mut buf = Zeroizing::new([0u8; 64]);
    while out.len() < SECRET_LEN {
        OsRng.fill_bytes(buf.as_mut());
        for &b in buf.iter() {
            // 248 = 4 * 62: bytes above it would favour the first characters.
            if b < 248 && out.len() < SECRET_LEN {
                out.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    out
}

pub fn new_salt() -> [u8; SALT_LEN] {
    let mut s = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut s);
    s
}

/// The stored verifier: HMAC-SHA256 under a key derived from the vault key, over the id,
/// the salt, the scope and the secret. The scope is inside the MAC so that someone who
/// can write the file but lacks the vault key cannot widen a key's scope.
pub fn verifier(mac_key: &[u8; 32], id: &str, salt: &[u8], scope: &[u8], secret: &str) -> [u8; 32] {
    let scope_len = (scope.len() as u32).to_be_bytes();
    crate::crypto::mac(
        mac_key,
        &[
            b"keyward access key v1\0",
            id.as_bytes(),
            salt,
            &scope_len,
            scope,
            secret.as_bytes(),
        ],
    )
}

/// What a revoked key's verifier becomes: still checkable (so the API can say "revoked"
/// to the holder of the real key), but not reversible to the live verifier by someone
/// editing the file.
pub fn revoked_verifier(mac_key: &[u8; 32], live: &[u8; 32]) -> [u8; 32] {
    crate::crypto::mac(mac_key, &[b"keyward revoked access key v1\0", live])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Verifiers are stored: these bytes must never change (values computed before the
    /// HMAC code moved to `crate::crypto`).
    #[test]
    fn verifiers_keep_their_bytes() {
        let k = [0x42; 32];
        let v = verifier(
            &k,
            "2QxZp0d6M1bYJc9Vh3L8tK4rWsF",
            &[9; SALT_LEN],
            b"\x01p",
            "e7Hq2Lk9Pz0Xb4Nc8Vm1Rt6Yw3Ja5Sd",
        );
        assert_eq!(
            crate::encoding::hex(&v),
            "1dcb128928037c96c3e68d07fb2086b322905640fffb9a55156ba3fbdac66056"
        );
        assert_eq!(
            crate::encoding::hex(&revoked_verifier(&k, &v)),
            "353bc76f47b0cf0a8b72abb4dd988ab2ab1c1475729646a3f392e9e166afc5ae"
        );
    }

    fn key() -> String {
        format!("{PREFIX}{}{}", new_id(1_795_443_509_000), &*new_secret())
    }

    #[test]
    fn generated_keys_parse_and_match_the_documented_pattern() {
        for _ in 0..100 {
            let k = key();
            assert_eq!(k.len(), KEY_LEN);
            let p = parse(&k).unwrap();
            assert!(is_id(p.id));
            assert_eq!(p.secret.len(), SECRET_LEN);
            assert!(k[3..].bytes().all(|c| c.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn every_malformed_shape_is_refused() {
        let k = key();
        for n in 0..k.len() {
            assert!(parse(&k[..n]).is_none(), "length {n}");
        }
        assert!(parse(&format!("{k}A")).is_none());
        assert!(parse(&format!("kx_{}", &k[3..])).is_none());
        assert!(parse(&format!("{}-{}", &k[..40], &k[41..])).is_none());
        assert!(parse(&format!("{}é{}", &k[..40], &k[42..])).is_none());
        // Above the largest KSUID.
        assert!(parse(&format!("kw_{}{}", "z".repeat(27), &k[30..])).is_none());
        assert!(parse(&format!("kw_{KSUID_MAX}{}", &k[30..])).is_some());
    }

    #[test]
    fn secrets_use_the_whole_alphabet() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            seen.extend(new_secret().bytes());
        }
        assert_eq!(seen.len(), 62);
    }

    #[test]
    fn the_verifier_binds_id_salt_scope_and_secret() {
        let k = [1u8; 32];
        let v = verifier(&k, "id", b"salt", b"scope", "secret");
        assert_eq!(v, verifier(&k, "id", b"salt", b"scope", "secret"));
        assert_ne!(v, verifier(&k, "iD", b"salt", b"scope", "secret"));
        assert_ne!(v, verifier(&k, "id", b"salT", b"scope", "secret"));
        assert_ne!(v, verifier(&k, "id", b"salt", b"scopE", "secret"));
        assert_ne!(v, verifier(&k, "id", b"salt", b"scope", "secreT"));
        assert_ne!(v, verifier(&[2u8; 32], "id", b"salt", b"scope", "secret"));
        assert_ne!(v, revoked_verifier(&k, &v));
    }
}
