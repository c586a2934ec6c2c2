//! evalgate: a regression gate for LLM evaluations.
//!
//! A run is one pass through the pipeline, each stage a module that takes the
//! previous stage's plain data:
//!
//! ```text
//! load ─▶ align ─▶ score ─▶ resample ─▶ judge ─▶ render ─▶ publish
//! ```
//!
//! [`compare`] is that pass up to the verdict; rendering and writing the outputs
//! are [`render`] and [`publish`]. Statistics never know about files or GitHub,
//! and rendering never computes statistics.

pub mod align;
pub mod cli;
pub mod config;
pub mod error;
pub mod judge;
pub mod load;
pub mod metrics;
pub mod publish;
pub mod render;
pub mod report;
pub mod score;
pub mod stats;

use std::collections::BTreeMap;
use std::path::PathBuf;

use config::{Config, TestKind};
use error::{Error, Result};
use load::FieldMap;
use metrics::MetricOptions;
use report::Report;

/// A stage of the pipeline, as progress reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and parsing the input files.
    Load,
    /// Pairing examples by id.
    Align,
    /// Per-example metric statistics.
    Score,
    /// Bootstrap (and randomization) resamples.
    Resample,
    /// Verdicts.
    Judge,
}

impl Stage {
    /// Its name in progress lines.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Load => "load",
            Stage::Align => "align",
            Stage::Score => "score",
            Stage::Resample => "resample",
            Stage::Judge => "judge",
        }
    }
}

/// Receives the end of each stage with its duration (progress lines, timings).
pub trait Progress {
    /// `stage` finished after `elapsed`.
    fn finished(&self, stage: Stage, elapsed: std::time::Duration);
}

impl Progress for () {
    fn finished(&self, _: Stage, _: std::time::Duration) {}
}

/// Compares the current results with the baseline and judges every metric and slice.
pub fn compare(config: &Config) -> Result<Report> {
    compare_with_progress(config, &())
}

/// [`compare`], reporting each stage's end to `progress`.
pub fn compare_with_progress(config: &Config, progress: &dyn Progress) -> Result<Report> {
    let mut clock = std::time::Instant::now();
    let mut lap = |stage: Stage| {
        progress.finished(stage, clock.elapsed());
        clock = std::time::Instant::now();
    };
    config.validate()?;
    let spec = config.baseline.to_string_lossy();
    let (baseline, baseline_source) = match load::git::GitSource::parse(&spec) {
        Some(source) => source?.load(&config.fields)?,
        None => (
            load::load(&config.baseline, &config.fields)?,
            spec.to_string(),
        ),
    };
    let current = load::load_all(&config.current, &config.fields)?;
    let rows = [baseline.rows.len(), current.rows.len()];
    lap(Stage::Load);
    let aligned = align::align(align::group(baseline)?, align::group(current)?);
    lap(Stage::Align);
    if aligned.baseline.is_empty() {
        return Err(Error::Config(format!(
            "no example id appears in both {} and {}; check that both files use the same ids (and --id-field)",
            config.baseline.display(),
            config.current[0].display()
        )));
    }
    let metrics = score::choose_metrics(
        &config.metrics,
        &config.config_metrics,
        &config.metric_options,
        &aligned,
    )?;
    check_gate_names(config, &metrics)?;
    let scores = score::score(&aligned, metrics, (&config.baseline, &config.current[0]))?;
    let slices = score::slices(&aligned, &config.slice_by)?;
    let (design, layouts) = score::design(&scores, &slices);
    lap(Stage::Score);
    let bootstrap = stats::resample(&design, config.resamples, config.seed, config.resampler);
    let randomization = (config.test == TestKind::Randomization)
        .then(|| stats::randomization(&design, &layouts, config.resamples, config.seed));
    lap(Stage::Resample);
    let evidence = judge::Evidence {
        aligned: &aligned,
        scores: &scores,
        slices: &slices,
        layouts: &layouts,
        bootstrap: &bootstrap,
        randomization: randomization.as_ref(),
        rows,
        baseline_source,
    };
    let report = judge::judge(&evidence, config);
    lap(Stage::Judge);
    Ok(report)
}

fn check_gate_names(config: &Config, metrics: &[Box<dyn metrics::Metric>]) -> Result<()> {
    let names: Vec<&str> = metrics.iter().map(|m| m.name()).collect();
    for name in &config.flag_gate_names {
        if !names.contains(&name.as_str()) {
            return Err(Error::Config(format!(
                "a tolerance or bound is set for \"{name}\", which is not among the compared metrics ({}); add it with --metric or fix the name",
                names.join(", ")
            )));
        }
    }
    Ok(())
}

/// Corpus values of metrics over one or more result files (no comparison).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScoreReport {
    /// Examples scored (repeated samples count once).
    pub n: usize,
    /// Corpus value per metric.
    pub metrics: BTreeMap<String, f64>,
    /// Metric names in the order asked.
    #[serde(skip)]
    pub order: Vec<String>,
    /// Per-example scores: (id, score per metric in `order`).
    #[serde(skip)]
    pub examples: Vec<(String, Vec<f64>)>,
    /// What the metrics want the user to know (empty BERTScore sentences).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Signatures of metrics that have one (BERTScore's model hash).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<String>,
}

/// Scores result files with the named metrics.
pub fn score_files(
    inputs: &[PathBuf],
    names: &[String],
    fields: &FieldMap,
    options: &MetricOptions,
) -> Result<ScoreReport> {
    let data = load::load_all(inputs, fields)?;
    let path = data.path.clone();
    let side = align::group(data)?;
    let info = score::data_info(side.examples.iter(), names);
    let mut report = ScoreReport {
        n: side.examples.len(),
        metrics: BTreeMap::new(),
        order: Vec::new(),
        examples: side
            .examples
            .iter()
            .map(|e| (e.id.clone(), Vec::new()))
            .collect(),
        warnings: Vec::new(),
        signatures: Vec::new(),
    };
    let rows: Vec<&load::Row> = side.examples.iter().flat_map(|e| &e.samples).collect();
    for name in names {
        let mut metric = metrics::build(name, options, &info)?;
        metric.prepare(&rows, &rows)?;
        report.warnings.extend(metric.warnings());
        report.signatures.extend(metric.signature());
        let k = metric.arity();
        let stats = score::score_examples(&side.examples, metric.as_ref(), &path)?;
        let mut sums = vec![0.0; k];
        for (i, chunk) in stats.chunks(k).enumerate() {
            for (s, x) in sums.iter_mut().zip(chunk) {
                *s += x;
            }
            report.examples[i].1.push(metric.example_score(chunk));
        }
        report
            .metrics
            .insert(name.clone(), metric.corpus(&sums, report.n as f64));
        report.order.push(name.clone());
    }
    Ok(report)
}
