//! Metrics: each turns one example into sufficient statistics, and a sum of
//! statistics into a corpus value.
//!
//! Mean metrics (exact match, F1, external scores) have one statistic, the
//! per-example score, and the corpus value is its mean. Corpus metrics (BLEU,
//! chrF, macro-F1) keep several statistics per example and compute the corpus
//! value from their sums, which is what makes their paired bootstrap exact.

pub mod bertscore;
pub mod checks;
mod classification;
mod exact;
pub mod exec;
mod external;
pub mod facts;
pub mod llm;
pub mod normalize;
pub mod reuse;
pub mod rouge;
mod rouge_porter;
pub mod sacre;
mod sacre_tokenize;
mod squad;
pub mod vader;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::load::Row;

pub use classification::MacroF1;
pub use exact::{Accuracy, ExactMatch, ExactMatchOptions};
pub use external::External;
pub use squad::{SquadEm, SquadF1};

/// Which way is better for a metric.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Larger values are better (accuracy, ROUGE).
    Higher,
    /// Smaller values are better (latency, cost).
    Lower,
}

impl Direction {
    /// +1 when higher is better, −1 when lower is: multiplying a delta by it
    /// gives a gain, negative when things got worse.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Higher => 1.0,
            Direction::Lower => -1.0,
        }
    }
}

/// How a metric's values read to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// A fraction in [0, 1]; changes read as points (×100).
    Fraction,
    /// Any number in its own unit (ms, dollars, a 1–5 rating).
    Raw,
}

/// Where a metric that calls out reports how many of its requests are done,
/// `(done, total)` (the progress bar's message while a judge runs).
pub type Calls<'a> = &'a dyn Fn(usize, usize);

/// A metric as the pipeline uses it.
pub trait Metric: Send + Sync {
    /// The name users select it by.
    fn name(&self) -> &str;
    /// Which way is better.
    fn direction(&self) -> Direction {
        Direction::Higher
    }
    /// How values read.
    fn scale(&self) -> Scale {
        Scale::Fraction
    }
    /// Number of sufficient statistics per example.
    fn arity(&self) -> usize {
        1
    }
    /// Writes the example's statistics into `out` (length [`Metric::arity`]).
    /// The error is a sentence about the row; the caller adds file and line.
    fn stats(&self, row: &Row, out: &mut [f64]) -> std::result::Result<(), MetricError>;
    /// The corpus value of statistics summed over `n` examples.
    fn corpus(&self, sums: &[f64], n: f64) -> f64 {
        if n > 0.0 {
            sums[0] / n
        } else {
            f64::NAN
        }
    }
    /// The per-example score shown next to an example.
    fn example_score(&self, stats: &[f64]) -> f64 {
        self.corpus(stats, 1.0)
    }
    /// Why the example scored as it did, when the metric can say (a schema
    /// error, a failing check's message). Called only for examples shown.
    fn reason(&self, _row: &Row) -> Option<String> {
        None
    }
    /// True when the corpus value is the mean of the single statistic, which lets
    /// resampling work on paired differences alone.
    fn is_mean(&self) -> bool {
        self.arity() == 1
    }
    /// Whether [`Metric::prepare`] needs the rows (so callers collect them only
    /// for the metrics that score in batches, not on every run).
    fn needs_rows(&self) -> bool {
        false
    }
    /// Called once before [`Metric::stats`] with every row to be scored and the
    /// rows whose references define corpus-wide weights (BERTScore's idf):
    /// metrics that score in batches do their work here. A metric that calls
    /// out (an LLM judge) reports its requests, `(done, total)`, to `calls`.
    fn prepare(&mut self, _rows: &[&Row], _idf_rows: &[&Row], _calls: Calls<'_>) -> Result<()> {
        Ok(())
    }
    /// When the direction was guessed (a numeric field without `--direction`),
    /// why: the report lists the directions it assumed.
    fn assumed_direction(&self) -> Option<String> {
        None
    }
    /// What makes the metric's numbers reproducible beyond the run's settings
    /// (BERTScore's model hash), for the report's signature line.
    fn signature(&self) -> Option<String> {
        None
    }
    /// Things about the scored data the user should know (after `prepare`).
    fn warnings(&self) -> Vec<crate::diagnostic::Warning> {
        Vec::new()
    }
    /// True when the last statistic counts the samples that have a value (a
    /// partial metric): scoring scales an example's statistics by it, so that
    /// the example is the mean of the samples that have a value and counts once
    /// however many of its repeated samples do.
    fn counts_present(&self) -> bool {
        false
    }
    /// Whether an example with statistics `stats` has a value for the metric:
    /// always, but for a partial metric, whose count of samples with a value
    /// (its last statistic) may be 0.
    fn has_value(&self, stats: &[f64]) -> bool {
        !self.counts_present() || stats.last().is_some_and(|c| *c > 0.0)
    }
    /// How values stored by an earlier run may stand in for computing them
    /// (`bertscore*`, `exec`: metrics worth not running twice); `idf_rows` are
    /// those [`Metric::prepare`] would get. `None`: always computed. Only
    /// metrics of arity 1 that count every sample may answer.
    fn reuse(&self, _idf_rows: &[&Row]) -> Option<reuse::Reuse> {
        None
    }
    /// Whether the metric judges the two outputs of an aligned example
    /// together (`llm_pairwise`): scoring then calls
    /// [`Metric::score_pairs`] instead of [`Metric::stats`].
    fn is_paired(&self) -> bool {
        false
    }
    /// A paired metric's statistics (arity 1) of each aligned example,
    /// (baseline, current), from its samples on both sides.
    fn score_pairs(
        &mut self,
        _pairs: &[(&[Row], &[Row])],
        _calls: Calls<'_>,
    ) -> Result<Vec<[f64; 2]>> {
        Err(Error::Internal(format!(
            "{} scores each output on its own, not a pair",
            self.name()
        )))
    }
    /// How many times the metric judges each sample (an LLM judge's
    /// `samples`): above 1, the spread of those judgements is the
    /// example's noise ([`Metric::judgements`]).
    fn judgements_per_sample(&self) -> usize {
        1
    }
    /// The values of each repeated judgement of `row`, on the scale of
    /// [`Metric::example_score`] (an LLM judge with `samples` above 1).
    fn judgements(&self, _row: &Row) -> Option<Vec<f64>> {
        None
    }
    /// What an LLM judge's calls cost in this run (after scoring).
    fn judge_usage(&self) -> Option<llm::Usage> {
        None
    }
}

/// Why a metric could not score a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricError {
    /// The field concerned.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Per-metric settings that change how a built-in metric scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricOptions {
    /// Options of `exact_match`.
    pub exact_match: ExactMatchOptions,
    /// Direction overrides, by name, in precedence order: the first entry
    /// for a name wins ([`MetricOptions::direction`]). The settings hold one
    /// entry per name (the flag's over the config file's, merged by
    /// `config`), and the directions the tools state come last.
    pub directions: Vec<(String, Direction)>,
    /// Options of the ROUGE metrics.
    pub rouge: rouge::RougeOptions,
    /// Options of BLEU and chrF.
    pub sacrebleu: sacre::SacreOptions,
    /// Checks by metric name (`json_schema`, `regex`, user-named checks, …).
    pub checks: Vec<(String, checks::CheckSpec)>,
    /// Where `exec` caches results; `None` disables the cache.
    pub exec_cache: Option<std::path::PathBuf>,
    /// Options of the BERTScore metrics.
    pub bertscore: bertscore::BertScoreOptions,
    /// Settings of the LLM judges (`llm_judge`, `llm_pairwise`, named judges).
    pub llm: llm::LlmOptions,
}

/// Built-in metric names with a one-line description, for help and errors.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "exact_match",
        "1 if the prediction equals a reference (HF evaluate options)",
    ),
    (
        "squad_em",
        "SQuAD v1.1 normalised exact match, best over references",
    ),
    ("f1", "SQuAD v1.1 token F1, best over references"),
    (
        "accuracy",
        "1 if the prediction equals the label exactly (scikit-learn)",
    ),
    ("macro_f1", "macro-averaged F1 over labels (scikit-learn)"),
    (
        "rouge1",
        "ROUGE-1 F-measure, best over references (rouge-score 0.1.2)",
    ),
    ("rouge2", "ROUGE-2 F-measure (rouge-score 0.1.2)"),
    ("rougeL", "ROUGE-L F-measure (rouge-score 0.1.2)"),
    (
        "rougeLsum",
        "ROUGE-Lsum F-measure, sentences split on newlines (rouge-score 0.1.2)",
    ),
    (
        "bleu",
        "corpus BLEU from summed statistics, 0-100 (sacrebleu 2.6.0)",
    ),
    ("chrf", "corpus chrF, 0-100 (sacrebleu 2.6.0)"),
    (
        "chrf++",
        "corpus chrF++ (word order 2), 0-100 (sacrebleu 2.6.0)",
    ),
    ("json_valid", "1 if the prediction parses as JSON"),
    (
        "json_schema",
        "1 if the prediction validates against --json-schema FILE",
    ),
    ("regex", "1 if the prediction matches --regex PATTERN"),
    (
        "contains",
        "1 if the prediction contains --contains TEXT (default: a reference)",
    ),
    (
        "exec",
        "the score printed by --exec COMMAND for each example",
    ),
    (
        "bertscore",
        "BERTScore F1 with --bertscore-model DIR, best over references (bert-score 0.3.13)",
    ),
    ("bertscore_p", "BERTScore precision (bert-score 0.3.13)"),
    ("bertscore_r", "BERTScore recall (bert-score 0.3.13)"),
    (
        "llm_judge",
        "an LLM judge's rubric score of the output, rescaled to 0-1 ([judge] model = ...)",
    ),
    (
        "llm_pairwise",
        "an LLM judge's preference, current vs baseline output, asked in both orders (win rate)",
    ),
    (
        "sentiment",
        "VADER compound sentiment of the prediction, -1 to +1 (vaderSentiment 3.3.2)",
    ),
    (
        "sentiment_neg",
        "VADER negative proportion of the prediction (lower is better)",
    ),
    (
        "sentiment_neu",
        "VADER neutral proportion of the prediction",
    ),
    (
        "sentiment_pos",
        "VADER positive proportion of the prediction",
    ),
];

/// A check or `exec` metric, configured or built-in with defaults.
fn build_check(name: &str, options: &MetricOptions) -> Option<Result<Box<dyn Metric>>> {
    use checks::{Check, CheckSpec};
    let spec = options
        .checks
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s.clone());
    let spec = match (name, spec) {
        (_, Some(spec)) => spec,
        ("json_valid", None) => CheckSpec::JsonValid,
        ("contains", None) => CheckSpec::Contains { text: None, ignore_case: false },
        ("json_schema", None) => {
            return Some(Err(Error::Settings(
                "json_schema needs a schema: --json-schema FILE or [metric.json_schema] schema = \"FILE\"".into(),
            )))
        }
        ("regex", None) => {
            return Some(Err(Error::Settings(
                "regex needs a pattern: --regex PATTERN or [metric.regex] pattern = \"...\"".into(),
            )))
        }
        ("exec", None) => {
            return Some(Err(Error::Settings(
                "exec needs a command: --exec \"PROGRAM ARGS\" or [metric.exec] command = [\"python3\", \"checks/compiles.py\"]".into(),
            )))
        }
        _ => return None,
    };
    Some(match spec {
        CheckSpec::Exec { command, timeout_s } => {
            exec::Exec::new(name, command, timeout_s, options.exec_cache.clone())
                .map(|m| Box::new(m) as Box<dyn Metric>)
        }
        spec => Check::new(name, &spec).map(|m| Box::new(m) as Box<dyn Metric>),
    })
}

/// What the data offers to metrics that need to know it before scoring.
#[derive(Debug, Clone, Default)]
pub struct DataInfo {
    /// Numeric fields seen in any row (usable as external metrics).
    pub numeric_fields: BTreeSet<String>,
    /// Every first reference and every prediction (the label set of `macro_f1`).
    pub labels: BTreeSet<String>,
    /// Numeric fields that a tool reports on some rows only: as metrics they
    /// score the rows that have them ([`External::partial`]).
    pub partial: BTreeSet<String>,
    /// The per-sample metrics of the tool that wrote the inputs (numeric
    /// fields): under their own names they are the tool's, even where a
    /// built-in metric has the same name (Inspect's `f1` scorer).
    pub tool_metrics: BTreeSet<String>,
}

impl MetricOptions {
    /// The direction stated for `name`: the first entry for it in
    /// [`MetricOptions::directions`], the one rule for every metric and
    /// every command.
    pub fn direction(&self, name: &str) -> Option<Direction> {
        self.directions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| *d)
    }
}

/// Builds a metric by name: a built-in one, or a numeric field of the inputs.
pub fn build(name: &str, options: &MetricOptions, data: &DataInfo) -> Result<Box<dyn Metric>> {
    let numeric_fields = &data.numeric_fields;
    let external = || -> Box<dyn Metric> {
        let partial = data.partial.contains(name);
        match options.direction(name) {
            Some(d) => Box::new(External::new(name, d).partial(partial)),
            None => Box::new(External::guessed(name).partial(partial)),
        }
    };
    if data.tool_metrics.contains(name) {
        return Ok(external());
    }
    if let Some(metric) = rouge::build(name, options)
        .or_else(|| sacre::build(name, options))
        .or_else(|| bertscore::build(name, options))
    {
        return metric;
    }
    if let Some(metric) = build_check(name, options) {
        return metric;
    }
    if let Some(metric) = llm::build(name, &options.llm) {
        // A field of that name with no judge configured is a score another
        // tool computed, as before there were judges.
        if numeric_fields.contains(name) && !options.llm.configures(name) {
            return Ok(external());
        }
        return metric;
    }
    if let Some(metric) = vader::build(name, options.direction(name)) {
        return Ok(Box::new(metric));
    }
    if let Some(metric) = facts::build(name) {
        return Ok(Box::new(metric));
    }
    Ok(match name {
        "exact_match" => Box::new(ExactMatch::new(options.exact_match.clone())?),
        "squad_em" => Box::new(SquadEm),
        "f1" => Box::new(SquadF1),
        "accuracy" => Box::new(Accuracy),
        "macro_f1" => Box::new(MacroF1::new(data.labels.iter().cloned().collect())?),
        _ if numeric_fields.contains(name) => external(),
        _ => {
            let mut known: Vec<String> = BUILTIN.iter().map(|(n, _)| (*n).to_string()).collect();
            known.extend(
                numeric_fields
                    .iter()
                    .map(|f| format!("{f} (numeric field)")),
            );
            return Err(Error::UnknownMetric {
                name: name.to_string(),
                known: known.join(", "),
            });
        }
    })
}
