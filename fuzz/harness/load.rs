//! What one fuzz input does to the loaders; shared by the cargo-fuzz target
//! (`fuzz_targets/load.rs`) and by `tests/fuzz_corpus.rs`, which replays the
//! committed seeds and every crash found so far on the stable toolchain.
//!
//! The bytes go through every reader and through format detection by name,
//! first byte and gzip. Any panic, hang or unbounded allocation is a finding;
//! so is an error that does not name the file.

use std::path::Path;

use benchgate::error::Error;
use benchgate::load::{load_bytes, Dataset, FieldMap, InputFormat};
use clap::ValueEnum;

/// Every way a file reaches a reader: a name and the field map it is read with.
///
/// Detection by name and content, and then every `--input-format` forced (one
/// entry per `InputFormat::value_variants()`, clap's list of every variant), so
/// that a new format is fuzzed without touching this file.
fn readers() -> Vec<(&'static str, FieldMap)> {
    [
        "fuzz.jsonl",
        "fuzz.json",
        "fuzz.csv",
        "fuzz.tsv",
        "fuzz.jsonl.gz",
        "fuzz.txt",
    ]
    .into_iter()
    .map(|name| (name, FieldMap::default()))
    .chain(InputFormat::value_variants().iter().map(|&format| {
        (
            "fuzz.forced",
            FieldMap {
                format,
                ..FieldMap::default()
            },
        )
    }))
    .collect()
}

/// Loads `data` every way benchgate can.
pub fn run(data: &[u8]) {
    for (name, fields) in readers() {
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
