//! Helpers shared by the golden tests: reading `tests/goldens/*.jsonl`.
#![allow(dead_code)] // each test crate uses the part it needs

use serde_json::Value;

/// The lines of a golden file.
pub fn golden_lines(name: &str) -> Vec<String> {
    let path = format!("{}/tests/goldens/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(str::to_string)
        .collect()
}

/// The lines of a golden file, parsed.
pub fn golden_cases(name: &str) -> Vec<Value> {
    golden_lines(name)
        .iter()
        .map(|l| serde_json::from_str(l).expect("golden line is JSON"))
        .collect()
}

/// A JSON list of strings.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}
