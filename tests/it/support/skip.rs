//! A test that cannot run here (a tool is missing) says so instead of passing silently:
//! under CI, where everything must run, it fails; elsewhere it prints a SKIPPED line and
//! leaves a file in `target/tmp/skipped/`, which `.ci/run`'s closing line counts (libtest
//! itself counts a test that returns early as passed).

use std::path::PathBuf;

/// Where skipped tests are recorded, one file per test.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skipped")
}

/// Records that `test` did not run because of `why`; panics under CI.
#[track_caller]
pub fn skip(test: &str, why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {why}; under CI every test must run (.ci/run installs what it needs)");
    }
    eprintln!("SKIPPED {test}: {why}");
    let d = dir();
    let _ = std::fs::create_dir_all(&d);
    let file: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let _ = std::fs::write(d.join(file), why);
}
