//! promptfoo's result files: `promptfoo eval -o results.json` (output versions
//! 2 and 3), `-o results.jsonl` and `-o results.csv`.
//!
//! Layouts read, and how they differ:
//!
//! - **JSON, version 3** (promptfoo 0.60 on): `results.results` holds one
//!   EvaluateResult per test × variant, with `testIdx`, `promptIdx`,
//!   `testCase` (description, vars, assert, metadata), `success`, `score`,
//!   `namedScores`, `latencyMs`, `cost`, `response.output`, `failureReason`
//!   (2: an error, with no response); `results.prompts` lists each variant's
//!   template (`raw`), `label` and provider.
//! - **JSON, version 2** (2023): the same results without `testIdx`,
//!   `promptIdx` or `testCase`; the prompt's template is `prompt.display`.
//! - **JSONL export**: one EvaluateResult per line, as version 3 holds them
//!   (no `results.prompts`). Versions before 0.110 wrote each batch of 100
//!   tests without a final newline, so two results can share a line: the
//!   reader takes the lines as a stream of JSON values.
//! - **CSV export** ([`export`]): vars columns, then one `[provider] label`
//!   column per variant — 2023–2025 cells `[PASS] (score, name: x)\n\noutput\n\nPass
//!   Reason: …`, early 2023 cells with the bare output and no verdict, and since
//!   0.121 `Status`, `Score`, `Named Scores`, `Grader Reason`, `Comment` columns
//!   after each variant's output (and a `Description` column first).
//!
//! One eval holds several *variants*, prompt × provider. A row is one result:
//!
//! - id: the test's name — the var that `--id-field` names, else its
//!   description, else its vars as `name=value` pairs, else `test N` (its
//!   index) — and, when the file has several variants, ` [provider | prompt]`
//!   with the parts that vary. The provider is its label, else its id; the
//!   prompt is its label: promptfoo labels a prompt from a file with the file's
//!   path (the key is the path, `#N` for the Nth prompt of a file holding
//!   several), a prompt with a `label:` by that label, and an inline prompt by
//!   its own text (the key is the text in quotes, long ones shortened with a
//!   hash). [`variants`] matches the variants of two runs by these names, never
//!   by position;
//! - prediction: `response.output` (JSON text when it is not a string; empty
//!   for an error);
//! - input: the rendered prompt (`prompt.raw`; the CSV's prompt label);
//! - reference: the var named by `--reference-field` (default `reference`, then
//!   `target`), when the test has one;
//! - numbers: promptfoo's own per-sample metrics — `score`, `pass` (1 or 0
//!   from `success`), every `namedScores` entry, `latency_ms` and `cost` — and
//!   `tokens` (`response.tokenUsage.total`, 0 where the provider reported
//!   none, as promptfoo's totals count it; not a default metric);
//! - tags: the string values of the test's `metadata`, `provider`, `prompt`,
//!   and `test_hash`, a hash of the test's vars and asserts (ground truth: a
//!   test whose vars or asserts changed is *edited*; a changed prompt is
//!   compared). Only files that state the asserts (version 3, JSONL) have it.
//!
//! A score or named score that is not finite is missing for that result, and
//! counted and listed in a warning (the rule of every tool's reader,
//! [`super::non_finite`]): promptfoo's JSON writes a NaN or infinite score as
//! `null` (JavaScript's `JSON.stringify`; a score is a number otherwise), its
//! CSV cells as `NaN`, `Infinity`, `-Infinity`; a file a Python script
//! rewrote may hold the bare tokens or those strings. A null `latencyMs` or
//! `cost` is only missing (unknown).
//!
//! An error result (a provider that failed, `failureReason` 2) has no response;
//! it counts as a failure, score 0 and pass 0, as promptfoo counts it in its
//! pass rate (successes over all results); the file's warnings say how many.
//! Two tests with one name are samples of one example when their vars and
//! asserts are equal (promptfoo's `--repeat`), an error otherwise.

mod export;
mod output;
pub mod variants;

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value as Json;

use super::reader::{Clue, Loaded, Reader, Sniff};
use super::record::{FieldMap, Fields, InputFormat, Row};
use super::{Text, ToolInfo};
use crate::diagnostic::{Code, Diagnostic};
use crate::error::{Error, Location, Result};

pub use variants::{pair_variants, VariantSpec};

/// The tags that name a row's variant.
pub const VARIANT_TAGS: [&str; 2] = ["provider", "prompt"];

/// The promptfoo reader: a `.csv` file that is a promptfoo export, a first
/// line that is a JSONL result (or begins with one), or a document with
/// `results.results`.
pub(super) struct Promptfoo;

impl Reader for Promptfoo {
    fn format(&self) -> InputFormat {
        InputFormat::Promptfoo
    }

    fn listed_as(&self) -> Option<&'static str> {
        Some("promptfoo output")
    }

    fn sniff(&self, file: &Sniff) -> Option<Clue> {
        if file.named(&[".csv"]) {
            return is_csv_export(file.bytes).then_some(Clue::Name);
        }
        // The JSONL export before 0.110 could put two results on a line.
        if file.first_value().is_some_and(is_jsonl_result) {
            return Some(Clue::Record);
        }
        let results = |v: &Json| {
            v.get("results")
                .is_some_and(|r| r.get("results").is_some_and(Json::is_array))
        };
        file.document()
            .is_some_and(results)
            .then_some(Clue::Document)
    }

    fn read(&self, path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Loaded> {
        read(path, bytes, fields).map(Loaded::from)
    }
}

/// Reads a promptfoo result file: the JSON output, the JSONL export or the
/// CSV export, told apart by content.
fn read(path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<(Vec<Row>, ToolInfo)> {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    let parsed = match bytes.trim_ascii_start().first() {
        // A file written by Python (a post-processed export) may hold bare NaN.
        Some(b'{') => output::read(path, &super::non_finite::quote(bytes))?,
        _ => export::read(path, bytes)?,
    };
    finish(path, parsed, fields)
}

/// Whether a CSV file is a promptfoo export (its columns end in
/// `[provider] prompt` columns, or hold promptfoo's `Status`/`Score` groups),
/// or one of its 2023 layouts, which the reader names in its error.
fn is_csv_export(bytes: &[u8]) -> bool {
    export::is_export(bytes) || export::old_layout(bytes).is_some()
}

/// Whether a JSON object (a JSONL file's first line) is one result of
/// promptfoo's JSONL export.
fn is_jsonl_result(value: &Json) -> bool {
    ["testIdx", "promptIdx", "success", "prompt"]
        .iter()
        .all(|k| value.get(k).is_some())
        && (value.get("testCase").is_some() || value.get("provider").is_some())
}

/// A file's results in one shape, whatever its layout.
struct Parsed {
    samples: Vec<Sample>,
    variants: Vec<VariantInfo>,
}

/// One result: one test under one variant.
struct Sample {
    line: usize,
    test: Test,
    /// Index into [`Parsed::variants`].
    variant: usize,
    prediction: String,
    input: Option<String>,
    /// promptfoo's numbers, in its order: score, pass, named scores,
    /// latency_ms, cost, tokens; all finite.
    numbers: Vec<(String, f64)>,
    /// Scores that were not finite, as the file wrote them (`NaN`, `null`):
    /// missing for this result, listed in a warning.
    non_finite: Vec<(String, String)>,
    /// The test's metadata.
    tags: Vec<(String, String)>,
    /// A provider error (no response).
    error: bool,
}

/// What a result says of its test.
struct Test {
    description: Option<String>,
    /// Vars without promptfoo's own `_conversation`.
    vars: serde_json::Map<String, Json>,
    /// The asserts, when the layout states them (`Some(Null)`: none).
    asserts: Option<Json>,
    /// promptfoo's test index (`testIdx`, the CSV row).
    index: Option<u64>,
}

/// One variant of the file: a provider and a prompt.
#[derive(Debug, Clone)]
struct VariantInfo {
    /// The provider's label, else its id.
    provider: String,
    /// The prompt's label (v2: `display`; CSV: the header's).
    label: String,
    /// The prompt's template, when the file states it (v3 `results.prompts`).
    template: Option<String>,
}

/// Turns a file's results into rows and the tool's information.
fn finish(path: &Path, parsed: Parsed, fields: &FieldMap) -> Result<(Vec<Row>, ToolInfo)> {
    let Parsed { samples, variants } = parsed;
    let keys = variant_keys(&variants);
    let mut warnings = Vec::new();
    let mut seen_pairs: HashMap<(&str, &str), usize> = HashMap::new();
    for (provider, prompt) in &keys {
        *seen_pairs.entry((provider, prompt)).or_default() += 1;
    }
    let used: Vec<bool> = (0..variants.len())
        .map(|v| samples.iter().any(|s| s.variant == v))
        .collect();
    let distinct = |part: fn(&(String, String)) -> &str| {
        let mut all: Vec<&str> = keys
            .iter()
            .zip(&used)
            .filter(|(_, u)| **u)
            .map(|(k, _)| part(k))
            .collect();
        all.sort_unstable();
        all.dedup();
        all.len() > 1
    };
    let several_providers = distinct(|k| &k.0);
    let several_prompts = distinct(|k| &k.1);
    let default_id = FieldMap::default().id;
    let mut owner: HashMap<String, (u64, usize)> = HashMap::new();
    let mut rows = Vec::with_capacity(samples.len());
    let mut errors = 0usize;
    let mut named_order: Vec<String> = Vec::new();
    let mut tally = super::non_finite::Tally::default();
    for sample in samples {
        let loc = Location::file(path).at_line(sample.line);
        let test = &sample.test;
        let name = test_name(test, fields, &default_id, &loc)?;
        let content = content_hash(test);
        match owner.get(&name) {
            Some((other, line)) if *other != content => {
                return Err(Error::input(
                    loc.with_field("testCase.description"),
                    format!(
                        "two tests are both named \"{name}\" (the other on line {line}) but their vars or asserts differ; give each test its own description"
                    ),
                ))
            }
            Some(_) => {}
            None => {
                owner.insert(name.clone(), (content, sample.line));
            }
        }
        let (provider, prompt) = &keys[sample.variant];
        let id = with_variant(
            &name,
            several_providers.then_some(provider.as_str()),
            several_prompts.then_some(prompt.as_str()),
        );
        let references = reference(test, fields, &loc)?;
        let mut tags: Vec<(Text, Text)> = sample
            .tags
            .into_iter()
            .map(|(k, v)| (Text::from(k), Text::from(v)))
            .collect();
        if let Some(asserts) = &test.asserts {
            let hash = canonical_hash(&[&Json::Object(test.vars.clone()), asserts]);
            tags.push(("test_hash".into(), format!("{hash:016x}").into()));
        }
        tags.push(("provider".into(), provider.as_str().into()));
        tags.push(("prompt".into(), prompt.as_str().into()));
        for (k, _) in &sample.numbers {
            if !BUILT_IN.contains(&k.as_str()) && !named_order.contains(k) {
                named_order.push(k.clone());
            }
        }
        for (metric, value) in &sample.non_finite {
            tally.record_shown(metric, &id, value);
        }
        errors += usize::from(sample.error);
        rows.push(Row {
            id: id.into(),
            prediction: sample.prediction.into(),
            references,
            input: sample.input.map(Text::from),
            numbers: Fields::from_pairs(
                sample
                    .numbers
                    .into_iter()
                    .map(|(k, v)| (Text::from(k), v))
                    .collect(),
            ),
            tags: Fields::from_pairs(tags),
            line: sample.line,
        });
    }
    for ((provider, prompt), n) in &seen_pairs {
        if *n > 1 {
            warnings.push(Diagnostic::new(Code::VariantsByOrder, format!(
                "{}: {n} variants are all provider {provider}, prompt {prompt}; they are told apart by their order (#1, #2, …): give the providers labels in promptfooconfig so that runs match by name",
                path.display()
            )));
        }
    }
    warnings.sort_by(|a, b| a.message.cmp(&b.message));
    warnings.extend(tally.warnings(&path.display().to_string()));
    if errors > 0 {
        warnings.push(Diagnostic::new(Code::SamplesErrored, format!(
            "{}: {errors} of {} results are errors without a response (a provider failed); they count as failures (score 0, pass 0), as in promptfoo's pass rate",
            path.display(),
            rows.len()
        )));
    }
    let present = |m: &str| rows.iter().any(|r| r.numbers.contains_key(m));
    let mut metrics: Vec<String> = ["score", "pass"]
        .iter()
        .filter(|m| present(m))
        .map(|m| (*m).to_string())
        .collect();
    metrics.extend(named_order);
    metrics.extend(
        ["latency_ms", "cost"]
            .iter()
            .filter(|m| present(m))
            .map(|m| (*m).to_string()),
    );
    // A test's vars (the document a question is about, …).
    let cluster_candidates = super::tag_names(&rows, &["provider", "prompt", "test_hash"]);
    Ok((
        rows,
        ToolInfo {
            tool: "promptfoo".into(),
            metrics,
            warnings,
            cluster_candidates,
            ..ToolInfo::default()
        },
    ))
}

/// Takes the numbers that are not finite out of `numbers`, shown as the
/// tools write them (the rule of [`super::non_finite`]).
fn take_non_finite(numbers: &mut Vec<(String, f64)>) -> Vec<(String, String)> {
    let mut taken = Vec::new();
    numbers.retain(|(name, x)| {
        if !x.is_finite() {
            taken.push((name.clone(), super::non_finite::shown(*x).to_string()));
        }
        x.is_finite()
    });
    taken
}

/// The numbers promptfoo's results have besides named scores.
const BUILT_IN: [&str; 5] = ["score", "pass", "latency_ms", "cost", "tokens"];

/// The name of a named score: its own, unless it is one of promptfoo's
/// built-in numbers, which keep theirs.
fn named_score(name: &str) -> String {
    if BUILT_IN.contains(&name) {
        format!("named_{name}")
    } else {
        name.to_string()
    }
}

/// A test's name: the var `--id-field` names, its description, its vars, its
/// index.
fn test_name(
    test: &Test,
    fields: &FieldMap,
    default_id: &[String],
    loc: &Location,
) -> Result<String> {
    if let Some(value) = fields.id.iter().find_map(|n| test.vars.get(n)) {
        return Ok(match value {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    if fields.id != default_id {
        let mut names: Vec<&str> = test.vars.keys().map(String::as_str).collect();
        names.sort_unstable();
        return Err(Error::input(
            loc.clone().with_field(format!("vars.{}", fields.id[0])),
            format!(
                "--id-field {}: the test has no such var (its vars: {}); name a var every test has",
                fields.id[0],
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ),
        ));
    }
    if let Some(d) = test.description.as_deref().filter(|d| !d.trim().is_empty()) {
        return Ok(d.to_string());
    }
    if !test.vars.is_empty() {
        let mut pairs: Vec<String> = test
            .vars
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Json::String(s) => short(s),
                    other => short(&other.to_string()),
                };
                format!("{k}={v}")
            })
            .collect();
        pairs.sort();
        return Ok(pairs.join(", "));
    }
    match test.index {
        Some(i) => Ok(format!("test {i}")),
        None => Err(Error::input(
            loc.clone().with_field("testCase.description"),
            "the test has neither a description nor vars nor an index to name it by; give it a description",
        )),
    }
}

/// The test's reference: the var `--reference-field` names.
fn reference(test: &Test, fields: &FieldMap, loc: &Location) -> Result<Vec<Text>> {
    let Some((name, value)) = fields
        .reference
        .iter()
        .find_map(|name| test.vars.get(name).map(|v| (name, v)))
    else {
        return Ok(Vec::new());
    };
    match value {
        Json::String(s) => Ok(vec![Text::from(s.as_str())]),
        Json::Array(items) if items.iter().all(Json::is_string) => Ok(items
            .iter()
            .filter_map(|s| s.as_str().map(Text::from))
            .collect()),
        other => Err(Error::input(
            loc.clone().with_field(format!("vars.{name}")),
            format!(
                "a reference must be a string or a list of strings, found {}",
                super::json::kind(other)
            ),
        )),
    }
}

/// `name [provider | prompt]` with the parts given.
fn with_variant(name: &str, provider: Option<&str>, prompt: Option<&str>) -> String {
    match (provider, prompt) {
        (Some(a), Some(b)) => format!("{name} [{a} | {b}]"),
        (Some(a), None) | (None, Some(a)) => format!("{name} [{a}]"),
        (None, None) => name.to_string(),
    }
}

/// Each variant's provider and prompt keys, distinct per distinct prompt.
fn variant_keys(variants: &[VariantInfo]) -> Vec<(String, String)> {
    // Distinct labels, in order of first variant; several labels of one file
    // become `path #1`, `path #2`.
    let mut labels: Vec<&VariantInfo> = Vec::new();
    for v in variants {
        if !labels.iter().any(|l| l.label == v.label) {
            labels.push(v);
        }
    }
    let bases: Vec<String> = labels.iter().map(|v| prompt_key(v)).collect();
    let mut keys: HashMap<&str, String> = HashMap::new();
    for (i, v) in labels.iter().enumerate() {
        let same: Vec<usize> = (0..labels.len())
            .filter(|&j| bases[j] == bases[i])
            .collect();
        let key = if same.len() > 1 {
            let n = same.iter().position(|&j| j == i).unwrap_or(0) + 1;
            format!("{} #{n}", bases[i])
        } else {
            bases[i].clone()
        };
        keys.insert(v.label.as_str(), key);
    }
    let mut out: Vec<(String, String)> = variants
        .iter()
        .map(|v| {
            (
                short(&v.provider),
                keys.get(v.label.as_str()).cloned().unwrap_or_default(),
            )
        })
        .collect();
    // Variants that share both keys (one provider twice, unlabelled, with two
    // configs) are told apart by their order.
    let pairs = out.clone();
    for (i, pair) in pairs.iter().enumerate() {
        let same: Vec<usize> = (0..pairs.len()).filter(|&j| pairs[j] == *pair).collect();
        if same.len() > 1 {
            let n = same.iter().position(|&j| j == i).unwrap_or(0) + 1;
            out[i].0 = format!("{} #{n}", pair.0);
        }
    }
    out
}

/// A prompt's key: the file path of a prompt read from a file, its label when
/// it has one, else its text in quotes.
fn prompt_key(v: &VariantInfo) -> String {
    let label = v.label.as_str();
    if let Some(path) = file_prefix(label) {
        return path.to_string();
    }
    let unlabelled = match &v.template {
        Some(t) => t == label,
        None => {
            label.contains("{{")
                || label.contains("{%")
                || label.contains('\n')
                || label.chars().count() > 40
        }
    };
    if unlabelled {
        format!("\"{}\"", short(label))
    } else {
        short(label)
    }
}

/// The `path` of a label promptfoo made as `path: text` (`[label: ]path: text`
/// for a labelled file prompt): the label up to the first file path followed
/// by `: `.
fn file_prefix(label: &str) -> Option<&str> {
    let mut start = 0;
    while let Some(at) = label[start..].find(": ") {
        let end = start + at;
        let token = label[..end]
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or_default();
        if looks_like_path(token) {
            return Some(&label[..end]);
        }
        if label[..end].contains('\n') {
            return None;
        }
        start = end + 2;
    }
    None
}

fn looks_like_path(token: &str) -> bool {
    let token = token.strip_prefix("file://").unwrap_or(token);
    let Some((stem, ext)) = token.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty()
        && (1..=8).contains(&ext.len())
        && ext.chars().all(|c| c.is_ascii_alphanumeric())
        && ext.chars().any(|c| c.is_ascii_alphabetic())
}

/// Text for an id or key: whitespace runs as one space; past 60 characters,
/// the first 48 and a hash of the whole, so that two long texts stay apart.
fn short(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= 60 {
        return flat;
    }
    let head: String = flat.chars().take(48).collect();
    let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
    format!("{}… #{:08x}", head.trim_end(), hash >> 32)
}

/// What tells two tests of one name apart: their vars and asserts.
fn content_hash(test: &Test) -> u64 {
    canonical_hash(&[
        &Json::Object(test.vars.clone()),
        test.asserts.as_ref().unwrap_or(&Json::Null),
    ])
}

/// XXH3 of JSON values written with sorted keys (the file's key order is not
/// part of a test's identity).
fn canonical_hash(values: &[&Json]) -> u64 {
    let mut text = String::new();
    for v in values {
        canonical(v, &mut text);
        text.push('\u{1e}');
    }
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

fn canonical(value: &Json, out: &mut String) {
    match value {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Json::String(k.clone()).to_string());
                out.push(':');
                canonical(&map[k], out);
            }
            out.push('}');
        }
        Json::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A provider's name: its label, else its id (a string is an id).
fn provider_name(value: Option<&Json>) -> String {
    match value {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Object(o)) => o
            .get("label")
            .and_then(Json::as_str)
            .filter(|l| !l.is_empty())
            .or_else(|| o.get("id").and_then(Json::as_str))
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests;
