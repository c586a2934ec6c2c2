//! DeepEval test runs, as `deepeval test run` and `evaluate()` save them.
//!
//! Files and layouts read, each checked on a real run:
//!
//! - `.deepeval/.latest_run_full.json` (deepeval 4.x) and
//!   `.deepeval/.temp_test_run_data.json` (1.x on): one object with
//!   `testCases`, `conversationalTestCases`, `metricsScores` (per metric: its
//!   `scores`, `passes`, `fails`, `errors`), and from 3.x `testPassed` and
//!   `testFailed`;
//! - `.deepeval/.latest_test_run.json` (3.x): the same object inside
//!   `{"testRunData": …}`;
//! - `temp_test_run_data.json` of 0.20: test cases list their metrics in
//!   `metricsMetadata` (`metric`, `score`, `threshold`, `success`) instead of
//!   `metricsData` (`name`, …, and `error` when the metric failed to run),
//!   and `metricScores` is the (empty) aggregate.
//!
//! A test case becomes a row:
//!
//! - id: `name`, and when several cases share a name, ` [order]` after it
//!   (`order` is the case's position in the evaluated list; the position in
//!   the file when the field is absent);
//! - input: `input`; prediction: `actualOutput`; reference: `expectedOutput`;
//! - metrics: each metric's `score` by its name, and `<name> passed` (1 when
//!   DeepEval passed the case on that metric: its own per-case verdict against
//!   the threshold, `strictMode` included), and `success` (1 when every metric
//!   of the case passed); a metric that errored has no score and is missing
//!   for that case, never a zero; the case's own `latency` and `cost` (0.20)
//!   are numeric fields too; a score (or latency, cost) DeepEval wrote as
//!   `NaN`, `Infinity` or `-Infinity` (Python's json writes them bare) is
//!   missing for that case and counted and listed in a warning, the rule of
//!   every tool's reader ([`super::non_finite`]); its `<name> passed` stays
//!   DeepEval's own verdict (a NaN score fails its threshold);
//! - tags: the scalars of `additionalMetadata`.
//!
//! A threshold decides each test case, as it does in DeepEval, never the
//! run's mean: the share of cases that pass a metric is a metric of its own,
//! gated on its *change* like any other (a baseline whose mean is below the
//! threshold is not a failure of the pull request). The threshold also
//! states the metric's direction: when every case's `success` follows
//! `score >= threshold` the metric is higher-is-better; when it follows
//! `score <= threshold` (hallucination, bias, toxicity) lower-is-better. A
//! metric whose cases disagree on the threshold, or whose `success` follows
//! neither, keeps a direction guessed from its name, with a warning. A floor on
//! the mean is only ever what the user configures (`--min`, `[metric.X] min`).
//! The aggregates the file states (`metricsScores[].scores` and
//! `passes`/`fails`, `testPassed`/`testFailed`) are checked against the rows.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};

use super::json::{json_error, kind, line_of};
use super::non_finite;
use super::reader::{Clue, Loaded, Reader, Sniff};
use super::record::{format_number, FieldMap, Fields, InputFormat, Row};
use super::{Text, ToolInfo};
use crate::diagnostic::{Code, Diagnostic};
use crate::error::{Error, Location, Result};

#[derive(Deserialize)]
struct Wrapper<'a> {
    #[serde(rename = "testRunData", borrow, default)]
    test_run_data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct TestRun<'a> {
    #[serde(rename = "testCases", borrow, default)]
    test_cases: Option<Vec<&'a RawValue>>,
    #[serde(rename = "conversationalTestCases", default)]
    conversational: Option<Vec<serde::de::IgnoredAny>>,
    #[serde(rename = "metricsScores", default)]
    metrics_scores: Json,
    #[serde(rename = "testPassed", default)]
    test_passed: Option<f64>,
    #[serde(rename = "testFailed", default)]
    test_failed: Option<f64>,
}

/// One metric of a test case.
struct Measured {
    name: String,
    score: Option<f64>,
    /// A score DeepEval wrote as `NaN` or `±Infinity`: missing, and counted.
    non_finite: Option<f64>,
    threshold: Option<f64>,
    success: Option<bool>,
    error: Option<String>,
}

/// The DeepEval reader: a document with `testCases`, or a `testRunData`
/// object (3.x's `.latest_test_run.json`).
pub(super) struct DeepEval;

impl Reader for DeepEval {
    fn format(&self) -> InputFormat {
        InputFormat::Deepeval
    }

    fn listed_as(&self) -> Option<&'static str> {
        Some("DeepEval test runs")
    }

    fn sniff(&self, file: &Sniff) -> Option<Clue> {
        let run = |v: &Json| {
            v.get("testCases").is_some() || v.get("testRunData").is_some_and(Json::is_object)
        };
        file.document().is_some_and(run).then_some(Clue::Document)
    }

    fn read(&self, path: &Path, bytes: &[u8], _fields: &FieldMap) -> Result<Loaded> {
        read(path, bytes).map(Loaded::from)
    }
}

/// Reads a DeepEval test run file.
fn read(path: &Path, bytes: &[u8]) -> Result<(Vec<Row>, ToolInfo)> {
    // DeepEval saves with Python's json: a NaN score is a bare `NaN`.
    let quoted = non_finite::quote(bytes);
    let text = super::json::utf8_document(path, &quoted, "")?;
    let not_deepeval = || {
        Error::input(
            Location::file(path).with_field("testCases"),
            "not a DeepEval test run: expected an object with \"testCases\" (or \"testRunData\": {\"testCases\": …}) as DeepEval saves in .deepeval/",
        )
    };
    if !text.trim_start().starts_with('{') {
        return Err(not_deepeval());
    }
    let wrapper: Wrapper = serde_json::from_str(text).map_err(|e| json_error(path, 1, text, &e))?;
    let inner = wrapper.test_run_data.map_or(text, RawValue::get);
    let mut run: TestRun = serde_json::from_str(inner).map_err(|_| not_deepeval())?;
    let conversational = run.conversational.as_ref().map_or(0, Vec::len);
    let cases = run.test_cases.take().unwrap_or_default();
    if cases.is_empty() {
        return Err(if conversational > 0 {
            Error::input(
                Location::file(path).with_field("conversationalTestCases"),
                format!("the run holds only conversational test cases ({conversational}); benchgate reads single-turn test cases (testCases)"),
            )
        } else if run.metrics_scores.is_null() && run.test_passed.is_none() {
            not_deepeval()
        } else {
            Error::input(
                Location::file(path).with_field("testCases"),
                "the test run holds no test cases; an empty run usually means the tests failed before any was evaluated",
            )
        });
    }
    let base = text.as_ptr() as usize;
    let mut parsed = Vec::with_capacity(cases.len());
    for (index, raw) in cases.into_iter().enumerate() {
        let line = line_of(text.as_bytes(), raw.get().as_ptr() as usize - base);
        let loc = Location::file(path).at_line(line);
        match serde_json::from_str::<Json>(raw.get()) {
            Ok(Json::Object(map)) => parsed.push((index, loc, map)),
            Ok(other) => {
                return Err(Error::input(
                    loc,
                    format!("expected a test case object, found {}", kind(&other)),
                ))
            }
            Err(e) => return Err(json_error(path, line, raw.get(), &e)),
        }
    }
    let mut names: HashMap<String, usize> = HashMap::new();
    for (index, _, map) in &parsed {
        *names.entry(case_name(map, *index)).or_default() += 1;
    }
    let mut rows = Vec::with_capacity(parsed.len());
    let mut order: Vec<String> = Vec::new();
    let mut measured: Vec<Vec<Measured>> = Vec::with_capacity(parsed.len());
    let mut owner: HashMap<String, usize> = HashMap::new();
    let mut tally = non_finite::Tally::default();
    for (index, loc, map) in &parsed {
        let mut id = case_name(map, *index);
        if names.get(&id).is_some_and(|&n| n > 1) {
            let position = match map.get("order") {
                Some(Json::Number(n)) => n.to_string(),
                _ => index.to_string(),
            };
            id = format!("{id} [{position}]");
        }
        if let Some(line) = owner.insert(id.clone(), loc.line.unwrap_or(0)) {
            return Err(Error::input(
                loc.clone().with_field("order"),
                format!("two test cases are both \"{id}\" (the other on line {line}); give each test case its own name"),
            ));
        }
        let metrics = metrics_of(map, loc)?;
        for m in &metrics {
            if !order.contains(&m.name) {
                order.push(m.name.clone());
            }
        }
        rows.push(row_of(id, map, &metrics, loc, &mut tally)?);
        measured.push(metrics);
    }
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut info = ToolInfo {
        tool: "deepeval".to_string(),
        ..ToolInfo::default()
    };
    if conversational > 0 {
        info.warnings.push(Diagnostic::new(Code::ConversationalSkipped, format!(
            "{file}: {conversational} conversational test cases are not compared (benchgate reads single-turn test cases)"
        )));
    }
    for name in &order {
        directions(&file, name, &measured, &mut info);
    }
    info.warnings.extend(tally.warnings(&file));
    check_aggregates(&file, &rows, &run, &mut info);
    // Each metric, then the share of cases that pass it, as DeepEval reports.
    info.metrics = order
        .iter()
        .flat_map(|name| {
            let pass = passed(name);
            let has_pass = info.higher_is_better.contains(&pass);
            std::iter::once(name.clone()).chain(has_pass.then_some(pass))
        })
        .collect();
    if parsed
        .iter()
        .any(|(_, _, m)| m.get("success").is_some_and(Json::is_boolean))
    {
        info.metrics.push("success".to_string());
        info.higher_is_better.push("success".to_string());
    }
    Ok((rows, info))
}

/// The test case's name; DeepEval's own default when it has none.
fn case_name(map: &Map<String, Json>, index: usize) -> String {
    match map.get("name") {
        Some(Json::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => match map.get("order") {
            Some(Json::Number(n)) => format!("test_case_{n}"),
            _ => format!("test_case_{index}"),
        },
    }
}

fn metrics_of(map: &Map<String, Json>, loc: &Location) -> Result<Vec<Measured>> {
    let (key, name_key) = if map.contains_key("metricsData") {
        ("metricsData", "name")
    } else {
        ("metricsMetadata", "metric")
    };
    let list = match map.get(key) {
        None | Some(Json::Null) => return Ok(Vec::new()),
        Some(Json::Array(list)) => list,
        Some(other) => {
            return Err(Error::input(
                loc.clone().with_field(key),
                format!("expected a list of metrics, found {}", kind(other)),
            ))
        }
    };
    let mut out: Vec<Measured> = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        let field = |f: &str| loc.clone().with_field(format!("{key}[{i}].{f}"));
        let Some(name) = m
            .get(name_key)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
        else {
            return Err(Error::input(
                field(name_key),
                "a metric needs a name to be compared by",
            ));
        };
        if out.iter().any(|o| o.name == name) {
            return Err(Error::input(
                field(name_key),
                format!(
                    "the test case has two metrics named \"{name}\"; give each metric its own name"
                ),
            ));
        }
        let non_finite = m.get("score").and_then(non_finite::value);
        let score = match m.get("score") {
            None | Some(Json::Null) => None,
            Some(Json::Number(n)) => n.as_f64().filter(|x| x.is_finite()),
            Some(Json::Bool(b)) => Some(f64::from(u8::from(*b))),
            Some(_) if non_finite.is_some() => None,
            Some(other) => {
                return Err(Error::input(
                    field("score"),
                    format!("a score must be a number, found {}", kind(other)),
                ))
            }
        };
        out.push(Measured {
            name: name.to_string(),
            score,
            non_finite,
            threshold: m.get("threshold").and_then(Json::as_f64),
            success: m.get("success").and_then(Json::as_bool),
            error: m.get("error").and_then(Json::as_str).map(str::to_string),
        });
    }
    Ok(out)
}

fn row_of(
    id: String,
    map: &Map<String, Json>,
    metrics: &[Measured],
    loc: &Location,
    tally: &mut non_finite::Tally,
) -> Result<Row> {
    let text = |key: &str| -> Result<Option<String>> {
        match map.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(Json::Number(n)) => Ok(Some(n.to_string())),
            Some(other @ (Json::Array(_) | Json::Object(_))) => Ok(Some(other.to_string())),
            Some(other) => Err(Error::input(
                loc.clone().with_field(key),
                format!("expected a string, found {}", kind(other)),
            )),
        }
    };
    let prediction = text("actualOutput")?.unwrap_or_default();
    let references = text("expectedOutput")?
        .map(Text::from)
        .into_iter()
        .collect();
    let input = text("input")?;
    let mut numbers: Vec<(Text, f64)> = Vec::with_capacity(2 * metrics.len() + 3);
    for m in metrics {
        if let Some(x) = m.score {
            numbers.push((Text::from(m.name.as_str()), x));
        }
        if let Some(x) = m.non_finite {
            tally.record(&m.name, &id, x);
        }
        // An errored metric neither passed nor failed: missing, like its score.
        if let (Some(ok), None) = (m.success, &m.error) {
            numbers.push((Text::from(passed(&m.name)), f64::from(u8::from(ok))));
        }
    }
    if let Some(Json::Bool(pass)) = map.get("success") {
        numbers.push((Text::from("success"), f64::from(u8::from(*pass))));
    }
    for key in ["latency", "cost"] {
        match map.get(key) {
            Some(Json::Number(n)) => {
                if let Some(x) = n.as_f64().filter(|x| x.is_finite()) {
                    numbers.push((Text::from(key), x));
                }
            }
            Some(other) => {
                if let Some(x) = non_finite::value(other) {
                    tally.record(key, &id, x);
                }
            }
            None => {}
        }
    }
    let tags: Vec<(Text, Text)> = match map.get("additionalMetadata") {
        Some(Json::Object(meta)) => super::json::metadata_tags(meta),
        _ => Vec::new(),
    };
    Ok(Row {
        id: Text::from(id),
        prediction: Text::from(prediction),
        references,
        input: input.map(Text::from),
        numbers: Fields::from_pairs(numbers),
        tags: Fields::from_pairs(tags),
        line: loc.line.unwrap_or(1),
    })
}

/// The name of the field that holds whether a case passed metric `name`.
fn passed(name: &str) -> String {
    format!("{name} passed")
}

/// The direction a metric's threshold states, and warnings about errored
/// metrics and about thresholds that state nothing.
fn directions(file: &str, name: &str, measured: &[Vec<Measured>], info: &mut ToolInfo) {
    let all: Vec<&Measured> = measured
        .iter()
        .filter_map(|ms| ms.iter().find(|m| m.name == name))
        .collect();
    let errors: Vec<&str> = all.iter().filter_map(|m| m.error.as_deref()).collect();
    if let Some(first) = errors.first() {
        let first: String = first.chars().take(120).collect();
        info.warnings.push(Diagnostic::new(Code::MetricErrored, format!(
            "{file}: the metric \"{name}\" errored on {} of {} test cases (such as: {first}); those cases are missing for it",
            errors.len(),
            all.len()
        )));
    }
    if all.iter().any(|m| m.success.is_some() && m.error.is_none()) {
        info.higher_is_better.push(passed(name));
    }
    let mut thresholds: Vec<f64> = all.iter().filter_map(|m| m.threshold).collect();
    thresholds.sort_by(f64::total_cmp);
    thresholds.dedup();
    let threshold = match thresholds.as_slice() {
        [] => return,
        [t] => *t,
        many => {
            info.warnings.push(Diagnostic::new(Code::ThresholdUnusable, format!(
                "{file}: the test cases give the metric \"{name}\" different thresholds ({}); its direction is guessed from its name",
                many.iter().map(|t| format_number(*t)).collect::<Vec<_>>().join(", ")
            )));
            return;
        }
    };
    let judged: Vec<(f64, bool)> = all
        .iter()
        .filter_map(|m| Some((m.score?, m.success?)))
        .collect();
    if judged.is_empty() {
        // Never scored (every case errored): nothing to compare.
        return;
    }
    let at_least = judged.iter().all(|&(s, ok)| ok == (s >= threshold));
    let at_most = judged.iter().all(|&(s, ok)| ok == (s <= threshold));
    if at_least {
        info.higher_is_better.push(name.to_string());
    } else if at_most {
        info.lower_is_better.push(name.to_string());
    } else {
        info.warnings.push(Diagnostic::new(Code::ThresholdUnusable, format!(
            "{file}: the metric \"{name}\" passes and fails regardless of its score against its threshold {}; its direction is guessed from its name",
            format_number(threshold)
        )));
    }
}

/// Warns when the aggregates the file states differ from the rows' means.
fn check_aggregates(file: &str, rows: &[Row], run: &TestRun, info: &mut ToolInfo) {
    let mean = |metric: &str| -> Option<f64> {
        let xs: Vec<f64> = rows
            .iter()
            .filter_map(|r| r.numbers.get(metric).copied())
            .collect();
        (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
    };
    let differs = |a: f64, b: f64| (a - b).abs() > 1e-9 * a.abs().max(1.0);
    for agg in run.metrics_scores.as_array().into_iter().flatten() {
        let (Some(name), Some(scores)) = (
            agg.get("metric").and_then(Json::as_str),
            agg.get("scores").and_then(Json::as_array),
        ) else {
            continue;
        };
        if let (Some(passes), Some(fails), Some(ours)) = (
            agg.get("passes").and_then(Json::as_f64),
            agg.get("fails").and_then(Json::as_f64),
            mean(&passed(name)),
        ) {
            if passes + fails > 0.0 && differs(passes / (passes + fails), ours) {
                info.warnings.push(Diagnostic::new(Code::SummaryMismatch, format!(
                    "{file}: DeepEval counts {passes} of {} test cases passing \"{name}\", the test cases give {ours}",
                    passes + fails
                )));
            }
        }
        let scores: Vec<f64> = scores.iter().filter_map(Json::as_f64).collect();
        if scores.is_empty() {
            continue;
        }
        let stated = scores.iter().sum::<f64>() / scores.len() as f64;
        if let Some(ours) = mean(name) {
            if differs(stated, ours) {
                info.warnings.push(Diagnostic::new(Code::SummaryMismatch, format!(
                    "{file}: DeepEval's metricsScores give \"{name}\" a mean of {stated}, the test cases {ours}"
                )));
            }
        }
    }
    if let (Some(passed), Some(failed), Some(ours)) =
        (run.test_passed, run.test_failed, mean("success"))
    {
        if passed + failed > 0.0 && differs(passed / (passed + failed), ours) {
            info.warnings.push(Diagnostic::new(Code::SummaryMismatch, format!(
                "{file}: DeepEval counts {passed} of {} test cases passed, the test cases' success gives {ours}",
                passed + failed
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(name: &str, order: usize, metrics: &str, success: bool) -> String {
        format!(
            r#"{{"name": "{name}", "input": "Q{order}", "actualOutput": "A{order}", "expectedOutput": "E{order}", "success": {success}, "metricsData": [{metrics}], "order": {order}, "additionalMetadata": {{"team": "billing", "facts": ["x"]}}}}"#
        )
    }

    fn metric(name: &str, score: f64, threshold: f64, success: bool) -> String {
        format!(
            r#"{{"name": "{name}", "threshold": {threshold}, "success": {success}, "score": {score}, "strictMode": false}}"#
        )
    }

    fn run(cases: &[String], extra: &str) -> String {
        format!(
            "{{\"testCases\": [\n{}\n], \"conversationalTestCases\": []{extra}}}",
            cases.join(",\n")
        )
    }

    fn cases() -> Vec<String> {
        vec![
            case("t_a", 0, &[metric("Relevancy", 0.9, 0.7, true), metric("Hallucination", 0.1, 0.5, true)].join(", "), true),
            case("t_b", 1, &[metric("Relevancy", 0.5, 0.7, false), metric("Hallucination", 0.8, 0.5, false), r#"{"name": "GEval", "threshold": 0.5, "success": false, "error": "'actual_output' cannot be empty"}"#.to_string()].join(", "), false),
        ]
    }

    #[test]
    fn test_cases_become_rows_and_thresholds_per_case_passes() {
        let text = run(
            &cases(),
            r#", "metricsScores": [{"metric": "Relevancy", "scores": [0.9, 0.5]}], "testPassed": 1, "testFailed": 1"#,
        );
        let (rows, info) =
            read(Path::new(".latest_run_full.json"), text.as_bytes()).expect("reads");
        let r = &rows[1];
        assert_eq!(
            (r.id.as_str(), r.prediction.as_str(), r.input.as_deref()),
            ("t_b", "A1", Some("Q1"))
        );
        assert_eq!(r.references, vec!["E1".to_string()]);
        assert_eq!(r.numbers.get("Relevancy"), Some(&0.5));
        assert_eq!(r.numbers.get("success"), Some(&0.0));
        // An errored metric is missing for the case, never a zero.
        assert_eq!(r.numbers.get("GEval"), None);
        assert_eq!(r.tags.get("team").map(|t| t.as_str()), Some("billing"));
        assert_eq!(r.line, 3);
        // The threshold decides each case: its pass is a metric, never a floor.
        assert_eq!(r.numbers.get("Relevancy passed"), Some(&0.0));
        assert_eq!(rows[0].numbers.get("Relevancy passed"), Some(&1.0));
        assert_eq!(r.numbers.get("GEval passed"), None);
        assert_eq!(
            info.metrics,
            [
                "Relevancy",
                "Relevancy passed",
                "Hallucination",
                "Hallucination passed",
                "GEval",
                "success"
            ]
        );
        assert_eq!(
            info.higher_is_better,
            [
                "Relevancy passed",
                "Relevancy",
                "Hallucination passed",
                "success"
            ]
        );
        assert_eq!(info.lower_is_better, ["Hallucination"]);
        assert_eq!(info.warnings.len(), 1, "{:?}", info.warnings);
        assert!(info.warnings[0]
            .message
            .contains("\"GEval\" errored on 1 of 1 test cases"));

        // .latest_test_run.json wraps the same run.
        let wrapped = format!("{{\"testRunData\": {text}}}");
        let (again, info_again) = read(Path::new("w.json"), wrapped.as_bytes()).expect("reads");
        assert_eq!(again.len(), 2);
        assert_eq!(again[0].numbers, rows[0].numbers);
        assert_eq!(info_again.higher_is_better, info.higher_is_better);
        assert_eq!(info_again.lower_is_better, info.lower_is_better);
    }

    #[test]
    fn stated_aggregates_are_checked() {
        let text = run(
            &cases(),
            r#", "metricsScores": [{"metric": "Relevancy", "scores": [0.9, 0.6]}], "testPassed": 2, "testFailed": 0"#,
        );
        let (_, info) = read(Path::new("r.json"), text.as_bytes()).expect("reads");
        let text = crate::diagnostic::texts(&info.warnings).join("\n");
        assert!(
            text.contains("give \"Relevancy\" a mean of 0.75, the test cases 0.7"),
            "{text}"
        );
        assert!(
            text.contains("counts 2 of 2 test cases passed, the test cases' success gives 0.5"),
            "{text}"
        );
    }

    #[test]
    fn old_runs_list_metrics_metadata_and_repeated_names_take_their_position() {
        let text = r#"{"testCases": [
  {"name": "test_chat", "input": "q", "actualOutput": "a", "success": true, "metricsMetadata": [{"metric": "Latency", "score": 1.0, "threshold": 10.0, "success": true}]},
  {"name": "test_chat", "input": "q2", "actualOutput": "b", "success": true, "metricsMetadata": [{"metric": "Latency", "score": 8.3, "threshold": 12.0, "success": true}], "latency": 8.3}
], "metricScores": [], "configurations": {}}"#;
        let (rows, info) =
            read(Path::new("temp_test_run_data.json"), text.as_bytes()).expect("reads");
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["test_chat [0]", "test_chat [1]"]);
        assert_eq!(rows[1].numbers.get("latency"), Some(&8.3));
        // Disagreeing thresholds state no direction for the score itself.
        assert!(!info.higher_is_better.contains(&"Latency".to_string()));
        assert!(info.lower_is_better.is_empty());
        assert!(
            info.warnings[0]
                .message
                .contains("different thresholds (10, 12)"),
            "{:?}",
            info.warnings
        );
    }

    #[test]
    fn non_finite_scores_are_missing_for_their_case_counted_and_listed() {
        // Python's json writes a NaN score bare; a text that says NaN stays text.
        let score = |name: &str, score: &str, ok: bool| {
            format!(r#"{{"name": "{name}", "threshold": 0.5, "success": {ok}, "score": {score}}}"#)
        };
        let cases: Vec<String> = [
            ("a", "0.75", true),
            ("b", "NaN", false),
            ("c", "Infinity", true),
            ("d", "-Infinity", false),
            ("e", "0.25", false),
        ]
        .iter()
        .enumerate()
        .map(|(i, (name, x, ok))| {
            let metrics = [
                score("Faithfulness", x, *ok),
                score("Relevancy", "1.0", true),
            ];
            case(name, i, &metrics.join(", "), *ok).replace("\"Q", "\"NaN? Q")
        })
        .collect();
        let text = run(
            &cases,
            r#", "metricsScores": [{"metric": "Faithfulness", "scores": [0.75, NaN, Infinity, -Infinity, 0.25]}]"#,
        );
        let (rows, info) = read(Path::new("run.json"), text.as_bytes()).expect("reads");
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0].numbers.get("Faithfulness"), Some(&0.75));
        for r in &rows[1..4] {
            assert_eq!(r.numbers.get("Faithfulness"), None, "{}", r.id);
            // The case counts for its other metrics, and DeepEval's own verdict stands.
            assert_eq!(r.numbers.get("Relevancy"), Some(&1.0));
            assert!(r.numbers.contains_key("Faithfulness passed"));
        }
        assert_eq!(rows[1].input.as_deref(), Some("NaN? Q1"));
        assert_eq!(
            crate::diagnostic::texts(&info.warnings),
            ["run.json: 3 examples had a non-finite Faithfulness (b NaN, c Infinity, d -Infinity); they are left out of Faithfulness (missing for those examples, never a number)"]
        );
        // The stated mean over the finite scores is the cases' mean: no warning.
        assert!(info.higher_is_better.contains(&"Faithfulness".to_string()));
    }

    #[test]
    fn other_documents_are_refused_with_the_reason() {
        let err = |t: &str| {
            read(Path::new("d.json"), t.as_bytes())
                .expect_err("an error")
                .to_string()
        };
        assert!(err(r#"{"rows": []}"#).contains("not a DeepEval test run"));
        assert!(
            err(r#"{"testCases": [], "conversationalTestCases": [{"turns": []}]}"#)
                .contains("only conversational test cases")
        );
        assert!(err(r#"{"testCases": [], "testPassed": 0}"#).contains("holds no test cases"));
        let e = err("{\"testCases\": [\n{\"name\": \"a\", \"metricsData\": [{\"name\": \"M\", \"score\": \"high\"}]}]}");
        assert!(
            e.starts_with("d.json:2: field \"metricsData[0].score\""),
            "{e}"
        );
        let e = err(&run(
            &[case(
                "a",
                0,
                &[metric("M", 1.0, 0.5, true), metric("M", 1.0, 0.5, true)].join(", "),
                true,
            )],
            "",
        ));
        assert!(e.contains("two metrics named \"M\""), "{e}");
    }
}
