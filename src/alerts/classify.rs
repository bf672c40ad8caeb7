//! Which engine events are alerts. The words and the per-target health memory are the
//! daemon log's ([`Describer`]): an alert says what the log line says, and a target's
//! health alerts only when it changes, exactly when the log writes a line for it.

use super::{Alert, Kind};
use crate::engine::Event;
use crate::engine::keyrotation::{
    SAID_CLEANUP_PENDING as CLEANUP_PENDING, SAID_FAILED as FAILED, SAID_REVOKED as REVOKED,
};
use crate::owner::log::Describer;

#[derive(Default)]
pub struct Classifier {
    describer: Describer,
}

impl Classifier {
    pub fn alerts(&mut self, e: &Event, now: crate::vault::Millis) -> Vec<Alert> {
        // Every event goes through the describer so its health memory stays current.
        let lines = self.describer.lines(e);
        let text = |kind: &str| -> String {
            lines
                .iter()
                .filter(|l| l.kind == kind)
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let a = |kind: Kind, target: Option<&str>, message: String| {
            let mut a = Alert::new(kind, now);
            a.target = target.map(str::to_owned);
            a.message = message;
            a
        };
        match e {
            Event::Batch(b) if !b.failed.is_empty() => {
                let mut x = a(Kind::PushFailed, Some(&b.target), text("push_failed"));
                x.variables = b.failed.iter().map(|(v, _)| v.clone()).collect();
                vec![x]
            }
            Event::TargetHealth { target, .. } => lines
                .iter()
                .filter_map(|l| {
                    let k = match l.kind {
                        "unhealthy" => Kind::TargetUnhealthy,
                        "healthy" => Kind::TargetHealthy,
                        _ => return None,
                    };
                    Some(a(k, Some(target), l.text.clone()))
                })
                .collect(),
            Event::Drift {
                target,
                drifted,
                missing,
            } => {
                let mut x = a(Kind::DriftFound, Some(target), text("drift"));
                x.variables = drifted.iter().chain(missing).cloned().collect();
                vec![x]
            }
            // Legacy-key steps are a target's, said by their own command.
            Event::Rotation { name, message, .. } if !name.starts_with("legacy-keys ") => {
                let kind = if message.starts_with(FAILED) {
                    Kind::RotationFailed
                } else if message.starts_with(CLEANUP_PENDING) {
                    Kind::RotationCleanupPending
                } else if message.starts_with(REVOKED) {
                    Kind::KeyRevoked
                } else {
                    return Vec::new();
                };
                let mut x = a(kind, None, text("rotation"));
                x.rotation = Some(name.clone());
                vec![x]
            }
            Event::AccessRefused { .. } => {
                vec![a(Kind::AccessKeyRefused, None, text("access_refused"))]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::BatchSummary;

    #[test]
    fn failures_health_changes_drift_and_rotation_steps_are_alerts() {
        let mut c = Classifier::default();
        let batch = Event::Batch(BatchSummary {
            target: "t1".into(),
            failed: vec![("A".into(), "HTTP 500".into())],
            ..BatchSummary::default()
        });
        let got = c.alerts(&batch, 0);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].kind, Kind::PushFailed);
        assert_eq!(got[0].variables, vec!["A".to_string()]);
        assert!(got[0].message.contains("A failed: HTTP 500"), "{got:?}");
        let health = |healthy| Event::TargetHealth {
            target: "t1".into(),
            healthy,
            consecutive_failures: 10,
        };
        assert!(c.alerts(&health(true), 0).is_empty());
        assert_eq!(c.alerts(&health(false), 0)[0].kind, Kind::TargetUnhealthy);
        assert!(c.alerts(&health(false), 0).is_empty(), "only changes");
        assert_eq!(c.alerts(&health(true), 0)[0].kind, Kind::TargetHealthy);
        let rot = |message: &str| Event::Rotation {
            name: "web".into(),
            ok: false,
            message: message.into(),
        };
        assert_eq!(
            c.alerts(&rot("failed: HTTP 500"), 0)[0].kind,
            Kind::RotationFailed
        );
        assert_eq!(
            c.alerts(&rot("rotated, clean-up pending: deleting"), 0)[0].kind,
            Kind::RotationCleanupPending
        );
        assert_eq!(
            c.alerts(&rot("revoked as compromised: leak"), 0)[0].kind,
            Kind::KeyRevoked
        );
        assert!(c.alerts(&rot("started: creating key k"), 0).is_empty());
    }
}
