//! One alert as delivered: the JSON a hook reads on stdin and a webhook receives, and
//! the `KEYWARD_EVENT_*` variables a hook also gets. Names, counts and Supabase's
//! reasons only: never a value or a token (docs/json.md, docs/security.md).

use serde::Serialize;

use super::Kind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// Unique per alert (`msg_` + a KSUID): a receiver drops repeats by it. A retry of
    /// the same delivery keeps it.
    pub id: String,
    pub kind: Kind,
    /// When keyward saw it (RFC 3339, UTC).
    pub time: String,
    /// The Supabase project ref it concerns, if any.
    pub target: Option<String>,
    /// The key rotation it concerns, if any.
    pub rotation: Option<String>,
    /// The variables involved (failed or drifted), by name.
    pub variables: Vec<String>,
    /// In words, as the daemon's log line says it.
    pub message: String,
    /// Sent by `keyward alert test`, not by something that happened.
    pub test: bool,
}

impl Alert {
    pub fn new(kind: Kind, now: crate::vault::Millis) -> Alert {
        Alert {
            id: format!("msg_{}", crate::vault::ksuid_at(now)),
            kind,
            time: crate::vault::rfc3339(now),
            target: None,
            rotation: None,
            variables: Vec::new(),
            message: String::new(),
            test: false,
        }
    }

    /// What throttling counts per: the target, else the rotation, else nothing.
    pub fn subject(&self) -> &str {
        self.target
            .as_deref()
            .or(self.rotation.as_deref())
            .unwrap_or("")
    }

    pub fn json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an alert serializes")
    }

    /// The variables a hook gets besides its stdin, for a one-line shell hook.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("KEYWARD_EVENT_ID", self.id.clone()),
            ("KEYWARD_EVENT_KIND", self.kind.as_str().into()),
            ("KEYWARD_EVENT_TIME", self.time.clone()),
            (
                "KEYWARD_EVENT_TARGET",
                self.target.clone().unwrap_or_default(),
            ),
            (
                "KEYWARD_EVENT_ROTATION",
                self.rotation.clone().unwrap_or_default(),
            ),
            ("KEYWARD_EVENT_MESSAGE", self.message.clone()),
            (
                "KEYWARD_EVENT_TEST",
                if self.test { "1" } else { "0" }.into(),
            ),
        ]
    }

    /// A made-up one for `keyward alert test KIND`.
    pub fn sample(kind: Kind, now: crate::vault::Millis) -> Alert {
        let mut a = Alert::new(kind, now);
        a.test = true;
        let t = "abcdefghijklmnopqrst";
        match kind {
            Kind::PushFailed | Kind::DriftFound => {
                a.target = Some(t.into());
                a.variables = vec!["EXAMPLE_VARIABLE".into()];
            }
            Kind::TargetUnhealthy | Kind::TargetHealthy => a.target = Some(t.into()),
            Kind::RotationFailed | Kind::RotationCleanupPending | Kind::KeyRevoked => {
                a.rotation = Some("example-rotation".into());
            }
            Kind::AccessKeyRefused => {}
        }
        a.message = format!("a test of the {kind} alert from `keyward alert test`");
        a
    }
}
