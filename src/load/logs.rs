//! Production logs for `benchgate monitor`: rows of model calls with the time
//! each happened.
//!
//! Any format the other readers read (JSONL, gzip, JSON arrays, CSV/TSV) and
//! OTLP JSON spans ([`super::otlp`]) give the rows; here each row gets its
//! timestamp, taken out of its fields so that it is never a tag to slice by.
//! A row needs no id (logs are observations, not examples to pair: a row
//! without one is named `file:line`), and the same id may appear twice.
//!
//! The timestamp is the field `--time-field` names, or the first of
//! `timestamp`, `time`, `ts`, `created_at`, `start_time`, `@timestamp`,
//! `datetime`, `date` the row has: RFC 3339 text (`2026-03-02T14:05:00Z`,
//! `2026-03-02 14:05:00+01:00`, a plain date `2026-03-02` as midnight UTC) or
//! a number of seconds since 1970 (milliseconds or nanoseconds when it is that
//! large). A value that is neither is an error naming file, line and field.
//!
//! [`for_each_block`] hands the rows on as they are read — JSONL a block of a
//! few MiB at a time, other formats (OTLP JSON included) a whole file at a
//! time — for a caller that keeps little of each row (`monitor`); [`read`]
//! collects them.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use rayon::prelude::*;

use super::record::{FieldMap, Row};
use crate::error::{Error, Location, Result};

/// Fields tried, in order, for a row's time when `--time-field` names none.
pub const TIME_FIELDS: &[&str] = &[
    "timestamp",
    "time",
    "ts",
    "created_at",
    "start_time",
    "@timestamp",
    "datetime",
    "date",
];

/// Rows of log files with the time of each.
#[derive(Debug, Clone, Default)]
pub struct Logs {
    /// The files read, in order.
    pub paths: Vec<PathBuf>,
    /// Every row, in file order.
    pub rows: Vec<Row>,
    /// The time of each row (`None` when it has none).
    pub times: Vec<Option<DateTime<Utc>>>,
    /// The file each row came from (index into `paths`).
    pub file: Vec<u32>,
}

impl Logs {
    /// The path a row came from.
    pub fn path_of(&self, row: usize) -> &Path {
        self.paths
            .get(self.file.get(row).copied().unwrap_or(0) as usize)
            .map_or(Path::new(""), PathBuf::as_path)
    }
}

/// Consecutive rows of one log file with the time of each: what
/// [`for_each_block`] hands on.
#[derive(Debug)]
pub struct Block<'a> {
    /// The file.
    pub path: &'a Path,
    /// Which of the files read (index into the paths given).
    pub file: usize,
    /// The rows, in file order.
    pub rows: Vec<Row>,
    /// The time of each row (`None` when it has none).
    pub times: Vec<Option<DateTime<Utc>>>,
}

/// Reads log files into memory; `time_field` overrides [`TIME_FIELDS`] (and
/// then every row must have it).
pub fn read(
    paths: &[PathBuf],
    fields: &FieldMap,
    time_field: Option<&str>,
    progress: &dyn Fn(u64),
) -> Result<Logs> {
    let mut logs = Logs {
        paths: paths.to_vec(),
        ..Logs::default()
    };
    for_each_block(paths, fields, time_field, progress, &mut |block| {
        let file = u32::try_from(block.file).unwrap_or(u32::MAX);
        logs.file
            .extend(std::iter::repeat_n(file, block.rows.len()));
        logs.rows.extend(block.rows);
        logs.times.extend(block.times);
        Ok(())
    })?;
    Ok(logs)
}

/// [`read`] handing the rows to `each` as they are read, file after file, a
/// block at a time (the way [`super::for_each_block`] reads them: JSONL in
/// blocks of a few MiB, other formats and OTLP JSON a whole file at once), so
/// that a caller keeping only part of each row never holds them all.
pub fn for_each_block(
    paths: &[PathBuf],
    fields: &FieldMap,
    time_field: Option<&str>,
    progress: &dyn Fn(u64),
    each: &mut dyn FnMut(Block<'_>) -> Result<()>,
) -> Result<()> {
    let fields = FieldMap {
        line_ids: true,
        ..fields.clone()
    };
    for (file, path) in paths.iter().enumerate() {
        super::for_each_block(path, &fields, progress, &mut |mut rows| {
            let times: Vec<Result<Option<DateTime<Utc>>>> = rows
                .par_iter_mut()
                .map(|row| take_time(row, path, time_field))
                .collect();
            // The first bad row in the file, as a sequential reader reports.
            let times = times.into_iter().collect::<Result<Vec<_>>>()?;
            each(Block {
                path,
                file,
                rows,
                times,
            })
        })?;
    }
    Ok(())
}

/// Takes the row's time out of its fields.
fn take_time(
    row: &mut Row,
    path: &Path,
    time_field: Option<&str>,
) -> Result<Option<DateTime<Utc>>> {
    let loc = || Location::file(path).at_line(row.line);
    let candidates: Vec<&str> = match time_field {
        Some(f) => vec![f],
        None => TIME_FIELDS.to_vec(),
    };
    for name in candidates {
        if let Some(text) = row.tags.get(name) {
            let parsed = parse_time(text.as_str()).ok_or_else(|| {
                Error::input(
                    loc().with_field(name),
                    format!(
                        "\"{}\" is not a time: expected RFC 3339 such as 2026-03-02T14:05:00Z (or seconds since 1970)",
                        crate::escape::visible(&truncated(text.as_str()))
                    ),
                )
            })?;
            remove_tag(row, name);
            return Ok(Some(parsed));
        }
        if let Some(&x) = row.numbers.get(name) {
            let parsed = from_epoch(x).ok_or_else(|| {
                Error::input(
                    loc().with_field(name),
                    format!("{x} is not a time in seconds (or ms, ns) since 1970"),
                )
            })?;
            remove_number(row, name);
            return Ok(Some(parsed));
        }
    }
    match time_field {
        Some(f) => Err(Error::input(
            loc().with_field(f),
            format!("the row has no \"{f}\" (--time-field); every row needs its time to fall in a window"),
        )),
        None => Ok(None),
    }
}

fn truncated(s: &str) -> String {
    s.chars().take(60).collect()
}

fn remove_tag(row: &mut Row, name: &str) {
    row.tags = row
        .tags
        .iter()
        .filter(|(k, _)| k.as_str() != name)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
}

fn remove_number(row: &mut Row, name: &str) {
    row.numbers = row
        .numbers
        .iter()
        .filter(|(k, _)| k.as_str() != name)
        .map(|(k, v)| (k.clone(), *v))
        .collect();
}

/// RFC 3339 (a space for the `T` too), or a plain date as midnight UTC.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    if t.len() > 10 && t.as_bytes()[10] == b' ' {
        let fixed = format!("{}T{}", &t[..10], &t[11..]);
        if let Ok(d) = DateTime::parse_from_rfc3339(&fixed) {
            return Some(d.with_timezone(&Utc));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    }
    t.parse::<f64>().ok().and_then(from_epoch)
}

/// Seconds since 1970; a number too large for seconds is read as
/// milliseconds (above 1e11), microseconds (1e14) or nanoseconds (1e17).
fn from_epoch(x: f64) -> Option<DateTime<Utc>> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    let secs = if x >= 1e17 {
        x / 1e9
    } else if x >= 1e14 {
        x / 1e6
    } else if x >= 1e11 {
        x / 1e3
    } else {
        x
    };
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9) as u32;
    DateTime::from_timestamp(whole as i64, nanos.min(999_999_999))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_every_usual_spelling() {
        let want = parse_time("2026-03-02T14:05:00Z").expect("rfc 3339");
        for s in [
            "2026-03-02T15:05:00+01:00",
            "2026-03-02 14:05:00Z",
            "1772460300",
            "1772460300000",
        ] {
            assert_eq!(parse_time(s), Some(want), "{s}");
        }
        assert_eq!(parse_time("2026-03-02"), parse_time("2026-03-02T00:00:00Z"));
        assert_eq!(parse_time("last tuesday"), None);
    }

    #[test]
    fn rows_without_ids_get_their_line_and_bad_times_name_the_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("logs.jsonl");
        std::fs::write(
            &path,
            "{\"timestamp\": \"2026-03-02T14:05:00Z\", \"output\": \"ok\", \"category\": \"a\"}\n{\"timestamp\": \"2026-03-02T15:00:00Z\", \"output\": \"ok\"}\n",
        )
        .expect("write");
        let logs = read(
            std::slice::from_ref(&path),
            &FieldMap::default(),
            None,
            &|_| {},
        )
        .expect("reads");
        assert_eq!(logs.rows[1].id.as_str(), "logs.jsonl:2");
        assert!(logs.rows[0].tags.get("timestamp").is_none());
        assert_eq!(
            logs.rows[0].tags.get("category").map(|t| t.as_str()),
            Some("a")
        );
        assert!(logs.times.iter().all(Option::is_some));
        std::fs::write(&path, "{\"time\": \"soon\", \"output\": \"ok\"}\n").expect("write");
        let err = read(&[path], &FieldMap::default(), None, &|_| {})
            .expect_err("bad time")
            .to_string();
        assert!(
            err.contains("logs.jsonl:1: field \"time\"") && err.contains("RFC 3339"),
            "{err}"
        );
    }
}
