//! The review sheet on disk: written as CSV (any spreadsheet) or markdown (a
//! PR), read back as CSV.
//!
//! Columns: `row`, `id`, `input`, `reference`, `output_a`, `output_b`, then the
//! reviewer's `preference` (A, B or tie), optional `score_a` and `score_b`
//! (1–5) and `note`. Reading is forgiving where a spreadsheet is: blank rows
//! are skipped, rows may be re-sorted (the `row` column travels with them),
//! headers and answers are read case-insensitively with surrounding spaces
//! ignored. A row left without a preference counts as not reviewed. Every row
//! that cannot be read is named, all at once.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Error, Location, Result};

use super::sample::SheetRow;

/// The sheet's header, in order.
pub const COLUMNS: [&str; 10] = [
    "row",
    "id",
    "input",
    "reference",
    "output_a",
    "output_b",
    "preference",
    "score_a",
    "score_b",
    "note",
];

/// The reviewer's answer to "which output is better?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preference {
    /// Output A.
    A,
    /// Output B.
    B,
    /// Neither.
    Tie,
}

/// One filled row as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The sheet's row number.
    pub row: usize,
    /// The id on the row.
    pub id: String,
    /// The preference; `None` when left blank (not reviewed).
    pub preference: Option<Preference>,
    /// Optional 1–5 scores of A and B.
    pub scores: [Option<u8>; 2],
    /// The note.
    pub note: String,
    /// Line in the file (1-based).
    pub line: usize,
}

fn references_cell(refs: &[String]) -> String {
    match refs {
        [] => String::new(),
        [one] => one.clone(),
        many => many
            .iter()
            .enumerate()
            .map(|(i, r)| format!("[{}] {r}", i + 1))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// A cell a spreadsheet will not run as a formula: text starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'` (model outputs and
/// inputs are untrusted; OWASP's advice against CSV injection).
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The sheet as CSV text. Text cells go through [`spreadsheet_safe`].
pub fn to_csv(rows: &[SheetRow]) -> Result<String> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let err = |e: csv::Error| Error::Internal(format!("cannot write the review sheet: {e}"));
    w.write_record(COLUMNS).map_err(err)?;
    for r in rows {
        w.write_record([
            r.row.to_string().as_str(),
            &spreadsheet_safe(&r.id),
            &spreadsheet_safe(&r.input),
            &spreadsheet_safe(&references_cell(&r.references)),
            &spreadsheet_safe(&r.output_a),
            &spreadsheet_safe(&r.output_b),
            "",
            "",
            "",
            "",
        ])
        .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("cannot write the review sheet: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|e| Error::Internal(format!("cannot write the review sheet: {e}")))
}

/// One live input to complete with a reference (`monitor --review-out`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceRow {
    /// Row number (1-based).
    pub row: usize,
    /// The log row's id.
    pub id: String,
    /// The slice field's name and the row's value, when sliced.
    pub slice: Option<(String, String)>,
    /// The input.
    pub input: String,
    /// What the model answered live.
    pub output: String,
    /// Similarity with the nearest benchmark input.
    pub similarity: f64,
}

/// Columns of a reference sheet after the slice column.
pub const REFERENCE_COLUMNS: [&str; 7] = [
    "row",
    "id",
    "input",
    "output",
    "similarity",
    "reference",
    "note",
];

/// A sheet of live inputs for a person to complete with references (blank
/// `reference` and `note` columns; the slice field, when there is one, as its
/// own column). Filled in, it is a result file benchgate reads (`id`, `input`,
/// `output` as the prediction, `reference`, the slice as a tag): the rows to
/// add to the benchmark, and a score of the live answers against them. Text
/// cells go through [`spreadsheet_safe`].
pub fn to_reference_csv(rows: &[ReferenceRow]) -> Result<String> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let err = |e: csv::Error| Error::Internal(format!("cannot write the review sheet: {e}"));
    let slice_name = rows
        .iter()
        .find_map(|r| r.slice.as_ref().map(|s| s.0.clone()));
    let mut header: Vec<String> = REFERENCE_COLUMNS.iter().map(|c| (*c).to_string()).collect();
    if let Some(name) = &slice_name {
        header.insert(2, name.clone());
    }
    w.write_record(&header).map_err(err)?;
    for r in rows {
        let mut record = vec![
            r.row.to_string(),
            spreadsheet_safe(&r.id),
            spreadsheet_safe(&r.input),
            spreadsheet_safe(&r.output),
            format!("{:.3}", r.similarity),
            String::new(),
            String::new(),
        ];
        if slice_name.is_some() {
            let value = r.slice.as_ref().map_or("", |s| s.1.as_str());
            record.insert(2, spreadsheet_safe(value));
        }
        w.write_record(&record).map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("cannot write the review sheet: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|e| Error::Internal(format!("cannot write the review sheet: {e}")))
}

/// The answer lines of a markdown sheet, in the order of `preference`,
/// `score_a`, `score_b`, `note`.
const ANSWER_LABELS: [&str; 4] = [
    "Preference (A / B / tie)",
    "Score A (1–5)",
    "Score B (1–5)",
    "Note",
];

/// The sheet as markdown, for reviewing in a PR: one section per row with the
/// texts in fenced blocks and answer lines to complete after their colon.
pub fn to_markdown(rows: &[SheetRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Review sheet ({} rows)\n", rows.len());
    let _ = writeln!(
        out,
        "For each row, write after the colon which output is better for this input: **A**, **B** or **tie**; optionally a 1–5 score for each and a note. The outputs are in a random order per row. Keep the `## Row N` headings: `benchgate review score` reads this file back.\n"
    );
    let block = |out: &mut String, title: &str, text: &str| {
        let fence = crate::escape::fence_for(text);
        let _ = writeln!(out, "**{title}**\n\n{fence}text\n{text}\n{fence}\n");
    };
    for r in rows {
        let _ = writeln!(out, "## Row {} · {}\n", r.row, crate::escape::inline(&r.id));
        if !r.input.is_empty() {
            block(&mut out, "Input", &r.input);
        }
        if !r.references.is_empty() {
            block(&mut out, "Reference", &references_cell(&r.references));
        }
        block(&mut out, "A", &r.output_a);
        block(&mut out, "B", &r.output_b);
        for label in ANSWER_LABELS {
            let _ = writeln!(out, "- {label}: ");
        }
        out.push('\n');
    }
    out
}

#[cfg(any(test, feature = "internals"))]
/// Reads a filled sheet: markdown when its name ends in `.md`, else CSV. Every
/// unreadable row is reported in one error.
pub fn read(path: &Path) -> Result<Vec<Answer>> {
    let (answers, problems) = read_lenient(path)?;
    if problems.is_empty() {
        Ok(answers)
    } else {
        Err(Error::Rows(problems))
    }
}

/// Reads a filled sheet, returning the rows it could read and a problem for
/// each it could not; fails outright only when the file or its header cannot
/// be read.
pub fn read_lenient(path: &Path) -> Result<(Vec<Answer>, Vec<Error>)> {
    let raw = std::fs::read(path).map_err(|cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md"))
    {
        let text = String::from_utf8(raw).map_err(|_| {
            Error::input(
                Location::file(path),
                "the sheet is not valid UTF-8; save it as UTF-8",
            )
        })?;
        return read_markdown(path, &text);
    }
    let raw = raw
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(&raw)
        .to_vec();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(raw.as_slice());
    let headers = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        index.entry(h.trim().to_lowercase()).or_insert(i);
    }
    for required in ["row", "id", "preference"] {
        if !index.contains_key(required) {
            return Err(Error::input(
                Location::file(path).at_line(1).with_field(required),
                format!(
                    "the header has no \"{required}\" column (found: {}); keep the columns `review sample` wrote",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    let mut answers = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(csv_error(path, &e));
                continue;
            }
        };
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |name: &str| {
            index
                .get(name)
                .and_then(|&i| record.get(i))
                .unwrap_or("")
                .trim()
        };
        let at = |field: &str| Location::file(path).at_line(line).with_field(field);
        let row = match get("row").parse::<usize>() {
            Ok(r) if r > 0 => r,
            _ => {
                problems.push(Error::input(
                    at("row"),
                    format!(
                        "\"{}\" is not a row number; keep the row column as `review sample` wrote it",
                        get("row")
                    ),
                ));
                continue;
            }
        };
        let cells = [
            get("preference"),
            get("score_a"),
            get("score_b"),
            get("note"),
        ];
        match answer(path, line, row, get("id"), cells) {
            Ok(a) => answers.push(a),
            Err(e) => problems.extend(e),
        }
    }
    Ok((answers, problems))
}

/// Reads a markdown sheet: rows start at `## Row N`, answers follow their
/// label's colon. The id is taken from the key (headings are escaped text).
fn read_markdown(path: &Path, text: &str) -> Result<(Vec<Answer>, Vec<Error>)> {
    let mut answers = Vec::new();
    let mut problems = Vec::new();
    // (row, heading line, [preference, score_a, score_b, note])
    let mut current: Option<(usize, usize, [String; 4])> = None;
    let finish = |cur: Option<(usize, usize, [String; 4])>,
                  answers: &mut Vec<Answer>,
                  problems: &mut Vec<Error>| {
        if let Some((row, line, cells)) = cur {
            let refs = [
                cells[0].as_str(),
                cells[1].as_str(),
                cells[2].as_str(),
                cells[3].as_str(),
            ];
            match answer(path, line, row, "", refs) {
                Ok(a) => answers.push(a),
                Err(e) => problems.extend(e),
            }
        }
    };
    let mut in_fence: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(f) = &in_fence {
            if line == f.as_str() {
                in_fence = None;
            }
            continue;
        }
        if line.starts_with("```") || line.starts_with("~~~") {
            let fence: String = line
                .chars()
                .take_while(|c| *c == '`' || *c == '~')
                .collect();
            in_fence = Some(fence);
            continue;
        }
        if let Some(rest) = line.strip_prefix("## Row ") {
            finish(current.take(), &mut answers, &mut problems);
            let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
            match number.parse::<usize>() {
                Ok(r) if r > 0 => current = Some((r, i + 1, Default::default())),
                _ => problems.push(Error::input(
                    Location::file(path).at_line(i + 1).with_field("row"),
                    format!(
                        "\"{line}\" does not start with a row number; keep the headings as written"
                    ),
                )),
            }
            continue;
        }
        let Some((_, _, cells)) = current.as_mut() else {
            continue;
        };
        let item = line.trim_start_matches(['-', '*']).trim_start();
        for (slot, label) in cells.iter_mut().zip(ANSWER_LABELS) {
            if let Some(value) = item
                .strip_prefix(label)
                .and_then(|v| v.trim_start().strip_prefix(':'))
            {
                *slot = value.trim().trim_matches('*').trim().to_string();
            }
        }
    }
    finish(current.take(), &mut answers, &mut problems);
    Ok((answers, problems))
}

/// One answer from its cells (preference, score_a, score_b, note), or the
/// problems of the row.
fn answer(
    path: &Path,
    line: usize,
    row: usize,
    id: &str,
    cells: [&str; 4],
) -> std::result::Result<Answer, Vec<Error>> {
    let at = |field: &str| Location::file(path).at_line(line).with_field(field);
    let mut problems = Vec::new();
    let preference = match cells[0].to_lowercase().as_str() {
        "" => None,
        "a" => Some(Preference::A),
        "b" => Some(Preference::B),
        "tie" => Some(Preference::Tie),
        _ => {
            problems.push(Error::input(
                at("preference"),
                format!(
                    "row {row}: \"{}\" is not A, B or tie (leave it empty for a row not reviewed)",
                    cells[0]
                ),
            ));
            None
        }
    };
    let mut scores = [None, None];
    for ((slot, field), text) in scores
        .iter_mut()
        .zip(["score_a", "score_b"])
        .zip(&cells[1..3])
    {
        if text.is_empty() {
            continue;
        }
        match text.parse::<f64>() {
            Ok(x) if x.fract() == 0.0 && (1.0..=5.0).contains(&x) => *slot = Some(x as u8),
            _ => problems.push(Error::input(
                at(field),
                format!("row {row}: \"{text}\" is not a whole number from 1 to 5 (or empty)"),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Answer {
        row,
        id: id.to_string(),
        preference,
        scores,
        note: cells[3].to_string(),
        line,
    })
}

fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let mut loc = Location::file(path);
    if let Some(p) = e.position() {
        loc = loc.at_line(usize::try_from(p.line()).unwrap_or(usize::MAX));
    }
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "the row is not valid UTF-8; save the sheet as UTF-8 CSV".to_string()
        }
        _ => format!("the row cannot be read as CSV: {e}"),
    };
    Error::input(loc, message)
}
