//! Access keys for the local API: the key format (`format`), its compact stored row
//! (`row`) and the operations on them (`keys`: create, list, revoke, verify).

pub(super) mod format;
pub(super) mod keys;
pub(super) mod row;
