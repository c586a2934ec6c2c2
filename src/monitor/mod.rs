//! `benchgate monitor`: the feedback loop on live data. Did the model get
//! worse on this week's traffic, did the traffic move away from the
//! benchmark, and which new cases should join the benchmark?
//!
//! A run reads production logs ([`crate::load::logs`]: JSONL/CSV rows or
//! OpenTelemetry GenAI spans) a block at a time, places each row in the
//! reference or the current window ([`window`]) or neither, and scores it as
//! it comes, keeping only its metric values and slice ([`tally`]: memory does
//! not grow with the logs' texts; the current window's inputs are a bounded
//! uniform sample). Logs split by time are read twice: the first pass finds
//! their oldest and newest times, which place the windows. Then, each answer
//! its own finding:
//!
//! 1. **Metrics** ([`judge`]): reference-free metrics of every logged output
//!    (`sentiment`, `copied_facts` against the input, `json_valid`, checks,
//!    numeric fields such as latency, tokens or feedback) compared between
//!    the windows — unpaired, since this week's inputs are not last week's.
//!    Each metric's raw change is shown beside its change **at the reference
//!    window's mix** (direct standardisation over `--slice-by`), and only the
//!    latter can blame the model: a stratified studentised permutation test
//!    ([`crate::stats::unpaired`]) whose interval agrees with its verdict. The
//!    slices are tested too, as the gate tests them (a graphical procedure
//!    holds the family's false-alarm rate at α).
//! 2. **Mix**: whether the shares of the slices changed, its own finding
//!    ([`crate::stats::contingency`]), never a model regression.
//! 3. **Input drift** against the benchmark ([`drift`]): a domain
//!    classifier's held-out AUC with an exact permutation test, the words
//!    typical of each side, and the slices' shares side by side.
//! 4. **Novel inputs** ([`novel`]): the live inputs least like any benchmark
//!    input, for `--review-out` to turn into a sheet a person completes with
//!    references.
//!
//! Drift and novel inputs are measured on every input of the current window
//! up to [`tally::SAMPLE_SIZE`], and on a seeded uniform sample of that size
//! beyond it, which the report states (`input_drift.sampled`).
//!
//! Exit codes: 0 no alarm, 1 alarm (a model regression; a mix change or
//! drift too with `--alarm-on`), 2 error.

pub mod drift;
pub mod novel;
pub mod tally;
pub mod text;
pub mod window;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{Error, Location, Result};
use crate::load::logs;
use crate::load::{Dataset, FieldMap, Row};
use crate::metrics::{self, Direction, Metric, MetricOptions};
use crate::report::{ValueScale, Verdict};
use crate::stats::contingency::{homogeneity, Homogeneity};
use crate::stats::graph::Graph;
use crate::stats::unpaired::{self, Stratum, Unpaired, UnpairedMethod};
use tally::{Sampled, Tally};
use window::{Against, Layout, Side, Span};

/// Version of the JSON report's layout.
pub const SCHEMA_VERSION: u32 = 1;
/// Share of alpha the slice rows share (the overall rows share the rest).
const SLICE_SHARE: f64 = 0.2;
/// Slice label of a row without the slice field.
pub const NO_SLICE: &str = "(none)";

/// What can raise an alarm (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Finding {
    /// A metric got worse at the reference window's mix, overall or in a slice.
    Regression,
    /// The slices' shares changed between the windows.
    Mix,
    /// Live inputs drifted away from the benchmark's.
    Drift,
}

/// Where the two windows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Sources {
    /// Log files split by time.
    Logs {
        /// The files.
        logs: Vec<PathBuf>,
        /// The current window's length.
        window: Span,
        /// The reference window.
        against: Against,
    },
    /// Two explicit sets of files.
    Explicit {
        /// The reference window's files.
        reference: Vec<PathBuf>,
        /// The current window's files.
        current: Vec<PathBuf>,
    },
}

/// The validated settings of a monitor run.
#[derive(Debug, Clone)]
pub struct MonitorConfig {
    /// The windows' sources.
    pub sources: Sources,
    /// Benchmark files to measure input drift against (empty: none).
    pub benchmark: Vec<PathBuf>,
    /// Field names of the logs (and the benchmark).
    pub fields: FieldMap,
    /// The field holding each row's time (default: the usual names).
    pub time_field: Option<String>,
    /// Metrics (empty: `sentiment` and every numeric field).
    pub metrics: Vec<String>,
    /// Metric options (checks, directions).
    pub metric_options: MetricOptions,
    /// The field whose mix is held fixed and whose slices are tested.
    pub slice_by: Option<String>,
    /// Tolerances by metric.
    pub tolerances: BTreeMap<String, f64>,
    /// Chance of a false alarm per kind of finding.
    pub alpha: f64,
    /// Permutation rounds.
    pub resamples: usize,
    /// Random seed.
    pub seed: u64,
    /// Rows per window (and slice) below which nothing is tested.
    pub min_rows: usize,
    /// Novel inputs listed.
    pub novel: usize,
    /// What raises an alarm.
    pub alarm_on: Vec<Finding>,
}

impl MonitorConfig {
    /// Settings with the defaults, for `sources`.
    pub fn new(sources: Sources) -> Self {
        MonitorConfig {
            sources,
            benchmark: Vec::new(),
            fields: FieldMap::default(),
            time_field: None,
            metrics: Vec::new(),
            metric_options: MetricOptions::default(),
            slice_by: None,
            tolerances: BTreeMap::new(),
            alpha: 0.05,
            resamples: 10_000,
            seed: 12_345,
            min_rows: 20,
            novel: 10,
            alarm_on: vec![Finding::Regression],
        }
    }

    /// Checks the settings' ranges.
    pub fn validate(&self) -> Result<()> {
        if !(self.alpha > 0.0 && self.alpha < 0.5) {
            return Err(Error::Usage(format!(
                "--alpha {}: must be between 0 and 0.5",
                self.alpha
            )));
        }
        if self.resamples < 99 {
            return Err(Error::Usage(format!(
                "--resamples {}: at least 99 (a p-value cannot go below 1/(resamples + 1))",
                self.resamples
            )));
        }
        if self.min_rows < 2 {
            return Err(Error::Usage("--min-rows: at least 2".into()));
        }
        for (name, &t) in &self.tolerances {
            if !(t >= 0.0 && t.is_finite()) {
                return Err(Error::Usage(format!(
                    "--tolerance {name}={t}: must be 0 or more"
                )));
            }
        }
        Ok(())
    }
}

// --- The report ------------------------------------------------------------------

/// What a monitor run found: plain data for the renderers.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MonitorReport {
    /// Version of this layout.
    pub schema_version: u32,
    /// benchgate's version.
    pub version: String,
    /// Whether an alarm was raised (exit code 1).
    pub alarm: bool,
    /// Why, one sentence each.
    pub reasons: Vec<String>,
    /// The two windows.
    pub windows: Windows,
    /// The field the mix is held fixed over, and slices tested by.
    pub slice_by: Option<String>,
    /// One row per metric (overall).
    pub metrics: Vec<MetricChange>,
    /// One row per metric and slice.
    pub slices: Vec<SliceChange>,
    /// The slices' shares in both windows (with `--slice-by`).
    pub mix: Option<Mix>,
    /// Live inputs against the benchmark (with `--benchmark`).
    pub input_drift: Option<InputDrift>,
    /// The current window's inputs least like any benchmark input.
    pub novel_inputs: Vec<NovelInput>,
    /// The settings the numbers rest on.
    pub settings: Settings,
    /// What the reader should know about how the numbers were made.
    pub notes: Vec<String>,
    /// What may make the numbers less trustworthy.
    pub warnings: Vec<String>,
}

/// The reference and current windows.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Windows {
    /// The reference window.
    pub reference: WindowInfo,
    /// The current window.
    pub current: WindowInfo,
    /// Log rows in neither window.
    pub outside: usize,
}

/// One window.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WindowInfo {
    /// How the report names it ("previous 7d", a file name).
    pub label: String,
    /// First instant (RFC 3339), when split by time.
    pub start: Option<String>,
    /// Last instant.
    pub end: Option<String>,
    /// Rows in it.
    pub rows: usize,
}

/// The settings of the run.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Settings {
    /// Chance of a false alarm per kind of finding.
    pub alpha: f64,
    /// Permutation rounds.
    pub resamples: usize,
    /// Random seed.
    pub seed: u64,
    /// Rows below which a window or slice is not tested.
    pub min_rows: usize,
    /// What raises an alarm.
    pub alarm_on: Vec<Finding>,
}

/// One metric's change between the windows.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MetricChange {
    /// Metric name.
    pub name: String,
    /// Which way is better.
    pub direction: Direction,
    /// How values read.
    pub scale: ValueScale,
    /// Mean over the reference window.
    pub reference: f64,
    /// Mean over the current window.
    pub current: f64,
    /// current − reference: the raw change, mix included.
    pub delta: f64,
    /// The change within slices, weighted by the reference window's mix
    /// (direct standardisation): what the model did. Equal to `delta`
    /// without `--slice-by`.
    pub delta_at_reference_mix: f64,
    /// Lower end of `delta_at_reference_mix`'s interval, two-sided at
    /// 1 − 2·`alpha_row`.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// One-sided p-value of "not worse by more than the tolerance" at the
    /// reference mix, scaled by the row's share of alpha (at most 1): the
    /// row regressed exactly when it is at most alpha.
    pub p_value: f64,
    /// The one-sided level the row was tested at.
    pub alpha_row: f64,
    /// The margin a change must exceed to count.
    pub tolerance: f64,
    /// How the row was tested.
    pub method: UnpairedMethod,
    /// The verdict, on `delta_at_reference_mix`.
    pub verdict: Verdict,
    /// Rows with a value (reference, current).
    pub rows: [usize; 2],
    /// Why the verdict is what it is, when not plain.
    pub note: Option<String>,
}

/// One metric's change within one slice.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SliceChange {
    /// Metric name.
    pub metric: String,
    /// Slice value.
    pub slice: String,
    /// How values read.
    pub scale: ValueScale,
    /// Mean over the slice's reference rows.
    pub reference: f64,
    /// Mean over its current rows.
    pub current: f64,
    /// current − reference.
    pub delta: f64,
    /// Interval of `delta` at 1 − 2·`alpha_row`.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// As [`MetricChange::p_value`].
    pub p_value: f64,
    /// The one-sided level the row was tested at (0: not tested).
    pub alpha_row: f64,
    /// How the row was tested.
    pub method: UnpairedMethod,
    /// The verdict.
    pub verdict: Verdict,
    /// Rows with a value (reference, current).
    pub rows: [usize; 2],
}

/// The slices' shares of two samples and the test of whether they differ.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Mix {
    /// The slice field.
    pub field: String,
    /// One row per slice, largest reference share first.
    pub rows: Vec<MixRow>,
    /// The likelihood-ratio statistic G.
    pub g: f64,
    /// Its degrees of freedom.
    pub df: usize,
    /// p-value of "the shares did not change".
    pub p_value: f64,
    /// `exact` (Monte Carlo exact-conditional) or `chi-square` (large counts).
    pub test: String,
    /// Whether the shares changed (p ≤ alpha).
    pub changed: bool,
}

/// One slice's share on each side.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MixRow {
    /// Slice value.
    pub slice: String,
    /// Share of the reference side (or the benchmark).
    pub reference: f64,
    /// Share of the current side.
    pub current: f64,
    /// current − reference.
    pub change: f64,
    /// Rows (reference, current).
    pub rows: [u64; 2],
    /// Whether this slice's share moved (adjusted residual beyond the
    /// two-sided Bonferroni bound at alpha/slices).
    pub moved: bool,
}

/// Verdict on input drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DriftVerdict {
    /// Live inputs can be told from the benchmark's better than chance.
    Drift,
    /// No drift shown.
    NoDrift,
    /// Too few inputs to tell.
    NotTested,
}

/// Live inputs against the benchmark.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InputDrift {
    /// The benchmark's files.
    pub benchmark: Vec<String>,
    /// Inputs used (benchmark, current window).
    pub rows: [usize; 2],
    /// Held-out AUC of a classifier telling live inputs from the benchmark's
    /// (0.5: alike).
    pub score: f64,
    /// Lower end of its interval (two-sided at 1 − 2·alpha).
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// One-sided permutation p-value of "no drift".
    pub p_value: f64,
    /// Permutations run.
    pub rounds: usize,
    /// The verdict.
    pub verdict: DriftVerdict,
    /// The n-grams most typical of each side.
    pub typical_terms: TypicalTerms,
    /// The slices' shares in the benchmark and the current window.
    pub mix: Option<Mix>,
    /// When the current window had more inputs than are kept
    /// ([`tally::SAMPLE_SIZE`]): drift and novel inputs were measured on a
    /// uniform sample of them.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub sample: Option<InputSample>,
}

/// The sample of the current window's inputs that input drift and novel
/// inputs were measured on.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InputSample {
    /// Always true: the inputs were sampled.
    pub sampled: bool,
    /// Inputs in the sample.
    pub sample_size: usize,
    /// Inputs in the current window (non-blank).
    pub window_inputs: u64,
}

/// The words most typical of each side.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TypicalTerms {
    /// Of the benchmark.
    pub benchmark: Vec<String>,
    /// Of live traffic.
    pub live: Vec<String>,
}

/// A live input unlike any benchmark input.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NovelInput {
    /// The row's id.
    pub id: String,
    /// The input.
    pub input: String,
    /// What the model answered.
    pub output: String,
    /// Its slice.
    pub slice: Option<String>,
    /// Cosine similarity with the nearest benchmark input (TF-IDF n-grams).
    pub similarity: f64,
    /// That benchmark input's id.
    pub nearest_id: Option<String>,
    /// Times this input was seen in the current window.
    pub count: usize,
}

// --- Loading ---------------------------------------------------------------------

/// The two windows, read and scored, and the benchmark.
pub struct Inputs {
    /// The windows as the report names them.
    pub windows: Windows,
    /// The benchmark, when given.
    pub benchmark: Option<Dataset>,
    /// What was kept of the windows' rows.
    tally: Tally,
}

impl Inputs {
    /// The windows from rows in memory (the reference window's, then the
    /// current window's), kept as [`load`] keeps what it reads.
    pub fn from_rows(config: &MonitorConfig, windows: Windows, rows: [Vec<Row>; 2]) -> Inputs {
        let mut tally = Tally::new(config);
        for (side, rows) in [Side::Reference, Side::Current].into_iter().zip(rows) {
            let sides = vec![Some(side); rows.len()];
            tally.add(Path::new(""), rows, &sides);
        }
        Inputs {
            windows,
            benchmark: None,
            tally,
        }
    }
}

/// Reads the logs a block at a time, keeps what [`tally`] keeps of each row
/// in a window (scoring it as it comes), and reads the benchmark.
///
/// Logs split by time are read twice: once for their oldest and newest
/// times, which place the windows, and once to keep the rows in them.
pub fn load(config: &MonitorConfig, read: &dyn Fn(u64)) -> Result<Inputs> {
    let time = config.time_field.as_deref();
    let shown = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut tally = Tally::new(config);
    let windows = match &config.sources {
        Sources::Explicit { reference, current } => {
            let mut spans = [None, None];
            for (side, paths) in [(Side::Reference, reference), (Side::Current, current)] {
                logs::for_each_block(paths, &config.fields, time, read, &mut |block| {
                    for &t in block.times.iter().flatten() {
                        widen(&mut spans[side as usize], t);
                    }
                    let sides = vec![Some(side); block.rows.len()];
                    tally.add(block.path, block.rows, &sides);
                    Ok(())
                })?;
            }
            let rows = tally.rows();
            let info = |label, side: usize| WindowInfo {
                label,
                start: spans[side].map(|(t, _)| stamp(t)),
                end: spans[side].map(|(_, t)| stamp(t)),
                rows: usize::try_from(rows[side]).unwrap_or(usize::MAX),
            };
            Windows {
                reference: info(shown(reference), 0),
                current: info(shown(current), 1),
                outside: 0,
            }
        }
        Sources::Logs {
            logs: paths,
            window,
            against,
        } => {
            let mut span = None;
            let mut untimed: Option<Error> = None;
            logs::for_each_block(paths, &config.fields, time, read, &mut |block| {
                for (row, t) in block.rows.iter().zip(&block.times) {
                    match t {
                        Some(t) => widen(&mut span, *t),
                        None if untimed.is_none() => {
                            untimed = Some(Error::input(
                                Location::file(block.path)
                                    .at_line(row.line)
                                    .with_field(time.unwrap_or("timestamp")),
                                format!(
                                    "the row has no time (looked for {}); --window splits the logs by time: name the field with --time-field, or compare two sets of files with --reference and --current",
                                    logs::TIME_FIELDS.join(", ")
                                ),
                            ));
                        }
                        None => {}
                    }
                }
                Ok(())
            })?;
            if let Some(e) = untimed {
                return Err(e);
            }
            let Some((oldest, newest)) = span else {
                return Err(Error::Settings("the logs hold no rows".into()));
            };
            let layout = Layout::new(oldest, newest, *window, *against);
            let mut outside = 0;
            logs::for_each_block(paths, &config.fields, time, read, &mut |block| {
                let sides: Vec<Option<Side>> = block
                    .times
                    .iter()
                    .map(|t| t.and_then(|t| layout.side(t)))
                    .collect();
                outside += sides.iter().filter(|s| s.is_none()).count();
                tally.add(block.path, block.rows, &sides);
                Ok(())
            })?;
            let label = match against {
                Against::Previous => format!("previous {}", window.label()),
                Against::First => format!("first {}", window.label()),
                Against::Range(..) => "stated range".to_string(),
            };
            let rows = tally.rows();
            let info = |label, bounds: &window::Bounds, side: usize| WindowInfo {
                label,
                start: Some(stamp(bounds.start)),
                end: Some(stamp(bounds.end)),
                rows: usize::try_from(rows[side]).unwrap_or(usize::MAX),
            };
            Windows {
                reference: info(label, &layout.reference, 0),
                current: info(format!("last {}", window.label()), &layout.current, 1),
                outside,
            }
        }
    };
    if windows.reference.rows == 0 || windows.current.rows == 0 {
        let empty = if windows.reference.rows == 0 {
            "reference"
        } else {
            "current"
        };
        return Err(Error::Settings(format!(
            "the {empty} window ({}, {} to {}) holds no row; choose another --window or --against",
            if windows.reference.rows == 0 {
                &windows.reference.label
            } else {
                &windows.current.label
            },
            windows.reference.start.as_deref().unwrap_or("?"),
            windows.reference.end.as_deref().unwrap_or("?"),
        )));
    }
    let benchmark = if config.benchmark.is_empty() {
        None
    } else {
        let fields = FieldMap {
            line_ids: true,
            prediction_optional: true,
            ..config.fields.clone()
        };
        Some(crate::load::load_all(&config.benchmark, &fields)?)
    };
    Ok(Inputs {
        windows,
        benchmark,
        tally,
    })
}

/// Bytes [`load`] reads: the logs' twice when they are split by time.
pub fn bytes_to_read(config: &MonitorConfig) -> u64 {
    let size = |paths: &[PathBuf]| -> u64 {
        paths
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    };
    match &config.sources {
        Sources::Explicit { reference, current } => size(reference) + size(current),
        Sources::Logs { logs, .. } => 2 * size(logs),
    }
}

/// Stretches `span` (oldest, newest) to hold `t`.
fn widen(span: &mut Option<(DateTime<Utc>, DateTime<Utc>)>, t: DateTime<Utc>) {
    *span = Some(match *span {
        None => (t, t),
        Some((a, b)) => (a.min(t), b.max(t)),
    });
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

// --- Scoring ---------------------------------------------------------------------

/// Every metric's values by slice and window, and what the judge needs
/// besides.
pub struct Scored {
    /// Metrics in report order.
    pub metrics: Vec<Box<dyn Metric>>,
    /// `values[m][slice][side]`: the metric's values on the rows of a slice
    /// in a window (0 reference, 1 current), in file order; a row without a
    /// value has none here.
    pub values: Vec<Vec<[Vec<f64>; 2]>>,
    /// Slice values, in order of first appearance (the reference window's
    /// rows first).
    pub slice_names: Vec<String>,
    /// Rows per slice and window.
    pub counts: Vec<[u64; 2]>,
    /// Notes on how metrics were chosen.
    pub notes: Vec<String>,
    /// The windows as the report names them.
    pub windows: Windows,
    /// The benchmark, when given.
    pub benchmark: Option<Dataset>,
    /// The current window's inputs for drift and novel inputs (with a
    /// benchmark): every one, or a sample of `sampled_from`.
    sample: Vec<Sampled>,
    sampled_from: u64,
}

/// Metrics that compare an output with a reference, which live logs lack.
const NEEDS_REFERENCE: &[&str] = &[
    "exact_match",
    "squad_em",
    "f1",
    "accuracy",
    "macro_f1",
    "rouge1",
    "rouge2",
    "rougeL",
    "rougeLsum",
    "bleu",
    "chrf",
    "chrf++",
    "bertscore",
    "bertscore_p",
    "bertscore_r",
    "copied_facts_recall",
];

/// The slice label of a row.
fn slice_label<'a>(row: &'a Row, field: &str) -> Option<Cow<'a, str>> {
    row.tags
        .get(field)
        .map(|t| Cow::Borrowed(t.as_str()))
        .or_else(|| {
            row.numbers
                .get(field)
                .map(|&x| Cow::Owned(crate::load::record::format_number(x)))
        })
}

/// The metrics of the run (`sentiment` and every numeric field by default)
/// with their values on the windows' rows, as [`load`] scored them.
pub fn score(config: &MonitorConfig, inputs: Inputs) -> Result<Scored> {
    let done = inputs.tally.finish(config)?;
    Ok(Scored {
        metrics: done.metrics,
        values: done.values,
        slice_names: done.slice_names,
        counts: done.counts,
        notes: done.notes,
        windows: inputs.windows,
        benchmark: inputs.benchmark,
        sample: done.sample,
        sampled_from: done.sampled_from,
    })
}

// --- Judging -----------------------------------------------------------------------

/// One row under test: overall (slice `None`) or one slice of one metric.
struct Row2 {
    metric: usize,
    slice: Option<usize>,
    test: Unpaired,
    rows: [usize; 2],
    means: [f64; 2],
    tested: bool,
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        f64::NAN
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

/// Everything a report needs from the comparisons: verdicts per metric and
/// slice, the mix, input drift and novel inputs.
pub fn judge(config: &MonitorConfig, scored: &Scored) -> MonitorReport {
    let salt = |m: usize, s: Option<usize>| 1 + (m as u64) * 10_007 + s.map_or(0, |s| s as u64 + 1);
    let mut tests: Vec<Row2> = Vec::new();
    let mut notes = scored.notes.clone();
    let mut warnings = Vec::new();
    for (m, by) in scored.values.iter().enumerate() {
        let all: [Vec<f64>; 2] =
            [0, 1].map(|side| by.iter().flat_map(|b| b[side].iter().copied()).collect());
        let strata: Vec<Stratum<'_>> = by
            .iter()
            .map(|b| Stratum {
                reference: &b[0],
                current: &b[1],
                weight: b[0].len() as f64,
            })
            .collect();
        let missing: Vec<&str> = by
            .iter()
            .enumerate()
            .filter(|(_, b)| !b[0].is_empty() && b[1].is_empty())
            .map(|(s, _)| scored.slice_names[s].as_str())
            .collect();
        if config.slice_by.is_some() && !missing.is_empty() {
            notes.push(format!(
                "{}: slices with no current rows are left out of the change at the reference mix ({})",
                scored.metrics[m].name(),
                missing.join(", ")
            ));
        }
        let rows = [all[0].len(), all[1].len()];
        tests.push(Row2 {
            metric: m,
            slice: None,
            test: unpaired::test(&strata, config.resamples, config.seed, salt(m, None)),
            rows,
            means: [mean(&all[0]), mean(&all[1])],
            tested: rows[0] >= config.min_rows && rows[1] >= config.min_rows,
        });
        if config.slice_by.is_some() {
            for (s, b) in by.iter().enumerate() {
                if b[0].is_empty() && b[1].is_empty() {
                    continue;
                }
                let one = [Stratum {
                    reference: &b[0],
                    current: &b[1],
                    weight: 1.0,
                }];
                let rows = [b[0].len(), b[1].len()];
                tests.push(Row2 {
                    metric: m,
                    slice: Some(s),
                    test: unpaired::test(&one, config.resamples, config.seed, salt(m, Some(s))),
                    rows,
                    means: [mean(&b[0]), mean(&b[1])],
                    tested: rows[0] >= config.min_rows && rows[1] >= config.min_rows,
                });
            }
        }
    }
    // The regression p-value of each row at its tolerance.
    let p: Vec<f64> = tests
        .iter()
        .map(|t| {
            let metric = &scored.metrics[t.metric];
            let tol = config.tolerances.get(metric.name()).copied().unwrap_or(0.0);
            match metric.direction() {
                Direction::Higher => t.test.p_at_least(-tol),
                Direction::Lower => t.test.p_at_most(tol),
            }
        })
        .collect();
    let graph = monitor_graph(&tests);
    let outcomes = graph.run(config.alpha, &p);
    let mut metrics_out = Vec::new();
    let mut slices_out = Vec::new();
    let mut reasons = Vec::new();
    for ((t, outcome), &p) in tests.iter().zip(&outcomes).zip(&p) {
        let metric = &scored.metrics[t.metric];
        let tol = config.tolerances.get(metric.name()).copied().unwrap_or(0.0);
        let level = if t.tested { outcome.level } else { 0.0 };
        let result = t
            .test
            .invert(if level > 0.0 { level } else { config.alpha });
        let sign = metric.direction().sign();
        let (a, b) = (result.ci_low * sign, result.ci_high * sign);
        let (low, high) = (a.min(b), a.max(b));
        let (verdict, note) = if !t.tested {
            (
                Verdict::Inconclusive,
                Some(format!(
                    "{} and {} rows: at least {} a window are needed to test (--min-rows)",
                    t.rows[0], t.rows[1], config.min_rows
                )),
            )
        } else {
            decide(low, high, tol)
        };
        let p_value = if level > 0.0 {
            (p * config.alpha / level).min(1.0)
        } else {
            1.0
        };
        let scale = match metric.scale() {
            metrics::Scale::Fraction => ValueScale::Fraction,
            metrics::Scale::Raw => ValueScale::Raw,
        };
        let delta = t.means[1] - t.means[0];
        match t.slice {
            None => {
                let adjusted = t.test.estimate.delta;
                if verdict == Verdict::Regressed {
                    reasons.push(format!(
                        "{} got worse at the reference window's mix: {:+.4} [{:+.4}, {:+.4}]",
                        metric.name(),
                        adjusted,
                        result.ci_low,
                        result.ci_high
                    ));
                }
                metrics_out.push(MetricChange {
                    name: metric.name().to_string(),
                    direction: metric.direction(),
                    scale,
                    reference: t.means[0],
                    current: t.means[1],
                    delta,
                    delta_at_reference_mix: adjusted,
                    ci_low: result.ci_low,
                    ci_high: result.ci_high,
                    p_value,
                    alpha_row: level,
                    tolerance: tol,
                    method: t.test.method,
                    verdict,
                    rows: t.rows,
                    note,
                });
            }
            Some(s) => {
                if verdict == Verdict::Regressed {
                    reasons.push(format!(
                        "{} got worse in {} {}: {:+.4} [{:+.4}, {:+.4}]",
                        metric.name(),
                        config.slice_by.as_deref().unwrap_or("slice"),
                        scored.slice_names[s],
                        delta,
                        result.ci_low,
                        result.ci_high
                    ));
                }
                slices_out.push(SliceChange {
                    metric: metric.name().to_string(),
                    slice: scored.slice_names[s].clone(),
                    scale,
                    reference: t.means[0],
                    current: t.means[1],
                    delta,
                    ci_low: result.ci_low,
                    ci_high: result.ci_high,
                    p_value,
                    alpha_row: level,
                    method: t.test.method,
                    verdict,
                    rows: t.rows,
                });
            }
        }
    }
    let regressed = !reasons.is_empty();
    if !config.alarm_on.contains(&Finding::Regression) && regressed {
        warnings
            .push("a metric regressed, but --alarm-on leaves regressions out of the alarm".into());
    }
    let mut alarm = regressed && config.alarm_on.contains(&Finding::Regression);
    let mut reasons = if config.alarm_on.contains(&Finding::Regression) {
        reasons
    } else {
        Vec::new()
    };
    // The mix of the windows.
    let mix = config
        .slice_by
        .as_ref()
        .map(|field| mix_of(field, &scored.slice_names, &scored.counts, config));
    if let Some(m) = &mix {
        if m.changed && config.alarm_on.contains(&Finding::Mix) {
            alarm = true;
            reasons.push(format!(
                "the mix of {} changed (p {})",
                m.field,
                short_p(m.p_value)
            ));
        }
    }
    // Against the benchmark.
    let (input_drift, novel_inputs) = match &scored.benchmark {
        None => (None, Vec::new()),
        Some(bench) => against_benchmark(config, scored, bench, &mut warnings),
    };
    if let Some(d) = input_drift.as_ref().and_then(|d| d.sample.as_ref()) {
        notes.push(format!(
            "input drift and novel inputs: a uniform sample of {} of the current window's {} inputs (seed {}); novel inputs' counts are within the sample",
            d.sample_size, d.window_inputs, config.seed
        ));
    }
    if let Some(d) = &input_drift {
        if d.verdict == DriftVerdict::Drift && config.alarm_on.contains(&Finding::Drift) {
            alarm = true;
            reasons.push(format!(
                "live inputs drifted from the benchmark: AUC {:.3} [{:.3}, {:.3}]",
                d.score, d.ci_low, d.ci_high
            ));
        }
    }
    if scored
        .metrics
        .iter()
        .any(|m| m.assumed_direction().is_some())
    {
        let guessed: Vec<String> = scored
            .metrics
            .iter()
            .filter_map(|m| {
                m.assumed_direction().map(|why| {
                    let d = match m.direction() {
                        Direction::Higher => "higher",
                        Direction::Lower => "lower",
                    };
                    format!("{} {d} is better ({why})", m.name())
                })
            })
            .collect();
        notes.push(format!(
            "directions assumed from the names: {}; set them with --direction NAME=higher|lower",
            guessed.join(", ")
        ));
    }
    MonitorReport {
        schema_version: SCHEMA_VERSION,
        version: env!("CARGO_PKG_VERSION").to_string(),
        alarm,
        reasons,
        windows: scored.windows.clone(),
        slice_by: config.slice_by.clone(),
        metrics: metrics_out,
        slices: slices_out,
        mix,
        input_drift,
        novel_inputs,
        settings: Settings {
            alpha: config.alpha,
            resamples: config.resamples,
            seed: config.seed,
            min_rows: config.min_rows,
            alarm_on: config.alarm_on.clone(),
        },
        notes,
        warnings,
    }
}

/// A p-value in a sentence.
fn short_p(p: f64) -> String {
    if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// The verdict of a gain interval `[low, high]` at tolerance `tol` (the
/// gate's rule, `crate::judge`).
fn decide(low: f64, high: f64, tol: f64) -> (Verdict, Option<String>) {
    if high < -tol {
        (Verdict::Regressed, None)
    } else if low > tol {
        (Verdict::Improved, None)
    } else if low >= -tol && high <= tol {
        (Verdict::Unchanged, None)
    } else if tol == 0.0 {
        (Verdict::NotSignificant, None)
    } else {
        (
            Verdict::Inconclusive,
            Some(format!(
                "the interval reaches across the tolerance {tol}: more rows would settle it"
            )),
        )
    }
}

/// The alpha split over rows: overall rows first (Holm among them), slice
/// rows second with [`SLICE_SHARE`], as the gate's graph (`crate::judge`).
fn monitor_graph(tests: &[Row2]) -> Graph {
    let n = tests.len();
    let primary: Vec<usize> = (0..n)
        .filter(|&i| tests[i].tested && tests[i].slice.is_none())
        .collect();
    let secondary = (0..n)
        .filter(|&i| tests[i].tested && tests[i].slice.is_some())
        .count();
    let share = if secondary > 0 { SLICE_SHARE } else { 0.0 };
    let weights = tests
        .iter()
        .map(|t| match (t.tested, t.slice) {
            (false, _) => 0.0,
            (true, None) => (1.0 - share) / primary.len().max(1) as f64,
            (true, Some(_)) => share / secondary as f64,
        })
        .collect();
    let mut edges = vec![vec![0.0; n]; n];
    for (j, t) in tests.iter().enumerate() {
        if !t.tested {
            continue;
        }
        let own: Vec<usize> = (0..n)
            .filter(|&i| {
                i != j && tests[i].tested && tests[i].metric == t.metric && tests[i].slice.is_some()
            })
            .collect();
        if t.slice.is_none() {
            let others: Vec<usize> = primary.iter().copied().filter(|&i| i != j).collect();
            let to_own = match (own.is_empty(), others.is_empty()) {
                (true, _) => 0.0,
                (false, true) => 1.0,
                (false, false) => 0.5,
            };
            for &i in &own {
                edges[j][i] = to_own / own.len() as f64;
            }
            for &i in &others {
                edges[j][i] = (1.0 - to_own) / others.len() as f64;
            }
        } else if own.is_empty() {
            if let Some(&p) = primary.iter().find(|&&i| tests[i].metric == t.metric) {
                edges[j][p] = 1.0;
            }
        } else {
            for &i in &own {
                edges[j][i] = 1.0 / own.len() as f64;
            }
        }
    }
    Graph { weights, edges }
}

/// The shares of `counts` (reference, current) per slice and their test.
fn mix_of(field: &str, names: &[String], counts: &[[u64; 2]], config: &MonitorConfig) -> Mix {
    let r: Vec<u64> = counts.iter().map(|c| c[0]).collect();
    let c: Vec<u64> = counts.iter().map(|c| c[1]).collect();
    let h: Homogeneity = homogeneity(&r, &c, config.resamples, config.seed);
    let (nr, nc) = (
        r.iter().sum::<u64>().max(1) as f64,
        c.iter().sum::<u64>().max(1) as f64,
    );
    let changed = h.p_value <= config.alpha;
    let bound =
        crate::stats::normal_quantile(1.0 - config.alpha / (2.0 * names.len().max(1) as f64));
    let mut rows: Vec<MixRow> = names
        .iter()
        .enumerate()
        .map(|(s, name)| MixRow {
            slice: name.clone(),
            reference: r[s] as f64 / nr,
            current: c[s] as f64 / nc,
            change: c[s] as f64 / nc - r[s] as f64 / nr,
            rows: [r[s], c[s]],
            moved: changed && h.residuals[s].abs() > bound,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.reference
            .total_cmp(&a.reference)
            .then(a.slice.cmp(&b.slice))
    });
    Mix {
        field: field.to_string(),
        rows,
        g: h.g,
        df: h.df,
        p_value: h.p_value,
        test: if h.exact {
            "exact".into()
        } else {
            "chi-square".into()
        },
        changed,
    }
}

/// Input drift and novel inputs of the current window against the benchmark.
fn against_benchmark(
    config: &MonitorConfig,
    scored: &Scored,
    bench: &Dataset,
    warnings: &mut Vec<String>,
) -> (Option<InputDrift>, Vec<NovelInput>) {
    let bench_inputs: Vec<(usize, &str)> = bench
        .rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.input.as_deref().map(|t| (i, t)))
        .filter(|(_, t)| !t.trim().is_empty())
        .collect();
    // The sample holds the current window's non-blank inputs, in file order.
    let live: Vec<(usize, &str)> = scored
        .sample
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.input.as_str()))
        .collect();
    if bench_inputs.is_empty() || live.is_empty() {
        warnings.push(format!(
            "no input drift: {} has {} inputs and the current window {} (looked for the fields {})",
            bench.path.display(),
            bench_inputs.len(),
            live.len(),
            config.fields.input.join(", ")
        ));
        return (None, Vec::new());
    }
    let b_texts: Vec<&str> = bench_inputs.iter().map(|x| x.1).collect();
    let l_texts: Vec<&str> = live.iter().map(|x| x.1).collect();
    let found = drift::drift(
        &b_texts,
        &l_texts,
        config.alpha,
        config.resamples,
        config.seed,
    );
    let slice_mix = config.slice_by.as_ref().and_then(|field| {
        let labels: Vec<Option<Cow<'_, str>>> =
            bench.rows.iter().map(|r| slice_label(r, field)).collect();
        if labels.iter().all(Option::is_none) {
            return None;
        }
        let mut names = scored.slice_names.clone();
        let mut counts = vec![[0u64; 2]; names.len()];
        for l in labels {
            let l = l.unwrap_or(Cow::Borrowed(NO_SLICE));
            let s = match names.iter().position(|n| *n == l) {
                Some(s) => s,
                None => {
                    names.push(l.into_owned());
                    counts.push([0, 0]);
                    names.len() - 1
                }
            };
            counts[s][0] += 1;
        }
        for (s, c) in scored.counts.iter().enumerate() {
            counts[s][1] += c[1];
        }
        // Slices in neither the benchmark nor the current window say nothing.
        let keep: Vec<usize> = (0..names.len()).filter(|&s| counts[s] != [0, 0]).collect();
        let names: Vec<String> = keep.iter().map(|&s| names[s].clone()).collect();
        let counts: Vec<[u64; 2]> = keep.iter().map(|&s| counts[s]).collect();
        Some(mix_of(field, &names, &counts, config))
    });
    let sample = (scored.sampled_from > live.len() as u64).then_some(InputSample {
        sampled: true,
        sample_size: live.len(),
        window_inputs: scored.sampled_from,
    });
    let benchmark_files: Vec<String> = config
        .benchmark
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let input_drift = Some(match found {
        Some(d) => InputDrift {
            benchmark: benchmark_files,
            rows: d.used,
            score: d.score,
            ci_low: d.ci.0,
            ci_high: d.ci.1,
            p_value: d.p_value,
            rounds: d.rounds,
            verdict: if d.p_value <= config.alpha {
                DriftVerdict::Drift
            } else {
                DriftVerdict::NoDrift
            },
            typical_terms: TypicalTerms {
                benchmark: d.typical[0].clone(),
                live: d.typical[1].clone(),
            },
            mix: slice_mix,
            sample,
        },
        None => InputDrift {
            benchmark: benchmark_files,
            rows: [b_texts.len(), l_texts.len()],
            score: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            p_value: 1.0,
            rounds: 0,
            verdict: DriftVerdict::NotTested,
            typical_terms: TypicalTerms {
                benchmark: Vec::new(),
                live: Vec::new(),
            },
            mix: slice_mix,
            sample,
        },
    });
    let nearest = novel::nearest(&b_texts, &live);
    let novel_inputs = nearest
        .into_iter()
        .take(config.novel)
        .map(|n| {
            let row = &scored.sample[n.row];
            NovelInput {
                id: row.id.clone(),
                input: row.input.clone(),
                output: row.output.clone(),
                slice: config
                    .slice_by
                    .as_ref()
                    .map(|_| scored.slice_names[row.slice as usize].clone()),
                similarity: n.similarity,
                nearest_id: n
                    .nearest
                    .map(|b| bench.rows[bench_inputs[b].0].id.to_string()),
                count: n.count,
            }
        })
        .collect();
    (input_drift, novel_inputs)
}
