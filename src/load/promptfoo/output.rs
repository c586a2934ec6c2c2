//! promptfoo's JSON output (`results.version` 2 and 3) and its JSONL export
//! (one EvaluateResult per line), read into [`Parsed`].

use std::collections::HashMap;
use std::path::Path;

use serde_json::value::RawValue;
use serde_json::Value as Json;

use super::{named_score, provider_name, Parsed, Sample, Test, VariantInfo};
use crate::error::{Error, Location, Result};
use crate::load::json::{json_error, kind, line_of};

#[derive(serde::Deserialize)]
struct Top<'a> {
    #[serde(borrow)]
    results: Option<&'a RawValue>,
}

#[derive(serde::Deserialize)]
struct Nested<'a> {
    version: Option<Json>,
    #[serde(borrow)]
    results: Option<Vec<&'a RawValue>>,
    prompts: Option<Vec<Json>>,
}

/// Reads a file that starts with `{`: the output object, or JSONL results.
pub(super) fn read(path: &Path, bytes: &[u8]) -> Result<Parsed> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::input(
            Location::file(path).at_line(line_of(bytes, e.valid_up_to())),
            "the file is not valid UTF-8; re-encode it as UTF-8",
        )
    })?;
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    let first = match stream.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Err(json_error(path, 1, text, &e)),
        None => return Err(not_promptfoo(path)),
    };
    let top: Top = serde_json::from_str(first.get()).map_err(|_| not_promptfoo(path))?;
    let second = stream.next();
    match (top.results, second) {
        (Some(results), None) => read_output(path, text, results),
        _ => read_jsonl(path, text),
    }
}

fn not_promptfoo(path: &Path) -> Error {
    Error::input(
        Location::file(path).with_field("results"),
        "not a promptfoo output file: expected {\"results\": {\"results\": [...]}} as written by `promptfoo eval -o results.json`, or one result per line as `-o results.jsonl` writes",
    )
}

/// The output object: `{"results": {"version": 3, "prompts": [...], "results": [...]}}`.
fn read_output(path: &Path, text: &str, raw: &RawValue) -> Result<Parsed> {
    let base = text.as_ptr() as usize;
    let (version, entries, prompts) = match raw.get().trim_start().as_bytes().first() {
        // The first summaries (early 2023) were `{"results": [...]}`.
        Some(b'[') => {
            let entries: Vec<&RawValue> =
                serde_json::from_str(raw.get()).map_err(|_| not_promptfoo(path))?;
            (None, entries, None)
        }
        Some(b'{') => {
            let nested: Nested = serde_json::from_str(raw.get()).map_err(|e| {
                let line = line_of(text.as_bytes(), raw.get().as_ptr() as usize - base);
                json_error(path, line, raw.get(), &e)
            })?;
            let entries = nested.results.ok_or_else(|| not_promptfoo(path))?;
            (nested.version, entries, nested.prompts)
        }
        _ => return Err(not_promptfoo(path)),
    };
    match &version {
        None => {}
        Some(Json::Number(n)) if matches!(n.as_u64(), Some(2 | 3)) => {}
        Some(other) => {
            return Err(Error::input(
                Location::file(path).with_field("results.version"),
                format!(
                    "promptfoo results version {other}: benchgate reads versions 2 and 3; export the eval with a promptfoo of 2023–2025 or read its CSV export"
                ),
            ))
        }
    }
    let mut results = Results::new(prompts.unwrap_or_default());
    for (index, entry) in entries.into_iter().enumerate() {
        let line = line_of(text.as_bytes(), entry.get().as_ptr() as usize - base);
        let map = match serde_json::from_str::<Json>(entry.get()) {
            Ok(Json::Object(map)) => map,
            Ok(other) => {
                return Err(Error::input(
                    Location::file(path)
                        .at_line(line)
                        .with_field(format!("results.results[{index}]")),
                    format!("expected a promptfoo result object, found {}", kind(&other)),
                ))
            }
            Err(e) => return Err(json_error(path, line, entry.get(), &e)),
        };
        results.add(path, line, &format!("results.results[{index}]"), &map)?;
    }
    Ok(results.finish())
}

/// The JSONL export: a stream of result objects (one per line; two on a line
/// where an old promptfoo wrote a batch without its final newline).
fn read_jsonl(path: &Path, text: &str) -> Result<Parsed> {
    let base = text.as_ptr() as usize;
    let mut results = Results::new(Vec::new());
    let stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    for (index, item) in stream.enumerate() {
        let raw = item.map_err(|e| json_error(path, 1, text, &e))?;
        let line = line_of(text.as_bytes(), raw.get().as_ptr() as usize - base);
        let map = match serde_json::from_str::<Json>(raw.get()) {
            Ok(Json::Object(map)) => map,
            Ok(other) => {
                return Err(Error::input(
                    Location::file(path).at_line(line),
                    format!(
                        "expected one promptfoo result object per line (`promptfoo eval -o results.jsonl`), found {}",
                        kind(&other)
                    ),
                ))
            }
            Err(e) => return Err(json_error(path, line, raw.get(), &e)),
        };
        if map.contains_key("results") {
            return Err(Error::input(
                Location::file(path).at_line(line).with_field("results"),
                "several promptfoo output objects in one file; give each run its own file",
            ));
        }
        if !map.contains_key("success") && !map.contains_key("prompt") {
            return Err(if index == 0 {
                not_promptfoo(path)
            } else {
                Error::input(
                    Location::file(path).at_line(line),
                    "expected a promptfoo result (with `prompt` and `success`), as each line of `promptfoo eval -o results.jsonl` is",
                )
            });
        }
        results.add(path, line, "", &map)?;
    }
    Ok(results.finish())
}

/// Results gathered into samples and variants.
struct Results {
    /// `results.prompts` of version 3: each variant's template, label and provider.
    prompts: Vec<Json>,
    samples: Vec<Sample>,
    variants: Vec<VariantInfo>,
    by_key: HashMap<VariantKey, usize>,
}

#[derive(Hash, PartialEq, Eq)]
enum VariantKey {
    Index(u64),
    Named(String, String),
}

impl Results {
    fn new(prompts: Vec<Json>) -> Self {
        Results {
            prompts,
            samples: Vec::new(),
            variants: Vec::new(),
            by_key: HashMap::new(),
        }
    }

    fn finish(self) -> Parsed {
        Parsed {
            samples: self.samples,
            variants: self.variants,
        }
    }

    /// Adds one result object; `at` names it in errors (`results.results[3]`).
    fn add(
        &mut self,
        path: &Path,
        line: usize,
        at: &str,
        map: &serde_json::Map<String, Json>,
    ) -> Result<()> {
        let field = |name: &str| {
            let name = if at.is_empty() {
                name.to_string()
            } else {
                format!("{at}.{name}")
            };
            Location::file(path).at_line(line).with_field(name)
        };
        let bad = |name: &str, what: &str, found: &Json| {
            Error::input(
                field(name),
                format!(
                    "expected {what}, found {}; is this a promptfoo result file?",
                    kind(found)
                ),
            )
        };
        // The variant.
        let prompt = map.get("prompt").and_then(Json::as_object);
        let label = prompt
            .and_then(|p| p.get("label").or_else(|| p.get("display")))
            .and_then(Json::as_str)
            .filter(|l| !l.is_empty());
        let provider = provider_name(map.get("provider"));
        let index = match map.get("promptIdx") {
            None | Some(Json::Null) => None,
            Some(Json::Number(n)) if n.as_u64().is_some() => n.as_u64(),
            Some(other) => return Err(bad("promptIdx", "a prompt index", other)),
        };
        let key = match (index, label) {
            (Some(i), _) => VariantKey::Index(i),
            (None, Some(l)) => VariantKey::Named(provider.clone(), l.to_string()),
            (None, None) => {
                return Err(Error::input(
                    field("prompt.label"),
                    "the result names its prompt by neither promptIdx nor a label; benchgate cannot tell the prompts of this file apart",
                ))
            }
        };
        let variant = self.variant(key, index, label, &provider);
        // The test.
        let test_case = match map.get("testCase") {
            None | Some(Json::Null) => None,
            Some(Json::Object(t)) => Some(t),
            Some(other) => return Err(bad("testCase", "an object", other)),
        };
        let mut vars = match test_case
            .and_then(|t| t.get("vars"))
            .or_else(|| map.get("vars"))
        {
            None | Some(Json::Null) => serde_json::Map::new(),
            Some(Json::Object(v)) => v.clone(),
            Some(other) => return Err(bad("vars", "an object of vars", other)),
        };
        vars.remove("_conversation");
        let description = test_case
            .and_then(|t| t.get("description"))
            .or_else(|| map.get("description"))
            .and_then(Json::as_str)
            .map(str::to_string);
        let asserts = test_case.map(|t| t.get("assert").cloned().unwrap_or(Json::Null));
        let test_index = match map.get("testIdx") {
            None | Some(Json::Null) => None,
            Some(Json::Number(n)) if n.as_u64().is_some() => n.as_u64(),
            Some(other) => return Err(bad("testIdx", "a test index", other)),
        };
        let mut tags = Vec::new();
        if let Some(meta) = test_case
            .and_then(|t| t.get("metadata"))
            .and_then(Json::as_object)
        {
            for (k, v) in meta {
                if let Json::String(s) = v {
                    tags.push((k.clone(), s.clone()));
                }
            }
        }
        // The outcome.
        let pass = match map.get("success") {
            Some(Json::Bool(b)) => *b,
            Some(other) => return Err(bad("success", "true or false", other)),
            None => {
                return Err(Error::input(
                    field("success"),
                    "the result has no `success`; benchgate reads promptfoo's results of versions 2 and 3",
                ))
            }
        };
        let (mut numbers, non_finite) = scores(map, pass, &field, &bad)?;
        let response = map.get("response").and_then(Json::as_object);
        // promptfoo's totals count a result without token usage as 0 tokens.
        let tokens = response
            .and_then(|r| r.get("tokenUsage"))
            .and_then(|t| t.get("total"))
            .and_then(Json::as_f64)
            .filter(|x| x.is_finite());
        numbers.push(("tokens".to_string(), tokens.unwrap_or(0.0)));
        let prediction = match response.and_then(|r| r.get("output")) {
            Some(Json::String(s)) => s.clone(),
            Some(Json::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        let error = map.get("failureReason").and_then(Json::as_u64) == Some(2)
            || (response.is_none() && map.get("error").is_some_and(|e| !e.is_null()));
        let input = prompt
            .and_then(|p| p.get("raw"))
            .and_then(Json::as_str)
            .map(str::to_string);
        self.samples.push(Sample {
            line,
            test: Test {
                description,
                vars,
                asserts,
                index: test_index,
            },
            variant,
            prediction,
            input,
            numbers,
            non_finite,
            tags,
            error,
        });
        Ok(())
    }

    /// The variant a result belongs to, by its key: a new one is described
    /// from the result's label, else the declared prompt's label or template.
    fn variant(
        &mut self,
        key: VariantKey,
        index: Option<u64>,
        label: Option<&str>,
        provider: &str,
    ) -> usize {
        match self.by_key.get(&key) {
            Some(&v) => v,
            None => {
                let declared = index
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| self.prompts.get(i));
                let template = declared
                    .and_then(|p| p.get("raw"))
                    .and_then(Json::as_str)
                    .map(str::to_string);
                let label = label
                    .map(str::to_string)
                    .or_else(|| {
                        declared
                            .and_then(|p| p.get("label"))
                            .and_then(Json::as_str)
                            .map(str::to_string)
                    })
                    .or_else(|| template.clone())
                    .unwrap_or_else(|| format!("prompt {}", index.unwrap_or(0)));
                let v = self.variants.len();
                self.variants.push(VariantInfo {
                    provider: provider.to_string(),
                    label,
                    template,
                });
                self.by_key.insert(key, v);
                v
            }
        }
    }
}

/// A score promptfoo could not write as a number, as the file shows it:
/// `null` (JavaScript's `JSON.stringify` of NaN and ±Infinity; a score is a
/// number otherwise), or `NaN`, `Infinity`, `-Infinity` (a rewrite by Python).
fn non_finite_score(value: &Json) -> Option<String> {
    match value {
        Json::Null => Some("null".to_string()),
        other => crate::load::non_finite::value(other)
            .map(|x| crate::load::non_finite::shown(x).to_string()),
    }
}

/// A result's numbers: its score (or the non-finite one, listed apart),
/// `pass`, its named scores, latency and cost.
#[allow(clippy::type_complexity)]
fn scores(
    map: &serde_json::Map<String, Json>,
    pass: bool,
    field: &dyn Fn(&str) -> Location,
    bad: &dyn Fn(&str, &str, &Json) -> Error,
) -> Result<(Vec<(String, f64)>, Vec<(String, String)>)> {
    let number = |name: &str| -> Result<Option<f64>> {
        match map.get(name) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Number(n)) => match n.as_f64().filter(|x| x.is_finite()) {
                Some(x) => Ok(Some(x)),
                None => Err(bad(name, "a finite number", &Json::Number(n.clone()))),
            },
            Some(other) => Err(bad(name, "a number", other)),
        }
    };
    let mut numbers = Vec::new();
    let mut non_finite = Vec::new();
    match map.get("score").and_then(non_finite_score) {
        Some(shown) => non_finite.push(("score".to_string(), shown)),
        None => {
            if let Some(x) = number("score")? {
                numbers.push(("score".to_string(), x));
            }
        }
    }
    numbers.push(("pass".to_string(), f64::from(u8::from(pass))));
    match map.get("namedScores") {
        None | Some(Json::Null) => {}
        Some(Json::Object(named)) => {
            for (name, value) in named {
                if let Some(shown) = non_finite_score(value) {
                    non_finite.push((named_score(name), shown));
                    continue;
                }
                match value.as_f64().filter(|x| x.is_finite()) {
                    Some(x) => numbers.push((named_score(name), x)),
                    None => {
                        return Err(Error::input(
                            field(&format!("namedScores.{name}")),
                            format!("a named score must be a number, found {}", kind(value)),
                        ))
                    }
                }
            }
        }
        Some(other) => return Err(bad("namedScores", "an object of scores", other)),
    }
    if let Some(x) = number("latencyMs")? {
        numbers.push(("latency_ms".to_string(), x));
    }
    if let Some(x) = number("cost")? {
        numbers.push(("cost".to_string(), x));
    }
    Ok((numbers, non_finite))
}
