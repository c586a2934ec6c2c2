//! What one fuzz input does to the loaders; shared by the cargo-fuzz target
//! (`fuzz_targets/load.rs`) and by `tests/fuzz_corpus.rs`, which replays the
//! committed seeds and every crash found so far on the stable toolchain.
//!
//! The bytes go through every format `Format::value_variants()` lists (so a new
//! format is fuzzed without touching this file) and through format detection
//! by name and first byte, gzip included. Any panic, hang or unbounded
//! allocation is a finding; so is an error that does not name the file.

use std::path::Path;

use clap::ValueEnum;
use evalgate::error::Error;
use evalgate::load::{load_bytes, load_bytes_as, Dataset, FieldMap, Format};

/// Names that steer format detection (extension, `.gz`, first byte).
const NAMES: &[&str] = &[
    "fuzz.jsonl",
    "fuzz.json",
    "fuzz.csv",
    "fuzz.tsv",
    "fuzz.jsonl.gz",
    "fuzz.txt",
];

/// Loads `data` every way evalgate can.
pub fn run(data: &[u8]) {
    let fields = FieldMap::default();
    for format in Format::value_variants() {
        let name = "fuzz-forced";
        check(
            name,
            load_bytes_as(Path::new(name), data.to_vec(), Some(*format), &fields),
        );
    }
    for name in NAMES {
        check(name, load_bytes(Path::new(name), data.to_vec(), &fields));
    }
}

fn check(name: &str, result: Result<Dataset, Error>) {
    match result {
        Ok(data) => assert!(!data.rows.is_empty(), "{name}: loaded but holds no rows"),
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.starts_with(name),
                "{name}: the error does not name the file: {message}"
            );
        }
    }
}
