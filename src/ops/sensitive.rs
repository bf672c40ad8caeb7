//! A string that must never be printed: a token, a passphrase, a value in transit.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Zeroized on drop, redacted in Debug, serialized as a plain string (only ever onto the
/// owner's private socket).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive(Zeroizing<String>);

impl Sensitive {
    pub fn new(s: impl Into<String>) -> Self {
        Sensitive(Zeroizing::new(s.into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<Zeroizing<String>> for Sensitive {
    fn from(z: Zeroizing<String>) -> Self {
        Sensitive(z)
    }
}

impl std::fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}
