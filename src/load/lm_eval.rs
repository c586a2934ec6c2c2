//! lm-evaluation-harness `--log_samples` files (`samples_<task>_<time>.jsonl`).
//!
//! Each line is one document of one task under one filter: `doc_id`, `doc`,
//! `target`, `arguments`, `resps`, `filtered_resps`, `filter`, `metrics` (the
//! names of the metric fields on the line), one field per metric value, and the
//! hashes `doc_hash`, `prompt_hash` and `target_hash`. A row becomes:
//!
//! - id: `doc_id`;
//! - prediction: the first filtered response (text for generation tasks; the
//!   JSON of the log-likelihoods for multiple-choice tasks);
//! - reference: `target`, for generation tasks only (for multiple-choice tasks
//!   the target is an answer index, kept as the tag `gold`, so that the text
//!   metrics are not offered on log-likelihoods);
//! - input: the prompt (the first argument of the first request);
//! - external scores: each listed metric, named `metric,filter` as in
//!   lm-eval's own results file (`exact_match,strict-match`, `acc,none`), so they
//!   never shadow evalgate's built-in metrics of the same name;
//! - tags: `task` (from the file name) and the hashes, which the dataset
//!   fingerprint reads.
//!
//! A task logged under several filters has one line per filter and document;
//! the lines of one `doc_id` merge into one example whose prediction is the
//! first filter's and whose scores carry every filter's.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value as Json;

use super::json::values;
use super::record::{format_number, FieldMap, Row, Value};
use crate::error::{Error, Location, Result};

/// Reads an lm-eval samples file.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Vec<Row>> {
    let task = task_from_name(path);
    let mut rows: Vec<Row> = Vec::new();
    let mut by_doc: HashMap<String, usize> = HashMap::new();
    for item in values(path, bytes) {
        let (loc, value) = item.map_err(|e| match e {
            // A first line that is not JSON: most likely not a samples file at all.
            Error::Input { location, message } if rows.is_empty() => Error::Input {
                location,
                message: format!(
                    "{message}; --input-format lm-eval reads lm-evaluation-harness --log_samples files (one JSON object per line); drop the flag to detect the format"
                ),
            },
            other => other,
        })?;
        let row = convert(value, &loc, task.as_deref())?;
        match by_doc.get(row.id.as_str()) {
            Some(&i) => {
                let first = &mut rows[i];
                for (name, &x) in row.numbers.iter() {
                    if first.numbers.insert(name.clone(), x).is_some() {
                        return Err(Error::input(
                            loc.with_field("doc_id"),
                            format!(
                                "doc_id {} already has a \"{name}\" score (line {}); a samples file holds each document once per filter",
                                row.id, first.line
                            ),
                        ));
                    }
                }
            }
            None => {
                by_doc.insert(row.id.to_string(), rows.len());
                rows.push(row);
            }
        }
    }
    Ok(rows)
}

/// The task of `samples_<task>_<time>.jsonl`, when the file is so named.
fn task_from_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_prefix("samples_")?;
    let stem = stem.strip_suffix(".gz").unwrap_or(stem);
    let stem = stem.strip_suffix(".jsonl")?;
    let (task, _time) = stem.rsplit_once('_')?;
    (!task.is_empty()).then(|| task.to_string())
}

fn convert(value: Json, loc: &Location, task: Option<&str>) -> Result<Row> {
    let Json::Object(mut map) = value else {
        return Err(Error::input(
            loc.clone(),
            format!(
                "expected an lm-eval sample object, found {}",
                super::json::kind(&value)
            ),
        ));
    };
    let field = |name: &str| loc.clone().with_field(name);
    let id = match map.get("doc_id") {
        Some(Json::Number(n)) => n.as_f64().map(format_number).unwrap_or_default(),
        Some(Json::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(Error::input(
                field("doc_id"),
                "an lm-eval sample needs a doc_id (a number or a string); is this a --log_samples file?",
            ))
        }
    };
    let response = map
        .get("filtered_resps")
        .or_else(|| map.get("resps"))
        .and_then(first_response)
        .ok_or_else(|| {
            Error::input(
                field("filtered_resps"),
                "the sample has no response (filtered_resps is missing or empty)",
            )
        })?;
    let generated = matches!(response, Json::String(_));
    let prediction = text_of(response);
    let filter = map
        .get("filter")
        .and_then(Json::as_str)
        .unwrap_or("none")
        .to_string();
    let mut pairs: Vec<(String, Value)> = vec![
        ("id".into(), Value::Text(id.into())),
        ("prediction".into(), Value::Text(prediction.into())),
    ];
    let target = map.get("target").map(text_of);
    match (target, generated) {
        (Some(t), true) => pairs.push(("reference".into(), Value::Text(t.into()))),
        (Some(t), false) => pairs.push(("gold".into(), Value::Text(t.into()))),
        (None, _) => {}
    }
    if let Some(prompt) = map.get("arguments").and_then(prompt_of) {
        pairs.push(("input".into(), Value::Text(prompt.into())));
    }
    let listed: Vec<String> = match map.get("metrics") {
        Some(Json::Array(names)) => names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    for name in listed {
        let score = match map.remove(&name) {
            Some(Json::Number(n)) => n.as_f64().filter(|x| x.is_finite()),
            Some(Json::Bool(b)) => Some(f64::from(u8::from(b))),
            Some(Json::Null) | None => None,
            Some(other) => {
                return Err(Error::input(
                    field(&name),
                    format!(
                        "the metric \"{name}\" is listed in \"metrics\" but its value is {}, not a number",
                        super::json::kind(&other)
                    ),
                ))
            }
        };
        if let Some(x) = score {
            pairs.push((format!("{name},{filter}"), Value::Number(x)));
        }
    }
    for hash in ["doc_hash", "prompt_hash", "target_hash"] {
        if let Some(Json::String(h)) = map.get(hash) {
            pairs.push((hash.to_string(), Value::Text(h.clone().into())));
        }
    }
    if let Some(task) = task {
        pairs.push(("task".into(), Value::Text(task.to_string().into())));
    }
    Row::from_fields(pairs, &FieldMap::default(), loc)
}

/// The first response of the first request: `filtered_resps` is a list over
/// requests, and each entry is a string (generation), a list of strings, or a
/// `[log-likelihood, is_greedy]` pair (multiple choice: then the whole list).
fn first_response(resps: &Json) -> Option<&Json> {
    let Json::Array(requests) = resps else {
        return None;
    };
    let first = requests.first()?;
    Some(match first {
        Json::Array(inner) if inner.iter().all(Json::is_string) => inner.first()?,
        Json::String(_) => first,
        _ => resps,
    })
}

/// The prompt: `arguments` is a list of argument tuples (`[[prompt, {...}]]`)
/// or, in newer versions, `{"gen_args_0": {"arg_0": prompt, ...}}`.
fn prompt_of(arguments: &Json) -> Option<String> {
    let first = match arguments {
        Json::Array(items) => match items.first()? {
            Json::Array(args) => args.first()?,
            other => other,
        },
        Json::Object(map) => {
            let args = map.values().next()?;
            match args {
                Json::Object(a) => a.get("arg_0")?,
                Json::Array(a) => a.first()?,
                other => other,
            }
        }
        _ => return None,
    };
    first.as_str().map(str::to_string)
}

fn text_of(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.as_f64().map(format_number).unwrap_or_default(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Result<Vec<Row>> {
        read(
            Path::new("samples_gsm8k_2026-11-27T10-00-00.jsonl"),
            text.as_bytes(),
        )
    }

    #[test]
    fn generation_task_under_two_filters_is_one_example() {
        let text = concat!(
            r#"{"doc_id": 0, "doc": {"question": "2+2?"}, "target": "4", "arguments": [["Q: 2+2?\nA:", {"until": ["\n"]}]], "resps": [["4 apples"]], "filtered_resps": ["4"], "filter": "strict-match", "metrics": ["exact_match"], "exact_match": 1.0, "doc_hash": "d0", "prompt_hash": "p0", "target_hash": "t0"}"#,
            "\n",
            r#"{"doc_id": 0, "doc": {"question": "2+2?"}, "target": "4", "arguments": [["Q: 2+2?\nA:", {"until": ["\n"]}]], "resps": [["4 apples"]], "filtered_resps": ["4 apples"], "filter": "flexible-extract", "metrics": ["exact_match"], "exact_match": 0.0, "doc_hash": "d0", "prompt_hash": "p0", "target_hash": "t0"}"#,
            "\n"
        );
        let rows = rows(text).expect("ok");
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.id, "0");
        assert_eq!(r.prediction, "4");
        assert_eq!(r.references, vec!["4".to_string()]);
        assert_eq!(r.input.as_deref(), Some("Q: 2+2?\nA:"));
        assert_eq!(r.numbers.get("exact_match,strict-match"), Some(&1.0));
        assert_eq!(r.numbers.get("exact_match,flexible-extract"), Some(&0.0));
        assert_eq!(r.tags.get("task").map(|t| t.as_str()), Some("gsm8k"));
        assert_eq!(r.tags.get("doc_hash").map(|t| t.as_str()), Some("d0"));
    }

    #[test]
    fn multiple_choice_keeps_the_target_out_of_the_references() {
        let text = r#"{"doc_id": 7, "target": 2, "arguments": {"gen_args_0": {"arg_0": "Q?", "arg_1": " A"}}, "resps": [[[-1.5, false]], [[-0.2, true]]], "filtered_resps": [[-1.5, false], [-0.2, true]], "filter": "none", "metrics": ["acc", "acc_norm"], "acc": 1.0, "acc_norm": 0.0}"#;
        let r = &rows(text).expect("ok")[0];
        assert!(r.references.is_empty());
        assert_eq!(r.tags.get("gold").map(|t| t.as_str()), Some("2"));
        assert_eq!(r.input.as_deref(), Some("Q?"));
        assert_eq!(r.numbers.get("acc,none"), Some(&1.0));
        assert_eq!(r.numbers.get("acc_norm,none"), Some(&0.0));
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let err = rows("{\"doc_id\": 1, \"filtered_resps\": [\"x\"], \"filter\": \"none\", \"metrics\": [\"acc\"], \"acc\": \"high\"}\n").expect_err("an error");
        let text = err.to_string();
        assert!(text.contains(":1:") && text.contains("\"acc\""), "{text}");
        let err = rows("{\"target\": \"x\"}\n")
            .expect_err("an error")
            .to_string();
        assert!(err.contains("doc_id"), "{err}");
    }
}
