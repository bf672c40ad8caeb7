//! Where a vault's owner listens: a Unix socket in a directory only its user can enter,
//! named after the vault's canonical path so that two vaults never share one.
//!
//! `$XDG_RUNTIME_DIR/keyward/` (per-user, 0700, cleared at logout), or without a runtime
//! dir a `.keyward-run/` directory beside the vault. The directory is made 0700, the
//! socket 0600, and the owner checks the peer's uid on every connection anyway.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The socket of the vault at `vault` (which must exist: its canonical path names it).
pub fn path_for(vault: &Path) -> io::Result<PathBuf> {
    let canon = std::fs::canonicalize(vault)?;
    let digest = Sha256::digest(canon.as_os_str().as_encoded_bytes());
    let name = crate::encoding::hex(&digest[..8]);
    let dir = match runtime_dir() {
        Some(rt) => rt.join("keyward"),
        None => canon
            .parent()
            .map(|p| p.join(".keyward-run"))
            .unwrap_or_else(|| PathBuf::from(".keyward-run")),
    };
    Ok(dir.join(format!("{name}.sock")))
}

fn runtime_dir() -> Option<PathBuf> {
    let d = PathBuf::from(std::env::var_os("XDG_RUNTIME_DIR")?);
    (d.is_absolute() && d.is_dir()).then_some(d)
}

/// This process's effective uid.
pub fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Makes the socket's directory (0700), or checks the one there: it must be a directory
/// of ours that nobody else may enter, or an owner could not keep others out.
pub fn prepare_dir(socket: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    let dir = socket
        .parent()
        .ok_or_else(|| io::Error::other("the socket path has no directory"))?;
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir),
        Err(e) => Err(e),
        Ok(md) if !md.is_dir() => Err(io::Error::other(format!(
            "{} is not a directory: remove it",
            dir.display()
        ))),
        Ok(md) if md.uid() != my_uid() => Err(io::Error::other(format!(
            "{} belongs to uid {}, not to you: remove it or set XDG_RUNTIME_DIR",
            dir.display(),
            md.uid()
        ))),
        Ok(md) if md.mode() & 0o077 != 0 => {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        }
        Ok(_) => Ok(()),
    }
}
