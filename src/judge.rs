//! Verdicts per metric and slice, and the gate's answer.
//!
//! The gate asks one question — is it worse? — so every row is a one-sided
//! test of "the metric did not drop by more than its tolerance τ", and the
//! gate fails when any row rejects it. The rows form two families, tested
//! together by one graphical procedure (`stats::graph`, Bretz et al.
//! 2009) that holds the chance of a false fail of the whole gate at alpha:
//!
//! - **Primary**: the overall row of each metric. Without slices they share
//!   all of alpha (α/m each, Holm across metrics: a rejected row passes its
//!   level on to the others). One metric is tested at the full α.
//! - **Slices**: with `--slice-by`, a reserved share ([`SLICE_SHARE`], 20%)
//!   of alpha is split over the slice rows, so that a regression confined to
//!   one slice can still fail the gate while the headline keeps 80% of alpha
//!   whatever the number of slices (Wiens 2003's fallback idea). When an
//!   overall row is rejected, its level passes on (half to its slices, half
//!   to the other metrics), so the slices that carry a drop are named.
//!
//! Each row's test comes from one construction ([`crate::stats::inversion`],
//! `stats::mcnemar`): McNemar's mid-p test for 0/1 metrics at any
//! size (a binomial sum: no resampling, the same p-value for every seed),
//! sign-flip randomization for other mean metrics (`--test randomization`,
//! the default), the paired bootstrap for corpus metrics and `--test
//! bootstrap`. The row's interval is two-sided at 1 − 2·`alpha_row` (90% for
//! one metric at α = 0.05), so its bound on the worse side is the one-sided
//! bound of the test, and the verdict is read off it and the tolerance τ, in
//! the direction that is better:
//!
//! | the interval of the gain lies… | verdict |
//! |---|---|
//! | wholly below −τ | regressed (the one-sided test rejects) |
//! | wholly above +τ | improved (the mirror statement at the same level; it never fails the gate) |
//! | wholly within [−τ, +τ] (two one-sided tests, Schuirmann 1987) | unchanged |
//! | across 0, with τ = 0 | no significant change |
//! | across −τ or +τ, with τ > 0 | inconclusive, with about how many examples would settle it |
//!
//! With τ = 0 an interval around 0 cannot show equivalence (only identical
//! results, an interval of [0, 0], do), and calling every such row
//! inconclusive would make the word meaningless on every pull request: it reads
//! "no significant change", which does not fail `--fail-on inconclusive`.
//! Fewer than `min_examples` examples are always inconclusive.

use crate::align::Aligned;
use crate::config::{Config, FailOn, TestKind};
use crate::design::Clusters;
use crate::design::Layout;
use crate::diagnostic::{Code, Diagnostic, Reason, Warning};
use crate::load::Text;
use crate::metrics::Scale;
use crate::report::{
    ClusterEffect, ClusterSummary, ExampleChange, ExampleCounts, GateVerdict, MetricRow, Report,
    Settings, SliceRow, Stability, ValueScale, Verdict,
};
use crate::score::{MetricScores, Slices};
use crate::stats::cluster;
use crate::stats::graph::Graph;
use crate::stats::mcnemar::McNemar;
use crate::stats::{self, Method, Resampled, TestResult, TypicalValues};

/// The share of alpha reserved for the slices' family when `--slice-by` is
/// given: the overall rows keep the rest (see the module doc).
pub const SLICE_SHARE: f64 = 0.2;

/// Everything judging needs, from the earlier stages.
pub struct Evidence<'a> {
    /// Paired examples.
    pub aligned: &'a Aligned,
    /// Scores per metric.
    pub scores: &'a [MetricScores],
    /// Slice groups.
    pub slices: &'a Slices,
    /// Where each metric sits in the design.
    pub layouts: &'a [Layout],
    /// Bootstrap resamples (corpus metrics, and mean metrics under
    /// `--test bootstrap`; none are drawn when nothing needs them).
    pub bootstrap: &'a Resampled,
    /// Sign-flip rounds, when that test was chosen.
    pub randomization: Option<&'a Resampled>,
    /// `--cluster-by`: the resamples above drew whole clusters.
    pub clusters: Option<Clustering<'a>>,
    /// Rows read per side.
    pub rows: [usize; 2],
    /// Where the baseline came from.
    pub baseline_source: String,
    /// Fingerprints and the baseline header.
    pub dataset: crate::report::DatasetInfo,
}

/// The clusters of `--cluster-by FIELD`.
#[derive(Clone, Copy)]
pub struct Clustering<'a> {
    /// The field.
    pub field: &'a str,
    /// The cluster of each example.
    pub clusters: &'a Clusters,
    /// Examples without the field (each a cluster of its own).
    pub without: usize,
}

struct Test {
    metric: usize,
    /// 0 = overall, else slice group.
    group: usize,
    n: usize,
    baseline: f64,
    current: f64,
    delta: f64,
    values: Values,
    /// The interval and p-values at `level`, once the procedure has run.
    result: TestResult,
    /// The one-sided level the row was finally tested at.
    level: f64,
    method: Method,
    /// Standard deviation of one example's difference (mean metrics).
    spread: Option<f64>,
}

/// What a row's test is built from: the typical values of a resampling or
/// enumeration, or the counts of McNemar's test.
enum Values {
    Typical(TypicalValues),
    McNemar(McNemar),
}

impl Values {
    fn invert(&self, tail: f64) -> TestResult {
        match self {
            Values::Typical(v) => v.invert(tail),
            Values::McNemar(m) => m.invert(tail),
        }
    }

    /// One-sided p-value against "the delta is at least `x`".
    fn p_at_least(&self, x: f64) -> f64 {
        match self {
            Values::Typical(v) => v.mass_at_least(x).min(1.0),
            Values::McNemar(m) => m.p_at_least(x),
        }
    }

    /// One-sided p-value against "the delta is at most `x`".
    fn p_at_most(&self, x: f64) -> f64 {
        match self {
            Values::Typical(v) => v.mass_at_most(x).min(1.0),
            Values::McNemar(m) => m.p_at_most(x),
        }
    }
}

/// The gate's graph over `tests` (in order: overall rows have group 0): the
/// overall rows share `1 − SLICE_SHARE` of alpha (all of it without slice
/// rows), the slice rows `SLICE_SHARE`. A rejected overall row passes its
/// level half to its own slices and half to the other metrics' overall rows
/// (all of it to whichever exists when the other does not); a rejected slice
/// row passes its level to the other slices of its metric, or back to its
/// overall row when it was the last.
fn gate_graph(tests: &[Test]) -> Graph {
    let k = tests.len();
    let primary: Vec<usize> = (0..k).filter(|&i| tests[i].group == 0).collect();
    let slices = k - primary.len();
    let share = if slices > 0 { SLICE_SHARE } else { 0.0 };
    let weights = tests
        .iter()
        .map(|t| {
            if t.group == 0 {
                (1.0 - share) / primary.len() as f64
            } else {
                share / slices as f64
            }
        })
        .collect();
    let mut edges = vec![vec![0.0; k]; k];
    for (j, t) in tests.iter().enumerate() {
        let own_slices: Vec<usize> = (0..k)
            .filter(|&i| i != j && tests[i].metric == t.metric && tests[i].group != 0)
            .collect();
        if t.group == 0 {
            let others: Vec<usize> = primary.iter().copied().filter(|&i| i != j).collect();
            let to_slices = match (own_slices.is_empty(), others.is_empty()) {
                (true, _) => 0.0,
                (false, true) => 1.0,
                (false, false) => 0.5,
            };
            for &i in &own_slices {
                edges[j][i] = to_slices / own_slices.len() as f64;
            }
            for &i in &others {
                edges[j][i] = (1.0 - to_slices) / others.len() as f64;
            }
        } else if own_slices.is_empty() {
            if let Some(&p) = primary.iter().find(|&&i| tests[i].metric == t.metric) {
                edges[j][p] = 1.0;
            }
        } else {
            for &i in &own_slices {
                edges[j][i] = 1.0 / own_slices.len() as f64;
            }
        }
    }
    Graph { weights, edges }
}

/// How many sign-flip rounds the run needs: the configured number under
/// `--test randomization`, else none.
pub fn sign_flip_rounds(config: &Config) -> usize {
    if config.stats.test == TestKind::Randomization {
        config.stats.resamples
    } else {
        0
    }
}

/// How many bootstrap resamples the run needs: the configured number when a
/// corpus metric or `--test bootstrap` uses them, else none.
pub fn bootstrap_resamples(layouts: &[Layout], config: &Config) -> usize {
    let corpus = layouts.iter().any(|l| matches!(l, Layout::Corpus { .. }));
    if corpus || config.stats.test == TestKind::Bootstrap {
        config.stats.resamples
    } else {
        0
    }
}

/// Judges every metric and slice and decides the gate: the rows to test, one
/// graphical procedure over their regression tests, each row's verdict, the
/// warnings, and the gate's answer.
pub fn judge(ev: &Evidence<'_>, config: &Config) -> Report {
    let n = ev.aligned.baseline.len();
    let (mut tests, mut warnings) = plan_rows(ev, config);
    let family = tests.len();
    let graph = gate_graph(&tests);
    let p_worse = test_rows(&mut tests, &graph, ev, config);
    let noise: Vec<crate::noise::Noise> = ev
        .scores
        .iter()
        .map(|s| crate::noise::analyse(s, n, config.gate.flaky_threshold))
        .collect();
    let (metrics, slice_rows) = decide_rows(&tests, &p_worse, ev, config, &noise);
    let clusters = ev.clusters.map(|c| cluster_summary(ev, c));
    warnings.extend(run_warnings(&tests, ev, config, clusters.as_ref()));
    let regressed_examples =
        worst_examples(ev, &metrics, &slice_rows, &noise, config.outputs.top_k);
    let rerun_ids = rerun_ids(ev.aligned, &noise);
    let examples = example_counts(ev);
    let mut reasons = gate_reasons(&metrics, &slice_rows, &examples, config);
    if config.gate.allow_missing && examples.missing > 0 {
        warnings.push(Diagnostic::new(
            Code::MissingExamples,
            format!(
                "{} examples of the baseline are missing from the current run (allowed by --allow-missing): {}",
                examples.missing,
                list_ids(&examples.missing_ids, examples.missing)
            ),
        ));
    }
    warnings.extend(ev.scores.iter().flat_map(|s| s.metric.warnings()));
    warnings.extend(ev.scores.iter().flat_map(|s| s.notes.iter().cloned()));
    let verdict = if reasons.is_empty() || config.gate.fail_on == FailOn::Never {
        if config.gate.fail_on == FailOn::Never {
            warnings.extend(
                reasons
                    .drain(..)
                    .map(|r| r.suffixed(" (not gating: --fail-on never)")),
            );
        }
        GateVerdict::Pass
    } else {
        GateVerdict::Fail
    };
    Report {
        schema_version: crate::report::SCHEMA_VERSION,
        suite: config.outputs.suite.clone(),
        verdict,
        reasons,
        examples,
        metrics,
        slices: slice_rows,
        regressed_examples,
        settings: Settings {
            resamples: config.stats.resamples,
            seed: config.stats.seed,
            alpha: config.stats.alpha,
            confidence: config.stats.confidence,
            test: config.stats.test.name().to_string(),
            resampler: config.stats.resampler.resolve(n).name().to_string(),
            tests: family,
            adjustment: if family > 1 { "graphical" } else { "none" }.to_string(),
            slice_share: if family > ev.scores.len() {
                SLICE_SHARE
            } else {
                0.0
            },
            simultaneous_confidence: 1.0 - config.stats.alpha,
            row_confidence: 1.0
                - 2.0
                    * graph
                        .weights
                        .first()
                        .map_or(1.0, |w| w * config.stats.alpha),
            min_examples: config.stats.min_examples,
            fail_on: config.gate.fail_on.name().to_string(),
            metric_signatures: ev
                .scores
                .iter()
                .filter_map(|s| s.metric.signature())
                .collect(),
        },
        warnings,
        baseline_source: ev.baseline_source.clone(),
        dataset: ev.dataset.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        trends: Vec::new(),
        rerun_ids,
        human: None,
        reuse: ev
            .scores
            .iter()
            .filter_map(|s| {
                let r = s.reuse?;
                Some(crate::report::ReuseCount {
                    metric: s.metric.name().to_string(),
                    computed: r.computed,
                    reused: r.total - r.computed,
                })
            })
            .collect(),
        judges: ev
            .scores
            .iter()
            .filter_map(|s| s.metric.judge_usage())
            .collect(),
        clusters,
    }
}

/// The rows to test: each metric overall and in each slice large enough to
/// decide (a warning for each slice too small), overall rows first — the
/// graph's primary family.
fn plan_rows(ev: &Evidence<'_>, config: &Config) -> (Vec<Test>, Vec<Warning>) {
    let n = ev.aligned.baseline.len();
    let mut warnings = Vec::new();
    let mut groups = vec![(0usize, n)];
    for (g, members) in ev.slices.members.iter().enumerate() {
        let (field, value) = &ev.slices.keys[g];
        if members.len() >= config.stats.min_examples {
            groups.push((g + 1, members.len()));
        } else {
            warnings.push(Diagnostic::new(
                Code::SliceTooSmall,
                format!(
                    "slice {field}={value} has {} examples (fewer than {}): not tested",
                    members.len(),
                    config.stats.min_examples
                ),
            ));
        }
    }
    let mut tests = Vec::new();
    for (m, s) in ev.scores.iter().enumerate() {
        for &(g, _) in &groups {
            let members = (g > 0).then(|| ev.slices.members[g - 1].as_slice());
            // A partial metric (a tool's, reported by some tasks only) is
            // tested where it has values: its n counts those examples. A slice
            // without values is no row and takes no share of alpha.
            let size = s.count(members);
            if g > 0 && size == 0 {
                continue;
            }
            let (baseline, current) = s.corpus_values(members);
            tests.push(run_test(ev, s, m, (g, members), size, (baseline, current)));
        }
    }
    // Overall rows first: the graph's primary family.
    tests.sort_by_key(|t| (t.group != 0, t.metric, t.group));
    (tests, warnings)
}

/// Runs the graphical procedure over the rows' one-sided regression tests
/// (p-values at the tolerance; rows too small to decide never reject), and
/// gives each row its level and interval; returns the p-values.
fn test_rows(tests: &mut [Test], graph: &Graph, ev: &Evidence<'_>, config: &Config) -> Vec<f64> {
    // Each row's regression test at its tolerance: a p-value per row, on
    // which the graph runs; rows too small to decide never reject.
    let p_worse: Vec<f64> = tests
        .iter()
        .map(|t| {
            let s = &ev.scores[t.metric];
            let tolerance = config.gate.metric(s.metric.name()).tolerance;
            match s.metric.direction() {
                crate::metrics::Direction::Higher => t.values.p_at_least(-tolerance),
                crate::metrics::Direction::Lower => t.values.p_at_most(tolerance),
            }
        })
        .collect();
    let decidable: Vec<f64> = tests
        .iter()
        .zip(&p_worse)
        .map(|(t, &p)| {
            if t.n < config.stats.min_examples {
                f64::INFINITY
            } else {
                p
            }
        })
        .collect();
    let outcomes = graph.run(config.stats.alpha, &decidable);
    for (t, o) in tests.iter_mut().zip(&outcomes) {
        t.level = o.level;
        t.result = t.values.invert(o.level);
    }
    p_worse
}

/// Each row's verdict, note, minimum detectable drop and p-values, as the
/// report's metric rows (overall) and slice rows.
fn decide_rows(
    tests: &[Test],
    p_worse: &[f64],
    ev: &Evidence<'_>,
    config: &Config,
    noise: &[crate::noise::Noise],
) -> (Vec<MetricRow>, Vec<SliceRow>) {
    let mut metrics = Vec::new();
    let mut slice_rows = Vec::new();
    for (t, &p_worse) in tests.iter().zip(p_worse) {
        let s = &ev.scores[t.metric];
        let gate = config.gate.metric(s.metric.name());
        let sign = s.metric.direction().sign();
        let scale = match s.metric.scale() {
            Scale::Fraction => ValueScale::Fraction,
            Scale::Raw => ValueScale::Raw,
        };
        let z_row = stats::normal_quantile(1.0 - t.level);
        // The regression test's own p-value, at the tolerance, scaled by the
        // row's share of alpha: at most alpha exactly when the row regressed.
        let p_adjusted = if t.level > 0.0 {
            (p_worse * config.stats.alpha / t.level).min(1.0)
        } else {
            1.0
        };
        let p_one = if t.delta < 0.0 {
            t.result.p_less
        } else if t.delta > 0.0 {
            t.result.p_greater
        } else {
            t.result.p_less.max(t.result.p_greater)
        };
        let mut d = decide(t, sign, config, gate.tolerance, z_row);
        let mde = minimum_detectable_drop(t, sign, scale, gate.tolerance, z_row);
        if t.group == 0 {
            let floor = match s.metric.direction() {
                crate::metrics::Direction::Higher => gate.min.or(gate.max),
                crate::metrics::Direction::Lower => gate.max.or(gate.min),
            };
            let below_min = gate.min.is_some_and(|m| t.current < m);
            let above_max = gate.max.is_some_and(|m| t.current > m);
            if below_min || above_max {
                d.verdict = Verdict::BelowFloor;
                d.note = Some(if below_min {
                    format!("below its floor {}", gate.min.unwrap_or_default())
                } else {
                    format!("above its ceiling {}", gate.max.unwrap_or_default())
                });
            }
            metrics.push(MetricRow {
                name: s.metric.name().to_string(),
                direction: s.metric.direction(),
                scale,
                baseline: t.baseline,
                current: t.current,
                current_ci: current_ci(ev, s, ev.layouts[t.metric], config.stats.confidence),
                delta: t.delta,
                ci_low: t.result.ci_low,
                ci_high: t.result.ci_high,
                p_value: t.result.p_two_sided,
                p_one_sided: p_one,
                p_adjusted,
                alpha_row: t.level,
                test: t.method,
                verdict: d.verdict,
                tolerance: gate.tolerance,
                floor,
                n: t.n,
                examples_to_settle: d.settle,
                mde,
                noise: noise[t.metric].summary.clone(),
                note: d.note,
            });
        } else {
            let (field, value) = ev.slices.keys[t.group - 1].clone();
            slice_rows.push(SliceRow {
                field,
                value,
                metric: s.metric.name().to_string(),
                direction: s.metric.direction(),
                scale,
                n: t.n,
                baseline: t.baseline,
                current: t.current,
                delta: t.delta,
                ci_low: t.result.ci_low,
                ci_high: t.result.ci_high,
                p_value: t.result.p_two_sided,
                p_one_sided: p_one,
                p_adjusted,
                alpha_row: t.level,
                test: t.method,
                verdict: d.verdict,
                mde,
            });
        }
    }
    (metrics, slice_rows)
}

/// What the run says besides its rows, in order: resamples too few, guessed
/// directions, clusters (or a field that looks like one), the tools' own
/// notes (each once), a changed dataset.
fn run_warnings(
    tests: &[Test],
    ev: &Evidence<'_>,
    config: &Config,
    clusters: Option<&ClusterSummary>,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if let Some(w) = unbounded_warning(tests, config) {
        warnings.push(w);
    }
    if let Some(w) = assumed_directions(ev.scores) {
        warnings.push(w);
    }
    if let Some(c) = clusters {
        warnings.extend(cluster_warnings(c));
    } else if let Some(w) = looks_clustered(ev) {
        warnings.push(w);
    }
    for tool in ev.aligned.tools.iter().flatten() {
        for w in &tool.warnings {
            // A file compared with itself (or two runs' identical notes) says it once.
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
    }
    if !ev.aligned.added.is_empty() || !ev.aligned.edited.is_empty() {
        let a = ev.aligned;
        warnings.push(Diagnostic::new(
            Code::DatasetChanged,
            format!(
                "the dataset changed since the baseline (fingerprint {} → {}): {}; compared on the {} unchanged examples",
                crate::align::short(&ev.dataset.baseline_fingerprint),
                crate::align::short(&ev.dataset.current_fingerprint),
                // Missing examples have their own reason or warning.
                crate::report::dataset_changes(&a.added, &[], &a.edited),
                a.baseline.len()
            ),
        ));
    }
    warnings
}

/// The examples compared, missing, added, edited and with a changed prompt.
fn example_counts(ev: &Evidence<'_>) -> ExampleCounts {
    let a = ev.aligned;
    ExampleCounts {
        compared: a.baseline.len(),
        missing: a.missing.len(),
        added: a.added.len(),
        missing_ids: a.missing.iter().take(10).cloned().collect(),
        added_ids: a.added.iter().take(10).cloned().collect(),
        edited: a.edited.len(),
        edited_ids: a.edited.iter().take(10).cloned().collect(),
        prompt_changed: a.prompt_changed.len(),
        rows: ev.rows,
    }
}

/// The clusters the tests resampled, and each mean metric's design effect.
fn cluster_summary(ev: &Evidence<'_>, c: Clustering<'_>) -> ClusterSummary {
    let sizes = c.clusters.sizes();
    let n = c.clusters.of.len();
    ClusterSummary {
        field: c.field.to_string(),
        clusters: c.clusters.count,
        without_field: c.without,
        mean_size: n as f64 / c.clusters.count.max(1) as f64,
        largest: sizes.iter().copied().max().unwrap_or(0),
        metrics: effects(&mean_differences(ev), &c.clusters.of),
    }
}

/// Each mean metric's differences, by name (metrics with a missing value
/// have none): computed once, then weighed under any clustering.
fn mean_differences<'a>(ev: &'a Evidence<'_>) -> Vec<(&'a str, Vec<f64>)> {
    ev.scores
        .iter()
        .zip(ev.layouts)
        .filter(|(_, l)| matches!(l, Layout::Delta { .. }))
        .filter_map(|(s, _)| Some((s.metric.name(), differences(s, None)?)))
        .collect()
}

/// Each mean metric's design effect under clusters `of` (metrics whose
/// differences do not vary have none).
fn effects(diffs: &[(&str, Vec<f64>)], of: &[u32]) -> Vec<ClusterEffect> {
    diffs
        .iter()
        .filter_map(|(name, d)| {
            let e = cluster::design_effect(d, of)?;
            Some(ClusterEffect {
                metric: (*name).to_string(),
                design_effect: e.deff,
                effective_n: e.effective_n,
                icc: e.icc,
            })
        })
        .collect()
}

/// Fewer clusters than this make every interval wide and the cluster-level
/// tests coarse: the report says so.
const FEW_CLUSTERS: usize = 10;

fn cluster_warnings(c: &ClusterSummary) -> Vec<Warning> {
    let mut out = Vec::new();
    if c.without_field > 0 {
        out.push(Diagnostic::new(
            Code::ClusterFieldMissing,
            format!(
                "--cluster-by {}: {} examples have no \"{}\" field; each is a cluster of its own",
                c.field, c.without_field, c.field
            ),
        ));
    }
    if c.clusters < FEW_CLUSTERS {
        out.push(Diagnostic::new(
            Code::FewClusters,
            format!(
                "--cluster-by {}: only {} clusters; the tests resample clusters, so the evidence is that of {} units and intervals are wide",
                c.field, c.clusters, c.clusters
            ),
        ));
    }
    out
}

/// Field names that usually mean "these examples belong together".
const CLUSTER_NAMES: &[&str] = &[
    "doc_id",
    "document_id",
    "document",
    "doc",
    "passage_id",
    "passage",
    "context_id",
    "article_id",
    "conversation_id",
    "conversation",
    "thread_id",
    "thread",
    "session_id",
    "dialogue_id",
    "source",
    "source_id",
    "group",
    "group_id",
    "cluster",
    "cluster_id",
    "product_id",
];

/// The design effect from which a field that looks like a cluster is worth a
/// warning: below it the examples are nearly independent.
const CLUSTER_WARNING_DEFF: f64 = 1.2;

/// Without `--cluster-by`: a warning naming a field whose values repeat —
/// one of the usual names with at least [`FEW_CLUSTERS`] values, or one the
/// tool that wrote the files groups by with twice as many — when treating
/// its clusters as independent examples overstates the evidence (design
/// effect at least [`CLUSTER_WARNING_DEFF`]). Never applied by itself: the
/// user decides.
fn looks_clustered(ev: &Evidence<'_>) -> Option<Warning> {
    let n = ev.aligned.baseline.len();
    let diffs = mean_differences(ev);
    if n < 4 || diffs.is_empty() {
        return None;
    }
    // (field, the fewest clusters it needs): a field named like a cluster
    // needs FEW_CLUSTERS; any other field a tool groups by (a category with
    // a handful of values is a slice, not a cluster) twice as many.
    let mut candidates: Vec<(String, usize)> = CLUSTER_NAMES
        .iter()
        .map(|s| ((*s).to_string(), FEW_CLUSTERS))
        .collect();
    for tool in ev.aligned.tools.iter().flatten() {
        for f in &tool.cluster_candidates {
            if !candidates.iter().any(|(c, _)| c == f) {
                candidates.push((f.clone(), 2 * FEW_CLUSTERS));
            }
        }
    }
    let mut worst: Option<(String, usize, ClusterEffect)> = None;
    for (field, fewest) in candidates {
        let labels: Option<Vec<String>> = ev
            .aligned
            .baseline
            .iter()
            .zip(&ev.aligned.current)
            .map(|(b, c)| crate::score::tag(b, &field).or_else(|| crate::score::tag(c, &field)))
            .collect();
        let Some(labels) = labels else { continue };
        let clusters = Clusters::from_labels(&labels);
        if clusters.count < fewest || clusters.count == n {
            continue;
        }
        let Some(effect) = effects(&diffs, &clusters.of)
            .into_iter()
            .max_by(|a, b| a.design_effect.total_cmp(&b.design_effect))
        else {
            continue;
        };
        if effect.design_effect >= CLUSTER_WARNING_DEFF
            && worst
                .as_ref()
                .is_none_or(|w| effect.design_effect > w.2.design_effect)
        {
            worst = Some((field, clusters.count, effect));
        }
    }
    let (field, count, e) = worst?;
    Some(
        Diagnostic::new(
            Code::LooksClustered,
            format!(
                "the examples look clustered by {field} ({n} examples in {count} values): treated as independent, {}'s design effect is {:.1} (the evidence of about {:.0} independent examples, not {n}), so its interval is too narrow",
                e.metric, e.design_effect, e.effective_n
            ),
        )
        .with_hint(format!("consider --cluster-by {field}")),
    )
}

/// The interval of the current run's own corpus value, for the history. Corpus
/// metrics read it off the bootstrap, which already resampled their current
/// columns; mean metrics' bootstrap only kept paired differences, so they use
/// the normal approximation from the per-example scores (one pass over them).
fn current_ci(
    ev: &Evidence<'_>,
    s: &MetricScores,
    layout: Layout,
    confidence: f64,
) -> Option<[f64; 2]> {
    let (low, high) = match layout {
        Layout::Delta { .. } => stats::mean_ci(&s.cur, confidence)?,
        Layout::Corpus { cur, k, .. } => {
            let corpus = |sums: &[f64], count: f64| s.metric.corpus(sums, count);
            let values = ev.bootstrap.side_values(cur, k, 0, &corpus);
            if values.is_empty() {
                return None;
            }
            stats::percentile_ci(&values, confidence)
        }
    };
    (low.is_finite() && high.is_finite()).then_some([low, high])
}

/// Tests one metric in one group: picks the method and builds its typical
/// values (or counts); the interval follows once the row's level is known.
fn run_test(
    ev: &Evidence<'_>,
    s: &MetricScores,
    m: usize,
    (group, members): (usize, Option<&[usize]>),
    n: usize,
    (baseline, current): (f64, f64),
) -> Test {
    let layout = ev.layouts[m];
    let mean = |sums: &[f64], count: f64| sums[0] / count;
    let corpus = |sums: &[f64], count: f64| s.metric.corpus(sums, count);
    let from = |r: &Resampled, f: &dyn Fn(&[f64], f64) -> f64| {
        let draws = r.deltas(layout, group, f);
        TypicalValues::from_draws(&draws, r.b - draws.len())
    };
    let mut delta = current - baseline;
    let (values, method) = match (layout, ev.randomization) {
        // Clustered 0/1 differences are not independent pairs: they take the
        // cluster-level randomization (or bootstrap) like any mean metric.
        (Layout::Delta { .. }, randomization) => match (
            signs(s, members).filter(|_| ev.clusters.is_none()),
            randomization,
        ) {
            // 0/1 differences: McNemar's mid-p test, a binomial sum at any n.
            (Some((gains, losses, _)), _) => {
                let counts = McNemar { gains, losses, n };
                // From counts: equal gains and losses are exactly no change.
                delta = counts.delta();
                (Values::McNemar(counts), Method::Exact)
            }
            (None, Some(r)) => (Values::Typical(from(r, &mean)), Method::Randomization),
            (None, None) => (
                Values::Typical(from(ev.bootstrap, &mean)),
                Method::Bootstrap,
            ),
        },
        (Layout::Corpus { .. }, _) => (
            Values::Typical(from(ev.bootstrap, &corpus)),
            Method::Bootstrap,
        ),
    };
    Test {
        metric: m,
        group,
        n,
        baseline,
        current,
        delta,
        values,
        result: TestResult {
            ci_low: f64::NEG_INFINITY,
            ci_high: f64::INFINITY,
            p_two_sided: 1.0,
            p_less: 1.0,
            p_greater: 1.0,
        },
        level: 0.0,
        method,
        spread: matches!(layout, Layout::Delta { .. })
            .then(|| spread(s, members, ev.clusters.map(|c| c.clusters)))
            .flatten(),
    }
}

/// The sample standard deviation of a mean metric's differences over
/// `members` (every example when `None`); under clusters, the spread that
/// independent examples would need to vary as much (σ·√deff).
fn spread(s: &MetricScores, members: Option<&[usize]>, clusters: Option<&Clusters>) -> Option<f64> {
    let diffs = differences(s, members)?;
    let inflate = match clusters {
        Some(c) => {
            let of: Vec<u32> = indices(s, members).map(|i| c.of[i]).collect();
            cluster::design_effect(&diffs, &of).map_or(1.0, |e| e.deff.sqrt())
        }
        None => 1.0,
    };
    Some(sd(&diffs)? * inflate)
}

/// The examples of `members` (every example when `None`).
fn indices<'a>(
    s: &MetricScores,
    members: Option<&'a [usize]>,
) -> Box<dyn Iterator<Item = usize> + 'a> {
    match members {
        Some(list) => Box::new(list.iter().copied()),
        None => Box::new(0..s.base.len()),
    }
}

/// A mean metric's differences over `members` (every example when `None`).
fn differences(s: &MetricScores, members: Option<&[usize]>) -> Option<Vec<f64>> {
    indices(s, members)
        .map(|i| Some(s.cur.get(i)? - s.base.get(i)?))
        .collect()
}

/// The sample standard deviation of `diffs`.
fn sd(diffs: &[f64]) -> Option<f64> {
    if diffs.len() < 2 {
        return None;
    }
    let n = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / n;
    let sd = (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    sd.is_finite().then_some(sd)
}

/// Counts of differences +1, −1 and 0 of a mean metric over `members` (every
/// example when `None`), when every difference is one of those.
fn signs(s: &MetricScores, members: Option<&[usize]>) -> Option<(usize, usize, usize)> {
    let mut counts = (0, 0, 0);
    let mut add = |i: usize| {
        let d = s.cur.get(i)? - s.base.get(i)?;
        if d == 1.0 {
            counts.0 += 1;
        } else if d == -1.0 {
            counts.1 += 1;
        } else if d == 0.0 {
            counts.2 += 1;
        } else {
            return None;
        }
        Some(())
    };
    match members {
        Some(list) => list.iter().try_for_each(|&i| add(i))?,
        None => (0..s.base.len()).try_for_each(&mut add)?,
    }
    Some(counts)
}

struct Decision {
    verdict: Verdict,
    settle: Option<usize>,
    note: Option<String>,
}

/// The verdict read off the row's interval and the tolerance (see the module
/// doc), with a note when the reason is not obvious from the numbers.
fn decide(t: &Test, sign: f64, config: &Config, tolerance: f64, z_row: f64) -> Decision {
    let gain = t.delta * sign;
    let (a, b) = (t.result.ci_low * sign, t.result.ci_high * sign);
    let (low, high) = (a.min(b), a.max(b));
    let settle = || {
        let fit = Fit {
            n: t.n,
            gain,
            interval: (low, high),
            spread: t.spread,
        };
        examples_to_settle(&fit, tolerance, z_row, config.stats.min_examples)
    };
    let decided = |verdict| Decision {
        verdict,
        settle: None,
        note: None,
    };
    if t.n < config.stats.min_examples {
        return Decision {
            verdict: Verdict::Inconclusive,
            settle: settle(),
            note: Some(format!(
                "{} examples are too few to tell a change from noise (at least {} needed to decide)",
                t.n, config.stats.min_examples
            )),
        };
    }
    if high < -tolerance {
        return decided(Verdict::Regressed);
    }
    if low > tolerance {
        return decided(Verdict::Improved);
    }
    if low >= -tolerance && high <= tolerance {
        return Decision {
            verdict: Verdict::Unchanged,
            settle: None,
            note: (tolerance > 0.0 && (high < 0.0 || low > 0.0))
                .then(|| format!("a significant change, but within the tolerance {tolerance}")),
        };
    }
    if tolerance == 0.0 {
        // A drop that is not significant: how many examples would show one of this size.
        return Decision {
            verdict: Verdict::NotSignificant,
            settle: if gain < 0.0 { settle() } else { None },
            note: None,
        };
    }
    let note = if low < -tolerance && high > tolerance {
        format!("the interval allows a change beyond the tolerance {tolerance} either way")
    } else if low < -tolerance && high < 0.0 {
        format!("a significant drop, but it may or may not exceed the tolerance {tolerance}")
    } else if low < -tolerance {
        format!("not significant, but the interval still allows a drop beyond the tolerance {tolerance}")
    } else if low > 0.0 {
        format!("a significant gain, but it may or may not exceed the tolerance {tolerance}")
    } else {
        format!(
            "no drop beyond the tolerance {tolerance}, but the interval allows a gain beyond it"
        )
    };
    Decision {
        verdict: Verdict::Inconclusive,
        settle: settle(),
        note: Some(note),
    }
}

/// What a row's sample says, in gain units (positive is better).
struct Fit {
    n: usize,
    gain: f64,
    interval: (f64, f64),
    /// Standard deviation of one example's difference, when known.
    spread: Option<f64>,
}

/// Roughly how many examples would settle an undecided row with 80% power if
/// the true gain were the observed one: enough that the row's interval
/// (half-width z·σ/√N, z the row's one-sided quantile) no
/// longer crosses the decision bound nearest the estimate (−τ or +τ; 0 when
/// τ = 0), i.e. N = ((z + z₀.₈)·σ / distance)². σ, the spread of one
/// example's difference, is the sample standard deviation for mean metrics
/// and is read back from the interval for corpus metrics: σ = width·√n / (2z).
fn examples_to_settle(fit: &Fit, tolerance: f64, z_row: f64, min_examples: usize) -> Option<usize> {
    let Fit {
        n,
        gain,
        interval: (low, high),
        spread,
    } = *fit;
    let bounds: &[f64] = if tolerance > 0.0 {
        &[-tolerance, tolerance]
    } else {
        &[0.0]
    };
    let crossed = bounds.iter().filter(|&&b| low <= b && b <= high);
    let Some(nearest) = crossed.map(|&b| (gain - b).abs()).reduce(f64::min) else {
        // Nothing left to settle but the number of examples.
        return Some(min_examples.max(n + 1));
    };
    // Equivalence needs both bounds: an estimate inside ±τ settles as
    // "unchanged" only when the interval clears the nearer of the two.
    let distance = if tolerance > 0.0 && gain.abs() < tolerance {
        tolerance - gain.abs()
    } else {
        nearest
    };
    let sigma = spread.unwrap_or((high - low) * (n as f64).sqrt() / (2.0 * z_row));
    if !(sigma.is_finite() && sigma > 0.0 && z_row.is_finite()) || n < 2 {
        return None;
    }
    // With τ = 0 the question is "how many examples would show a change of
    // this size": a change within one standard error of 0 is noise, no size
    // to plan a benchmark for (equal gains and losses are exactly 0).
    if distance <= 0.0 || (tolerance == 0.0 && gain.abs() < sigma / (n as f64).sqrt()) {
        return None;
    }
    let z = z_row + stats::normal_quantile(0.8);
    let needed = (z * sigma / distance).powi(2).ceil();
    let needed = if needed > 1e9 {
        1_000_000_000
    } else {
        needed as usize
    };
    Some(needed.max(min_examples).max(n + 1))
}

/// The minimum detectable drop of a row: the smallest true drop that the row
/// would call a regression with 80% power at its level, under the
/// alternative (a drop adds changed examples, so the noise grows with it),
/// plus the tolerance τ.
///
/// - 0/1 metrics (McNemar): a true drop δ on top of a discordance rate `d`
///   (the share of examples that changed) makes `d + δ` of them change, and
///   the test rejects when losses − gains ≥ z_row·√(changed). The drop seen
///   80% of the time solves n·δ = z_row·√(n(d + δ)) + z₀.₈·√(n(d + δ − δ²))
///   (the variance of losses − gains under the drop), by bisection.
/// - Other metrics: a shift moves the differences without changing their
///   spread, so se is read off the row's own interval — the resampling
///   distribution of the delta at this run's examples and noise — as its
///   half-width over z_row, and δ = (z_row + z₀.₈)·se.
///
/// `None` when the interval is unbounded or of zero width (no example
/// changed: the run shows no noise to scale a drop by, not that every drop
/// would be seen), and when the drop is more than the baseline allows (a
/// fraction cannot fall below 0 or rise above 1).
fn minimum_detectable_drop(
    t: &Test,
    sign: f64,
    scale: ValueScale,
    tolerance: f64,
    z_row: f64,
) -> Option<f64> {
    if !(z_row.is_finite() && z_row > 0.0) {
        return None;
    }
    let z80 = stats::normal_quantile(0.8);
    let drop = match &t.values {
        Values::McNemar(c) => {
            let n = c.n as f64;
            let d = (c.gains + c.losses) as f64 / n;
            if d.is_nan() || d <= 0.0 {
                return None;
            }
            let short = |x: f64| {
                n * x - z_row * (n * (d + x)).sqrt() - z80 * (n * (d + x - x * x)).max(0.0).sqrt()
            };
            if short(1.0) < 0.0 {
                return None;
            }
            let (mut lo, mut hi) = (0.0f64, 1.0f64);
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if short(mid) < 0.0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            hi
        }
        Values::Typical(_) => {
            let width = t.result.ci_high - t.result.ci_low;
            if !(width.is_finite() && width > 0.0) {
                return None;
            }
            (z_row + z80) * width / (2.0 * z_row)
        }
    };
    let mde = tolerance + drop;
    let room = match scale {
        ValueScale::Fraction if sign > 0.0 => t.baseline,
        ValueScale::Fraction => 1.0 - t.baseline,
        ValueScale::Raw => f64::INFINITY,
    };
    (mde <= room).then_some(mde)
}

/// The ids to re-run with more samples: uncertain on any metric, sorted.
fn rerun_ids(aligned: &Aligned, noise: &[crate::noise::Noise]) -> Vec<String> {
    let mut ids: Vec<String> = (0..aligned.baseline.len())
        .filter(|&i| noise.iter().any(|x| x.uncertain[i]))
        .map(|i| aligned.baseline[i].first().id.to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// A warning when the resamples are too few for the rows' levels: the
/// smallest one-sided p a Monte Carlo method can reach, 1/(B + 1), is above
/// the level a row is tested at, so no interval is bounded. (Intervals of very
/// few examples are unbounded too — three examples' signs can be all alike by
/// chance one time in eight — but those rows say so themselves.)
fn unbounded_warning(tests: &[Test], config: &Config) -> Option<Warning> {
    let floor = 1.0 / (config.stats.resamples as f64 + 1.0);
    let smallest = tests
        .iter()
        .filter(|t| t.method != Method::Exact)
        .map(|t| t.level)
        .fold(f64::INFINITY, f64::min);
    let unbounded = floor > smallest
        && tests.iter().any(|t| {
            t.method != Method::Exact
                && !(t.result.ci_low.is_finite() && t.result.ci_high.is_finite())
        });
    unbounded.then(|| {
        let needed = (2.0 / smallest).ceil() as usize;
        Diagnostic::new(
            Code::TooFewResamples,
            format!(
                "with {} resamples the intervals cannot reach the level the tests need (1/(resamples + 1) must be well below the smallest row level, {smallest:.2e}): no row can be decided",
                config.stats.resamples
            ),
        )
        .with_hint(format!("use --resamples {needed} or more"))
    })
}

/// The warning line that lists the directions guessed from field names.
fn assumed_directions(scores: &[MetricScores]) -> Option<Warning> {
    let guessed: Vec<String> = scores
        .iter()
        .filter_map(|s| {
            let why = s.metric.assumed_direction()?;
            let way = match s.metric.direction() {
                crate::metrics::Direction::Higher => "higher",
                crate::metrics::Direction::Lower => "lower",
            };
            Some(format!("{} {way} is better ({why})", s.metric.name()))
        })
        .collect();
    (!guessed.is_empty()).then(|| {
        Diagnostic::new(
            Code::DirectionsGuessed,
            format!(
                "directions guessed from field names: {}",
                guessed.join(", ")
            ),
        )
        .with_hint("set --direction NAME=higher|lower where that is wrong")
    })
}

fn worst_examples(
    ev: &Evidence<'_>,
    metrics: &[MetricRow],
    slices: &[SliceRow],
    noise: &[crate::noise::Noise],
    top_k: usize,
) -> Vec<ExampleChange> {
    let mut out = Vec::new();
    for (m, s) in ev.scores.iter().enumerate() {
        let name = s.metric.name();
        let overall =
            metrics[m].verdict == Verdict::Regressed || metrics[m].verdict == Verdict::BelowFloor;
        let regressed_slices: Vec<usize> = slices
            .iter()
            .filter(|r| r.metric == name && r.verdict == Verdict::Regressed)
            .filter_map(|r| {
                ev.slices
                    .keys
                    .iter()
                    .position(|k| k.0 == r.field && k.1 == r.value)
            })
            .collect();
        if !overall && regressed_slices.is_empty() {
            continue;
        }
        let candidates: Vec<usize> = if overall {
            (0..ev.aligned.baseline.len()).collect()
        } else {
            let mut c: Vec<usize> = regressed_slices
                .iter()
                .flat_map(|&g| ev.slices.members[g].clone())
                .collect();
            c.sort_unstable();
            c.dedup();
            c
        };
        let sign = s.metric.direction().sign();
        let stability = &noise[m].stability;
        // Solid regressions first, then uncertain ones, flaky ones last; the
        // largest drops first within each.
        let rank = |i: usize| match stability[i] {
            Some(Stability::Solid) | None => 0,
            Some(Stability::Uncertain) => 1,
            Some(Stability::Flaky) => 2,
        };
        let mut drops: Vec<(usize, f64, usize)> = candidates
            .into_iter()
            .filter_map(|i| {
                let (b, c) = s.example_scores(i);
                let gain = (c - b) * sign;
                (gain < 0.0).then_some((rank(i), gain, i))
            })
            .collect();
        drops.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        for &(_, _, i) in drops.iter().take(top_k) {
            let (b, c) = s.example_scores(i);
            let base = ev.aligned.baseline[i].first();
            let cur = ev.aligned.current[i].first();
            out.push(ExampleChange {
                id: base.id.to_string(),
                metric: name.to_string(),
                baseline_score: b,
                current_score: c,
                // Content hashes (lm-eval's doc_hash, …) identify, they do not
                // describe; a promptfoo variant is in the id when it varies.
                tags: base
                    .tags
                    .iter()
                    .filter(|(k, _)| {
                        !k.ends_with("_hash")
                            && !crate::load::promptfoo::VARIANT_TAGS.contains(&k.as_str())
                    })
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                input: base
                    .input
                    .as_ref()
                    .or(cur.input.as_ref())
                    .map(Text::to_string),
                references: base.references.iter().map(Text::to_string).collect(),
                baseline_prediction: base.prediction.to_string(),
                current_prediction: cur.prediction.to_string(),
                baseline_reason: s.metric.reason(base),
                current_reason: s.metric.reason(cur),
                stability: stability[i],
                baseline_samples: crate::noise::sample_summary(s, 0, i),
                current_samples: crate::noise::sample_summary(s, 1, i),
            });
        }
    }
    out
}

fn gate_reasons(
    metrics: &[MetricRow],
    slices: &[SliceRow],
    examples: &ExampleCounts,
    config: &Config,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    for m in metrics {
        match m.verdict {
            Verdict::Regressed => {
                reasons.push(Diagnostic::new(
                    Code::Regressed,
                    format!("{} regressed", m.name),
                ));
            }
            Verdict::BelowFloor => {
                reasons.push(Diagnostic::new(
                    Code::MetricBelowFloor,
                    format!(
                        "{} is {}",
                        m.name,
                        m.note.as_deref().unwrap_or("below its floor")
                    ),
                ));
            }
            Verdict::Inconclusive
                if config.gate.fail_on == FailOn::Inconclusive
                    && (m.n < config.stats.min_examples
                        || may_drop(m.direction, (m.ci_low, m.ci_high), m.tolerance)) =>
            {
                reasons.push(Diagnostic::new(
                    Code::Inconclusive,
                    format!("{} is inconclusive (--fail-on inconclusive)", m.name),
                ));
            }
            _ => {}
        }
    }
    for s in slices {
        if s.verdict == Verdict::Regressed {
            reasons.push(Diagnostic::new(
                Code::SliceRegressed,
                format!("{} regressed in {}={}", s.metric, s.field, s.value),
            ));
        } else if s.verdict == Verdict::Inconclusive
            && config.gate.fail_on == FailOn::Inconclusive
            && may_drop(
                s.direction,
                (s.ci_low, s.ci_high),
                config.gate.metric(&s.metric).tolerance,
            )
        {
            reasons.push(Diagnostic::new(
                Code::SliceInconclusive,
                format!("{} is inconclusive in {}={}", s.metric, s.field, s.value),
            ));
        }
    }
    if examples.missing > 0 && !config.gate.allow_missing {
        reasons.push(Diagnostic::new(
            Code::MissingExamples,
            format!(
                "{} examples of the baseline are missing from the current run: {} (a crashed shard must not pass; use --allow-missing if this is intended)",
                examples.missing,
                list_ids(&examples.missing_ids, examples.missing)
            ),
        ));
    }
    reasons
}

/// Whether an interval of the delta still allows a drop beyond the
/// tolerance: what `--fail-on inconclusive` fails on (an interval that only
/// allows a gain beyond it does not).
fn may_drop(direction: crate::metrics::Direction, (low, high): (f64, f64), tolerance: f64) -> bool {
    let sign = direction.sign();
    (low * sign).min(high * sign) < -tolerance
}

fn list_ids(ids: &[String], total: usize) -> String {
    let mut s = ids.join(", ");
    if total > ids.len() {
        s.push_str(&format!(", … ({} more)", total - ids.len()));
    }
    s
}
