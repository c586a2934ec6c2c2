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

/// Compares the current results with the baseline and judges every metric and slice.
pub fn compare(config: &Config) -> Result<Report> {
    config.validate()?;
    let baseline = load::load(&config.baseline, &config.fields)?;
    let current = load::load_all(&config.current, &config.fields)?;
    let rows = [baseline.rows.len(), current.rows.len()];
    let aligned = align::align(align::group(baseline)?, align::group(current)?);
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
    let bootstrap = stats::resample(&design, config.resamples, config.seed, config.resampler);
    let randomization = (config.test == TestKind::Randomization)
        .then(|| stats::randomization(&design, &layouts, config.resamples, config.seed));
    let evidence = judge::Evidence {
        aligned: &aligned,
        scores: &scores,
        slices: &slices,
        layouts: &layouts,
        bootstrap: &bootstrap,
        randomization: randomization.as_ref(),
        rows,
        baseline_source: config.baseline.display().to_string(),
    };
    Ok(judge::judge(&evidence, config))
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
    let info = score::data_info(side.examples.iter());
    let mut report = ScoreReport {
        n: side.examples.len(),
        metrics: BTreeMap::new(),
        order: Vec::new(),
        examples: side
            .examples
            .iter()
            .map(|e| (e.id.clone(), Vec::new()))
            .collect(),
    };
    for name in names {
        let metric = metrics::build(name, options, &info)?;
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
