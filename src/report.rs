//! The plain data a run produces: verdicts, numbers and the examples behind them.
//! Renderers read it; nothing here computes statistics. Serialised as-is for
//! `--format json` (`schema_version` [`SCHEMA_VERSION`]).

use serde::Serialize;

use crate::diagnostic::{Reason, Warning};
use crate::metrics::Direction;

/// Version of the JSON report's layout: 2 since reasons and warnings are
/// objects (`code`, `message`, `hint`) rather than strings.
pub const SCHEMA_VERSION: u32 = 2;

/// The gate's overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GateVerdict {
    /// Nothing blocks the merge.
    Pass,
    /// Something blocks the merge; `reasons` says what.
    Fail,
}

/// The verdict of one metric, overall or in one slice, read off its
/// (simultaneous) interval of the delta and the metric's tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole interval lies beyond the tolerance on the bad side.
    Regressed,
    /// The whole interval lies beyond the tolerance on the good side.
    Improved,
    /// The whole interval lies within ±tolerance: equivalent within the
    /// tolerance (two one-sided tests). With tolerance 0 only an interval of
    /// exactly [0, 0] (identical results) is unchanged.
    Unchanged,
    /// Tolerance 0 and the interval holds 0: no change shown, and none ruled out.
    NotSignificant,
    /// The interval reaches across a tolerance bound, so more examples are
    /// needed to tell (or there are fewer than `min_examples`).
    Inconclusive,
    /// Worse than its absolute bound (`--min`/`--max`), whatever the baseline.
    BelowFloor,
}

impl Verdict {
    /// The word used in tables.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::Unchanged => "unchanged",
            Verdict::NotSignificant => "no significant change",
            Verdict::Inconclusive => "inconclusive",
            Verdict::BelowFloor => "below floor",
        }
    }
}

/// How values of a metric read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ValueScale {
    /// In [0, 1]; changes read as points.
    Fraction,
    /// In the metric's own unit.
    Raw,
}

/// Example counts of the comparison.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ExampleCounts {
    /// Examples in both runs.
    pub compared: usize,
    /// Examples in the baseline only.
    pub missing: usize,
    /// Examples in the current run only.
    pub added: usize,
    /// Up to 10 missing ids.
    pub missing_ids: Vec<String>,
    /// Up to 10 added ids.
    pub added_ids: Vec<String>,
    /// Examples in both whose ground truth (references, dataset hashes) changed (left out of the comparison).
    pub edited: usize,
    /// Up to 10 edited ids.
    pub edited_ids: Vec<String>,
    /// Examples compared whose input (the prompt) differs from the baseline's.
    pub prompt_changed: usize,
    /// Rows read from the baseline and the current files (repeated samples count).
    pub rows: [usize; 2],
}

/// One metric's comparison (overall).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MetricRow {
    /// Metric name.
    pub name: String,
    /// Which way is better.
    pub direction: Direction,
    /// How values read.
    pub scale: ValueScale,
    /// Corpus value of the baseline.
    pub baseline: f64,
    /// Corpus value of the current run.
    pub current: f64,
    /// Confidence interval of `current` itself (at the run's confidence level), for
    /// the history: the percentile interval of the bootstrap's resampled current
    /// values for corpus metrics (BLEU, chrF, macro-F1), the normal approximation
    /// mean ± z·sd/√n of the per-example scores for mean metrics. `None` when it
    /// cannot be computed (fewer than two examples, non-finite scores).
    pub current_ci: Option<[f64; 2]>,
    /// current − baseline.
    pub delta: f64,
    /// Lower end of the delta's two-sided interval at 1 − 2·`alpha_row`: its
    /// upper end (in the better direction) lies beyond the tolerance exactly
    /// when the one-sided regression test rejects at `alpha_row`; `null` in
    /// JSON when the resamples cannot bound it.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Two-sided p-value of "no change", from the same construction as the
    /// interval (unadjusted).
    pub p_value: f64,
    /// One-sided p-value in the direction the metric moved (unadjusted).
    pub p_one_sided: f64,
    /// One-sided p-value of "it is not worse by more than the tolerance",
    /// scaled by the row's share of alpha (`p · alpha / alpha_row`, at most 1):
    /// the row regressed exactly when it is at most `settings.alpha`.
    pub p_adjusted: f64,
    /// The one-sided level this row was finally tested at by the gate's
    /// graphical procedure (`stats::graph`).
    pub alpha_row: f64,
    /// The test (and interval) that decided the row.
    pub test: crate::stats::Method,
    /// The verdict.
    pub verdict: Verdict,
    /// Practical margin: a change must be shown to exceed it to count, and
    /// "unchanged" means shown to stay within it.
    pub tolerance: f64,
    /// The absolute bound, when one is set: a minimum for higher-is-better metrics,
    /// a maximum for lower-is-better ones.
    pub floor: Option<f64>,
    /// Examples compared.
    pub n: usize,
    /// For inconclusive results, roughly how many examples would settle the
    /// question; for a change for the worse that is not significant (tolerance
    /// 0), how many would show a change of the observed size.
    pub examples_to_settle: Option<usize>,
    /// Minimum detectable effect: the smallest drop (a positive number, in the
    /// metric's units) this run would call a regression with 80% power, at its
    /// examples, noise and level: τ + (z_row + z₀.₈)·se, with se read off the
    /// row's interval (half its width over z_row). `None` when the interval is
    /// unbounded or of zero width (no example changed).
    pub mde: Option<f64>,
    /// What repeated samples say of each example's own noise (`None` when
    /// every example has one sample per run).
    pub noise: Option<MetricNoise>,
    /// Why the verdict is what it is, when that is not obvious.
    pub note: Option<String>,
}

/// A metric's noise, from the repeated samples of its examples.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MetricNoise {
    /// Mean samples per example (baseline, current).
    pub samples: [f64; 2],
    /// Whether every sample scored 0 or 1 (then `flip_rate` is given, else `sd`).
    pub binary: bool,
    /// Mean flip rate over examples (the share of an example's sample pairs
    /// that disagree), baseline and current; 0/1 metrics only.
    pub flip_rate: Option<[f64; 2]>,
    /// Root mean within-example variance of per-sample scores (baseline,
    /// current); graded metrics only.
    pub sd: Option<[f64; 2]>,
    /// The flaky rule's threshold (`--flaky-threshold`).
    pub flaky_threshold: f64,
    /// Examples whose baseline samples disagree beyond the threshold.
    pub flaky: usize,
    /// The part of `delta` that the flaky examples account for (their summed
    /// per-example change over all compared examples).
    pub flaky_delta: f64,
    /// Examples worse in every current sample than in every baseline sample
    /// (at least two samples on each side).
    pub solid_regressions: usize,
    /// Examples better in every current sample than in every baseline sample.
    pub solid_improvements: usize,
    /// Examples changed on this metric without being solidly worse or better,
    /// or flaky: what `--rerun-out` lists.
    pub uncertain: usize,
}

/// How sure a listed example's change is, from its repeated samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Stability {
    /// Every current sample is worse than every baseline sample (at least two
    /// samples on each side).
    Solid,
    /// The samples overlap: a change that more samples could confirm or undo.
    Uncertain,
    /// The baseline's own samples disagree beyond the flaky threshold.
    Flaky,
}

/// One side's samples of a listed example.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct SampleSummary {
    /// Samples.
    pub n: usize,
    /// Lowest and highest per-sample score.
    pub min: f64,
    /// Highest.
    pub max: f64,
    /// Flip rate (0/1 metrics) or mean absolute difference between samples.
    pub mean_difference: f64,
    /// Standard deviation of the per-sample scores.
    pub sd: f64,
}

/// One metric in one slice.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SliceRow {
    /// The tag field.
    pub field: String,
    /// The tag value.
    pub value: String,
    /// Metric name.
    pub metric: String,
    /// Which way is better.
    pub direction: Direction,
    /// How values read.
    pub scale: ValueScale,
    /// Examples in the slice.
    pub n: usize,
    /// Baseline value in the slice.
    pub baseline: f64,
    /// Current value in the slice.
    pub current: f64,
    /// current − baseline.
    pub delta: f64,
    /// Lower end of the delta's interval at 1 − 2·`alpha_row` (see [`MetricRow::ci_low`]).
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Two-sided p-value (unadjusted).
    pub p_value: f64,
    /// One-sided p-value in the direction of the change (unadjusted).
    pub p_one_sided: f64,
    /// The regression test's p-value scaled by the row's share of alpha (see
    /// [`MetricRow::p_adjusted`]).
    pub p_adjusted: f64,
    /// The one-sided level the row was finally tested at (the slices' family).
    pub alpha_row: f64,
    /// The test (and interval) that decided the row.
    pub test: crate::stats::Method,
    /// The verdict.
    pub verdict: Verdict,
    /// Minimum detectable drop in the slice (see [`MetricRow::mde`]).
    pub mde: Option<f64>,
}

/// One example whose score got worse.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ExampleChange {
    /// Example id.
    pub id: String,
    /// The metric it got worse on.
    pub metric: String,
    /// Its baseline score.
    pub baseline_score: f64,
    /// Its current score.
    pub current_score: f64,
    /// Tags of the example, e.g. its category.
    pub tags: Vec<(String, String)>,
    /// The model input.
    pub input: Option<String>,
    /// The references.
    pub references: Vec<String>,
    /// Baseline output (the sample whose prediction sorts first).
    pub baseline_prediction: String,
    /// Current output (the sample whose prediction sorts first).
    pub current_prediction: String,
    /// Why the baseline output scored as it did, when the metric says.
    pub baseline_reason: Option<String>,
    /// Why the current output scored as it did, when the metric says.
    pub current_reason: Option<String>,
    /// Solid, uncertain or flaky, from repeated samples (`None` with one sample
    /// per run: nothing to tell them apart).
    pub stability: Option<Stability>,
    /// The baseline's samples of the example, when it has several.
    pub baseline_samples: Option<SampleSummary>,
    /// The current run's samples.
    pub current_samples: Option<SampleSummary>,
}

/// The settings that make the numbers reproducible.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Settings {
    /// Resamples (bootstrap) or rounds (randomization).
    pub resamples: usize,
    /// Random seed.
    pub seed: u64,
    /// Family-wise error rate: the chance that any verdict of the run is wrong.
    pub alpha: f64,
    /// Confidence level of single-value intervals (a run's own value in the
    /// history); the deltas' intervals are at `simultaneous_confidence`.
    pub confidence: f64,
    /// `randomization` (mean metrics by sign flips, exact for small 0/1
    /// metrics) or `bootstrap`; corpus metrics always use the bootstrap.
    pub test: String,
    /// `multinomial` or `poisson` (how bootstrap resamples were drawn).
    pub resampler: String,
    /// Number of (metric, slice) rows tested.
    pub tests: usize,
    /// `graphical` (overall rows first, slices second: `stats::graph`),
    /// or `none` for a single row.
    pub adjustment: String,
    /// Share of alpha reserved for the slices' family (0 without slices).
    pub slice_share: f64,
    /// 1 − alpha: the chance that the gate does not fail when nothing
    /// regressed, whatever the number of metrics and slices.
    pub simultaneous_confidence: f64,
    /// 1 − 2·(the overall rows' initial one-sided level): the two-sided level
    /// of an overall row's interval (90% for one metric at alpha 0.05).
    pub row_confidence: f64,
    /// Fewer examples than this never give a significant verdict.
    pub min_examples: usize,
    /// What fails the gate.
    pub fail_on: String,
    /// Signatures of metrics that have their own (BERTScore's model hash).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metric_signatures: Vec<String>,
}

/// Everything a run found.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// Version of this JSON layout.
    pub schema_version: u32,
    /// The suite name (one PR comment per suite).
    pub suite: String,
    /// Pass or fail.
    pub verdict: GateVerdict,
    /// Why the gate failed (empty on pass).
    pub reasons: Vec<Reason>,
    /// Example counts.
    pub examples: ExampleCounts,
    /// Overall results per metric.
    pub metrics: Vec<MetricRow>,
    /// Per-slice results (every tested slice, moved or not).
    pub slices: Vec<SliceRow>,
    /// The worst examples of each regressed metric.
    pub regressed_examples: Vec<ExampleChange>,
    /// Reproducibility settings.
    pub settings: Settings,
    /// Things the user should know that did not fail the gate.
    pub warnings: Vec<Warning>,
    /// Where the baseline came from.
    pub baseline_source: String,
    /// The datasets' fingerprints, and the baseline file's header.
    pub dataset: DatasetInfo,
    /// benchgate's version.
    pub version: String,
    /// Each metric's values on main from `--history`, for the trend in the
    /// report (absent from the JSON when no history was given).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trends: Vec<MetricTrend>,
    /// Ids whose outcome is uncertain — flaky on a metric, or changed without
    /// being solidly worse or better — sorted; what `--rerun-out` writes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rerun_ids: Vec<String>,
    /// The human verdict of a review sheet (`compare --human`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub human: Option<crate::review::verdict::HumanReport>,
    /// For each metric that took stored values (`bertscore*`, `exec`), how
    /// many predictions it computed and how many it reused (absent from the
    /// JSON when none did).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reuse: Vec<ReuseCount>,
    /// For each LLM judge (`llm_judge`, `llm_pairwise`): what it judged, the
    /// calls and retries, tokens and cost, and a pairwise judge's position
    /// preferences (absent from the JSON without a judge).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub judges: Vec<crate::metrics::llm::Usage>,
    /// With `--cluster-by`: the clusters the tests resampled, and how much
    /// they cost in evidence (absent from the JSON without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters: Option<ClusterSummary>,
}

/// The clusters of `--cluster-by`, and what clustering does to each mean
/// metric's evidence.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ClusterSummary {
    /// The field whose equal values make one cluster.
    pub field: String,
    /// Clusters among the compared examples.
    pub clusters: usize,
    /// Compared examples without the field (each a cluster of its own).
    pub without_field: usize,
    /// Examples per cluster, on average.
    pub mean_size: f64,
    /// Examples in the largest cluster.
    pub largest: usize,
    /// Per mean metric whose differences vary: its design effect.
    pub metrics: Vec<ClusterEffect>,
}

/// What clustering does to one metric's evidence.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ClusterEffect {
    /// Metric name.
    pub metric: String,
    /// Kish's design effect of the mean difference: its variance under
    /// clustering over its variance were the examples independent.
    pub design_effect: f64,
    /// Examples worth of independent evidence: compared examples / design effect.
    pub effective_n: f64,
    /// The intra-cluster correlation of the differences implied by the
    /// design effect.
    pub icc: f64,
}

/// Predictions (rows of both runs) a metric computed, and those whose values
/// it took from a baseline file or a shard's scores because nothing they
/// depend on had changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReuseCount {
    /// Metric name.
    pub metric: String,
    /// Predictions scored by running the metric.
    pub computed: usize,
    /// Predictions whose stored value was reused.
    pub reused: usize,
}

/// One metric's recent values on main, and this run's value after them.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MetricTrend {
    /// Metric name.
    pub metric: String,
    /// Which way is better.
    pub direction: Direction,
    /// How values read.
    pub scale: ValueScale,
    /// The history's entries for the metric, oldest first (at most
    /// [`crate::history::TREND_POINTS`]).
    pub points: Vec<TrendPoint>,
    /// This run's value.
    pub current: f64,
}

/// One history entry's value of a metric.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TrendPoint {
    /// The commit the value was recorded at.
    pub commit: String,
    /// When it was recorded (RFC 3339, UTC).
    pub date: String,
    /// The corpus value.
    pub value: f64,
}

impl Report {
    /// Counts of overall metric verdicts: (regressed incl. below floor, improved, other).
    pub fn counts(&self) -> (usize, usize, usize) {
        let bad = self
            .metrics
            .iter()
            .filter(|m| matches!(m.verdict, Verdict::Regressed | Verdict::BelowFloor))
            .count();
        let good = self
            .metrics
            .iter()
            .filter(|m| m.verdict == Verdict::Improved)
            .count();
        (bad, good, self.metrics.len() - bad - good)
    }

    /// Slices that changed or may have changed beyond the tolerance: the ones
    /// reports show.
    pub fn moved_slices(&self) -> Vec<&SliceRow> {
        self.slices
            .iter()
            .filter(|s| !matches!(s.verdict, Verdict::Unchanged | Verdict::NotSignificant))
            .collect()
    }

    /// The signature line that makes the numbers reproducible.
    pub fn signature(&self) -> String {
        format!(
            "resamples:{}|seed:{}|alpha:{}|confidence:{}|test:{}|resampler:{}|tests:{}|version:{}",
            self.settings.resamples,
            self.settings.seed,
            self.settings.alpha,
            self.settings.confidence,
            self.settings.test,
            self.settings.resampler,
            self.settings.tests,
            self.version
        ) + &self
            .clusters
            .as_ref()
            .map(|c| format!("|cluster_by:{}", c.field))
            .unwrap_or_default()
            + &self
                .settings
                .metric_signatures
                .iter()
                .map(|s| format!("|{s}"))
                .collect::<String>()
    }
}

/// Which datasets the two runs were on.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DatasetInfo {
    /// [`crate::align::fingerprint`] of the baseline's examples.
    pub baseline_fingerprint: String,
    /// The same of the current run's.
    pub current_fingerprint: String,
    /// The header of a benchgate baseline file, when the baseline is one.
    pub baseline_header: Option<crate::load::header::BaselineHeader>,
}

/// "3 examples added (a, b, c), 1 removed (d), 2 edited (e, f)"; empty when
/// nothing changed. Lists up to 10 ids of each kind.
pub fn dataset_changes(added: &[String], removed: &[String], edited: &[String]) -> String {
    let mut parts = Vec::new();
    for (ids, what) in [
        (added, "added"),
        (removed, "removed"),
        (edited, "edited (reference or dataset hash)"),
    ] {
        if ids.is_empty() {
            continue;
        }
        let mut shown: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
        if ids.len() > 10 {
            shown.push("…");
        }
        let noun = if parts.is_empty() {
            if ids.len() == 1 {
                " example"
            } else {
                " examples"
            }
        } else {
            ""
        };
        parts.push(format!("{}{noun} {what} ({})", ids.len(), shown.join(", ")));
    }
    parts.join(", ")
}

impl Report {
    /// Several suites' reports as one, for what reads a single report (step
    /// outputs, annotations, the comment's marker): suite names joined by
    /// `+`, the gate failing when any suite fails, and metrics, slices,
    /// reasons and warnings carried over under `suite/` prefixes.
    pub fn merged(reports: &[Report]) -> Option<Report> {
        let first = reports.first()?;
        let mut out = first.clone();
        out.suite = reports
            .iter()
            .map(|r| r.suite.as_str())
            .collect::<Vec<_>>()
            .join("+");
        out.verdict = if reports.iter().any(|r| r.verdict == GateVerdict::Fail) {
            GateVerdict::Fail
        } else {
            GateVerdict::Pass
        };
        let prefixed = |r: &Report, s: &str| format!("{}/{s}", r.suite);
        let diagnostic = |r: &Report, d: &crate::diagnostic::Diagnostic| {
            d.clone().prefixed(&format!("{}/", r.suite))
        };
        out.reasons = reports
            .iter()
            .flat_map(|r| r.reasons.iter().map(move |x| diagnostic(r, x)))
            .collect();
        out.warnings = reports
            .iter()
            .flat_map(|r| r.warnings.iter().map(move |x| diagnostic(r, x)))
            .collect();
        out.metrics = reports
            .iter()
            .flat_map(|r| {
                r.metrics.iter().map(move |m| MetricRow {
                    name: prefixed(r, &m.name),
                    ..m.clone()
                })
            })
            .collect();
        out.slices = reports
            .iter()
            .flat_map(|r| {
                r.slices.iter().map(move |s| SliceRow {
                    metric: prefixed(r, &s.metric),
                    ..s.clone()
                })
            })
            .collect();
        out.regressed_examples = reports
            .iter()
            .flat_map(|r| {
                r.regressed_examples.iter().map(move |e| ExampleChange {
                    metric: prefixed(r, &e.metric),
                    ..e.clone()
                })
            })
            .collect();
        out.rerun_ids = reports
            .iter()
            .flat_map(|r| r.rerun_ids.iter().map(move |id| prefixed(r, id)))
            .collect();
        out.judges = reports
            .iter()
            .flat_map(|r| {
                r.judges.iter().map(move |u| crate::metrics::llm::Usage {
                    metric: prefixed(r, &u.metric),
                    ..u.clone()
                })
            })
            .collect();
        Some(out)
    }
}

/// What `benchgate plan` found: the benchmark size a drop needs, or the drop
/// a size catches, and the run-to-run figures it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PlanReport {
    /// The metric planned for.
    pub metric: String,
    /// Whether higher or lower is better.
    pub direction: Direction,
    /// How values read.
    pub scale: ValueScale,
    /// The metric's value on the run given.
    pub value: f64,
    /// Examples in the run (paired with the second run when one was given).
    pub examples_in_run: usize,
    /// Every score is 0 or 1 (the drop flips examples from pass to fail).
    pub binary: bool,
    /// A second run of the same system was given.
    pub second_run: bool,
    /// Mean squared run-to-run difference (for 0/1 scores: the share of
    /// examples whose outcome changed between the runs).
    pub churn: f64,
    /// With `--cluster-by`: the field, the clusters in the run, their mean
    /// size, and the design effect of the run-to-run differences.
    pub cluster_by: Option<String>,
    /// Clusters in the run.
    pub clusters_in_run: Option<usize>,
    /// Examples per cluster, on average.
    pub mean_cluster_size: Option<f64>,
    /// Design effect of the run-to-run differences' mean (1 without clusters
    /// or without churn).
    pub design_effect: f64,
    /// The one-sided level the row is tested at.
    pub alpha: f64,
    /// The power asked for.
    pub power: f64,
    /// The tolerance.
    pub tolerance: f64,
    /// The drop asked about (`--drop`), if any.
    pub drop: Option<f64>,
    /// Examples the benchmark needs (for `--drop`) or has (`--examples`,
    /// `--clusters` × the mean cluster size); `None` when no size catches
    /// the drop (more than the metric can fall).
    pub examples: Option<usize>,
    /// With `--cluster-by`: clusters the benchmark needs or has.
    pub clusters: Option<usize>,
    /// The smallest drop that size catches with the power asked for (`None`
    /// when even the largest drop the metric allows is not caught).
    pub mde: Option<f64>,
    /// What the plan assumes, in words.
    pub notes: Vec<String>,
}
