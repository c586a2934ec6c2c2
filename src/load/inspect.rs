//! Inspect AI logs: the `.eval` archive and the older `.json` document.
//!
//! Layouts read, each checked on real logs (inspect_ai 0.3.25 to 0.3.242):
//!
//! - `.eval` (0.3.42 on): a zip archive of `header.json` (the eval spec,
//!   `status`, `results`), one `samples/<id>_epoch_<n>.json` per sample and
//!   epoch, `reductions.json`, `summaries.json` and `_journal/` (written while
//!   the run goes). Entries are deflate-compressed up to 0.3.1xx and
//!   zstd-compressed (zip method 93) in later versions. A run that errored or
//!   never finished may have no header and no reductions: only `_journal/` and
//!   the samples it got to.
//! - `.json` (every version; any file name): one document with `version`,
//!   `status`, `eval`, `plan`, `results`, `stats`, `samples` (absent when the
//!   run was logged without samples) and, from 0.3.4x, `reductions`.
//!
//! A sample becomes a row:
//!
//! - id: `id` (an integer or a string); each `epoch` is a repeated sample of
//!   the example, so epochs average within it and resampling is over examples
//!   (what Inspect's default `mean` reducer does);
//! - input: `input` when it is a string, else the last user message of the
//!   message list (its text parts);
//! - reference: `target`, a string or a list of strings (empty: none);
//! - prediction: `output.completion`, else the text parts of
//!   `output.choices[0].message.content` (logs before `completion` existed);
//! - metrics: one per scorer in `scores`, read as Inspect's `value_to_float`
//!   reads a value: "C"/"I"/"P"/"N" are 1/0/0.5/0, "yes"/"true" 1, "no"/"false"
//!   0, numeric strings their number, numbers and booleans as they are; a dict
//!   value gives one metric per key, named `scorer.key`. A sample without a
//!   value for a scorer (no score, or null: Inspect's "unscored") is missing
//!   for that metric, never a zero. So is a value Inspect wrote as `NaN`,
//!   `Infinity` or `-Infinity` (Python's json writes them bare; the string
//!   `"NaN"` reads the same), which is also counted and listed in a warning:
//!   the rule of every tool's reader ([`super::non_finite`]); an epoch's
//!   non-finite value leaves the example's mean over its other epochs;
//! - tags: the scalars of the sample's `metadata` (for `--slice-by`).
//!
//! The tool information lists the scorers in the log's order and warns about a
//! run whose status is not `success` (cancelled, error, started, or no header
//! at all), samples that ended in an error, a scorer whose epochs Inspect
//! reduced otherwise than by their mean, values Inspect itself reads as 0 with
//! a warning, and an aggregate in `results.scores[].metrics` (`accuracy`,
//! `mean`) that the samples do not reproduce.

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value as Json;

use super::json::{json_error, kind, line_of};
use super::non_finite;
use super::reader::{Clue, Loaded, Reader, Sniff};
use super::record::{FieldMap, Fields, InputFormat, Row};
use super::{Text, ToolInfo};
use crate::diagnostic::{Code, Diagnostic};
use crate::error::{Error, Location, Result};

/// The first bytes of a zip archive (a local file header).
pub(super) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The largest entry read from an archive, uncompressed: a sample's messages
/// and events are large, but not this large; past it the archive is refused
/// rather than inflated without end.
const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// The fields of a sample that benchgate reads; the rest (messages, events,
/// attachments: most of the bytes) is skipped while parsing, never held.
#[derive(Deserialize)]
struct Sample {
    #[serde(default)]
    id: Json,
    #[serde(default)]
    epoch: Json,
    #[serde(default)]
    input: Json,
    #[serde(default)]
    target: Json,
    #[serde(default)]
    output: Json,
    #[serde(default)]
    scores: Json,
    #[serde(default)]
    metadata: Json,
    #[serde(default)]
    error: Json,
}

/// What `header.json` (or the top of a `.json` log) says about the run.
#[derive(Deserialize, Default)]
struct Header {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    results: Json,
}

/// The Inspect AI reader: a zip archive (a `.eval` log, whatever its name),
/// or a document with an `eval` object and `samples`.
pub(super) struct Inspect;

impl Reader for Inspect {
    fn format(&self) -> InputFormat {
        InputFormat::Inspect
    }

    fn listed_as(&self) -> Option<&'static str> {
        Some("Inspect AI logs")
    }

    fn sniff(&self, file: &Sniff) -> Option<Clue> {
        if file.bytes.starts_with(ZIP_MAGIC) {
            return Some(Clue::Magic);
        }
        let log =
            |v: &Json| v.get("eval").is_some_and(Json::is_object) && v.get("samples").is_some();
        file.document().is_some_and(log).then_some(Clue::Document)
    }

    fn read(&self, path: &Path, bytes: &[u8], _fields: &FieldMap) -> Result<Loaded> {
        read(path, bytes).map(Loaded::from)
    }
}

/// Reads an Inspect AI log: a `.eval` archive or a `.json` document.
fn read(path: &Path, bytes: &[u8]) -> Result<(Vec<Row>, ToolInfo)> {
    if bytes.starts_with(ZIP_MAGIC) {
        read_eval(path, bytes)
    } else {
        read_json(path, bytes)
    }
}

fn read_eval(path: &Path, bytes: &[u8]) -> Result<(Vec<Row>, ToolInfo)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        Error::input(
            Location::file(path),
            format!("the zip archive cannot be read ({e}); an Inspect AI .eval log is a zip archive written by `inspect eval`"),
        )
    })?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    if !has("header.json") && !has("_journal/start.json") {
        return Err(Error::input(
            Location::file(path),
            "the zip archive has neither header.json nor _journal/start.json, so it is not an Inspect AI .eval log",
        ));
    }
    let header: Option<Header> = if has("header.json") {
        Some(entry_json(&mut zip, path, "header.json")?)
    } else {
        None
    };
    let mut samples: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("samples/") && n.ends_with(".json"))
        .collect();
    samples.sort();
    let mut log = Log::new(path);
    for name in samples {
        let sample: Sample = entry_json(&mut zip, path, name)?;
        log.add(sample, &Location::file(inside(path, name)), 1)?;
    }
    let status = match &header {
        Some(h) => Status::Stated(h.status.clone()),
        None => Status::NoHeader,
    };
    let results = header.map(|h| h.results).unwrap_or_default();
    Ok(log.finish(&status, &results))
}

/// `log.eval/samples/1_epoch_1.json`: an entry named after its archive (the
/// archive's path always comes first, whatever the entry's name).
fn inside(path: &Path, entry: &str) -> PathBuf {
    let mut joined = OsString::from(path.as_os_str());
    joined.push("/");
    joined.push(entry);
    PathBuf::from(joined)
}

/// Parses one archive entry as it is inflated, skipping what `T` does not keep.
fn entry_json<T: DeserializeOwned>(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    path: &Path,
    name: &str,
) -> Result<T> {
    let loc = Location::file(inside(path, name));
    let entry = zip.by_name(name).map_err(|e| {
        Error::input(
            loc.clone(),
            format!("the archive entry cannot be opened: {e}"),
        )
    })?;
    let capped = Capped {
        inner: entry,
        left: MAX_ENTRY_BYTES,
    };
    // Inspect is Python: a NaN score may be a bare `NaN`.
    let quoted = non_finite::Quoted::new(capped);
    serde_json::from_reader(std::io::BufReader::new(quoted)).map_err(|e| {
        if e.is_io() {
            return Error::input(
                loc.clone(),
                format!("the archive entry cannot be decompressed: {e}"),
            );
        }
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message);
        Error::input(
            loc.clone()
                .at_line(e.line().max(1))
                .at_column(e.column().max(1)),
            format!("malformed JSON: {message}"),
        )
    })
}

/// A reader that fails past `left` bytes (a zip bomb's entry stops there).
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more than allowed means the entry is too large.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!(
                    "the entry inflates to more than {} MiB",
                    MAX_ENTRY_BYTES >> 20
                ))),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// The top of a `.json` log: its samples stay raw until each is read.
#[derive(Deserialize)]
struct JsonLog<'a> {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    results: Json,
    #[serde(default)]
    eval: Option<IgnoredAny>,
    #[serde(borrow, default)]
    samples: Option<Vec<&'a RawValue>>,
}

fn read_json(path: &Path, bytes: &[u8]) -> Result<(Vec<Row>, ToolInfo)> {
    let quoted = non_finite::quote(bytes);
    let text =
        super::json::utf8_document(path, &quoted, " (nor a zip archive: an Inspect .eval log)")?;
    let not_inspect = || {
        Error::input(
            Location::file(path),
            "not an Inspect AI log: expected a .eval archive or a JSON document with \"eval\" and \"samples\" (inspect eval --log-format json)",
        )
    };
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        return Err(not_inspect());
    }
    let log: JsonLog = serde_json::from_str(text).map_err(|e| json_error(path, 1, text, &e))?;
    if log.eval.is_none() {
        return Err(not_inspect());
    }
    let Some(samples) = log.samples else {
        return Err(Error::input(
            Location::file(path).with_field("samples"),
            "the Inspect log holds no samples (the run was logged without them, or never reached one); benchgate compares per-sample scores: rerun with samples logged",
        ));
    };
    let base = text.as_ptr() as usize;
    let mut reader = Log::new(path);
    for raw in samples {
        let line = line_of(text.as_bytes(), raw.get().as_ptr() as usize - base);
        let sample: Sample =
            serde_json::from_str(raw.get()).map_err(|e| json_error(path, line, raw.get(), &e))?;
        reader.add(sample, &Location::file(path).at_line(line), line)?;
    }
    Ok(reader.finish(&Status::Stated(log.status), &log.results))
}

/// The run's status, as far as the log tells it.
enum Status {
    /// `status` of the header (None: the field is absent).
    Stated(Option<String>),
    /// A `.eval` archive without `header.json`: the run never finished.
    NoHeader,
}

/// The samples of one log as they are read.
struct Log<'a> {
    path: &'a Path,
    rows: Vec<Row>,
    /// (id, epoch) seen: a sample twice is an error, not a double weight.
    seen: HashSet<(String, String)>,
    /// Metric names in order of first appearance.
    metrics: Vec<String>,
    /// Samples that ended in an error.
    errored: usize,
    /// Values Inspect reads as 0 with a warning: metric → (count, first value).
    unreadable: Vec<(String, usize, String)>,
    /// Values written as `NaN`, `Infinity` or `-Infinity`: left out, listed.
    non_finite: non_finite::Tally,
}

impl<'a> Log<'a> {
    fn new(path: &'a Path) -> Self {
        Log {
            path,
            rows: Vec::new(),
            seen: HashSet::new(),
            metrics: Vec::new(),
            errored: 0,
            unreadable: Vec::new(),
            non_finite: non_finite::Tally::default(),
        }
    }

    fn add(&mut self, sample: Sample, loc: &Location, line: usize) -> Result<()> {
        let field = |name: &str| loc.clone().with_field(name);
        let id = match &sample.id {
            Json::Number(n) => n.to_string(),
            Json::String(s) if !s.is_empty() => s.clone(),
            other => {
                return Err(Error::input(
                    field("id"),
                    format!(
                        "a sample's id must be an integer or a non-empty string, found {}",
                        kind(other)
                    ),
                ))
            }
        };
        let epoch = match &sample.epoch {
            Json::Null => "1".to_string(),
            Json::Number(n) => n.to_string(),
            other => {
                return Err(Error::input(
                    field("epoch"),
                    format!("the epoch must be a number, found {}", kind(other)),
                ))
            }
        };
        if !self.seen.insert((id.clone(), epoch.clone())) {
            return Err(Error::input(
                field("id"),
                format!("sample {id} appears twice for epoch {epoch}; a log holds each sample once per epoch"),
            ));
        }
        if !sample.error.is_null() {
            self.errored += 1;
        }
        let references = match &sample.target {
            Json::Null => Vec::new(),
            Json::String(s) if s.is_empty() => Vec::new(),
            Json::String(s) => vec![Text::from(s.as_str())],
            Json::Array(items) => items
                .iter()
                .map(|item| match item {
                    Json::String(s) => Ok(Text::from(s.as_str())),
                    Json::Number(n) => Ok(Text::from(n.to_string())),
                    other => Err(Error::input(
                        field("target"),
                        format!("a target list holds strings, found {} in it", kind(other)),
                    )),
                })
                .collect::<Result<_>>()?,
            other => {
                return Err(Error::input(
                    field("target"),
                    format!(
                        "the target must be a string or a list of strings, found {}",
                        kind(other)
                    ),
                ))
            }
        };
        let input = match &sample.input {
            Json::String(s) => Some(s.clone()),
            Json::Array(messages) => last_user_text(messages),
            _ => None,
        };
        let mut numbers: Vec<(Text, f64)> = Vec::new();
        // How the warning about a non-finite value names this sample.
        let label = if epoch == "1" {
            id.clone()
        } else {
            format!("{id} (epoch {epoch})")
        };
        match &sample.scores {
            Json::Null => {}
            Json::Object(scores) => {
                for (scorer, score) in scores {
                    let value = match score {
                        Json::Object(s) => s.get("value").unwrap_or(&Json::Null),
                        other => {
                            return Err(Error::input(
                                field(&format!("scores.{scorer}")),
                                format!(
                                    "a score must be an object with a \"value\", found {}",
                                    kind(other)
                                ),
                            ))
                        }
                    };
                    self.read_value(scorer, value, &label, &field, &mut numbers)?;
                }
            }
            other => {
                return Err(Error::input(
                    field("scores"),
                    format!(
                        "scores must be an object of scorer → score, found {}",
                        kind(other)
                    ),
                ))
            }
        }
        let tags: Vec<(Text, Text)> = match &sample.metadata {
            Json::Object(meta) => super::json::metadata_tags(meta),
            _ => Vec::new(),
        };
        self.rows.push(Row {
            id: Text::from(id),
            prediction: Text::from(prediction_of(&sample.output)),
            references,
            input: input.map(Text::from),
            numbers: Fields::from_pairs(numbers),
            tags: Fields::from_pairs(tags),
            line,
        });
        Ok(())
    }

    /// One scorer's value as metrics (a dict value: one per key) of the
    /// sample `label` names.
    fn read_value(
        &mut self,
        scorer: &str,
        value: &Json,
        label: &str,
        field: &dyn Fn(&str) -> Location,
        numbers: &mut Vec<(Text, f64)>,
    ) -> Result<()> {
        let name_of = |key: Option<&str>| match key {
            Some(k) => format!("{scorer}.{k}"),
            None => scorer.to_string(),
        };
        let entries: Vec<(Option<&str>, &Json)> = match value {
            Json::Object(dict) => dict.iter().map(|(k, v)| (Some(k.as_str()), v)).collect(),
            other => vec![(None, other)],
        };
        for (key, v) in entries {
            let name = name_of(key);
            let x = match v {
                Json::Null => None,
                Json::Number(n) => n.as_f64().filter(|x| x.is_finite()),
                Json::Bool(b) => Some(f64::from(u8::from(*b))),
                Json::String(s) => match (non_finite::text(s), value_to_float(s)) {
                    (Some(x), _) => {
                        // Missing, like an unscored sample, and listed in a warning.
                        self.non_finite.record(&name, label, x);
                        None
                    }
                    (None, Some(x)) => Some(x),
                    (None, None) => {
                        match self.unreadable.iter_mut().find(|(m, _, _)| *m == name) {
                            Some(entry) => entry.1 += 1,
                            None => self.unreadable.push((name.clone(), 1, s.clone())),
                        }
                        Some(0.0)
                    }
                },
                other => {
                    return Err(Error::input(
                        field(&format!("scores.{scorer}.value")),
                        format!(
                            "a score value must be a string, a number, a boolean or a dict of those, found {}; benchgate cannot average it",
                            kind(other)
                        ),
                    ))
                }
            };
            if !self.metrics.contains(&name) {
                self.metrics.push(name.clone());
            }
            if let Some(x) = x {
                numbers.push((Text::from(name), x));
            }
        }
        Ok(())
    }

    fn finish(self, status: &Status, results: &Json) -> (Vec<Row>, ToolInfo) {
        let file = self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let examples = {
            let ids: HashSet<&str> = self.rows.iter().map(|r| r.id.as_str()).collect();
            ids.len()
        };
        let mut warnings = Vec::new();
        let held = format!(
            "its {} samples ({examples} examples) are compared as they are",
            self.rows.len()
        );
        match status {
            Status::Stated(Some(s)) if s == "success" => {}
            Status::Stated(Some(s)) => warnings.push(Diagnostic::new(Code::RunIncomplete, format!(
                "{file}: the Inspect run's status is \"{s}\", not \"success\"; {held}"
            ))),
            Status::Stated(None) => warnings.push(Diagnostic::new(Code::RunIncomplete, format!(
                "{file}: the Inspect log states no status; {held}"
            ))),
            Status::NoHeader => warnings.push(Diagnostic::new(Code::RunIncomplete, format!(
                "{file}: the Inspect log has no header.json, so the run never finished (it errored or was stopped); {held}"
            ))),
        }
        if self.errored > 0 {
            warnings.push(Diagnostic::new(Code::SamplesErrored, format!(
                "{file}: {} of {} samples ended in an error; their missing scores are missing, not zero",
                self.errored,
                self.rows.len()
            )));
        }
        warnings.extend(self.non_finite.warnings(&file));
        for (metric, count, first) in &self.unreadable {
            warnings.push(Diagnostic::new(Code::UnrecognisedValues, format!(
                "{file}: {count} values of {metric} (such as \"{first}\") are not C/I/P/N, yes/no, true/false or a number; read as 0, as Inspect's value_to_float does"
            )));
        }
        let mut metrics = Vec::new();
        let epochs_repeat = {
            let ids: HashSet<&str> = self.rows.iter().map(|r| r.id.as_str()).collect();
            ids.len() < self.rows.len()
        };
        for score in results
            .get("scores")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let Some(metric) = self.metric_of(score) else {
                continue;
            };
            if !metrics.contains(&metric) {
                metrics.push(metric.clone());
            }
            let reducer = score.get("reducer").and_then(Json::as_str);
            if epochs_repeat && reducer.is_some_and(|r| r != "mean") {
                warnings.push(Diagnostic::new(Code::EpochReducer, format!(
                    "{file}: Inspect reduced the epochs of {metric} with \"{}\"; benchgate averages epochs (as the \"mean\" reducer does), so its values differ from Inspect's",
                    reducer.unwrap_or_default()
                )));
                continue;
            }
            let stated = score.get("metrics").and_then(|m| {
                ["accuracy", "mean"].iter().find_map(|name| {
                    m.get(name)
                        .and_then(|x| x.get("value"))
                        .and_then(Json::as_f64)
                        .map(|x| (*name, x))
                })
            });
            if let (Some((name, stated)), Some(ours)) = (stated, example_mean(&self.rows, &metric))
            {
                if (stated - ours).abs() > 1e-9 * stated.abs().max(1.0) {
                    warnings.push(Diagnostic::new(Code::SummaryMismatch, format!(
                        "{file}: Inspect's results say {metric} {name} = {stated}, the samples give {ours}"
                    )));
                }
            }
        }
        for m in self.metrics {
            if !metrics.contains(&m) {
                metrics.push(m);
            }
        }
        // The sample metadata (a sample's document, source, …) is how an
        // Inspect task groups its samples.
        let cluster_candidates = super::tag_names(&self.rows, &[]);
        let info = ToolInfo {
            tool: "inspect".to_string(),
            metrics,
            warnings,
            cluster_candidates,
            ..ToolInfo::default()
        };
        (self.rows, info)
    }

    /// The metric a `results.scores` entry aggregates: the scorer's own, or
    /// one key of its dict value (`scorer.key`).
    fn metric_of(&self, score: &Json) -> Option<String> {
        let name = score.get("name").and_then(Json::as_str)?;
        let scorer = score.get("scorer").and_then(Json::as_str).unwrap_or(name);
        let keyed = format!("{scorer}.{name}");
        if name != scorer && self.metrics.contains(&keyed) {
            Some(keyed)
        } else {
            self.metrics
                .iter()
                .any(|m| m == name)
                .then(|| name.to_string())
        }
    }
}

/// The mean over examples of the per-example mean of `metric` (examples that
/// lack it are left out), as Inspect's `accuracy` and `mean` compute it after
/// the `mean` reducer.
pub(super) fn example_mean(rows: &[Row], metric: &str) -> Option<f64> {
    let mut by_id: std::collections::BTreeMap<&str, (f64, usize)> = Default::default();
    for row in rows {
        if let Some(x) = row.numbers.get(metric) {
            let e = by_id.entry(row.id.as_str()).or_default();
            e.0 += x;
            e.1 += 1;
        }
    }
    if by_id.is_empty() {
        return None;
    }
    let sum: f64 = by_id.values().map(|(s, n)| s / *n as f64).sum();
    Some(sum / by_id.len() as f64)
}

/// Inspect's `value_to_float` on a string: `None` where Inspect warns and
/// uses 0.
fn value_to_float(s: &str) -> Option<f64> {
    match s {
        "C" => return Some(1.0),
        "P" => return Some(0.5),
        "I" | "N" => return Some(0.0),
        _ => {}
    }
    match s.to_lowercase().as_str() {
        "yes" | "true" => Some(1.0),
        "no" | "false" => Some(0.0),
        other => other.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
    }
}

/// The model's output: `completion`, else the text of the first choice.
fn prediction_of(output: &Json) -> String {
    if let Some(Json::String(s)) = output.get("completion") {
        return s.clone();
    }
    output
        .get("choices")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("message"))
        .and_then(|m| m.get("content"))
        .and_then(content_text)
        .unwrap_or_default()
}

/// The text of a message's content: a string, or the text parts of a list
/// (reasoning, images and tool calls left out), one per line.
pub(super) fn content_text(content: &Json) -> Option<String> {
    match content {
        Json::String(s) => Some(s.clone()),
        Json::Array(parts) => {
            let texts: Vec<&str> = parts
                .iter()
                .filter(|p| p.get("type").and_then(Json::as_str) == Some("text"))
                .filter_map(|p| p.get("text").and_then(Json::as_str))
                .collect();
            Some(texts.join("\n"))
        }
        _ => None,
    }
}

/// The text of the last user message of a chat (`[{"role": "user", "content": …}]`).
pub(super) fn last_user_text(messages: &[Json]) -> Option<String> {
    messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Json::as_str) == Some("user"))
        .and_then(|m| m.get("content"))
        .and_then(content_text)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A `.eval` archive of `entries`, each compressed with `method`.
    fn archive(entries: &[(&str, String)], method: zip::CompressionMethod) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, text) in entries {
            zip.start_file(*name, options).expect("in memory");
            zip.write_all(text.as_bytes()).expect("in memory");
        }
        zip.finish().expect("in memory").into_inner()
    }

    fn sample(id: &str, epoch: u32, scores: &str) -> String {
        format!(
            r#"{{"id": {id}, "epoch": {epoch}, "input": "What is 2 + 2?", "target": "4", "messages": [{{"role": "user", "content": "huge"}}], "output": {{"completion": "4", "choices": []}}, "scores": {scores}, "metadata": {{"category": "sums", "level": 2, "nested": {{"a": 1}}}}, "events": [{{"event": "model"}}]}}"#
        )
    }

    const HEADER: &str = r#"{"version": 2, "status": "success", "eval": {"task": "t"}, "results": {"scores": [
        {"name": "judge", "scorer": "judge", "metrics": {}},
        {"name": "match", "scorer": "match", "reducer": "mean", "metrics": {"accuracy": {"name": "accuracy", "value": 0.75}}}]}}"#;

    fn log(method: zip::CompressionMethod) -> Vec<u8> {
        archive(
            &[
                ("_journal/start.json", r#"{"eval": {}}"#.to_string()),
                (
                    "samples/2_epoch_1.json",
                    sample(
                        "2",
                        1,
                        r#"{"match": {"value": "C"}, "judge": {"value": {"helpful": 0.5, "safe": "I"}}}"#,
                    ),
                ),
                (
                    "samples/1_epoch_2.json",
                    sample("1", 2, r#"{"match": {"value": "I"}}"#),
                ),
                (
                    "samples/1_epoch_1.json",
                    sample(
                        "1",
                        1,
                        r#"{"match": {"value": "C"}, "judge": {"value": {"helpful": 1, "safe": null}}}"#,
                    ),
                ),
                ("reductions.json", "[]".to_string()),
                ("header.json", HEADER.to_string()),
            ],
            method,
        )
    }

    #[test]
    fn eval_archives_read_the_same_deflated_or_zstd_compressed() {
        let (rows, info) = read(
            Path::new("run.eval"),
            &log(zip::CompressionMethod::Deflated),
        )
        .expect("reads");
        let (zrows, zinfo) =
            read(Path::new("run.eval"), &log(zip::CompressionMethod::Zstd)).expect("reads");
        assert_eq!((&rows, &info), (&zrows, &zinfo));
        // Entries in name order; each epoch is a row of its example.
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["1", "1", "2"]);
        let r = &rows[0];
        assert_eq!(
            (r.prediction.as_str(), r.input.as_deref()),
            ("4", Some("What is 2 + 2?"))
        );
        assert_eq!(r.references, vec!["4".to_string()]);
        assert_eq!(r.numbers.get("match"), Some(&1.0));
        assert_eq!(r.numbers.get("judge.helpful"), Some(&1.0));
        // null is Inspect's "unscored": missing, never a zero.
        assert_eq!(r.numbers.get("judge.safe"), None);
        assert_eq!(rows[1].numbers.get("judge.helpful"), None);
        assert_eq!(rows[2].numbers.get("judge.safe"), Some(&0.0));
        assert_eq!(r.tags.get("category").map(|t| t.as_str()), Some("sums"));
        assert_eq!(r.tags.get("level").map(|t| t.as_str()), Some("2"));
        assert!(r.tags.get("nested").is_none());
        // The log's order of scorers first; accuracy 0.75 is what the samples give.
        assert_eq!(info.metrics, ["match", "judge.helpful", "judge.safe"]);
        assert_eq!(info.tool, "inspect");
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    }

    #[test]
    fn a_run_that_never_finished_is_read_with_a_warning() {
        let bytes = archive(
            &[
                ("_journal/start.json", "{}".to_string()),
                (
                    "samples/a_epoch_1.json",
                    sample("\"a\"", 1, "{}").replace(
                        "\"events\"",
                        "\"error\": {\"message\": \"boom\"}, \"events\"",
                    ),
                ),
            ],
            zip::CompressionMethod::Zstd,
        );
        let (rows, info) = read(Path::new("x.eval"), &bytes).expect("reads");
        assert_eq!(rows[0].id, "a");
        assert!(info.metrics.is_empty());
        let text = crate::diagnostic::texts(&info.warnings).join("\n");
        assert!(
            text.contains("x.eval: the Inspect log has no header.json"),
            "{text}"
        );
        assert!(text.contains("1 of 1 samples ended in an error"), "{text}");
    }

    #[test]
    fn an_aggregate_the_samples_do_not_give_is_a_warning() {
        let header = HEADER.replace("0.75", "0.9");
        let bytes = archive(
            &[
                ("header.json", header),
                (
                    "samples/1_epoch_1.json",
                    sample("1", 1, r#"{"match": {"value": "C"}}"#),
                ),
                (
                    "samples/1_epoch_2.json",
                    sample("1", 2, r#"{"match": {"value": "P"}}"#),
                ),
                (
                    "samples/2_epoch_1.json",
                    sample("2", 1, r#"{"match": {"value": "yes"}}"#),
                ),
            ],
            zip::CompressionMethod::Deflated,
        );
        let (_, info) = read(Path::new("x.eval"), &bytes).expect("reads");
        assert_eq!(
            crate::diagnostic::texts(&info.warnings),
            ["x.eval: Inspect's results say match accuracy = 0.9, the samples give 0.875"]
        );
    }

    #[test]
    fn json_logs_read_messages_and_content_parts() {
        let text = r#"{
  "version": 1,
  "status": "cancelled",
  "eval": {"task": "t"},
  "results": {"scores": [{"name": "exact", "scorer": "exact", "metrics": {"mean": {"value": 0.0}}}]},
  "samples": [
    {"id": 1, "epoch": 1,
     "input": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "image", "image": "x"}, {"type": "text", "text": "Hello?"}]}, {"role": "assistant", "content": "Hi"}],
     "target": ["Hello", "Hi"],
     "output": {"choices": [{"message": {"role": "assistant", "content": [{"type": "reasoning", "reasoning": "hm"}, {"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}]}}]},
     "scores": {"exact": {"value": "I"}}}
  ]
}"#;
        let (rows, info) = read(Path::new("log.txt"), text.as_bytes()).expect("reads");
        let r = &rows[0];
        assert_eq!(r.input.as_deref(), Some("Hello?"));
        assert_eq!(r.prediction, "Hel\nlo");
        assert_eq!(r.references, vec!["Hello".to_string(), "Hi".to_string()]);
        assert_eq!(r.line, 7);
        assert_eq!(info.metrics, ["exact"]);
        assert_eq!(
            crate::diagnostic::texts(&info.warnings),
            ["log.txt: the Inspect run's status is \"cancelled\", not \"success\"; its 1 samples (1 examples) are compared as they are"]
        );
    }

    #[test]
    fn errors_name_the_entry_or_line_and_the_field() {
        let err = |bytes: &[u8]| {
            read(Path::new("r.eval"), bytes)
                .expect_err("an error")
                .to_string()
        };
        let zip = |sample: String| {
            archive(
                &[
                    ("header.json", "{}".to_string()),
                    ("samples/1_epoch_1.json", sample),
                ],
                zip::CompressionMethod::Deflated,
            )
        };
        let e = err(&zip(sample("1", 1, r#"{"m": {"value": [1, 2]}}"#)));
        assert!(
            e.starts_with("r.eval/samples/1_epoch_1.json: field \"scores.m.value\""),
            "{e}"
        );
        let e = err(&zip(sample("null", 1, "{}")));
        assert!(
            e.contains("field \"id\"") && e.contains("integer or a non-empty string"),
            "{e}"
        );
        let e = err(&zip("{\"id\": 1,".to_string()));
        assert!(
            e.starts_with("r.eval/samples/1_epoch_1.json:1:") && e.contains("malformed JSON"),
            "{e}"
        );
        let other = archive(
            &[("data.json", "{}".to_string())],
            zip::CompressionMethod::Deflated,
        );
        assert!(err(&other).contains("neither header.json nor _journal/start.json"));
        assert!(err(b"PK\x03\x04 not really").contains("zip archive cannot be read"));
        let twice = archive(
            &[
                ("header.json", "{}".to_string()),
                ("samples/1_epoch_1.json", sample("1", 1, "{}")),
                ("samples/1_epoch_1b.json", sample("1", 1, "{}")),
            ],
            zip::CompressionMethod::Deflated,
        );
        assert!(err(&twice).contains("sample 1 appears twice for epoch 1"));
        let json = |t: &str| {
            read(Path::new("l.json"), t.as_bytes())
                .expect_err("an error")
                .to_string()
        };
        assert!(json(r#"{"eval": {}, "status": "success"}"#).contains("holds no samples"));
        assert!(json(r#"{"samples": []}"#).contains("not an Inspect AI log"));
        assert!(
            json("{\"eval\": {}, \"samples\": [\n{\"id\": 1, \"scores\": 3}]}")
                .starts_with("l.json:2: field \"scores\"")
        );
    }

    #[test]
    fn non_finite_values_are_missing_counted_and_listed_in_archives_and_json() {
        // Python's json writes NaN bare; an input that says "NaN" stays text.
        let samples = [
            sample("1", 1, r#"{"match": {"value": 0.5}}"#),
            sample("2", 1, r#"{"match": {"value": NaN}}"#),
            sample("3", 1, r#"{"match": {"value": {"x": Infinity, "y": 1}}}"#),
            sample("4", 1, r#"{"match": {"value": 1.0}}"#),
            sample("4", 2, r#"{"match": {"value": "-Infinity"}}"#),
        ]
        .map(|s| s.replace("What is", "NaN or Infinity? What is"));
        let entries: Vec<(String, String)> = samples
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("samples/{i}_epoch_1.json"), s.clone()))
            .chain([(
                "header.json".to_string(),
                r#"{"status": "success", "results": {"scores": []}}"#.to_string(),
            )])
            .collect();
        let entries: Vec<(&str, String)> = entries
            .iter()
            .map(|(n, t)| (n.as_str(), t.clone()))
            .collect();
        let zipped = archive(&entries, zip::CompressionMethod::Deflated);
        let json = format!(
            "{{\"eval\": {{}}, \"status\": \"success\", \"samples\": [\n{}\n]}}",
            samples.join(",\n")
        );
        for (name, bytes) in [("x.eval", zipped), ("x.json", json.into_bytes())] {
            let (rows, info) = read(Path::new(name), &bytes).expect("reads");
            assert_eq!(rows.len(), 5, "{name}");
            let by = |id: &str, epoch: usize| {
                rows.iter()
                    .filter(|r| r.id == id)
                    .nth(epoch - 1)
                    .expect("row")
            };
            assert_eq!(by("1", 1).numbers.get("match"), Some(&0.5));
            assert_eq!(by("2", 1).numbers.get("match"), None);
            assert_eq!(by("3", 1).numbers.get("match.x"), None);
            assert_eq!(by("3", 1).numbers.get("match.y"), Some(&1.0));
            // An epoch's value is left out; the example keeps its other epochs.
            assert_eq!(by("4", 1).numbers.get("match"), Some(&1.0));
            assert_eq!(by("4", 2).numbers.get("match"), None);
            assert_eq!(
                by("2", 1).input.as_deref(),
                Some("NaN or Infinity? What is 2 + 2?")
            );
            assert_eq!(
                crate::diagnostic::texts(&info.warnings),
                [
                    format!("{name}: 2 examples had a non-finite match (2 NaN, 4 (epoch 2) -Infinity); they are left out of match (missing for those examples, never a number)"),
                    format!("{name}: 1 examples had a non-finite match.x (3 Infinity); they are left out of match.x (missing for those examples, never a number)"),
                ],
                "{name}"
            );
            assert_eq!(info.metrics, ["match", "match.x", "match.y"]);
        }
    }

    #[test]
    fn values_read_as_inspect_reads_them() {
        for (s, x) in [
            ("C", Some(1.0)),
            ("P", Some(0.5)),
            ("I", Some(0.0)),
            ("N", Some(0.0)),
            ("Yes", Some(1.0)),
            ("false", Some(0.0)),
            ("0.25", Some(0.25)),
            ("inf", None),
            ("maybe", None),
        ] {
            assert_eq!(value_to_float(s), x, "{s}");
        }
    }
}
