//! What lets an expensive metric's per-example values be reused instead of
//! computed again (`bertscore*`, `exec`, `llm_judge`).
//!
//! A value can be taken from an earlier run when two things are equal:
//! - the metric's *settings hash*: everything that changes its values (the
//!   model's files, layers, idf and its documents, the rescaling file for
//!   BERTScore; the command, the files it names and the timeout for `exec`;
//!   benchgate's version for both), and
//! - the example's *key*: a hash of what the value is a function of (the
//!   prediction and references of each sample for BERTScore; the whole example
//!   as the command reads it for `exec`; the input, prediction and references
//!   for `llm_judge`).
//!
//! Baseline files and `score --format jsonl` store both beside each example's
//! values; `compare` looks the examples of both sides up by key
//! (`score::score_with_progress`) and computes only the rest.

use serde_json::json;
use xxhash_rust::xxh3::Xxh3Default;

use crate::load::Row;

// Stored values and their keys are read by the loader, below this module.
#[cfg(any(test, feature = "internals"))]
pub use crate::load::header::parse_key;
pub use crate::load::header::Stored;

/// A sample as an `exec` command reads it on stdin (what its key hashes).
pub(crate) fn example_json(row: &Row) -> String {
    json!({
            "id": row.id,
            "prediction": row.prediction,
            "references": row.references,
            "reference": row.references.first(),
            "input": row.input,
            "tags": row.tags,
            "numbers": row.numbers,
    })
    .to_string()
}

/// How a metric's values may be reused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reuse {
    /// Hash of every setting that changes the metric's values.
    pub settings: String,
    /// What an example's key covers.
    pub key: KeyKind,
}

/// What an example's key is a hash of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Each sample's prediction and references (BERTScore).
    Texts,
    /// Each sample as `exec`'s command reads it: id, prediction, references,
    /// input, tags and numbers.
    Example,
    /// Each sample's input, prediction and references: what an LLM judge
    /// reads (`llm_judge`).
    Judged,
}

impl KeyKind {
    /// The key of an example with these samples (in file order).
    pub fn key(self, samples: &[Row]) -> u128 {
        let mut h = Xxh3Default::new();
        // Length-prefixed parts: no text can fake a boundary.
        let mut part = |bytes: &[u8]| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        part(match self {
            KeyKind::Texts => b"texts",
            KeyKind::Example => b"example",
            KeyKind::Judged => b"judged",
        });
        for row in samples {
            match self {
                KeyKind::Texts => {
                    part(row.prediction.as_bytes());
                    part(&(row.references.len() as u64).to_le_bytes());
                    for r in &row.references {
                        part(r.as_bytes());
                    }
                }
                KeyKind::Example => part(example_json(row).as_bytes()),
                KeyKind::Judged => {
                    match &row.input {
                        Some(input) => {
                            part(b"input");
                            part(input.as_bytes());
                        }
                        None => part(b"no input"),
                    }
                    part(row.prediction.as_bytes());
                    part(&(row.references.len() as u64).to_le_bytes());
                    for r in &row.references {
                        part(r.as_bytes());
                    }
                }
            }
        }
        h.digest128()
    }
}

/// A key as stored in a file: 32 hex digits.
pub fn key_hex(key: u128) -> String {
    format!("{key:032x}")
}

/// Hashes settings parts into the `xxh3:`-prefixed form headers store.
#[derive(Default)]
pub struct SettingsHasher(Xxh3Default);

impl SettingsHasher {
    /// Starts a hash for metric family `family` at this benchgate version (a
    /// new version may compute differently).
    pub fn new(family: &str) -> Self {
        let mut h = SettingsHasher(Xxh3Default::new());
        h.text(family);
        h.text(env!("CARGO_PKG_VERSION"));
        h
    }

    /// Adds a part.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// Adds a text part.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.bytes(text.as_bytes())
    }

    /// Adds a file's contents; `None` when it cannot be read (then nothing is
    /// reused: a value whose inputs cannot be checked is computed).
    pub fn file(&mut self, path: &std::path::Path) -> Option<&mut Self> {
        let bytes = std::fs::read(path).ok()?;
        Some(self.bytes(&bytes))
    }

    /// The hash.
    pub fn finish(&self) -> String {
        format!("xxh3:{:032x}", self.0.digest128())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_apart_what_the_value_depends_on() {
        let row = |p: &str, refs: &[&str]| {
            Row::new("1", p, refs.iter().map(|r| (*r).to_string()).collect())
        };
        let k = |kind: KeyKind, rows: &[Row]| kind.key(rows);
        let a = [row("ab", &["c"])];
        assert_eq!(
            k(KeyKind::Texts, &a),
            k(KeyKind::Texts, &[row("ab", &["c"])])
        );
        // Moving a boundary, adding a reference or a sample changes the key.
        assert_ne!(
            k(KeyKind::Texts, &a),
            k(KeyKind::Texts, &[row("a", &["bc"])])
        );
        assert_ne!(
            k(KeyKind::Texts, &a),
            k(KeyKind::Texts, &[row("ab", &["c", ""])])
        );
        assert_ne!(
            k(KeyKind::Texts, &a),
            k(KeyKind::Texts, &[row("ab", &["c"]), row("ab", &["c"])])
        );
        // The id is no part of a text key, but is of an example key.
        let mut other_id = row("ab", &["c"]);
        other_id.id = "2".into();
        assert_eq!(
            k(KeyKind::Texts, &a),
            k(KeyKind::Texts, std::slice::from_ref(&other_id))
        );
        assert_ne!(
            k(KeyKind::Example, &a),
            k(KeyKind::Example, std::slice::from_ref(&other_id))
        );
        assert_ne!(k(KeyKind::Texts, &a), k(KeyKind::Example, &a));
        // A judged key covers the input but not the id.
        let mut with_input = row("ab", &["c"]);
        with_input.input = Some("q".into());
        assert_ne!(
            k(KeyKind::Judged, &a),
            k(KeyKind::Judged, std::slice::from_ref(&with_input))
        );
        assert_eq!(
            k(KeyKind::Judged, &a),
            k(KeyKind::Judged, std::slice::from_ref(&other_id))
        );
        assert_ne!(k(KeyKind::Judged, &a), k(KeyKind::Texts, &a));
        let key = k(KeyKind::Texts, &a);
        assert_eq!(parse_key(&key_hex(key)), Some(key));
        assert_eq!(parse_key("xyz"), None);
    }
}
