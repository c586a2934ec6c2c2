//! Fuzz target: hostile text in every string of a report, rendered as the PR
//! comment and checked with a CommonMark parser (see `harness/markdown.rs`).
#![no_main]

#[path = "../harness/markdown.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
