//! Command-line flags (clap) and their translation into a validated [`Config`].

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{self, Config, FailOn, OutputFormat, TestKind};
use crate::error::{Error, Result};
use crate::load::FieldMap;
use crate::metrics::{Direction, MetricOptions};
use crate::publish::github::CommentMode;
use crate::publish::GithubOptions;

/// A regression gate for LLM evaluations.
#[derive(Debug, Parser)]
#[command(name = "evalgate", version, about, long_about = None)]
#[command(after_help = "Exit codes: 0 gate passed, 1 gate failed, 2 usage or input error.")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare current results with a baseline and decide whether the change may merge.
    Compare(Box<CompareArgs>),
    /// Score result files with metrics, without comparing.
    Score(Box<ScoreArgs>),
}

/// Field-name flags shared by the subcommands.
#[derive(Debug, Args, Clone, Default)]
pub struct FieldArgs {
    /// Field holding the example id [default: id]
    #[arg(long, value_name = "NAME")]
    pub id_field: Option<String>,
    /// Field holding the model output [default: prediction, then output]
    #[arg(long, value_name = "NAME")]
    pub prediction_field: Option<String>,
    /// Field holding the reference(s) [default: reference, then target]
    #[arg(long, value_name = "NAME")]
    pub reference_field: Option<String>,
    /// Field holding the model input [default: input, then prompt]
    #[arg(long, value_name = "NAME")]
    pub input_field: Option<String>,
}

/// exact_match options (Hugging Face evaluate's).
#[derive(Debug, Args, Clone, Default)]
pub struct ExactMatchArgs {
    /// exact_match: compare lowercased text
    #[arg(long)]
    pub ignore_case: bool,
    /// exact_match: delete ASCII punctuation before comparing
    #[arg(long)]
    pub ignore_punctuation: bool,
    /// exact_match: delete digits before comparing
    #[arg(long)]
    pub ignore_numbers: bool,
    /// exact_match: delete matches of this regex before comparing (repeatable)
    #[arg(long, value_name = "REGEX")]
    pub ignore_regex: Vec<String>,
}

/// Options of the ROUGE, BLEU and chrF metrics.
#[derive(Debug, Args, Clone, Default)]
pub struct TextMetricArgs {
    /// ROUGE: stem tokens with NLTK's Porter stemmer (rouge-score's use_stemmer=True)
    #[arg(long)]
    pub rouge_stemmer: bool,
    /// BLEU: tokenizer: 13a (default), intl, zh, char, none
    #[arg(long, value_name = "NAME")]
    pub bleu_tokenize: Option<String>,
    /// BLEU: lowercase before scoring
    #[arg(long)]
    pub bleu_lowercase: bool,
    /// chrF: lowercase before scoring
    #[arg(long)]
    pub chrf_lowercase: bool,
    /// chrF: keep whitespace in character n-grams
    #[arg(long)]
    pub chrf_whitespace: bool,
}

impl TextMetricArgs {
    fn apply(&self, options: &mut MetricOptions) {
        options.rouge.stemmer |= self.rouge_stemmer;
        let o = &mut options.sacrebleu;
        if self.bleu_tokenize.is_some() {
            o.tokenize.clone_from(&self.bleu_tokenize);
        }
        o.lowercase |= self.bleu_lowercase;
        o.chrf_lowercase |= self.chrf_lowercase;
        o.chrf_whitespace |= self.chrf_whitespace;
    }
}

/// Options of the BERTScore metrics (bertscore, bertscore_p, bertscore_r).
#[derive(Debug, Args, Clone, Default)]
pub struct BertScoreArgs {
    /// bertscore: Hugging Face model directory (config.json, tokenizer.json, model.safetensors)
    #[arg(long, value_name = "DIR")]
    pub bertscore_model: Option<PathBuf>,
    /// bertscore: use the hidden states after N layers [default: all the model's layers]
    #[arg(long, value_name = "N")]
    pub bertscore_layers: Option<usize>,
    /// bertscore: weigh tokens by idf over the references (bert-score's idf=True)
    #[arg(long)]
    pub idf: bool,
    /// bertscore: rescale with bert-score's baseline file (LAYER,P,R,F rows)
    #[arg(long, value_name = "FILE.tsv")]
    pub rescale_baseline: Option<PathBuf>,
    /// bertscore: sentences per model call [default: 64]
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,
}

impl BertScoreArgs {
    fn apply(&self, options: &mut MetricOptions) {
        let b = &mut options.bertscore;
        if self.bertscore_model.is_some() {
            b.model.clone_from(&self.bertscore_model);
        }
        b.layers = self.bertscore_layers.or(b.layers);
        b.idf |= self.idf;
        if self.rescale_baseline.is_some() {
            b.rescale_baseline.clone_from(&self.rescale_baseline);
        }
        b.batch_size = self.batch_size.or(b.batch_size);
    }
}

/// Checks: JSON validity and schema, regular expressions, substrings, commands.
#[derive(Debug, Args, Clone, Default)]
pub struct CheckArgs {
    /// json_schema: the JSON Schema file predictions must validate against
    #[arg(long, value_name = "FILE")]
    pub json_schema: Option<PathBuf>,
    /// regex: the pattern predictions must match
    #[arg(long, value_name = "PATTERN")]
    pub regex: Option<String>,
    /// regex: the whole prediction must match (default: any part)
    #[arg(long)]
    pub regex_full_match: bool,
    /// contains: the text predictions must contain (default: a reference)
    #[arg(long, value_name = "TEXT")]
    pub contains: Option<String>,
    /// regex and contains: ignore case
    #[arg(long)]
    pub check_ignore_case: bool,
    /// exec: the command scoring each example, split on whitespace ("python3 checks/compiles.py")
    #[arg(long, value_name = "COMMAND")]
    pub exec: Option<String>,
    /// exec: seconds before an example's command is killed [default: 30]
    #[arg(long, value_name = "SECONDS")]
    pub exec_timeout: Option<f64>,
    /// exec: do not read or write the .evalgate-cache/exec result cache
    #[arg(long)]
    pub no_exec_cache: bool,
}

impl CheckArgs {
    fn apply(&self, options: &mut MetricOptions) {
        use crate::metrics::checks::CheckSpec;
        if let Some(schema) = &self.json_schema {
            options.checks.push((
                "json_schema".into(),
                CheckSpec::JsonSchema {
                    schema: schema.clone(),
                },
            ));
        }
        if let Some(pattern) = &self.regex {
            options.checks.push((
                "regex".into(),
                CheckSpec::Regex {
                    pattern: pattern.clone(),
                    full_match: self.regex_full_match,
                    ignore_case: self.check_ignore_case,
                },
            ));
        }
        if self.contains.is_some() || self.check_ignore_case {
            options.checks.push((
                "contains".into(),
                CheckSpec::Contains {
                    text: self.contains.clone(),
                    ignore_case: self.check_ignore_case,
                },
            ));
        }
        if let Some(command) = &self.exec {
            let command = command.split_whitespace().map(str::to_string).collect();
            options.checks.push((
                "exec".into(),
                CheckSpec::Exec {
                    command,
                    timeout_s: self.exec_timeout.unwrap_or(30.0),
                },
            ));
        } else if let Some(t) = self.exec_timeout {
            for (_, spec) in &mut options.checks {
                if let CheckSpec::Exec { timeout_s, .. } = spec {
                    *timeout_s = t;
                }
            }
        }
        if self.no_exec_cache {
            options.exec_cache = None;
        }
    }
}

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `evalgate compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Baseline result file (JSONL, JSONL.gz, JSON array, CSV or TSV)
    #[arg(long, value_name = "PATH")]
    pub baseline: PathBuf,
    /// Current result file(s); several are shards of one run
    #[arg(long, value_name = "PATH", required = true, num_args = 1..)]
    pub current: Vec<PathBuf>,
    /// Metric to compare (repeatable) [default: exact_match, f1 and every numeric field]
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    /// Config file [default: ./evalgate.toml when it exists]
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Output on stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Terminal)]
    pub format: OutputFormat,
    /// Also write the markdown report here
    #[arg(long, value_name = "PATH")]
    pub markdown_out: Option<PathBuf>,
    /// Also write the JSON report here
    #[arg(long, value_name = "PATH")]
    pub json_out: Option<PathBuf>,
    /// Significance level, after Holm's correction [default: 0.05]
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Confidence level of the intervals [default: 0.95]
    #[arg(long)]
    pub confidence: Option<f64>,
    /// Bootstrap resamples or randomization rounds [default: 10000]
    #[arg(long)]
    pub resamples: Option<usize>,
    /// Random seed [default: 12345]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Significance test [default: bootstrap]
    #[arg(long, value_enum)]
    pub test: Option<TestKind>,
    /// Bootstrap resampler [default: auto: multinomial below 20,000 examples, Poisson above]
    #[arg(long, value_enum)]
    pub resampler: Option<crate::stats::Resampler>,
    /// Practical margin of a metric, NAME=VALUE (repeatable)
    #[arg(long, value_name = "NAME=VALUE")]
    pub tolerance: Vec<String>,
    /// Absolute floor of a metric, NAME=VALUE (repeatable)
    #[arg(long, value_name = "NAME=VALUE")]
    pub min: Vec<String>,
    /// Absolute ceiling of a metric, NAME=VALUE (repeatable)
    #[arg(long, value_name = "NAME=VALUE")]
    pub max: Vec<String>,
    /// Direction of an external metric, NAME=higher|lower (repeatable)
    #[arg(long, value_name = "NAME=DIR")]
    pub direction: Vec<String>,
    /// Tag field to slice by (repeatable)
    #[arg(long, value_name = "FIELD")]
    pub slice_by: Vec<String>,
    /// Regressed examples shown per metric [default: 5]
    #[arg(long)]
    pub top_k: Option<usize>,
    /// What fails the gate [default: regression]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Warn instead of failing when baseline examples are missing
    #[arg(long)]
    pub allow_missing: bool,
    /// Fewer examples than this never give a significant verdict [default: 20]
    #[arg(long)]
    pub min_examples: Option<usize>,
    /// Suite name, one PR comment per suite [default: default]
    #[arg(long)]
    pub suite: Option<String>,
    /// Colour [default: auto; NO_COLOR respected]
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// No stage timings on stderr (they appear for stages longer than a second)
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub fields: FieldArgs,
    #[command(flatten)]
    pub exact_match: ExactMatchArgs,
    #[command(flatten)]
    pub checks: CheckArgs,
    #[command(flatten)]
    pub text_metrics: TextMetricArgs,
    #[command(flatten)]
    pub bertscore: BertScoreArgs,
    #[command(flatten)]
    pub github: GithubArgs,
}

/// `--github` and its settings.
#[derive(Debug, Args, Clone)]
pub struct GithubArgs {
    /// Publish to GitHub Actions: PR comment, job summary, outputs, annotations
    #[arg(long)]
    pub github: bool,
    /// With --github: when to post the PR comment
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value_t = CommentMode::OnChange,
        requires = "github"
    )]
    pub comment: CommentMode,
    /// With --github: seconds for all GitHub API calls, retries included
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 120,
        value_parser = clap::value_parser!(u64).range(1..),
        requires = "github"
    )]
    pub github_timeout: u64,
    /// Log what --github sends to stderr (never the token)
    #[arg(long)]
    pub verbose: bool,
}

impl GithubArgs {
    /// The `--github` settings, when `--github` is on.
    pub fn options(&self) -> Option<GithubOptions> {
        self.github.then(|| GithubOptions {
            comment: self.comment,
            timeout: std::time::Duration::from_secs(self.github_timeout),
            verbose: self.verbose,
        })
    }
}

/// Output formats of `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScoreFormat {
    /// A table.
    Terminal,
    /// `{"n": N, "metrics": {...}}`.
    Json,
    /// One line per example with its scores.
    Jsonl,
}

/// `evalgate score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Result file(s)
    #[arg(long, value_name = "PATH", required = true, num_args = 1..)]
    pub input: Vec<PathBuf>,
    /// Metric (repeatable)
    #[arg(long = "metric", value_name = "NAME", required = true)]
    pub metrics: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ScoreFormat::Terminal)]
    pub format: ScoreFormat,
    /// Direction of an external metric, NAME=higher|lower (repeatable)
    #[arg(long, value_name = "NAME=DIR")]
    pub direction: Vec<String>,
    #[command(flatten)]
    pub fields: FieldArgs,
    #[command(flatten)]
    pub exact_match: ExactMatchArgs,
    #[command(flatten)]
    pub checks: CheckArgs,
    #[command(flatten)]
    pub text_metrics: TextMetricArgs,
    #[command(flatten)]
    pub bertscore: BertScoreArgs,
}

fn pair(flag: &str, raw: &str) -> Result<(String, String)> {
    match raw.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
            Ok((k.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(Error::Config(format!(
            "--{flag} expects NAME=VALUE, got \"{raw}\""
        ))),
    }
}

fn number(flag: &str, raw: &str) -> Result<(String, f64)> {
    let (k, v) = pair(flag, raw)?;
    let x: f64 = v
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| Error::Config(format!("--{flag} {k}=…: \"{v}\" is not a finite number")))?;
    Ok((k, x))
}

fn directions(raw: &[String]) -> Result<Vec<(String, Direction)>> {
    raw.iter()
        .map(|r| {
            let (k, v) = pair("direction", r)?;
            let d = match v.as_str() {
                "higher" => Direction::Higher,
                "lower" => Direction::Lower,
                _ => {
                    return Err(Error::Config(format!(
                        "--direction {k}={v}: the direction must be \"higher\" or \"lower\""
                    )))
                }
            };
            Ok((k, d))
        })
        .collect()
}

impl FieldArgs {
    fn apply(&self, map: &mut FieldMap) {
        let one = |x: &Option<String>, target: &mut Vec<String>| {
            if let Some(x) = x {
                *target = vec![x.clone()];
            }
        };
        one(&self.id_field, &mut map.id);
        one(&self.prediction_field, &mut map.prediction);
        one(&self.reference_field, &mut map.reference);
        one(&self.input_field, &mut map.input);
    }
}

impl ExactMatchArgs {
    fn apply(&self, options: &mut MetricOptions) {
        let em = &mut options.exact_match;
        em.ignore_case |= self.ignore_case;
        em.ignore_punctuation |= self.ignore_punctuation;
        em.ignore_numbers |= self.ignore_numbers;
        em.regexes_to_ignore
            .extend(self.ignore_regex.iter().cloned());
    }
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}

impl CompareArgs {
    /// Merges the config file (if any) and these flags into a validated config.
    pub fn into_config(self) -> Result<Config> {
        let mut c = Config::new(self.baseline.clone(), self.current.clone());
        if let Some(file) = config::read_file(self.config.as_deref())? {
            c.apply_file(file)?;
        }
        if !self.metrics.is_empty() {
            c.metrics = self.metrics.clone();
        }
        self.fields.apply(&mut c.fields);
        self.exact_match.apply(&mut c.metric_options);
        self.checks.apply(&mut c.metric_options);
        self.text_metrics.apply(&mut c.metric_options);
        self.bertscore.apply(&mut c.metric_options);
        c.metric_options
            .directions
            .extend(directions(&self.direction)?);
        // Later entries win: flags were appended after the file's.
        c.metric_options.directions.reverse();
        for raw in &self.tolerance {
            let (k, v) = number("tolerance", raw)?;
            c.flag_gate_names.push(k.clone());
            c.gates.entry(k).or_default().tolerance = v;
        }
        for raw in &self.min {
            let (k, v) = number("min", raw)?;
            c.flag_gate_names.push(k.clone());
            c.gates.entry(k).or_default().min = Some(v);
        }
        for raw in &self.max {
            let (k, v) = number("max", raw)?;
            c.flag_gate_names.push(k.clone());
            c.gates.entry(k).or_default().max = Some(v);
        }
        set(&mut c.alpha, self.alpha);
        set(&mut c.confidence, self.confidence);
        set(&mut c.resamples, self.resamples);
        set(&mut c.seed, self.seed);
        set(&mut c.test, self.test);
        set(&mut c.resampler, self.resampler);
        set(&mut c.top_k, self.top_k);
        set(&mut c.fail_on, self.fail_on);
        set(&mut c.min_examples, self.min_examples);
        set(&mut c.suite, self.suite);
        if !self.slice_by.is_empty() {
            c.slice_by = self.slice_by;
        }
        c.allow_missing |= self.allow_missing;
        c.format = self.format;
        c.markdown_out = self.markdown_out;
        c.json_out = self.json_out;
        c.color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        c.validate()?;
        Ok(c)
    }
}

impl ScoreArgs {
    /// Field map and metric options from the flags.
    pub fn options(&self) -> Result<(FieldMap, MetricOptions)> {
        let mut fields = FieldMap::default();
        self.fields.apply(&mut fields);
        let mut options = MetricOptions::default();
        self.exact_match.apply(&mut options);
        options.exec_cache = Some(PathBuf::from(crate::metrics::exec::CACHE_DIR));
        self.checks.apply(&mut options);
        self.text_metrics.apply(&mut options);
        self.bertscore.apply(&mut options);
        options.directions = directions(&self.direction)?;
        Ok((fields, options))
    }
}
