//! Loading result files into rows: JSONL (optionally gzip-compressed), JSON arrays,
//! CSV and TSV.
//!
//! Every reader turns a record into the same [`Row`] through [`FieldMap`], so the
//! rules for ids, predictions, references, external scores and tags live in one
//! place ([`record`]). Errors name the file, line and field.

mod delimited;
pub mod git;
mod json;
pub mod record;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
pub use record::{FieldMap, Row, Value};

/// The rows of one input file.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The file the rows came from.
    pub path: PathBuf,
    /// Rows in file order.
    pub rows: Vec<Row>,
}

/// The file formats evalgate reads.
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
}

/// Reads one result file, choosing the reader from its extension (after an
/// optional `.gz`) or, for `.json`/unknown extensions, from its first byte.
pub fn load(path: &Path, fields: &FieldMap) -> Result<Dataset> {
    let raw = std::fs::read(path).map_err(|cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    load_bytes(path, raw, fields)
}

/// Parses the bytes of a result file named `path` (the name picks the format).
pub fn load_bytes(path: &Path, raw: Vec<u8>, fields: &FieldMap) -> Result<Dataset> {
    let bytes = decompress(path, raw)?;
    let format = detect_format(path, &bytes);
    let rows = match format {
        Format::Jsonl => json::read_jsonl(path, &bytes, fields)?,
        Format::JsonArray => json::read_array(path, &bytes, fields)?,
        Format::Csv => delimited::read(path, &bytes, b',', fields)?,
        Format::Tsv => delimited::read(path, &bytes, b'\t', fields)?,
    };
    if rows.is_empty() {
        return Err(Error::input(
            Location::file(path),
            "the file holds no examples; an empty result file usually means the evaluation run failed",
        ));
    }
    Ok(Dataset {
        path: path.to_path_buf(),
        rows,
    })
}

/// Reads several files (shards of one run) into one dataset named after the first.
///
/// Shards written by a CI matrix must not overlap: an id in two files is an
/// error naming both (within one file, repeated ids are repeated samples).
pub fn load_all(paths: &[PathBuf], fields: &FieldMap) -> Result<Dataset> {
    let mut rows = Vec::new();
    let mut owner: std::collections::HashMap<String, (usize, usize)> =
        std::collections::HashMap::new();
    for (shard, path) in paths.iter().enumerate() {
        let data = load(path, fields)?;
        if paths.len() > 1 {
            for row in &data.rows {
                match owner.get(&row.id) {
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
                        owner.insert(row.id.clone(), (shard, row.line));
                    }
                }
            }
        }
        rows.extend(data.rows);
    }
    let path = paths.first().cloned().unwrap_or_default();
    Ok(Dataset { path, rows })
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

fn detect_format(path: &Path, bytes: &[u8]) -> Format {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".csv") {
        return Format::Csv;
    }
    if name.ends_with(".tsv") || name.ends_with(".tab") {
        return Format::Tsv;
    }
    let first = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        Format::JsonArray
    } else {
        Format::Jsonl
    }
}
