//! evalgate's baseline files, and what tells two datasets apart.
//!
//! `evalgate baseline write` turns a results file into a compact,
//! self-describing baseline: a header line
//! `{"evalgate_baseline": {...}}` (commit, date, tool version, config hash,
//! dataset fingerprint), then one JSON line per example with its id, input,
//! output, references, scores and tags, plus the per-example values of the
//! metrics it was written with under `"evalgate_scores"`. Any reader of JSONL
//! reads it: the header is recognised and set aside, and the scores object is
//! not a field evalgate scores from. Only the expensive metrics (`bertscore*`,
//! `exec`) take their values from it ([`Stored`]), and only where the header's
//! settings hash for the metric and the example's key under `"evalgate_keys"`
//! say the value would come out the same ([`crate::metrics::reuse`]); every
//! other metric is recomputed, so a changed option never compares stale numbers.
//!
//! The dataset fingerprint is a hash (XXH3-128) over the examples sorted by
//! id: each example's id, input, references and, for lm-eval samples, its
//! `doc_hash` and `target_hash`. Two runs on the same benchmark have the same
//! fingerprint whatever the model wrote; [`content_differs`] is the
//! per-example form `compare` uses to list what changed.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::align::Example;
use crate::error::{Error, Location, Result};
use crate::load::{Row, Text};

/// The version of the baseline file layout.
pub const FORMAT_VERSION: u32 = 1;

/// The key of the header line's only field.
const HEADER_KEY: &str = "evalgate_baseline";

/// The first line of a baseline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineHeader {
    /// Layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// The commit the results were produced at, when known.
    pub commit: Option<String>,
    /// When the baseline was written (RFC 3339, UTC).
    pub date: String,
    /// The evalgate version that wrote it.
    pub evalgate_version: String,
    /// SHA-256 of the metric configuration the scores were computed with.
    pub config_hash: String,
    /// [`fingerprint`] of the examples.
    pub dataset_fingerprint: String,
    /// Examples (distinct ids).
    pub examples: usize,
    /// Metrics whose per-example values the file carries.
    pub metrics: Vec<String>,
    /// The result files it was written from.
    pub source: Vec<String>,
    /// The settings hash of each metric whose values may be reused
    /// ([`crate::metrics::reuse`]); each row then holds its example's key
    /// under `"evalgate_keys"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reuse: BTreeMap<String, String>,
}

impl BaselineHeader {
    /// "commit abc1234, 2026-11-20, evalgate 0.1.0", for report footers.
    pub fn provenance(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.commit {
            parts.push(format!("commit {}", c.get(..12).unwrap_or(c)));
        }
        parts.push(self.date.get(..10).unwrap_or(&self.date).to_string());
        parts.push(format!("evalgate {}", self.evalgate_version));
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
        evalgate_baseline: serde_json::Value,
    }
    let parsed: Line = serde_json::from_slice(line).map_err(|e| {
        Error::input(
            loc.clone(),
            format!("the baseline header is malformed: {e}"),
        )
    })?;
    let version = parsed
        .evalgate_baseline
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(FORMAT_VERSION)) {
        return Err(Error::input(
            loc,
            format!(
                "the baseline file has format_version {}, this evalgate reads {FORMAT_VERSION}; rewrite it with this version's `evalgate baseline write`",
                version.map_or_else(|| "none".to_string(), |v| v.to_string())
            ),
        ));
    }
    let header: BaselineHeader = serde_json::from_value(parsed.evalgate_baseline)
        .map_err(|e| Error::input(loc, format!("the baseline header is malformed: {e}")))?;
    bytes[start..end].fill(b' ');
    Ok(Some(header))
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
    /// blanked or not): each row's `"evalgate_scores"` under its
    /// `"evalgate_keys"`, for the metrics the header gives a settings hash.
    /// A row without them, or with a value that is not a number, stores
    /// nothing (its example is computed).
    pub fn read(header: &BaselineHeader, reader: impl BufRead) -> std::io::Result<Stored> {
        #[derive(Deserialize)]
        struct Line {
            #[serde(default)]
            evalgate_scores: HashMap<String, Option<f64>>,
            #[serde(default)]
            evalgate_keys: HashMap<String, String>,
        }
        let mut out = Stored::default();
        if header.reuse.is_empty() {
            return Ok(out);
        }
        for line in reader.lines() {
            let line = line?;
            if !line.contains("\"evalgate_keys\"") {
                continue;
            }
            let Ok(parsed) = serde_json::from_str::<Line>(&line) else {
                continue;
            };
            for (metric, key) in &parsed.evalgate_keys {
                let (Some(settings), Some(key), Some(Some(x))) = (
                    header.reuse.get(metric),
                    crate::metrics::reuse::parse_key(key),
                    parsed.evalgate_scores.get(metric),
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

/// The header line as written.
pub fn header_line(header: &BaselineHeader) -> String {
    serde_json::json!({ HEADER_KEY: header }).to_string()
}

/// Tags in which a tool's reader records its own hash of an example's ground
/// truth: lm-eval's `doc_hash` and `target_hash`, and `test_hash`, the hash
/// promptfoo's reader computes over a test's vars and asserts. Never a hash of
/// the rendered prompt: the prompt is what a pull request changes.
pub const GROUND_TRUTH_TAGS: [&str; 3] = ["doc_hash", "target_hash", "test_hash"];

/// What the fingerprint reads of an example: its ground truth — references
/// and the tools' dataset hashes. Not the input: a pull request that rewrites
/// the prompt leaves the dataset as it was.
fn content(row: &Row) -> impl Iterator<Item = &str> {
    let hashes = GROUND_TRUTH_TAGS
        .into_iter()
        .filter_map(|k| row.tags.get(k).map(Text::as_str));
    row.references.iter().map(Text::as_str).chain(hashes)
}

/// The dataset fingerprint: `xxh3:` and 32 hex digits.
///
/// Each example (its first sample) is hashed on its own, in parallel: its id,
/// then each part of its content, separated by a unit separator (0x1f) and
/// ended by a record separator (0x1e), with 128-bit XXH3. The fingerprint is
/// XXH3-128 over those digests in id order. A fingerprint tells datasets apart
/// at a glance; it is not a security boundary ([`content_differs`] compares the
/// texts themselves), and a fast hash keeps it off a million-example run's
/// critical path.
pub fn fingerprint(examples: &[Example]) -> String {
    use rayon::prelude::*;
    let mut digests: Vec<(&Text, u128)> = examples
        .par_iter()
        .map(|e| {
            let row = e.first();
            let mut hash = xxhash_rust::xxh3::Xxh3Default::new();
            hash.update(row.id.as_bytes());
            for part in content(row) {
                hash.update(&[0x1f]);
                hash.update(part.as_bytes());
            }
            hash.update(&[0x1e]);
            (&row.id, hash.digest128())
        })
        .collect();
    // Sides from `align::group` are in id order already.
    if !digests.windows(2).all(|w| w[0].0 <= w[1].0) {
        digests.par_sort_by(|a, b| a.0.cmp(b.0));
    }
    let bytes: Vec<u8> = digests.iter().flat_map(|(_, d)| d.to_le_bytes()).collect();
    format!("xxh3:{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
}

/// Whether one id's example was edited between baseline and current: its
/// ground truth changed — its references (only when both sides have them, so
/// a baseline written without references does not flag every example) or a
/// tool's dataset hash ([`GROUND_TRUTH_TAGS`]). A changed input is not an
/// edit: it is the prompt change a pull request is there to test
/// ([`prompt_differs`]).
pub fn content_differs(base: &Row, cur: &Row) -> bool {
    let refs = !base.references.is_empty()
        && !cur.references.is_empty()
        && base.references != cur.references;
    let hashes = GROUND_TRUTH_TAGS
        .iter()
        .any(|k| matches!((base.tags.get(k), cur.tags.get(k)), (Some(a), Some(b)) if a != b));
    refs || hashes
}

/// Whether the input (the rendered prompt) differs, when both sides have one.
pub fn prompt_differs(base: &Row, cur: &Row) -> bool {
    matches!((&base.input, &cur.input), (Some(a), Some(b)) if a != b)
}

/// The short form of a fingerprint in reports: its algorithm and first 12
/// digits (`xxh3:2e13a212ac8c`).
pub fn short(fingerprint: &str) -> &str {
    let digits = fingerprint.find(':').map_or(0, |i| i + 1);
    fingerprint.get(..digits + 12).unwrap_or(fingerprint)
}

/// What `evalgate baseline write` needs besides the rows.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Metrics whose per-example values go in the file; empty: `exact_match`
    /// and `f1` when every example has a reference.
    pub metrics: Vec<String>,
    /// Metric options (also hashed into `config_hash`).
    pub metric_options: crate::metrics::MetricOptions,
    /// The commit; `None`: `GITHUB_SHA`, else `git rev-parse HEAD`, else unknown.
    pub commit: Option<String>,
    /// The result files, as named in the header.
    pub source: Vec<String>,
}

/// The text of a baseline file for the examples of `side`.
///
/// Values `stored` holds (the inputs are `score --format jsonl` shards) are
/// reused where they would come out the same ([`crate::metrics::reuse`]).
pub fn write(side: &crate::align::Side, stored: &Stored, options: &WriteOptions) -> Result<String> {
    let names = if options.metrics.is_empty() {
        let referenced = side
            .examples
            .iter()
            .all(|e| !e.first().references.is_empty());
        if referenced {
            vec!["exact_match".to_string(), "f1".to_string()]
        } else {
            Vec::new()
        }
    } else {
        options.metrics.clone()
    };
    let scores = crate::score_side(side, None, stored, &names, &options.metric_options)?;
    Ok(write_scored(side, &scores, options))
}

/// The text of a baseline file for the examples of `side` scored as `scores`
/// (`baseline write`, `score --format jsonl`).
pub fn write_scored(
    side: &crate::align::Side,
    scores: &crate::ScoreReport,
    options: &WriteOptions,
) -> String {
    let names = &scores.order;
    let reuse: BTreeMap<String, String> = names
        .iter()
        .zip(&scores.reuse)
        .filter_map(|(n, r)| Some((n.clone(), r.as_ref()?.settings.clone())))
        .collect();
    let header = BaselineHeader {
        format_version: FORMAT_VERSION,
        commit: options.commit.clone().or_else(current_commit),
        date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        evalgate_version: env!("CARGO_PKG_VERSION").to_string(),
        config_hash: config_hash(names, &options.metric_options),
        dataset_fingerprint: fingerprint(&side.examples),
        examples: side.examples.len(),
        metrics: names.clone(),
        source: options.source.clone(),
        reuse,
    };
    let mut out = header_line(&header);
    out.push('\n');
    for (example, (_, values)) in side.examples.iter().zip(&scores.examples) {
        let mut per_metric = serde_json::Map::new();
        for (name, x) in names.iter().zip(values) {
            per_metric.insert(name.clone(), finite(*x));
        }
        let mut keys = serde_json::Map::new();
        for (name, r) in names.iter().zip(&scores.reuse) {
            if let Some(r) = r {
                let key = crate::metrics::reuse::key_hex(r.key.key(&example.samples));
                keys.insert(name.clone(), key.into());
            }
        }
        for row in &example.samples {
            let mut line = row_json(row);
            line.insert("evalgate_scores".into(), per_metric.clone().into());
            if !keys.is_empty() {
                line.insert("evalgate_keys".into(), keys.clone().into());
            }
            out.push_str(&serde_json::Value::Object(line).to_string());
            out.push('\n');
        }
    }
    out
}

/// A row under evalgate's own field names.
fn row_json(row: &Row) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("id".into(), row.id.clone().into());
    if let Some(input) = &row.input {
        m.insert("input".into(), input.clone().into());
    }
    m.insert("prediction".into(), row.prediction.clone().into());
    match row.references.as_slice() {
        [] => {}
        [one] => {
            m.insert("reference".into(), one.clone().into());
        }
        many => {
            m.insert(
                "reference".into(),
                many.iter().map(Text::as_str).collect::<Vec<_>>().into(),
            );
        }
    }
    for (k, x) in &row.numbers {
        m.insert(k.to_string(), finite(*x));
    }
    for (k, v) in &row.tags {
        m.insert(k.to_string(), v.clone().into());
    }
    m
}

fn finite(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into)
}

/// SHA-256 of the metric names and options the scores were computed with.
fn config_hash(names: &[String], options: &crate::metrics::MetricOptions) -> String {
    let mut hash = Sha256::new();
    hash.update(format!("{names:?}\n{:?}", options.exact_match).as_bytes());
    hash.update(
        format!(
            "{:?}\n{:?}\n{:?}",
            options.rouge, options.sacrebleu, options.checks
        )
        .as_bytes(),
    );
    format!("sha256:{:x}", hash.finalize())
}

/// `GITHUB_SHA`, else `git rev-parse HEAD` in the working directory.
fn current_commit() -> Option<String> {
    if let Some(sha) = std::env::var("GITHUB_SHA")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        return Some(sha.trim().to_string());
    }
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let sha = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !sha.trim().is_empty()).then(|| sha.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(id: &str, input: &str, reference: &str, prediction: &str) -> Example {
        let mut row = Row::new(id, prediction, vec![reference.to_string()]);
        row.input = Some(input.into());
        Example {
            id: id.into(),
            samples: vec![row],
        }
    }

    #[test]
    fn fingerprint_ignores_outputs_and_order_but_not_content() {
        let a = [example("1", "q1", "r1", "x"), example("2", "q2", "r2", "y")];
        let b = [
            example("2", "q2", "r2", "other"),
            example("1", "q1", "r1", "z"),
        ];
        assert_eq!(fingerprint(&a), fingerprint(&b));
        let c = [
            example("1", "q1", "r1", "x"),
            example("2", "q2", "edited", "y"),
        ];
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert!(content_differs(a[1].first(), c[1].first()));
        assert!(!content_differs(a[0].first(), c[0].first()));
        // Moving a separator between fields changes the hash.
        let d = [example("1", "q", "r1", "x")];
        let f = [Example {
            id: "1".into(),
            samples: vec![Row::new("1", "x", vec!["r".into(), "1".into()])],
        }];
        assert_ne!(fingerprint(&d), fingerprint(&f));
        // A rewritten prompt is not an edit: the dataset is the same.
        let g = [
            example("1", "new prompt: q1", "r1", "x"),
            example("2", "new prompt: q2", "r2", "y"),
        ];
        assert_eq!(fingerprint(&a), fingerprint(&g));
        assert!(!content_differs(a[0].first(), g[0].first()));
        assert!(prompt_differs(a[0].first(), g[0].first()));
    }

    #[test]
    fn header_round_trips_and_keeps_line_numbers() {
        let header = BaselineHeader {
            format_version: FORMAT_VERSION,
            commit: Some("abc".into()),
            date: "2026-11-27T00:00:00Z".into(),
            evalgate_version: "0.1.0".into(),
            config_hash: "sha256:0".into(),
            dataset_fingerprint: "sha256:1".into(),
            examples: 1,
            metrics: vec!["f1".into()],
            source: vec!["r.jsonl".into()],
            reuse: BTreeMap::from([("exec".into(), "xxh3:0".into())]),
        };
        let mut bytes = format!("{}\n{{\"id\": 1}}\n", header_line(&header)).into_bytes();
        let got = take_header(Path::new("b.jsonl"), &mut bytes).expect("ok");
        assert_eq!(got, Some(header));
        let text = String::from_utf8(bytes).expect("ok");
        assert!(text.lines().next().expect("ok").trim().is_empty());
        assert_eq!(text.lines().nth(1), Some("{\"id\": 1}"));
        let mut plain = b"{\"id\": 1}\n".to_vec();
        assert_eq!(
            take_header(Path::new("r.jsonl"), &mut plain).expect("ok"),
            None
        );
    }

    #[test]
    fn a_future_format_is_refused_by_name() {
        let mut bytes = b"{\"evalgate_baseline\": {\"format_version\": 9}}\n".to_vec();
        let err = take_header(Path::new("b.jsonl"), &mut bytes)
            .expect_err("an error")
            .to_string();
        assert!(
            err.contains("b.jsonl:1") && err.contains("format_version 9"),
            "{err}"
        );
    }
}
