//! A front end's way to its vault's owner: in-process ([`Front::Local`], the process
//! opened the vault itself and is its own owner) or over the vault's private socket
//! ([`Front::Attached`], another keyward process owns it). Both take the same
//! [`Request`]s and give the same [`Reply`]s and events, so the command line and the
//! dashboard have one code path whichever way they reach the vault.

mod attach;

use std::sync::Arc;

use tokio::sync::broadcast;

pub use attach::{Attached, attach};

use crate::engine::Event;
use crate::ops::{OwnerInfo, Reply, Request};
use crate::owner::Host;

#[derive(Clone)]
pub enum Front {
    Local(Arc<Host>),
    Attached(Arc<Attached>),
}

impl Front {
    pub async fn call(&self, req: Request) -> Result<Reply, String> {
        match self {
            Front::Local(h) => h.handle(None, req).await,
            Front::Attached(a) => a.call(req).await,
        }
    }

    /// The owner's events from now on (an attached front end asks to watch first).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        match self {
            Front::Local(h) => h.subscribe(),
            Front::Attached(a) => a.subscribe(),
        }
    }

    /// Who owns the vault: this process, or the one attached to.
    pub fn owner(&self) -> OwnerInfo {
        match self {
            Front::Local(h) => h.info(),
            Front::Attached(a) => a.owner().clone(),
        }
    }

    pub fn is_attached(&self) -> bool {
        matches!(self, Front::Attached(_))
    }

    /// The in-process owner, when this process is it.
    pub fn host(&self) -> Option<&Arc<Host>> {
        match self {
            Front::Local(h) => Some(h),
            Front::Attached(_) => None,
        }
    }
}
