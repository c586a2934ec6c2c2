//! promptfoo's `promptfoo eval -o results.json` output.
//!
//! The file is one JSON object; `results.results` (format versions 2 and 3)
//! lists one entry per test case, prompt and provider. An entry becomes a row:
//!
//! - id: the test's `description`, else its vars as `name=value` pairs in name
//!   order; when the file holds several prompts or providers, ` [prompt N]` (the
//!   prompt's index, which survives edits of its text) and ` [provider]` are
//!   appended, so one test under two prompts is two examples;
//! - prediction: `response.output` (JSON text when it is not a string; empty
//!   when the provider failed);
//! - input: the rendered prompt (`prompt.raw`);
//! - reference: the var named by `--reference-field` (default `reference`, then
//!   `target`), when the test has one;
//! - external scores: `score`, `pass` (1 or 0 from `success`), every
//!   `namedScores` entry, `latency_ms` and `cost`;
//! - tags: the string values of the test's `metadata`.
//!
//! Two different tests with the same description are an error: their rows
//! would otherwise be paired as samples of one example.

use std::collections::HashMap;

use crate::load::Text;
use std::path::Path;

use serde_json::value::RawValue;
use serde_json::Value as Json;

use super::json::{json_error, kind, line_of};
use super::record::{FieldMap, Row, Value};
use crate::error::{Error, Location, Result};

#[derive(serde::Deserialize)]
struct Top<'a> {
    #[serde(borrow)]
    results: Option<&'a RawValue>,
}

#[derive(serde::Deserialize)]
struct Nested<'a> {
    #[serde(borrow)]
    results: Option<Vec<&'a RawValue>>,
}

/// Reads a promptfoo output file.
pub fn read(path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Vec<Row>> {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::input(
            Location::file(path).at_line(line_of(bytes, e.valid_up_to())),
            "the file is not valid UTF-8; re-encode it as UTF-8",
        )
    })?;
    let top: Top = serde_json::from_str(text).map_err(|e| json_error(path, 1, text, &e))?;
    let not_promptfoo = || {
        Error::input(
            Location::file(path).with_field("results"),
            "not a promptfoo output file: expected {\"results\": {\"results\": [...]}} as written by `promptfoo eval -o results.json`",
        )
    };
    let raw = top.results.ok_or_else(not_promptfoo)?;
    let entries: Vec<&RawValue> = match raw.get().trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str(raw.get()).map_err(|_| not_promptfoo())?,
        Some(b'{') => {
            let nested: Nested = serde_json::from_str(raw.get()).map_err(|_| not_promptfoo())?;
            nested.results.ok_or_else(not_promptfoo)?
        }
        _ => return Err(not_promptfoo()),
    };
    let base = text.as_ptr() as usize;
    let mut parsed = Vec::with_capacity(entries.len());
    for entry in entries {
        let line = line_of(text.as_bytes(), entry.get().as_ptr() as usize - base);
        let loc = Location::file(path).at_line(line);
        match serde_json::from_str::<Json>(entry.get()) {
            Ok(Json::Object(map)) => parsed.push((loc, map)),
            Ok(other) => {
                return Err(Error::input(
                    loc,
                    format!("expected a promptfoo result object, found {}", kind(&other)),
                ))
            }
            Err(e) => return Err(json_error(path, line, entry.get(), &e)),
        }
    }
    let distinct = |key: &str| {
        let mut seen: Vec<String> = parsed
            .iter()
            .map(|(_, m)| m.get(key).map(label_of).unwrap_or_default())
            .collect();
        seen.sort();
        seen.dedup();
        seen.len() > 1
    };
    let several_prompts = distinct("promptIdx");
    let several_providers = distinct("provider");
    let mut owner: HashMap<String, (String, usize)> = HashMap::new();
    let mut rows = Vec::with_capacity(parsed.len());
    for (loc, map) in parsed {
        let mut row = convert(&map, &loc, fields)?;
        if several_prompts {
            let idx = map.get("promptIdx").map(label_of).unwrap_or_default();
            row.id = format!("{} [prompt {idx}]", row.id).into();
        }
        if several_providers {
            let provider = map.get("provider").map(label_of).unwrap_or_default();
            row.id = format!("{} [{provider}]", row.id).into();
        }
        let test = map.get("testIdx").map(label_of).unwrap_or_default();
        match owner.get(row.id.as_str()) {
            Some((other, line)) if *other != test => {
                return Err(Error::input(
                    loc.with_field("testCase.description"),
                    format!(
                        "two tests are both named \"{}\" (the other on line {line}); give each test its own description",
                        row.id
                    ),
                ))
            }
            Some(_) => {}
            None => {
                owner.insert(row.id.to_string(), (test, row.line));
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

fn convert(map: &serde_json::Map<String, Json>, loc: &Location, fields: &FieldMap) -> Result<Row> {
    let test = map.get("testCase").and_then(Json::as_object);
    let vars = map
        .get("vars")
        .or_else(|| test.and_then(|t| t.get("vars")))
        .and_then(Json::as_object);
    let id = match test
        .and_then(|t| t.get("description"))
        .and_then(Json::as_str)
    {
        Some(d) if !d.trim().is_empty() => d.to_string(),
        _ => match vars {
            Some(vars) if !vars.is_empty() => {
                let mut pairs: Vec<String> = vars
                    .iter()
                    .map(|(k, v)| format!("{k}={}", label_of(v)))
                    .collect();
                pairs.sort();
                pairs.join(", ")
            }
            _ => return Err(Error::input(
                loc.clone().with_field("testCase.description"),
                "the test has neither a description nor vars to name it by; give it a description",
            )),
        },
    };
    let prediction = match map.get("response").and_then(|r| r.get("output")) {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let mut pairs: Vec<(String, Value)> = vec![
        ("id".into(), Value::Text(id.into())),
        ("prediction".into(), Value::Text(prediction.into())),
    ];
    if let Some(raw) = map
        .get("prompt")
        .and_then(|p| p.get("raw"))
        .and_then(Json::as_str)
    {
        pairs.push(("input".into(), Value::Text(raw.to_string().into())));
    }
    let reference = vars.and_then(|vars| {
        fields
            .reference
            .iter()
            .find_map(|name| vars.get(name).map(|v| (name, v)))
    });
    if let Some((name, value)) = reference {
        let value = match value {
            Json::String(s) => Value::Text(s.clone().into()),
            Json::Array(items) if items.iter().all(Json::is_string) => Value::TextList(
                items
                    .iter()
                    .filter_map(|s| s.as_str().map(Text::from))
                    .collect(),
            ),
            other => {
                return Err(Error::input(
                    loc.clone().with_field(format!("vars.{name}")),
                    format!(
                        "a reference must be a string or a list of strings, found {}",
                        kind(other)
                    ),
                ))
            }
        };
        pairs.push(("reference".into(), value));
    }
    let number = |key: &str| {
        map.get(key)
            .and_then(Json::as_f64)
            .filter(|x| x.is_finite())
    };
    if let Some(x) = number("score") {
        pairs.push(("score".into(), Value::Number(x)));
    }
    if let Some(pass) = map.get("success").and_then(Json::as_bool) {
        pairs.push(("pass".into(), Value::Number(f64::from(u8::from(pass)))));
    }
    if let Some(x) = number("latencyMs") {
        pairs.push(("latency_ms".into(), Value::Number(x)));
    }
    if let Some(x) = number("cost") {
        pairs.push(("cost".into(), Value::Number(x)));
    }
    if let Some(named) = map.get("namedScores").and_then(Json::as_object) {
        for (name, value) in named {
            match value.as_f64().filter(|x| x.is_finite()) {
                Some(x) => pairs.push((name.clone(), Value::Number(x))),
                None => {
                    return Err(Error::input(
                        loc.clone().with_field(format!("namedScores.{name}")),
                        format!("a named score must be a number, found {}", kind(value)),
                    ))
                }
            }
        }
    }
    if let Some(meta) = test
        .and_then(|t| t.get("metadata"))
        .and_then(Json::as_object)
    {
        for (key, value) in meta {
            if let Json::String(s) = value {
                pairs.push((key.clone(), Value::Text(s.clone().into())));
            }
        }
    }
    Row::from_fields(pairs, &FieldMap::default(), loc)
}

/// A short label for ids: strings as they are, anything else as JSON, a
/// provider object by its label or id.
fn label_of(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Object(o) => o
            .get("label")
            .or_else(|| o.get("id"))
            .and_then(Json::as_str)
            .map_or_else(|| value.to_string(), str::to_string),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> Result<Vec<Row>> {
        read(
            Path::new("results.json"),
            text.as_bytes(),
            &FieldMap::default(),
        )
    }

    fn entry(description: &str, test: usize, prompt: usize, output: &str) -> String {
        format!(
            r#"{{"testIdx": {test}, "promptIdx": {prompt}, "provider": {{"id": "exec: x", "label": "p"}}, "prompt": {{"raw": "Say {description}"}}, "response": {{"output": "{output}"}}, "success": true, "score": 0.75, "namedScores": {{"brevity": 1}}, "latencyMs": 12, "cost": 0, "vars": {{"q": "{description}", "reference": "ref"}}, "testCase": {{"description": "{description}", "metadata": {{"team": "billing"}}}}}}"#
        )
    }

    #[test]
    fn one_row_per_test_and_prompt() {
        let text = format!(
            "{{\"evalId\": \"e\", \"results\": {{\"version\": 3, \"results\": [\n{},\n{},\n{}\n]}}}}",
            entry("a", 0, 0, "x"),
            entry("a", 0, 1, "y"),
            entry("b", 1, 0, "z")
        );
        let rows = read_str(&text).expect("ok");
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a [prompt 0]", "a [prompt 1]", "b [prompt 0]"]);
        let r = &rows[1];
        assert_eq!(r.prediction, "y");
        assert_eq!(r.input.as_deref(), Some("Say a"));
        assert_eq!(r.references, vec!["ref".to_string()]);
        assert_eq!(r.numbers.get("score"), Some(&0.75));
        assert_eq!(r.numbers.get("pass"), Some(&1.0));
        assert_eq!(r.numbers.get("brevity"), Some(&1.0));
        assert_eq!(r.numbers.get("latency_ms"), Some(&12.0));
        assert_eq!(r.tags.get("team").map(|t| t.as_str()), Some("billing"));
        assert_eq!(r.line, 3);
    }

    #[test]
    fn duplicate_descriptions_are_an_error() {
        let text = format!(
            "{{\"results\": {{\"results\": [{}, {}]}}}}",
            entry("a", 0, 0, "x"),
            entry("a", 1, 0, "y")
        );
        let err = read_str(&text).expect_err("an error").to_string();
        assert!(err.contains("two tests are both named \"a\""), "{err}");
    }

    #[test]
    fn other_json_objects_are_not_promptfoo() {
        let err = read_str("{\"rows\": []}")
            .expect_err("an error")
            .to_string();
        assert!(err.contains("not a promptfoo output file"), "{err}");
    }
}
