//! Value generators for rotation policies. Specs are short strings so they fit on a
//! command line: `alnum:32`, `hex:64`, `base64url:43`, `uuid`,
//! `password:24` or `password:24:lower,upper,digit,symbol`.

use std::fmt;

use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::vault::error::{Result, VaultError};

pub const LEN_MIN: u16 = 8;
pub const LEN_MAX: u16 = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "lowercase")]
pub enum Generator {
    Alnum { len: u16 },
    Hex { len: u16 },
    Base64url { len: u16 },
    Uuid,
    Password { len: u16, classes: Classes },
}

/// Character classes for passwords; each enabled class appears at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classes {
    pub lower: bool,
    pub upper: bool,
    pub digit: bool,
    pub symbol: bool,
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGIT: &[u8] = b"0123456789";
// No quotes, backslash or '$': the value must survive .env files and shells unquoted-ish.
const SYMBOL: &[u8] = b"!#%&()*+,-.:;<=>?@[]^_{|}~";
const HEX: &[u8] = b"0123456789abcdef";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const SPEC_HELP: &str =
    "use alnum:LEN, hex:LEN, base64url:LEN, uuid, or password:LEN[:lower,upper,digit,symbol]";

impl Generator {
    pub fn parse(spec: &str) -> Result<Self> {
        let bad =
            |why: &str| VaultError::invalid(format!("bad generator {spec:?}: {why}; {SPEC_HELP}"));
        let mut parts = spec.trim().split(':');
        let format = parts.next().unwrap_or_default().to_ascii_lowercase();
        if format == "uuid" {
            return match parts.next() {
                None => Ok(Generator::Uuid),
                Some(_) => Err(bad("uuid takes no length")),
            };
        }
        let len: u16 = parts
            .next()
            .ok_or_else(|| bad("missing length"))?
            .parse()
            .map_err(|_| bad("the length is not a number"))?;
        if !(LEN_MIN..=LEN_MAX).contains(&len) {
            return Err(bad(&format!("the length must be {LEN_MIN} to {LEN_MAX}")));
        }
        let g = match format.as_str() {
            "alnum" => Generator::Alnum { len },
            "hex" => Generator::Hex { len },
            "base64url" => Generator::Base64url { len },
            "password" => {
                let classes = match parts.next() {
                    None => Classes {
                        lower: true,
                        upper: true,
                        digit: true,
                        symbol: true,
                    },
                    Some(list) => {
                        let mut c = Classes {
                            lower: false,
                            upper: false,
                            digit: false,
                            symbol: false,
                        };
                        for class in list.split(',') {
                            match class.trim() {
                                "lower" => c.lower = true,
                                "upper" => c.upper = true,
                                "digit" => c.digit = true,
                                "symbol" => c.symbol = true,
                                other => return Err(bad(&format!("unknown class {other:?}"))),
                            }
                        }
                        c
                    }
                };
                Generator::Password { len, classes }
            }
            other => return Err(bad(&format!("unknown format {other:?}"))),
        };
        if parts.next().is_some() {
            return Err(bad("too many ':' parts"));
        }
        Ok(g)
    }

    pub fn generate(&self) -> Zeroizing<String> {
        let mut rng = OsRng;
        let pick = |set: &[u8], len: u16, rng: &mut OsRng| -> Zeroizing<String> {
            let mut s = Zeroizing::new(String::with_capacity(len as usize));
            for _ in 0..len {
                s.push(set[rng.gen_range(0..set.len())] as char);
            }
            s
        };
        match self {
            Generator::Alnum { len } => {
                let set: Vec<u8> = [LOWER, UPPER, DIGIT].concat();
                pick(&set, *len, &mut rng)
            }
            Generator::Hex { len } => pick(HEX, *len, &mut rng),
            Generator::Base64url { len } => pick(B64URL, *len, &mut rng),
            Generator::Uuid => {
                let mut b = [0u8; 16];
                rng.fill_bytes(&mut b);
                let v = crate::encoding::uuid_v4(b);
                zeroize::Zeroize::zeroize(&mut b);
                v
            }
            Generator::Password { len, classes } => password(*len, *classes, &mut rng),
        }
    }
}

fn password(len: u16, c: Classes, rng: &mut OsRng) -> Zeroizing<String> {
    let sets: Vec<&[u8]> = [
        (c.lower, LOWER),
        (c.upper, UPPER),
        (c.digit, DIGIT),
        (c.symbol, SYMBOL),
    ]
    .into_iter()
    .filter_map(|(on, set)| on.then_some(set))
    .collect();
    let all: Vec<u8> = sets.concat();
    let mut out: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(len as usize));
    // One of each class first, then the rest from the union, then a Fisher-Yates
    // shuffle so the guaranteed characters are not always at the front.
    for set in &sets {
        out.push(set[rng.gen_range(0..set.len())]);
    }
    while out.len() < len as usize {
        out.push(all[rng.gen_range(0..all.len())]);
    }
    for i in (1..out.len()).rev() {
        let j = rng.gen_range(0..=i);
        out.swap(i, j);
    }
    Zeroizing::new(out.iter().map(|b| *b as char).collect())
}

impl fmt::Display for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Generator::Alnum { len } => write!(f, "alnum:{len}"),
            Generator::Hex { len } => write!(f, "hex:{len}"),
            Generator::Base64url { len } => write!(f, "base64url:{len}"),
            Generator::Uuid => f.write_str("uuid"),
            Generator::Password { len, classes: c } => {
                let names: Vec<&str> = [
                    (c.lower, "lower"),
                    (c.upper, "upper"),
                    (c.digit, "digit"),
                    (c.symbol, "symbol"),
                ]
                .into_iter()
                .filter_map(|(on, n)| on.then_some(n))
                .collect();
                write!(f, "password:{len}:{}", names.join(","))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        for spec in [
            "alnum:32",
            "hex:64",
            "base64url:43",
            "uuid",
            "password:24:lower,digit",
        ] {
            assert_eq!(Generator::parse(spec).unwrap().to_string(), spec);
        }
        assert!(Generator::parse("hex").is_err());
        assert!(Generator::parse("hex:4").is_err());
        assert!(Generator::parse("rot13:20").is_err());
        assert!(Generator::parse("password:20:emoji").is_err());
    }

    #[test]
    fn outputs_match_their_format() {
        let hex = Generator::Hex { len: 40 }.generate();
        assert_eq!(hex.len(), 40);
        assert!(hex.bytes().all(|b| HEX.contains(&b)));
        let u = Generator::Uuid.generate();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        let b = Generator::Base64url { len: 43 }.generate();
        assert!(b.bytes().all(|c| B64URL.contains(&c)));
        let all = Classes {
            lower: true,
            upper: true,
            digit: true,
            symbol: true,
        };
        for _ in 0..50 {
            let p = Generator::Password {
                len: 8,
                classes: all,
            }
            .generate();
            assert!(p.bytes().any(|c| LOWER.contains(&c)));
            assert!(p.bytes().any(|c| UPPER.contains(&c)));
            assert!(p.bytes().any(|c| DIGIT.contains(&c)));
            assert!(p.bytes().any(|c| SYMBOL.contains(&c)));
        }
    }

    /// What the user guide promises, pinned independently of the code's own lists: no
    /// quote, backquote, backslash, '$' or space in any generated value, lengths 8 to
    /// 4,096 and nothing outside.
    #[test]
    fn the_documented_exclusions_and_bounds_hold() {
        let all = Classes {
            lower: true,
            upper: true,
            digit: true,
            symbol: true,
        };
        let long = Generator::Password {
            len: 4096,
            classes: all,
        }
        .generate();
        assert_eq!(long.len(), 4096);
        for forbidden in ['"', '\'', '`', '\\', '$', ' '] {
            assert!(!long.contains(forbidden), "{forbidden:?} in a password");
        }
        assert!(long.bytes().all(|b| b.is_ascii_graphic()));
        for spec in ["password:4096", "alnum:8", "hex:4096"] {
            assert!(Generator::parse(spec).is_ok(), "{spec}");
        }
        for spec in ["password:4097", "alnum:7", "hex:0", "base64url:5000"] {
            assert!(Generator::parse(spec).is_err(), "{spec}");
        }
    }
}
