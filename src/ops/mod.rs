//! The one vocabulary every front end speaks to the owner of a vault: [`Request`]s in
//! (reads, changes as data, engine and Supabase commands), [`Reply`]s and engine events
//! out. The command line and the dashboard build requests; the owner applies them
//! (`owner::Owner::handle`), in-process when the front end opened the vault itself, over
//! the vault's private socket when another keyward process owns it. Both paths run the
//! same code, so they cannot behave differently. Everything here is plain, serializable
//! data: no closures cross the boundary, and nothing reveals a value unless the request's
//! purpose is to show one.

mod change;
mod keys;
mod reply;
mod request;
mod sensitive;
pub mod wire;

pub use change::{Change, Outcome};
pub use keys::{ApiKeyRow, LegacyReport, SigningKeyRow, SigningRotated, TargetKeys};
pub use reply::{
    AlertRow, Applied, BranchList, BranchRow, Candidate, Connected, Dashboard, DashboardDelta,
    Followed, Mapped, OwnerInfo, PushReport, Queued, Reply, RotatedKey, SecretListing, SupabaseKey,
    SyncOutcome,
};
pub use request::{LegacyAction, MapRequest, Query, Request, UnsealWith};
pub use sensitive::Sensitive;
