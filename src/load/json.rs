//! JSON Lines and JSON array readers.
//!
//! These read the user's own files, held to JSON itself: a bare `NaN` or
//! `Infinity` is an error naming the line and column, asking for `null`
//! ([`json_error`]). A tool's files, which Python writes with those tokens,
//! follow [`super::non_finite`] instead.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::reader::{Clue, Loaded, Reader, Sniff};
use super::record::{FieldMap, InputFormat, Row, Text, Value};
use crate::error::{Error, Location, Result};

/// Bytes per piece of a JSONL file parsed as one task: large enough to amortise
/// scheduling, small enough to keep every core busy to the end.
const PIECE_BYTES: usize = 1 << 20;

/// The JSON Lines reader: what a file is read as when no other reader
/// recognises it, unless it is one JSON object spread over lines (a document
/// of no format benchgate knows, which is an error rather than a JSONL file
/// failing on its second line).
pub(super) struct Jsonl;

impl Reader for Jsonl {
    fn format(&self) -> InputFormat {
        InputFormat::Jsonl
    }

    fn listed_as(&self) -> Option<&'static str> {
        Some("JSONL (an object per line)")
    }

    fn sniff(&self, file: &Sniff) -> Option<Clue> {
        (!file.is_one_document()).then_some(Clue::Fallback)
    }

    fn read(&self, path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Loaded> {
        read_jsonl(path, bytes, fields).map(Loaded::from)
    }
}

/// The JSON array reader: a text that opens with `[`.
pub(super) struct JsonArray;

impl Reader for JsonArray {
    fn format(&self) -> InputFormat {
        InputFormat::Json
    }

    fn listed_as(&self) -> Option<&'static str> {
        Some("a JSON array of objects")
    }

    fn sniff(&self, file: &Sniff) -> Option<Clue> {
        file.opens_array().then_some(Clue::Document)
    }

    fn read(&self, path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Loaded> {
        read_array(path, bytes, fields).map(Loaded::from)
    }
}

/// Reads one JSON object per line; blank lines are skipped, CRLF and a BOM accepted.
fn read_jsonl(path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Vec<Row>> {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    let block = text_block(path, bytes, 1, fields, PIECE_BYTES)?;
    let mut rows = Vec::new();
    read_jsonl_block(path, block, 1, fields, PIECE_BYTES, &mut rows)?;
    Ok(rows)
}

/// Whole lines `bytes` (whose first line is line `first` of the file) as
/// text. When a line is not valid UTF-8 the error is the first bad line of the
/// block, JSON errors before it included.
fn text_block<'a>(
    path: &Path,
    bytes: &'a [u8],
    first: usize,
    fields: &FieldMap,
    piece: usize,
) -> Result<&'a str> {
    let e = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let bad = e.valid_up_to();
    let start = memchr::memrchr(b'\n', &bytes[..bad]).map_or(0, |i| i + 1);
    let before = String::from_utf8_lossy(&bytes[..start]);
    read_jsonl_block(path, &before, first, fields, piece, &mut Vec::new())?;
    Err(Error::input(
        Location::file(path)
            .at_line(first + memchr::memchr_iter(b'\n', &bytes[..bad]).count())
            .at_column(bad - start + 1),
        "the line is not valid UTF-8; re-encode the file as UTF-8",
    ))
}

/// Bytes read from a file at a time by [`read_jsonl_stream`].
const BLOCK_BYTES: usize = 64 << 20;

/// Bytes read at a time by [`each_jsonl_block`]: its caller keeps little of
/// each row, so a block's rows are most of what is in memory.
const EACH_BLOCK_BYTES: usize = 8 << 20;

/// [`read_jsonl`] over a reader, a block at a time, so that the file's bytes
/// are never all in memory; `start` holds bytes already read from it.
pub fn read_jsonl_stream(
    path: &Path,
    start: Vec<u8>,
    reader: &mut (impl Read + ?Sized),
    fields: &FieldMap,
    progress: &dyn Fn(u64),
) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    read_blocks(
        path,
        start,
        reader,
        fields,
        progress,
        (BLOCK_BYTES, PIECE_BYTES),
        &mut |mut block| {
            rows.append(&mut block);
            Ok(())
        },
    )?;
    Ok(rows)
}

/// [`read_jsonl_stream`] handing the rows to `each` a block at a time, in
/// file order, instead of collecting them: for a caller that keeps only part
/// of each row (`monitor`), the rows are never all in memory either.
pub fn each_jsonl_block(
    path: &Path,
    start: Vec<u8>,
    reader: &mut (impl Read + ?Sized),
    fields: &FieldMap,
    each: &mut dyn FnMut(Vec<Row>) -> Result<()>,
) -> Result<()> {
    read_blocks(
        path,
        start,
        reader,
        fields,
        &|_| {},
        (EACH_BLOCK_BYTES, PIECE_BYTES),
        each,
    )
}

/// [`read_jsonl_stream`] with the block and piece sizes as parameters (tests
/// use tiny ones to cross every boundary).
fn read_blocks(
    path: &Path,
    start: Vec<u8>,
    reader: &mut (impl Read + ?Sized),
    fields: &FieldMap,
    progress: &dyn Fn(u64),
    (block, piece): (usize, usize),
    each: &mut dyn FnMut(Vec<Row>) -> Result<()>,
) -> Result<()> {
    let io = |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    };
    progress(start.len() as u64);
    let mut buf = start;
    if buf.starts_with(b"\xef\xbb\xbf") {
        buf.drain(..3);
    }
    let mut line = 1;
    let mut eof = false;
    while !eof {
        // Fill to a block, then parse the whole lines and keep the partial one.
        let want = block.saturating_sub(buf.len()).max(piece);
        let got = (&mut *reader)
            .take(want as u64)
            .read_to_end(&mut buf)
            .map_err(io)?;
        eof = got < want;
        progress(got as u64);
        let whole = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                // One line longer than a block: read on until it ends.
                None => continue,
            }
        };
        let text = text_block(path, &buf[..whole], line, fields, piece)?;
        let mut rows = Vec::new();
        line += read_jsonl_block(path, text, line, fields, piece, &mut rows)?;
        buf.drain(..whole);
        if !rows.is_empty() {
            each(rows)?;
        }
    }
    Ok(())
}

/// Parses the whole lines in `bytes` (first line `first`) in parallel, appending
/// rows in file order; returns the number of newlines read.
///
/// The bytes are cut at line ends into pieces parsed in parallel; when several
/// lines are bad the error is the first one in the file, as a sequential reader
/// would report.
fn read_jsonl_block(
    path: &Path,
    text: &str,
    first: usize,
    fields: &FieldMap,
    piece_bytes: usize,
    rows: &mut Vec<Row>,
) -> Result<usize> {
    let pieces = pieces(text, piece_bytes);
    let newlines: Vec<usize> = pieces
        .par_iter()
        .map(|p| memchr::memchr_iter(b'\n', p.as_bytes()).count())
        .collect();
    let mut first_lines = Vec::with_capacity(pieces.len());
    let mut line = first;
    for n in newlines {
        first_lines.push(line);
        line += n;
    }
    let parsed: Vec<Result<Vec<Row>>> = pieces
        .par_iter()
        .zip(first_lines)
        .map(|(piece, first)| read_lines(path, piece, first, fields))
        .collect();
    rows.reserve(parsed.iter().map(|p| p.as_ref().map_or(0, Vec::len)).sum());
    for piece in parsed {
        rows.extend(piece?);
    }
    Ok(line - first)
}

/// `text` cut into pieces of about `size` bytes, each ending after a newline
/// (the last at the end of the input).
fn pieces(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::with_capacity(text.len() / size + 1);
    let mut rest = text;
    while rest.len() > size {
        match memchr::memchr(b'\n', &rest.as_bytes()[size..]) {
            Some(i) => {
                let (piece, tail) = rest.split_at(size + i + 1);
                out.push(piece);
                rest = tail;
            }
            None => break,
        }
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// The rows of whole lines `piece`, whose first line is line `first` of the file.
///
/// The piece is copied once into a shared buffer; the rows' texts are ranges
/// of it (see [`Text`]) rather than copies of their own.
fn read_lines(path: &Path, piece: &str, first: usize, fields: &FieldMap) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    // One location for the piece, its line moved along: no path copy per row.
    let mut loc = Location::file(path);
    // The piece's own copy: its rows' texts point into it, and only this
    // thread counts references to it while the piece is parsed.
    let buf = Arc::new(piece.to_owned());
    for (index, line) in buf.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        loc.line = Some(first + index);
        rows.push(parse_line(&buf, line, &loc, fields)?);
    }
    Ok(rows)
}

/// One JSONL line (a slice of `buf`) into a row, without building a JSON
/// tree: keys and values that need no unescaping become ranges of `buf`.
fn parse_line(buf: &Arc<String>, text: &str, loc: &Location, fields: &FieldMap) -> Result<Row> {
    let key = |key| Key {
        buf,
        key: Cow::Borrowed(key),
    };
    if let Some(pairs) = super::flat::flat_object(buf, text, key) {
        return Row::from_fields(pairs, fields, loc);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let line = LineSeed(buf)
        .deserialize(&mut de)
        .and_then(|line| de.end().map(|()| line))
        .map_err(|e| json_error(&loc.path, loc.line.unwrap_or(1), text, &e))?;
    match line {
        Line::Object(pairs) => Row::from_fields(pairs, fields, loc),
        Line::Not(kind) => Err(Error::input(
            loc.clone(),
            format!("expected a JSON object per example, found {kind}"),
        )),
    }
}

/// A parsed line: an object's fields (a repeated key keeps its last value, as
/// in a JSON object read into a map), or the kind of the non-object found.
enum Line<'a> {
    Object(Vec<(Key<'a>, Value)>),
    Not(&'static str),
}

/// An object key, borrowed from the line unless it held escapes; it becomes a
/// [`Text`] (a range of the piece's buffer) only when a row keeps it.
struct Key<'a> {
    buf: &'a Arc<String>,
    key: Cow<'a, str>,
}

impl AsRef<str> for Key<'_> {
    fn as_ref(&self) -> &str {
        &self.key
    }
}

impl From<Key<'_>> for Text {
    fn from(k: Key<'_>) -> Text {
        match k.key {
            Cow::Borrowed(s) => Text::within(k.buf, s),
            Cow::Owned(s) => Text::from(s),
        }
    }
}

/// Reads a [`Line`] of a line that is a slice of the buffer.
struct LineSeed<'a>(&'a Arc<String>);

impl<'a> DeserializeSeed<'a> for LineSeed<'a> {
    type Value = Line<'a>;
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> std::result::Result<Line<'a>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'a> Visitor<'a> for LineSeed<'a> {
    type Value = Line<'a>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'a>>(self, mut map: A) -> std::result::Result<Line<'a>, A::Error> {
        let buf = self.0;
        let mut pairs: Vec<(Key<'a>, Value)> = Vec::with_capacity(8);
        // Rows have a handful of fields: a linear search finds a repeated key,
        // until a row with very many fields switches to an index.
        let mut index: Option<std::collections::HashMap<String, usize>> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let key = Key { buf, key };
            let value = map.next_value_seed(FieldSeed(buf))?;
            let found = match &mut index {
                Some(index) => index.get(key.as_ref()).copied(),
                None => pairs.iter().position(|(k, _)| k.key == key.key),
            };
            match found {
                Some(i) => pairs[i].1 = value,
                None => {
                    if let Some(index) = &mut index {
                        index.insert(key.as_ref().to_owned(), pairs.len());
                    }
                    pairs.push((key, value));
                    if index.is_none() && pairs.len() > 32 {
                        index = Some(
                            pairs
                                .iter()
                                .enumerate()
                                .map(|(i, (k, _))| (k.as_ref().to_owned(), i))
                                .collect(),
                        );
                    }
                }
            }
        }
        Ok(Line::Object(pairs))
    }
    fn visit_seq<A: SeqAccess<'a>>(self, mut seq: A) -> std::result::Result<Line<'a>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Line::Not("an array"))
    }
    fn visit_unit<E>(self) -> std::result::Result<Line<'a>, E> {
        Ok(Line::Not("null"))
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<Line<'a>, E> {
        Ok(Line::Not("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Line<'a>, E> {
        Ok(Line::Not("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Line<'a>, E> {
        Ok(Line::Not("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Line<'a>, E> {
        Ok(Line::Not("a number"))
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Line<'a>, E> {
        Ok(Line::Not("a string"))
    }
}

/// An object key, borrowed from the line unless it holds escapes.
struct KeySeed;

impl<'a> DeserializeSeed<'a> for KeySeed {
    type Value = Cow<'a, str>;
    fn deserialize<D: Deserializer<'a>>(self, d: D) -> std::result::Result<Cow<'a, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'a> Visitor<'a> for KeySeed {
    type Value = Cow<'a, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E>(self, s: &'a str) -> std::result::Result<Cow<'a, str>, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> std::result::Result<Cow<'a, str>, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
}

/// A field value read straight into [`Value`] (what [`convert`] does for a tree).
struct FieldSeed<'b>(&'b Arc<String>);

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, x: i64) -> std::result::Result<Value, E> {
        Ok(Value::Number(x as f64))
    }
    fn visit_u64<E>(self, x: u64) -> std::result::Result<Value, E> {
        Ok(Value::Number(x as f64))
    }
    fn visit_f64<E>(self, x: f64) -> std::result::Result<Value, E> {
        Ok(if x.is_finite() {
            Value::Number(x)
        } else {
            Value::Other("a number out of range")
        })
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> std::result::Result<Value, E> {
        Ok(Value::Text(Text::within(self.0, s)))
    }
    fn visit_str<E>(self, s: &str) -> std::result::Result<Value, E> {
        Ok(Value::Text(Text::from(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut items = Vec::new();
        let mut all_text = true;
        while let Some(item) = seq.next_element_seed(FieldSeed(self.0))? {
            match item {
                Value::Text(s) if all_text => items.push(s),
                _ => all_text = false,
            }
        }
        Ok(if all_text {
            Value::TextList(items)
        } else {
            Value::Other("a list that is not all strings")
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Other("an object"))
    }
}

/// Reads a JSON array of objects; each element's line is found from its offset.
fn read_array(path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Vec<Row>> {
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

/// A whole-document log's text: its bytes without a UTF-8 byte-order mark,
/// or an error at the line of the first byte that is not UTF-8 (`what` says
/// what else the file could have been, for the message).
pub(super) fn utf8_document<'a>(path: &Path, bytes: &'a [u8], what: &str) -> Result<&'a str> {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        Error::input(
            Location::file(path).at_line(line_of(bytes, e.valid_up_to())),
            format!("the file is not valid UTF-8{what}; re-encode it as UTF-8"),
        )
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

/// The error for JSON that does not parse; `first_line` is the file line on
/// which `text` starts. A bare `NaN` or `Infinity` in a plain file (the
/// user's own, not a tool's: see [`super::non_finite`]) is refused by name.
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
        serde_json::Value::String(s) => Value::Text(s.into()),
        serde_json::Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    serde_json::Value::String(s) => out.push(s.into()),
                    _ => return Value::Other("a list that is not all strings"),
                }
            }
            Value::TextList(out)
        }
        serde_json::Value::Object(_) => Value::Other("an object"),
    }
}

/// The scalar entries of a tool's metadata object as tags (`--slice-by` on
/// them): strings as they are, numbers in their decimal text, booleans as
/// `true`/`false`; nested values are left out.
pub(super) fn metadata_tags(
    meta: &serde_json::Map<String, serde_json::Value>,
) -> Vec<(Text, Text)> {
    use serde_json::Value as Json;
    meta.iter()
        .filter_map(|(key, value)| {
            let text = match value {
                Json::String(s) => s.clone(),
                Json::Number(n) => n
                    .as_f64()
                    .map_or_else(|| n.to_string(), super::record::format_number),
                Json::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((Text::from(key.as_str()), Text::from(text)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(text: &str, block: usize, piece: usize) -> Result<Vec<Row>> {
        let bytes = text.as_bytes();
        let (start, rest) = bytes.split_at(bytes.len().min(5));
        let mut rows = Vec::new();
        read_blocks(
            Path::new("big.jsonl"),
            start.to_vec(),
            &mut std::io::Cursor::new(rest.to_vec()),
            &FieldMap::default(),
            &|_| {},
            (block, piece),
            &mut |mut block| {
                rows.append(&mut block);
                Ok(())
            },
        )?;
        Ok(rows)
    }

    fn lines(n: usize) -> String {
        let mut text = String::from("\u{feff}");
        for i in 0..n {
            text.push_str(&format!(
                "{{\"id\": \"q{i}\", \"prediction\": \"p{i}\", \"reference\": [\"r\", \"s\"], \"judge\": {i}, \"tag\": true}}"
            ));
            text.push_str(match i % 3 {
                0 => "\r\n",
                1 => "\n\n",
                _ => "\n",
            });
        }
        text
    }

    #[test]
    fn blocks_and_pieces_of_any_size_give_the_same_rows() {
        let text = lines(200);
        let whole = read_jsonl(
            Path::new("big.jsonl"),
            text.as_bytes(),
            &FieldMap::default(),
        )
        .expect("valid");
        assert_eq!(whole.len(), 200);
        assert_eq!(whole[199].id, "q199");
        assert_eq!(
            (whole[1].line, whole[2].line),
            (2, 4),
            "CRLF; a blank line counted"
        );
        assert_eq!(whole[7].numbers.get("judge"), Some(&7.0));
        assert_eq!(whole[7].tags.get("tag").map(|t| t.as_str()), Some("true"));
        for (block, piece) in [(1, 1), (7, 3), (64, 16), (1000, 50), (1 << 20, 1 << 10)] {
            let rows = stream(&text, block, piece).expect("valid");
            assert_eq!(rows, whole, "block {block}, piece {piece}");
        }
    }

    #[test]
    fn the_first_bad_line_in_the_file_is_reported() {
        let mut text = lines(100);
        text.push_str("{\"id\": \"late\", \"prediction\": }\n");
        text.push_str(&lines(50)[3..]);
        text.push_str("[1, 2]\n");
        let first_bad = text
            .lines()
            .position(|l| l.contains("late"))
            .expect("bad line")
            + 1;
        for (block, piece) in [(1, 1), (64, 16), (1 << 20, 1 << 10)] {
            let err = stream(&text, block, piece)
                .expect_err("bad line")
                .to_string();
            assert!(
                err.contains(&format!(":{first_bad}:")) && err.contains("malformed JSON"),
                "block {block}, piece {piece}: {err}"
            );
        }
    }

    #[test]
    fn bad_utf8_is_reported_at_its_line_unless_a_json_error_comes_first() {
        let mut text = lines(30).into_bytes();
        text.extend_from_slice(b"{\"id\": \"x\", \"prediction\": \"caf\xe9\"}\n");
        let bad_line = text.iter().filter(|&&b| b == b'\n').count();
        for (block, piece) in [(1, 1), (64, 16), (1 << 20, 1 << 10)] {
            let start = text[..5].to_vec();
            let rest = std::io::Cursor::new(text[5..].to_vec());
            let err = read_blocks(
                Path::new("big.jsonl"),
                start,
                &mut rest.clone(),
                &FieldMap::default(),
                &|_| {},
                (block, piece),
                &mut |_| Ok(()),
            )
            .expect_err("not UTF-8")
            .to_string();
            assert!(
                err.contains(&format!(":{bad_line}:31:")) && err.contains("not valid UTF-8"),
                "block {block}, piece {piece}: {err}"
            );
        }
        let mut early = b"{\"id\": 1, \"prediction\": }\n".to_vec();
        early.extend_from_slice(&text);
        let err = read_jsonl(Path::new("a.jsonl"), &early, &FieldMap::default())
            .expect_err("malformed")
            .to_string();
        assert!(
            err.contains("a.jsonl:1:") && err.contains("malformed JSON"),
            "{err}"
        );
    }

    #[test]
    fn a_last_line_without_newline_is_read() {
        let text = "{\"id\": 1, \"prediction\": \"x\"}\n{\"id\": 2, \"prediction\": \"y\"}";
        let rows = stream(text, 8, 4).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[1].id.as_str(), rows[1].line), ("2", 2));
    }

    /// serde_json's reading of a line: its fields, or `None` when the line
    /// is not an object or not JSON.
    fn serde_fields(buf: &Arc<String>) -> Option<Vec<(String, Value)>> {
        let mut de = serde_json::Deserializer::from_str(buf);
        let line = LineSeed(buf)
            .deserialize(&mut de)
            .and_then(|line| de.end().map(|()| line))
            .ok()?;
        match line {
            Line::Object(pairs) => Some(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.key.into_owned(), v))
                    .collect(),
            ),
            Line::Not(_) => None,
        }
    }

    /// The fast path's reading of a line, in the same shape.
    fn fast_fields(buf: &Arc<String>) -> Option<Vec<(String, Value)>> {
        let pairs = super::super::flat::flat_object(buf, buf, |k| k)?;
        Some(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// Whenever the fast path reads a line, serde_json reads the same fields
    /// (numbers compared bit for bit through their debug form: -0.0 is not 0.0).
    fn agrees(line: &str) -> bool {
        let buf = Arc::new(line.to_owned());
        let Some(fast) = fast_fields(&buf) else {
            return false;
        };
        let full = serde_fields(&buf);
        assert_eq!(
            Some(format!("{fast:?}")),
            full.map(|f| format!("{f:?}")),
            "{line}"
        );
        true
    }

    #[test]
    fn the_fast_path_values_numbers_as_serde_json_does() {
        let read = [
            "0",
            "-0",
            "-0.0",
            "7",
            "-7",
            "1.5",
            "-2.5e-3",
            "1E+3",
            "1e-400",
            "-1e-400",
            "9007199254740993",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551615",
            "18446744073709551616",
            "-18446744073709551617",
            "123456789012345678901234567890",
            "0.1",
            "2.2250738585072011e-308",
        ];
        for n in read {
            let line = format!("{{\"id\": \"a\", \"judge\": {n}}}");
            assert!(agrees(&line), "the fast path reads {n}");
        }
        // Not JSON, or out of range: serde_json reads (or rejects) these.
        for n in [
            "01", "1.", ".5", "-", "1e", "+1", "1e400", "-1e400", "0x10", "NaN", "1.e5",
        ] {
            let buf = Arc::new(format!("{{\"id\": \"a\", \"judge\": {n}}}"));
            assert!(fast_fields(&buf).is_none(), "{n}");
        }
    }

    #[test]
    fn the_fast_path_steps_aside_for_what_it_does_not_read() {
        for line in [
            r#"{"id": "a\n"}"#,
            r#"{"id": "a", "x": {"y": 1}}"#,
            r#"{"id": "a", "x": ["b", 1]}"#,
            "{\"id\":\t\"a\"}",
            "{\"id\": \"a\u{1}\"}",
            r#"{"id": "a",}"#,
            r#"{"id": "a"} x"#,
            r#"{"id": "a""#,
            r#"["id"]"#,
            r#""id""#,
            r#"{"id": tru}"#,
        ] {
            let buf = Arc::new(line.to_owned());
            assert!(fast_fields(&buf).is_none(), "{line}");
        }
        for line in [
            "{}",
            " { } ",
            r#"{"id": "a", "id": "b", "n": null, "t": true, "f": false}"#,
            r#"{"id":"é","reference":[],"r2":[ "x" , "y" ]}"#,
        ] {
            assert!(agrees(line), "{line}");
        }
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn the_fast_path_reads_lines_as_serde_json_does(
            parts in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["id", "prediction", "reference", "judge", "é", "k\\n", "", "a b"]),
                    proptest::prop_oneof![
                        "[a-z é\"\\\\\u{1}]{0,6}".prop_map(|s| format!("\"{s}\"")),
                        proptest::num::f64::ANY.prop_map(|x| x.to_string()),
                        proptest::num::i64::ANY.prop_map(|x| x.to_string()),
                        "-?[0-9]{1,22}(\\.[0-9]{0,3})?([eE][-+]?[0-9]{0,3})?",
                        proptest::sample::select(vec!["true", "false", "null", "[]", "{}", "[\"x\", \"y\"]", "[\"x\", 2]", "{\"a\": [1]}", "nul"]).prop_map(str::to_owned),
                    ],
                    proptest::sample::select(vec!["", " ", "  ", "\t"]),
                ),
                0..8,
            ),
            tail in proptest::sample::select(vec!["", " ", ",", "}", "x"]),
        ) {
            let body: Vec<String> = parts
                .iter()
                .map(|(k, v, sp)| format!("{sp}\"{k}\"{sp}:{sp}{v}{sp}"))
                .collect();
            let line = format!("{{{}}}{tail}", body.join(","));
            agrees(&line);
        }
    }
}
