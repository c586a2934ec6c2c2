//! The validated settings of a run, grouped as a reader looks for them:
//! [`Inputs`] (what is compared), [`Statistics`] (how a difference is
//! tested), [`Gate`] (what is scored and what fails) and [`Outputs`] (what is
//! written).
//!
//! Precedence is written once: every source of settings (the defaults,
//! `benchgate.toml`, each of its `[[suite]]`s, the flags) becomes a
//! [`Layer`] of optional values, and [`ConfigBuilder::merge`] applies the
//! layers in rising precedence, so that a flag wins over the file, and a
//! suite over the rest of the file, for every option. [`Config::build`]
//! and [`ConfigBuilder::build`] are the only ways to a [`Config`], and
//! both end in the same checks: a `Config` is valid by construction. Unknown
//! keys in the file are errors that name the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::load::FieldMap;
use crate::metrics::checks::CheckSpec;
use crate::metrics::{Direction, ExactMatchOptions, MetricOptions};

/// The gate name of the human win rate (`--min human_win_rate=0.45`).
pub const HUMAN_WIN_RATE: &str = "human_win_rate";

/// Longest suite name: it is part of the PR comment's marker and title.
pub const MAX_SUITE_CHARS: usize = 100;

/// Which test (and interval) decides mean metrics; corpus metrics always use
/// the bootstrap, and 0/1 metrics on up to 200 examples the exact sign test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TestKind {
    /// Paired bootstrap (Koehn 2004): percentile interval, p by its inversion.
    Bootstrap,
    /// Paired sign-flip randomization, inverted into the interval (the default).
    Randomization,
}

impl TestKind {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            TestKind::Bootstrap => "bootstrap",
            TestKind::Randomization => "randomization",
        }
    }
}

/// What makes the gate fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Regressions, broken floors and missing examples.
    Regression,
    /// All of those and inconclusive results.
    Inconclusive,
    /// Never: report only.
    Never,
}

impl FailOn {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            FailOn::Regression => "regression",
            FailOn::Inconclusive => "inconclusive",
            FailOn::Never => "never",
        }
    }
}

/// Output rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// A table for people at a terminal.
    Terminal,
    /// GitHub-flavoured markdown (the PR comment).
    Markdown,
    /// Machine-readable JSON.
    Json,
}

/// Per-metric gating settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricGate {
    /// Practical margin.
    pub tolerance: f64,
    /// Worst acceptable value for higher-is-better metrics.
    pub min: Option<f64>,
    /// Worst acceptable value for lower-is-better metrics.
    pub max: Option<f64>,
}

/// What is compared: the two runs, how to read them, and what else the report
/// draws on (a human review, the history).
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Baseline result files (several: shards of one run, or an lm-eval run's
    /// tasks), or the one `git:`/`artifact:` spec.
    pub baseline: Vec<PathBuf>,
    /// Current result files (shards are concatenated).
    pub current: Vec<PathBuf>,
    /// Field names and the files' format.
    pub fields: FieldMap,
    /// The promptfoo variant (provider × prompt) compared on each side
    /// (`--baseline-variant`, `--current-variant`).
    pub variants: [Option<crate::load::promptfoo::VariantSpec>; 2],
    /// A filled review sheet and its key (`--human`, `--human-key`).
    pub human: Option<(PathBuf, PathBuf)>,
    /// Where an `artifact:NAME` baseline is looked for, and how long to wait.
    pub artifact: crate::load::artifact::ArtifactSettings,
    /// History file whose trend the report shows (`--history`).
    pub history: Option<PathBuf>,
}

/// How a difference is tested: the error rate, the resampling, the slices and
/// clusters.
#[derive(Debug, Clone)]
pub struct Statistics {
    /// The gate's false-fail rate: the chance that it fails when nothing
    /// regressed, over every metric and slice (`judge`'s graphical procedure).
    pub alpha: f64,
    /// Confidence level of a run's own value (the history's intervals).
    pub confidence: f64,
    /// Resamples.
    pub resamples: usize,
    /// Seed.
    pub seed: u64,
    /// Significance test.
    pub test: TestKind,
    /// How bootstrap resamples are drawn.
    pub resampler: crate::stats::Resampler,
    /// Tag fields to slice by.
    pub slice_by: Vec<String>,
    /// The field whose equal values make one cluster (examples that belong
    /// together: every test resamples whole clusters).
    pub cluster_by: Option<String>,
    /// Fewer examples never give a significant verdict.
    pub min_examples: usize,
}

/// What is scored and what fails the gate.
#[derive(Debug, Clone)]
pub struct Gate {
    /// Metrics to compare; empty means the defaults for the data.
    pub metrics: Vec<String>,
    /// Options of built-in metrics and directions of external ones.
    pub metric_options: MetricOptions,
    /// Tolerances and bounds by metric name ([`Gate::metric`]). A name that is
    /// neither compared nor configured by a `[metric.NAME]` section is an
    /// error at run time (a typo).
    pub by_metric: BTreeMap<String, MetricGate>,
    /// Metrics with a `[metric.NAME]` section, compared along with the
    /// defaults when no metric list is given.
    pub configured: Vec<String>,
    /// What fails the gate.
    pub fail_on: FailOn,
    /// Missing examples warn instead of failing.
    pub allow_missing: bool,
    /// Any difference between the datasets is an error.
    pub strict_dataset: bool,
    /// An example is flaky on a metric when its baseline samples differ by
    /// more than this on average (Gini's mean difference over pairs of
    /// samples, as a share of the metric's range: the flip rate of a 0/1
    /// metric).
    pub flaky_threshold: f64,
}

impl Gate {
    /// The gate settings of a metric (defaults when none were given).
    pub fn metric(&self, name: &str) -> MetricGate {
        self.by_metric.get(name).cloned().unwrap_or_default()
    }
}

/// What the run writes, and under which name.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// Suite name (the PR comment's identity).
    pub suite: String,
    /// With several suites: one comment, or one per suite.
    pub suite_comments: SuiteComments,
    /// Main output format (stdout).
    pub format: OutputFormat,
    /// Colour terminal output.
    pub color: bool,
    /// Regressed examples shown per metric.
    pub top_k: usize,
    /// Also write markdown here.
    pub markdown_out: Option<PathBuf>,
    /// Also write JSON here.
    pub json_out: Option<PathBuf>,
    /// Also write the HTML report (every changed example) here.
    pub html_out: Option<PathBuf>,
    /// Write the ids whose outcome is uncertain here, one per line
    /// (`--rerun-out`).
    pub rerun_out: Option<PathBuf>,
}

/// Everything `compare` needs, validated: made only by [`Config::build`]
/// (the config file and the flags) or [`ConfigBuilder::build`] (a program),
/// both ending in the same checks, and read-only afterwards.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) inputs: Inputs,
    pub(crate) stats: Statistics,
    pub(crate) gate: Gate,
    pub(crate) outputs: Outputs,
    /// The `[[suite]]`s, each a whole config of its own; empty: this config
    /// is the one suite.
    pub(crate) suites: Vec<Config>,
}

/// The settings of a [`Config`] before they are checked: start from
/// [`Config::builder`] (the defaults), set what differs, then
/// [`ConfigBuilder::build`].
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    /// What is compared.
    pub inputs: Inputs,
    /// How a difference is tested.
    pub stats: Statistics,
    /// What is scored and what fails the gate.
    pub gate: Gate,
    /// What the run writes.
    pub outputs: Outputs,
}

impl Config {
    /// The defaults for everything but the two runs, to change and then
    /// [`ConfigBuilder::build`].
    pub fn builder(baseline: PathBuf, current: Vec<PathBuf>) -> ConfigBuilder {
        let mut b = ConfigBuilder::defaults();
        b.inputs.baseline = vec![baseline];
        b.inputs.current = current;
        b
    }

    /// The settings of a run from the config file (if any) and the flags:
    /// the defaults, then the file, then each `[[suite]]` over the file, then
    /// the flags, merged by the one [`ConfigBuilder::merge`], so that a layer
    /// wins over those below it for every option. Checked once, here.
    pub fn build(file: Option<FileConfig>, flags: Layer) -> Result<Config> {
        let (file, suites) = match file {
            Some(file) => file.into_layer()?,
            None => (Layer::default(), Vec::new()),
        };
        let layered = |suite: Option<Layer>| {
            let mut b = ConfigBuilder::defaults();
            b.merge(file.clone());
            if let Some(suite) = suite {
                b.merge(suite);
            }
            b.merge(flags.clone());
            b.build()
        };
        let mut config = layered(None)?;
        config.suites = suites
            .iter()
            .map(|s| layered(Some(s.layer()?)))
            .collect::<Result<_>>()?;
        Ok(config)
    }

    /// What is compared.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// How a difference is tested.
    pub fn stats(&self) -> &Statistics {
        &self.stats
    }

    /// What is scored and what fails the gate.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    /// What the run writes.
    pub fn outputs(&self) -> &Outputs {
        &self.outputs
    }

    /// The `[[suite]]`s of the config file, each a whole config; empty: this
    /// config is the one suite.
    pub fn suites(&self) -> &[Config] {
        &self.suites
    }

    /// These settings as a builder, to change some and build again.
    pub fn to_builder(&self) -> ConfigBuilder {
        ConfigBuilder {
            inputs: self.inputs.clone(),
            stats: self.stats.clone(),
            gate: self.gate.clone(),
            outputs: self.outputs.clone(),
        }
    }
}

impl ConfigBuilder {
    /// Every option at its default; no runs.
    fn defaults() -> Self {
        ConfigBuilder {
            inputs: Inputs {
                baseline: Vec::new(),
                current: Vec::new(),
                fields: FieldMap::default(),
                variants: [None, None],
                human: None,
                artifact: crate::load::artifact::ArtifactSettings::default(),
                history: None,
            },
            stats: Statistics {
                alpha: 0.05,
                confidence: 0.95,
                resamples: 10_000,
                seed: 12_345,
                test: TestKind::Randomization,
                resampler: crate::stats::Resampler::Auto,
                slice_by: Vec::new(),
                cluster_by: None,
                min_examples: 20,
            },
            gate: Gate {
                metrics: Vec::new(),
                metric_options: MetricOptions {
                    exec_cache: Some(PathBuf::from(crate::metrics::exec::CACHE_DIR)),
                    ..MetricOptions::default()
                },
                by_metric: BTreeMap::new(),
                configured: Vec::new(),
                fail_on: FailOn::Regression,
                allow_missing: false,
                strict_dataset: false,
                flaky_threshold: 0.1,
            },
            outputs: Outputs {
                suite: "default".into(),
                suite_comments: SuiteComments::Combined,
                format: OutputFormat::Terminal,
                color: false,
                top_k: 5,
                markdown_out: None,
                json_out: None,
                html_out: None,
                rerun_out: None,
            },
        }
    }

    /// The one merge: sets every option `layer` sets and keeps the value
    /// below for every option it leaves unset. Applied to the layers in
    /// rising precedence (see [`Config::build`]), the last layer that sets an
    /// option wins.
    pub fn merge(&mut self, layer: Layer) -> &mut Self {
        let Layer {
            baseline,
            current,
            fields,
            variants,
            human,
            artifact,
            history,
            alpha,
            confidence,
            resamples,
            seed,
            test,
            resampler,
            slice_by,
            cluster_by,
            min_examples,
            metrics,
            by_metric,
            configured,
            scoring,
            fail_on,
            allow_missing,
            strict_dataset,
            flaky_threshold,
            suite,
            suite_comments,
            format,
            color,
            top_k,
            markdown_out,
            json_out,
            html_out,
            rerun_out,
        } = layer;
        let i = &mut self.inputs;
        set(&mut i.baseline, baseline);
        set(&mut i.current, current);
        fields.merge_into(&mut i.fields);
        for (side, v) in i.variants.iter_mut().zip(variants) {
            some(side, v);
        }
        some(&mut i.human, human);
        set(&mut i.artifact, artifact);
        some(&mut i.history, history);
        let s = &mut self.stats;
        set(&mut s.alpha, alpha);
        set(&mut s.confidence, confidence);
        set(&mut s.resamples, resamples);
        set(&mut s.seed, seed);
        set(&mut s.test, test);
        set(&mut s.resampler, resampler);
        set(&mut s.slice_by, slice_by);
        some(&mut s.cluster_by, cluster_by);
        set(&mut s.min_examples, min_examples);
        let g = &mut self.gate;
        set(&mut g.metrics, metrics);
        for (name, m) in by_metric {
            m.merge_into(&name, Some(&mut g.by_metric), &mut g.metric_options);
        }
        set(&mut g.configured, configured);
        scoring.merge_into(&mut g.metric_options);
        set(&mut g.fail_on, fail_on);
        set(&mut g.allow_missing, allow_missing);
        set(&mut g.strict_dataset, strict_dataset);
        set(&mut g.flaky_threshold, flaky_threshold);
        let o = &mut self.outputs;
        set(&mut o.suite, suite);
        set(&mut o.suite_comments, suite_comments);
        set(&mut o.format, format);
        set(&mut o.color, color);
        set(&mut o.top_k, top_k);
        some(&mut o.markdown_out, markdown_out);
        some(&mut o.json_out, json_out);
        some(&mut o.html_out, html_out);
        some(&mut o.rerun_out, rerun_out);
        self
    }

    /// Checks what the types do not, once: the settings become a [`Config`].
    pub fn build(self) -> Result<Config> {
        let ConfigBuilder {
            inputs,
            stats,
            gate,
            outputs,
        } = self;
        probability("alpha", stats.alpha)?;
        probability("confidence", stats.confidence)?;
        if !(0.0..1.0).contains(&gate.flaky_threshold) {
            return Err(Error::Settings(format!(
                "flaky threshold must be at least 0 and below 1 (a share of sample pairs that disagree), got {}",
                gate.flaky_threshold
            )));
        }
        if stats.resamples < 1 {
            return Err(Error::Settings("resamples must be at least 1".into()));
        }
        for (name, m) in &gate.by_metric {
            if !m.tolerance.is_finite() || m.tolerance < 0.0 {
                return Err(Error::Settings(format!(
                    "tolerance of {name} must be a finite number ≥ 0, got {}",
                    m.tolerance
                )));
            }
        }
        suite_name(&outputs.suite)?;
        Ok(Config {
            inputs,
            stats,
            gate,
            outputs,
            suites: Vec::new(),
        })
    }
}

/// The suite names the comment's marker, which must stay one short line.
fn suite_name(suite: &str) -> Result<()> {
    if suite.is_empty()
        || suite.contains("--")
        || suite.contains('>')
        || suite.chars().any(char::is_control)
        || suite.chars().count() > MAX_SUITE_CHARS
    {
        let shown: String = suite.chars().take(MAX_SUITE_CHARS).collect();
        return Err(Error::Settings(format!(
            "suite name \"{}\" must be 1 to {MAX_SUITE_CHARS} characters on one line and contain neither \"--\" nor \">\"",
            shown.escape_debug()
        )));
    }
    Ok(())
}

/// A value the layer sets replaces the one below.
fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}

/// [`set`] for an optional setting: a layer can set it, never unset it.
fn some<T>(target: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *target = value;
    }
}

/// One source of settings (the config file, one `[[suite]]`, the flags), each
/// option `None` where the source leaves it to the sources below. Every
/// source converts into this one shape and [`ConfigBuilder::merge`] applies
/// it, so precedence is the same for every option.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    /// [`Inputs::baseline`].
    pub baseline: Option<Vec<PathBuf>>,
    /// [`Inputs::current`].
    pub current: Option<Vec<PathBuf>>,
    /// [`Inputs::fields`], field by field.
    pub fields: FieldsLayer,
    /// [`Inputs::variants`], side by side.
    pub variants: [Option<crate::load::promptfoo::VariantSpec>; 2],
    /// [`Inputs::human`].
    pub human: Option<(PathBuf, PathBuf)>,
    /// [`Inputs::artifact`].
    pub artifact: Option<crate::load::artifact::ArtifactSettings>,
    /// [`Inputs::history`].
    pub history: Option<PathBuf>,
    /// [`Statistics::alpha`].
    pub alpha: Option<f64>,
    /// [`Statistics::confidence`].
    pub confidence: Option<f64>,
    /// [`Statistics::resamples`].
    pub resamples: Option<usize>,
    /// [`Statistics::seed`].
    pub seed: Option<u64>,
    /// [`Statistics::test`].
    pub test: Option<TestKind>,
    /// [`Statistics::resampler`].
    pub resampler: Option<crate::stats::Resampler>,
    /// [`Statistics::slice_by`].
    pub slice_by: Option<Vec<String>>,
    /// [`Statistics::cluster_by`].
    pub cluster_by: Option<String>,
    /// [`Statistics::min_examples`].
    pub min_examples: Option<usize>,
    /// [`Gate::metrics`].
    pub metrics: Option<Vec<String>>,
    /// Per metric, in the source's order (a later entry for a name wins):
    /// tolerance, bounds, direction.
    pub by_metric: Vec<(String, MetricLayer)>,
    /// [`Gate::configured`].
    pub configured: Option<Vec<String>>,
    /// [`Gate::metric_options`] but the directions.
    pub scoring: ScoringLayer,
    /// [`Gate::fail_on`].
    pub fail_on: Option<FailOn>,
    /// [`Gate::allow_missing`].
    pub allow_missing: Option<bool>,
    /// [`Gate::strict_dataset`].
    pub strict_dataset: Option<bool>,
    /// [`Gate::flaky_threshold`].
    pub flaky_threshold: Option<f64>,
    /// [`Outputs::suite`].
    pub suite: Option<String>,
    /// [`Outputs::suite_comments`].
    pub suite_comments: Option<SuiteComments>,
    /// [`Outputs::format`].
    pub format: Option<OutputFormat>,
    /// [`Outputs::color`].
    pub color: Option<bool>,
    /// [`Outputs::top_k`].
    pub top_k: Option<usize>,
    /// [`Outputs::markdown_out`].
    pub markdown_out: Option<PathBuf>,
    /// [`Outputs::json_out`].
    pub json_out: Option<PathBuf>,
    /// [`Outputs::html_out`].
    pub html_out: Option<PathBuf>,
    /// [`Outputs::rerun_out`].
    pub rerun_out: Option<PathBuf>,
}

/// The field names and format one source sets.
#[derive(Debug, Clone, Default)]
pub struct FieldsLayer {
    /// Id field.
    pub id: Option<String>,
    /// Prediction field.
    pub prediction: Option<String>,
    /// Reference field.
    pub reference: Option<String>,
    /// Input field.
    pub input: Option<String>,
    /// How to read the result files.
    pub format: Option<crate::load::InputFormat>,
}

impl FieldsLayer {
    /// Sets what this layer sets (a field named here is the only name tried).
    pub fn merge_into(self, map: &mut FieldMap) {
        let one = |x: Option<String>, target: &mut Vec<String>| {
            if let Some(x) = x {
                *target = vec![x];
            }
        };
        one(self.id, &mut map.id);
        one(self.prediction, &mut map.prediction);
        one(self.reference, &mut map.reference);
        one(self.input, &mut map.input);
        set(&mut map.format, self.format);
    }
}

/// One metric's gate settings and direction from one source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricLayer {
    /// Practical margin.
    pub tolerance: Option<f64>,
    /// Absolute floor.
    pub min: Option<f64>,
    /// Absolute ceiling.
    pub max: Option<f64>,
    /// Which way is better.
    pub direction: Option<Direction>,
}

impl MetricLayer {
    /// Sets what this layer sets for `name`.
    fn merge_into(
        self,
        name: &str,
        gates: Option<&mut BTreeMap<String, MetricGate>>,
        options: &mut MetricOptions,
    ) {
        let bounded = self.tolerance.is_some() || self.min.is_some() || self.max.is_some();
        if let Some(gates) = gates.filter(|_| bounded) {
            let gate = gates.entry(name.to_string()).or_default();
            set(&mut gate.tolerance, self.tolerance);
            some(&mut gate.min, self.min);
            some(&mut gate.max, self.max);
        }
        if let Some(d) = self.direction {
            // One entry per name: `MetricOptions::direction` takes the first.
            options.directions.retain(|(n, _)| n != name);
            options.directions.push((name.to_string(), d));
        }
    }
}

/// The metric options (but directions) one source sets: `[metric.NAME]`
/// and `[judge]` in the file, the scoring flags on the command line.
#[derive(Debug, Clone, Default)]
pub struct ScoringLayer {
    /// exact_match: ignore case.
    pub ignore_case: Option<bool>,
    /// exact_match: ignore punctuation.
    pub ignore_punctuation: Option<bool>,
    /// exact_match: ignore digits.
    pub ignore_numbers: Option<bool>,
    /// exact_match: regexes deleted before comparing.
    pub regexes_to_ignore: Option<Vec<String>>,
    /// ROUGE: Porter stemmer.
    pub rouge_stemmer: Option<bool>,
    /// BLEU: tokenizer.
    pub bleu_tokenize: Option<String>,
    /// BLEU: lowercase.
    pub bleu_lowercase: Option<bool>,
    /// chrF: lowercase.
    pub chrf_lowercase: Option<bool>,
    /// chrF: keep whitespace.
    pub chrf_whitespace: Option<bool>,
    /// BERTScore: the model directory.
    pub bertscore_model: Option<PathBuf>,
    /// BERTScore: layers.
    pub bertscore_layers: Option<usize>,
    /// BERTScore: idf weights.
    pub idf: Option<bool>,
    /// BERTScore: the baseline file to rescale with.
    pub rescale_baseline: Option<PathBuf>,
    /// BERTScore: sentences per model call.
    pub batch_size: Option<usize>,
    /// Every `exec` check below this layer times out after this many seconds.
    pub exec_timeout: Option<f64>,
    /// Checks by name, added after those below (a later check of a name wins).
    pub checks: Vec<(String, CheckSpec)>,
    /// Whether `exec` caches its results.
    pub exec_cache: Option<bool>,
    /// LLM judges: `[judge]`.
    pub judge: Option<crate::metrics::llm::JudgeSettings>,
    /// LLM judges: the judges' own `[metric.NAME]` sections, added.
    pub judges: Vec<(
        String,
        crate::metrics::llm::Kind,
        crate::metrics::llm::JudgeSettings,
    )>,
    /// LLM judges: the `--judge-*` flags.
    pub judge_flags: Option<crate::metrics::llm::JudgeSettings>,
}

impl ScoringLayer {
    /// Sets what this layer sets.
    pub fn merge_into(self, options: &mut MetricOptions) {
        let em: &mut ExactMatchOptions = &mut options.exact_match;
        set(&mut em.ignore_case, self.ignore_case);
        set(&mut em.ignore_punctuation, self.ignore_punctuation);
        set(&mut em.ignore_numbers, self.ignore_numbers);
        set(&mut em.regexes_to_ignore, self.regexes_to_ignore);
        set(&mut options.rouge.stemmer, self.rouge_stemmer);
        let s = &mut options.sacrebleu;
        some(&mut s.tokenize, self.bleu_tokenize);
        set(&mut s.lowercase, self.bleu_lowercase);
        set(&mut s.chrf_lowercase, self.chrf_lowercase);
        set(&mut s.chrf_whitespace, self.chrf_whitespace);
        let b = &mut options.bertscore;
        some(&mut b.model, self.bertscore_model);
        some(&mut b.layers, self.bertscore_layers);
        set(&mut b.idf, self.idf);
        some(&mut b.rescale_baseline, self.rescale_baseline);
        some(&mut b.batch_size, self.batch_size);
        if let Some(t) = self.exec_timeout {
            for (_, spec) in &mut options.checks {
                if let CheckSpec::Exec { timeout_s, .. } = spec {
                    *timeout_s = t;
                }
            }
        }
        options.checks.extend(self.checks);
        match self.exec_cache {
            Some(false) => options.exec_cache = None,
            Some(true) if options.exec_cache.is_none() => {
                options.exec_cache = Some(PathBuf::from(crate::metrics::exec::CACHE_DIR));
            }
            _ => {}
        }
        let llm = &mut options.llm;
        if let Some(judge) = self.judge {
            llm.judge = judge.or(&llm.judge);
        }
        llm.metrics.extend(self.judges);
        if let Some(flags) = self.judge_flags {
            llm.flags = flags.or(&llm.flags);
        }
    }
}

impl Layer {
    /// [`ConfigBuilder::merge`] for the commands that score without a
    /// gate: the field names, the metric options and the directions this
    /// layer sets.
    pub fn merge_scoring(self, fields: &mut FieldMap, options: &mut MetricOptions) {
        self.fields.merge_into(fields);
        for (name, m) in self.by_metric {
            m.merge_into(&name, None, options);
        }
        self.scoring.merge_into(options);
    }
}

/// The field map and metric options of the config file (if any) under the
/// flags, for the commands that score without comparing: the same
/// `[metric.NAME]`, `[judge]` and `[fields]` as `compare` reads, so that
/// `baseline write` stores values under the settings hash a later `compare`
/// computes.
pub(crate) fn scoring(file: Option<FileConfig>, flags: Layer) -> Result<(FieldMap, MetricOptions)> {
    let mut b = ConfigBuilder::defaults();
    if let Some(file) = file {
        b.merge(file.into_layer()?.0);
    }
    b.merge(flags);
    Ok((b.inputs.fields, b.gate.metric_options))
}

impl FileConfig {
    /// The file as a layer, and its `[[suite]]`s (each a layer over it).
    pub fn into_layer(self) -> Result<(Layer, Vec<SuiteConfig>)> {
        let FileConfig {
            suite,
            suite_comments,
            metrics,
            alpha,
            confidence,
            resamples,
            seed,
            test,
            resampler,
            fail_on,
            top_k,
            slice_by,
            cluster_by,
            allow_missing,
            strict_dataset,
            min_examples,
            flaky_threshold,
            fields,
            metric,
            judge,
        } = self;
        let (name, suites) = match suite {
            Some(SuiteKey::Name(name)) => (Some(name), Vec::new()),
            Some(SuiteKey::Suites(suites)) => (None, suites),
            None => (None, Vec::new()),
        };
        let fields = fields.unwrap_or_default();
        let mut layer = Layer {
            fields: FieldsLayer {
                id: fields.id,
                prediction: fields.prediction,
                reference: fields.reference,
                input: fields.input,
                format: fields.format,
            },
            alpha,
            confidence,
            resamples,
            seed,
            test,
            resampler,
            slice_by,
            cluster_by,
            min_examples,
            metrics,
            fail_on,
            allow_missing,
            strict_dataset,
            flaky_threshold,
            suite: name,
            suite_comments,
            top_k,
            ..Layer::default()
        };
        layer.scoring.judge = judge;
        let mut configured = Vec::new();
        for (name, m) in metric {
            if name == HUMAN_WIN_RATE {
                // Not a metric of the runs: a floor on `compare --human`.
                let floor_only = MetricConfig {
                    min: m.min,
                    ..MetricConfig::default()
                };
                if m != floor_only {
                    return Err(Error::Settings(format!(
                        "[metric.{name}]: the human win rate takes only min = FLOOR (a win rate from 0 to 1)"
                    )));
                }
                let floor = MetricLayer {
                    min: m.min,
                    ..MetricLayer::default()
                };
                layer.by_metric.push((name, floor));
                continue;
            }
            m.add_to(&name, &mut layer)?;
            configured.push(name);
        }
        layer.configured = Some(configured);
        Ok((layer, suites))
    }
}

impl MetricConfig {
    /// Adds this `[metric.NAME]` section to the file's layer.
    fn add_to(self, name: &str, layer: &mut Layer) -> Result<()> {
        let scoring = &mut layer.scoring;
        if let Some(spec) = self.check(name)? {
            scoring.checks.push((name.to_string(), spec));
        }
        let judge = self.judge(name)?;
        layer.by_metric.push((
            name.to_string(),
            MetricLayer {
                tolerance: self.tolerance,
                min: self.min,
                max: self.max,
                direction: self.direction,
            },
        ));
        if name.starts_with("rouge") {
            some(&mut scoring.rouge_stemmer, self.stemmer);
        }
        if name == "bleu" {
            some(&mut scoring.bleu_tokenize, self.tokenize);
            some(&mut scoring.bleu_lowercase, self.lowercase);
        }
        if name.starts_with("chrf") {
            some(&mut scoring.chrf_lowercase, self.lowercase);
            some(&mut scoring.chrf_whitespace, self.whitespace);
        }
        if name.starts_with("bertscore") && judge.is_none() {
            some(&mut scoring.bertscore_model, self.model);
            some(&mut scoring.bertscore_layers, self.layers);
            some(&mut scoring.idf, self.idf);
            some(&mut scoring.rescale_baseline, self.rescale_baseline);
            some(&mut scoring.batch_size, self.batch_size);
        }
        if name == "exact_match" {
            some(&mut scoring.ignore_case, self.ignore_case);
            some(&mut scoring.ignore_punctuation, self.ignore_punctuation);
            some(&mut scoring.ignore_numbers, self.ignore_numbers);
            some(&mut scoring.regexes_to_ignore, self.regexes_to_ignore);
        }
        if let Some((kind, settings)) = judge {
            scoring.judges.push((name.to_string(), kind, settings));
        }
        Ok(())
    }
}

impl SuiteConfig {
    /// The suite as a layer over the file: its files, name, metrics, slices,
    /// clusters and format.
    pub fn layer(&self) -> Result<Layer> {
        Ok(Layer {
            baseline: Some(expand_baseline(std::slice::from_ref(&self.baseline))?),
            current: Some(expand_globs(&self.current.to_vec())?),
            fields: FieldsLayer {
                format: self.input_format,
                ..FieldsLayer::default()
            },
            metrics: self.metrics.clone(),
            slice_by: self.slice_by.clone(),
            cluster_by: self.cluster_by.clone(),
            suite: Some(self.name.clone()),
            ..Layer::default()
        })
    }
}

/// `suite = "name"` (one suite, named), or `[[suite]]` tables (several).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SuiteKey {
    /// The name of the one suite the flags describe.
    Name(String),
    /// Several suites, each with its own files.
    Suites(Vec<SuiteConfig>),
}

/// One `[[suite]]`: its own files, metrics and slices; every other setting is
/// the file's (and the flags').
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SuiteConfig {
    /// The suite's name (its section of the PR comment, or its own comment).
    pub name: String,
    /// Baseline: a path, `git:REF:PATH` or `artifact:NAME[:PATH]`.
    pub baseline: String,
    /// Current result file(s): a path or glob, or a list of them (shards).
    pub current: OneOrMany,
    /// Metrics to compare [default: the data's defaults].
    pub metrics: Option<Vec<String>>,
    /// Tag fields to slice by.
    #[serde(alias = "slices")]
    pub slice_by: Option<Vec<String>>,
    /// The field whose equal values make one cluster.
    pub cluster_by: Option<String>,
    /// How to read the suite's files.
    pub input_format: Option<crate::load::InputFormat>,
}

/// A string or a list of strings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The strings.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// How several suites reach the pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum SuiteComments {
    /// One comment with a section per suite.
    #[default]
    Combined,
    /// One comment per suite.
    PerSuite,
}

/// `benchgate.toml` as written by users.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Suite name, or several `[[suite]]`s.
    pub suite: Option<SuiteKey>,
    /// With several suites: one comment, or one per suite.
    pub suite_comments: Option<SuiteComments>,
    /// Metrics to compare.
    pub metrics: Option<Vec<String>>,
    /// Significance level.
    pub alpha: Option<f64>,
    /// Confidence level.
    pub confidence: Option<f64>,
    /// Resamples.
    pub resamples: Option<usize>,
    /// Seed.
    pub seed: Option<u64>,
    /// Test.
    pub test: Option<TestKind>,
    /// Resampler.
    pub resampler: Option<crate::stats::Resampler>,
    /// What fails the gate.
    pub fail_on: Option<FailOn>,
    /// Regressed examples shown per metric.
    pub top_k: Option<usize>,
    /// Tag fields to slice by.
    pub slice_by: Option<Vec<String>>,
    /// The field whose equal values make one cluster.
    pub cluster_by: Option<String>,
    /// Missing examples only warn.
    pub allow_missing: Option<bool>,
    /// Any difference between the datasets is an error.
    pub strict_dataset: Option<bool>,
    /// Minimum examples for a significant verdict.
    pub min_examples: Option<usize>,
    /// Flaky threshold (see [`Gate::flaky_threshold`]).
    pub flaky_threshold: Option<f64>,
    /// Field names.
    pub fields: Option<FieldsConfig>,
    /// Per-metric settings, `[metric.NAME]`.
    #[serde(default)]
    pub metric: BTreeMap<String, MetricConfig>,
    /// The LLM judges' model, endpoint, rubric and limits, `[judge]`.
    pub judge: Option<crate::metrics::llm::JudgeSettings>,
}

/// `[fields]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsConfig {
    /// Id field.
    pub id: Option<String>,
    /// Prediction field.
    pub prediction: Option<String>,
    /// Reference field.
    pub reference: Option<String>,
    /// Input field.
    pub input: Option<String>,
    /// How to read the result files.
    pub format: Option<crate::load::InputFormat>,
}

/// `[metric.NAME]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricConfig {
    /// `higher` or `lower` is better.
    pub direction: Option<Direction>,
    /// Practical margin.
    pub tolerance: Option<f64>,
    /// Absolute minimum.
    pub min: Option<f64>,
    /// Absolute maximum.
    pub max: Option<f64>,
    /// exact_match: ignore case.
    pub ignore_case: Option<bool>,
    /// exact_match: ignore punctuation.
    pub ignore_punctuation: Option<bool>,
    /// exact_match: ignore digits.
    pub ignore_numbers: Option<bool>,
    /// exact_match: regexes deleted before comparing.
    pub regexes_to_ignore: Option<Vec<String>>,
    /// For user-named checks: `json_valid`, `json_schema`, `regex`, `contains` or `exec`.
    pub kind: Option<String>,
    /// json_schema: the schema file (relative to the working directory).
    pub schema: Option<PathBuf>,
    /// regex: the pattern.
    pub pattern: Option<String>,
    /// regex: the whole prediction must match.
    pub full_match: Option<bool>,
    /// contains: the text (default: a reference).
    pub text: Option<String>,
    /// exec: program and arguments.
    pub command: Option<Vec<String>>,
    /// exec: seconds before an example's command is killed (default 30).
    pub timeout_s: Option<f64>,
    /// rouge1/rouge2/rougeL/rougeLsum: Porter stemmer (applies to all ROUGE types).
    pub stemmer: Option<bool>,
    /// bleu: tokenizer (13a, intl, zh, char, none).
    pub tokenize: Option<String>,
    /// bleu, chrf, chrf++: lowercase before scoring.
    pub lowercase: Option<bool>,
    /// chrf, chrf++: keep whitespace in character n-grams.
    pub whitespace: Option<bool>,
    /// bertscore*: the model directory (config.json, tokenizer.json, model.safetensors);
    /// llm_judge, llm_pairwise: the judge model.
    pub model: Option<PathBuf>,
    /// bertscore*: hidden states after this many layers (default: all).
    pub layers: Option<usize>,
    /// bertscore*: idf weights from the references.
    pub idf: Option<bool>,
    /// bertscore*: bert-score's LAYER,P,R,F baseline file to rescale with.
    pub rescale_baseline: Option<PathBuf>,
    /// bertscore*: sentences per model call.
    pub batch_size: Option<usize>,
    /// llm_judge, llm_pairwise: the rubric (or pairwise criterion) as text.
    pub rubric: Option<String>,
    /// llm_judge, llm_pairwise: the rubric from a file.
    pub rubric_file: Option<PathBuf>,
    /// llm_judge: the integer scale, lowest and highest (default [1, 5]).
    pub scale: Option<[i64; 2]>,
    /// llm_judge, llm_pairwise: sampling temperature.
    pub temperature: Option<f64>,
    /// llm_judge, llm_pairwise: judgements per output.
    pub samples: Option<usize>,
}

impl MetricConfig {
    /// The check this section describes, if it is one. `name` decides the kind
    /// when `kind` is not given.
    pub fn check(&self, name: &str) -> Result<Option<CheckSpec>> {
        let kind = self.kind.as_deref().unwrap_or(name);
        let ignore_case = self.ignore_case.unwrap_or(false);
        Ok(Some(match kind {
            "json_valid" => CheckSpec::JsonValid,
            "json_schema" => match &self.schema {
                Some(schema) => CheckSpec::JsonSchema { schema: schema.clone() },
                None => return Err(Error::Settings(format!("[metric.{name}]: a json_schema check needs schema = \"FILE\""))),
            },
            "regex" => match &self.pattern {
                Some(p) => CheckSpec::Regex { pattern: p.clone(), full_match: self.full_match.unwrap_or(false), ignore_case },
                None => return Err(Error::Settings(format!("[metric.{name}]: a regex check needs pattern = \"...\""))),
            },
            "contains" => CheckSpec::Contains { text: self.text.clone(), ignore_case },
            "exec" => match &self.command {
                Some(c) => CheckSpec::Exec { command: c.clone(), timeout_s: self.timeout_s.unwrap_or(crate::metrics::checks::EXEC_TIMEOUT_S) },
                None => return Err(Error::Settings(format!("[metric.{name}]: an exec check needs command = [\"PROGRAM\", \"ARG\"]"))),
            },
            _ if crate::metrics::llm::Kind::parse(kind).is_some() => return Ok(None),
            _ if self.kind.is_some() => {
                return Err(Error::Settings(format!(
                    "[metric.{name}]: unknown kind \"{kind}\"; kinds are json_valid, json_schema, regex, contains, exec, llm_judge, llm_pairwise"
                )))
            }
            _ => return Ok(None),
        }))
    }
}

/// A probability setting (alpha, a confidence, a power): strictly between 0
/// and 1, the one check and wording every command uses.
pub(crate) fn probability(name: &str, x: f64) -> Result<f64> {
    if x > 0.0 && x < 1.0 {
        Ok(x)
    } else {
        Err(Error::Settings(format!(
            "{name} must be between 0 and 1 (exclusive), got {x}"
        )))
    }
}

impl MetricConfig {
    /// The LLM judge this section describes, if it is one (`kind =
    /// "llm_judge"` or `"llm_pairwise"`, or a section named so), with its own
    /// settings; judge keys in any other section are an error.
    pub fn judge(
        &self,
        name: &str,
    ) -> Result<
        Option<(
            crate::metrics::llm::Kind,
            crate::metrics::llm::JudgeSettings,
        )>,
    > {
        use crate::metrics::llm::{JudgeSettings, Kind};
        let kind = Kind::parse(self.kind.as_deref().unwrap_or(name));
        let Some(kind) = kind else {
            let judge_keys = [
                ("rubric", self.rubric.is_some()),
                ("rubric_file", self.rubric_file.is_some()),
                ("scale", self.scale.is_some()),
                ("temperature", self.temperature.is_some()),
                ("samples", self.samples.is_some()),
            ];
            if let Some((key, _)) = judge_keys.iter().find(|(_, set)| *set) {
                return Err(Error::Settings(format!(
                    "[metric.{name}]: {key} is a setting of LLM judges; add kind = \"llm_judge\" (or \"llm_pairwise\") to make {name} one"
                )));
            }
            return Ok(None);
        };
        Ok(Some((
            kind,
            JudgeSettings {
                model: self
                    .model
                    .as_ref()
                    .map(|m| m.to_string_lossy().into_owned()),
                rubric: self.rubric.clone(),
                rubric_file: self.rubric_file.clone(),
                scale: self.scale,
                temperature: self.temperature,
                samples: self.samples,
                ..JudgeSettings::default()
            },
        )))
    }
}

/// Reads `path`, or `benchgate.toml` in the working directory when `path` is
/// `None` and that file exists.
pub fn read_file(path: Option<&Path>) -> Result<Option<FileConfig>> {
    let (path, explicit) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("benchgate.toml"), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(cause) => return Err(Error::Io { path, cause }),
    };
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| Error::Settings(format!("{}: {}", path.display(), e.to_string().trim_end())))
}

/// The baseline's paths: like [`expand_globs`], but a `git:` or `artifact:`
/// spec passes as it is, and alone.
pub fn expand_baseline(patterns: &[String]) -> Result<Vec<PathBuf>> {
    let remote = |p: &String| p.starts_with("git:") || p.starts_with("artifact:");
    match patterns {
        [one] if remote(one) => Ok(vec![PathBuf::from(one)]),
        _ if patterns.iter().any(remote) => Err(Error::Settings(format!(
            "a git: or artifact: baseline is one spec, not one of several baseline paths (got {})",
            patterns.join(" ")
        ))),
        _ => expand_globs(patterns),
    }
}

/// Paths as given, with each glob (`*`, `?`, `[`) replaced by its matches in
/// name order; a glob matching nothing is an error (a CI matrix that wrote no
/// shard must not pass).
pub fn expand_globs(patterns: &[String]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in patterns {
        if !p.contains(['*', '?', '[']) {
            out.push(PathBuf::from(p));
            continue;
        }
        let paths = glob::glob(p).map_err(|e| Error::Settings(format!("bad glob \"{p}\": {e}")))?;
        let mut matched: Vec<PathBuf> = paths.filter_map(std::result::Result::ok).collect();
        matched.sort();
        if matched.is_empty() {
            return Err(Error::Settings(format!(
                "\"{p}\" matches no file; did the jobs that write the shards run?"
            )));
        }
        out.extend(matched);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_names_stay_one_short_marker_line() {
        let check = |suite: &str| {
            let mut c = Config::builder(PathBuf::from("b"), vec![PathBuf::from("c")]);
            c.outputs.suite = suite.to_string();
            c.build()
        };
        assert!(check("nightly-gpu_2").is_ok());
        for bad in [
            "",
            "a--b",
            "a>b",
            "two\nlines",
            "tab\there",
            &"x".repeat(101),
        ] {
            let e = check(bad).expect_err(bad).to_string();
            assert!(e.contains("1 to 100 characters on one line"), "{e}");
        }
    }
}
