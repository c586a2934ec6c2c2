//! Command-line flags (clap): what each command accepts, its help text and
//! defaults, and nothing else. Turning the parsed flags into a validated
//! [`crate::config::Config`] (and the other commands' settings) is
//! `cli_config`'s.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{FailOn, OutputFormat, TestKind};
use crate::github::CommentMode;

/// A regression gate for LLM evaluations.
#[derive(Debug, Parser)]
#[command(name = "benchgate", version, about, long_about = None)]
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
    /// How big the benchmark must be: the examples (or clusters) needed to
    /// catch a drop, or the smallest drop a size catches, from a run of it.
    Plan(Box<PlanArgs>),
    /// Watch live traffic: compare the latest window of production logs with a
    /// reference window on reference-free metrics (at the reference mix), and
    /// the live inputs with the benchmark; exit 1 on an alarm.
    Monitor(Box<MonitorArgs>),
}

/// `benchgate monitor`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("sources").required(true).args(["logs", "reference"])))]
pub struct MonitorArgs {
    /// Log files (JSONL, CSV, OTLP JSON spans; globs): the newest --window is
    /// compared with the window --against names
    #[arg(long, value_name = "PATH", num_args = 1.., conflicts_with_all = ["reference", "current"])]
    pub logs: Vec<String>,
    /// The current window's length: 7d, 24h, 2w, 90m
    #[arg(long, value_name = "LENGTH", default_value = "7d")]
    pub window: String,
    /// The reference window: previous (the window before), first (the logs'
    /// first window) or START/END (RFC 3339 times or dates, end excluded)
    #[arg(long, value_name = "WHICH", default_value = "previous")]
    pub against: String,
    /// The reference window as files instead (with --current)
    #[arg(long, value_name = "PATH", num_args = 1.., requires = "current")]
    pub reference: Vec<String>,
    /// The current window as files (with --reference)
    #[arg(long, value_name = "PATH", num_args = 1.., requires = "reference")]
    pub current: Vec<String>,
    /// The benchmark (a result or dataset file with inputs): measure input
    /// drift and list the live inputs least like any of its inputs
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub benchmark: Vec<String>,
    /// Reference-free metric (repeatable) [default: sentiment and every numeric field]
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    /// The field whose mix is held at the reference window's and whose slices are tested
    #[arg(long, value_name = "FIELD")]
    pub slice_by: Option<String>,
    /// Practical margin of a metric, NAME=VALUE (repeatable)
    #[arg(long, value_name = "NAME=VALUE")]
    pub tolerance: Vec<String>,
    /// Direction of a metric, NAME=higher|lower (repeatable)
    #[arg(long, value_name = "NAME=DIR")]
    pub direction: Vec<String>,
    /// Chance of a false alarm of each kind (one-sided tests; overall rows first, slices second)
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Permutation rounds
    #[arg(long, default_value_t = 10_000)]
    pub resamples: usize,
    /// Random seed
    #[arg(long, default_value_t = 12_345)]
    pub seed: u64,
    /// A window (or slice) with fewer rows than this is not tested
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub min_rows: usize,
    /// Novel inputs listed (with --benchmark)
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub novel: usize,
    /// Write the novel inputs as a sheet to complete with references (CSV)
    #[arg(long, value_name = "PATH", requires = "benchmark")]
    pub review_out: Option<PathBuf>,
    /// What raises the alarm (exit 1), repeatable: regression, mix, drift
    #[arg(long, value_enum, value_name = "FINDING", default_values_t = [crate::monitor::Finding::Regression])]
    pub alarm_on: Vec<crate::monitor::Finding>,
    /// Field holding each row's time [default: timestamp, time, ts, created_at, …]
    #[arg(long, value_name = "NAME")]
    pub time_field: Option<String>,
    /// Output on stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Terminal)]
    pub format: OutputFormat,
    /// Also write the markdown report here
    #[arg(long, value_name = "PATH")]
    pub markdown_out: Option<PathBuf>,
    /// Also write the JSON report here
    #[arg(long, value_name = "PATH")]
    pub json_out: Option<PathBuf>,
    /// Also write the report as one self-contained HTML file here
    #[arg(long, value_name = "PATH")]
    pub html_out: Option<PathBuf>,
    /// In GitHub Actions: the report to the job summary, `alarm` to the step's outputs
    #[arg(long)]
    pub github: bool,
    /// With --github: keep one comment with the report on this tracking issue, edited in place
    #[arg(long, value_name = "NUMBER", requires = "github", value_parser = clap::value_parser!(u64).range(1..))]
    pub issue: Option<u64>,
    /// Seconds for the GitHub API calls of --issue, retries included
    #[arg(long, value_name = "SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    pub github_timeout: u64,
    /// Log what --issue sends to stderr (never the token)
    #[arg(long, requires = "issue")]
    pub verbose: bool,
    /// No stage timings on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub fields: FieldArgs,
    #[command(flatten)]
    pub checks: CheckArgs,
}

/// `benchgate plan`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("size").required(true).args(["drop", "examples", "clusters"])))]
pub struct PlanArgs {
    /// A run of the benchmark (result file or glob, or several: shards)
    #[arg(long, value_name = "PATH", required = true, num_args = 1..)]
    pub baseline: Vec<String>,
    /// A second run of the same system, to measure how much results change
    /// from run to run [default: none: a deterministic system]
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub current: Vec<String>,
    /// The metric to plan for
    #[arg(long, value_name = "NAME")]
    pub metric: String,
    /// The true drop to catch (in the metric's units; 0.05 = 5 points of a fraction)
    #[arg(long, value_name = "X")]
    pub drop: Option<f64>,
    /// A benchmark size: the smallest drop it catches
    #[arg(long, value_name = "N")]
    pub examples: Option<usize>,
    /// A benchmark size in clusters (with --cluster-by): the smallest drop it catches
    #[arg(long, value_name = "C", requires = "cluster_by")]
    pub clusters: Option<usize>,
    /// How often the drop must be caught
    #[arg(long, default_value_t = 0.8, value_name = "P")]
    pub power: f64,
    /// The one-sided level the metric's row is tested at: the gate's alpha
    /// for one metric (with k metrics, the first row's is alpha/k)
    #[arg(long, default_value_t = 0.05, value_name = "A")]
    pub alpha: f64,
    /// The metric's tolerance in the gate (a drop is caught beyond it)
    #[arg(long, default_value_t = 0.0, value_name = "X")]
    pub tolerance: f64,
    /// Field whose equal values are one cluster: plan in clusters
    #[arg(long, value_name = "FIELD")]
    pub cluster_by: Option<String>,
    /// Direction of an external metric, NAME=higher|lower (repeatable)
    #[arg(long, value_name = "NAME=DIR")]
    pub direction: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Terminal)]
    pub format: PlanFormat,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}

/// `plan --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// A few sentences.
    Terminal,
    /// The plan as JSON (`examples`, `clusters`, `mde`, and what they rest on).
    Json,
}

/// `benchgate baseline ...`.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write a self-describing baseline (header with commit, date, version,
    /// config hash and dataset fingerprint, then one line per example).
    Write(Box<BaselineWriteArgs>),
}

/// `benchgate baseline write`.
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
    /// Config file whose metric settings ([metric.NAME], [judge], [fields]) apply [default: ./benchgate.toml when it exists]
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub scoring: ScoringArgs,
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
    #[command(flatten)]
    pub judge: JudgeArgs,
}

/// Options of the LLM judges (llm_judge, llm_pairwise and judges named in
/// benchgate.toml): flags over `[judge]` and `[metric.NAME]`.
#[derive(Debug, Args, Clone, Default)]
pub struct JudgeArgs {
    /// LLM judges: the judge model [default: [judge] model in benchgate.toml]
    #[arg(long, value_name = "NAME")]
    pub judge_model: Option<String>,
    /// LLM judges: the chat-completions API's base URL [default: $OPENAI_BASE_URL, else https://api.openai.com/v1]
    #[arg(long, value_name = "URL")]
    pub judge_base_url: Option<String>,
    /// LLM judges: the environment variable holding the API key [default: OPENAI_API_KEY]
    #[arg(long, value_name = "VAR")]
    pub judge_api_key_env: Option<String>,
    /// LLM judges: the rubric (llm_pairwise: the criterion) from a file
    #[arg(long, value_name = "FILE")]
    pub judge_rubric: Option<PathBuf>,
    /// LLM judges: judgements per output, to measure the judge's own noise [default: 1]
    #[arg(long, value_name = "N")]
    pub judge_samples: Option<usize>,
    /// LLM judges: requests in flight at once [default: 8]
    #[arg(long, value_name = "N")]
    pub judge_concurrency: Option<usize>,
    /// LLM judges: seconds per request before it is retried [default: 60]
    #[arg(long, value_name = "SECONDS")]
    pub judge_timeout: Option<f64>,
    /// LLM judges: retries of a failed request (429, 5xx, timeout, unreadable answer) [default: 4]
    #[arg(long, value_name = "N")]
    pub judge_max_retries: Option<u32>,
    /// LLM judges: how the answer's JSON is asked for (json_object for servers without json_schema, such as llama-cpp-python's) [default: json_schema]
    #[arg(long, value_enum, value_name = "HOW")]
    pub judge_response_format: Option<crate::metrics::llm::prompt::Format>,
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
    /// exec: do not read or write the .benchgate-cache/exec result cache
    #[arg(long)]
    pub no_exec_cache: bool,
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

/// `benchgate compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Baseline: result file(s), an lm-eval run's directory or a glob (as --current), a benchgate baseline file, git:REF:PATH, artifact:NAME or artifact:NAME:PATH
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub baseline: Vec<String>,
    /// Current result file(s) or globs; several are shards of one run
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub current: Vec<String>,
    /// Metric to compare (repeatable) [default: exact_match, f1 and every numeric field]
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    /// Config file [default: ./benchgate.toml when it exists]
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
    /// Write the ids whose outcome is uncertain (flaky, or changed without being
    /// clearly worse or better in every sample) here, one per line, to re-run them with more samples
    #[arg(long, value_name = "PATH")]
    pub rerun_out: Option<PathBuf>,
    /// An example is flaky when its baseline samples disagree on more than this
    /// share of pairs (0/1 metrics; graded ones: mean difference as a share of the range) [default: 0.1]
    #[arg(long, value_name = "SHARE")]
    pub flaky_threshold: Option<f64>,
    /// Chance that the gate fails when nothing regressed: one-sided tests of "is it worse?", overall rows first, slices second [default: 0.05]
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
    /// Field whose equal values are one cluster (questions of one document,
    /// turns of one conversation): tests resample whole clusters
    #[arg(long, value_name = "FIELD")]
    pub cluster_by: Option<String>,
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
    /// in benchgate.toml, run only this one
    #[arg(long)]
    pub suite: Option<String>,
    /// With [[suite]]s: one PR comment with a section each, or one comment each
    #[arg(long, value_enum, value_name = "HOW")]
    pub suite_comments: Option<crate::config::SuiteComments>,
    /// History file (`benchgate history append`): show each metric's trend on main
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

/// Output formats of `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScoreFormat {
    /// A table.
    Terminal,
    /// `{"n": N, "metrics": {...}}`.
    Json,
    /// A benchgate scores file: a header line, then each sample with its
    /// example's scores (`compare` reads it as a run, or a shard of one, and
    /// reuses the scores of `bertscore*`, `exec` and `llm_judge`).
    Jsonl,
}

/// `benchgate score`.
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
    /// Config file whose metric settings ([metric.NAME], [judge], [fields]) apply [default: ./benchgate.toml when it exists]
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}

/// `benchgate history`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct HistoryArgs {
    /// Record a run instead of showing the trend.
    #[command(subcommand)]
    pub action: Option<HistoryAction>,
    /// History file (JSON lines written by `benchgate history append`)
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

/// Subcommands of `benchgate history`.
#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// Append a JSON report's corpus values and intervals to the history.
    Append(HistoryAppendArgs),
}

/// `benchgate history append`.
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

/// `benchgate review …`.
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

/// `benchgate review sample`.
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

/// `benchgate review score`.
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
}

/// `benchgate agreement`.
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
    /// Config file whose metric settings ([metric.NAME], [judge]) apply [default: ./benchgate.toml when it exists]
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub fields: FieldArgs,
    #[command(flatten)]
    pub exact_match: ExactMatchArgs,
    #[command(flatten)]
    pub text_metrics: TextMetricArgs,
    #[command(flatten)]
    pub judge: JudgeArgs,
}
