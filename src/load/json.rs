//! JSON Lines and JSON array readers.

use std::path::Path;

use serde_json::value::RawValue;

use super::record::{FieldMap, Row, Value};
use crate::error::{Error, Location, Result};

/// Reads one JSON object per line; blank lines are skipped, CRLF and a BOM accepted.
pub fn read_jsonl(path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Vec<Row>> {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    let mut rows = Vec::new();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let loc = Location::file(path).at_line(index + 1);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(raw).map_err(|e| {
            Error::input(
                loc.clone().at_column(e.valid_up_to() + 1),
                "the line is not valid UTF-8; re-encode the file as UTF-8",
            )
        })?;
        if line.trim().is_empty() {
            continue;
        }
        rows.push(parse_object(line, &loc, fields)?);
    }
    Ok(rows)
}

/// Reads a JSON array of objects; each element's line is found from its offset.
pub fn read_array(path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Vec<Row>> {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = line_of(bytes, e.valid_up_to());
        Error::input(
            Location::file(path).at_line(line),
            "the file is not valid UTF-8; re-encode it as UTF-8",
        )
    })?;
    let items: Vec<&RawValue> =
        serde_json::from_str(text).map_err(|e| json_error(path, 1, text, &e))?;
    let base = text.as_ptr() as usize;
    items
        .iter()
        .map(|item| {
            let offset = item.get().as_ptr() as usize - base;
            let loc = Location::file(path).at_line(line_of(text.as_bytes(), offset));
            parse_object(item.get(), &loc, fields)
        })
        .collect()
}

/// The non-blank lines of a JSON Lines file with their locations, each parsed
/// as a JSON value (BOM and CRLF accepted); for readers of JSONL dialects.
pub(super) fn values<'a>(
    path: &'a Path,
    bytes: &'a [u8],
) -> impl Iterator<Item = Result<(Location, serde_json::Value)>> + 'a {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, raw)| !raw.trim_ascii().is_empty())
        .map(move |(index, raw)| {
            let loc = Location::file(path).at_line(index + 1);
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line = std::str::from_utf8(raw).map_err(|e| {
                Error::input(
                    loc.clone().at_column(e.valid_up_to() + 1),
                    "the line is not valid UTF-8; re-encode the file as UTF-8",
                )
            })?;
            let value =
                serde_json::from_str(line).map_err(|e| json_error(path, index + 1, line, &e))?;
            Ok((loc, value))
        })
}

pub(super) fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn parse_object(text: &str, loc: &Location, fields: &FieldMap) -> Result<Row> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| json_error(&loc.path, loc.line.unwrap_or(1), text, &e))?;
    let serde_json::Value::Object(map) = value else {
        return Err(Error::input(
            loc.clone(),
            format!("expected a JSON object per example, found {}", kind(&value)),
        ));
    };
    let pairs = map.into_iter().map(|(k, v)| {
        let v = convert(v);
        (k, v)
    });
    Row::from_fields(pairs, fields, loc)
}

/// `first_line` is the file line on which `text` starts.
pub(super) fn json_error(
    path: &Path,
    first_line: usize,
    text: &str,
    e: &serde_json::Error,
) -> Error {
    let loc = Location::file(path)
        .at_line(first_line + e.line().max(1) - 1)
        .at_column(e.column().max(1));
    let bad_line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
    let rest = bad_line.get(e.column().saturating_sub(1)..).unwrap_or("");
    let non_finite = ["NaN", "Infinity", "-Infinity", "inf", "-inf", "nan"]
        .iter()
        .any(|t| rest.starts_with(t));
    if non_finite {
        return Error::input(
            loc,
            "non-finite number (NaN or Infinity) is not valid JSON and cannot be scored; write null or drop the field",
        );
    }
    let message = e.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message);
    Error::input(loc, format!("malformed JSON: {message}"))
}

pub(super) fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn convert(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(x) if x.is_finite() => Value::Number(x),
            _ => Value::Other("a number out of range"),
        },
        serde_json::Value::String(s) => Value::Text(s),
        serde_json::Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    serde_json::Value::String(s) => out.push(s),
                    _ => return Value::Other("a list that is not all strings"),
                }
            }
            Value::TextList(out)
        }
        serde_json::Value::Object(_) => Value::Other("an object"),
    }
}
