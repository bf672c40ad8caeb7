//! Timestamps, ids and key material for the emulator (the text forms from `encoding`).

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;

/// Now as RFC 3339 UTC with milliseconds, the form the API uses (`2026-01-02T03:04:05.678Z`).
pub fn now_rfc3339() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(d.as_secs() as i64, d.subsec_millis())
}

pub fn rfc3339(unix_secs: i64, millis: u32) -> String {
    crate::encoding::rfc3339(unix_secs * 1000 + i64::from(millis), true)
}

/// A random version-4 UUID, lowercase hyphenated.
pub fn uuid_v4() -> String {
    crate::encoding::uuid_v4(rand::thread_rng().r#gen()).to_string()
}

pub fn random_alnum(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(1_798_761_599, 999), "2026-12-31T23:59:59.999Z");
    }

    #[test]
    fn uuids_are_v4_shaped() {
        let u = uuid_v4();
        assert!(is_uuid(&u), "{u}");
        assert_eq!(&u[14..15], "4");
    }
}
