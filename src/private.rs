//! Files and directories only their user can read, from the first byte: creating them
//! with the umask's mode and narrowing after leaves a window in which another local
//! user can open them (and keep the descriptor).

use std::fs::File;
use std::io;
use std::path::Path;

/// Makes `dir` (and missing parents) with mode 0700 for `dir` itself; parents that must be
/// made get the usual mode, as they may be shared dirs like ~/.local/share. An existing
/// `dir` is narrowed to 0700.
pub fn dir(dir: &Path) -> io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    match b.create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => narrow(dir, 0o700),
        Err(e) => Err(e),
    }
}

/// Creates `path`, which must not exist, with mode 0600.
pub fn create_new(path: &Path) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).read(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// Opens `path` for appending, creating it with mode 0600; an existing file made by an
/// older version with a wider mode is narrowed.
pub fn append(path: &Path) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(path)?;
    narrow(path, 0o600)?;
    Ok(f)
}

#[cfg(unix)]
fn narrow(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let md = std::fs::metadata(path)?;
    if md.permissions().mode() & 0o777 != mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}
#[cfg(not(unix))]
fn narrow(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}
