//! Scheduled rotations of a project's JWT signing keys: the record (`record`) and the vault's operations on it (`rotations`).

pub(in crate::vault) mod record;
pub(in crate::vault) mod rotations;
