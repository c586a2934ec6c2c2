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
    /// Write and inspect baseline files.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Show the trend of each metric on main and flag a sustained decline (exit 1);
    /// `history append` records a run.
    History(Box<HistoryArgs>),
    /// Blind human review sheets: draw one, or score a filled one.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// How well metrics agree with human ratings (correlations, CIs, tests).
    Agreement(Box<AgreementArgs>),
}

/// `evalgate baseline ...`.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write a self-describing baseline (header with commit, date, version,
    /// config hash and dataset fingerprint, then one line per example).
    Write(Box<BaselineWriteArgs>),
}

/// `evalgate baseline write`.
#[derive(Debug, Args)]
pub struct BaselineWriteArgs {
    /// Result file(s) of the run to keep as the baseline (several: shards)
    #[arg(long = "from", value_name = "PATH", required = true, num_args = 1..)]
    pub from: Vec<PathBuf>,
    /// The baseline file to write (replaced atomically)
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Metric whose per-example values to record (repeatable) [default: exact_match and f1 when there are references]
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    /// Commit the results belong to [default: $GITHUB_SHA, else git rev-parse HEAD]
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}

impl BaselineWriteArgs {
    /// Field map and writer options from the flags.
    pub fn options(&self) -> (FieldMap, crate::baseline::WriteOptions) {
        let (fields, metric_options) = self.scoring.standalone();
        let options = crate::baseline::WriteOptions {
            metrics: self.metrics.clone(),
            metric_options,
            commit: self.commit.clone(),
            source: self.from.iter().map(|p| p.display().to_string()).collect(),
        };
        (fields, options)
    }
}

/// The flags that say how to read result files and score them, shared by
/// `compare`, `score` and `baseline write`.
#[derive(Debug, Args, Clone, Default)]
pub struct ScoringArgs {
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

impl ScoringArgs {
    /// Applies the flags over what a config file set.
    fn apply(&self, fields: &mut FieldMap, options: &mut MetricOptions) {
        self.fields.apply(fields);
        self.exact_match.apply(options);
        self.checks.apply(options);
        self.text_metrics.apply(options);
        self.bertscore.apply(options);
    }

    /// Field map and metric options from the flags alone, with the `exec`
    /// result cache on unless `--no-exec-cache`.
    fn standalone(&self) -> (FieldMap, MetricOptions) {
        let mut fields = FieldMap::default();
        let mut options = MetricOptions {
            exec_cache: Some(PathBuf::from(crate::metrics::exec::CACHE_DIR)),
            ..MetricOptions::default()
        };
        self.apply(&mut fields, &mut options);
        (fields, options)
    }
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
    /// Format of the result files [default: auto, from the name and content]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<crate::load::InputFormat>,
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
    /// Baseline: result file(s), an lm-eval run's directory or a glob (as --current), an evalgate baseline file, git:REF:PATH, artifact:NAME or artifact:NAME:PATH
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub baseline: Vec<String>,
    /// Current result file(s) or globs; several are shards of one run
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub current: Vec<String>,
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
    /// Also write the HTML report here: one self-contained file with every changed example
    #[arg(long, value_name = "PATH")]
    pub html_out: Option<PathBuf>,
    /// Chance that any verdict is wrong (Bonferroni over every row) [default: 0.05]
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Confidence level of a run's own value (history); deltas use 1 − alpha [default: 0.95]
    #[arg(long)]
    pub confidence: Option<f64>,
    /// Bootstrap resamples or randomization rounds [default: 10000]
    #[arg(long)]
    pub resamples: Option<usize>,
    /// Random seed [default: 12345]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Test of mean metrics [default: randomization]
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
    /// Fail (exit 2) when the datasets differ: examples added, removed or edited
    #[arg(long)]
    pub strict_dataset: bool,
    /// Fewer examples than this never give a significant verdict [default: 20]
    #[arg(long)]
    pub min_examples: Option<usize>,
    /// Suite name, one PR comment per suite [default: default]; with [[suite]]s
    /// in evalgate.toml, run only this one
    #[arg(long)]
    pub suite: Option<String>,
    /// With [[suite]]s: one PR comment with a section each, or one comment each
    #[arg(long, value_enum, value_name = "HOW")]
    pub suite_comments: Option<crate::config::SuiteComments>,
    /// History file (`evalgate history append`): show each metric's trend on main
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// Colour [default: auto; NO_COLOR respected]
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// No stage timings on stderr (they appear for stages longer than a second)
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// A filled review sheet (from `review sample`): adds a "Human review" section
    #[arg(long, value_name = "SHEET", requires = "human_key")]
    pub human: Option<PathBuf>,
    /// The review sheet's key file
    #[arg(long, value_name = "KEY", requires = "human")]
    pub human_key: Option<PathBuf>,
    /// promptfoo: compare only this variant of the baseline file,
    /// provider=ID, prompt=LABEL or provider=ID,prompt=LABEL
    #[arg(long, value_name = "VARIANT")]
    pub baseline_variant: Option<String>,
    /// promptfoo: compare only this variant of the current file (as --baseline-variant)
    #[arg(long, value_name = "VARIANT")]
    pub current_variant: Option<String>,
    #[command(flatten)]
    pub scoring: ScoringArgs,
    #[command(flatten)]
    pub github: GithubArgs,
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

/// Where `--baseline artifact:NAME[:PATH]` looks.
#[derive(Debug, Args, Clone)]
pub struct ArtifactArgs {
    /// With an artifact: baseline: the workflow that uploads it [default: the running workflow]
    #[arg(long, value_name = "FILE.yml")]
    pub artifact_workflow: Option<String>,
    /// With an artifact: baseline: the branch whose runs to read [default: the pull request's base]
    #[arg(long, value_name = "BRANCH")]
    pub artifact_branch: Option<String>,
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
    /// Seconds for all GitHub API calls (--github, artifact: baselines), retries included
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 120,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub github_timeout: u64,
    /// Log what --github and artifact: baselines send to stderr (never the token)
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
    /// An evalgate scores file: a header line, then each sample with its
    /// example's scores (`compare` reads it as a run, or a shard of one, and
    /// reuses the scores of `bertscore*` and `exec`).
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
    /// Score only the K-th of N shards (by a hash of the id; all samples of an example together), for a CI matrix
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Direction of an external metric, NAME=higher|lower (repeatable)
    #[arg(long, value_name = "NAME=DIR")]
    pub direction: Vec<String>,
    #[command(flatten)]
    pub scoring: ScoringArgs,
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
        if let Some(format) = self.input_format {
            map.format = format;
        }
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
        let current = config::expand_globs(&self.current)?;
        let mut c = Config::new(PathBuf::new(), current);
        c.baseline = config::expand_baseline(&self.baseline)?;
        if let Some(file) = config::read_file(self.config.as_deref())? {
            c.apply_file(file)?;
        }
        self.check_sources(&mut c)?;
        if !self.metrics.is_empty() {
            c.metrics = self.metrics.clone();
        }
        self.scoring.apply(&mut c.fields, &mut c.metric_options);
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
        if c.suites.is_empty() {
            set(&mut c.suite, self.suite);
        }
        set(&mut c.suite_comments, self.suite_comments);
        if !self.slice_by.is_empty() {
            c.slice_by = self.slice_by;
        }
        c.allow_missing |= self.allow_missing;
        c.strict_dataset |= self.strict_dataset;
        c.human = self.human.zip(self.human_key);
        let variant = |flag: &str, v: &Option<String>| {
            v.as_deref()
                .map(|v| crate::load::promptfoo::VariantSpec::parse(flag, v))
                .transpose()
        };
        c.variants = [
            variant("--baseline-variant", &self.baseline_variant)?,
            variant("--current-variant", &self.current_variant)?,
        ];
        c.format = self.format;
        c.markdown_out = self.markdown_out;
        c.json_out = self.json_out;
        c.html_out = self.html_out;
        c.history = self.history;
        c.artifact = crate::load::artifact::ArtifactSettings {
            workflow: self.artifact.artifact_workflow,
            branch: self.artifact.artifact_branch,
            timeout: std::time::Duration::from_secs(self.github.github_timeout),
            verbose: self.github.verbose,
        };
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

impl CompareArgs {
    /// Either the flags name the files, or the config's `[[suite]]`s do
    /// (`--suite` then picks one of them).
    fn check_sources(&self, c: &mut Config) -> Result<()> {
        if c.suites.is_empty() {
            return match (self.baseline.is_empty(), self.current.is_empty()) {
                (false, false) => Ok(()),
                _ => Err(Error::Config(
                    "compare needs --baseline and --current, or [[suite]] sections in evalgate.toml".into(),
                )),
            };
        }
        let names: Vec<String> = c.suites.iter().map(|s| s.name.clone()).collect();
        if !self.baseline.is_empty() || !self.current.is_empty() {
            return Err(Error::Config(format!(
                "evalgate.toml declares suites ({}), which name their own files; drop --baseline and --current, or pick a suite with --suite NAME",
                names.join(", ")
            )));
        }
        if let Some(only) = &self.suite {
            if !names.contains(only) {
                return Err(Error::Config(format!(
                    "--suite {only}: evalgate.toml declares no such suite; its suites are {}",
                    names.join(", ")
                )));
            }
            c.suites.retain(|s| &s.name == only);
        }
        let mut seen = std::collections::BTreeSet::new();
        for name in &names {
            if !seen.insert(name) {
                return Err(Error::Config(format!(
                    "evalgate.toml declares the suite \"{name}\" twice; each [[suite]] needs its own name"
                )));
            }
        }
        Ok(())
    }
}

impl ScoreArgs {
    /// Field map and metric options from the flags.
    pub fn options(&self) -> Result<(FieldMap, MetricOptions)> {
        let (fields, mut options) = self.scoring.standalone();
        options.directions = directions(&self.direction)?;
        Ok((fields, options))
    }

    /// The shard of `--shard K/N`.
    pub fn shard(&self) -> Result<Option<crate::align::Shard>> {
        self.shard
            .as_deref()
            .map(crate::align::Shard::parse)
            .transpose()
    }
}

/// `evalgate history`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct HistoryArgs {
    /// Record a run instead of showing the trend.
    #[command(subcommand)]
    pub action: Option<HistoryAction>,
    /// History file (JSON lines written by `evalgate history append`)
    #[arg(long, value_name = "PATH", required = true)]
    pub history: Option<PathBuf>,
    /// Metric to show (repeatable) [default: every metric in the history]
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    /// Entries per metric to show and test for drift
    #[arg(long, value_name = "N", default_value_t = crate::history::DEFAULT_LAST)]
    pub last: usize,
    /// Significance level of the one-sided Mann–Kendall test
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Output on stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Terminal)]
    pub format: OutputFormat,
}

/// Subcommands of `evalgate history`.
#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// Append a JSON report's corpus values and intervals to the history.
    Append(HistoryAppendArgs),
}

/// `evalgate history append`.
#[derive(Debug, Args)]
pub struct HistoryAppendArgs {
    /// JSON report of the run (`compare --json-out report.json`)
    #[arg(long, value_name = "PATH")]
    pub from: PathBuf,
    /// History file; created when missing
    #[arg(long, value_name = "PATH")]
    pub history: PathBuf,
    /// Commit the run measured [default: $GITHUB_SHA, else `git rev-parse HEAD`]
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// When the run happened, RFC 3339 [default: now, UTC]
    #[arg(long, value_name = "RFC3339")]
    pub date: Option<String>,
}

// --- Human review and metric–human agreement (issue 8) ---------------------------

/// `evalgate review …`.
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Write a blind pairwise review sheet of a stratified sample, and its key.
    Sample(Box<ReviewSampleArgs>),
    /// Read a filled review sheet with its key: human win rate, sign test, metric agreement.
    Score(Box<ReviewScoreArgs>),
}

/// Formats of a review sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SheetFormat {
    /// CSV, for any spreadsheet.
    Csv,
    /// Markdown, for reviewing in a PR.
    Markdown,
}

/// `evalgate review sample`.
#[derive(Debug, Args)]
pub struct ReviewSampleArgs {
    /// Baseline result file
    #[arg(long, value_name = "PATH")]
    pub baseline: PathBuf,
    /// Current result file(s); several are shards of one run
    #[arg(long, value_name = "PATH", required = true, num_args = 1..)]
    pub current: Vec<PathBuf>,
    /// Rows on the sheet
    #[arg(long, default_value_t = 60)]
    pub n: usize,
    /// The sheet to write
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// The key to write [default: the sheet's name with .key.json]
    #[arg(long, value_name = "PATH")]
    pub key: Option<PathBuf>,
    /// Sheet format [default: markdown for .md, else csv]
    #[arg(long, value_enum)]
    pub format: Option<SheetFormat>,
    /// Metric deciding the strata (repeatable) [default: as compare]
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    /// Share of rows from examples the metrics call regressed
    #[arg(long, default_value_t = 0.4, value_name = "SHARE")]
    pub regressed_share: f64,
    /// Share of rows from examples the metrics call improved
    #[arg(long, default_value_t = 0.4, value_name = "SHARE")]
    pub improved_share: f64,
    /// Share of rows from examples whose outputs differ but the metrics call unchanged
    #[arg(long, default_value_t = 0.2, value_name = "SHARE")]
    pub unchanged_share: f64,
    /// Random seed of the draw and of the A/B order
    #[arg(long, default_value_t = 12_345)]
    pub seed: u64,
    /// Direction of an external metric, NAME=higher|lower (repeatable)
    #[arg(long, value_name = "NAME=DIR")]
    pub direction: Vec<String>,
    #[command(flatten)]
    pub fields: FieldArgs,
    #[command(flatten)]
    pub exact_match: ExactMatchArgs,
    #[command(flatten)]
    pub text_metrics: TextMetricArgs,
}

impl ReviewSampleArgs {
    /// The validated settings.
    pub fn into_config(self) -> Result<crate::review::sample::SampleConfig> {
        let mut fields = FieldMap::default();
        self.fields.apply(&mut fields);
        let mut options = MetricOptions::default();
        self.exact_match.apply(&mut options);
        self.text_metrics.apply(&mut options);
        options.directions = directions(&self.direction)?;
        Ok(crate::review::sample::SampleConfig {
            baseline: self.baseline,
            current: self.current,
            fields,
            metrics: self.metrics,
            options,
            n: self.n,
            shares: [
                self.regressed_share,
                self.improved_share,
                self.unchanged_share,
            ],
            seed: self.seed,
        })
    }

    /// Where the key goes.
    pub fn key_path(&self) -> PathBuf {
        self.key.clone().unwrap_or_else(|| {
            let name = self
                .out
                .file_stem()
                .map_or_else(|| "review".into(), |s| s.to_string_lossy().into_owned());
            self.out.with_file_name(format!("{name}.key.json"))
        })
    }

    /// The sheet's format.
    pub fn sheet_format(&self) -> SheetFormat {
        self.format.unwrap_or_else(|| {
            if self
                .out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("md"))
            {
                SheetFormat::Markdown
            } else {
                SheetFormat::Csv
            }
        })
    }
}

/// Output formats of `review score` and `agreement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Tables for a terminal.
    Terminal,
    /// Markdown.
    Markdown,
    /// JSON.
    Json,
}

/// `evalgate review score`.
#[derive(Debug, Args)]
pub struct ReviewScoreArgs {
    /// The filled sheet (CSV, or markdown for .md)
    #[arg(long, value_name = "PATH")]
    pub sheet: PathBuf,
    /// Its key
    #[arg(long, value_name = "PATH")]
    pub key: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Terminal)]
    pub format: ReportFormat,
    /// Confidence level of the win rate's interval
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Bootstrap resamples
    #[arg(long, default_value_t = 10_000)]
    pub resamples: usize,
    /// Random seed
    #[arg(long, default_value_t = 12_345)]
    pub seed: u64,
}

/// `evalgate agreement`.
#[derive(Debug, Args)]
pub struct AgreementArgs {
    /// Long-format file: one row per (system, input) with output, reference and human ratings
    #[arg(long, value_name = "PATH")]
    pub input: PathBuf,
    /// Numeric field holding a human rating (repeatable)
    #[arg(long = "human", value_name = "FIELD", required = true)]
    pub humans: Vec<String>,
    /// Metric to correlate with the ratings (repeatable)
    #[arg(long = "metric", value_name = "NAME", required = true)]
    pub metrics: Vec<String>,
    /// Field holding the system name
    #[arg(long, value_name = "NAME", default_value = "system")]
    pub system_field: String,
    /// What the bootstrap and the permutation test resample
    #[arg(long, value_enum, default_value_t = crate::agreement::Resampling::Both)]
    pub resample_by: crate::agreement::Resampling,
    /// Bootstrap resamples and permutation rounds
    #[arg(long, default_value_t = 1000)]
    pub resamples: usize,
    /// Random seed
    #[arg(long, default_value_t = 12_345)]
    pub seed: u64,
    /// Confidence level of the intervals
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Coefficient compared by the permutation tests
    #[arg(long, value_enum, default_value_t = crate::stats::correlation::Correlation::Kendall)]
    pub test_correlation: crate::stats::correlation::Correlation,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Terminal)]
    pub format: ReportFormat,
    /// Direction of an external metric, NAME=higher|lower (repeatable)
    #[arg(long, value_name = "NAME=DIR")]
    pub direction: Vec<String>,
    #[command(flatten)]
    pub fields: FieldArgs,
    #[command(flatten)]
    pub exact_match: ExactMatchArgs,
    #[command(flatten)]
    pub text_metrics: TextMetricArgs,
}

impl AgreementArgs {
    /// The validated settings.
    pub fn into_config(self) -> Result<crate::agreement::AgreementConfig> {
        let mut c = crate::agreement::defaults(&self.input);
        self.fields.apply(&mut c.fields);
        self.exact_match.apply(&mut c.options);
        self.text_metrics.apply(&mut c.options);
        c.options.directions = directions(&self.direction)?;
        c.system_field = self.system_field;
        c.humans = self.humans;
        c.metrics = self.metrics;
        c.resampling = self.resample_by;
        c.resamples = self.resamples;
        c.seed = self.seed;
        c.confidence = self.confidence;
        c.test_correlation = self.test_correlation;
        Ok(c)
    }
}
