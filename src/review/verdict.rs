//! The human verdict of `review score` as plain data: what the report carries
//! (`Report::human`) and the renderers show, computed by [`super::score`].
//! Nothing here computes statistics, so rendering can read it without
//! reaching the statistics.

use serde::Serialize;

use super::Stratum;

/// One stratum's part of the verdict.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StratumResult {
    /// The stratum.
    pub stratum: Stratum,
    /// Compared examples in it.
    pub population: usize,
    /// Rows on the sheet.
    pub sampled: usize,
    /// Rows reviewed.
    pub reviewed: usize,
    /// Its win rate (ties ½); identical outputs are ½ by definition; `None` when
    /// no row of it was reviewed.
    pub win_rate: Option<f64>,
}

/// How one metric agreed with the reviewers.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MetricAgreement {
    /// Metric name.
    pub metric: String,
    /// Reviewed rows compared.
    pub n: usize,
    /// Share of rows where the metric preferred what the reviewer preferred.
    pub agreement: f64,
    /// Cohen's kappa (`NaN` when chance agreement is 1).
    pub kappa: f64,
}

/// The human verdict.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HumanReport {
    /// The sheet.
    pub sheet: String,
    /// Rows on the sheet.
    pub rows: usize,
    /// Rows with a preference.
    pub reviewed: usize,
    /// Reviewed rows preferring the current output.
    pub wins: usize,
    /// Reviewed rows preferring the baseline output.
    pub losses: usize,
    /// Reviewed rows with a tie.
    pub ties: usize,
    /// Win rate over all compared examples (stratum-weighted, ties ½).
    pub win_rate: f64,
    /// Lower end of its interval.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Win rate of the reviewed rows, unweighted.
    pub sample_win_rate: f64,
    /// Two-sided p-value of "the win rate is ½" (reviewers indifferent): the
    /// continuity-corrected score test at the sample's effective size, which
    /// the interval inverts.
    pub p_value: f64,
    /// Kish's effective sample size of the reviewed rows (the stratified
    /// sample is worth this many unstratified rows for the win rate).
    pub effective_n: f64,
    /// Two-sided sign-test p-value of wins against losses: only for an
    /// unstratified sheet (`null` for a stratified one, whose wins and losses
    /// balance by design).
    pub sign_test_p: Option<f64>,
    /// Per stratum.
    pub strata: Vec<StratumResult>,
    /// Per metric of the key.
    pub metrics: Vec<MetricAgreement>,
    /// Mean 1–5 scores of the baseline and current outputs, where given.
    pub mean_scores: Option<[f64; 2]>,
    /// Confidence level of the interval.
    pub confidence: f64,
    /// Things to know.
    pub warnings: Vec<String>,
    /// The gate's floor on `win_rate` (`--min human_win_rate=…`), when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<f64>,
}
