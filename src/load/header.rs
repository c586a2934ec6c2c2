//! The header line of benchgate's baseline files (`benchgate baseline write`):
//! `{"benchgate_baseline": {...}}` with the commit, date, tool version, config
//! hash and dataset fingerprint. Any JSONL reader meets it first, so the loader
//! recognises it and sets it aside ([`take_header`]).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

/// The version of the baseline file layout.
pub const FORMAT_VERSION: u32 = 1;

/// The key of the header line's only field.
const HEADER_KEY: &str = "benchgate_baseline";

/// The first line of a baseline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BaselineHeader {
    /// Layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// The commit the results were produced at, when known.
    pub commit: Option<String>,
    /// When the baseline was written (RFC 3339, UTC).
    pub date: String,
    /// The benchgate version that wrote it.
    pub benchgate_version: String,
    /// SHA-256 of the metric configuration the scores were computed with.
    pub config_hash: String,
    /// [`crate::align::fingerprint`] of the examples.
    pub dataset_fingerprint: String,
    /// Examples (distinct ids).
    pub examples: usize,
    /// Metrics whose per-example values the file carries.
    pub metrics: Vec<String>,
    /// The result files it was written from.
    pub source: Vec<String>,
    /// The settings hash of each metric whose values may be reused
    /// ([`crate::metrics::reuse`]); each row then holds its example's key
    /// under `"benchgate_keys"`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub reuse: std::collections::BTreeMap<String, String>,
}

impl BaselineHeader {
    /// "commit abc1234, 2026-11-20, benchgate 0.1.0", for report footers.
    pub fn provenance(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.commit {
            parts.push(format!("commit {}", c.get(..12).unwrap_or(c)));
        }
        parts.push(self.date.get(..10).unwrap_or(&self.date).to_string());
        parts.push(format!("benchgate {}", self.benchgate_version));
        parts.join(", ")
    }
}

/// If the first non-blank line of a JSONL file is a baseline header, parses it
/// and blanks the line in place (so line numbers of the rows stay true).
pub fn take_header(path: &Path, bytes: &mut [u8]) -> Result<Option<BaselineHeader>> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let skip = if bytes[start..].starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    let end = bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| start + i);
    let line = &bytes[start + skip..end];
    let marker = format!("\"{HEADER_KEY}\"");
    if !line
        .windows(marker.len())
        .take(64)
        .any(|w| w == marker.as_bytes())
    {
        return Ok(None);
    }
    let line_no = bytes[..start].iter().filter(|&&b| b == b'\n').count() + 1;
    let loc = Location::file(path).at_line(line_no).with_field(HEADER_KEY);
    #[derive(Deserialize)]
    struct Line {
        benchgate_baseline: serde_json::Value,
    }
    let parsed: Line = serde_json::from_slice(line).map_err(|e| {
        Error::input(
            loc.clone(),
            format!("the baseline header is malformed: {e}"),
        )
    })?;
    let version = parsed
        .benchgate_baseline
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(FORMAT_VERSION)) {
        return Err(Error::input(
            loc,
            format!(
                "the baseline file has format_version {}, this benchgate reads {FORMAT_VERSION}; rewrite it with this version's `benchgate baseline write`",
                version.map_or_else(|| "none".to_string(), |v| v.to_string())
            ),
        ));
    }
    let header: BaselineHeader = serde_json::from_value(parsed.benchgate_baseline)
        .map_err(|e| Error::input(loc, format!("the baseline header is malformed: {e}")))?;
    bytes[start..end].fill(b' ');
    Ok(Some(header))
}

/// The header line as written.
pub fn header_line(header: &BaselineHeader) -> String {
    serde_json::json!({ HEADER_KEY: header }).to_string()
}

/// A stored key read back (`None` for anything but 32 hex digits).
pub fn parse_key(text: &str) -> Option<u128> {
    (text.len() == 32)
        .then(|| u128::from_str_radix(text, 16).ok())
        .flatten()
}

/// Per-example values stored by an earlier run, by metric and settings hash,
/// then by example key ([`crate::metrics::reuse`]): what `compare` need not
/// compute again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stored(HashMap<(String, String), HashMap<u128, f64>>);

impl Stored {
    /// Nothing stored.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values of `metric` under `settings`.
    pub fn get(&self, metric: &str, settings: &str) -> Option<&HashMap<u128, f64>> {
        self.0.get(&(metric.to_string(), settings.to_string()))
    }

    /// Whether any values of `metric` are stored, under any settings.
    pub fn has_metric(&self, metric: &str) -> bool {
        self.0.keys().any(|(m, _)| m == metric)
    }

    /// Adds another file's values (a shard's, the other side's).
    pub fn merge(&mut self, other: Stored) {
        for (k, values) in other.0 {
            self.0.entry(k).or_default().extend(values);
        }
    }

    /// Reads the stored values of a file with `header` (its header line
    /// blanked or not): each row's `"benchgate_scores"` under its
    /// `"benchgate_keys"`, for the metrics the header gives a settings hash.
    /// A row without them, or with a value that is not a number, stores
    /// nothing (its example is computed).
    pub fn read(header: &BaselineHeader, reader: impl BufRead) -> std::io::Result<Stored> {
        #[derive(Deserialize)]
        struct Line {
            #[serde(default)]
            benchgate_scores: HashMap<String, Option<f64>>,
            #[serde(default)]
            benchgate_keys: HashMap<String, String>,
        }
        let mut out = Stored::default();
        if header.reuse.is_empty() {
            return Ok(out);
        }
        for line in reader.lines() {
            let line = line?;
            if !line.contains("\"benchgate_keys\"") {
                continue;
            }
            let Ok(parsed) = serde_json::from_str::<Line>(&line) else {
                continue;
            };
            for (metric, key) in &parsed.benchgate_keys {
                let (Some(settings), Some(key), Some(Some(x))) = (
                    header.reuse.get(metric),
                    parse_key(key),
                    parsed.benchgate_scores.get(metric),
                ) else {
                    continue;
                };
                out.0
                    .entry((metric.clone(), settings.clone()))
                    .or_default()
                    .insert(key, *x);
            }
        }
        Ok(out)
    }
}
