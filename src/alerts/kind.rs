//! What an alert is about: the event kinds an `[[alert]]` entry can listen to (`on =
//! [...]`), named in the config file, the hook's JSON and `keyward alert test KIND`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Variables of a batch failed to reach a target.
    PushFailed,
    /// A target failed too often in a row: automatic retries stopped.
    TargetUnhealthy,
    /// An unhealthy target took a push again.
    TargetHealthy,
    /// Values edited or deleted on Supabase by hand (a drift check found them).
    DriftFound,
    /// A Supabase key rotation failed before promoting its new key.
    RotationFailed,
    /// A rotation promoted its new key but could not delete the retired one yet.
    RotationCleanupPending,
    /// Keys were revoked as compromised.
    KeyRevoked,
    /// The local API refused access keys repeatedly (someone guessing, or a stale key).
    AccessKeyRefused,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::PushFailed,
        Kind::TargetUnhealthy,
        Kind::TargetHealthy,
        Kind::DriftFound,
        Kind::RotationFailed,
        Kind::RotationCleanupPending,
        Kind::KeyRevoked,
        Kind::AccessKeyRefused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PushFailed => "push_failed",
            Kind::TargetUnhealthy => "target_unhealthy",
            Kind::TargetHealthy => "target_healthy",
            Kind::DriftFound => "drift_found",
            Kind::RotationFailed => "rotation_failed",
            Kind::RotationCleanupPending => "rotation_cleanup_pending",
            Kind::KeyRevoked => "key_revoked",
            Kind::AccessKeyRefused => "access_key_refused",
        }
    }

    /// Every name, for error messages.
    pub fn names() -> String {
        Kind::ALL.map(Kind::as_str).join(", ")
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not an alert kind: use one of {}", Kind::names()))
    }
}
