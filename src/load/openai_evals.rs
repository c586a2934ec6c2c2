//! OpenAI evals run logs (`oaieval`'s `--record_path`, by default
//! `/tmp/evallogs/<run_id>_<model>_<eval>.jsonl`).
//!
//! The log is JSON Lines: a `{"spec": …}` line, events `{"run_id", "event_id",
//! "sample_id", "type", "data", …}` in the order they were recorded, and at
//! the end of a finished run `{"final_report": {…}}`. Checked on a 2023 log
//! (`match` events, evals 1.0.x) and a 2024 model-graded one (`sampling` and
//! `metrics` events, stopped before its final report). Events become one row
//! per `sample_id`:
//!
//! - input and prediction: the first `sampling` event's `prompt` (a string, or
//!   chat messages: the last user message) and `sampled` (a string, or a list:
//!   its first item); model-graded evals log the grader's calls as `sampling`
//!   events of the same sample after the model's own;
//! - reference: the first `match` event's `expected`;
//! - metrics: `correct` (1 or 0) of `match` events, and every number (or
//!   boolean) in the `data` of `metrics` events (`score`, …), averaged over a
//!   sample's events; a null is missing, never a zero. A value written as
//!   `NaN`, `Infinity` or `-Infinity` (Python's json writes them bare) is
//!   missing too — left out of the sample's average — and counted and listed
//!   in a warning: the rule of every tool's reader ([`super::non_finite`]).
//!   Other text in `metrics` data (a model grader's `choice`) becomes a tag.
//!
//! Other events (embeddings, errors, raw records) are not read. A log without
//! `final_report` is read with a warning that the run may be partial; where it
//! has one, its `accuracy` (the mean of `correct`) and any key named like a
//! metric are checked against the rows.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value as Json};

use super::json::{kind, values};
use super::non_finite;
use super::reader::{Clue, Loaded, Reader, Sniff};
use super::record::{format_number, FieldMap, Fields, InputFormat, Row};
use super::{Text, ToolInfo};
use crate::diagnostic::{Code, Diagnostic};
use crate::error::{Error, Location, Result};

/// A sample's events as they are read.
#[derive(Default)]
struct Sample {
    line: usize,
    prompt: Option<String>,
    sampled: Option<String>,
    /// `event_id` of the sampling event `sampled` came from.
    sampled_at: Option<u64>,
    expected: Option<Vec<Text>>,
    /// `event_id` of the match event `expected` came from.
    expected_at: Option<u64>,
    /// metric → (sum, count), in order of first appearance.
    sums: Vec<(String, f64, usize)>,
    /// Metrics an event gave a non-finite value (the first such value):
    /// left out of the average, listed in a warning.
    non_finite: Vec<(String, f64)>,
    tags: Vec<(String, String)>,
}

impl Sample {
    /// A sampling event: the prompt and the sampled text, from the earliest
    /// such event.
    fn sampling(&mut self, data: &Map<String, Json>, event_id: u64) {
        if self.sampled_at.is_none_or(|at| event_id < at) {
            self.prompt = data.get("prompt").and_then(prompt_text);
            self.sampled = Some(data.get("sampled").map(sampled_text).unwrap_or_default());
            self.sampled_at = Some(event_id);
        }
    }

    /// A match event: `correct` (a 0/1 metric), the expected answer from the
    /// earliest such event, and the sampled text if no sampling event gave it.
    fn matched(
        &mut self,
        data: &Map<String, Json>,
        event_id: u64,
        loc: &Location,
        metrics: &mut Vec<String>,
    ) -> Result<()> {
        match data.get("correct") {
            Some(Json::Bool(b)) => {
                self.add("correct", f64::from(u8::from(*b)));
                note(metrics, "correct");
            }
            None | Some(Json::Null) => {}
            Some(other) => {
                return Err(Error::input(
                    loc.clone().with_field("data.correct"),
                    format!("\"correct\" must be true or false, found {}", kind(other)),
                ))
            }
        }
        if self.expected_at.is_none_or(|at| event_id < at) {
            self.expected = data
                .get("expected")
                .map(|e| expected_of(e, loc))
                .transpose()?;
            self.expected_at = Some(event_id);
        }
        if self.sampled.is_none() {
            if let Some(s) = data.get("sampled") {
                self.sampled = Some(sampled_text(s));
            }
        }
        Ok(())
    }

    /// A metrics event: each number (or boolean) a metric of the sample, a
    /// non-finite one listed, any other text a tag.
    fn metrics(&mut self, data: &Map<String, Json>, metrics: &mut Vec<String>) {
        for (key, value) in data {
            match value {
                Json::Number(n) => {
                    if let Some(x) = n.as_f64().filter(|x| x.is_finite()) {
                        self.add(key, x);
                    }
                    note(metrics, key);
                }
                Json::Bool(b) => {
                    self.add(key, f64::from(u8::from(*b)));
                    note(metrics, key);
                }
                Json::Null => note(metrics, key),
                Json::String(s) => match non_finite::text(s) {
                    Some(x) => {
                        if !self.non_finite.iter().any(|(m, _)| m == key) {
                            self.non_finite.push((key.clone(), x));
                        }
                        note(metrics, key);
                    }
                    None => self.tags.push((key.clone(), s.clone())),
                },
                _ => {}
            }
        }
    }
}

impl Sample {
    fn add(&mut self, metric: &str, x: f64) {
        match self.sums.iter_mut().find(|(m, _, _)| m == metric) {
            Some(e) => {
                e.1 += x;
                e.2 += 1;
            }
            None => self.sums.push((metric.to_string(), x, 1)),
        }
    }
}

/// The OpenAI evals reader: a first line with a `spec` object.
pub(super) struct OpenAiEvals;

impl Reader for OpenAiEvals {
    fn format(&self) -> InputFormat {
        InputFormat::OpenaiEvals
    }

    fn listed_as(&self) -> Option<&'static str> {
        Some("OpenAI evals logs")
    }

    fn sniff(&self, file: &Sniff) -> Option<Clue> {
        let spec = |v: &Json| v.get("spec").is_some_and(Json::is_object);
        file.line().is_some_and(spec).then_some(Clue::Record)
    }

    fn read(&self, path: &Path, bytes: &[u8], _fields: &FieldMap) -> Result<Loaded> {
        read(path, bytes).map(Loaded::from)
    }
}

/// Reads an OpenAI evals log.
fn read(path: &Path, bytes: &[u8]) -> Result<(Vec<Row>, ToolInfo)> {
    let mut samples: Vec<(String, Sample)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut metrics: Vec<String> = Vec::new();
    let mut final_report: Option<Map<String, Json>> = None;
    let mut seen_spec = false;
    // oaieval logs with Python's json: a NaN score is a bare `NaN`.
    let quoted = non_finite::quote(bytes);
    for item in values(path, &quoted) {
        let (loc, value) = item?;
        let Json::Object(mut map) = value else {
            return Err(Error::input(
                loc,
                format!("expected a JSON object per line, found {}", kind(&value)),
            ));
        };
        if !seen_spec {
            if !map.contains_key("spec") {
                return Err(Error::input(
                    loc.with_field("spec"),
                    "an OpenAI evals log starts with its {\"spec\": …} line; is this a log written by oaieval?",
                ));
            }
            seen_spec = true;
            continue;
        }
        if let Some(report) = map.remove("final_report") {
            final_report = Some(match report {
                Json::Object(r) => r,
                _ => Map::new(),
            });
            continue;
        }
        let kind_of = map
            .get("type")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        if !matches!(kind_of.as_str(), "sampling" | "match" | "metrics") {
            continue;
        }
        let id = match map.get("sample_id") {
            Some(Json::String(s)) if !s.is_empty() => s.clone(),
            Some(Json::Number(n)) => n.to_string(),
            other => {
                return Err(Error::input(
                    loc.with_field("sample_id"),
                    format!(
                        "a {kind_of} event needs a sample_id (a string), found {}",
                        other.map_or("none", kind)
                    ),
                ))
            }
        };
        let Some(Json::Object(data)) = map.remove("data") else {
            return Err(Error::input(
                loc.with_field("data"),
                format!("a {kind_of} event needs its data object"),
            ));
        };
        // The earliest event wins, whatever order the lines are in.
        let event_id = map
            .get("event_id")
            .and_then(Json::as_u64)
            .unwrap_or(u64::MAX);
        let at = *index.entry(id.clone()).or_insert_with(|| {
            samples.push((
                id,
                Sample {
                    line: loc.line.unwrap_or(1),
                    ..Sample::default()
                },
            ));
            samples.len() - 1
        });
        let sample = &mut samples[at].1;
        match kind_of.as_str() {
            "sampling" => sample.sampling(&data, event_id),
            "match" => sample.matched(&data, event_id, &loc, &mut metrics)?,
            _ => sample.metrics(&data, &mut metrics),
        }
    }
    if !seen_spec {
        return Err(Error::input(
            Location::file(path),
            "the file is empty; an OpenAI evals log starts with its {\"spec\": …} line",
        ));
    }
    let mut tally = non_finite::Tally::default();
    let rows: Vec<Row> = samples
        .into_iter()
        .map(|(id, s)| {
            for (metric, x) in &s.non_finite {
                tally.record(metric, &id, *x);
            }
            let numbers: Vec<(Text, f64)> = s
                .sums
                .iter()
                .map(|(m, sum, n)| (Text::from(m.as_str()), sum / *n as f64))
                .collect();
            let tags = s
                .tags
                .into_iter()
                .map(|(k, v)| (Text::from(k), Text::from(v)))
                .collect();
            Row {
                id: Text::from(id),
                prediction: Text::from(s.sampled.unwrap_or_default()),
                references: s.expected.unwrap_or_default(),
                input: s.prompt.map(Text::from),
                numbers: Fields::from_pairs(numbers),
                tags: Fields::from_pairs(tags),
                line: s.line,
            }
        })
        .collect();
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut warnings = tally.warnings(&file);
    match &final_report {
        None => warnings.push(Diagnostic::new(Code::RunIncomplete, format!(
            "{file}: the log has no final_report line, so the run may be partial (stopped before it finished); its {} samples are compared as they are",
            rows.len()
        ))),
        Some(report) => {
            for (key, stated) in report {
                let metric = if key == "accuracy" { "correct" } else { key.as_str() };
                let (Some(stated), true) = (stated.as_f64(), metrics.iter().any(|m| m == metric)) else {
                    continue;
                };
                let xs: Vec<f64> = rows.iter().filter_map(|r| r.numbers.get(metric).copied()).collect();
                if xs.is_empty() {
                    continue;
                }
                let ours = xs.iter().sum::<f64>() / xs.len() as f64;
                if (stated - ours).abs() > 1e-9 * stated.abs().max(1.0) {
                    warnings.push(Diagnostic::new(Code::SummaryMismatch, format!(
                        "{file}: the final_report says {key} = {}, the samples give {}",
                        format_number(stated),
                        format_number(ours)
                    )));
                }
            }
        }
    }
    let info = ToolInfo {
        tool: "openai-evals".to_string(),
        metrics,
        warnings,
        ..ToolInfo::default()
    };
    Ok((rows, info))
}

fn note(metrics: &mut Vec<String>, name: &str) {
    if !metrics.iter().any(|m| m == name) {
        metrics.push(name.to_string());
    }
}

/// A prompt: text, or chat messages (the last user message).
fn prompt_text(prompt: &Json) -> Option<String> {
    match prompt {
        Json::String(s) => Some(s.clone()),
        Json::Array(messages) => super::inspect::last_user_text(messages),
        _ => None,
    }
}

/// What the model sampled: text, or a list of completions (the first).
fn sampled_text(sampled: &Json) -> String {
    match sampled {
        Json::String(s) => s.clone(),
        Json::Array(items) => items.first().map(sampled_text).unwrap_or_default(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// The reference of a `match` event: a string or a list of accepted answers.
fn expected_of(expected: &Json, loc: &Location) -> Result<Vec<Text>> {
    let one = |v: &Json| match v {
        Json::String(s) => Ok(Text::from(s.as_str())),
        Json::Number(n) => Ok(Text::from(n.to_string())),
        Json::Bool(b) => Ok(Text::from(b.to_string())),
        other => Err(Error::input(
            loc.clone().with_field("data.expected"),
            format!("an expected answer must be a string, found {}", kind(other)),
        )),
    };
    match expected {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"{"spec": {"eval_name": "t.dev.v0", "run_id": "r"}}"#;

    fn event(id: usize, sample: &str, kind: &str, data: &str) -> String {
        format!(
            r#"{{"run_id": "r", "event_id": {id}, "sample_id": "{sample}", "type": "{kind}", "data": {data}}}"#
        )
    }

    fn log(lines: &[String]) -> String {
        let mut text = SPEC.to_string();
        for l in lines {
            text.push('\n');
            text.push_str(l);
        }
        text.push('\n');
        text
    }

    #[test]
    fn match_events_give_correct_and_the_reference() {
        let text = log(&[
            r#"{"final_report": {"accuracy": 0.5}}"#.to_string(),
            event(
                0,
                "t.1",
                "sampling",
                r#"{"prompt": [{"role": "system", "content": "s"}, {"role": "user", "content": "2+2?"}], "sampled": ["4", "5"]}"#,
            ),
            event(
                1,
                "t.1",
                "match",
                r#"{"correct": true, "expected": ["4", "four"], "picked": "4", "sampled": "4"}"#,
            ),
            event(
                2,
                "t.0",
                "sampling",
                r#"{"prompt": "1+1?", "sampled": "3"}"#,
            ),
            event(
                3,
                "t.0",
                "match",
                r#"{"correct": false, "expected": "2", "sampled": "3"}"#,
            ),
            event(4, "t.0", "embedding", r#"{"vector": [1]}"#),
        ]);
        let (rows, info) = read(Path::new("log.jsonl"), text.as_bytes()).expect("reads");
        let r = &rows[0];
        assert_eq!(
            (r.id.as_str(), r.prediction.as_str(), r.input.as_deref()),
            ("t.1", "4", Some("2+2?"))
        );
        assert_eq!(r.references, vec!["4".to_string(), "four".to_string()]);
        assert_eq!(r.numbers.get("correct"), Some(&1.0));
        assert_eq!(r.line, 3);
        assert_eq!(rows[1].references, vec!["2".to_string()]);
        assert_eq!(rows[1].numbers.get("correct"), Some(&0.0));
        assert_eq!(info.metrics, ["correct"]);
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);

        let wrong = text.replace("0.5}", "0.75}");
        let (_, info) = read(Path::new("log.jsonl"), wrong.as_bytes()).expect("reads");
        assert_eq!(
            crate::diagnostic::texts(&info.warnings),
            ["log.jsonl: the final_report says accuracy = 0.75, the samples give 0.5"]
        );
    }

    #[test]
    fn the_earliest_event_wins_whatever_the_line_order() {
        let text = log(&[
            event(
                5,
                "g.0",
                "sampling",
                r#"{"prompt": "grade a", "sampled": "Y"}"#,
            ),
            event(4, "g.0", "sampling", r#"{"prompt": "q", "sampled": "a"}"#),
        ]);
        let (rows, _) = read(Path::new("p.jsonl"), text.as_bytes()).expect("reads");
        assert_eq!(
            (rows[0].prediction.as_str(), rows[0].input.as_deref()),
            ("a", Some("q"))
        );
    }

    #[test]
    fn a_log_without_final_report_may_be_partial() {
        let text = log(&[
            event(0, "g.0", "sampling", r#"{"prompt": "q", "sampled": "a"}"#),
            event(
                1,
                "g.0",
                "sampling",
                r#"{"prompt": "grade a", "sampled": "Y"}"#,
            ),
            event(2, "g.0", "metrics", r#"{"choice": "Y", "score": 1.0}"#),
            event(3, "g.1", "sampling", r#"{"prompt": "q1", "sampled": "b"}"#),
            event(4, "g.1", "metrics", r#"{"choice": "N", "score": null}"#),
        ]);
        let (rows, info) = read(Path::new("p.jsonl"), text.as_bytes()).expect("reads");
        assert_eq!(rows[0].prediction, "a");
        assert_eq!(rows[0].numbers.get("score"), Some(&1.0));
        assert_eq!(rows[1].numbers.get("score"), None);
        assert_eq!(rows[1].tags.get("choice").map(|t| t.as_str()), Some("N"));
        assert_eq!(info.metrics, ["score"]);
        assert!(info.warnings[0]
            .message
            .starts_with("p.jsonl: the log has no final_report line"));
    }

    #[test]
    fn non_finite_values_are_left_out_of_the_average_counted_and_listed() {
        // Python's json writes NaN bare; a prompt that says NaN stays text.
        let text = log(&[
            event(
                0,
                "g.0",
                "sampling",
                r#"{"prompt": "NaN?", "sampled": "Infinity"}"#,
            ),
            event(1, "g.0", "metrics", r#"{"choice": "Y", "score": 0.5}"#),
            event(1, "g.1", "metrics", r#"{"score": NaN}"#),
            event(2, "g.2", "metrics", r#"{"score": Infinity}"#),
            event(3, "g.2", "metrics", r#"{"score": 1.0}"#),
            event(4, "g.3", "metrics", r#"{"score": -Infinity}"#),
            event(5, "g.3", "metrics", r#"{"score": NaN}"#),
            r#"{"final_report": {"score": NaN}}"#.to_string(),
        ]);
        let (rows, info) = read(Path::new("p.jsonl"), text.as_bytes()).expect("reads");
        assert_eq!(rows[0].numbers.get("score"), Some(&0.5));
        assert_eq!(rows[0].tags.get("choice").map(|t| t.as_str()), Some("Y"));
        assert_eq!(
            (rows[0].input.as_deref(), rows[0].prediction.as_str()),
            (Some("NaN?"), "Infinity")
        );
        assert_eq!(rows[1].numbers.get("score"), None);
        // Left out of the sample's average, like a null.
        assert_eq!(rows[2].numbers.get("score"), Some(&1.0));
        assert_eq!(rows[3].numbers.get("score"), None);
        assert_eq!(info.metrics, ["score"]);
        assert_eq!(
            crate::diagnostic::texts(&info.warnings),
            ["p.jsonl: 3 examples had a non-finite score (g.1 NaN, g.2 Infinity, g.3 -Infinity); they are left out of score (missing for those examples, never a number)"]
        );
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let err = |t: &str| {
            read(Path::new("e.jsonl"), t.as_bytes())
                .expect_err("an error")
                .to_string()
        };
        assert!(err("{\"id\": 1}\n").starts_with("e.jsonl:1: field \"spec\""));
        assert!(err("").contains("the file is empty"));
        let e = err(&log(&[event(0, "", "match", "{}")]));
        assert!(e.starts_with("e.jsonl:2: field \"sample_id\""), "{e}");
        let e = err(&log(&[event(0, "s", "match", r#"{"correct": "yes"}"#)]));
        assert!(e.starts_with("e.jsonl:2: field \"data.correct\""), "{e}");
    }
}
