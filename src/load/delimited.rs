//! CSV and TSV readers (header row required).
//!
//! Cells that parse as finite numbers become numbers; `nan`/`inf` are rejected
//! because no statistic can use them (a user's own file writes a missing value
//! as an empty cell; a tool's files follow [`super::non_finite`]); empty cells
//! count as absent.

use std::path::Path;

use super::reader::{Clue, Loaded, Reader, Sniff};
use super::record::{FieldMap, InputFormat, Row, Value};
use crate::error::{Error, Location, Result};

/// A delimited format: recognised by its file name alone.
pub(super) struct Delimited {
    format: InputFormat,
    delimiter: u8,
    /// The endings of the names of its files (lowercase, after `.gz`).
    extensions: &'static [&'static str],
}

/// Comma-separated values.
pub(super) const CSV: Delimited = Delimited {
    format: InputFormat::Csv,
    delimiter: b',',
    extensions: &[".csv"],
};

/// Tab-separated values.
pub(super) const TSV: Delimited = Delimited {
    format: InputFormat::Tsv,
    delimiter: b'\t',
    extensions: &[".tsv", ".tab"],
};

impl Reader for Delimited {
    fn format(&self) -> InputFormat {
        self.format
    }

    fn listed_as(&self) -> Option<&'static str> {
        Some("CSV/TSV")
    }

    fn sniff(&self, file: &Sniff) -> Option<Clue> {
        file.named(self.extensions).then_some(Clue::Name)
    }

    fn read(&self, path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Loaded> {
        read(path, bytes, self.delimiter, fields).map(Loaded::from)
    }
}

/// Reads a delimited file with a header row.
fn read(path: &Path, bytes: &[u8], delimiter: u8, fields: &FieldMap) -> Result<Vec<Row>> {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let kind = if delimiter == b'\t' { "TSV" } else { "CSV" };
    let csv_err = |e: csv::Error| csv_error(path, kind, &e);
    let headers = reader.byte_headers().map_err(csv_err)?.clone();
    let mut names = Vec::with_capacity(headers.len());
    for (col, h) in headers.iter().enumerate() {
        let name = std::str::from_utf8(h).map_err(|_| {
            Error::input(
                Location::file(path).at_line(1).at_column(col + 1),
                "the header is not valid UTF-8",
            )
        })?;
        names.push(name.trim().to_string());
    }
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(csv_err)? {
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        let loc = Location::file(path).at_line(line);
        let mut pairs = Vec::with_capacity(names.len());
        for (name, cell) in names.iter().zip(record.iter()) {
            let text = std::str::from_utf8(cell).map_err(|_| {
                Error::input(
                    loc.clone().with_field(name),
                    "the cell is not valid UTF-8; re-encode the file as UTF-8",
                )
            })?;
            pairs.push((name.clone(), cell_value(text, &loc, name, fields)?));
        }
        rows.push(Row::from_fields(pairs, fields, &loc)?);
    }
    Ok(rows)
}

fn cell_value(text: &str, loc: &Location, name: &str, fields: &FieldMap) -> Result<Value> {
    if text.is_empty() {
        return Ok(Value::Null);
    }
    // Mapped text fields stay text even when they look numeric ("42" as an answer).
    let mapped = [
        &fields.prediction,
        &fields.reference,
        &fields.input,
        &fields.id,
    ]
    .iter()
    .any(|names| names.iter().any(|n| n == name));
    if mapped {
        return Ok(Value::Text(text.into()));
    }
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    let lower = lower.trim_start_matches(['+', '-']);
    if matches!(lower, "nan" | "inf" | "infinity") {
        return Err(Error::input(
            loc.clone().with_field(name),
            format!("non-finite number \"{trimmed}\" cannot be scored; leave the cell empty or drop the row"),
        ));
    }
    match trimmed.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Value::Number(x)),
        Ok(_) => Err(Error::input(
            loc.clone().with_field(name),
            format!("number \"{trimmed}\" is out of range"),
        )),
        Err(_) => Ok(Value::Text(text.into())),
    }
}

/// A CSV reader's error as benchgate says it: the file, the line, and what is
/// wrong (`kind` is "CSV" or "TSV").
pub(super) fn csv_error(path: &Path, kind: &str, e: &csv::Error) -> Error {
    let mut loc = Location::file(path);
    if let Some(pos) = e.position() {
        loc = loc.at_line(usize::try_from(pos.line()).unwrap_or(usize::MAX));
    }
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("malformed {kind}: the row has {len} fields but the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => {
            "the file is not valid UTF-8; re-encode it as UTF-8".to_string()
        }
        _ => format!("malformed {kind}: {e}"),
    };
    Error::input(loc, msg)
}
