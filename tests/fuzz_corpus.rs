//! The fuzz targets' committed inputs, replayed on the stable toolchain: every
//! seed (`fuzz/seeds/<target>/`) and every crash the fuzzers ever found
//! (`fuzz/regressions/<target>/`, one file per finding, named after it) goes
//! through the same harness the cargo-fuzz targets run (`fuzz/harness/`).

#[path = "../fuzz/harness/load.rs"]
mod load;
#[path = "../fuzz/harness/markdown.rs"]
mod markdown;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for kind in ["seeds", "regressions"] {
        let dir = root.join(kind).join(target);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let files = inputs(target);
    assert!(files.len() >= 5, "{target}: only {} inputs", files.len());
    for path in files {
        let data = std::fs::read(&path).expect("read input");
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target}: {} fails", path.display());
    }
}

#[test]
fn load_seeds_and_regressions() {
    replay("load", load::run);
}

#[test]
fn markdown_seeds_and_regressions() {
    replay("markdown", markdown::run);
}
