//! Loading result files into rows: JSONL (optionally gzip-compressed), JSON arrays,
//! CSV and TSV, lm-evaluation-harness samples, promptfoo output, Inspect AI logs,
//! DeepEval test runs, OpenAI evals logs, OpenTelemetry GenAI spans (OTLP JSON),
//! and benchgate's own baseline files (JSONL behind a header line).
//!
//! Each format is a reader (`reader::Reader`) in its own module, which also
//! says how to recognise a file of its own; `READERS` lists them in priority
//! order, and `--input-format auto` asks them all. Every reader turns a record
//! into the same [`Row`] through [`FieldMap`], so the rules for ids,
//! predictions, references, external scores and tags live in one place
//! ([`record`]). Errors name the file, line and field.

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
mod reader;
pub mod record;
pub mod source;
mod text;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
pub use record::{FieldMap, InputFormat, Row, Text, Value};
pub use source::BaselineSource;

use header::BaselineHeader;
pub use reader::ToolInfo;
use reader::{Loaded, Reader, Sniff};

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

/// Every reader, in priority order: when two recognise a file equally surely
/// (the same [`reader::Clue`]), the one listed first reads it. Each
/// `--input-format` value but `auto` picks its reader here directly.
static READERS: &[&dyn Reader] = &[
    &lm_eval::LmEval,
    &openai_evals::OpenAiEvals,
    &otlp::Otlp,
    &promptfoo::Promptfoo,
    &inspect::Inspect,
    &deepeval::DeepEval,
    &json::JsonArray,
    &delimited::CSV,
    &delimited::TSV,
    &json::Jsonl,
];

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
    let (reader, fields) = if header.is_some() {
        own_fields = FieldMap::default();
        (&json::Jsonl as &dyn Reader, &own_fields)
    } else {
        (detect_format(path, &bytes, fields.format)?, fields)
    };
    let Loaded { rows, tool } = reader.read(path, &bytes, fields)?;
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
            complete_first_line
                && detect_auto(path, head).is_ok_and(|r| r.format() == InputFormat::Jsonl)
        }
        _ => false,
    }
}

/// The reader `requested` names or, for `auto`, the one the file calls for.
fn detect_format(path: &Path, bytes: &[u8], requested: InputFormat) -> Result<&'static dyn Reader> {
    match READERS.iter().find(|r| r.format() == requested) {
        Some(reader) => Ok(*reader),
        None => detect_auto(path, bytes),
    }
}

/// The reader a file's name and content call for: the one with the strongest
/// [`reader::Clue`], the first listed in [`READERS`] among equals. So a zip
/// archive is an Inspect AI `.eval` log; `.csv`/`.tsv` go by name (a promptfoo
/// CSV export by its header); `[` opens a JSON array (lm-eval 0.4.0–0.4.2
/// samples when its first element is one); a first line that is an lm-eval
/// sample, an OpenAI evals spec (`spec`) or a promptfoo JSONL result, or a
/// document that is an OTLP traces document (`resourceSpans`, one per line or
/// one in all), promptfoo's object (`results.results`), an Inspect log (`eval`
/// and `samples`) or a DeepEval run (`testCases`, or `testRunData`) picks those
/// readers, bare `NaN`/`Infinity` or not; anything else is JSONL, but for one
/// JSON object over several lines, which is none of these: an error.
fn detect_auto(path: &Path, bytes: &[u8]) -> Result<&'static dyn Reader> {
    let file = Sniff::new(path, bytes);
    READERS
        .iter()
        .filter_map(|r| Some((r.sniff(&file)?, *r)))
        .min_by_key(|(clue, _)| *clue)
        .map(|(_, reader)| reader)
        // Only the JSONL reader's fallback is left: it declines one document.
        .ok_or_else(|| {
            Error::input(
                Location::file(path),
                format!(
                    "the file is one JSON object that benchgate cannot place: it reads {}; name the format with --input-format",
                    formats_read()
                ),
            )
        })
}

/// The formats benchgate reads, in `--input-format`'s order, as an error lists
/// them: "JSONL (an object per line), …, DeepEval test runs and OpenAI evals logs".
fn formats_read() -> String {
    use clap::ValueEnum as _;
    let mut names: Vec<&str> = Vec::new();
    for format in InputFormat::value_variants() {
        let listed = READERS
            .iter()
            .find(|r| r.format() == *format)
            .and_then(|r| r.listed_as());
        if let Some(name) = listed.filter(|n| !names.contains(n)) {
            names.push(name);
        }
    }
    match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
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
                    .any(|w| w.message.contains("1 examples had a non-finite")),
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

    #[test]
    fn every_input_format_but_auto_has_one_reader() {
        use clap::ValueEnum as _;
        for format in InputFormat::value_variants() {
            let readers = READERS.iter().filter(|r| r.format() == *format).count();
            let expected = usize::from(*format != InputFormat::Auto);
            assert_eq!(readers, expected, "{format:?}");
        }
    }

    #[test]
    fn detection_keeps_its_priorities() {
        use InputFormat::{
            Csv, Deepeval, Inspect, Json, Jsonl, LmEval, OpenaiEvals, Otlp, Promptfoo, Tsv,
        };
        let promptfoo_line =
            r#"{"testIdx": 0, "promptIdx": 0, "success": true, "prompt": {}, "provider": "x"}"#;
        let promptfoo_otlp = format!(
            "{}, \"resourceSpans\": []}}\n",
            &promptfoo_line[..promptfoo_line.len() - 1]
        );
        let promptfoo_twice = format!("{promptfoo_line}{promptfoo_line}\n");
        let cases: &[(&str, &str, Option<InputFormat>)] = &[
            // The name, but a zip archive is an Inspect log whatever its name.
            ("r.csv", "{\"spec\": {}}\n", Some(Csv)),
            ("R.TAB.GZ", "{\"spec\": {}}\n", Some(Tsv)),
            ("r.csv", "PK\u{3}\u{4}…", Some(Inspect)),
            ("r.jsonl", "PK\u{3}\u{4}…", Some(Inspect)),
            // Arrays.
            ("r.jsonl", "[{\"doc_id\": 0, \"resps\": []}]", Some(LmEval)),
            ("r.jsonl", "[1, 2]", Some(Json)),
            // The first record before the document's shape.
            (
                "r.jsonl",
                "{\"doc_id\": 0, \"resps\": [], \"eval\": {}, \"samples\": []}\n",
                Some(LmEval),
            ),
            (
                "r.jsonl",
                "{\"spec\": {}, \"testCases\": []}\n",
                Some(OpenaiEvals),
            ),
            ("r.jsonl", "{\"a\": NaN, \"spec\": {}}\n", Some(OpenaiEvals)),
            ("r.jsonl", &promptfoo_otlp, Some(Promptfoo)),
            // promptfoo's JSONL export before 0.110: two results on a line.
            ("r.jsonl", &promptfoo_twice, Some(Promptfoo)),
            // Documents, on one line or over several: OTLP, promptfoo, Inspect, DeepEval.
            (
                "r.jsonl",
                "{\"resourceSpans\": [], \"results\": {\"results\": []}}\n",
                Some(Otlp),
            ),
            (
                "r.jsonl",
                "{\"results\": {\"results\": []}, \"eval\": {}, \"samples\": 1}\n",
                Some(Promptfoo),
            ),
            (
                "r.jsonl",
                "{\"eval\": {}, \"samples\": 1, \"testRunData\": {}}\n",
                Some(Inspect),
            ),
            ("r.json", "{\n  \"testCases\": []\n}\n", Some(Deepeval)),
            ("r.json", "{\n  \"resource_spans\": []\n}\n", Some(Otlp)),
            // JSONL, unless one object over several lines is none of these.
            ("r.jsonl", "{\"testRunData\": 3}\n", Some(Jsonl)),
            ("r.jsonl", "{\"a\": 1}{\"b\": 2}\n", Some(Jsonl)),
            ("r.jsonl", "{\n  \"broken\": \n", Some(Jsonl)),
            ("r.jsonl", "hello", Some(Jsonl)),
            ("r.json", "{\n  \"nothing\": 1\n}\n", None),
            ("r.json", "{\n  \"doc_id\": 0, \"resps\": []\n}\n", None),
        ];
        for (name, text, expected) in cases {
            let found = detect_auto(Path::new(name), text.as_bytes()).map(|r| r.format());
            match expected {
                Some(format) => assert_eq!(found.ok(), Some(*format), "{name}: {text}"),
                None => {
                    let err = found.expect_err(text).to_string();
                    assert!(err.ends_with("it reads JSONL (an object per line), a JSON array of objects, CSV/TSV, lm-eval samples, promptfoo output, Inspect AI logs, DeepEval test runs, OpenAI evals logs and OpenTelemetry GenAI spans (OTLP JSON); name the format with --input-format"), "{err}");
                }
            }
        }
    }
}
