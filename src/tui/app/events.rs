//! The owner's events: each is cheap to apply; what they say changed is read once per
//! drain (everything, or only a delta).

use super::App;
use crate::engine::{Delta, Event};

impl App {
    /// An engine event. Every event is cheap to apply: a burst of them costs one reload
    /// per frame at most, since the runner draws after draining.
    pub fn apply(&mut self, e: &Event) {
        match e {
            Event::Changed => self.stale = true,
            Event::Touched(d) => {
                self.pending.get_or_insert_with(Delta::default).merge(d);
            }
            // Each is followed by the write that recorded it (Changed or Touched).
            Event::Variable { .. }
            | Event::TargetHealth { .. }
            | Event::Batch(_)
            | Event::Drift { .. }
            | Event::Branches { .. }
            | Event::Rotation { .. }
            | Event::AlertDelivery { .. }
            | Event::AccessRefused { .. } => {}
            Event::Progress { done, total } => self.progress = Some((*done, *total)),
            Event::Idle => {
                self.progress = None;
                if std::mem::take(&mut self.syncing) {
                    if self.stale || self.pending.is_some() {
                        self.finish_after_read = true;
                    } else {
                        self.sync_finished();
                    }
                }
            }
            Event::Stopped => self.fail("the sync engine stopped: quit and restart keyward"),
            Event::Sealed => self.sealed_by_owner(),
            Event::Unsealed => {
                if !self.open {
                    self.unsealed();
                }
            }
            Event::Attached { .. } | Event::Detached { .. } | Event::AttachRefused { .. } => {}
        }
    }

    /// What to re-read since the last call: None (nothing), everything (`Some(None)`),
    /// or only a delta. The runner then reads it off the UI task.
    pub fn take_stale(&mut self) -> Option<Option<Delta>> {
        let pending = self.pending.take();
        if std::mem::take(&mut self.stale) {
            return Some(None);
        }
        pending.map(Some)
    }
}
