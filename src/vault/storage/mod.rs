//! How the vault is kept on disk: the redb file and its typed transactions
//! (`database`), the compact row codecs, tagged (MAC-bound) metadata rows, sealing and
//! the vault key's wraps, and the note that names the process holding the file. Nothing
//! here knows what a secret or a target is.

pub(super) mod database;
pub(super) mod keywrap;
pub(super) mod lock;
pub(super) mod meta_row;
pub(super) mod seal;
pub(super) mod tagged;
