//! Keys and sealing. The 32-byte vault key exists in clear only in memory (zeroized on
//! drop); on disk it is wrapped by age, once to the passphrase (scrypt) and once to any
//! X25519 recipients (age forbids mixing a passphrase with other recipients in one file).
//! Records are sealed with XChaCha20-Poly1305 under the vault key, with the record's table
//! and key as associated data so that a blob moved to another record fails to open.

use std::io::{Read, Write};
use std::iter;

use age::secrecy::SecretString;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use crate::vault::error::{Result, VaultError};

const SEAL_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
/// The scrypt work factor (log2 N, r = 8, p = 1) of new passphrase wraps: 256 MiB and
/// about a second per unseal on a small VM. Chosen here, not by age's calibration, which
/// picks 17 to 19 (128 to 512 MiB) depending on how busy the machine is at `init`.
pub const DEFAULT_WORK_FACTOR: u8 = 18;
/// The least a user may choose: OWASP's minimum for scrypt (N = 2^17, r = 8), 128 MiB.
/// Lower factors are for tests only (`KEYWARD_INSECURE_KDF_WORK_FACTOR`).
pub const MIN_WORK_FACTOR: u8 = 17;
/// Refuse to even try files demanding more (a hostile file could ask for minutes and
/// gigabytes); 22 is 4 GiB.
pub const MAX_WORK_FACTOR: u8 = 22;

/// The memory one unseal takes at work factor `log_n`: 128 × r × N bytes, in MiB.
pub fn kdf_memory_mib(log_n: u8) -> u64 {
    (128u64 * 8) << log_n >> 20
}

pub struct VaultKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(<redacted>)")
    }
}

impl VaultKey {
    pub fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(k.as_mut());
        VaultKey(k)
    }

    fn from_slice(b: &[u8]) -> Option<Self> {
        let arr: [u8; 32] = b.try_into().ok()?;
        Some(VaultKey(Zeroizing::new(arr)))
    }

    /// A purpose-bound subkey (HMAC-SHA256 of a label), so the audit chain never uses the
    /// sealing key directly.
    pub fn derive(&self, label: &str) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(crate::crypto::mac(
            self.0.as_ref(),
            &[b"keyward derive v1\0", label.as_bytes()],
        ))
    }

    /// Seals `plain` for the record `(table, key)`. Layout: version byte, 24-byte random
    /// nonce, ciphertext with its 16-byte tag.
    pub fn seal(&self, table: &str, key: &[u8], plain: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&self.0[..]));
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let aad = aad(table, key);
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory sizes");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(SEAL_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, table: &str, key: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let fail = || VaultError::Tampered(format!("{table} record"));
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != SEAL_VERSION {
            return Err(fail());
        }
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&self.0[..]));
        let aad = aad(table, key);
        cipher
            .decrypt(
                XNonce::from_slice(&sealed[1..1 + NONCE_LEN]),
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| fail())
    }
}

fn aad(table: &str, key: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(12 + table.len() + key.len());
    a.extend_from_slice(b"keyward/v1\0");
    a.extend_from_slice(table.as_bytes());
    a.push(0);
    a.extend_from_slice(key);
    a
}

/// The work factor for a new passphrase wrap: `flag` (a command's `--kdf-work-factor`),
/// else `KEYWARD_KDF_WORK_FACTOR`, else the default; and a warning when a test has
/// asked for a cheap one with `KEYWARD_INSECURE_KDF_WORK_FACTOR`, the only way below
/// the floor.
pub fn choose_work_factor(flag: Option<u8>) -> Result<(u8, Option<String>)> {
    let read = |var: &str, min: u8| -> Result<Option<u8>> {
        match std::env::var(var) {
            Err(_) => Ok(None),
            Ok(s) if s.trim().is_empty() => Ok(None),
            Ok(s) => match s.trim().parse::<u8>() {
                Ok(n) if (min..=MAX_WORK_FACTOR).contains(&n) => Ok(Some(n)),
                _ => Err(VaultError::invalid(format!(
                    "{var}={s:?} is not a number from {min} to {MAX_WORK_FACTOR}: unset it to use the default ({DEFAULT_WORK_FACTOR})"
                ))),
            },
        }
    };
    if let Some(n) = flag {
        return Ok((n, None));
    }
    if let Some(n) = read("KEYWARD_KDF_WORK_FACTOR", MIN_WORK_FACTOR)? {
        return Ok((n, None));
    }
    if let Some(n) = read("KEYWARD_INSECURE_KDF_WORK_FACTOR", 1)? {
        return Ok((
            n,
            (n < MIN_WORK_FACTOR).then(|| format!(
                "warning: KEYWARD_INSECURE_KDF_WORK_FACTOR={n}: this passphrase is cheap to guess; for tests only"
            )),
        ));
    }
    Ok((DEFAULT_WORK_FACTOR, None))
}

/// The scrypt work factor of a passphrase wrap, from its age header (no key needed).
pub fn wrap_work_factor(wrap: &[u8]) -> Option<u8> {
    // age's header is text: "age-encryption.org/v1", then "-> scrypt SALT LOG_N".
    let head = &wrap[..wrap.len().min(512)];
    let text = String::from_utf8_lossy(head);
    text.lines()
        .find_map(|l| l.strip_prefix("-> scrypt "))
        .and_then(|rest| rest.split(' ').nth(1))
        .and_then(|n| n.trim().parse().ok())
}

/// How many X25519 recipients a recipients wrap has (no key needed).
pub fn wrap_recipients(wrap: &[u8]) -> usize {
    let end = wrap
        .windows(4)
        .position(|w| w == b"\n---")
        .unwrap_or(wrap.len());
    String::from_utf8_lossy(&wrap[..end])
        .lines()
        .filter(|l| l.starts_with("-> X25519 "))
        .count()
}

pub fn wrap_with_passphrase(
    key: &VaultKey,
    pass: &SecretString,
    work_factor: u8,
) -> Result<Vec<u8>> {
    let mut r = age::scrypt::Recipient::new(pass.clone());
    r.set_work_factor(work_factor);
    encrypt(iter::once(&r as &dyn age::Recipient), key)
}

pub fn wrap_to_recipients(
    key: &VaultKey,
    recipients: &[age::x25519::Recipient],
) -> Result<Vec<u8>> {
    encrypt(recipients.iter().map(|r| r as &dyn age::Recipient), key)
}

fn encrypt<'a>(
    recipients: impl Iterator<Item = &'a dyn age::Recipient>,
    key: &VaultKey,
) -> Result<Vec<u8>> {
    let enc = age::Encryptor::with_recipients(recipients)
        .map_err(|e| VaultError::invalid(format!("cannot wrap the vault key: {e}")))?;
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out)?;
    w.write_all(key.0.as_ref())?;
    w.finish()?;
    Ok(out)
}

pub enum UnwrapError {
    /// Wrong passphrase or identity.
    NoMatch,
    /// The wrap is not an age file, or its payload is not a key: why, and age's (or the
    /// reader's) error when there is one.
    Damaged(String, Option<crate::vault::error::BoxError>),
}

impl UnwrapError {
    fn damaged(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        UnwrapError::Damaged(e.to_string(), Some(Box::new(e)))
    }
}

pub fn unwrap_with_passphrase(
    wrapped: &[u8],
    pass: &SecretString,
) -> Result<VaultKey, UnwrapError> {
    let mut id = age::scrypt::Identity::new(pass.clone());
    // Accept the file's factor (a vault made on a fast machine or with a cheap test factor)
    // up to a bound that keeps a hostile file from costing minutes.
    id.set_max_work_factor(MAX_WORK_FACTOR);
    decrypt(wrapped, iter::once(&id as &dyn age::Identity))
}

pub fn unwrap_with_identities(
    wrapped: &[u8],
    ids: &[Box<dyn age::Identity + Send + Sync>],
) -> Result<VaultKey, UnwrapError> {
    decrypt(
        wrapped,
        ids.iter().map(|i| i.as_ref() as &dyn age::Identity),
    )
}

fn decrypt<'a>(
    wrapped: &[u8],
    ids: impl Iterator<Item = &'a dyn age::Identity>,
) -> Result<VaultKey, UnwrapError> {
    use age::DecryptError as D;
    let dec = age::Decryptor::new_buffered(wrapped).map_err(UnwrapError::damaged)?;
    let mut r = dec.decrypt(ids).map_err(|e| match e {
        D::DecryptionFailed | D::NoMatchingKeys | D::KeyDecryptionFailed => UnwrapError::NoMatch,
        other => UnwrapError::damaged(other),
    })?;
    let mut buf = Zeroizing::new(Vec::with_capacity(32));
    r.read_to_end(&mut buf).map_err(UnwrapError::damaged)?;
    VaultKey::from_slice(&buf)
        .ok_or_else(|| UnwrapError::Damaged("the wrapped key has the wrong length".into(), None))
}

/// Reads an age identity file (X25519 keys) for headless unseal.
pub fn load_identities(
    path: &std::path::Path,
) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>> {
    let bad = |e: String| {
        VaultError::invalid(format!(
            "cannot read the identity file {}: {e}; give an age identity file (age-keygen output)",
            path.display()
        ))
    };
    let file = age::IdentityFile::from_file(path.to_string_lossy().into_owned())
        .map_err(|e| bad(e.to_string()))?;
    let ids = file.into_identities().map_err(|e| bad(e.to_string()))?;
    if ids.is_empty() {
        return Err(bad("it holds no identity".into()));
    }
    Ok(ids)
}

/// Identities from the text of an identity file (handed over a socket, not a path).
pub fn parse_identities(text: &str) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>> {
    let bad = |e: String| {
        VaultError::invalid(format!(
            "the identity given is not usable: {e}; give an age identity file (age-keygen output)"
        ))
    };
    let file = age::IdentityFile::from_buffer(std::io::BufReader::new(text.as_bytes()))
        .map_err(|e| bad(e.to_string()))?;
    let ids = file.into_identities().map_err(|e| bad(e.to_string()))?;
    if ids.is_empty() {
        return Err(bad("it holds no identity".into()));
    }
    Ok(ids)
}

pub fn parse_recipient(s: &str) -> Result<age::x25519::Recipient> {
    s.trim().parse().map_err(|_| {
        VaultError::invalid(format!(
            "{s:?} is not an age X25519 recipient: give a public key starting with age1 (age-keygen -y IDENTITY)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Derived keys verify stored MACs: these bytes must never change (values computed
    /// before the HMAC code moved to `crate::crypto`).
    #[test]
    fn derived_keys_keep_their_bytes() {
        let k = VaultKey::from_slice(&[0x07; 32]).unwrap();
        assert_eq!(
            crate::encoding::hex(&k.derive("audit")[..]),
            "f48604e7d2853af6252ba3fc13c09a686330fede4f42903085921f7a2de48327"
        );
    }

    #[test]
    fn a_blob_opens_only_at_its_own_record() {
        let k = VaultKey::generate();
        let blob = k.seal("values", b"\x00\x01", b"hunter2");
        assert_eq!(
            &k.open("values", b"\x00\x01", &blob).unwrap()[..],
            b"hunter2"
        );
        assert!(k.open("values", b"\x00\x02", &blob).is_err());
        assert!(k.open("other", b"\x00\x01", &blob).is_err());
        assert!(
            VaultKey::generate()
                .open("values", b"\x00\x01", &blob)
                .is_err()
        );
        let mut flipped = blob.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(k.open("values", b"\x00\x01", &flipped).is_err());
    }

    #[test]
    fn passphrase_wrap_round_trips_and_rejects_wrong_passphrase() {
        let k = VaultKey::generate();
        let w = wrap_with_passphrase(&k, &SecretString::from("right"), 4).unwrap();
        assert_eq!(wrap_work_factor(&w), Some(4), "read from the clear header");
        assert_eq!(wrap_recipients(&w), 0);
        let back = unwrap_with_passphrase(&w, &SecretString::from("right"))
            .ok()
            .unwrap();
        assert_eq!(back.0[..], k.0[..]);
        assert!(matches!(
            unwrap_with_passphrase(&w, &SecretString::from("wrong")),
            Err(UnwrapError::NoMatch)
        ));
        assert!(matches!(
            unwrap_with_passphrase(b"junk", &SecretString::from("right")),
            Err(UnwrapError::Damaged(..))
        ));
    }

    #[test]
    fn debug_never_shows_the_key() {
        assert_eq!(
            format!("{:?}", VaultKey::generate()),
            "VaultKey(<redacted>)"
        );
    }
}
