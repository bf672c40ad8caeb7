//! Supabase's own keys, as opposed to the vault's secrets: scheduled API key rotations
//! (`api`), JWT signing key rotations (`signing`), each a record and its operations, and
//! what keyward last saw of a project's legacy keys (`legacy`). The two rotation
//! kinds share their schedule (`schedule`) and their storage (`stored`).

pub(super) mod api;
pub(super) mod legacy;
pub(super) mod schedule;
pub(super) mod signing;
mod stored;
