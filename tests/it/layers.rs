//! The layering stays as docs/architecture.md draws it: the vault and the Supabase
//! client are the bottom layers and never reach up into the engine, the owner, the
//! front ends or the change vocabulary above them.

use std::path::Path;

const ABOVE: [&str; 8] = [
    "engine", "owner", "ops", "front", "tui", "cli", "serve", "alerts",
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_vault_and_the_supabase_client_import_nothing_from_the_layers_above() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = Vec::new();
    for low in ["vault", "supabase"] {
        let mut files = Vec::new();
        sources(&root.join(low), &mut files);
        assert!(!files.is_empty(), "no sources under src/{low}");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for up in ABOVE {
                    if code.contains(&format!("crate::{up}::"))
                        || code.contains(&format!("crate::{up};"))
                        || code.contains(&format!("crate::{{{up}"))
                    {
                        bad.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "a bottom layer imports from above it:\n{}",
        bad.join("\n")
    );
}
