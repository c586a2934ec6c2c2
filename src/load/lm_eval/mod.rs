//! lm-evaluation-harness `--log_samples` files, every layout since the 2023
//! refactor, and a run as a directory or glob of them.
//!
//! # Layouts read
//!
//! | version | file | how it differs |
//! |---|---|---|
//! | big refactor (2023, before 0.4.0) | `<model args>_<task>.jsonl`, JSONL | the metric inline (`"acc": 0.0`); no `filter`, `metrics` or hashes; `arguments` the first request's `[context, continuation]` |
//! | 0.4.0–0.4.2 | `<model args>_<task>.jsonl` beside `results.json` | one indented JSON **array**, although named `.jsonl`; `arguments` a list of argument tuples; no `filter`, `metrics` or hashes |
//! | 0.4.3–0.4.6 | `samples_<task>_<date>.jsonl` beside `results_<date>.json` | JSONL with `doc_hash`, `prompt_hash`, `target_hash`; `arguments` is `{"gen_args_N": {"arg_0", "arg_1"}}`; still no `filter` or `metrics` |
//! | later 0.4.x | the same | `filter`, and `metrics` naming the metric fields of the line; log-likelihoods written as strings (`["-3.32", "False"]`, 0.4.12); a chat model's `arg_0` a list of messages, or that list's JSON inside a list (0.4.9) |
//!
//! Without `metrics`, a line's metrics are its numeric (and boolean) fields that
//! are not the harness's own keys ([`HARNESS_KEYS`]). Without `filter`, the
//! filter is `none` — unless a document appears on several lines: versions that
//! did not log the filter wrote one unnamed line per filter, filter after
//! filter, so the k-th line of a document is the k-th filter of the task, and
//! the results file beside the samples names them (no results file: an error).
//!
//! # What a line becomes
//!
//! An example is one document under one filter. Each filter's response is its
//! own example, scored by that filter's metrics only, so the diff shows the
//! response a metric scored, and nothing depends on the order of the lines.
//!
//! - id: `<task>/<doc_id>`, then `/<filter>` for a filter other than `none`
//!   (`gsm8k/12/strict-match`). The task is in every id, so that tasks never
//!   clash and a run of one task pairs with the same task in a run of many. It
//!   comes from the name `samples_<task>_<date>.jsonl` or, for the older
//!   `<model args>_<task>.jsonl`, from the task names of the `results.json`
//!   beside it; a file with neither has ids `<doc_id>`. A task part that came
//!   from the file name alone is recorded (`ToolInfo::name_prefixes`), so
//!   that a single-task comparison pairs by doc id whatever the files are
//!   called (a copy kept as `baseline.jsonl`: `align::pair_renamed_tasks`).
//! - prediction: generation: the filtered response. Multiple choice (one
//!   `[log-likelihood, is_greedy]` per choice): the choice of highest
//!   log-likelihood (what lm-eval's `acc` takes), as its letter and text —
//!   `B. Confectionery` — when the doc lists the choices (`choices`,
//!   `choices.text`, `options`, `endings`, `option1`…, `sol1`…) or the
//!   requests' continuations differ; else the letter. One log-likelihood
//!   request (loglikelihood tasks): the target when it is the greedy
//!   continuation, else "not the greedy continuation (…)".
//! - reference: generation: `target` (a list: several references). Multiple
//!   choice: the gold choice's letter, from `target` (an index, a letter or a
//!   choice's text), else from the doc's `answer`, `label` or `gold`
//!   (winogrande's `answer` counts from 1). Only the letter: the reference is
//!   ground truth (a changed reference marks the example edited), and the
//!   same documents logged with and without the choices' texts (0.4.12 wrote
//!   both) must still pair; the diff of the predictions shows the texts.
//! - input: the first request's prompt; for a chat template (a list of
//!   messages, or their JSON in a string) the last user message.
//! - external scores: `<metric>,<filter>` as lm-eval's results name them
//!   (`acc,none`, `exact_match,strict-match`), so they never shadow benchgate's
//!   own `exact_match`. Values may be numbers, booleans or numeric strings. A
//!   per-sample value that is a list (perplexity's `[log-likelihood, words]`,
//!   BLEU's `[reference, prediction]`) feeds a corpus aggregate benchgate does
//!   not compute: it is left out, with a warning.
//! - non-finite values: a per-sample metric the harness wrote as `NaN`,
//!   `Infinity` or `-Infinity` (Python's json writes the bare tokens) is
//!   missing for that metric on that example, never a number, and counted
//!   and listed in a warning per metric: the rule of every tool's reader
//!   ([`super::non_finite`]).
//! - tags: `task`, `filter` (unless `none`), `doc_hash`, `prompt_hash`, `target_hash` (the
//!   dataset fingerprint reads `doc_hash` and `target_hash`), and
//!   `acc_norm_choice` where the length-normalised choice (`acc_norm`'s)
//!   differs from the prediction.
//!
//! # Runs, and the harness's own numbers
//!
//! A directory is one run: the `samples_*.jsonl` files under it (and the older
//! `*.jsonl` beside a `results.json`). A run holds one samples file per task;
//! two of one task — two runs in one folder — are an error naming both.
//!
//! When the run's results file lies beside a samples file — `results_<date>.json`
//! with the samples' date stamp, else the one `results.json` (or other
//! `*results*.json`) that names the task — each metric's mean over the samples
//! is checked against the harness's aggregate. A difference, or a samples file
//! holding fewer documents than the run scored, is a warning with both numbers.
//!
//! The [`ToolInfo`] lists the metrics as *partial*: a metric has values on the
//! examples of the tasks and filters that report it, and no others (a run of
//! mmlu and gsm8k gates `acc,none` on mmlu and `exact_match,strict-match` on
//! gsm8k). Within a file, every line of a filter must carry the same metrics.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};

use super::json::{json_error, kind, line_of, values};
use super::non_finite;
use super::reader::{Clue, Loaded, Reader, Sniff};
use super::record::{format_number, FieldMap, InputFormat, Row, Text, Value};
use super::ToolInfo;
use crate::diagnostic::{Code, Diagnostic};
use crate::error::{Error, Location, Result};

mod results;
mod run;

use results::Results;
pub use run::expand_runs;
use run::{file_name, task_from_name};

/// The keys the harness writes itself; on a line without a `metrics` list,
/// every other numeric field is a metric.
pub const HARNESS_KEYS: [&str; 11] = [
    "doc_id",
    "doc",
    "target",
    "arguments",
    "resps",
    "filtered_resps",
    "filter",
    "metrics",
    "doc_hash",
    "prompt_hash",
    "target_hash",
];

/// The lm-eval reader: a file whose first line, or first array element, is a
/// sample.
pub(super) struct LmEval;

impl Reader for LmEval {
    fn format(&self) -> InputFormat {
        InputFormat::LmEval
    }

    fn listed_as(&self) -> Option<&'static str> {
        Some("lm-eval samples")
    }

    fn sniff(&self, file: &Sniff) -> Option<Clue> {
        let sample = if file.opens_array() {
            starts_samples_array(file.text)
        } else {
            file.line().is_some_and(is_sample)
        };
        sample.then_some(Clue::Record)
    }

    fn read(&self, path: &Path, bytes: &[u8], _fields: &FieldMap) -> Result<Loaded> {
        read(path, bytes).map(Loaded::from)
    }
}

/// Whether a JSON value is an lm-eval sample: `doc_id` and a response.
fn is_sample(value: &Json) -> bool {
    value.get("doc_id").is_some()
        && (value.get("filtered_resps").is_some() || value.get("resps").is_some())
}

/// Whether `text` is a JSON array whose first element is an lm-eval sample
/// (the 0.4.0–0.4.2 layout). Only the first element is parsed.
fn starts_samples_array(text: &[u8]) -> bool {
    struct First<'a>(&'a mut Option<Json>);
    impl<'de> Visitor<'de> for First<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            *self.0 = seq.next_element()?;
            Ok(())
        }
    }
    let mut first = None;
    // Python's bare NaN/Infinity would stop the first element short.
    let text = non_finite::quote(text);
    let mut de = serde_json::Deserializer::from_slice(&text);
    // The rest of the array stays unread, which serde_json then reports as an
    // error: only the first element matters here.
    let _ = (&mut de).deserialize_seq(First(&mut first));
    first.is_some_and(|v| is_sample(&v))
}

/// Reads an lm-eval samples file: its rows, and what the harness says beyond
/// them (its metrics, and warnings from the results file beside it).
fn read(path: &Path, bytes: &[u8]) -> Result<(Vec<Row>, ToolInfo)> {
    let mut warnings = Vec::new();
    let named_task = task_from_name(path);
    let results = Results::beside(path, named_task.as_deref(), &mut warnings);
    let task = named_task
        .clone()
        .or_else(|| results.as_ref().and_then(|r| r.task_of(path)));
    let items = items(path, bytes)?;
    let known = match (&results, &task) {
        (Some(r), Some(t)) => r.filters(t),
        _ => Vec::new(),
    };
    let filters = assign_filters(&items, &known, results.as_ref(), task.as_deref())?;
    let mut tally = Tally::default();
    let mut rows = Vec::with_capacity(items.len());
    for ((loc, map), filter) in items.iter().zip(&filters) {
        rows.push(convert(map, loc, task.as_deref(), filter, &mut tally)?);
    }
    let shown_task = task.as_deref().unwrap_or("the task");
    if !tally.skipped.is_empty() {
        warnings.push(Diagnostic::new(Code::ListMetricSkipped, format!(
            "{}: lm-eval logs {} per sample as a list, an input to a corpus-level aggregate that benchgate does not compute; not compared",
            file_name(path),
            tally.skipped.join(", ")
        )));
    }
    warnings.extend(tally.non_finite.warnings(&file_name(path)));
    if tally.disagree > 0 {
        warnings.push(Diagnostic::new(Code::PredictionMismatch, format!(
            "{}: on {} of {} documents of {shown_task}, lm-eval's acc does not match the choice of highest log-likelihood against the gold choice benchgate read (first: line {}); the prediction or reference shown for them may be wrong",
            file_name(path),
            tally.disagree,
            tally.choice_docs,
            tally.disagree_line.unwrap_or_default()
        )));
    }
    if let (Some(results), Some(task)) = (&results, &task) {
        results.check(task, &tally, &mut warnings);
    }
    // The ids' task part came from the file name alone when the name gave it
    // (or gave none, and nothing else did): a renamed copy pairs by doc id.
    let from_name = named_task.is_some() || task.is_none();
    let metrics = tally.metric_names(&known);
    // Directions as the harness states them: the results json's
    // higher_is_better, else lm-eval's own registry (no guess, no warning).
    let (mut higher, mut lower) = (Vec::new(), Vec::new());
    for name in &metrics {
        let base = name.split(',').next().unwrap_or(name);
        let stated = task
            .as_deref()
            .and_then(|t| results.as_ref()?.higher_is_better(t, base))
            .or_else(|| registered_direction(base));
        match stated {
            Some(true) => higher.push(name.clone()),
            Some(false) => lower.push(name.clone()),
            None => {}
        }
    }
    let info = ToolInfo {
        tool: "lm-eval".into(),
        metrics,
        warnings,
        name_prefixes: if from_name {
            vec![task.clone()]
        } else {
            Vec::new()
        },
        higher_is_better: higher,
        lower_is_better: lower,
        // Within a group (mmlu's subjects), the task's questions belong together.
        cluster_candidates: vec!["task".into()],
    };
    Ok((rows, info))
}

type Item = (Location, Map<String, Json>);

/// The samples of a file, each with its location: JSONL, or one JSON array.
fn items(path: &Path, bytes: &[u8]) -> Result<Vec<Item>> {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    let quoted = non_finite::quote(bytes);
    let bytes: &[u8] = &quoted;
    let parsed: Vec<(Location, Json)> = if bytes.trim_ascii_start().first() == Some(&b'[') {
        array(path, bytes)?
    } else {
        let mut out = Vec::new();
        for item in values(path, bytes) {
            let first = out.is_empty();
            out.push(item.map_err(|e| match e {
                // A first line that is not JSON: most likely not a samples file at all.
                Error::Input { location, message } if first => Error::Input {
                    location,
                    message: format!(
                        "{message}; --input-format lm-eval reads lm-evaluation-harness --log_samples files (one JSON object per line, or one JSON array); drop the flag to detect the format"
                    ),
                },
                other => other,
            })?);
        }
        out
    };
    parsed
        .into_iter()
        .map(|(loc, value)| match value {
            Json::Object(map) => Ok((loc, map)),
            other => Err(Error::input(
                loc,
                format!(
                    "expected an lm-eval sample (an object with doc_id, arguments, resps, …), found {}",
                    kind(&other)
                ),
            )),
        })
        .collect()
}

/// The elements of a JSON array, each located at the line it starts on.
fn array(path: &Path, bytes: &[u8]) -> Result<Vec<(Location, Json)>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::input(
            Location::file(path).at_line(line_of(bytes, e.valid_up_to())),
            "the file is not valid UTF-8; re-encode it as UTF-8",
        )
    })?;
    let raw: Vec<&RawValue> =
        serde_json::from_str(text).map_err(|e| json_error(path, 1, text, &e))?;
    let base = text.as_ptr() as usize;
    let (mut offset, mut line) = (0usize, 1usize);
    raw.iter()
        .map(|item| {
            let start = item.get().as_ptr() as usize - base;
            line += bytecount_newlines(&text.as_bytes()[offset..start]);
            offset = start;
            let value: Json = serde_json::from_str(item.get())
                .map_err(|e| json_error(path, line, item.get(), &e))?;
            Ok((Location::file(path).at_line(line), value))
        })
        .collect()
}

fn bytecount_newlines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

/// The filter of each line: its `filter`, else `none`, else (a document on
/// several unnamed lines) the task's k-th filter for its k-th line.
fn assign_filters(
    items: &[Item],
    known: &[String],
    results: Option<&Results>,
    task: Option<&str>,
) -> Result<Vec<String>> {
    let doc_key = |map: &Map<String, Json>| map.get("doc_id").map(Json::to_string);
    let mut count: HashMap<String, usize> = HashMap::new();
    for (_, map) in items.iter().filter(|(_, m)| !m.contains_key("filter")) {
        if let Some(k) = doc_key(map) {
            *count.entry(k).or_default() += 1;
        }
    }
    let most = count.values().copied().max().unwrap_or(0);
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    items
        .iter()
        .map(|(loc, map)| {
            if let Some(f) = map.get("filter") {
                return match f {
                    Json::String(s) if !s.is_empty() => Ok(s.clone()),
                    other => Err(Error::input(
                        loc.clone().with_field("filter"),
                        format!("the filter must be a non-empty string, found {}", kind(other)),
                    )),
                };
            }
            let Some(doc) = doc_key(map) else {
                // The missing doc_id is reported where the line is converted.
                return Ok("none".to_string());
            };
            let k = seen.entry(doc.clone()).or_insert(0);
            let index = *k;
            *k += 1;
            let line = *first_line
                .entry(doc.clone())
                .or_insert(loc.line.unwrap_or(0));
            if most <= 1 {
                // One line per document: a single named filter, else none.
                return Ok(match known {
                    [only] => only.clone(),
                    _ => "none".to_string(),
                });
            }
            match known.get(index) {
                Some(name) if known.len() >= most => Ok(name.clone()),
                _ => {
                    let why = match results {
                        Some(r) => format!(
                            "{} names {} filter(s) for {}",
                            r.name,
                            known.len(),
                            task.unwrap_or("this task")
                        ),
                        None => "no results file of the run lies beside the samples".to_string(),
                    };
                    Err(Error::input(
                        loc.clone().with_field("doc_id"),
                        format!(
                            "doc_id {doc} is on {most} lines that name no filter (also line {line}): lm-eval versions that did not log the filter wrote one line per filter, in the order of the task's filter_list, and the filters are named by the run's results json — but {why}; put the run's results_<date>.json (or results.json) beside the samples"
                        ),
                    ))
                }
            }
        })
        .collect()
}

/// What the lines of one file add up to, for the checks after reading.
#[derive(Default)]
struct Tally {
    /// Ids seen, with their lines.
    ids: HashMap<String, usize>,
    /// Per filter: the metrics of its first line, and that line.
    filters: BTreeMap<String, (Vec<String>, usize)>,
    /// Lines per filter (documents).
    docs: BTreeMap<String, usize>,
    /// Sum and count of each `metric,filter`.
    sums: BTreeMap<String, (f64, usize)>,
    /// Metrics whose per-sample values are lists, left out.
    skipped: Vec<String>,
    /// Multiple-choice documents whose gold choice is known and that have `acc`.
    choice_docs: usize,
    /// Of those, documents whose `acc` disagrees with the chosen choice.
    disagree: usize,
    /// The first of them.
    disagree_line: Option<usize>,
    /// The values that were not finite (Python's json writes `NaN`,
    /// `Infinity`), per `metric,filter`: missing there, listed in a warning.
    non_finite: non_finite::Tally,
}

impl Tally {
    /// `metric,filter` names in a stable order: filters as the results file
    /// lists them, then by name; metrics in the order of the filter's lines.
    fn metric_names(&self, known: &[String]) -> Vec<String> {
        let mut filters: Vec<&String> = known
            .iter()
            .filter(|f| self.filters.contains_key(*f))
            .collect();
        filters.extend(self.filters.keys().filter(|f| !known.contains(f)));
        filters
            .into_iter()
            .flat_map(|f| self.filters[f].0.iter().map(move |m| format!("{m},{f}")))
            .collect()
    }
}

fn convert(
    map: &Map<String, Json>,
    loc: &Location,
    task: Option<&str>,
    filter: &str,
    tally: &mut Tally,
) -> Result<Row> {
    let field = |name: &str| loc.clone().with_field(name);
    let line = loc.line.unwrap_or(0);
    let doc_id = match map.get("doc_id") {
        Some(Json::Number(n)) => n.as_f64().map(format_number).unwrap_or_default(),
        Some(Json::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(Error::input(
                field("doc_id"),
                "an lm-eval sample needs a doc_id (a number or a string); is this a --log_samples file?",
            ))
        }
    };
    let mut id = match task {
        Some(t) => format!("{t}/{doc_id}"),
        None => doc_id.clone(),
    };
    if filter != "none" {
        id = format!("{id}/{filter}");
    }
    if let Some(first) = tally.ids.insert(id.clone(), line) {
        return Err(Error::input(
            field("doc_id"),
            format!(
                "doc_id {doc_id} under the filter {filter} is also on line {first}; a samples file holds each document once per filter"
            ),
        ));
    }

    let metrics = metrics_of(map, loc, &mut tally.skipped)?;
    if metrics.is_empty() {
        let why = if tally.skipped.is_empty() {
            String::new()
        } else {
            format!(
                " ({} is a list, an input to a corpus-level aggregate)",
                tally.skipped.join(", ")
            )
        };
        return Err(Error::input(
            field("metrics"),
            format!(
                "the sample has no per-sample metric{why}: expected a \"metrics\" list naming numeric fields, or numeric fields such as \"acc\": 1.0 besides the harness's own keys; benchgate has nothing to compare in it"
            ),
        ));
    }
    let names: Vec<String> = metrics.iter().map(|(n, _)| n.clone()).collect();
    match tally.filters.get(filter) {
        None => {
            tally
                .filters
                .insert(filter.to_string(), (names.clone(), line));
        }
        Some((first, first_line)) if *first != names => {
            let odd = names
                .iter()
                .find(|n| !first.contains(n))
                .or_else(|| first.iter().find(|n| !names.contains(n)))
                .cloned()
                .unwrap_or_default();
            return Err(Error::input(
                field(&odd),
                format!(
                    "this line's metrics ({}) differ from those of line {first_line} under the same filter {filter} ({}); every line of a filter carries the same metrics",
                    names.join(", "),
                    first.join(", ")
                ),
            ));
        }
        Some(_) => {}
    }
    *tally.docs.entry(filter.to_string()).or_default() += 1;
    for (name, x) in &metrics {
        let key = format!("{name},{filter}");
        if !x.is_finite() {
            // Missing for this metric on this example (never a number), counted
            // and listed in a warning.
            tally.non_finite.record(&key, &id, *x);
            continue;
        }
        let e = tally.sums.entry(key).or_default();
        e.0 += x;
        e.1 += 1;
    }

    let null = Json::Null;
    let doc = map.get("doc").unwrap_or(&null);
    let target = map.get("target").unwrap_or(&null);
    let arguments = map.get("arguments").unwrap_or(&null);
    let mut pairs: Vec<(String, Value)> = vec![("id".into(), Value::Text(id.into()))];
    let (prediction, references) = match response_of(map, loc)? {
        Response::Text(text) => (text, targets(target)),
        Response::Loglik(choices) if choices.len() == 1 => {
            let (ll, greedy) = choices[0];
            let target = targets(target);
            let prediction = match target.first() {
                Some(t) if greedy => t.clone(),
                _ if greedy => "the greedy continuation".to_string(),
                _ => format!(
                    "not the greedy continuation (log-likelihood {})",
                    format_number(ll)
                ),
            };
            (prediction, target)
        }
        Response::Loglik(choices) => {
            let sample = Choices {
                doc,
                target,
                arguments,
                line,
            };
            multiple_choice(&choices, &sample, &metrics, &names, tally, &mut pairs)
        }
        Response::Rolling(ll) => (format!("log-likelihood {}", format_number(ll)), Vec::new()),
    };
    pairs.push(("prediction".into(), Value::Text(prediction.into())));
    match references.len() {
        0 => {}
        1 => pairs.push((
            "reference".into(),
            Value::Text(references[0].clone().into()),
        )),
        _ => pairs.push((
            "reference".into(),
            Value::TextList(references.into_iter().map(Text::from).collect()),
        )),
    }
    if let Some(prompt) = prompt_of(arguments) {
        pairs.push(("input".into(), Value::Text(prompt.into())));
    }
    for (name, x) in metrics.into_iter().filter(|(_, x)| x.is_finite()) {
        pairs.push((format!("{name},{filter}"), Value::Number(x)));
    }
    for hash in ["doc_hash", "prompt_hash", "target_hash"] {
        if let Some(Json::String(h)) = map.get(hash) {
            pairs.push((hash.to_string(), Value::Text(h.clone().into())));
        }
    }
    if let Some(task) = task {
        pairs.push(("task".into(), Value::Text(task.to_string().into())));
    }
    if filter != "none" {
        pairs.push(("filter".into(), Value::Text(filter.to_string().into())));
    }
    Row::from_fields(pairs, &FieldMap::default(), loc)
}

/// What a multiple-choice sample says besides its log-likelihoods.
struct Choices<'a> {
    doc: &'a Json,
    target: &'a Json,
    arguments: &'a Json,
    line: usize,
}

/// A multiple-choice sample: the prediction is the choice of highest
/// log-likelihood (and `acc_norm`'s choice, as a tag, where it differs), the
/// references the gold choices' letters; lm-eval's own `acc` is checked
/// against the choice (disagreements are counted for a warning).
fn multiple_choice(
    choices: &[(f64, bool)],
    sample: &Choices<'_>,
    metrics: &[(String, f64)],
    names: &[String],
    tally: &mut Tally,
    pairs: &mut Vec<(String, Value)>,
) -> (String, Vec<String>) {
    let Choices {
        doc,
        target,
        arguments,
        line,
    } = *sample;
    let n = choices.len();
    let texts = doc_choices(doc, n).or_else(|| continuations(arguments, n));
    let labels: Vec<String> = (0..n).map(|i| label(i, texts.as_deref())).collect();
    let lls: Vec<f64> = choices.iter().map(|c| c.0).collect();
    let chosen = argmax(&lls);
    let golds = gold_choices(target, doc, texts.as_deref(), n);
    let acc = metrics.iter().find(|(m, _)| m == "acc").map(|(_, x)| *x);
    if let (Some(acc), false) = (acc, golds.is_empty()) {
        tally.choice_docs += 1;
        if (acc >= 0.5) != golds.contains(&chosen) {
            tally.disagree += 1;
            tally.disagree_line.get_or_insert(line);
        }
    }
    if names.iter().any(|m| m == "acc_norm") {
        if let Some(conts) = continuations(arguments, n) {
            let norm: Vec<f64> = lls
                .iter()
                .zip(&conts)
                .map(|(ll, c)| ll / (c.chars().count().max(1) as f64))
                .collect();
            let by_norm = argmax(&norm);
            if by_norm != chosen {
                pairs.push((
                    "acc_norm_choice".into(),
                    Value::Text(labels[by_norm].clone().into()),
                ));
            }
        }
    }
    // The gold choice's letter: its text is presentation (the
    // prediction shows it), and a layout that logs no choice texts
    // must pair with one that does, not count as another dataset.
    let references = golds.iter().map(|&g| letter(g)).collect();
    (labels[chosen].clone(), references)
}

/// The line's metrics with their values: those `metrics` lists, else every
/// numeric field that is not the harness's own. List values are left out
/// (their names go to `skipped`).
fn metrics_of(
    map: &Map<String, Json>,
    loc: &Location,
    skipped: &mut Vec<String>,
) -> Result<Vec<(String, f64)>> {
    let mut skip = |name: &str| {
        if !skipped.iter().any(|s| s == name) {
            skipped.push(name.to_string());
        }
    };
    let mut out = Vec::new();
    match map.get("metrics") {
        Some(Json::Array(names)) => {
            for name in names {
                let Some(name) = name.as_str() else {
                    return Err(Error::input(
                        loc.clone().with_field("metrics"),
                        format!("\"metrics\" lists metric names, found {}", kind(name)),
                    ));
                };
                match map.get(name) {
                    None | Some(Json::Null) => {
                        return Err(Error::input(
                            loc.clone().with_field(name),
                            format!("\"{name}\" is listed in \"metrics\" but the line has no value for it"),
                        ))
                    }
                    Some(Json::Array(_)) => skip(name),
                    Some(value) => match number(value).or_else(|| non_finite::value(value)) {
                        Some(x) => out.push((name.to_string(), x)),
                        None => {
                            return Err(Error::input(
                                loc.clone().with_field(name),
                                format!(
                                    "the metric \"{name}\" is listed in \"metrics\" but its value is {}, not a number",
                                    kind(value)
                                ),
                            ))
                        }
                    },
                }
            }
        }
        Some(other) => {
            return Err(Error::input(
                loc.clone().with_field("metrics"),
                format!(
                    "\"metrics\" must be a list of metric names, found {}",
                    kind(other)
                ),
            ))
        }
        None => {
            for (key, value) in map {
                if HARNESS_KEYS.contains(&key.as_str()) {
                    continue;
                }
                match value {
                    Json::Number(n) => {
                        if let Some(x) = n.as_f64().filter(|x| x.is_finite()) {
                            out.push((key.clone(), x));
                        }
                    }
                    Json::Bool(b) => out.push((key.clone(), f64::from(u8::from(*b)))),
                    Json::Array(_) => skip(key),
                    other => {
                        if let Some(x) = non_finite::value(other) {
                            out.push((key.clone(), x));
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A number, a boolean (1/0) or a numeric string, when finite.
fn number(value: &Json) -> Option<f64> {
    match value {
        Json::Number(n) => n.as_f64(),
        Json::Bool(b) => Some(f64::from(u8::from(*b))),
        Json::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|x| x.is_finite())
}

/// Whether higher is better for a metric of lm-eval's own registry
/// (`lm_eval/api/metrics.py`, `register_metric(higher_is_better=…)`), for
/// runs whose results json is not beside the samples.
fn registered_direction(metric: &str) -> Option<bool> {
    const HIGHER: &[&str] = &[
        "acc",
        "acc_norm",
        "acc_mutual_info",
        "exact_match",
        "f1",
        "mcc",
        "bleu",
        "chrf",
        "em",
        "likelihood",
        "acc_all",
        "matthews_corrcoef",
        "rouge1",
        "rouge2",
        "rougeL",
        "rougeLsum",
        "pass@1",
        "contains",
    ];
    const LOWER: &[&str] = &[
        "perplexity",
        "word_perplexity",
        "byte_perplexity",
        "bits_per_byte",
        "ter",
        "brier_score",
        "mae",
        "mse",
    ];
    if HIGHER.contains(&metric) {
        Some(true)
    } else if LOWER.contains(&metric) {
        Some(false)
    } else {
        None
    }
}

/// A log-likelihood: a number or its text; `-inf` and `nan` count as the
/// lowest.
fn loglik(value: &Json) -> Option<f64> {
    let x = match value {
        Json::Number(n) => n.as_f64()?,
        Json::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    Some(if x.is_nan() { f64::NEG_INFINITY } else { x })
}

fn greedy(value: &Json) -> Option<bool> {
    match value {
        Json::Bool(b) => Some(*b),
        Json::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Json::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// What the model answered.
enum Response {
    /// Generated text (the filtered response).
    Text(String),
    /// One `(log-likelihood, is_greedy)` per request.
    Loglik(Vec<(f64, bool)>),
    /// A rolling log-likelihood (perplexity tasks).
    Rolling(f64),
}

/// The response: `filtered_resps` (one entry per request), else the first
/// response of each request in `resps`.
fn response_of(map: &Map<String, Json>, loc: &Location) -> Result<Response> {
    let (key, per_request): (&str, Vec<&Json>) = match (map.get("filtered_resps"), map.get("resps"))
    {
        (Some(Json::Array(f)), _) => ("filtered_resps", f.iter().collect()),
        (None, Some(Json::Array(r))) => (
            "resps",
            r.iter()
                .map(|req| match req {
                    Json::Array(inner) => inner.first().unwrap_or(req),
                    other => other,
                })
                .collect(),
        ),
        (Some(other), _) | (None, Some(other)) => {
            let key = if map.contains_key("filtered_resps") {
                "filtered_resps"
            } else {
                "resps"
            };
            return Err(Error::input(
                loc.clone().with_field(key),
                format!(
                    "{key} must be a list with one entry per request, found {}",
                    kind(other)
                ),
            ));
        }
        (None, None) => {
            return Err(Error::input(
                loc.clone().with_field("filtered_resps"),
                "the sample has no response: neither filtered_resps nor resps",
            ))
        }
    };
    let Some(first) = per_request.first() else {
        return Err(Error::input(
            loc.clone().with_field(key),
            format!("{key} is empty: the sample has no response"),
        ));
    };
    if let Json::String(s) = first {
        return Ok(Response::Text(s.clone()));
    }
    let pair = |r: &Json| match r {
        Json::Array(p) if p.len() == 2 => Some((loglik(&p[0])?, greedy(&p[1])?)),
        _ => None,
    };
    if let Some(pairs) = per_request
        .iter()
        .map(|r| pair(r))
        .collect::<Option<Vec<_>>>()
    {
        return Ok(Response::Loglik(pairs));
    }
    if let Json::Array(xs) = first {
        if let Some(Json::String(s)) = xs.first() {
            return Ok(Response::Text(s.clone()));
        }
    }
    if let (1, Some(ll)) = (per_request.len(), loglik(first)) {
        return Ok(Response::Rolling(ll));
    }
    let shown: String = first.to_string().chars().take(60).collect();
    Err(Error::input(
        loc.clone().with_field(key),
        format!(
            "expected generated text or [log-likelihood, is_greedy] pairs (one per choice) in {key}, found {shown}"
        ),
    ))
}

/// The first of the highest values.
fn argmax(xs: &[f64]) -> usize {
    let mut best = 0;
    for (i, x) in xs.iter().enumerate() {
        if *x > xs[best] {
            best = i;
        }
    }
    best
}

/// A generation target as references.
fn targets(target: &Json) -> Vec<String> {
    match target {
        Json::Null => Vec::new(),
        Json::Array(items) => items.iter().map(text_of).collect(),
        other => vec![text_of(other)],
    }
}

fn text_of(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.as_f64().map(format_number).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// The letter of choice `i` (A–Z, then numbers).
fn letter(i: usize) -> String {
    match u8::try_from(i) {
        Ok(k) if k < 26 => char::from(b'A' + k).to_string(),
        _ => (i + 1).to_string(),
    }
}

/// "B. Confectionery", or "B" when the text is unknown or is the letter.
fn label(i: usize, texts: Option<&[String]>) -> String {
    let l = letter(i);
    match texts.and_then(|t| t.get(i)).map(|t| t.trim()) {
        Some(t) if !t.is_empty() && t != l => format!("{l}. {t}"),
        _ => l,
    }
}

/// The choices' texts as the doc lists them.
fn doc_choices(doc: &Json, n: usize) -> Option<Vec<String>> {
    let strings = |v: &Json| -> Option<Vec<String>> {
        let a = v.as_array().filter(|a| a.len() == n)?;
        a.iter().map(|x| x.as_str().map(str::to_string)).collect()
    };
    for key in ["choices", "options", "endings"] {
        if let Some(v) = doc.get(key) {
            if let Some(s) = strings(v).or_else(|| v.get("text").and_then(strings)) {
                return Some(s);
            }
        }
    }
    for prefix in ["option", "sol"] {
        let s: Option<Vec<String>> = (1..=n)
            .map(|i| {
                doc.get(format!("{prefix}{i}").as_str())
                    .and_then(Json::as_str)
                    .map(str::to_string)
            })
            .collect();
        if s.is_some() {
            return s;
        }
    }
    None
}

/// The requests' arguments: `[[context, continuation], …]`, the older flat
/// `[context, continuation]` of one request, or `{"gen_args_N": {"arg_0", …}}`.
fn requests(arguments: &Json) -> Vec<&Json> {
    match arguments {
        Json::Array(items) if items.first().is_some_and(Json::is_string) => vec![arguments],
        Json::Array(items) => items.iter().collect(),
        Json::Object(map) => map.values().collect(),
        _ => Vec::new(),
    }
}

fn arg(request: &Json, i: usize) -> Option<&Json> {
    match request {
        Json::Array(a) => a.get(i),
        Json::Object(m) => m.get(format!("arg_{i}").as_str()),
        _ => None,
    }
}

/// The continuation each choice's request scored, when they differ.
fn continuations(arguments: &Json, n: usize) -> Option<Vec<String>> {
    let conts: Vec<String> = requests(arguments)
        .into_iter()
        .map(|r| arg(r, 1).and_then(Json::as_str).map(str::to_string))
        .collect::<Option<_>>()?;
    let differ = conts.iter().any(|c| *c != conts[0]);
    (conts.len() == n && differ).then(|| {
        conts
            .into_iter()
            .map(|c| c.strip_prefix(' ').map(str::to_string).unwrap_or(c))
            .collect()
    })
}

/// The gold choices: from `target` (an index, a numeric string, a letter or a
/// choice's text, or a list of them), else from the doc.
fn gold_choices(target: &Json, doc: &Json, texts: Option<&[String]>, n: usize) -> Vec<usize> {
    let one = |v: &Json| -> Option<usize> {
        let i = match v {
            Json::Number(x) => x.as_u64().and_then(|i| usize::try_from(i).ok())?,
            Json::String(s) => {
                let s = s.trim();
                if let Ok(i) = s.parse::<usize>() {
                    i
                } else if let Some(i) = (0..n).find(|&i| letter(i) == s) {
                    i
                } else {
                    texts?.iter().position(|t| t.trim() == s)?
                }
            }
            _ => return None,
        };
        (i < n).then_some(i)
    };
    let from_target: Vec<usize> = match target {
        Json::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    };
    if !from_target.is_empty() {
        return from_target;
    }
    // Winogrande's doc numbers its options from 1 (option1, option2; answer "2").
    let from_one = doc.get("option1").is_some();
    for key in ["answer", "label", "gold"] {
        let Some(v) = doc.get(key) else { continue };
        let numeric = match v {
            Json::Number(x) => x.as_u64().and_then(|i| usize::try_from(i).ok()),
            Json::String(s) => s.trim().parse::<usize>().ok(),
            _ => None,
        };
        let index = match numeric {
            Some(i) if from_one => i.checked_sub(1),
            Some(i) => Some(i),
            None => v
                .as_str()
                .and_then(|s| (0..n).find(|&i| letter(i) == s.trim())),
        };
        if let Some(i) = index.filter(|&i| i < n) {
            return vec![i];
        }
    }
    Vec::new()
}

/// The prompt of the first request; for a chat template, its last user message.
fn prompt_of(arguments: &Json) -> Option<String> {
    let first = *requests(arguments).first()?;
    prompt_text(arg(first, 0)?)
}

fn prompt_text(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => {
            let t = s.trim_start();
            if t.starts_with('[') || t.starts_with('{') {
                if let Some(m) = serde_json::from_str::<Json>(s)
                    .ok()
                    .and_then(|v| last_user_message(&v))
                {
                    return Some(m);
                }
            }
            Some(s.clone())
        }
        Json::Array(items) => last_user_message(value).or_else(|| match items.as_slice() {
            [one] => prompt_text(one),
            _ => None,
        }),
        Json::Object(_) => last_user_message(value),
        _ => None,
    }
}

/// The content of the last `user` message of a list of chat messages (the
/// last message when none is a user's).
fn last_user_message(value: &Json) -> Option<String> {
    let messages: Vec<&Map<String, Json>> = match value {
        Json::Array(a) => a.iter().map(Json::as_object).collect::<Option<_>>()?,
        Json::Object(m) => vec![m],
        _ => return None,
    };
    if messages.is_empty() || !messages.iter().all(|m| m.contains_key("role")) {
        return None;
    }
    let chosen = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Json::as_str) == Some("user"))
        .or(messages.last())?;
    match chosen.get("content")? {
        Json::String(s) => Some(s.clone()),
        Json::Array(parts) => Some(
            parts
                .iter()
                .filter_map(|p| p.as_str().or_else(|| p.get("text").and_then(Json::as_str)))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const GSM8K: &str = "samples_gsm8k_2026-11-27T10-00-00.000000.jsonl";

    type Scores = Vec<(String, f64)>;

    fn lines(samples: &[Json]) -> String {
        samples.iter().map(|s| format!("{s}\n")).collect()
    }

    fn read_as(name: &str, text: &str) -> Result<(Vec<Row>, ToolInfo)> {
        read(Path::new(name), text.as_bytes())
    }

    fn by_id<'a>(rows: &'a [Row], id: &str) -> &'a Row {
        rows.iter().find(|r| r.id == id).expect(id)
    }

    fn gsm8k(doc: u32, filter: &str, response: &str, score: f64) -> Json {
        json!({"doc_id": doc, "doc": {"question": "2+2?"}, "target": "4",
            "arguments": {"gen_args_0": {"arg_0": "Q: 2+2?\nA:", "arg_1": {"until": ["\n"]}}},
            "resps": [["4 apples"]], "filtered_resps": [response], "filter": filter,
            "metrics": ["exact_match"], "exact_match": score,
            "doc_hash": "d0", "prompt_hash": "p0", "target_hash": "t0"})
    }

    fn mmlu_043(doc: u32, lls: [&str; 4], gold: u32, acc: f64) -> Json {
        let greedy = |i: usize| if i == 2 { "True" } else { "False" };
        json!({"doc_id": doc,
            "doc": {"question": "Which is a root vegetable?", "choices": ["Spinach", "Carrot", "Lettuce", "Kale"], "answer": gold},
            "target": gold,
            "arguments": {"gen_args_0": {"arg_0": "Q?\nAnswer:", "arg_1": " A"}, "gen_args_1": {"arg_0": "Q?\nAnswer:", "arg_1": " B"},
                          "gen_args_2": {"arg_0": "Q?\nAnswer:", "arg_1": " C"}, "gen_args_3": {"arg_0": "Q?\nAnswer:", "arg_1": " D"}},
            "resps": (0..4).map(|i| json!([[lls[i], greedy(i)]])).collect::<Vec<_>>(),
            "filtered_resps": (0..4).map(|i| json!([lls[i], greedy(i)])).collect::<Vec<_>>(),
            "doc_hash": format!("d{doc}"), "prompt_hash": "p", "target_hash": format!("t{gold}"), "acc": acc})
    }

    #[test]
    fn each_filter_is_its_own_example_whatever_the_line_order() {
        let samples = [
            gsm8k(0, "strict-match", "[invalid]", 0.0),
            gsm8k(0, "flexible-extract", "4", 1.0),
            gsm8k(1, "strict-match", "4", 1.0),
            gsm8k(1, "flexible-extract", "4", 1.0),
        ];
        let (rows, info) = read_as(GSM8K, &lines(&samples)).expect("reads");
        assert_eq!(rows.len(), 4);
        let strict = by_id(&rows, "gsm8k/0/strict-match");
        assert_eq!(strict.prediction, "[invalid]");
        assert_eq!(strict.references, vec![Text::from("4")]);
        assert_eq!(strict.input.as_deref(), Some("Q: 2+2?\nA:"));
        assert_eq!(strict.numbers.get("exact_match,strict-match"), Some(&0.0));
        assert_eq!(strict.numbers.get("exact_match,flexible-extract"), None);
        assert_eq!(
            strict.tags.get("filter").map(Text::as_str),
            Some("strict-match")
        );
        assert_eq!(strict.tags.get("task").map(Text::as_str), Some("gsm8k"));
        let flexible = by_id(&rows, "gsm8k/0/flexible-extract");
        assert_eq!(flexible.prediction, "4");
        assert_eq!(
            flexible.numbers.get("exact_match,flexible-extract"),
            Some(&1.0)
        );
        assert_eq!(
            info.metrics,
            vec!["exact_match,flexible-extract", "exact_match,strict-match"]
        );

        let mut reversed = samples.to_vec();
        reversed.reverse();
        let (again, info_again) = read_as(GSM8K, &lines(&reversed)).expect("reads");
        let key = |rows: &[Row]| {
            let mut v: Vec<(String, String, Scores)> = rows
                .iter()
                .map(|r| {
                    let n = r.numbers.iter().map(|(k, x)| (k.to_string(), *x)).collect();
                    (r.id.to_string(), r.prediction.to_string(), n)
                })
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        assert_eq!(key(&rows), key(&again));
        assert_eq!(info, info_again);
    }

    #[test]
    fn multiple_choice_without_metrics_or_filter_keys_is_the_chosen_and_the_gold_choice() {
        // lm-eval 0.4.3-0.4.6: no metrics/filter keys; 0.4.12: log-likelihoods as strings.
        let text = lines(&[
            mmlu_043(0, ["-3.3", "-0.2", "-1.5", "-3.8"], 2, 0.0),
            mmlu_043(1, ["-3.3", "-3.7", "-0.1", "-3.8"], 2, 1.0),
        ]);
        let (rows, info) =
            read_as("samples_mmlu_demo_2024-08-21T03-44-09.494230.jsonl", &text).expect("reads");
        let r = by_id(&rows, "mmlu_demo/0");
        assert_eq!(r.prediction, "B. Carrot");
        assert_eq!(r.references, vec![Text::from("C")]);
        assert_eq!(r.input.as_deref(), Some("Q?\nAnswer:"));
        assert_eq!(r.numbers.get("acc,none"), Some(&0.0));
        assert_eq!(r.tags.get("doc_hash").map(Text::as_str), Some("d0"));
        assert_eq!(r.tags.get("filter"), None);
        assert_eq!(by_id(&rows, "mmlu_demo/1").prediction, "C. Lettuce");
        assert_eq!(info.metrics, vec!["acc,none"]);
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    }

    #[test]
    fn non_finite_values_are_missing_for_their_metric_counted_and_listed() {
        // Python's json writes Infinity and NaN bare; a text that merely says
        // "Infinity" stays text.
        let line = |doc: u32, mae: &str| {
            format!(
                r#"{{"doc_id": {doc}, "doc": {{"q": "Infinity NaN?"}}, "target": "1", "arguments": {{"gen_args_0": {{"arg_0": "Q: \"Infinity\"", "arg_1": {{}}}}}}, "resps": [["1"]], "filtered_resps": ["1"], "filter": "none", "metrics": ["mae", "exact_match"], "mae": {mae}, "exact_match": 1.0}}"#
            )
        };
        let text = [
            line(0, "0.5"),
            line(1, "Infinity"),
            line(2, "NaN"),
            line(3, "-Infinity"),
            line(4, "1.5"),
        ]
        .join("\n");
        let (rows, info) =
            read_as("samples_reg_2026-11-20T10-00-00.000000.jsonl", &text).expect("reads");
        assert_eq!(rows.len(), 5);
        assert_eq!(by_id(&rows, "reg/0").numbers.get("mae,none"), Some(&0.5));
        assert_eq!(by_id(&rows, "reg/1").numbers.get("mae,none"), None);
        assert_eq!(
            by_id(&rows, "reg/1").numbers.get("exact_match,none"),
            Some(&1.0)
        );
        assert_eq!(
            by_id(&rows, "reg/0").input.as_deref(),
            Some("Q: \"Infinity\"")
        );
        let w = crate::diagnostic::texts(&info.warnings).join("\n");
        assert!(
            w.contains(
                "3 examples had a non-finite mae,none (reg/1 Infinity, reg/2 NaN, reg/3 -Infinity)"
            ),
            "{w}"
        );
    }

    #[test]
    fn directions_are_lm_evals_own_not_guessed() {
        let samples = [
            gsm8k(0, "strict-match", "4", 1.0),
            gsm8k(0, "none", "4", 1.0),
        ];
        let (_, info) = read_as(GSM8K, &lines(&samples)).expect("reads");
        assert_eq!(
            info.higher_is_better,
            ["exact_match,none", "exact_match,strict-match"]
        );
        assert!(info.lower_is_better.is_empty());
        assert_eq!(registered_direction("word_perplexity"), Some(false));
        assert_eq!(registered_direction("my_custom_metric"), None);
    }

    #[test]
    fn an_acc_that_contradicts_the_chosen_choice_is_a_warning() {
        let text = lines(&[mmlu_043(0, ["-3.3", "-0.2", "-1.5", "-3.8"], 2, 1.0)]);
        let (_, info) =
            read_as("samples_mmlu_demo_2024-08-21T03-44-09.494230.jsonl", &text).expect("reads");
        let w = crate::diagnostic::texts(&info.warnings).join("\n");
        assert!(
            w.contains("on 1 of 1 documents of mmlu_demo") && w.contains("line 1"),
            "{w}"
        );
    }

    #[test]
    fn the_0_4_2_array_layout_is_read_and_detected() {
        let samples = [
            json!({"doc_id": 0, "doc": {"question": "Q0", "choices": ["w", "x", "y", "z"], "answer": 1},
                "target": ["A", "B", "C", "D"], "arguments": [["Q0\nAnswer:", {"until": "."}]],
                "resps": [["B"]], "filtered_resps": ["B"], "exact_match": 1.0}),
            json!({"doc_id": 1, "doc": {"question": "Q1", "choices": ["w", "x", "y", "z"], "answer": 0},
                "target": ["A", "B", "C", "D"], "arguments": [["Q1\nAnswer:", {"until": "."}]],
                "resps": [["E"]], "filtered_resps": ["E"], "exact_match": 0.0}),
        ];
        let text = serde_json::to_string_pretty(&samples).expect("json");
        assert!(starts_samples_array(text.as_bytes()));
        assert!(!starts_samples_array(
            b"[{\"id\": 1, \"prediction\": \"x\"}]"
        ));
        assert!(!starts_samples_array(b"[1, 2"));
        let (rows, info) = read_as("model__gpt_wmdp_bio.jsonl", &text).expect("reads");
        assert_eq!(rows[0].id, "0");
        assert_eq!(rows[0].input.as_deref(), Some("Q0\nAnswer:"));
        assert_eq!(rows[0].references.len(), 4);
        // An element is located at the line of its opening brace.
        let doc1 = text
            .lines()
            .position(|l| l.contains("\"doc_id\": 1"))
            .expect("doc 1")
            + 1;
        assert_eq!(rows[1].line, doc1 - 1);
        assert_eq!(rows[1].numbers.get("exact_match,none"), Some(&0.0));
        assert_eq!(info.metrics, vec!["exact_match,none"]);
    }

    #[test]
    fn a_chat_template_shows_the_last_user_message() {
        let messages = json!([
            {"role": "system", "content": "You solve maths."},
            {"role": "user", "content": "Q: 1+1?"},
            {"role": "assistant", "content": "2"},
            {"role": "user", "content": "Q: 2+2?"}
        ]);
        let encoded = messages.to_string();
        for arg_0 in [json!([encoded.clone()]), json!(encoded), messages.clone()] {
            let mut s = gsm8k(0, "strict-match", "4", 1.0);
            s["arguments"]["gen_args_0"]["arg_0"] = arg_0;
            let (rows, _) = read_as(GSM8K, &lines(&[s])).expect("reads");
            assert_eq!(rows[0].input.as_deref(), Some("Q: 2+2?"));
        }
        let parts = json!([{"role": "user", "content": [{"type": "text", "text": "look"}, {"type": "text", "text": "here"}]}]);
        assert_eq!(prompt_text(&parts).as_deref(), Some("look\nhere"));
        // A prompt that merely starts with a bracket stays as it is.
        assert_eq!(prompt_text(&json!("[1] Q?")).as_deref(), Some("[1] Q?"));
    }

    #[test]
    fn older_layouts_winogrande_and_loglikelihood() {
        // The 2023 refactor: flat arguments, winogrande's 1-based answer.
        let wino = json!({"doc_id": 0, "doc": {"sentence": "S _ x.", "option1": "Sarah", "option2": "Maria", "answer": "2"},
            "target": "x.", "arguments": ["S Sarah", " x."], "resps": [[[-15.5, false]], [[-15.7, false]]],
            "filtered_resps": [[-15.5, false], [-15.7, false]], "acc": 0.0});
        let (rows, info) =
            read_as("pretrained=pythia_winogrande.jsonl", &lines(&[wino])).expect("reads");
        assert_eq!(rows[0].id, "0");
        assert_eq!(rows[0].prediction, "A. Sarah");
        assert_eq!(rows[0].references, vec![Text::from("B")]);
        assert_eq!(rows[0].input.as_deref(), Some("S Sarah"));
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);
        // One log-likelihood request: the target when it is the greedy continuation.
        let asdiv = |greedy: &str| {
            json!({"doc_id": 0, "target": "9", "arguments": {"gen_args_0": {"arg_0": "Q", "arg_1": "9"}},
            "resps": [[["-1e-06", greedy]]], "filtered_resps": [["-1e-06", greedy]], "acc": 1})
        };
        let (rows, _) = read_as(
            "samples_asdiv_2024-08-21T03-44-09.494230.jsonl",
            &lines(&[asdiv("True")]),
        )
        .expect("reads");
        assert_eq!(
            (rows[0].prediction.as_str(), rows[0].references[0].as_str()),
            ("9", "9")
        );
        let (rows, _) = read_as(
            "samples_asdiv_2024-08-21T03-44-09.494230.jsonl",
            &lines(&[asdiv("False")]),
        )
        .expect("reads");
        assert!(
            rows[0]
                .prediction
                .starts_with("not the greedy continuation"),
            "{}",
            rows[0].prediction
        );
    }

    #[test]
    fn a_length_normalised_choice_that_differs_is_a_tag() {
        let mut s = mmlu_043(0, ["-3.0", "-2.0", "-9.0", "-9.0"], 0, 0.0);
        s["doc"] = json!({"question": "Q"});
        for (i, cont) in [" a long first choice", " B", " C", " D"]
            .iter()
            .enumerate()
        {
            s["arguments"][format!("gen_args_{i}")]["arg_1"] = json!(cont);
        }
        s["acc_norm"] = json!(1.0);
        let (rows, info) = read_as(GSM8K, &lines(&[s])).expect("reads");
        assert_eq!(rows[0].prediction, "B");
        assert_eq!(rows[0].references, vec![Text::from("A")]);
        assert_eq!(
            rows[0].tags.get("acc_norm_choice").map(Text::as_str),
            Some("A. a long first choice")
        );
        assert_eq!(info.metrics, vec!["acc,none", "acc_norm,none"]);
    }

    #[test]
    fn list_valued_metrics_are_left_out_with_a_warning() {
        let s = json!({"doc_id": 0, "doc": {}, "target": "x", "arguments": [["p", {}]], "resps": [["y"]],
            "filtered_resps": ["y"], "filter": "none", "metrics": ["bleu", "exact_match"],
            "bleu": ["x", "y"], "exact_match": 0.0});
        let (rows, info) = read_as(GSM8K, &lines(std::slice::from_ref(&s))).expect("reads");
        assert_eq!(rows[0].numbers.get("bleu,none"), None);
        assert_eq!(info.metrics, vec!["exact_match,none"]);
        assert!(
            crate::diagnostic::texts(&info.warnings)
                .join(" ")
                .contains("bleu per sample as a list"),
            "{:?}",
            info.warnings
        );
        let mut only_bleu = s;
        only_bleu["metrics"] = json!(["bleu"]);
        let err = read_as(GSM8K, &lines(&[only_bleu]))
            .expect_err("nothing to compare")
            .to_string();
        assert!(
            err.contains(":1:") && err.contains("no per-sample metric") && err.contains("bleu"),
            "{err}"
        );
    }

    #[test]
    fn shapes_it_does_not_understand_are_errors_naming_line_and_field() {
        let err = |samples: &[Json]| {
            read_as(GSM8K, &lines(samples))
                .expect_err("an error")
                .to_string()
        };
        let mut s = gsm8k(0, "strict-match", "4", 1.0);
        s["exact_match"] = json!("high");
        let e = err(&[s]);
        assert!(
            e.contains(":1:") && e.contains("exact_match") && e.contains("not a number"),
            "{e}"
        );
        let e = err(&[json!({"target": "x", "filtered_resps": ["x"], "acc": 1})]);
        assert!(e.contains("doc_id"), "{e}");
        let e = err(&[
            gsm8k(0, "strict-match", "4", 1.0),
            gsm8k(0, "strict-match", "4", 1.0),
        ]);
        assert!(e.contains(":2:") && e.contains("also on line 1"), "{e}");
        let mut other = gsm8k(1, "strict-match", "4", 1.0);
        other["metrics"] = json!(["exact_match", "f1"]);
        other["f1"] = json!(0.5);
        let e = err(&[gsm8k(0, "strict-match", "4", 1.0), other]);
        assert!(
            e.contains(":2:") && e.contains("f1") && e.contains("line 1"),
            "{e}"
        );
        let mut odd = gsm8k(0, "strict-match", "4", 1.0);
        odd["filtered_resps"] = json!([{"text": "4"}]);
        let e = err(&[odd]);
        assert!(
            e.contains("filtered_resps") && e.contains("expected generated text"),
            "{e}"
        );
        let e = read_as(GSM8K, "not json\n")
            .expect_err("not json")
            .to_string();
        assert!(e.contains("--input-format lm-eval"), "{e}");
    }

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    fn read_file(path: &Path) -> Result<(Vec<Row>, ToolInfo)> {
        read(path, &std::fs::read(path).expect("read"))
    }

    #[test]
    fn unnamed_filter_lines_are_named_by_the_results_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let unnamed = |doc: u32, response: &str, score: f64| {
            let mut s = gsm8k(doc, "x", response, score);
            let map = s.as_object_mut().expect("object");
            map.remove("filter");
            map.remove("metrics");
            s
        };
        let text = lines(&[
            unnamed(0, "4", 1.0),
            unnamed(1, "[invalid]", 0.0),
            unnamed(0, "4", 1.0),
            unnamed(1, "5", 0.0),
        ]);
        let path = write(
            dir.path(),
            "samples_gsm8k_2024-08-21T03-44-09.494230.jsonl",
            &text,
        );
        let e = read_file(&path).expect_err("no names").to_string();
        assert!(
            e.contains("doc_id 0 is on 2 lines") && e.contains("results"),
            "{e}"
        );
        let results = json!({"results": {"gsm8k": {"exact_match,strict-match": 0.5, "exact_match,flexible-extract": 0.5}},
            "configs": {"gsm8k": {"filter_list": [{"name": "strict-match"}, {"name": "flexible-extract"}]}}});
        write(
            dir.path(),
            "results_2024-08-21T03-44-09.494230.json",
            &results.to_string(),
        );
        let (rows, info) = read_file(&path).expect("named");
        assert_eq!(by_id(&rows, "gsm8k/1/strict-match").prediction, "[invalid]");
        assert_eq!(by_id(&rows, "gsm8k/1/flexible-extract").prediction, "5");
        assert_eq!(
            info.metrics,
            vec!["exact_match,strict-match", "exact_match,flexible-extract"]
        );
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    }

    #[test]
    fn the_means_are_checked_against_the_results_beside() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = lines(&[
            mmlu_043(0, ["-3.3", "-0.2", "-1.5", "-3.8"], 2, 0.0),
            mmlu_043(1, ["-3.3", "-3.7", "-0.1", "-3.8"], 2, 1.0),
        ]);
        let path = write(
            dir.path(),
            "samples_mmlu_demo_2024-08-21T03-44-09.494230.jsonl",
            &text,
        );
        let results = |acc: f64, n: u32| {
            json!({"results": {"mmlu_demo": {"alias": "demo", "acc,none": acc, "acc_stderr,none": 0.1, "acc_norm,none": acc}},
                "n-samples": {"mmlu_demo": {"original": 10, "effective": n}}})
            .to_string()
        };
        // A results file of another date is another run's.
        write(
            dir.path(),
            "results_2024-08-22T00-00-00.000000.json",
            &results(0.9, 2),
        );
        let (_, info) = read_file(&path).expect("reads");
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);
        let own = "results_2024-08-21T03-44-09.494230.json";
        write(dir.path(), own, &results(0.61, 2));
        let w = crate::diagnostic::texts(&read_file(&path).expect("reads").1.warnings).join("\n");
        assert!(
            w.contains(own) && w.contains("acc,none = 0.61, the samples give 0.5"),
            "{w}"
        );
        assert!(w.contains("reports acc_norm,none for mmlu_demo"), "{w}");
        write(dir.path(), own, &results(0.5, 100));
        let w = crate::diagnostic::texts(&read_file(&path).expect("reads").1.warnings).join("\n");
        assert!(
            w.contains("scored 100 documents of mmlu_demo, the samples file holds 2"),
            "{w}"
        );
        // The older layout: results.json names the task the file name ends with.
        let older = write(dir.path(), "model__m_mmlu_demo.jsonl", &text);
        std::fs::remove_file(dir.path().join(own)).expect("remove");
        write(dir.path(), "results.json", &results(0.5, 2));
        let (rows, info) = read_file(&older).expect("reads");
        assert_eq!(rows[0].id, "mmlu_demo/0");
        assert!(
            crate::diagnostic::texts(&info.warnings)
                .join(" ")
                .contains("acc_norm,none"),
            "{:?}",
            info.warnings
        );
    }

    #[test]
    fn a_directory_is_a_run_of_one_file_per_task() {
        let dir = tempfile::tempdir().expect("temp dir");
        let run = dir.path().join("model");
        std::fs::create_dir(&run).expect("mkdir");
        let a = write(&run, "samples_gsm8k_2025-09-09T13-31-53.431753.jsonl", "");
        let b = write(&run, "samples_mmlu_x_2025-09-09T13-31-53.431753.jsonl", "");
        write(&run, "results_2025-09-09T13-31-53.431753.json", "{}");
        write(&run, "notes.jsonl", "");
        assert_eq!(
            expand_runs(&[dir.path().to_path_buf()]).expect("a run"),
            vec![a.clone(), b]
        );
        write(&run, "samples_gsm8k_2025-09-09T13-42-42.857006.jsonl", "");
        let e = expand_runs(&[dir.path().to_path_buf()])
            .expect_err("two runs")
            .to_string();
        assert!(
            e.contains("samples_gsm8k_2025-09-09T13-31-53.431753.jsonl and samples_gsm8k_2025-09-09T13-42-42.857006.jsonl are both samples of the task gsm8k")
                && e.contains("samples_*_2025-09-09T13-42-42.857006.jsonl"),
            "{e}"
        );
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        let e = expand_runs(&[empty]).expect_err("no samples").to_string();
        assert!(e.contains("holds no samples file"), "{e}");
        assert_eq!(
            expand_runs(std::slice::from_ref(&a)).expect("a file"),
            vec![a]
        );
    }
}
