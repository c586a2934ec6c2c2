//! Loading result files into rows: JSONL (optionally gzip-compressed), JSON arrays,
//! CSV and TSV, lm-evaluation-harness samples, promptfoo output, Inspect AI logs,
//! DeepEval test runs, OpenAI evals logs, and benchgate's own baseline files
//! (JSONL behind a header line).
//!
//! Every reader turns a record into the same [`Row`] through [`FieldMap`], so the
//! rules for ids, predictions, references, external scores and tags live in one
//! place ([`record`]). Errors name the file, line and field.

pub mod artifact;
mod deepeval;
mod delimited;
mod flat;
pub mod git;
pub mod header;
mod inspect;
mod json;
mod lm_eval;
pub mod logs;
mod non_finite;
mod openai_evals;
mod otlp;
pub mod promptfoo;
pub mod record;
pub mod source;
mod text;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
pub use record::{FieldMap, InputFormat, Row, Text, Value};
pub use source::BaselineSource;

use header::BaselineHeader;

/// The rows of one input file.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The file the rows came from.
    pub path: PathBuf,
    /// Rows in file order.
    pub rows: Vec<Row>,
    /// The header of a benchgate baseline file.
    pub header: Option<BaselineHeader>,
    /// What the file's tool says beyond its rows (lm-eval, promptfoo); `None`
    /// for plain JSONL, JSON and CSV.
    pub tool: Option<ToolInfo>,
    /// Per-example values of expensive metrics a benchgate file stores
    /// (baselines, `score --format jsonl`), for `compare` to reuse.
    pub stored: crate::load::header::Stored,
}

/// What a tool's own result file says beyond its rows: its per-sample metrics,
/// which are the default metrics of a comparison (a gate over a tool's file
/// compares what the tool measured, never text metrics of whatever its
/// "prediction" happens to be), and notes for the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolInfo {
    /// The tool, as `--input-format` names it (`lm-eval`, `promptfoo`).
    pub tool: String,
    /// The tool's per-sample metrics, as numeric fields of the rows, in the
    /// tool's order.
    pub metrics: Vec<String>,
    /// What the reader wants the user to know (an aggregate in the tool's own
    /// results file that the samples do not reproduce, …).
    pub warnings: Vec<String>,
    /// Tool metrics the tool states are higher-is-better (DeepEval's metrics
    /// whose cases pass at or above their threshold, the share of cases that
    /// pass), unless the configuration says otherwise: no guess, no warning.
    pub higher_is_better: Vec<String>,
    /// Tool metrics the tool treats as lower-is-better (DeepEval's
    /// hallucination, bias, toxicity), unless the configuration says otherwise.
    pub lower_is_better: Vec<String>,
    /// Per file read, the part of its ids that came only from the file's
    /// name (lm-eval's task in `samples_<task>_<date>.jsonl`), `None` when
    /// the name gave none: alignment pairs a single-task run by doc id
    /// whatever the files are called (`align::pair_renamed_tasks`).
    pub name_prefixes: Vec<Option<String>>,
    /// Fields by which the tool itself groups samples (Inspect's sample
    /// metadata, lm-eval's task within a group, promptfoo's test vars):
    /// candidates for `--cluster-by` that a warning may name, never applied
    /// by themselves.
    pub cluster_candidates: Vec<String>,
}

/// The tag names of `rows`, in order of first appearance, but `except`.
pub(crate) fn tag_names(rows: &[Row], except: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in rows {
        for k in r.tags.keys() {
            if !except.contains(&k.as_str()) && !names.iter().any(|n| n == k.as_str()) {
                names.push(k.to_string());
            }
        }
    }
    names
}

impl ToolInfo {
    /// Folds the information of another file of the same run into this one.
    pub fn merge(&mut self, other: ToolInfo) {
        if self.tool.is_empty() {
            self.tool = other.tool;
        } else if !other.tool.is_empty() && other.tool != self.tool {
            self.tool = format!("{}+{}", self.tool, other.tool);
        }
        for m in other.metrics {
            if !self.metrics.contains(&m) {
                self.metrics.push(m);
            }
        }
        self.warnings.extend(other.warnings);
        for m in other.higher_is_better {
            if !self.higher_is_better.contains(&m) {
                self.higher_is_better.push(m);
            }
        }
        for m in other.lower_is_better {
            if !self.lower_is_better.contains(&m) {
                self.lower_is_better.push(m);
            }
        }
        self.name_prefixes.extend(other.name_prefixes);
        for f in other.cluster_candidates {
            if !self.cluster_candidates.contains(&f) {
                self.cluster_candidates.push(f);
            }
        }
    }
}

/// The file formats benchgate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A JSON array of objects.
    JsonArray,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// lm-evaluation-harness samples.
    LmEval,
    /// promptfoo output.
    Promptfoo,
    /// Inspect AI logs (`.eval` archives, `.json` documents).
    Inspect,
    /// DeepEval test runs.
    DeepEval,
    /// OpenAI evals run logs.
    OpenAiEvals,
    /// OpenTelemetry GenAI spans, OTLP JSON.
    Otlp,
}

/// Reads one result file with the reader `fields.format` names or, by
/// default, the one its name (after an optional `.gz`) and content call for.
///
/// JSONL, the format of large runs, is read a block at a time (through gzip
/// too) so its bytes are never all in memory; other formats are read whole.
pub fn load(path: &Path, fields: &FieldMap) -> Result<Dataset> {
    load_with_progress(path, fields, &|_| {})
}

/// [`load`], calling `read` with the number of bytes read as it goes.
pub fn load_with_progress(path: &Path, fields: &FieldMap, read: &dyn Fn(u64)) -> Result<Dataset> {
    let (head, mut rest) = open(path, read)?;
    load_stream(path, head, &mut rest, fields)
}

/// [`load_with_progress`] handing the rows to `each` as they are read instead
/// of returning them: plain JSONL (through gzip too) a block at a time, other
/// formats the whole file at once. A caller that keeps little of each row
/// (`monitor`) then never holds a large file's rows all at once.
pub fn for_each_block(
    path: &Path,
    fields: &FieldMap,
    read: &dyn Fn(u64),
    each: &mut dyn FnMut(Vec<Row>) -> Result<()>,
) -> Result<()> {
    let (head, mut rest) = open(path, read)?;
    let seen = head.iter().any(|b| !b.is_ascii_whitespace());
    let plain_jsonl = seen
        && head.len() == HEAD_BYTES
        && header::take_header(path, &mut head.clone())?.is_none()
        && streams_as_jsonl(path, &head, fields.format);
    if !plain_jsonl {
        return each(load_stream(path, head, &mut rest, fields)?.rows);
    }
    let mut any = false;
    json::each_jsonl_block(path, head, &mut rest, fields, &mut |rows| {
        any = true;
        each(rows)
    })?;
    if any {
        Ok(())
    } else {
        dataset(path, Vec::new(), None, None).map(|_| ())
    }
}

/// The file's first bytes (decompressed) and a reader of the rest, counting
/// the file's bytes with `read`.
fn open<'a>(path: &Path, read: &'a dyn Fn(u64)) -> Result<(Vec<u8>, Box<dyn Read + 'a>)> {
    let io = |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut raw = Counted { inner: file, read };
    // Enough of the start to see gzip's magic bytes and the first JSON character.
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut raw)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    if !head.starts_with(&[0x1f, 0x8b]) {
        return Ok((head, Box::new(raw)));
    }
    // gzip streams too: JSONL inside is read a block at a time, so a small
    // file that inflates to gigabytes costs what the rows it holds cost (a
    // stream of junk fails on its first block), like a plain file that size.
    let mut gz = flate2::read::MultiGzDecoder::new(std::io::Cursor::new(head).chain(raw));
    let mut plain = Vec::with_capacity(HEAD_BYTES);
    (&mut gz)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut plain)
        .map_err(|e| corrupt_gzip(path, &e))?;
    Ok((plain, Box::new(GzErrors(gz))))
}

/// Bytes looked at before choosing how to read a file.
const HEAD_BYTES: usize = 64 << 10;

/// The rows of a file whose first bytes (decompressed) are `head` and whose
/// rest `reader` gives: plain JSONL and baselines a block at a time, other
/// formats read whole.
fn load_stream(
    path: &Path,
    head: Vec<u8>,
    reader: &mut dyn Read,
    fields: &FieldMap,
) -> Result<Dataset> {
    let io = |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    };
    let seen = head.iter().any(|b| !b.is_ascii_whitespace());
    if seen && head.len() == HEAD_BYTES {
        // A baseline file streams under benchgate's own field names.
        let mut probe = head.clone();
        let header = header::take_header(path, &mut probe)?;
        if header.is_some() || streams_as_jsonl(path, &head, fields.format) {
            let own = FieldMap::default();
            let fields = if header.is_some() { &own } else { fields };
            let rows = json::read_jsonl_stream(path, probe, reader, fields, &|_| {})?;
            let stored = match &header {
                Some(h) if !h.reuse.is_empty() => read_stored(path, h)?,
                _ => crate::load::header::Stored::default(),
            };
            let mut data = dataset(path, rows, header, None)?;
            data.stored = stored;
            return Ok(data);
        }
    }
    let mut bytes = head;
    reader.read_to_end(&mut bytes).map_err(io)?;
    load_bytes(path, bytes, fields)
}

/// A reader that reports each read's size (the file's bytes, before any
/// decompression: what the progress bar counts).
struct Counted<'a, R> {
    inner: R,
    read: &'a dyn Fn(u64),
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.read)(n as u64);
        Ok(n)
    }
}

/// A gzip decoder whose errors say that the stream is corrupt.
struct GzErrors<R>(R);

impl<R: Read> Read for GzErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| std::io::Error::new(e.kind(), format!("the gzip stream is corrupt: {e}")))
    }
}

fn corrupt_gzip(path: &Path, e: &std::io::Error) -> Error {
    Error::input(
        Location::file(path),
        format!("the gzip stream is corrupt: {e}"),
    )
}

/// Parses the bytes of a result file named `path` (the name picks the format).
pub fn load_bytes(path: &Path, raw: Vec<u8>, fields: &FieldMap) -> Result<Dataset> {
    let mut bytes = decompress(path, raw)?;
    // A benchgate baseline is JSONL under benchgate's own field names, whatever
    // the flags say about the result files it is compared with. (A zip
    // archive is binary: it has no header line to look for.)
    let header = if bytes.starts_with(inspect::ZIP_MAGIC) {
        None
    } else {
        header::take_header(path, &mut bytes)?
    };
    let own_fields;
    let (format, fields) = if header.is_some() {
        own_fields = FieldMap::default();
        (Format::Jsonl, &own_fields)
    } else {
        (detect_format(path, &bytes, fields.format)?, fields)
    };
    let (rows, tool) = match format {
        Format::Jsonl => (json::read_jsonl(path, &bytes, fields)?, None),
        Format::JsonArray => (json::read_array(path, &bytes, fields)?, None),
        Format::Csv => (delimited::read(path, &bytes, b',', fields)?, None),
        Format::Tsv => (delimited::read(path, &bytes, b'\t', fields)?, None),
        Format::LmEval => {
            let (rows, tool) = lm_eval::read(path, &bytes)?;
            (rows, Some(tool))
        }
        Format::Promptfoo => {
            let (rows, tool) = promptfoo::read(path, &bytes, fields)?;
            (rows, Some(tool))
        }
        Format::Inspect => {
            let (rows, tool) = inspect::read(path, &bytes)?;
            (rows, Some(tool))
        }
        Format::DeepEval => {
            let (rows, tool) = deepeval::read(path, &bytes)?;
            (rows, Some(tool))
        }
        Format::OpenAiEvals => {
            let (rows, tool) = openai_evals::read(path, &bytes)?;
            (rows, Some(tool))
        }
        Format::Otlp => (otlp::read(path, &bytes, fields)?, None),
    };
    let stored = match &header {
        Some(h) => {
            crate::load::header::Stored::read(h, bytes.as_slice()).map_err(|cause| Error::Io {
                path: path.to_path_buf(),
                cause,
            })?
        }
        None => crate::load::header::Stored::default(),
    };
    let mut data = dataset(path, rows, header, tool)?;
    data.stored = stored;
    Ok(data)
}

fn dataset(
    path: &Path,
    rows: Vec<Row>,
    header: Option<BaselineHeader>,
    tool: Option<ToolInfo>,
) -> Result<Dataset> {
    // A shard's scores file may hold no example (more shards than examples).
    let empty_shard = header.as_ref().is_some_and(|h| h.examples == 0);
    if rows.is_empty() && !empty_shard {
        return Err(Error::input(
            Location::file(path),
            "the file holds no examples; an empty result file usually means the evaluation run failed",
        ));
    }
    Ok(Dataset {
        path: path.to_path_buf(),
        rows,
        header,
        tool,
        stored: crate::load::header::Stored::default(),
    })
}

/// The stored values of a large benchgate file, read in a second pass (the
/// row reader keeps no objects): only when its header says it has some.
fn read_stored(path: &Path, header: &BaselineHeader) -> Result<crate::load::header::Stored> {
    let io = |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    };
    let mut file = std::io::BufReader::new(std::fs::File::open(path).map_err(io)?);
    let gz = std::io::BufRead::fill_buf(&mut file)
        .map_err(io)?
        .starts_with(&[0x1f, 0x8b]);
    if gz {
        let plain = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
        crate::load::header::Stored::read(header, plain).map_err(|e| corrupt_gzip(path, &e))
    } else {
        crate::load::header::Stored::read(header, file).map_err(io)
    }
}

/// Reads several files (shards of one run) into one dataset named after the first.
///
/// Shards written by a CI matrix must not overlap: an id in two files is an
/// error naming both (within one file, repeated ids are repeated samples). A
/// directory is an lm-eval run: its samples files, one per task.
pub fn load_all(paths: &[PathBuf], fields: &FieldMap) -> Result<Dataset> {
    load_all_with_progress(paths, fields, &|_| {})
}

/// [`load_all`], calling `read` with the number of bytes read as it goes.
pub fn load_all_with_progress(
    paths: &[PathBuf],
    fields: &FieldMap,
    read: &dyn Fn(u64),
) -> Result<Dataset> {
    let paths = &lm_eval::expand_runs(paths)?;
    let mut rows = Vec::new();
    let mut header = None;
    let mut stored = crate::load::header::Stored::default();
    let mut tool: Option<ToolInfo> = None;
    let mut owner: std::collections::HashMap<String, (usize, usize)> =
        std::collections::HashMap::new();
    for (shard, path) in paths.iter().enumerate() {
        let data = load_with_progress(path, fields, read)?;
        if paths.len() > 1 {
            for row in &data.rows {
                match owner.get(row.id.as_str()) {
                    Some(&(other, line)) if other != shard => {
                        return Err(Error::input(
                            Location::file(path).at_line(row.line).with_field(&fields.id[0]),
                            format!(
                                "id \"{}\" is also in {} (line {line}); shards of one run must not overlap",
                                row.id,
                                paths[other].display()
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => {
                        owner.insert(row.id.to_string(), (shard, row.line));
                    }
                }
            }
        }
        rows.extend(data.rows);
        stored.merge(data.stored);
        header = header.or(data.header);
        if let Some(info) = data.tool {
            tool.get_or_insert_with(ToolInfo::default).merge(info);
        }
    }
    let path = paths.first().cloned().unwrap_or_default();
    Ok(Dataset {
        path,
        rows,
        header,
        tool,
        stored,
    })
}

fn decompress(path: &Path, raw: Vec<u8>) -> Result<Vec<u8>> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| {
                Error::input(
                    Location::file(path),
                    format!("the gzip stream is corrupt: {e}"),
                )
            })?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Whether a file whose first 64 KiB are `head` is plain JSONL for certain, so
/// that it can be read a block at a time: `--input-format jsonl`, or a first
/// line that is a whole JSON object of no other format's shape.
fn streams_as_jsonl(path: &Path, head: &[u8], requested: InputFormat) -> bool {
    match requested {
        InputFormat::Jsonl => true,
        InputFormat::Auto => {
            let start = head
                .strip_prefix(b"\xef\xbb\xbf".as_slice())
                .unwrap_or(head)
                .trim_ascii_start();
            let complete_first_line = start.first() == Some(&b'{')
                && start.split(|&b| b == b'\n').next().is_some_and(|line| {
                    line.len() < start.len()
                        && serde_json::from_slice::<serde_json::Value>(line).is_ok()
                });
            complete_first_line && matches!(detect_auto(path, head), Ok(Format::Jsonl))
        }
        _ => false,
    }
}

fn detect_format(path: &Path, bytes: &[u8], requested: InputFormat) -> Result<Format> {
    Ok(match requested {
        InputFormat::Jsonl => Format::Jsonl,
        InputFormat::Json => Format::JsonArray,
        InputFormat::Csv => Format::Csv,
        InputFormat::Tsv => Format::Tsv,
        InputFormat::LmEval => Format::LmEval,
        InputFormat::Promptfoo => Format::Promptfoo,
        InputFormat::Inspect => Format::Inspect,
        InputFormat::Deepeval => Format::DeepEval,
        InputFormat::OpenaiEvals => Format::OpenAiEvals,
        InputFormat::Otlp => Format::Otlp,
        InputFormat::Auto => detect_auto(path, bytes)?,
    })
}

/// The format a file's name and first line call for: a zip archive is an
/// Inspect AI `.eval` log; `.csv`/`.tsv` by name (a promptfoo CSV export by its
/// header); `[` opens a JSON array (lm-eval 0.4.0–0.4.2 samples when its first
/// element is one); a first line that is an lm-eval sample, an OpenAI evals
/// spec (`spec`) or a promptfoo JSONL result, or a document that is
/// an OTLP traces document (`resourceSpans`, one per line or one in all),
/// promptfoo's object (`results.results`), an Inspect log (`eval` and
/// `samples`) or a DeepEval run (`testCases`, or `testRunData`) picks those
/// readers, bare `NaN`/`Infinity` or not; anything else is JSONL.
fn detect_auto(path: &Path, bytes: &[u8]) -> Result<Format> {
    if bytes.starts_with(inspect::ZIP_MAGIC) {
        return Ok(Format::Inspect);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".csv") {
        if promptfoo::is_csv_export(bytes) {
            return Ok(Format::Promptfoo);
        }
        return Ok(Format::Csv);
    }
    if name.ends_with(".tsv") || name.ends_with(".tab") {
        return Ok(Format::Tsv);
    }
    let text = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes)
        .trim_ascii_start();
    match text.first() {
        Some(b'[') if lm_eval::starts_samples_array(text) => return Ok(Format::LmEval),
        Some(b'[') => return Ok(Format::JsonArray),
        Some(b'{') => {}
        _ => return Ok(Format::Jsonl),
    }
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    // A document a tool writes whole (pretty-printed or on one line).
    let document = |v: &serde_json::Value| {
        if otlp::is_document(v) {
            Some(Format::Otlp)
        } else if v
            .get("results")
            .is_some_and(|r| r.get("results").is_some_and(serde_json::Value::is_array))
        {
            Some(Format::Promptfoo)
        } else if v.get("eval").is_some_and(serde_json::Value::is_object)
            && v.get("samples").is_some()
        {
            Some(Format::Inspect)
        } else if v.get("testCases").is_some()
            || v.get("testRunData")
                .is_some_and(serde_json::Value::is_object)
        {
            Some(Format::DeepEval)
        } else {
            None
        }
    };
    // A tool's file may hold Python's bare NaN/Infinity, which its reader
    // reads (`non_finite`): they do not hide the file's shape. A plain file
    // with them is still plain JSONL, whose reader refuses them by name.
    let first_line = non_finite::quote(first_line);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&first_line) {
        if lm_eval::is_sample(&value) {
            return Ok(Format::LmEval);
        }
        if value.get("spec").is_some_and(serde_json::Value::is_object) {
            return Ok(Format::OpenAiEvals);
        }
        if promptfoo::is_jsonl_result(&value) {
            return Ok(Format::Promptfoo);
        }
        // The Collector's file exporter: one OTLP document per line.
        return Ok(document(&value).unwrap_or(Format::Jsonl));
    }
    // promptfoo's JSONL export before 0.110 could put two results on a line.
    let mut values =
        serde_json::Deserializer::from_slice(&first_line).into_iter::<serde_json::Value>();
    if let Some(Ok(value)) = values.next() {
        if promptfoo::is_jsonl_result(&value) {
            return Ok(Format::Promptfoo);
        }
    }
    // The first line is not a whole object: a pretty-printed JSON document.
    match serde_json::from_slice::<serde_json::Value>(&non_finite::quote(text)) {
        Ok(value) => document(&value).ok_or_else(|| Error::input(
            Location::file(path),
            "the file is one JSON object that benchgate cannot place: it reads JSONL (an object per line), a JSON array of objects, CSV/TSV, lm-eval samples, promptfoo output, Inspect AI logs, DeepEval test runs and OpenAI evals logs; name the format with --input-format",
        )),
        // Neither: let the JSONL reader name the line at fault.
        Err(_) => Ok(Format::Jsonl),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).expect("in memory");
        gz.finish().expect("in memory")
    }

    #[test]
    fn gzip_jsonl_streams_to_the_same_rows_and_counts_compressed_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text: String = (0..5000)
            .map(|i| format!("{{\"id\": \"q{i}\", \"prediction\": \"answer {i}\", \"reference\": \"answer\", \"judge\": {i}}}\n"))
            .collect();
        assert!(text.len() > HEAD_BYTES, "past the head: the streaming path");
        let (plain, packed) = (dir.path().join("r.jsonl"), dir.path().join("r.jsonl.gz"));
        std::fs::write(&plain, &text).expect("write");
        std::fs::write(&packed, gzip(text.as_bytes())).expect("write");
        let counted = std::cell::Cell::new(0u64);
        let rows = load_with_progress(&packed, &FieldMap::default(), &|n| {
            counted.set(counted.get() + n)
        })
        .expect("loads")
        .rows;
        assert_eq!(
            rows,
            load(&plain, &FieldMap::default()).expect("loads").rows
        );
        assert_eq!(
            counted.get(),
            std::fs::metadata(&packed).expect("size").len()
        );

        // Cut short, it is an error that names the file, whichever path reads it.
        let whole = gzip(text.as_bytes());
        for cut in [whole.len() / 2, 40] {
            std::fs::write(&packed, &whole[..cut]).expect("write");
            let err = load(&packed, &FieldMap::default())
                .expect_err("truncated")
                .to_string();
            assert!(
                err.contains("r.jsonl.gz") && err.contains("gzip stream is corrupt"),
                "{err}"
            );
        }
    }

    #[test]
    fn bare_nan_in_a_tools_file_does_not_hide_its_format() {
        // Python's json writes NaN bare: the tools' documents and lines are
        // still told apart, and a plain JSONL file with one is still refused.
        let deepeval = "{\n  \"testCases\": [\n    {\"name\": \"a\", \"metricsData\": [{\"name\": \"M\", \"score\": NaN}]},\n    {\"name\": \"b\", \"metricsData\": [{\"name\": \"M\", \"score\": 0.5}]}\n  ]\n}\n";
        let inspect = "{\"eval\": {}, \"status\": \"success\", \"samples\": [{\"id\": 1, \"scores\": {\"m\": {\"value\": Infinity}}}, {\"id\": 2, \"scores\": {\"m\": {\"value\": 1}}}]}\n";
        let openai = "{\"spec\": {\"eval_name\": \"e\"}}\n{\"sample_id\": \"s\", \"type\": \"metrics\", \"data\": {\"score\": NaN}}\n{\"sample_id\": \"t\", \"type\": \"metrics\", \"data\": {\"score\": 1}}\n";
        for (text, tool) in [
            (deepeval, "deepeval"),
            (inspect, "inspect"),
            (openai, "openai-evals"),
        ] {
            let data = load_bytes(
                Path::new("run.json"),
                text.as_bytes().to_vec(),
                &FieldMap::default(),
            )
            .expect("reads");
            let info = data.tool.expect("a tool's file");
            assert_eq!(info.tool, tool);
            assert!(
                info.warnings
                    .iter()
                    .any(|w| w.contains("1 examples had a non-finite")),
                "{tool}: {:?}",
                info.warnings
            );
        }
        let err = load_bytes(
            Path::new("mine.jsonl"),
            b"{\"id\": \"a\", \"prediction\": \"x\", \"judge\": NaN}\n".to_vec(),
            &FieldMap::default(),
        )
        .expect_err("a plain file is the user's own");
        assert!(err.to_string().contains("non-finite number"), "{err}");
    }
}
