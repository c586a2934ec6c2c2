//! The validated settings of a run, merged from `benchgate.toml` and flags
//! (flags win). Unknown keys in the file are errors that name the key.

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

/// Everything `compare` needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// Baseline result files (several: shards of one run, or an lm-eval run's
    /// tasks), or the one `git:`/`artifact:` spec.
    pub baseline: Vec<PathBuf>,
    /// Current result files (shards are concatenated).
    pub current: Vec<PathBuf>,
    /// Field names.
    pub fields: FieldMap,
    /// Metrics to compare; empty means the defaults for the data.
    pub metrics: Vec<String>,
    /// Options of built-in metrics and directions of external ones.
    pub metric_options: MetricOptions,
    /// Tolerances and bounds by metric name.
    pub gates: BTreeMap<String, MetricGate>,
    /// Metric names given tolerances or bounds by flags (checked against the
    /// compared metrics, to catch typos).
    pub flag_gate_names: Vec<String>,
    /// Metrics with a `[metric.NAME]` section, compared along with the defaults
    /// when no metric list is given.
    pub config_metrics: Vec<String>,
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
    /// Regressed examples shown per metric.
    pub top_k: usize,
    /// What fails the gate.
    pub fail_on: FailOn,
    /// Missing examples warn instead of failing.
    pub allow_missing: bool,
    /// Any difference between the datasets is an error.
    pub strict_dataset: bool,
    /// Fewer examples never give a significant verdict.
    pub min_examples: usize,
    /// Suite name (the PR comment's identity).
    pub suite: String,
    /// `[[suite]]`s of the config file; empty: the one suite the flags name.
    pub suites: Vec<SuiteConfig>,
    /// With several suites: one comment, or one per suite.
    pub suite_comments: SuiteComments,
    /// Main output format (stdout).
    pub format: OutputFormat,
    /// Also write markdown here.
    pub markdown_out: Option<PathBuf>,
    /// Also write JSON here.
    pub json_out: Option<PathBuf>,
    /// Also write the HTML report (every changed example) here.
    pub html_out: Option<PathBuf>,
    /// Write the ids whose outcome is uncertain here, one per line
    /// (`--rerun-out`).
    pub rerun_out: Option<PathBuf>,
    /// An example is flaky on a metric when its baseline samples differ by
    /// more than this on average (Gini's mean difference over pairs of
    /// samples, as a share of the metric's range: the flip rate of a 0/1
    /// metric).
    pub flaky_threshold: f64,
    /// Colour terminal output.
    pub color: bool,
    /// History file whose trend the report shows (`--history`).
    pub history: Option<PathBuf>,
    /// Where an `artifact:NAME` baseline is looked for, and how long to wait.
    pub artifact: crate::load::artifact::ArtifactSettings,
    /// A filled review sheet and its key (`--human`, `--human-key`).
    pub human: Option<(PathBuf, PathBuf)>,
    /// The promptfoo variant (provider × prompt) compared on each side
    /// (`--baseline-variant`, `--current-variant`).
    pub variants: [Option<crate::load::promptfoo::VariantSpec>; 2],
}

impl Config {
    /// Defaults for everything but the inputs.
    pub fn new(baseline: PathBuf, current: Vec<PathBuf>) -> Self {
        Config {
            baseline: vec![baseline],
            current,
            fields: FieldMap::default(),
            metrics: Vec::new(),
            metric_options: MetricOptions {
                exec_cache: Some(PathBuf::from(crate::metrics::exec::CACHE_DIR)),
                ..MetricOptions::default()
            },
            gates: BTreeMap::new(),
            flag_gate_names: Vec::new(),
            config_metrics: Vec::new(),
            alpha: 0.05,
            confidence: 0.95,
            resamples: 10_000,
            seed: 12_345,
            test: TestKind::Randomization,
            resampler: crate::stats::Resampler::Auto,
            slice_by: Vec::new(),
            cluster_by: None,
            top_k: 5,
            fail_on: FailOn::Regression,
            allow_missing: false,
            strict_dataset: false,
            min_examples: 20,
            suite: "default".into(),
            suites: Vec::new(),
            suite_comments: SuiteComments::Combined,
            format: OutputFormat::Terminal,
            markdown_out: None,
            json_out: None,
            html_out: None,
            rerun_out: None,
            flaky_threshold: 0.1,
            color: false,
            history: None,
            artifact: crate::load::artifact::ArtifactSettings::default(),
            human: None,
            variants: [None, None],
        }
    }

    /// The settings of one `[[suite]]`: its files, metrics and slices over
    /// this config's.
    pub fn for_suite(&self, suite: &SuiteConfig) -> Result<Config> {
        let mut c = self.clone();
        c.suites = Vec::new();
        c.suite.clone_from(&suite.name);
        c.baseline = expand_baseline(std::slice::from_ref(&suite.baseline))?;
        c.current = expand_globs(&suite.current.to_vec())?;
        if let Some(m) = &suite.metrics {
            c.metrics.clone_from(m);
        }
        if let Some(s) = &suite.slice_by {
            c.slice_by.clone_from(s);
        }
        if let Some(f) = &suite.cluster_by {
            c.cluster_by = Some(f.clone());
        }
        if let Some(f) = suite.input_format {
            c.fields.format = f;
        }
        c.validate()?;
        Ok(c)
    }

    /// The gate settings of a metric (defaults when none were given).
    pub fn gate(&self, metric: &str) -> MetricGate {
        self.gates.get(metric).cloned().unwrap_or_default()
    }

    /// Checks ranges that the type system does not.
    pub fn validate(&self) -> Result<()> {
        probability("alpha", self.alpha)?;
        probability("confidence", self.confidence)?;
        if !(0.0..1.0).contains(&self.flaky_threshold) {
            return Err(Error::Settings(format!(
                "flaky threshold must be at least 0 and below 1 (a share of sample pairs that disagree), got {}",
                self.flaky_threshold
            )));
        }
        if self.resamples < 1 {
            return Err(Error::Settings("resamples must be at least 1".into()));
        }
        for (name, gate) in &self.gates {
            if !gate.tolerance.is_finite() || gate.tolerance < 0.0 {
                return Err(Error::Settings(format!(
                    "tolerance of {name} must be a finite number ≥ 0, got {}",
                    gate.tolerance
                )));
            }
        }
        // The suite names the comment's marker, which must stay one short line.
        if self.suite.is_empty()
            || self.suite.contains("--")
            || self.suite.contains('>')
            || self.suite.chars().any(char::is_control)
            || self.suite.chars().count() > MAX_SUITE_CHARS
        {
            let shown: String = self.suite.chars().take(MAX_SUITE_CHARS).collect();
            return Err(Error::Settings(format!(
                "suite name \"{}\" must be 1 to {MAX_SUITE_CHARS} characters on one line and contain neither \"--\" nor \">\"",
                shown.escape_debug()
            )));
        }
        Ok(())
    }

    /// Applies a config file; flags are applied afterwards by the caller.
    pub fn apply_file(&mut self, file: FileConfig) -> Result<()> {
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
        } = file;
        match suite {
            Some(SuiteKey::Name(name)) => self.suite = name,
            Some(SuiteKey::Suites(suites)) => self.suites = suites,
            None => {}
        }
        set(&mut self.suite_comments, suite_comments);
        set(&mut self.metrics, metrics);
        set(&mut self.alpha, alpha);
        set(&mut self.confidence, confidence);
        set(&mut self.resamples, resamples);
        set(&mut self.seed, seed);
        set(&mut self.test, test);
        set(&mut self.resampler, resampler);
        set(&mut self.fail_on, fail_on);
        set(&mut self.top_k, top_k);
        set(&mut self.slice_by, slice_by);
        if cluster_by.is_some() {
            self.cluster_by = cluster_by;
        }
        set(&mut self.allow_missing, allow_missing);
        set(&mut self.strict_dataset, strict_dataset);
        set(&mut self.min_examples, min_examples);
        set(&mut self.flaky_threshold, flaky_threshold);
        if let Some(f) = fields {
            let one = |x: Option<String>, target: &mut Vec<String>| {
                if let Some(x) = x {
                    *target = vec![x];
                }
            };
            one(f.id, &mut self.fields.id);
            one(f.prediction, &mut self.fields.prediction);
            one(f.reference, &mut self.fields.reference);
            one(f.input, &mut self.fields.input);
            set(&mut self.fields.format, f.format);
        }
        if let Some(judge) = judge {
            let llm = &mut self.metric_options.llm;
            llm.judge = judge.or(&llm.judge);
        }
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
                if let Some(min) = m.min {
                    self.gates.entry(name.clone()).or_default().min = Some(min);
                    self.flag_gate_names.push(name.clone());
                }
                continue;
            }
            self.config_metrics.push(name.clone());
            if let Some(spec) = m.check(&name)? {
                self.metric_options.checks.push((name.clone(), spec));
            }
            if let Some((kind, settings)) = m.judge(&name)? {
                self.metric_options
                    .llm
                    .metrics
                    .push((name.clone(), kind, settings));
            }
            let gate = self.gates.entry(name.clone()).or_default();
            set(&mut gate.tolerance, m.tolerance);
            gate.min = m.min.or(gate.min);
            gate.max = m.max.or(gate.max);
            if let Some(d) = m.direction {
                self.metric_options.directions.push((name.clone(), d));
            }
            if name.starts_with("rouge") {
                set(&mut self.metric_options.rouge.stemmer, m.stemmer);
            }
            if name == "bleu" {
                if m.tokenize.is_some() {
                    self.metric_options
                        .sacrebleu
                        .tokenize
                        .clone_from(&m.tokenize);
                }
                set(&mut self.metric_options.sacrebleu.lowercase, m.lowercase);
            }
            if name.starts_with("chrf") {
                set(
                    &mut self.metric_options.sacrebleu.chrf_lowercase,
                    m.lowercase,
                );
                set(
                    &mut self.metric_options.sacrebleu.chrf_whitespace,
                    m.whitespace,
                );
            }
            if name.starts_with("bertscore") && m.judge(&name)?.is_none() {
                let b = &mut self.metric_options.bertscore;
                b.model = m.model.or(b.model.take());
                b.layers = m.layers.or(b.layers);
                set(&mut b.idf, m.idf);
                b.rescale_baseline = m.rescale_baseline.or(b.rescale_baseline.take());
                b.batch_size = m.batch_size.or(b.batch_size);
            }
            if name == "exact_match" {
                let em: &mut ExactMatchOptions = &mut self.metric_options.exact_match;
                set(&mut em.ignore_case, m.ignore_case);
                set(&mut em.ignore_punctuation, m.ignore_punctuation);
                set(&mut em.ignore_numbers, m.ignore_numbers);
                set(&mut em.regexes_to_ignore, m.regexes_to_ignore);
            }
        }
        Ok(())
    }
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
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
    /// Flaky threshold (see [`Config::flaky_threshold`]).
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
            let mut c = Config::new(PathBuf::from("b"), vec![PathBuf::from("c")]);
            c.suite = suite.to_string();
            c.validate()
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
