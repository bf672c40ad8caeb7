//! Preview branches: the records (`record`) and following a parent's branches (`follow`).

pub(in crate::vault) mod follow;
pub(in crate::vault) mod record;
