//! benchgate's baseline files, and what tells two datasets apart.
//!
//! `benchgate baseline write` turns a results file into a compact,
//! self-describing baseline: a header line
//! `{"benchgate_baseline": {...}}` (commit, date, tool version, config hash,
//! dataset fingerprint), then one JSON line per example with its id, input,
//! output, references, scores and tags, plus the per-example values of the
//! metrics it was written with under `"benchgate_scores"`. Any reader of JSONL
//! reads it: the header is recognised and set aside, and the scores object is
//! not a field benchgate scores from (it recomputes, so a changed metric option
//! never compares stale numbers).
//!
//! The header is read by the loader ([`crate::load::header`]) and the dataset
//! fingerprint computed where examples are paired ([`crate::align::fingerprint`]);
//! this module writes the file, scoring the rows first, so it sits at the top
//! beside the pipeline.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::align::fingerprint;
use crate::error::Result;
use crate::load::header::{header_line, BaselineHeader, Stored, FORMAT_VERSION};
use crate::load::{Row, Text};

/// What `benchgate baseline write` needs besides the rows.
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
    let tool_metrics = side
        .tool
        .as_ref()
        .map(|t| t.metrics.clone())
        .filter(|m| !m.is_empty());
    let names = if !options.metrics.is_empty() {
        options.metrics.clone()
    } else if let Some(tool) = tool_metrics {
        // A tool's file: its own per-sample metrics, as `compare` uses them.
        tool
    } else {
        let referenced = side
            .examples
            .iter()
            .all(|e| !e.first().references.is_empty());
        if referenced {
            vec!["exact_match".to_string(), "f1".to_string()]
        } else {
            Vec::new()
        }
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
        benchgate_version: env!("CARGO_PKG_VERSION").to_string(),
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
            line.insert("benchgate_scores".into(), per_metric.clone().into());
            if !keys.is_empty() {
                line.insert("benchgate_keys".into(), keys.clone().into());
            }
            out.push_str(&serde_json::Value::Object(line).to_string());
            out.push('\n');
        }
    }
    out
}

/// A row under benchgate's own field names.
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
    use crate::align::{content_differs, prompt_differs, Example};
    use crate::load::header::take_header;
    use std::path::Path;

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
            benchgate_version: "0.1.0".into(),
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
        let mut bytes = b"{\"benchgate_baseline\": {\"format_version\": 9}}\n".to_vec();
        let err = take_header(Path::new("b.jsonl"), &mut bytes)
            .expect_err("an error")
            .to_string();
        assert!(
            err.contains("b.jsonl:1") && err.contains("format_version 9"),
            "{err}"
        );
    }
}
