//! Fuzz target: any bytes through every loader (see `harness/load.rs`).
#![no_main]

#[path = "../harness/load.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
