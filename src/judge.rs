//! Verdicts per metric and slice, and the gate's answer.
//!
//! A regression needs three things at once: the change points the bad way, it is
//! significant at alpha after Holm's correction over every (metric, slice) tested,
//! and it is larger than the metric's tolerance. A result that is not significant
//! but whose interval still allows a drop beyond the tolerance is inconclusive.

use crate::align::Aligned;
use crate::config::{Config, FailOn};
use crate::load::Text;
use crate::metrics::Scale;
use crate::report::{
    ExampleChange, ExampleCounts, GateVerdict, MetricRow, Report, Settings, SliceRow, ValueScale,
    Verdict,
};
use crate::score::{MetricScores, Slices};
use crate::stats::{self, Layout, NullKind, Resampled};

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
    /// Bootstrap resamples (intervals, and p-values for the bootstrap test).
    pub bootstrap: &'a Resampled,
    /// Randomization rounds, when that test was chosen.
    pub randomization: Option<&'a Resampled>,
    /// Rows read per side.
    pub rows: [usize; 2],
    /// Where the baseline came from.
    pub baseline_source: String,
    /// Fingerprints and the baseline header.
    pub dataset: crate::report::DatasetInfo,
}

struct Test {
    metric: usize,
    /// 0 = overall, else slice group.
    group: usize,
    n: usize,
    baseline: f64,
    current: f64,
    delta: f64,
    result: stats::TestResult,
    p_one: f64,
}

/// Judges every metric and slice and decides the gate.
pub fn judge(ev: &Evidence<'_>, config: &Config) -> Report {
    let n = ev.aligned.baseline.len();
    let mut warnings = Vec::new();
    let mut groups = vec![(0usize, n)];
    for (g, members) in ev.slices.members.iter().enumerate() {
        let (field, value) = &ev.slices.keys[g];
        if members.len() >= config.min_examples {
            groups.push((g + 1, members.len()));
        } else {
            warnings.push(format!(
                "slice {field}={value} has {} examples (fewer than {}): not tested",
                members.len(),
                config.min_examples
            ));
        }
    }
    let mut tests = Vec::new();
    for (m, s) in ev.scores.iter().enumerate() {
        for &(g, size) in &groups {
            let members = (g > 0).then(|| ev.slices.members[g - 1].as_slice());
            let (baseline, current) = s.corpus_values(members);
            // A metric some examples lack compares fewer of them.
            let size = if s.left_out > 0 {
                s.compared(members)
            } else {
                size
            };
            tests.push(run_test(ev, config, s, m, g, size, baseline, current));
        }
    }
    let adjusted = stats::holm(&tests.iter().map(|t| t.p_one).collect::<Vec<_>>());

    let mut metrics = Vec::new();
    let mut slice_rows = Vec::new();
    for (t, &p_adj) in tests.iter().zip(&adjusted) {
        let s = &ev.scores[t.metric];
        let gate = config.gate(s.metric.name());
        let sign = s.metric.direction().sign();
        let scale = match s.metric.scale() {
            Scale::Fraction => ValueScale::Fraction,
            Scale::Raw => ValueScale::Raw,
        };
        let mut d = decide(t, sign, p_adj, config, gate.tolerance);
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
                current_ci: current_ci(ev, s, ev.layouts[t.metric], config.confidence),
                delta: t.delta,
                ci_low: t.result.ci_low,
                ci_high: t.result.ci_high,
                p_value: t.result.p_two_sided,
                p_one_sided: t.p_one,
                p_adjusted: p_adj,
                verdict: d.verdict,
                tolerance: gate.tolerance,
                floor,
                n: t.n,
                examples_to_settle: d.settle,
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
                p_one_sided: t.p_one,
                p_adjusted: p_adj,
                verdict: d.verdict,
            });
        }
    }

    let regressed_examples = worst_examples(ev, &metrics, &slice_rows, config.top_k);
    let examples = ExampleCounts {
        compared: n,
        missing: ev.aligned.missing.len(),
        added: ev.aligned.added.len(),
        missing_ids: ev.aligned.missing.iter().take(10).cloned().collect(),
        added_ids: ev.aligned.added.iter().take(10).cloned().collect(),
        edited: ev.aligned.edited.len(),
        edited_ids: ev.aligned.edited.iter().take(10).cloned().collect(),
        prompt_changed: ev.aligned.prompt_changed.len(),
        rows: ev.rows,
    };
    for tool in ev.aligned.tools.iter().flatten() {
        for w in &tool.warnings {
            // A file compared with itself (or two shards' runs) says it once.
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
    }
    if !ev.aligned.added.is_empty() || !ev.aligned.edited.is_empty() {
        let a = ev.aligned;
        warnings.push(format!(
            "the dataset changed since the baseline (fingerprint {} → {}): {}; compared on the {n} unchanged examples",
            crate::baseline::short(&ev.dataset.baseline_fingerprint),
            crate::baseline::short(&ev.dataset.current_fingerprint),
            // Missing examples have their own reason or warning.
            crate::report::dataset_changes(&a.added, &[], &a.edited)
        ));
    }
    let mut reasons = gate_reasons(&metrics, &slice_rows, &examples, config);
    if config.allow_missing && examples.missing > 0 {
        warnings.push(format!(
            "{} examples of the baseline are missing from the current run (allowed by --allow-missing): {}",
            examples.missing,
            list_ids(&examples.missing_ids, examples.missing)
        ));
    }
    warnings.extend(ev.scores.iter().flat_map(|s| s.metric.warnings()));
    for s in ev.scores.iter().filter(|s| s.left_out > 0) {
        warnings.push(format!(
            "{}: {} of the {n} examples have no value on one side or both (a sample without a score is missing, never a zero); compared on the other {}",
            s.metric.name(),
            s.left_out,
            n - s.left_out
        ));
    }
    let verdict = if reasons.is_empty() || config.fail_on == FailOn::Never {
        if config.fail_on == FailOn::Never {
            warnings.extend(
                reasons
                    .drain(..)
                    .map(|r| format!("{r} (not gating: --fail-on never)")),
            );
        }
        GateVerdict::Pass
    } else {
        GateVerdict::Fail
    };
    Report {
        schema_version: 1,
        suite: config.suite.clone(),
        verdict,
        reasons,
        examples,
        metrics,
        slices: slice_rows,
        regressed_examples,
        settings: Settings {
            resamples: config.resamples,
            seed: config.seed,
            alpha: config.alpha,
            confidence: config.confidence,
            test: config.test.name().to_string(),
            resampler: config.resampler.resolve(n).name().to_string(),
            tests: tests.len(),
            min_examples: config.min_examples,
            fail_on: config.fail_on.name().to_string(),
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
        human: None,
    }
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
            let mut values = ev.bootstrap.side_values(cur, k, 0, &corpus);
            // 0/0 of a metric some examples lack, in a resample without them.
            values.retain(|v| v.is_finite());
            if values.is_empty() {
                return None;
            }
            stats::percentile_ci(&values, confidence)
        }
    };
    (low.is_finite() && high.is_finite()).then_some([low, high])
}

#[allow(clippy::too_many_arguments)]
fn run_test(
    ev: &Evidence<'_>,
    config: &Config,
    s: &MetricScores,
    m: usize,
    group: usize,
    n: usize,
    baseline: f64,
    current: f64,
) -> Test {
    let corpus = |sums: &[f64], count: f64| s.metric.corpus(sums, count);
    let delta = current - baseline;
    let mut boot = ev.bootstrap.deltas(ev.layouts[m], group, &corpus);
    if s.left_out > 0 {
        // A resample that drew only examples lacking the metric says nothing
        // about it (its value is 0/0).
        boot.retain(|d| d.is_finite());
    }
    let (ci_low, ci_high) = stats::percentile_ci(&boot, config.confidence);
    let (p_two_sided, p_less, p_greater) = match ev.randomization {
        Some(r) => stats::p_values(
            delta,
            &r.deltas(ev.layouts[m], group, &corpus),
            NullKind::Randomization,
        ),
        None => stats::p_values(delta, &boot, NullKind::ShiftedBootstrap),
    };
    let gain = delta * s.metric.direction().sign();
    // The decision's one-sided test looks in the direction the metric moved.
    let p_one = if gain == 0.0 {
        1.0
    } else if (gain < 0.0) == (s.metric.direction().sign() > 0.0) {
        p_less
    } else {
        p_greater
    };
    Test {
        metric: m,
        group,
        n,
        baseline,
        current,
        delta,
        result: stats::TestResult {
            ci_low,
            ci_high,
            p_two_sided,
            p_less,
            p_greater,
        },
        p_one,
    }
}

struct Decision {
    verdict: Verdict,
    settle: Option<usize>,
    note: Option<String>,
}

fn decide(t: &Test, sign: f64, p_adj: f64, config: &Config, tolerance: f64) -> Decision {
    let gain = t.delta * sign;
    let (a, b) = (t.result.ci_low * sign, t.result.ci_high * sign);
    let (gain_low, gain_high) = (a.min(b), a.max(b));
    let enough = t.n >= config.min_examples;
    let significant = enough && p_adj <= config.alpha;
    let beyond = gain.abs() > tolerance;
    if significant && beyond && gain < 0.0 {
        return Decision {
            verdict: Verdict::Regressed,
            settle: None,
            note: None,
        };
    }
    if significant && beyond && gain > 0.0 {
        return Decision {
            verdict: Verdict::Improved,
            settle: None,
            note: None,
        };
    }
    let settle = examples_to_settle(
        t.n,
        gain,
        gain_high - gain_low,
        tolerance,
        config.confidence,
        config.alpha,
        config.min_examples,
    );
    if !enough {
        return Decision {
            verdict: Verdict::Inconclusive,
            settle,
            note: Some(format!(
                "{} examples are too few to tell a change from noise (at least {} needed to decide)",
                t.n, config.min_examples
            )),
        };
    }
    if tolerance > 0.0 && gain_low < -tolerance && !(significant && gain > 0.0) {
        return Decision {
            verdict: Verdict::Inconclusive,
            settle,
            note: Some(format!(
                "not significant, but the interval still allows a drop larger than the tolerance {tolerance}"
            )),
        };
    }
    let note = (significant && !beyond)
        .then(|| format!("significant, but within the tolerance {tolerance}"));
    Decision {
        verdict: Verdict::Unchanged,
        settle: None,
        note,
    }
}

/// Roughly how many examples would settle an undecided result: enough for 80%
/// power to show a change of the observed size as real, or to rule out a drop
/// beyond the tolerance. The spread of per-example deltas is read back from the
/// interval (half-width = z·σ/√n), inflated by n/(n−1) because the bootstrap
/// underestimates it on small samples.
fn examples_to_settle(
    n: usize,
    gain: f64,
    width: f64,
    tolerance: f64,
    confidence: f64,
    alpha: f64,
    min_examples: usize,
) -> Option<usize> {
    let target = (gain + tolerance).max(gain.abs());
    if target.is_nan() || target <= 0.0 || width.is_nan() || width <= 0.0 || n < 2 {
        return None;
    }
    let z_ci = stats::normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    let nf = n as f64;
    let sigma = (width / 2.0) * nf.sqrt() / z_ci * (nf / (nf - 1.0)).sqrt();
    let z = stats::normal_quantile(1.0 - alpha) + stats::normal_quantile(0.8);
    let needed = (z * sigma / target).powi(2).ceil();
    let needed = if needed > 1e9 {
        1_000_000_000
    } else {
        needed as usize
    };
    Some(needed.max(min_examples).max(n + 1))
}

fn worst_examples(
    ev: &Evidence<'_>,
    metrics: &[MetricRow],
    slices: &[SliceRow],
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
        let mut drops: Vec<(f64, usize)> = candidates
            .into_iter()
            .filter_map(|i| {
                let (b, c) = s.example_scores(i);
                let gain = (c - b) * sign;
                (gain < 0.0).then_some((gain, i))
            })
            .collect();
        drops.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for &(_, i) in drops.iter().take(top_k) {
            let (b, c) = s.example_scores(i);
            let base = ev.aligned.baseline[i].first();
            let cur = ev.aligned.current[i].first();
            out.push(ExampleChange {
                id: base.id.to_string(),
                metric: name.to_string(),
                baseline_score: b,
                current_score: c,
                // Content hashes (lm-eval's doc_hash, …) identify, they do not describe.
                tags: base
                    .tags
                    .iter()
                    .filter(|(k, _)| !k.ends_with("_hash"))
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
) -> Vec<String> {
    let mut reasons = Vec::new();
    for m in metrics {
        match m.verdict {
            Verdict::Regressed => reasons.push(format!("{} regressed", m.name)),
            Verdict::BelowFloor => {
                reasons.push(format!(
                    "{} is {}",
                    m.name,
                    m.note.as_deref().unwrap_or("below its floor")
                ));
            }
            Verdict::Inconclusive if config.fail_on == FailOn::Inconclusive => {
                reasons.push(format!(
                    "{} is inconclusive (--fail-on inconclusive)",
                    m.name
                ));
            }
            _ => {}
        }
    }
    for s in slices {
        if s.verdict == Verdict::Regressed {
            reasons.push(format!("{} regressed in {}={}", s.metric, s.field, s.value));
        } else if s.verdict == Verdict::Inconclusive && config.fail_on == FailOn::Inconclusive {
            reasons.push(format!(
                "{} is inconclusive in {}={}",
                s.metric, s.field, s.value
            ));
        }
    }
    if examples.missing > 0 && !config.allow_missing {
        reasons.push(format!(
            "{} examples of the baseline are missing from the current run: {} (a crashed shard must not pass; use --allow-missing if this is intended)",
            examples.missing,
            list_ids(&examples.missing_ids, examples.missing)
        ));
    }
    reasons
}

fn list_ids(ids: &[String], total: usize) -> String {
    let mut s = ids.join(", ");
    if total > ids.len() {
        s.push_str(&format!(", … ({} more)", total - ids.len()));
    }
    s
}
