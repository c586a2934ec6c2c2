//! The history of a benchmark on main: one JSON line per run
//! (`evals/history.jsonl`), appended from a JSON report by
//! `benchgate history append`, read back for the trend in PR comments and for
//! `benchgate history`, which flags a sustained decline ([`trend`]).
//!
//! A line records the commit, the date (RFC 3339, UTC), the suite, the number
//! of examples, and per metric its corpus value, the interval of that value,
//! its direction and scale:
//!
//! ```json
//! {"commit":"4f2a…","date":"2026-11-27T12:00:00Z","suite":"default","n":200,"benchgate":"0.1.0","metrics":{"f1":{"value":0.474,"ci":[0.43,0.52],"direction":"higher","scale":"fraction"}}}
//! ```

pub mod trend;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};
use crate::metrics::Direction;
use crate::report::{MetricTrend, Report, TrendPoint, ValueScale};
use trend::{mann_kendall, sens_slope, MannKendall};

/// History entries shown before this run's value in a report's trend.
pub const TREND_POINTS: usize = 20;

/// Entries `benchgate history` tests for drift when `--last` is not given.
pub const DEFAULT_LAST: usize = 10;

/// Largest `--last` (the test and Sen's slope look at every pair of entries).
pub const MAX_LAST: usize = 1000;

/// Fewer entries than this are never tested for drift.
pub const MIN_ENTRIES: usize = 5;

/// One run on main.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The commit the run measured.
    pub commit: String,
    /// When it was recorded, RFC 3339 in UTC.
    pub date: String,
    /// The suite.
    pub suite: String,
    /// Examples compared.
    pub n: usize,
    /// The benchgate version that wrote the entry.
    #[serde(default)]
    pub benchgate: String,
    /// Corpus values by metric name.
    pub metrics: BTreeMap<String, Point>,
}

/// One metric's value in an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The corpus value.
    pub value: f64,
    /// Its confidence interval, when the report had one.
    #[serde(default)]
    pub ci: Option<[f64; 2]>,
    /// Which way is better.
    pub direction: Direction,
    /// How values read.
    #[serde(default)]
    pub scale: Option<ValueScale>,
}

/// A history file: its entries and their lines as written.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Entries in file order (oldest first).
    pub entries: Vec<Entry>,
    /// The text of each entry's line, kept verbatim when appending.
    lines: Vec<String>,
}

/// Reads a history file; a line that is not an entry is an error naming the
/// file and line.
pub fn read(path: &Path) -> Result<History> {
    let text = std::fs::read_to_string(path).map_err(|cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    parse(path, &text)
}

/// Reads a history file, or an empty history when it does not exist yet.
pub fn read_or_empty(path: &Path) -> Result<History> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(History::default()),
        _ => read(path),
    }
}

fn parse(path: &Path, text: &str) -> Result<History> {
    let mut history = History::default();
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let at = || Location::file(path).at_line(number);
        let entry: Entry = serde_json::from_str(line).map_err(|e| {
            Error::input(
                at().at_column(e.column()),
                format!("not a history entry: {}; each line must be a record written by `benchgate history append` (fix or delete the line)", without_position(&e)),
            )
        })?;
        check_entry(&entry, at)?;
        history.entries.push(entry);
        history.lines.push(line.to_string());
    }
    Ok(history)
}

/// serde_json's message without its " at line L column C" (the caller's
/// location says where, in the file's own lines).
fn without_position(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rsplit_once(" at line ") {
        Some((head, _)) => head.to_string(),
        None => msg,
    }
}

fn check_entry(entry: &Entry, at: impl Fn() -> Location) -> Result<()> {
    if entry.commit.trim().is_empty() {
        return Err(Error::input(
            at().with_field("commit"),
            "the commit is empty; write the commit the run measured",
        ));
    }
    if chrono::DateTime::parse_from_rfc3339(&entry.date).is_err() {
        return Err(Error::input(
            at().with_field("date"),
            format!(
                "\"{}\" is not an RFC 3339 date; write it like 2026-11-27T12:00:00Z",
                entry.date
            ),
        ));
    }
    for (name, p) in &entry.metrics {
        let ci_ok = p.ci.is_none_or(|[a, b]| a.is_finite() && b.is_finite());
        if !p.value.is_finite() || !ci_ok {
            return Err(Error::input(
                at().with_field(format!("metrics.{name}")),
                "values must be finite numbers",
            ));
        }
    }
    Ok(())
}

/// The parts of a JSON report that the history records: the same in
/// `schema_version` 1 and 2 (which differ in reasons and warnings only).
#[derive(Debug, Deserialize)]
struct ReportIn {
    schema_version: u32,
    suite: String,
    examples: ExamplesIn,
    metrics: Vec<MetricIn>,
}

#[derive(Debug, Deserialize)]
struct ExamplesIn {
    compared: usize,
}

#[derive(Debug, Deserialize)]
struct MetricIn {
    name: String,
    direction: Direction,
    scale: Option<ValueScale>,
    current: Option<f64>,
    #[serde(default)]
    current_ci: Option<[f64; 2]>,
}

/// The history entries of a JSON report written by `compare --json-out`: one,
/// or one per suite for a report of several `[[suite]]`s.
pub fn entries_from_report(path: &Path, commit: &str, date: &str) -> Result<Vec<Entry>> {
    let text = std::fs::read_to_string(path).map_err(|cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    #[derive(Deserialize)]
    struct Suites {
        suites: Vec<Box<serde_json::value::RawValue>>,
    }
    match serde_json::from_str::<Suites>(&text) {
        Ok(doc) => doc
            .suites
            .iter()
            .map(|one| entry_from_text(path, one.get(), commit, date))
            .collect(),
        Err(_) => Ok(vec![entry_from_text(path, &text, commit, date)?]),
    }
}

fn entry_from_text(path: &Path, text: &str, commit: &str, date: &str) -> Result<Entry> {
    let report: ReportIn = serde_json::from_str(text).map_err(|e| {
        Error::input(
            Location::file(path).at_line(e.line()).at_column(e.column()),
            format!("not a benchgate JSON report: {}; write one with `benchgate compare … --json-out report.json`", without_position(&e)),
        )
    })?;
    if !(1..=crate::report::SCHEMA_VERSION).contains(&report.schema_version) {
        return Err(Error::input(
            Location::file(path).with_field("schema_version"),
            format!(
                "schema_version {} is not one this benchgate reads (1 to {}); append with the benchgate that wrote the report",
                report.schema_version,
                crate::report::SCHEMA_VERSION
            ),
        ));
    }
    let mut metrics = BTreeMap::new();
    for m in report.metrics {
        // A metric with no value in this run (null in the JSON) is left out.
        let Some(value) = m.current.filter(|v| v.is_finite()) else {
            continue;
        };
        let ci = m.current_ci.filter(|[a, b]| a.is_finite() && b.is_finite());
        metrics.insert(
            m.name,
            Point {
                value,
                ci,
                direction: m.direction,
                scale: m.scale,
            },
        );
    }
    if metrics.is_empty() {
        return Err(Error::input(
            Location::file(path).with_field("metrics"),
            "the report has no metric value to record",
        ));
    }
    Ok(Entry {
        commit: commit.to_string(),
        date: date.to_string(),
        suite: report.suite,
        n: report.examples.compared,
        benchgate: env!("CARGO_PKG_VERSION").to_string(),
        metrics,
    })
}

/// Adds `entry` to the history at `path` (created when missing) and writes it
/// atomically. An entry of the same commit and suite is replaced in place, so
/// re-running a workflow does not count a commit twice. Returns whether an
/// entry was replaced.
pub fn append(path: &Path, entry: &Entry) -> Result<bool> {
    let mut history = read_or_empty(path)?;
    let line = serde_json::to_string(entry)
        .map_err(|e| Error::Internal(format!("cannot serialise the history entry: {e}")))?;
    let same = history
        .entries
        .iter()
        .position(|e| e.commit == entry.commit && e.suite == entry.suite);
    match same {
        Some(i) => history.lines[i] = line,
        None => history.lines.push(line),
    }
    let mut text = history.lines.join("\n");
    text.push('\n');
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|cause| Error::Output {
            path: path.to_path_buf(),
            cause,
        })?;
    }
    crate::atomic::write_atomic(path, &text)?;
    Ok(same.is_some())
}

/// The commit to record: `--commit`, else `GITHUB_SHA`, else `git rev-parse HEAD`.
pub fn resolve_commit(flag: Option<&str>) -> Result<String> {
    if let Some(c) = flag.map(str::trim).filter(|c| !c.is_empty()) {
        return Ok(c.to_string());
    }
    if let Some(c) = std::env::var("GITHUB_SHA")
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
    {
        return Ok(c);
    }
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let c = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if c.is_empty() {
                Err(no_commit("git rev-parse HEAD printed nothing"))
            } else {
                Ok(c)
            }
        }
        Ok(o) => Err(no_commit(String::from_utf8_lossy(&o.stderr).trim())),
        Err(e) => Err(no_commit(format!("cannot run git: {e}"))),
    }
}

fn no_commit(why: impl std::fmt::Display) -> Error {
    Error::Usage(format!(
        "cannot tell which commit the report measured ({why}); pass --commit SHA or set GITHUB_SHA"
    ))
}

/// The date to record: `--date` (any RFC 3339 date, converted to UTC), else now.
pub fn resolve_date(flag: Option<&str>) -> Result<String> {
    let utc = match flag {
        Some(raw) => chrono::DateTime::parse_from_rfc3339(raw.trim())
            .map_err(|e| {
                Error::Usage(format!(
                    "--date \"{raw}\" is not an RFC 3339 date ({e}); write it like 2026-11-27T12:00:00Z"
                ))
            })?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    Ok(utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// One metric of one suite through the history, oldest first.
#[derive(Debug, Clone)]
pub struct Series {
    /// The suite.
    pub suite: String,
    /// The metric.
    pub metric: String,
    /// Which way is better (as last recorded).
    pub direction: Direction,
    /// How values read (as last recorded).
    pub scale: ValueScale,
    /// The values with their commits and dates.
    pub points: Vec<TrendPoint>,
}

/// Every (suite, metric) series of the history, in order of first appearance;
/// only `suite` when given, only `metrics` when not empty.
pub fn series(history: &History, suite: Option<&str>, metrics: &[String]) -> Vec<Series> {
    let mut out: Vec<Series> = Vec::new();
    for e in &history.entries {
        if suite.is_some_and(|s| s != e.suite) {
            continue;
        }
        for (name, p) in &e.metrics {
            if !metrics.is_empty() && !metrics.contains(name) {
                continue;
            }
            let point = TrendPoint {
                commit: e.commit.clone(),
                date: e.date.clone(),
                value: p.value,
            };
            let scale = p.scale.unwrap_or(ValueScale::Raw);
            match out
                .iter_mut()
                .find(|s| s.suite == e.suite && s.metric == *name)
            {
                Some(s) => {
                    s.points.push(point);
                    s.direction = p.direction;
                    s.scale = scale;
                }
                None => out.push(Series {
                    suite: e.suite.clone(),
                    metric: name.clone(),
                    direction: p.direction,
                    scale,
                    points: vec![point],
                }),
            }
        }
    }
    out
}

/// The trend of each of the report's metrics: its last [`TREND_POINTS`] values
/// in the history of the report's suite, then this run's.
pub fn report_trends(history: &History, report: &Report) -> Vec<MetricTrend> {
    let all = series(history, Some(&report.suite), &[]);
    report
        .metrics
        .iter()
        .filter_map(|m| {
            let s = all.iter().find(|s| s.metric == m.name)?;
            let skip = s.points.len().saturating_sub(TREND_POINTS);
            Some(MetricTrend {
                metric: m.name.clone(),
                direction: m.direction,
                scale: m.scale,
                points: s.points[skip..].to_vec(),
                current: m.current,
            })
        })
        .collect()
}

/// Adds the trends of the history at `path` to `report` (`compare --history`);
/// a history that does not exist yet only adds a warning.
pub fn attach(path: &Path, report: &mut Report) -> Result<()> {
    if !path.exists() {
        report.warnings.push(crate::diagnostic::Diagnostic::new(
            crate::diagnostic::Code::NoHistory,
            format!(
                "no history at {} yet: the trend appears once a run on main has recorded one with `benchgate history append`",
                path.display()
            ),
        ));
        return Ok(());
    }
    let history = read(path)?;
    report.trends = report_trends(&history, report);
    Ok(())
}

/// What `benchgate history` found for one series over its last entries.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesTrend {
    /// The suite.
    pub suite: String,
    /// The metric.
    pub metric: String,
    /// Which way is better.
    pub direction: Direction,
    /// How values read.
    pub scale: ValueScale,
    /// The entries tested, oldest first.
    pub points: Vec<TrendPoint>,
    /// Sen's slope per entry (NaN, shown as null, below two entries).
    pub sens_slope: Option<f64>,
    /// The Mann–Kendall test, when there are at least [`MIN_ENTRIES`] entries.
    pub mann_kendall: Option<MannKendall>,
    /// One-sided p-value of "not getting worse" (direction-aware).
    pub p_worse: Option<f64>,
    /// A sustained decline: `p_worse` < alpha.
    pub drift: bool,
}

/// What `benchgate history` found.
#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    /// The history file.
    pub history: String,
    /// Entries in the file (every suite).
    pub entries: usize,
    /// Entries tested per series.
    pub last: usize,
    /// Significance level of the one-sided test.
    pub alpha: f64,
    /// Fewest entries tested.
    pub min_entries: usize,
    /// One per (suite, metric).
    pub series: Vec<SeriesTrend>,
    /// True when any series drifts.
    pub drift: bool,
}

/// Tests each series' last `last` entries for a sustained decline.
pub fn drift(
    path: &Path,
    history: &History,
    metrics: &[String],
    last: usize,
    alpha: f64,
) -> Result<DriftReport> {
    if !(2..=MAX_LAST).contains(&last) {
        return Err(Error::Usage(format!(
            "--last {last}: test between 2 and {MAX_LAST} entries"
        )));
    }
    crate::config::probability("--alpha", alpha)?;
    let all = series(history, None, metrics);
    for m in metrics {
        if !all.iter().any(|s| &s.metric == m) {
            let known: std::collections::BTreeSet<String> = history
                .entries
                .iter()
                .flat_map(|e| e.metrics.keys().cloned())
                .collect();
            let known: Vec<String> = known.into_iter().collect();
            return Err(Error::Usage(format!(
                "--metric {m}: {} has no entry with that metric; it records: {}",
                path.display(),
                if known.is_empty() {
                    "nothing yet".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    let series: Vec<SeriesTrend> = all
        .into_iter()
        .map(|s| {
            let skip = s.points.len().saturating_sub(last);
            let points = s.points[skip..].to_vec();
            let values: Vec<f64> = points.iter().map(|p| p.value).collect();
            let slope = sens_slope(&values);
            let mk = (values.len() >= MIN_ENTRIES).then(|| mann_kendall(&values));
            let p_worse = mk.map(|m| m.p_worse(s.direction));
            SeriesTrend {
                suite: s.suite,
                metric: s.metric,
                direction: s.direction,
                scale: s.scale,
                points,
                sens_slope: slope.is_finite().then_some(slope),
                mann_kendall: mk,
                p_worse,
                drift: p_worse.is_some_and(|p| p < alpha),
            }
        })
        .collect();
    Ok(DriftReport {
        history: path.display().to_string(),
        entries: history.entries.len(),
        last,
        alpha,
        min_entries: MIN_ENTRIES,
        drift: series.iter().any(|s| s.drift),
        series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(commit: &str, f1: f64) -> String {
        format!(
            "{{\"commit\":\"{commit}\",\"date\":\"2026-01-01T00:00:00Z\",\"suite\":\"default\",\"n\":10,\"metrics\":{{\"f1\":{{\"value\":{f1},\"direction\":\"higher\"}}}}}}"
        )
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let text = format!("{}\n\n{{\"commit\": 3}}\n", line("a", 0.5));
        let err = parse(Path::new("h.jsonl"), &text).expect_err("bad line");
        let msg = err.to_string();
        assert!(msg.starts_with("h.jsonl:3:"), "{msg}");
        assert!(msg.contains("history append"), "{msg}");
    }

    #[test]
    fn bad_dates_name_the_field() {
        let text = line("a", 0.5).replace("2026-01-01T00:00:00Z", "yesterday");
        let msg = parse(Path::new("h.jsonl"), &text)
            .expect_err("bad date")
            .to_string();
        assert!(msg.starts_with("h.jsonl:1: field \"date\""), "{msg}");
    }

    #[test]
    fn series_follow_file_order() {
        let text = [line("a", 0.5), line("b", 0.4), line("c", 0.3)].join("\n");
        let h = parse(Path::new("h.jsonl"), &text).expect("parses");
        let s = series(&h, None, &[]);
        assert_eq!(s.len(), 1);
        let v: Vec<f64> = s[0].points.iter().map(|p| p.value).collect();
        assert_eq!(v, [0.5, 0.4, 0.3]);
    }

    #[test]
    fn appending_the_same_commit_replaces_its_entry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("evals").join("history.jsonl");
        let entry = |commit: &str, value: f64| Entry {
            commit: commit.into(),
            date: "2026-01-01T00:00:00Z".into(),
            suite: "default".into(),
            n: 10,
            benchgate: "0.1.0".into(),
            metrics: BTreeMap::from([(
                "f1".to_string(),
                Point {
                    value,
                    ci: Some([value - 0.1, value + 0.1]),
                    direction: Direction::Higher,
                    scale: Some(ValueScale::Fraction),
                },
            )]),
        };
        assert!(!append(&path, &entry("a", 0.5)).expect("first"));
        assert!(!append(&path, &entry("b", 0.6)).expect("second"));
        assert!(append(&path, &entry("a", 0.4)).expect("again"));
        let h = read(&path).expect("reads back");
        assert_eq!(h.entries, vec![entry("a", 0.4), entry("b", 0.6)]);
    }

    #[test]
    fn dates_become_utc() {
        assert_eq!(
            resolve_date(Some("2026-11-27T14:30:00+02:00")).expect("valid"),
            "2026-11-27T12:30:00Z"
        );
        assert!(resolve_date(Some("27/11/2026")).is_err());
    }
}
