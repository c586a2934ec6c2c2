//! benchgate: a regression gate for LLM evaluations.
//!
//! A run is one pass through the pipeline, each stage a module that takes the
//! previous stage's plain data:
//!
//! ```text
//! load ─▶ align ─▶ score ─▶ resample ─▶ judge ─▶ render ─▶ publish
//! ```
//!
//! [`compare`] is that pass up to the verdict, one line per stage; rendering
//! and writing the outputs are [`render`] and `publish`. Statistics never
//! know about files or GitHub, and rendering never computes statistics.
//!
//! # The front door
//!
//! What the binary, the Python package and an embedding program use:
//!
//! - settings: [`config::Config`], validated once where it is built:
//!   `Config::builder(baseline, current)`, then its fields, then `build()`;
//!   or the command line's
//!   [`cli::Cli`] and [`app::run`];
//! - a run: [`compare`], [`compare_with_progress`], [`compare_with_examples`]
//!   (with every changed example, for the HTML report), [`compare_datasets`]
//!   (rows already in memory: [`load::Dataset`] of [`load::Row`]s),
//!   [`score_shard`] (`benchgate score`), [`plan`] (`benchgate plan`);
//! - the result: [`report::Report`], and [`render::render`] for its
//!   terminal, markdown and JSON forms ([`render::html::html`] for the page);
//!   every other report a command prints (the monitor's, `agreement`'s,
//!   the human review's, `history`'s drift, `plan`'s) goes through the same
//!   [`render::Renderer`] formats;
//! - failures: [`error::Error`] (exit code 2 at the command line); the
//!   report's reasons and warnings: [`diagnostic::Diagnostic`], each with a
//!   stable [`diagnostic::Code`].
//!
//! ```
//! use benchgate::config::{Config, OutputFormat};
//! use benchgate::render::{render, RenderOptions};
//! use benchgate::report::GateVerdict;
//!
//! let config = Config::builder(
//!     "fixtures/tickets/baseline.jsonl".into(),
//!     vec!["fixtures/tickets/current.jsonl".into()],
//! )
//! .build()?;
//! let report = benchgate::compare(&config)?;
//! assert_eq!(report.verdict, GateVerdict::Fail);
//! let comment = render(&report, OutputFormat::Markdown, RenderOptions::default());
//! assert!(comment.contains("regressed"));
//! # Ok::<(), benchgate::error::Error>(())
//! ```
//!
//! The public modules are those whose types the front door hands out:
//! [`config`], [`load`] (datasets and rows), [`align`] (grouping samples into
//! examples, for scoring one run), [`report`], [`diagnostic`], [`render`],
//! [`examples`] (the HTML report's changed examples), [`monitor`](mod@monitor) (its report),
//! [`error`], [`cli`] and [`app`]. The other stages (`metrics`, `stats`,
//! `design`, `review`, `history`, `agreement`, `baseline`, `github`) are
//! crate-private; the `internals` feature makes them public for benchgate's
//! own integration tests, benches and fuzz targets, which check them one by
//! one (the test binary turns it on through a dev-dependency on this crate).
//! It is not a stable API.
//!
//! # Layers: imports point one way
//!
//! A module may import from its own layer and the layers below it, never from
//! a layer above, and modules form no cycle (a folder's `mod.rs` and its own
//! files count as one module). `scripts/check-layers.py` checks every `use`
//! and `crate::` path against this table (its `LAYERS` is the same list) and
//! fails CI on a violation.
//!
//! ```text
//!  cli         cli (flags), cli_config (flags + benchgate.toml -> Config)
//!   ▲
//!  pipeline    lib.rs (compare: the run), baseline (`baseline write`), progress
//!   ▲
//!  publish     publish: output files, job summary, annotations, PR comment
//!   ▲
//!  render      render: markdown, terminal, json, html (no statistics)
//!   ▲
//!  judge       judge, noise, report, review, history, examples, agreement,
//!              monitor (live logs: windows, unpaired verdicts, drift)
//!   ▲
//!  config      config: the validated settings, made of the stages' own
//!   ▲          settings below (fields, metric options, resampler, artifact)
//!  resample    stats: resamplers, intervals, corrections (plain numbers)
//!   ▲
//!  score       metrics, score, design (the matrix score hands to stats)
//!   ▲
//!  align       align: pairing by id, the dataset fingerprint
//!   ▲
//!  load        load: readers, baseline header, baseline sources (file, git:, artifact:)
//!   ▲
//!  base        error, diagnostic (reasons and warnings), escape, atomic (file
//!              writer), github (client, Actions env)
//! ```
//!
//! When two stages need the same helper, it moves down, not sideways; an error
//! type lives with the code that raises it or in the base layer.

/// Declares the stages that are crate-private unless the `internals` feature
/// makes them public (see "The front door" above).
macro_rules! stages {
    ($($name:ident),* $(,)?) => {$(
        #[cfg(feature = "internals")]
        pub mod $name;
        #[cfg(not(feature = "internals"))]
        pub(crate) mod $name;
    )*};
}

stages!(agreement, baseline, design, github, history, metrics, review, stats);

pub mod align;
pub mod app;
pub(crate) mod atomic;
pub mod cli;
pub(crate) mod cli_config;
pub mod config;
pub mod diagnostic;
pub mod error;
pub(crate) mod escape;
pub mod examples;
pub(crate) mod judge;
pub mod load;
pub mod monitor;
pub(crate) mod noise;
pub(crate) mod progress;
pub(crate) mod publish;
pub mod render;
pub mod report;
pub(crate) mod score;

use std::collections::BTreeMap;
use std::path::PathBuf;

use config::Config;
use error::{Error, Location, Result};
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

/// Receives the progress of each stage (progress bars, stage lines, timings).
///
/// `started` and `advance` have empty defaults: an implementation that only
/// wants timings implements `finished`. `advance` may be called from several
/// threads at once.
pub trait Progress: Sync {
    /// `stage` finished after `elapsed`.
    fn finished(&self, stage: Stage, elapsed: std::time::Duration);
    /// `stage` began, with `total` units of work: bytes for [`Stage::Load`],
    /// examples × metrics × sides for [`Stage::Score`], resamples for
    /// [`Stage::Resample`] (0 when unknown).
    fn started(&self, _stage: Stage, _total: u64) {}
    /// `units` more units of the current stage are done.
    fn advance(&self, _units: u64) {}
    /// What the current stage is doing now, when it is slow and its units do
    /// not move ("llm_judge: 12 of 30 judge requests"); empty when done.
    fn note(&self, _text: &str) {}
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
    Ok(run(config, progress)?.0)
}

/// [`compare_with_progress`], and every changed example in full for the HTML
/// report (`--html-out`).
pub fn compare_with_examples(
    config: &Config,
    progress: &dyn Progress,
) -> Result<(Report, examples::ExampleTable)> {
    let (report, paired, scored) = run(config, progress)?;
    let table = examples::table(&paired.aligned, &scored.scores, &scored.slices);
    Ok((report, table))
}

/// [`compare_with_examples`] over rows already in memory (the Python API's
/// lists of dicts and DataFrames) instead of files: `config.inputs().baseline` and
/// `config.inputs().current` only name the two sides in the report and in messages.
pub fn compare_datasets(
    config: &Config,
    progress: &dyn Progress,
    baseline: load::Dataset,
    current: load::Dataset,
) -> Result<(Report, examples::ExampleTable)> {
    let mut clock = Clock::new(progress);
    let source = baseline.path.display().to_string();
    let (inputs, provenance) =
        clock.lap(Stage::Load, pair_inputs(config, baseline, source, current)?);
    let (report, paired, scored) = after_load(config, clock, (inputs, provenance))?;
    let table = examples::table(&paired.aligned, &scored.scores, &scored.slices);
    Ok((report, table))
}

/// `benchgate monitor`: reads live logs into two windows (and the
/// benchmark), scores every logged output with reference-free metrics, and
/// judges the change at the reference window's mix, the mix itself, input
/// drift and novel inputs ([`monitor`]).
pub fn monitor(
    config: &monitor::MonitorConfig,
    progress: &dyn Progress,
) -> Result<monitor::MonitorReport> {
    config.validate()?;
    let mut clock = Clock::new(progress);
    progress.started(Stage::Load, monitor::bytes_to_read(config));
    let inputs = clock.lap(
        Stage::Load,
        monitor::load(config, &|n| progress.advance(n))?,
    );
    let scored = clock.lap(Stage::Score, monitor::score(config, inputs)?);
    let report = clock.lap(Stage::Judge, monitor::judge(config, &scored));
    Ok(report)
}

/// What `benchgate plan` is asked.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// The metric.
    pub metric: String,
    /// A drop to size the benchmark for, or a size to find the drop of.
    pub size: PlanSize,
    /// How often the drop must be caught.
    pub power: f64,
    /// The metric's tolerance in the gate.
    pub tolerance: f64,
    /// `config.inputs().current` is a second run of the same system (else it is the
    /// baseline again: no churn).
    pub second_run: bool,
}

/// `plan --drop`, `--examples` or `--clusters`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlanSize {
    /// The examples (or clusters) needed to catch this drop.
    Drop(f64),
    /// The smallest drop this many examples catch.
    Examples(usize),
    /// The smallest drop this many clusters catch.
    Clusters(usize),
}

/// How big the benchmark must be (`benchgate plan`): reads and scores the
/// run (and the second run, `config.inputs().current`) as `compare` does, measures
/// the run-to-run churn and, with `config.stats().cluster_by`, its design effect,
/// and sizes the benchmark for the test `compare` runs on the metric
/// (`stats::plan`).
pub fn plan(config: &Config, request: &PlanRequest) -> Result<report::PlanReport> {
    config::probability("--power", request.power)?;
    if !(request.tolerance >= 0.0 && request.tolerance.is_finite()) {
        return Err(Error::Usage(format!(
            "--tolerance {}: must be 0 or more",
            request.tolerance
        )));
    }
    let progress = &();
    let (inputs, provenance) = load_stage(config, progress)?;
    let paired = align_stage(config, inputs)?;
    let (config, scored) = score_stage(config, &paired, &provenance.stored, progress)?;
    let Some(m) = scored
        .scores
        .iter()
        .position(|s| s.metric.name() == request.metric)
    else {
        return Err(Error::Usage(format!(
            "--metric {}: not a metric of these files",
            request.metric
        )));
    };
    let s = &scored.scores[m];
    if !matches!(scored.layouts[m], design::Layout::Delta { .. }) {
        return Err(Error::Usage(format!(
            "--metric {}: a corpus metric (its value is not a mean of per-example scores); plan sizes mean metrics",
            request.metric
        )));
    }
    let n = s.base.len();
    let binary = s.base.iter().chain(&s.cur).all(|&x| x == 0.0 || x == 1.0);
    if !binary && !request.second_run {
        return Err(Error::Usage(format!(
            "--metric {}: its scores are not 0/1, so how much they vary from run to run decides the plan, and one run cannot show it; run the benchmark twice with the same system and pass the second run as --current",
            request.metric
        )));
    }
    let diffs: Vec<f64> = s.cur.iter().zip(&s.base).map(|(c, b)| c - b).collect();
    let churn = diffs.iter().map(|d| d * d).sum::<f64>() / n.max(1) as f64;
    let value = s.base.iter().sum::<f64>() / n.max(1) as f64;
    let direction = s.metric.direction();
    let scale = match s.metric.scale() {
        // 0/1 scores average to a fraction, whatever the field is called.
        _ if binary => report::ValueScale::Fraction,
        metrics::Scale::Fraction => report::ValueScale::Fraction,
        metrics::Scale::Raw => report::ValueScale::Raw,
    };
    let room = match (scale, direction) {
        (report::ValueScale::Fraction, metrics::Direction::Higher) => value,
        (report::ValueScale::Fraction, metrics::Direction::Lower) => 1.0 - value,
        (report::ValueScale::Raw, _) => f64::INFINITY,
    };
    let (deff, weighted, cluster_count) = match &scored.clusters {
        Some((c, _)) => {
            let deff =
                stats::cluster::design_effect(&diffs, &c.of).map_or(1.0, |e| e.deff.max(1.0));
            let weighted = c.sizes().iter().map(|&m| (m * m) as f64).sum::<f64>() / n.max(1) as f64;
            (deff, weighted, Some(c.count))
        }
        None => (1.0, 1.0, None),
    };
    let mean_size = cluster_count.map(|c| n as f64 / c.max(1) as f64);
    let model = stats::plan::Model {
        binary,
        churn,
        deff,
        weighted_size: weighted,
        room,
    };
    let target = stats::plan::Target {
        alpha: config.stats.alpha,
        power: request.power,
        tolerance: request.tolerance,
    };
    let min = config.stats.min_examples as f64;
    let clusters_for = |examples: f64| mean_size.map(|m| (examples / m).ceil() as usize);
    let (drop, examples, clusters, mde) = match request.size {
        PlanSize::Drop(x) => {
            if !(x > 0.0 && x.is_finite()) {
                return Err(Error::Usage(format!("--drop {x}: must be more than 0")));
            }
            let needed = model.examples(x, target).map(|e| e.max(min));
            // Whole clusters: round up, and the size rounds with them.
            let clusters = needed.and_then(clusters_for);
            let examples = match (clusters, mean_size) {
                (Some(k), Some(m)) => Some((k as f64 * m).round() as usize),
                _ => needed.map(|e| e.ceil() as usize),
            };
            let mde = examples.and_then(|e| model.detectable(e as f64, target));
            (Some(x), examples, clusters, mde)
        }
        PlanSize::Examples(e) => (
            None,
            Some(e),
            clusters_for(e as f64),
            model.detectable(e as f64, target),
        ),
        PlanSize::Clusters(k) => {
            let e = (k as f64 * mean_size.unwrap_or(1.0)).round();
            (None, Some(e as usize), Some(k), model.detectable(e, target))
        }
    };
    let mut notes = Vec::new();
    if binary {
        notes.push(
            "a drop of δ is δ·N more examples flipping from pass to fail, at random".to_string(),
        );
    } else {
        notes.push("a drop of δ moves every example's score by δ (the shift model of compare's minimum detectable drop)".to_string());
    }
    if !request.second_run {
        notes.push("one run only: the system is taken to be deterministic (no run-to-run churn); pass a second run as --current to measure it".to_string());
    } else if churn == 0.0 {
        notes.push("the two runs gave identical scores: no run-to-run churn".to_string());
    }
    if let Some(field) = &config.stats.cluster_by {
        notes.push(format!(
            "clusters by {field}: the run-to-run differences have design effect {deff:.2}; a drop that hits whole clusters needs more clusters than planned"
        ));
    }
    if matches!(request.size, PlanSize::Drop(_)) && examples.is_none() {
        notes.push("no benchmark size catches this drop: it is more than the metric can fall from its value".to_string());
    }
    Ok(report::PlanReport {
        metric: request.metric.clone(),
        direction,
        scale,
        value,
        examples_in_run: n,
        binary,
        second_run: request.second_run,
        churn,
        cluster_by: config.stats.cluster_by.clone(),
        clusters_in_run: cluster_count,
        mean_cluster_size: mean_size,
        design_effect: deff,
        alpha: config.stats.alpha,
        power: request.power,
        tolerance: request.tolerance,
        drop,
        examples,
        clusters,
        mde,
        notes,
    })
}

/// The pipeline: one line per stage, each timed for `progress`.
fn run(config: &Config, progress: &dyn Progress) -> Result<(Report, Paired, Scored)> {
    let mut clock = Clock::new(progress);
    let loaded = clock.lap(Stage::Load, load_stage(config, progress)?);
    after_load(config, clock, loaded)
}

/// The stages after loading.
fn after_load(
    config: &Config,
    mut clock: Clock<'_>,
    (inputs, provenance): ([load::Dataset; 2], Provenance),
) -> Result<(Report, Paired, Scored)> {
    let progress = clock.progress;
    let paired = clock.lap(Stage::Align, align_stage(config, inputs)?);
    let (config, scored) = clock.lap(
        Stage::Score,
        score_stage(config, &paired, &provenance.stored, progress)?,
    );
    let resampled = clock.lap(Stage::Resample, resample_stage(&config, &scored, progress));
    let report = clock.lap(
        Stage::Judge,
        judge_stage(&config, provenance, &paired, &scored, &resampled)?,
    );
    Ok((report, paired, scored))
}

/// Tells `progress` when each stage ends and how long it took.
struct Clock<'a> {
    progress: &'a dyn Progress,
    start: std::time::Instant,
}

impl<'a> Clock<'a> {
    fn new(progress: &'a dyn Progress) -> Self {
        Clock {
            progress,
            start: std::time::Instant::now(),
        }
    }

    /// `stage` finished with `output`: reports its time, starts the next.
    fn lap<T>(&mut self, stage: Stage, output: T) -> T {
        self.progress.finished(stage, self.start.elapsed());
        self.start = std::time::Instant::now();
        output
    }
}

/// Where the inputs came from, for the report.
struct Provenance {
    /// Rows read per side.
    rows: [usize; 2],
    /// The baseline file's header, when it has one.
    header: Option<load::header::BaselineHeader>,
    /// How reports name where the baseline came from.
    baseline_source: String,
    /// Per-example values of expensive metrics the inputs carry.
    stored: load::header::Stored,
}

/// Load: both sides' rows, from files or the baseline's source.
fn load_stage(
    config: &Config,
    progress: &dyn Progress,
) -> Result<([load::Dataset; 2], Provenance)> {
    let source = load::BaselineSource::parse(&config.inputs.baseline)?;
    let bytes = source
        .files()
        .iter()
        .chain(&config.inputs.current)
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    progress.started(Stage::Load, bytes);
    let read = |n: u64| progress.advance(n);
    let (baseline, baseline_source) =
        source.load(&config.inputs.fields, &config.inputs.artifact, &read)?;
    let current =
        load::load_all_with_progress(&config.inputs.current, &config.inputs.fields, &read)?;
    pair_inputs(config, baseline, baseline_source, current)
}

/// The two loaded sides, with the promptfoo variants picked, and where they
/// came from.
fn pair_inputs(
    config: &Config,
    baseline: load::Dataset,
    baseline_source: String,
    current: load::Dataset,
) -> Result<([load::Dataset; 2], Provenance)> {
    let (mut baseline, mut current) = (baseline, current);
    // Values of expensive metrics stored by `baseline write` or `score
    // --format jsonl` on either side, for scoring to reuse.
    let mut stored = std::mem::take(&mut baseline.stored);
    stored.merge(std::mem::take(&mut current.stored));
    let (baseline, current) =
        load::promptfoo::pair_variants(baseline, current, &config.inputs.variants)?;
    let rows = [baseline.rows.len(), current.rows.len()];
    let header = baseline.header.clone();
    let baseline_source = match &header {
        Some(h) => format!("{baseline_source} ({})", h.provenance()),
        None => baseline_source,
    };
    let baseline_source = match &config.inputs.variants[0] {
        Some(variant) => format!("{baseline_source} [{variant}]"),
        None => baseline_source,
    };
    let provenance = Provenance {
        rows,
        header,
        baseline_source,
        stored,
    };
    Ok(([baseline, current], provenance))
}

/// What the align stage hands on.
struct Paired {
    aligned: align::Aligned,
    /// The dataset fingerprints of baseline and current.
    fingerprints: [String; 2],
}

/// Align: examples by id, paired; the datasets' fingerprints.
fn align_stage(config: &Config, [baseline, current]: [load::Dataset; 2]) -> Result<Paired> {
    let (baseline, current) = rayon::join(|| align::group(baseline), || align::group(current));
    let (baseline, current) = (baseline?, current?);
    let fingerprints = rayon::join(
        || align::fingerprint(&baseline.examples),
        || align::fingerprint(&current.examples),
    );
    let fingerprints = [fingerprints.0, fingerprints.1];
    let aligned = align::align(baseline, current);
    if config.gate.strict_dataset {
        check_same_dataset(&aligned, &fingerprints)?;
    }
    Ok(Paired {
        aligned,
        fingerprints,
    })
}
/// What the score stage hands on.
struct Scored {
    scores: Vec<score::MetricScores>,
    slices: score::Slices,
    design: design::Design,
    layouts: Vec<design::Layout>,
    /// `--cluster-by`: the clusters, and how many examples lacked the field.
    clusters: Option<(design::Clusters, usize)>,
}

/// Score: the metrics to compare, per-example statistics of both sides, and
/// the design the resamplers read. The settings come back with what the
/// tools' own runs add (the directions they state).
fn score_stage<'c>(
    config: &'c Config,
    paired: &Paired,
    stored: &load::header::Stored,
    progress: &dyn Progress,
) -> Result<(std::borrow::Cow<'c, Config>, Scored)> {
    let aligned = &paired.aligned;
    if aligned.baseline.is_empty() {
        return Err(nothing_to_compare(aligned, config));
    }
    let tuned = with_tool_directions(config, aligned);
    let metrics = score::choose_metrics(
        &config.gate.metrics,
        &config.gate.configured,
        &tuned.as_ref().unwrap_or(config).gate.metric_options,
        aligned,
    )?;
    let config = match tuned {
        Some(tuned) => std::borrow::Cow::Owned(tuned),
        None => std::borrow::Cow::Borrowed(config),
    };
    check_gate_names(&config, &metrics)?;
    progress.started(
        Stage::Score,
        (2 * metrics.len() * aligned.baseline.len()) as u64,
    );
    let scores = score::score_with_progress(
        aligned,
        metrics,
        (&baseline_path(&config), &config.inputs.current[0]),
        stored,
        &score::Tick {
            scored: &|n| progress.advance(n),
            note: &|text| progress.note(text),
        },
    )?;
    let slices = score::slices(aligned, &config.stats.slice_by)?;
    let (design, layouts) = score::design(&scores, &slices);
    let clusters = match &config.stats.cluster_by {
        Some(field) => Some(score::clusters(aligned, field)?),
        None => None,
    };
    let scored = Scored {
        scores,
        slices,
        design,
        layouts,
        clusters,
    };
    Ok((config, scored))
}

/// What the resample stage hands on.
struct Resamples {
    bootstrap: stats::Resampled,
    randomization: Option<stats::Resampled>,
}

/// Resample: the paired bootstrap and, where asked for, sign-flip
/// randomization over the design.
fn resample_stage(config: &Config, scored: &Scored, progress: &dyn Progress) -> Resamples {
    let boot_rounds = judge::bootstrap_resamples(&scored.layouts, config);
    let flip_rounds = judge::sign_flip_rounds(config);
    progress.started(Stage::Resample, (boot_rounds + flip_rounds) as u64);
    let advance = |n| progress.advance(n);
    // Clustered examples are resampled (and flipped) cluster by cluster.
    let bootstrap = match &scored.clusters {
        Some((clusters, _)) => stats::cluster::bootstrap(
            &scored.design,
            clusters,
            boot_rounds,
            config.stats.seed,
            &advance,
        ),
        None => stats::resample_with_progress(
            &scored.design,
            boot_rounds,
            config.stats.seed,
            config.stats.resampler,
            &advance,
        ),
    };
    let randomization = (flip_rounds > 0).then(|| match &scored.clusters {
        Some((clusters, _)) => stats::cluster::sign_flip(
            &scored.design,
            clusters,
            flip_rounds,
            config.stats.seed,
            &advance,
        ),
        None => {
            stats::sign_flip_with_progress(&scored.design, flip_rounds, config.stats.seed, &advance)
        }
    });
    Resamples {
        bootstrap,
        randomization,
    }
}

/// Judge: the verdicts, then the history's trend and the human review.
fn judge_stage(
    config: &Config,
    provenance: Provenance,
    paired: &Paired,
    scored: &Scored,
    resamples: &Resamples,
) -> Result<Report> {
    let evidence = judge::Evidence {
        aligned: &paired.aligned,
        scores: &scored.scores,
        slices: &scored.slices,
        layouts: &scored.layouts,
        bootstrap: &resamples.bootstrap,
        randomization: resamples.randomization.as_ref(),
        clusters: scored
            .clusters
            .as_ref()
            .zip(config.stats.cluster_by.as_deref())
            .map(|((clusters, without), field)| judge::Clustering {
                field,
                clusters,
                without: *without,
            }),
        rows: provenance.rows,
        baseline_source: provenance.baseline_source,
        dataset: report::DatasetInfo {
            baseline_fingerprint: paired.fingerprints[0].clone(),
            current_fingerprint: paired.fingerprints[1].clone(),
            baseline_header: provenance.header,
        },
    };
    let mut report = judge::judge(&evidence, config);
    if let Some(path) = &config.inputs.history {
        history::attach(path, &mut report)?;
    }
    if let Some((sheet, key)) = &config.inputs.human {
        human_gate(&mut report, config, &paired.aligned, (sheet, key))?;
    }
    Ok(report)
}

/// The settings with the directions the tools' own runs give their metrics
/// (DeepEval: the metrics its thresholds orient, the shares of cases that
/// pass), where the configuration sets none;
/// `None` when no tool says anything the settings lack.
fn with_tool_directions(config: &Config, aligned: &align::Aligned) -> Option<Config> {
    let tools = || aligned.tools.iter().rev().flatten();
    if tools().all(|t| t.higher_is_better.is_empty() && t.lower_is_better.is_empty()) {
        return None;
    }
    let mut tuned = config.clone();
    let stated = tools().flat_map(|t| {
        let lower = t
            .lower_is_better
            .iter()
            .map(|n| (n, metrics::Direction::Lower));
        let higher = t
            .higher_is_better
            .iter()
            .map(|n| (n, metrics::Direction::Higher));
        lower.chain(higher)
    });
    for (name, direction) in stated {
        let directions = &mut tuned.gate.metric_options.directions;
        if !directions.iter().any(|(n, _)| n == name) {
            directions.push((name.clone(), direction));
        }
    }
    Some(tuned)
}

/// Why no example could be compared, in the words of what really happened:
/// every shared id was edited, or the runs share no id at all.
fn nothing_to_compare(aligned: &align::Aligned, config: &Config) -> Error {
    let (base, cur) = (
        load::source::shown(&config.inputs.baseline),
        config.inputs.current[0].display(),
    );
    if !aligned.edited.is_empty() {
        let shown: Vec<&str> = aligned.edited.iter().take(5).map(String::as_str).collect();
        return Error::Settings(format!(
            "all {} examples that {base} and {cur} share were edited: their references (or the tool's dataset hashes) differ ({}{}), so no example can be compared; the baseline was made on another dataset — refresh it from this dataset",
            aligned.edited.len(),
            shown.join(", "),
            if aligned.edited.len() > shown.len() { ", …" } else { "" }
        ));
    }
    let sample = |ids: &[String]| {
        let shown: Vec<String> = ids.iter().take(3).map(|i| format!("\"{i}\"")).collect();
        shown.join(", ")
    };
    Error::Settings(format!(
        "no example id appears in both {base} and {cur} (baseline ids such as {}; current ids such as {}); check that both files use the same ids (and --id-field)",
        sample(&aligned.missing),
        sample(&aligned.added)
    ))
}

/// The path errors in baseline rows are reported against.
fn baseline_path(config: &Config) -> PathBuf {
    config.inputs.baseline.first().cloned().unwrap_or_default()
}

/// `--strict-dataset`: any example added, removed or edited is an error.
fn check_same_dataset(aligned: &align::Aligned, fingerprints: &[String; 2]) -> Result<()> {
    let changes = report::dataset_changes(&aligned.added, &aligned.missing, &aligned.edited);
    if changes.is_empty() {
        return Ok(());
    }
    Err(Error::Settings(format!(
        "--strict-dataset: the dataset changed since the baseline (fingerprint {} → {}): {}; refresh the baseline, or drop --strict-dataset to compare on the unchanged examples",
        align::short(&fingerprints[0]),
        align::short(&fingerprints[1]),
        changes
    )))
}

pub use config::HUMAN_WIN_RATE;

/// Adds the human verdict of a filled review sheet to the report, and fails
/// the gate when the win rate is below its floor.
fn human_gate(
    report: &mut Report,
    config: &Config,
    aligned: &align::Aligned,
    (sheet, key): (&std::path::Path, &std::path::Path),
) -> Result<()> {
    // A review of other runs says nothing about these: every reviewed example
    // must be one of the examples compared (both sides are in id order).
    let drawn = review::Key::read(key)?;
    let unknown: Vec<&str> = drawn
        .rows
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| {
            aligned
                .baseline
                .binary_search_by(|e| e.id.as_str().cmp(id))
                .is_err()
        })
        .collect();
    if !unknown.is_empty() {
        let shown: Vec<String> = unknown
            .iter()
            .take(5)
            .map(|id| format!("\"{id}\""))
            .collect();
        return Err(Error::input(
            Location::file(key),
            format!(
                "{} of the review's {} examples are not among the {} compared ({}{}): the review was drawn from other runs; draw one from these with `benchgate review sample`",
                unknown.len(),
                drawn.rows.len(),
                aligned.baseline.len(),
                shown.join(", "),
                if unknown.len() > shown.len() { ", …" } else { "" }
            ),
        ));
    }
    let settings = review::score::ScoreSettings {
        confidence: config.stats.confidence,
    };
    let (answers, problems) = review::sheet::read_lenient(sheet)?;
    let mut human = review::score::verdict(&drawn, &answers, problems, sheet, settings)?;
    human.floor = config
        .gate
        .by_metric
        .get(HUMAN_WIN_RATE)
        .and_then(|g| g.min);
    if let Some(floor) = human.floor {
        if human.win_rate < floor {
            let reason = diagnostic::Diagnostic::new(
                diagnostic::Code::HumanBelowFloor,
                format!(
                    "the human win rate {:.3} is below its floor {floor}",
                    human.win_rate
                ),
            );
            if config.gate.fail_on == config::FailOn::Never {
                report
                    .warnings
                    .push(reason.suffixed(" (not gating: --fail-on never)"));
            } else {
                report.reasons.push(reason);
                report.verdict = report::GateVerdict::Fail;
            }
        }
    }
    report.human = Some(human);
    Ok(())
}

fn check_gate_names(config: &Config, metrics: &[Box<dyn metrics::Metric>]) -> Result<()> {
    let names: Vec<&str> = metrics.iter().map(|m| m.name()).collect();
    // A `[metric.NAME]` section configures its metric; any other name given a
    // tolerance or a bound must be compared, or it is a typo.
    let configured = &config.gate.configured;
    for name in config.gate.by_metric.keys() {
        if name == HUMAN_WIN_RATE {
            if config.inputs.human.is_none() {
                return Err(Error::Usage(format!(
                    "--min {HUMAN_WIN_RATE}=… gates on a human review: add --human SHEET --human-key KEY (written by `benchgate review sample`)"
                )));
            }
            continue;
        }
        if !names.contains(&name.as_str()) && !configured.contains(name) {
            return Err(Error::Settings(format!(
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
    /// What the metrics want the user to know (empty BERTScore sentences), as
    /// printed: `benchgate score --format json` writes them as strings (the
    /// comparison's report has them as [`diagnostic::Diagnostic`]s).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Signatures of metrics that have one (BERTScore's model hash).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<String>,
    /// How each metric's values may be reused by a later run (in `order`).
    #[serde(skip)]
    pub reuse: Vec<Option<metrics::reuse::Reuse>>,
}

/// Scores one shard of result files (`score --shard K/N`), or all of them:
/// the examples scored, and their scores. BERTScore's idf weighs tokens over
/// the whole run's references, so a shard's values are the unsharded run's.
pub fn score_shard(
    inputs: &[PathBuf],
    shard: Option<align::Shard>,
    names: &[String],
    fields: &FieldMap,
    options: &MetricOptions,
) -> Result<(align::Side, ScoreReport)> {
    let mut data = load::load_all(inputs, fields)?;
    // Inputs that are scores files themselves lend their stored values.
    let stored = std::mem::take(&mut data.stored);
    let side = align::group(data)?;
    match shard {
        None => {
            let report = score_side(&side, None, &stored, names, options)?;
            Ok((side, report))
        }
        Some(shard) => {
            let part = shard.of(&side);
            let report = score_side(&part, Some(&side.examples), &stored, names, options)?;
            Ok((part, report))
        }
    }
}

/// Scores the examples of one side with the named metrics; BERTScore's idf
/// weighs tokens over the references of `idf` (the whole run a shard is part
/// of), else over the side's own.
pub fn score_side(
    side: &align::Side,
    idf: Option<&[align::Example]>,
    stored: &load::header::Stored,
    names: &[String],
    options: &MetricOptions,
) -> Result<ScoreReport> {
    let mut info = score::data_info(side.examples.iter(), names);
    let (_, every) = score::numeric_fields(side.examples.iter());
    score::mark_tool_metrics(&mut info, side.tool.iter(), &every);
    let mut report = ScoreReport {
        n: side.examples.len(),
        metrics: BTreeMap::new(),
        order: Vec::new(),
        examples: side
            .examples
            .iter()
            .map(|e| (e.id.to_string(), Vec::new()))
            .collect(),
        warnings: side
            .tool
            .iter()
            .flat_map(|t| t.warnings.iter().map(ToString::to_string))
            .collect(),
        signatures: Vec::new(),
        reuse: Vec::new(),
    };
    let rows = std::cell::OnceCell::new();
    let rows = || {
        rows.get_or_init(|| {
            fn of(es: &[align::Example]) -> Vec<&load::Row> {
                es.iter().flat_map(|e| &e.samples).collect()
            }
            (of(&side.examples), of(idf.unwrap_or(&side.examples)))
        })
    };
    for name in names {
        let mut metric = metrics::build(name, options, &info)?;
        if metric.is_paired() {
            return Err(Error::Usage(format!(
                "{name} compares a run's outputs with the baseline's, so it scores in `compare` only (one run has nothing to compare)"
            )));
        }
        let sides = [(side.examples.as_slice(), side.path.as_path())];
        let score::Scored {
            values,
            reuse: reused,
            notes,
            ..
        } = score::score_metric(metric.as_mut(), &sides, &rows, stored, &score::Tick::NONE)?;
        let stats = values.into_iter().next().unwrap_or_default();
        let idf_rows: &[&load::Row] = if metric.needs_rows() { &rows().1 } else { &[] };
        report.reuse.push(
            metric
                .reuse(idf_rows)
                .filter(|_| metric.arity() == 1 && !metric.counts_present()),
        );
        report
            .warnings
            .extend(metric.warnings().iter().map(ToString::to_string));
        report
            .warnings
            .extend(notes.iter().map(ToString::to_string));
        report
            .warnings
            .extend(metric.judge_usage().map(|u| render::judge_line(&u)));
        if let Some(r) = reused {
            report
                .warnings
                .push(render::reuse_line(&report::ReuseCount {
                    metric: name.clone(),
                    computed: r.computed,
                    reused: r.total - r.computed,
                }));
        }
        report.signatures.extend(metric.signature());
        let k = metric.arity();
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
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_already_loaded_compare_like_their_files() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tickets");
        let (base, cur) = (dir.join("baseline.jsonl"), dir.join("current.csv"));
        let mut config = Config::builder(base.clone(), vec![cur.clone()]);
        config.stats.resamples = 500;
        config.stats.slice_by = vec!["category".into()];
        let config = config.build().expect("valid");
        let (from_files, files_table) = compare_with_examples(&config, &()).expect("files");
        let loaded = |p: &std::path::Path| load::load(p, &config.inputs.fields).expect("fixture");
        let (in_memory, memory_table) =
            compare_datasets(&config, &(), loaded(&base), loaded(&cur)).expect("datasets");
        let json = render::renderer(config::OutputFormat::Json, render::RenderOptions::default());
        assert_eq!(json.render(&in_memory), json.render(&from_files));
        assert_eq!(memory_table.rows.len(), files_table.rows.len());
        assert!(!memory_table.rows.is_empty());
    }
}
