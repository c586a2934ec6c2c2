//! What every input reader is: the [`Reader`] trait, the [`Sniff`] of a file
//! that each reader looks at to say whether the file is its own, and what a
//! reader gives back ([`Loaded`]: rows, and a tool's [`ToolInfo`]).
//!
//! The readers themselves live beside their formats (`lm_eval`, `promptfoo`,
//! `inspect`, …), each with its `sniff`; the registry that lists them in
//! priority order, and the detection that asks them, is `READERS` in
//! [`super`]. A reader says how sure it is with a [`Clue`]: the strongest clue
//! wins, and between equal clues the reader listed first. So a zip archive is
//! an Inspect log whatever its name, a `.csv` file is read as CSV whatever its
//! first line, and a first line that is an lm-eval sample is one even if it
//! also holds the keys of another tool's document.

use std::cell::OnceCell;
use std::path::Path;

use serde_json::Value as Json;

use super::non_finite;
use super::record::{FieldMap, InputFormat, Row};
use crate::error::Result;

/// One input format: how to recognise a file of it, and how to read one.
pub(crate) trait Reader: Sync {
    /// The `--input-format` value that picks this reader.
    fn format(&self) -> InputFormat;

    /// How the error for a file no reader recognises lists this format among
    /// those benchgate reads (`lm-eval samples`); `None` leaves it out.
    fn listed_as(&self) -> Option<&'static str>;

    /// Whether the file looks like one of this format's, and from what.
    fn sniff(&self, file: &Sniff) -> Option<Clue>;

    /// The rows of a file of this format (already decompressed) and what its
    /// tool says beyond them.
    fn read(&self, path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Loaded>;
}

/// What a reader recognised a file by, strongest first: the detection takes
/// the strongest clue any reader has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Clue {
    /// The file's first bytes (a zip archive's local file header).
    Magic,
    /// The file's name (`.csv`, `.tsv`).
    Name,
    /// The first record: the first line's object, or the first element of a
    /// JSON array.
    Record,
    /// The document: the first line's object (a tool that writes one document
    /// per line), or the whole text when its first line is not one whole
    /// object (a pretty-printed document); or a JSON array.
    Document,
    /// Nothing else: how a file that shows no format's shape is read.
    Fallback,
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
    pub warnings: Vec<crate::diagnostic::Warning>,
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

/// What a reader read: the rows, and for a tool's file what the tool says
/// beyond them.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// Rows in file order.
    pub rows: Vec<Row>,
    /// `None` for the user's own formats (JSONL, JSON, CSV, TSV, OTLP).
    pub tool: Option<ToolInfo>,
}

impl From<Vec<Row>> for Loaded {
    fn from(rows: Vec<Row>) -> Self {
        Loaded { rows, tool: None }
    }
}

impl From<(Vec<Row>, ToolInfo)> for Loaded {
    fn from((rows, tool): (Vec<Row>, ToolInfo)) -> Self {
        Loaded {
            rows,
            tool: Some(tool),
        }
    }
}

/// What the readers look at to recognise a file, computed once for all of
/// them: its name, its first bytes, its first line parsed, and (only when a
/// reader asks and the first line is not one whole object) the whole text
/// parsed. A tool's file may hold Python's bare `NaN`/`Infinity`, which its
/// reader reads ([`non_finite`]): they do not hide the file's shape, so the
/// JSON is parsed after [`non_finite::quote`]. (A plain file with them is
/// still plain JSONL, whose reader refuses them by name.)
pub(crate) struct Sniff<'a> {
    /// The file name, lowercased, without a final `.gz`.
    pub name: String,
    /// The bytes, decompressed: a zip archive is recognised by these.
    pub bytes: &'a [u8],
    /// The bytes after a UTF-8 byte-order mark and leading white space.
    pub text: &'a [u8],
    /// The first line when the text opens an object and the line is one
    /// whole JSON value.
    line: Option<Json>,
    /// The first JSON value on the first line, when the line is not one whole
    /// value (promptfoo's JSONL export before 0.110 could put two results on
    /// a line).
    line_start: Option<Json>,
    /// The whole text parsed, when the first line is not one whole object.
    whole: OnceCell<Option<Json>>,
}

impl<'a> Sniff<'a> {
    /// The sniff of a file named `path` whose (decompressed) bytes are `bytes`.
    pub(crate) fn new(path: &Path, bytes: &'a [u8]) -> Self {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let name = match name.strip_suffix(".gz") {
            Some(stem) => stem.to_string(),
            None => name,
        };
        let text = bytes
            .strip_prefix(b"\xef\xbb\xbf".as_slice())
            .unwrap_or(bytes)
            .trim_ascii_start();
        let (mut line, mut line_start) = (None, None);
        if text.first() == Some(&b'{') {
            let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
            let first = non_finite::quote(first);
            line = serde_json::from_slice::<Json>(&first).ok();
            if line.is_none() {
                let mut values = serde_json::Deserializer::from_slice(&first).into_iter::<Json>();
                line_start = values.next().and_then(std::result::Result::ok);
            }
        }
        Sniff {
            name,
            bytes,
            text,
            line,
            line_start,
            whole: OnceCell::new(),
        }
    }

    /// Whether the file's name (lowercased, without `.gz`) ends in one of
    /// `extensions`.
    pub(crate) fn named(&self, extensions: &[&str]) -> bool {
        extensions.iter().any(|e| self.name.ends_with(e))
    }

    /// Whether the text opens a JSON array.
    pub(crate) fn opens_array(&self) -> bool {
        self.text.first() == Some(&b'[')
    }

    /// The first line's object, when the first line is one whole JSON value.
    pub(crate) fn line(&self) -> Option<&Json> {
        self.line.as_ref()
    }

    /// The first JSON value on the first line, whether or not the line holds
    /// more.
    pub(crate) fn first_value(&self) -> Option<&Json> {
        self.line.as_ref().or(self.line_start.as_ref())
    }

    /// The document: the first line's object, or when the first line is not
    /// one whole value, the whole text (a pretty-printed document), parsed
    /// the first time a reader asks.
    pub(crate) fn document(&self) -> Option<&Json> {
        self.line.as_ref().or_else(|| self.whole().as_ref())
    }

    /// Whether the text is one JSON object spread over lines: a document, not
    /// JSON Lines.
    pub(crate) fn is_one_document(&self) -> bool {
        self.line.is_none() && self.whole().is_some()
    }

    fn whole(&self) -> &Option<Json> {
        self.whole.get_or_init(|| {
            if self.text.first() == Some(&b'{') {
                serde_json::from_slice(&non_finite::quote(self.text)).ok()
            } else {
                None
            }
        })
    }
}
