//! HMAC-SHA256, written once. Every keyed tag keyward makes (access key verifiers, the
//! audit chain, secret metadata and sync row tags, derived vault subkeys, webhook
//! signatures) is an HMAC over parts its caller frames; the framing (labels, length
//! prefixes, separators) stays with each caller because it is part of a stored format,
//! and this module only concatenates the parts. Comparisons of tags are constant-time.
//!
//! It sits below every layer, like `encoding`, so the vault and the alerts share it
//! without either importing the other.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// HMAC-SHA256 under `key` of the concatenation of `parts`.
pub fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// Constant-time equality of two tags (or their text). Only the lengths are compared
/// in variable time, and they are public.
pub fn verify(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test case 2.
    #[test]
    fn macs_like_rfc_4231() {
        let parts: [&[u8]; 3] = [b"what do ya", b" want ", b"for nothing?"];
        assert_eq!(
            crate::encoding::hex(&mac(b"Jefe", &parts)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            mac(b"Jefe", &parts),
            mac(b"Jefe", &[b"what do ya want for nothing?"])
        );
    }

    #[test]
    fn verify_compares_whole_tags() {
        assert!(verify(b"abc", b"abc"));
        assert!(!verify(b"abc", b"abd"));
        assert!(!verify(b"abc", b"ab"));
        assert!(verify(b"", b""));
    }
}
