//! The vault and the directory made for it are their user's only from the first byte:
//! an inotify watch sees every chmod, so a file made with the umask's mode and narrowed
//! after is caught even though its final mode is right.

use std::mem::MaybeUninit;
use std::path::Path;

use rustix::fs::inotify;

use crate::support::vault::{PASS, Sandbox, mode, ok};

/// Names in `dir` whose mode or owner was changed after creation while `run` ran.
fn chmodded_during(dir: &Path, run: impl FnOnce()) -> Vec<String> {
    let fd = inotify::init(inotify::CreateFlags::NONBLOCK | inotify::CreateFlags::CLOEXEC).unwrap();
    inotify::add_watch(&fd, dir, inotify::WatchFlags::ATTRIB).unwrap();
    run();
    let mut buf = [MaybeUninit::<u8>::uninit(); 8192];
    let mut reader = inotify::Reader::new(&fd, &mut buf);
    let mut names = Vec::new();
    while let Ok(e) = reader.next() {
        if let Some(n) = e.file_name() {
            names.push(n.to_string_lossy().into_owned());
        }
    }
    names
}

#[test]
fn init_makes_the_vault_0600_and_its_dir_0700_from_the_first_byte() {
    let sb = Sandbox::new();
    let changed = chmodded_during(sb.dir.path(), || {
        ok(&sb.kw(&["init"], ""));
    });
    assert!(!changed.iter().any(|n| n == "vault.redb"), "{changed:?}");
    assert_eq!(mode(&sb.path), 0o600);

    let fresh = sb.dir.path().join("fresh");
    let path = fresh.join("vault.redb");
    let changed = chmodded_during(sb.dir.path(), || {
        ok(&sb.kw_env(
            &["init"],
            "",
            &[
                ("KEYWARD_PASSPHRASE", PASS),
                ("KEYWARD_VAULT", path.to_str().unwrap()),
            ],
        ));
    });
    assert!(!changed.iter().any(|n| n == "fresh"), "{changed:?}");
    assert_eq!(mode(&fresh), 0o700);
    assert_eq!(mode(&path), 0o600);
}
