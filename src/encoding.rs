//! Text encodings written here on purpose, once: lowercase hex, the text form of a
//! version-4 UUID and RFC 3339 UTC timestamps are a few lines each, used across the
//! vault, the owner and the emulator; a crate apiece would not pay for itself. A UUID
//! made as a secret's value stays in zeroizing memory from its bytes to the string.

use zeroize::Zeroizing;

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex, two digits per byte.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    out
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
}

/// `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` from 16 random bytes (version 4, RFC 4122
/// variant set here).
pub fn uuid_v4(mut b: [u8; 16]) -> Zeroizing<String> {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = Zeroizing::new(String::with_capacity(36));
    for (i, part) in [&b[0..4], &b[4..6], &b[6..8], &b[8..10], &b[10..16]]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            out.push('-');
        }
        push_hex(&mut out, part);
    }
    zeroize::Zeroize::zeroize(&mut b);
    out
}

/// `2026-11-23T14:18:29Z` (with `millis`, `2026-11-23T14:18:29.123Z`, the API's form)
/// from milliseconds since the Unix epoch.
pub fn rfc3339(ms: i64, millis: bool) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (hh, mm, ss) = (sod / 3600, sod % 3600 / 60, sod % 60);
    if millis {
        let frac = ms.rem_euclid(1000);
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac:03}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    }
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_uuid_look_as_specified() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        let u = uuid_v4([0xff; 16]);
        assert_eq!(u.as_str(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let u = uuid_v4([0; 16]);
        assert_eq!(u.as_str(), "00000000-0000-4000-8000-000000000000");
        assert_eq!(rfc3339(0, false), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_392_000_123, true), "2026-11-23T00:00:00.123Z");
        assert_eq!(rfc3339(-1, true), "1969-12-31T23:59:59.999Z");
    }
}
