//! Supabase's own keys, as opposed to the vault's secrets: scheduled API key rotations
//! (`api`), JWT signing key rotations (`signing`), each a record and its operations, and
//! what keyward last saw of a project's legacy keys (`legacy`).

pub(super) mod api;
pub(super) mod legacy;
pub(super) mod signing;
