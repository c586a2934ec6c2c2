//! Calibration of the gate's statistics: not the shape of their output but how
//! often they are right.
//!
//! - A/A false-change rates of the three constructions (`stats::inversion`):
//!   the paired bootstrap, sign-flip randomization and the exact sign test, on
//!   simulated evaluations with no true difference (a binary exact-match-like
//!   metric and a continuous token-F1-like one, each example with its own
//!   latent difficulty). The interval is two-sided at 1 − alpha, so a false
//!   regression (interval wholly below 0) must happen at most alpha/2 of the
//!   time and any false change at most alpha, up to three simulation standard
//!   errors.
//! - Power against a known drop, compared with the normal-theory power
//!   Φ(δ·√n/σ_d − z₁₋α/₂) of the two-sided test.
//! - The whole pipeline (`benchgate::compare`: load, score, resample, the
//!   Bonferroni family, the verdict) on A/A result files at the sizes teams
//!   have — 20, 30 and 200 examples, 0/1 and continuous scores, three samples
//!   per id, ten slices of 20 — where the gate must fail (a false regression)
//!   at most alpha of the time, and call anything changed at most alpha of the
//!   time; and the gate must agree with the primitives on identical inputs.
//! - "About N examples would settle it": simulated at the suggested N, about
//!   four runs in five settle.
//!
//! Every simulation is seeded, so the figures are the same on every run. Set
//! `BENCHGATE_CALIBRATION_SCALE=k` to simulate k times as many datasets (the
//! bounds tighten with the simulation error), and run with `--nocapture` to see
//! the figures.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use benchgate::config::{Config, MetricGate, TestKind};
use benchgate::design::{Design, Layout};
use benchgate::report::{GateVerdict, Verdict};
use benchgate::stats::{
    bootstrap, normal_cdf, normal_quantile, sign_flip, TestResult, TypicalValues,
};
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const ALPHA: f64 = 0.05;
/// Paired examples per simulated evaluation.
const N: usize = 200;
/// Resamples (or randomization rounds) per simulated evaluation.
const RESAMPLES: usize = 1_000;
/// Simulated evaluations per A/A or power scenario.
const DATASETS: usize = 1_000;

fn scale() -> usize {
    std::env::var("BENCHGATE_CALIBRATION_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&k: &usize| k >= 1)
        .unwrap_or(1)
}

/// Uniform on the open interval (0, 1).
fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// Standard normal (Box–Muller; the second variate is thrown away for simplicity).
fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let (u, v) = (uniform(rng), uniform(rng));
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn bernoulli(rng: &mut Xoshiro256PlusPlus, p: f64) -> f64 {
    if uniform(rng) < p {
        1.0
    } else {
        0.0
    }
}

/// How per-example scores are simulated.
#[derive(Debug, Clone, Copy)]
enum Model {
    /// Exact-match-like: difficulty q ~ U(0.2, 0.9), baseline ~ Bernoulli(q),
    /// current ~ Bernoulli(q − drop), independently.
    Binary { drop: f64 },
    /// Token-F1-like: difficulty q ~ U(0.2, 0.9), each side
    /// clamp(q + 0.25·Normal, 0, 1) independently (no true difference).
    Continuous,
    /// Per-example differences Normal(−drop, sd), for power against theory.
    NormalDiff { drop: f64, sd: f64 },
}

impl Model {
    fn tag(self) -> u64 {
        match self {
            Model::Binary { .. } => 1,
            Model::Continuous => 2,
            Model::NormalDiff { .. } => 3,
        }
    }

    /// Baseline and current score of one example.
    fn example(self, rng: &mut Xoshiro256PlusPlus) -> (f64, f64) {
        match self {
            Model::Binary { drop } => {
                let q = 0.2 + 0.7 * uniform(rng);
                (bernoulli(rng, q), bernoulli(rng, q - drop))
            }
            Model::Continuous => {
                let q = 0.2 + 0.7 * uniform(rng);
                let side = |rng: &mut Xoshiro256PlusPlus| (q + 0.25 * normal(rng)).clamp(0.0, 1.0);
                (side(rng), side(rng))
            }
            Model::NormalDiff { drop, sd } => (0.0, -drop + sd * normal(rng)),
        }
    }

    /// Dataset `index` of this model: (baseline, current) per example.
    fn dataset(self, index: usize, n: usize) -> Vec<(f64, f64)> {
        let seed = (self.tag() << 40) ^ 0x5EED_0000 ^ index as u64;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n).map(|_| self.example(&mut rng)).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    Bootstrap,
    Randomization,
    /// Complete enumeration; only for −1/0/+1 differences.
    Exact,
    /// The mid-p versions (what the gate uses on 0/1 differences).
    RandomizationMidP,
    ExactMidP,
}

/// What one test said about one dataset.
struct Outcome {
    result: TestResult,
}

impl Outcome {
    /// The interval lies wholly below 0: what the gate calls a regression.
    fn regressed(&self) -> bool {
        self.result.ci_high < 0.0
    }
    fn improved(&self) -> bool {
        self.result.ci_low > 0.0
    }
}

/// Runs one construction on current − baseline, as the gate does for a mean
/// metric alone in its family (one-sided level alpha/2 per side).
fn run(test: Test, pairs: &[(f64, f64)], resamples: usize, seed: u64) -> Outcome {
    let diffs: Vec<f64> = pairs.iter().map(|(b, c)| c - b).collect();
    let n = diffs.len();
    let design = Design::new(n, 1, diffs.clone());
    let layout = Layout::Delta { col: 0 };
    let mean = |sums: &[f64], n: f64| sums[0] / n;
    let values = match test {
        Test::Bootstrap | Test::Randomization | Test::RandomizationMidP => {
            let r = match test {
                Test::Bootstrap => bootstrap(&design, resamples, seed),
                _ => sign_flip(&design, resamples, seed),
            };
            let draws = r.deltas(layout, 0, &mean);
            let values = TypicalValues::from_draws(&draws, resamples - draws.len());
            if test == Test::RandomizationMidP {
                values.mid_p()
            } else {
                values
            }
        }
        Test::ExactMidP => {
            let count = |x: f64| diffs.iter().filter(|&&d| d == x).count();
            TypicalValues::exact_sign_flip(count(1.0), count(-1.0), count(0.0)).mid_p()
        }
        Test::Exact => {
            let count = |x: f64| diffs.iter().filter(|&&d| d == x).count();
            assert_eq!(
                count(1.0) + count(-1.0) + count(0.0),
                n,
                "exact needs 0/1 scores"
            );
            TypicalValues::exact_sign_flip(count(1.0), count(-1.0), count(0.0))
        }
    };
    let result = values.invert(ALPHA / 2.0);
    // The p-value and the interval come from one construction.
    assert_eq!(result.p_two_sided <= ALPHA, regressed_or_improved(&result));
    Outcome { result }
}

/// The gate's question on one metric alone: the one-sided regression test at
/// the full alpha (the interval two-sided at 1 − 2·alpha ends below 0).
fn one_sided(test: Test, pairs: &[(f64, f64)], resamples: usize, seed: u64) -> bool {
    let diffs: Vec<f64> = pairs.iter().map(|(b, c)| c - b).collect();
    let design = Design::new(diffs.len(), 1, diffs);
    let r = match test {
        Test::Bootstrap => bootstrap(&design, resamples, seed),
        _ => sign_flip(&design, resamples, seed),
    };
    let mean = |sums: &[f64], n: f64| sums[0] / n;
    let draws = r.deltas(Layout::Delta { col: 0 }, 0, &mean);
    let result = TypicalValues::from_draws(&draws, resamples - draws.len()).invert(ALPHA);
    assert_eq!(result.ci_high < 0.0, result.p_less <= ALPHA);
    result.ci_high < 0.0
}

fn regressed_or_improved(r: &TestResult) -> bool {
    r.ci_high < 0.0 || r.ci_low > 0.0
}

/// Rejection counts over many simulated datasets.
#[derive(Debug, Default)]
struct Rates {
    datasets: usize,
    /// The interval lies wholly below 0.
    regressions: usize,
    /// The interval lies wholly above 0.
    improvements: usize,
}

impl Rates {
    fn rate(&self, count: usize) -> f64 {
        count as f64 / self.datasets as f64
    }
}

fn simulate(model: Model, test: Test, datasets: usize) -> Rates {
    let mut rates = Rates {
        datasets,
        ..Rates::default()
    };
    for index in 0..datasets {
        let pairs = model.dataset(index, N);
        let seed = 1_000_003 * model.tag() + index as u64;
        let o = run(test, &pairs, RESAMPLES, seed);
        rates.regressions += usize::from(o.regressed());
        rates.improvements += usize::from(o.improved());
    }
    rates
}

/// Standard error of a simulated proportion p over `count` datasets.
fn se(p: f64, count: usize) -> f64 {
    (p * (1.0 - p) / count as f64).sqrt()
}

fn check_aa(name: &str, model: Model, test: Test) {
    let start = Instant::now();
    let datasets = DATASETS * scale();
    let r = simulate(model, test, datasets);
    let (regress, improve) = (r.rate(r.regressions), r.rate(r.improvements));
    let change = regress + improve;
    let bound_one = ALPHA / 2.0 + 3.0 * se(ALPHA / 2.0, datasets);
    let bound_two = ALPHA + 3.0 * se(ALPHA, datasets);
    eprintln!(
        "A/A {name}: {datasets} datasets, n={N}, B={RESAMPLES}: false regressions {regress:.4} \
         (bound {bound_one:.4}), false improvements {improve:.4}, any change {change:.4} \
         (bound {bound_two:.4}) [{:.1?}]",
        start.elapsed()
    );
    assert!(
        regress <= bound_one,
        "{name}: false-regression rate {regress} exceeds alpha/2 + 3se = {bound_one}"
    );
    assert!(
        change <= bound_two,
        "{name}: false-change rate {change} exceeds alpha + 3se = {bound_two}"
    );
}

#[test]
fn aa_bootstrap_binary() {
    check_aa(
        "bootstrap, binary",
        Model::Binary { drop: 0.0 },
        Test::Bootstrap,
    );
}

#[test]
fn aa_bootstrap_continuous() {
    check_aa("bootstrap, continuous", Model::Continuous, Test::Bootstrap);
}

#[test]
fn aa_randomization_binary() {
    check_aa(
        "randomization, binary",
        Model::Binary { drop: 0.0 },
        Test::Randomization,
    );
}

#[test]
fn aa_randomization_continuous() {
    check_aa(
        "randomization, continuous",
        Model::Continuous,
        Test::Randomization,
    );
}

#[test]
fn aa_exact_binary_mid_p() {
    check_aa(
        "exact sign test, mid-p, binary",
        Model::Binary { drop: 0.0 },
        Test::ExactMidP,
    );
}

#[test]
fn aa_randomization_binary_mid_p() {
    check_aa(
        "randomization, mid-p, binary",
        Model::Binary { drop: 0.0 },
        Test::RandomizationMidP,
    );
}

/// The mid-p correction on 0/1 metrics (issue 17), before and after: the
/// conventional sign test's false-change rate sits well below alpha (its
/// statistic takes few values), the mid-p test's is closer to alpha and
/// still within it (up to simulation error), at several sizes.
#[test]
fn mid_p_makes_the_binary_tests_less_conservative_within_alpha() {
    let start = Instant::now();
    let datasets = DATASETS * scale();
    let bound = ALPHA + 3.0 * se(ALPHA, datasets);
    let mut lines = String::new();
    let mut totals = [0.0f64; 2];
    for n in [30usize, 100, 200] {
        let mut rates = [0usize; 2];
        for index in 0..datasets {
            let pairs = Model::Binary { drop: 0.0 }.dataset(50_000 + index, n);
            for (k, test) in [Test::Exact, Test::ExactMidP].into_iter().enumerate() {
                let o = run(test, &pairs, RESAMPLES, index as u64);
                rates[k] += usize::from(o.regressed() || o.improved());
            }
        }
        let [before, after] = rates.map(|r| r as f64 / datasets as f64);
        totals[0] += before;
        totals[1] += after;
        let _ = writeln!(
            lines,
            "  n={n}: any change {before:.4} conventional → {after:.4} mid-p (bound {bound:.4})"
        );
        assert!(after <= bound, "mid-p at n={n}: {after} > {bound}");
        assert!(after >= before, "mid-p rejects at least as often");
    }
    assert!(
        totals[1] > totals[0],
        "mid-p must be less conservative overall: {totals:?}"
    );
    eprintln!(
        "exact sign test on A/A 0/1 data, {datasets} datasets each [{:.1?}]:\n{lines}",
        start.elapsed()
    );
}

#[test]
fn aa_exact_binary() {
    check_aa(
        "exact sign test, binary",
        Model::Binary { drop: 0.0 },
        Test::Exact,
    );
}

/// Normal-theory power of a two-sided test at alpha against a drop `drop` of
/// differences with standard deviation `sd`, over `n` examples (the chance
/// that the interval ends below 0).
fn theoretical_power(drop: f64, sd: f64, n: usize) -> f64 {
    normal_cdf(drop * (n as f64).sqrt() / sd - normal_quantile(1.0 - ALPHA / 2.0))
}

fn check_power(name: &str, model: Model, sd: f64, drop: f64, tests: &[Test]) {
    let theory = theoretical_power(drop, sd, N);
    assert!(
        (0.5..=0.8).contains(&theory),
        "choose a drop with moderate power, not {theory}"
    );
    let datasets = DATASETS * scale();
    // Simulation error plus an allowance for the normal approximation (the
    // bootstrap's plug-in variance, the sign-flip test's uncentred one,
    // discreteness, B = 1,000).
    let tolerance = 3.0 * se(theory, datasets) + 0.02;
    for &test in tests {
        let start = Instant::now();
        let r = simulate(model, test, datasets);
        let power = r.rate(r.regressions);
        eprintln!(
            "power {name}, {test:?}: {datasets} datasets, n={N}, drop {drop}, sd_d {sd:.4}: \
             empirical {power:.4} vs theory {theory:.4} (tolerance {tolerance:.4}) [{:.1?}]",
            start.elapsed()
        );
        assert!(
            (power - theory).abs() <= tolerance,
            "{name}, {test:?}: power {power} is not theory {theory} ± {tolerance}"
        );
    }
}

#[test]
fn power_normal_differences() {
    // δ·√n/σ = 0.045·√200/0.3 ≈ 2.12: theoretical power ≈ 0.56.
    let (drop, sd) = (0.045, 0.3);
    check_power(
        "normal differences",
        Model::NormalDiff { drop, sd },
        sd,
        drop,
        &[Test::Bootstrap, Test::Randomization],
    );
}

#[test]
fn power_binary() {
    // Baseline ~ Bernoulli(q), current ~ Bernoulli(q − δ), q ~ U(0.2, 0.9):
    // Var(d) = E[q(1 − q)] + E[q'(1 − q')] with q' = q − δ ~ U(0.2 − δ, 0.9 − δ),
    // since E[d | q] = −δ for every q.
    let drop = 0.1;
    let bernoulli_var = |a: f64, b: f64| {
        let mean = (a + b) / 2.0;
        let second = (a * a + a * b + b * b) / 3.0;
        mean - second
    };
    let sd = (bernoulli_var(0.2, 0.9) + bernoulli_var(0.2 - drop, 0.9 - drop)).sqrt();
    check_power(
        "binary",
        Model::Binary { drop },
        sd,
        drop,
        &[Test::Bootstrap, Test::Randomization, Test::Exact],
    );
}

/// Writes one side of a simulated evaluation: per example a text prediction and
/// reference (unused by the metrics below), numeric fields and a `category` tag.
fn write_jsonl(path: &Path, rows: &[Vec<(&str, f64)>]) {
    let mut text = String::new();
    for (i, fields) in rows.iter().enumerate() {
        let category = if i % 2 == 0 { "even" } else { "odd" };
        let _ = write!(
            text,
            r#"{{"id": "ex-{i:04}", "prediction": "answer {i}", "reference": "answer {i}", "category": "{category}""#
        );
        for (name, value) in fields {
            let _ = write!(text, r#", "{name}": {value}"#);
        }
        text.push_str("}\n");
    }
    std::fs::write(path, text).expect("write a result file");
}

/// Runs the gate on the two files; true when it fails.
fn gate_fails(
    dir: &Path,
    test: TestKind,
    seed: u64,
    metrics: &[&str],
    slice_by: &[&str],
    tests: usize,
) -> bool {
    let mut config = Config::builder(dir.join("baseline.jsonl"), vec![dir.join("current.jsonl")]);
    config.gate.metrics = metrics.iter().map(|m| (*m).to_string()).collect();
    config.stats.slice_by = slice_by.iter().map(|s| (*s).to_string()).collect();
    config.stats.resamples = 500;
    config.stats.seed = seed;
    config.stats.test = test;
    let config = config.build().expect("valid settings");
    let report = benchgate::compare(&config).expect("compare");
    assert_eq!(report.metrics.len(), metrics.len());
    assert!(report.metrics.iter().all(|m| m.n == N));
    assert_eq!(
        report.settings.tests, tests,
        "Bonferroni's family: every metric in every group"
    );
    report.verdict == GateVerdict::Fail
}

/// A/A through `benchgate::compare` with one continuous metric: the gate's
/// false-failure rate is the false-regression rate, and the gate must agree
/// with the primitives run on the same numbers with the same seed.
#[test]
fn aa_end_to_end_one_metric() {
    let start = Instant::now();
    let datasets = 200 * scale();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut fails = [0usize; 2];
    let mut disagreements = 0usize;
    for index in 0..datasets {
        let pairs = Model::Continuous.dataset(index + 500_000, N);
        let side = |pick: fn(&(f64, f64)) -> f64| {
            pairs
                .iter()
                .map(|p| vec![("score", pick(p))])
                .collect::<Vec<_>>()
        };
        write_jsonl(&dir.path().join("baseline.jsonl"), &side(|p| p.0));
        write_jsonl(&dir.path().join("current.jsonl"), &side(|p| p.1));
        let seed = index as u64;
        for (t, test) in [TestKind::Bootstrap, TestKind::Randomization]
            .into_iter()
            .enumerate()
        {
            let failed = gate_fails(dir.path(), test, seed, &["score"], &[], 1);
            fails[t] += usize::from(failed);
            let primitive = match test {
                TestKind::Bootstrap => one_sided(Test::Bootstrap, &pairs, 500, seed),
                TestKind::Randomization => one_sided(Test::Randomization, &pairs, 500, seed),
            };
            disagreements += usize::from(failed != primitive);
        }
    }
    let bound = ALPHA + 3.0 * se(ALPHA, datasets);
    for (t, name) in ["bootstrap", "randomization"].iter().enumerate() {
        let rate = fails[t] as f64 / datasets as f64;
        eprintln!("A/A end to end, one metric, {name}: {datasets} runs, gate failed {rate:.4} (bound {bound:.4})");
        assert!(
            rate <= bound,
            "end to end, {name}: the gate failed {rate} of A/A runs (bound {bound})"
        );
    }
    eprintln!(
        "A/A end to end, one metric: {disagreements} disagreements with the primitives [{:.1?}]",
        start.elapsed()
    );
    assert_eq!(
        disagreements, 0,
        "the gate and the primitives disagree on identical inputs"
    );
}

/// A/A through `benchgate::compare` with two metrics (continuous and binary)
/// over two slices: six rows under Bonferroni, so the gate fails (any
/// regression) at most alpha of the time.
#[test]
fn aa_end_to_end_family() {
    let start = Instant::now();
    let datasets = 200 * scale();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut fails = [0usize; 2];
    for index in 0..datasets {
        let scores = Model::Continuous.dataset(index + 600_000, N);
        let hits = Model::Binary { drop: 0.0 }.dataset(index + 600_000, N);
        let side = |pick: fn(&(f64, f64)) -> f64| {
            scores
                .iter()
                .zip(&hits)
                .map(|(s, h)| vec![("score", pick(s)), ("hit", pick(h))])
                .collect::<Vec<_>>()
        };
        write_jsonl(&dir.path().join("baseline.jsonl"), &side(|p| p.0));
        write_jsonl(&dir.path().join("current.jsonl"), &side(|p| p.1));
        for (t, test) in [TestKind::Bootstrap, TestKind::Randomization]
            .into_iter()
            .enumerate()
        {
            fails[t] += usize::from(gate_fails(
                dir.path(),
                test,
                index as u64,
                &["score", "hit"],
                &["category"],
                6,
            ));
        }
    }
    let bound = ALPHA + 3.0 * se(ALPHA, datasets);
    for (t, name) in ["bootstrap", "randomization"].iter().enumerate() {
        let rate = fails[t] as f64 / datasets as f64;
        eprintln!(
            "A/A end to end, 2 metrics × (overall + 2 slices), {name}: {datasets} runs, gate failed {rate:.4} (bound {bound:.4})"
        );
        assert!(
            rate <= bound,
            "end to end, {name}: the gate failed {rate} of A/A runs (bound {bound})"
        );
    }
    eprintln!("A/A end to end, family [{:.1?}]", start.elapsed());
}

// ---------------------------------------------------------------------------
// A/A through the whole gate at the sizes teams actually have.

/// How the per-sample scores of an A/A scenario are drawn: both sides from the
/// same per-example distribution, independently.
#[derive(Debug, Clone, Copy)]
enum Scores {
    /// 0/1 (exact-match-like): Bernoulli(q), q ~ U(0.2, 0.9) per example.
    Binary,
    /// Token-F1-like: clamp(q + 0.25·Normal, 0, 1), q ~ U(0.2, 0.9).
    Continuous,
}

/// One A/A scenario run through `benchgate::compare`.
#[derive(Debug, Clone, Copy)]
struct Scenario {
    name: &'static str,
    /// Examples (ids).
    n: usize,
    /// Samples (rows) per id on each side.
    samples: usize,
    /// Values of the `category` tag, round-robin; with more than one the gate
    /// runs with `--slice-by category`.
    slices: usize,
    /// Metrics: `hit` (binary) and/or `score` (continuous).
    metrics: &'static [Scores],
    /// Simulated runs.
    runs: usize,
}

/// What the gate said over many A/A runs.
#[derive(Debug, Default, Clone, Copy)]
struct GateRates {
    runs: usize,
    /// Runs where any row (metric or slice) was called regressed: the gate failed.
    regressed: usize,
    /// Runs where any row was called improved.
    improved: usize,
    /// Runs where any row was called regressed or improved.
    changed: usize,
}

impl GateRates {
    fn rate(&self, count: usize) -> f64 {
        count as f64 / self.runs as f64
    }
}

fn metric_name(s: Scores) -> &'static str {
    match s {
        Scores::Binary => "hit",
        Scores::Continuous => "score",
    }
}

/// Writes both sides of run `index` of `sc`: per id `samples` rows per side.
fn write_aa_run(dir: &Path, sc: &Scenario, index: usize) {
    let seed = 0xAA00_0000_0000
        ^ ((sc.n as u64) << 32)
        ^ ((sc.samples as u64) << 24)
        ^ ((sc.slices as u64) << 16)
        ^ index as u64;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let difficulty: Vec<Vec<f64>> = (0..sc.n)
        .map(|_| {
            sc.metrics
                .iter()
                .map(|_| 0.2 + 0.7 * uniform(&mut rng))
                .collect()
        })
        .collect();
    for side in ["baseline", "current"] {
        let mut text = String::new();
        for sample in 0..sc.samples {
            for (i, qs) in difficulty.iter().enumerate() {
                let _ = write!(
                    text,
                    r#"{{"id": "ex-{i:04}", "prediction": "p{sample}", "reference": "r", "category": "c{}""#,
                    i % sc.slices.max(1)
                );
                for (kind, &q) in sc.metrics.iter().zip(qs) {
                    let value = match kind {
                        Scores::Binary => bernoulli(&mut rng, q),
                        Scores::Continuous => (q + 0.25 * normal(&mut rng)).clamp(0.0, 1.0),
                    };
                    let _ = write!(text, r#", "{}": {value}"#, metric_name(*kind));
                }
                text.push_str("}\n");
            }
        }
        std::fs::write(dir.join(format!("{side}.jsonl")), text).expect("write a result file");
    }
}

/// Runs `sc` through the gate with its default test (exact sign test for the
/// 0/1 metric up to 200 examples, sign-flip randomization otherwise) and
/// `resamples` rounds.
fn aa_gate(sc: &Scenario, resamples: usize) -> GateRates {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rates = GateRates {
        runs: sc.runs * scale(),
        ..GateRates::default()
    };
    for index in 0..rates.runs {
        write_aa_run(dir.path(), sc, index);
        let mut config = Config::builder(
            dir.path().join("baseline.jsonl"),
            vec![dir.path().join("current.jsonl")],
        );
        config.gate.metrics = sc
            .metrics
            .iter()
            .map(|&m| metric_name(m).to_string())
            .collect();
        if sc.slices > 1 {
            config.stats.slice_by = vec!["category".into()];
        }
        config.stats.resamples = resamples;
        config.stats.seed = index as u64;
        let config = config.build().expect("valid settings");
        let report = benchgate::compare(&config).expect("compare");
        let verdicts: Vec<Verdict> = report
            .metrics
            .iter()
            .map(|m| m.verdict)
            .chain(report.slices.iter().map(|s| s.verdict))
            .collect();
        let regressed = verdicts.contains(&Verdict::Regressed);
        let improved = verdicts.contains(&Verdict::Improved);
        assert_eq!(regressed, report.verdict == GateVerdict::Fail);
        rates.regressed += usize::from(regressed);
        rates.improved += usize::from(improved);
        rates.changed += usize::from(regressed || improved);
    }
    rates
}

fn check_aa_gate(sc: &Scenario) {
    let start = Instant::now();
    let r = aa_gate(sc, 1_000);
    let bound = ALPHA + 3.0 * se(ALPHA, r.runs);
    eprintln!(
        "A/A gate {}: {} runs, n={}, {} sample(s) per id, {} slice(s): regressed {:.4}, improved {:.4}, any change {:.4} (bound {bound:.4}) [{:.1?}]",
        sc.name,
        r.runs,
        sc.n,
        sc.samples,
        sc.slices,
        r.rate(r.regressed),
        r.rate(r.improved),
        r.rate(r.changed),
        start.elapsed()
    );
    assert!(
        r.rate(r.regressed) <= bound,
        "{}, n={}: false-regression rate {} above alpha + 3se = {bound}",
        sc.name,
        sc.n,
        r.rate(r.regressed)
    );
    // Improvements are the mirror statement at the same levels: as rare.
    assert!(
        r.rate(r.improved) <= bound,
        "{}, n={}: false-improvement rate {} above alpha + 3se = {bound}",
        sc.name,
        sc.n,
        r.rate(r.improved)
    );
    // ... and a 5% gate is a 5% gate: one continuous metric at n = 200 uses
    // its alpha (not a conservative half of it).
    if sc.n >= 200 && sc.slices == 1 && matches!(sc.metrics, [Scores::Continuous]) {
        assert!(
            r.rate(r.regressed) >= 0.035,
            "{}, n={}: false-regression rate {} far below alpha: power is being wasted",
            sc.name,
            sc.n,
            r.rate(r.regressed)
        );
    }
}

const BINARY: &[Scores] = &[Scores::Binary];
const CONTINUOUS: &[Scores] = &[Scores::Continuous];
const BOTH: &[Scores] = &[Scores::Continuous, Scores::Binary];

#[test]
fn aa_gate_binary_small() {
    for n in [20, 30] {
        check_aa_gate(&Scenario {
            name: "binary",
            n,
            samples: 1,
            slices: 1,
            metrics: BINARY,
            runs: 2_000,
        });
    }
}

#[test]
fn aa_gate_binary_200() {
    check_aa_gate(&Scenario {
        name: "binary",
        n: 200,
        samples: 1,
        slices: 1,
        metrics: BINARY,
        runs: 1_000,
    });
}

#[test]
fn aa_gate_continuous_small() {
    for n in [20, 30] {
        check_aa_gate(&Scenario {
            name: "continuous",
            n,
            samples: 1,
            slices: 1,
            metrics: CONTINUOUS,
            runs: 2_000,
        });
    }
}

#[test]
fn aa_gate_continuous_200() {
    check_aa_gate(&Scenario {
        name: "continuous",
        n: 200,
        samples: 1,
        slices: 1,
        metrics: CONTINUOUS,
        runs: 1_000,
    });
}

#[test]
fn aa_gate_repeats() {
    for n in [20, 30] {
        check_aa_gate(&Scenario {
            name: "binary, 3 samples per id",
            n,
            samples: 3,
            slices: 1,
            metrics: BINARY,
            runs: 2_000,
        });
    }
}

#[test]
fn aa_gate_ten_slices() {
    check_aa_gate(&Scenario {
        name: "binary + continuous, 10 slices of 20",
        n: 200,
        samples: 1,
        slices: 10,
        metrics: BOTH,
        runs: 1_000,
    });
}

/// "About N examples would settle it", checked by simulation: a benchmark of
/// 300 examples whose drop (0.027) is near the tolerance 0.04 is
/// inconclusive; at the N it suggests, with the observed drop and spread as
/// the truth, about four runs in five are settled (80% power by
/// construction: the interval at N, with the row's own quantile, stops
/// crossing the nearest tolerance bound).
#[test]
fn examples_to_settle_settles_four_runs_in_five() {
    let start = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let (drop, sd, tolerance) = (0.027, 0.25, 0.04);
    // `exact`: shift the differences so that their mean is exactly −drop.
    let write = |index: usize, n: usize, drop: f64, sd: f64, exact: bool| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x5E77_1E00 ^ index as u64);
        let mut diffs: Vec<f64> = (0..n).map(|_| sd * normal(&mut rng)).collect();
        let centre = if exact {
            diffs.iter().sum::<f64>() / n as f64
        } else {
            0.0
        };
        diffs.iter_mut().for_each(|d| *d += -drop - centre);
        write_jsonl(
            &dir.path().join("baseline.jsonl"),
            &diffs
                .iter()
                .map(|_| vec![("score", 0.5)])
                .collect::<Vec<_>>(),
        );
        write_jsonl(
            &dir.path().join("current.jsonl"),
            &diffs
                .iter()
                .map(|d| vec![("score", 0.5 + d)])
                .collect::<Vec<_>>(),
        );
        diffs
    };
    let compare = |seed: u64| {
        let mut config = Config::builder(
            dir.path().join("baseline.jsonl"),
            vec![dir.path().join("current.jsonl")],
        );
        config.gate.metrics = vec!["score".into()];
        config.gate.by_metric.insert(
            "score".into(),
            MetricGate {
                tolerance,
                ..MetricGate::default()
            },
        );
        config.stats.resamples = 1_000;
        config.stats.seed = seed;
        let config = config.build().expect("valid settings");
        benchgate::compare(&config).expect("compare")
    };
    let diffs = write(0, 300, drop, sd, true);
    let first = compare(1);
    let row = &first.metrics[0];
    assert_eq!(row.verdict, Verdict::Inconclusive, "{row:?}");
    let suggested = row.examples_to_settle.expect("a suggestion");
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    let spread =
        (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (diffs.len() - 1) as f64).sqrt();
    let runs = 300 * scale();
    let settled = (0..runs)
        .filter(|&i| {
            write(i + 1, suggested, -mean, spread, false);
            compare(i as u64).metrics[0].verdict != Verdict::Inconclusive
        })
        .count();
    let rate = settled as f64 / runs as f64;
    // Simulation error, plus an allowance for σ read back from a resampled
    // interval and for the far tolerance bound.
    let allowance = 3.0 * se(0.8, runs) + 0.03;
    eprintln!(
        "settle: 300 examples, delta {mean:.4}, sd {spread:.4}, tolerance {tolerance}: suggested {suggested}; \
         settled at {suggested} in {rate:.3} of {runs} runs (target 0.8 ± {allowance:.3}) [{:.1?}]",
        start.elapsed()
    );
    assert!(
        (rate - 0.8).abs() <= allowance,
        "at the suggested {suggested} examples {rate} of runs settle, not 0.8 ± {allowance}"
    );
}

/// One simulated review design: the compared examples per stratum
/// (regressed, improved, unchanged; identical outputs, known at ½, are 20 more)
/// and the sheet's rows per stratum (the default 40/40/20 shares of 60 rows).
const REVIEW_POPULATION: [f64; 3] = [177.0, 103.0, 100.0];
const REVIEW_IDENTICAL: f64 = 20.0;
const REVIEW_ROWS: [usize; 3] = [24, 24, 12];

/// Simulated reviews of a stratified sheet: each stratum's reviewer prefers
/// the current output with its own probability (`rates`), calls a tie with
/// probability `ties`. Returns (coverage of the true weighted rate, share of
/// reviews whose test rejects ½ at 5%, share with a unanimous stratum).
fn review_rates(rates: [f64; 3], ties: f64, reviews: usize, seed: u64) -> (f64, f64, f64, f64) {
    use benchgate::stats::proportion::{stratified_rate, Sampled};
    let total: f64 = REVIEW_POPULATION.iter().sum::<f64>() + REVIEW_IDENTICAL;
    let means: Vec<f64> = rates
        .iter()
        .map(|p| ties * 0.5 + (1.0 - ties) * p)
        .collect();
    let truth = (REVIEW_POPULATION
        .iter()
        .zip(&means)
        .map(|(w, m)| w * m)
        .sum::<f64>()
        + REVIEW_IDENTICAL * 0.5)
        / total;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut covered, mut rejected, mut unanimous) = (0usize, 0usize, 0usize);
    for _ in 0..reviews {
        let outcomes: Vec<Vec<f64>> = REVIEW_ROWS
            .iter()
            .zip(&rates)
            .map(|(&n, &p)| {
                (0..n)
                    .map(|_| {
                        if uniform(&mut rng) < ties {
                            0.5
                        } else {
                            bernoulli(&mut rng, p)
                        }
                    })
                    .collect()
            })
            .collect();
        unanimous += usize::from(outcomes.iter().any(|o| o.iter().all(|&x| x == o[0])));
        let sampled: Vec<Sampled<'_>> = outcomes
            .iter()
            .zip(REVIEW_POPULATION)
            .map(|(o, weight)| Sampled {
                weight,
                outcomes: o,
            })
            .collect();
        let r = stratified_rate(&sampled, &[(REVIEW_IDENTICAL, 0.5)], 0.95);
        assert!(r.ci_high > r.ci_low, "a zero-width interval: {r:?}");
        covered += usize::from(r.ci_low <= truth && truth <= r.ci_high);
        rejected += usize::from(r.p_half < ALPHA);
    }
    let n = reviews as f64;
    (
        truth,
        covered as f64 / n,
        rejected as f64 / n,
        unanimous as f64 / n,
    )
}

/// The human win rate of a stratified review sheet (issue 17): over 1,000
/// simulated reviews for true weighted win rates 0.3, 0.5 and 0.7 — with
/// strata that are often unanimous (a stratum's reviewer preferring one side
/// 95% of the time is unanimous on 24 rows 29% of the time) — Wilson's
/// interval at the effective size covers the truth at least 94% of the time
/// at 95%, and the test of ½ rejects a true ½ at most alpha plus three
/// simulation standard errors of the time.
#[test]
fn human_win_rate_interval_covers_and_its_test_holds_alpha() {
    let start = Instant::now();
    let reviews = 1_000 * scale();
    // (regressed, improved, unchanged) preference rates and tie rate, chosen
    // so the weighted rate (identical outputs at ½) is the target.
    let solve = |target: f64, r: f64, i: f64, ties: f64| {
        let total: f64 = REVIEW_POPULATION.iter().sum::<f64>() + REVIEW_IDENTICAL;
        let [nr, ni, nu] = REVIEW_POPULATION;
        let mean_u = (target * total
            - REVIEW_IDENTICAL * 0.5
            - nr * (ties * 0.5 + (1.0 - ties) * r)
            - ni * (ties * 0.5 + (1.0 - ties) * i))
            / nu;
        let u = (mean_u - ties * 0.5) / (1.0 - ties);
        assert!((0.0..=1.0).contains(&u), "no design for {target}: {u}");
        [r, i, u]
    };
    let designs = [
        (0.3, solve(0.3, 0.02, 0.95, 0.0), 0.0),
        (0.3, solve(0.3, 0.1, 0.6, 0.2), 0.2),
        (0.5, solve(0.5, 0.05, 0.95, 0.0), 0.0),
        (0.5, [0.5, 0.5, 0.5], 0.0),
        (0.5, solve(0.5, 0.2, 0.9, 0.25), 0.25),
        (0.7, solve(0.7, 0.4, 0.99, 0.0), 0.0),
        (0.7, solve(0.7, 0.6, 0.98, 0.1), 0.1),
    ];
    let mut report = String::new();
    for (k, &(target, rates, ties)) in designs.iter().enumerate() {
        let (truth, coverage, rejection, unanimous) =
            review_rates(rates, ties, reviews, 0x4E71_E700 + k as u64);
        assert!((truth - target).abs() < 1e-9, "{truth} {target}");
        let _ = writeln!(
            report,
            "  win rate {target} (strata {rates:.3?}, ties {ties}): coverage {coverage:.3}, \
             rejects 1/2 in {rejection:.3}, a unanimous stratum in {unanimous:.2} of reviews"
        );
        assert!(
            coverage >= 0.94,
            "coverage {coverage} < 0.94 at win rate {target}, strata {rates:?}"
        );
        if target == 0.5 {
            let bound = ALPHA + 3.0 * se(ALPHA, reviews);
            assert!(
                rejection <= bound,
                "false-alarm rate {rejection} > {bound} at strata {rates:?}"
            );
        }
    }
    eprintln!(
        "human win rate, {reviews} simulated reviews each ({:?}):\n{report}",
        start.elapsed()
    );
}

/// The minimum detectable drop (issue 17), checked by simulation: a run of
/// 200 examples with no true change reports its `mde`; simulated runs with a
/// true drop of exactly that size (the same noise model) are called
/// regressed by the gate in about four runs in five (80% power by
/// construction). Two models: continuous differences (sign-flip
/// randomization) and a 0/1 metric (the exact sign test).
#[test]
fn minimum_detectable_drop_is_caught_four_runs_in_five() {
    let start = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = 300 * scale();
    let mut report = String::new();
    for (name, model) in [("continuous", 0u8), ("binary", 1u8)] {
        // One simulated evaluation with a true drop `drop`.
        let write = |index: usize, drop: f64| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(
                0x3DE0_0000 ^ ((model as u64) << 32) ^ index as u64,
            );
            let rows: Vec<(f64, f64)> = (0..N)
                .map(|_| match model {
                    0 => {
                        let q = 0.3 + 0.4 * uniform(&mut rng);
                        (
                            q + 0.2 * normal(&mut rng),
                            q - drop + 0.2 * normal(&mut rng),
                        )
                    }
                    _ => {
                        let q = 0.3 + 0.6 * uniform(&mut rng);
                        (bernoulli(&mut rng, q), bernoulli(&mut rng, q - drop))
                    }
                })
                .collect();
            write_jsonl(
                &dir.path().join("baseline.jsonl"),
                &rows
                    .iter()
                    .map(|r| vec![("score", r.0)])
                    .collect::<Vec<_>>(),
            );
            write_jsonl(
                &dir.path().join("current.jsonl"),
                &rows
                    .iter()
                    .map(|r| vec![("score", r.1)])
                    .collect::<Vec<_>>(),
            );
        };
        let compare = |seed: u64| {
            let mut config = Config::builder(
                dir.path().join("baseline.jsonl"),
                vec![dir.path().join("current.jsonl")],
            );
            config.gate.metrics = vec!["score".into()];
            config.stats.resamples = 1_000;
            config.stats.seed = seed;
            let config = config.build().expect("valid settings");
            benchgate::compare(&config).expect("compare")
        };
        // The MDE a team would read off an unchanged run, averaged over a few
        // A/A runs so the check is of the method, not of one run's noise.
        let aa: Vec<f64> = (0..10)
            .map(|i| {
                write(1_000_000 + i, 0.0);
                compare(i as u64).metrics[0].mde.expect("an mde")
            })
            .collect();
        let mde = aa.iter().sum::<f64>() / aa.len() as f64;
        let caught = (0..runs)
            .filter(|&i| {
                write(i, mde);
                compare(i as u64).metrics[0].verdict == Verdict::Regressed
            })
            .count();
        let rate = caught as f64 / runs as f64;
        let allowance = 3.0 * se(0.8, runs) + 0.04;
        let _ = writeln!(
            report,
            "  {name}: n={N}, mde {mde:.4} (A/A runs {:.4}–{:.4}); at a true drop of {mde:.4} \
             the gate called {rate:.3} of {runs} runs regressed (target 0.8 ± {allowance:.3})",
            aa.iter().copied().fold(f64::INFINITY, f64::min),
            aa.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        assert!(
            (rate - 0.8).abs() <= allowance,
            "{name}: at the stated mde {mde} the gate caught {rate} of runs, not 0.8 ± {allowance}"
        );
    }
    eprintln!(
        "minimum detectable drop [{:.1?}]:\n{report}",
        start.elapsed()
    );
}

// ---------------------------------------------------------------------------
// The gate's power on paired 0/1 data (issue 29): the current run is the
// baseline with churn (some examples lost, as many gained) plus a true drop
// of δ·n more losses — discordance grows with the drop, as in real runs.

/// One paired 0/1 run: baseline Bernoulli(0.7); about `churn` of the examples
/// lost and as many gained; about `drop·n` more lost. Returns (baseline, current).
fn paired_flips(seed: u64, n: usize, churn: f64, drop: f64) -> Vec<(f64, f64)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let b = bernoulli(&mut rng, 0.7);
            let u = uniform(&mut rng);
            // Each example lost with probability (churn + drop)/0.7 if it
            // passed, gained with probability churn/0.3 if it failed: churn·n
            // gains and (churn + drop)·n losses expected.
            let c = if b == 1.0 {
                f64::from(u >= (churn + drop) / 0.7)
            } else {
                f64::from(u < churn / 0.3)
            };
            (b, c)
        })
        .collect()
}

/// Writes `metrics` 0/1 metrics (independent paired-flip runs of the same
/// drop) with 10 round-robin categories, runs the gate, and says whether it
/// failed; also whether one exact one-sided McNemar test (conventional and
/// mid-p) on the first metric rejects at alpha.
fn flip_gate(
    dir: &Path,
    seed: u64,
    n: usize,
    churn: f64,
    drop: f64,
    metrics: usize,
    slices: bool,
) -> [bool; 3] {
    let runs: Vec<Vec<(f64, f64)>> = (0..metrics)
        .map(|m| paired_flips(seed ^ ((m as u64) << 48), n, churn, drop))
        .collect();
    let names = ["m0", "m1", "m2"];
    for (side, pick) in [("baseline", 0), ("current", 1)] {
        let mut text = String::new();
        for i in 0..n {
            let _ = write!(
                text,
                r#"{{"id": "ex-{i:04}", "prediction": "p", "reference": "r", "category": "c{}""#,
                i % 10
            );
            for (m, run) in runs.iter().enumerate() {
                let v = if pick == 0 { run[i].0 } else { run[i].1 };
                let _ = write!(text, r#", "{}": {v}"#, names[m]);
            }
            text.push_str("}\n");
        }
        std::fs::write(dir.join(format!("{side}.jsonl")), text).expect("write");
    }
    let mut config = Config::builder(dir.join("baseline.jsonl"), vec![dir.join("current.jsonl")]);
    config.gate.metrics = names[..metrics].iter().map(|s| (*s).to_string()).collect();
    if slices {
        config.stats.slice_by = vec!["category".into()];
    }
    config.stats.resamples = 100;
    config.stats.seed = seed;
    let config = config.build().expect("valid settings");
    let report = benchgate::compare(&config).expect("compare");
    let (g, l) = runs[0].iter().fold((0usize, 0usize), |(g, l), (b, c)| {
        (g + usize::from(c > b), l + usize::from(c < b))
    });
    let d = (g + l) as u32;
    let choose = |k: u32| (0..k).fold(1.0f64, |c, j| c * f64::from(d - j) / f64::from(j + 1));
    let at = |k: u32| choose(k) * 0.5f64.powi(d as i32);
    let above: f64 = (l as u32 + 1..=d).map(at).sum();
    let conventional = above + at(l as u32) <= ALPHA;
    let mid = above + 0.5 * at(l as u32) <= ALPHA;
    [report.verdict == GateVerdict::Fail, conventional, mid]
}

/// The gate's power on paired flips (churn 7.5% each way) at n = 200, 500
/// and 1,000 and true drops of 3, 5 and 10 points, with one metric and no
/// slices and with 10 slices, beside one exact one-sided McNemar test on the
/// same data: the gate never falls more than 8 points behind it. And the A/A
/// gate (no drop) with 1, 2 and 3 metrics, 0 or 10 slices, churn 5% and 30%,
/// fails at most alpha of the time.
#[test]
fn gate_power_with_slices_matches_one_mcnemar_test() {
    let start = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = 300 * scale();
    let mut lines = String::new();
    let _ = writeln!(lines, "  n     drop  slices  gate   exact McNemar  mid-p");
    for n in [200usize, 500, 1_000] {
        for drop in [0.03, 0.05, 0.10] {
            for slices in [false, true] {
                let mut caught = [0usize; 3];
                for i in 0..runs {
                    let seed =
                        0xB0_0000 ^ ((n as u64) << 32) ^ (((drop * 100.0) as u64) << 24) ^ i as u64;
                    let r = flip_gate(dir.path(), seed, n, 0.075, drop, 1, slices);
                    for k in 0..3 {
                        caught[k] += usize::from(r[k]);
                    }
                }
                let [gate, exact, mid] = caught.map(|c| c as f64 / runs as f64);
                let _ = writeln!(
                    lines,
                    "  {n:<5} {drop:<5} {:<7} {gate:.3}  {exact:.3}          {mid:.3}",
                    if slices { 10 } else { 0 }
                );
                assert!(
                    gate >= exact - 0.08,
                    "n={n}, drop {drop}, slices {slices}: the gate caught {gate}, one McNemar test {exact}"
                );
            }
        }
    }
    let bound = ALPHA + 3.0 * se(ALPHA, runs);
    for churn in [0.05, 0.30] {
        for metrics in [1, 2, 3] {
            for slices in [false, true] {
                let mut fails = 0;
                for i in 0..runs {
                    let seed = 0xAA_0000
                        ^ (((churn * 100.0) as u64) << 32)
                        ^ ((metrics as u64) << 24)
                        ^ i as u64;
                    fails += usize::from(
                        flip_gate(dir.path(), seed, 200, churn, 0.0, metrics, slices)[0],
                    );
                }
                let rate = fails as f64 / runs as f64;
                let _ = writeln!(
                    lines,
                    "  A/A n=200, churn {churn}, {metrics} metric(s), {} slices: gate failed {rate:.3} (bound {bound:.3})",
                    if slices { 10 } else { 0 }
                );
                assert!(
                    rate <= bound,
                    "A/A churn {churn}, {metrics} metrics, slices {slices}: {rate} > {bound}"
                );
            }
        }
    }
    eprintln!(
        "gate power on paired flips [{:.1?}]:\n{lines}",
        start.elapsed()
    );
}

/// The MDE a paired 0/1 run reports is caught about four runs in five when
/// the true drop is that large (n = 200 and 500, churn 7.5%), and the same
/// data gives the same p-value for every seed.
#[test]
fn mcnemar_mde_holds_and_p_ignores_the_seed() {
    let start = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = 1_000 * scale();
    let mut lines = String::new();
    let report = |seed: u64| {
        let mut config = Config::builder(
            dir.path().join("baseline.jsonl"),
            vec![dir.path().join("current.jsonl")],
        );
        config.gate.metrics = vec!["m0".into()];
        config.stats.resamples = 100;
        config.stats.seed = seed;
        let config = config.build().expect("valid settings");
        benchgate::compare(&config).expect("compare")
    };
    for n in [200usize, 500] {
        let aa: Vec<f64> = (0..10)
            .map(|i| {
                flip_gate(dir.path(), 0xDE_0000 + i, n, 0.075, 0.0, 1, false);
                report(1).metrics[0].mde.expect("an mde")
            })
            .collect();
        let mde = aa.iter().sum::<f64>() / aa.len() as f64;
        let caught = (0..runs)
            .filter(|&i| flip_gate(dir.path(), 0xDF_0000 + i as u64, n, 0.075, mde, 1, false)[0])
            .count();
        let rate = caught as f64 / runs as f64;
        let allowance = 0.04 + 3.0 * se(0.8, runs);
        let _ = writeln!(
            lines,
            "  n={n}: mde {mde:.4}; caught {rate:.3} of {runs} (target 0.8 ± {allowance:.3})"
        );
        assert!(
            (rate - 0.8).abs() <= allowance,
            "n={n}: the mde {mde} was caught {rate}"
        );
    }
    flip_gate(dir.path(), 7, 500, 0.075, 0.03, 1, false);
    let (a, b) = (report(1), report(2));
    assert_eq!(a.metrics[0].p_value, b.metrics[0].p_value);
    assert_eq!(a.metrics[0].ci_high, b.metrics[0].ci_high);
    eprintln!("McNemar mde [{:.1?}]:\n{lines}", start.elapsed());
}

/// A clustered benchmark: `docs` documents of `questions` questions each;
/// `share` of the documents move by ±`shift` (half up, half down: no net
/// change) between the runs, and every document loses `drop`.
#[derive(Clone, Copy)]
struct ClusterCase {
    docs: usize,
    questions: usize,
    share: f64,
    shift: f64,
    drop: f64,
    /// 0/1 scores (else continuous in [0, 1]).
    binary: bool,
    /// Samples per id in each run.
    samples: usize,
    /// Four slices (by document).
    slices: bool,
    /// `--cluster-by doc_id`.
    cluster: bool,
}

/// Writes one clustered pair of runs, runs the gate, and says whether it
/// failed; also whether an exact one-sided sign test over the documents'
/// mean differences (a cluster-level exact test) rejects at alpha.
fn clustered_gate(dir: &Path, seed: u64, case: ClusterCase) -> [bool; 2] {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut base, mut cur) = (String::new(), String::new());
    let mut doc_diffs = Vec::with_capacity(case.docs);
    for d in 0..case.docs {
        let p = 0.35 + 0.3 * uniform(&mut rng);
        let moves = uniform(&mut rng) < case.share;
        let up = uniform(&mut rng) < 0.5;
        let shift = if !moves {
            0.0
        } else if up {
            case.shift
        } else {
            -case.shift
        };
        let q = (p + shift - case.drop).clamp(0.0, 1.0);
        let mut diff = 0.0;
        for k in 0..case.questions {
            // The question's own difficulty, shared by both runs.
            let own = 0.1 * normal(&mut rng);
            for _ in 0..case.samples {
                let (b, c) = if case.binary {
                    (bernoulli(&mut rng, p), bernoulli(&mut rng, q))
                } else {
                    let noisy = |rng: &mut Xoshiro256PlusPlus, m: f64| {
                        (m + own + 0.15 * normal(rng)).clamp(0.0, 1.0)
                    };
                    (noisy(&mut rng, p), noisy(&mut rng, q))
                };
                diff += c - b;
                for (text, v) in [(&mut base, b), (&mut cur, c)] {
                    let _ = writeln!(
                        text,
                        r#"{{"id": "d{d}-q{k}", "doc_id": "doc{d}", "category": "c{}", "prediction": "p", "reference": "r", "m0": {v}}}"#,
                        d % 4
                    );
                }
            }
        }
        doc_diffs.push(diff);
    }
    std::fs::write(dir.join("baseline.jsonl"), base).expect("write");
    std::fs::write(dir.join("current.jsonl"), cur).expect("write");
    let mut config = Config::builder(dir.join("baseline.jsonl"), vec![dir.join("current.jsonl")]);
    config.gate.metrics = vec!["m0".into()];
    if case.slices {
        config.stats.slice_by = vec!["category".into()];
    }
    if case.cluster {
        config.stats.cluster_by = Some("doc_id".into());
    }
    config.stats.resamples = 1_000;
    config.stats.seed = seed;
    let config = config.build().expect("valid settings");
    let report = benchgate::compare(&config).expect("compare");
    // The exact sign test over documents: losses among documents that moved.
    let losses = doc_diffs.iter().filter(|&&x| x < 0.0).count() as u32;
    let moved = doc_diffs.iter().filter(|&&x| x != 0.0).count() as u32;
    let choose = |k: u32| (0..k).fold(1.0f64, |c, j| c * f64::from(moved - j) / f64::from(j + 1));
    let p: f64 = (losses..=moved)
        .map(|k| choose(k) * 0.5f64.powi(moved as i32))
        .sum();
    [report.verdict == GateVerdict::Fail, p <= ALPHA]
}

/// Clustered benchmarks (50 documents × 10 questions, documents moving
/// ±0.2 or ±0.3 with no net change): without `--cluster-by` the gate fails
/// far more often than alpha; with it, at most alpha (plus three simulation
/// standard errors) for 0/1 and continuous scores, with repeats and with
/// slices. And with a true drop the clustered gate catches it about as often
/// as an exact sign test over the documents, or more.
#[test]
fn clustered_examples_keep_alpha_with_cluster_by() {
    let start = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = 600 * scale();
    let bound = ALPHA + 3.0 * se(ALPHA, runs);
    let mut lines = String::new();
    let base = ClusterCase {
        docs: 50,
        questions: 10,
        share: 0.4,
        shift: 0.2,
        drop: 0.0,
        binary: true,
        samples: 1,
        slices: false,
        cluster: true,
    };
    let rate = |case: ClusterCase, salt: u64| {
        let mut hits = [0usize; 2];
        for i in 0..runs {
            let r = clustered_gate(dir.path(), 0xC1_0000 ^ (salt << 24) ^ i as u64, case);
            for k in 0..2 {
                hits[k] += usize::from(r[k]);
            }
        }
        hits.map(|h| h as f64 / runs as f64)
    };
    for (salt, (share, shift)) in [(0.4, 0.2), (0.6, 0.3)].into_iter().enumerate() {
        let case = ClusterCase {
            share,
            shift,
            ..base
        };
        let [without, _] = rate(
            ClusterCase {
                cluster: false,
                ..case
            },
            salt as u64,
        );
        let _ = writeln!(
            lines,
            "  A/A {:.0}% of documents ±{shift}, 0/1, no --cluster-by: gate failed {without:.3}",
            share * 100.0
        );
        // The larger shifts inflate the independent-example tests well
        // beyond alpha (the book's table shows both).
        if shift > 0.25 {
            assert!(
                without > bound,
                "the unclustered gate should be inflated here: {without}"
            );
        }
        for (k, (binary, samples, slices)) in [
            (true, 1, false),
            (false, 1, false),
            (true, 2, false),
            (true, 1, true),
            (false, 2, true),
        ]
        .into_iter()
        .enumerate()
        {
            let c = ClusterCase {
                binary,
                samples,
                slices,
                ..case
            };
            let [fails, _] = rate(c, 0x10 + (salt as u64) * 8 + k as u64);
            let _ = writeln!(
                lines,
                "  A/A {:.0}% ±{shift}, {}, {samples} sample(s), {} slices, --cluster-by: gate failed {fails:.3} (bound {bound:.3})",
                share * 100.0,
                if binary { "0/1" } else { "continuous" },
                if slices { 4 } else { 0 }
            );
            assert!(fails <= bound, "{share} ±{shift}, binary {binary}, samples {samples}, slices {slices}: {fails} > {bound}");
        }
    }
    for (k, drop) in [0.05, 0.10].into_iter().enumerate() {
        for binary in [true, false] {
            let c = ClusterCase {
                drop,
                binary,
                ..base
            };
            let [gate, sign] = rate(c, 0x40 + k as u64 * 2 + u64::from(binary));
            let _ = writeln!(
                lines,
                "  drop {drop}, 40% ±0.2, {}: --cluster-by gate caught {gate:.3}, exact sign test over documents {sign:.3}",
                if binary { "0/1" } else { "continuous" }
            );
            assert!(
                gate >= sign - 0.05,
                "drop {drop}, binary {binary}: gate {gate} < sign test {sign}"
            );
        }
    }
    eprintln!("clustered examples [{:.1?}]:\n{lines}", start.elapsed());
}

/// One simulated benchmark for `plan`: `docs` documents of `questions`
/// questions, each question with its own pass rate; the second run keeps
/// an outcome with probability `sticky` and draws it afresh otherwise,
/// and `share` of the documents move by ±`shift` in it (no net change).
/// With `drop`, δ·N examples that passed both runs flip to fail in the
/// second (the drop `plan` models). Continuous scores (`binary` false)
/// move by the drop instead. Returns (baseline, current) files' text.
#[allow(clippy::too_many_arguments)]
fn plan_runs(
    rng: &mut Xoshiro256PlusPlus,
    docs: usize,
    questions: usize,
    binary: bool,
    sticky: f64,
    (share, shift): (f64, f64),
    drop: f64,
) -> (String, String) {
    let mut rows = Vec::with_capacity(docs * questions);
    for d in 0..docs {
        // Pass rates stay in [0.25, 0.75], so a shift of up to ±0.25
        // moves them symmetrically (no net change from clamping).
        let level = 0.35 + 0.3 * uniform(rng);
        let moved = if uniform(rng) < share {
            if uniform(rng) < 0.5 {
                shift
            } else {
                -shift
            }
        } else {
            0.0
        };
        for k in 0..questions {
            let p = (level + 0.1 * normal(rng)).clamp(0.25, 0.75);
            let (b, c) = if binary {
                let b = bernoulli(rng, p);
                let c = if uniform(rng) < sticky {
                    b
                } else {
                    bernoulli(rng, (p + moved).clamp(0.0, 1.0))
                };
                (b, c)
            } else {
                let b = p + 0.1 * normal(rng);
                (b, b + moved + 0.1 * normal(rng))
            };
            rows.push((d, k, b, c));
        }
    }
    let n = rows.len() as f64;
    if binary && drop > 0.0 {
        let both = rows.iter().filter(|r| r.2 == 1.0 && r.3 == 1.0).count() as f64;
        let rate = (drop * n / both).min(1.0);
        for r in &mut rows {
            if r.2 == 1.0 && r.3 == 1.0 && uniform(rng) < rate {
                r.3 = 0.0;
            }
        }
    } else if drop > 0.0 {
        rows.iter_mut().for_each(|r| r.3 -= drop);
    }
    let (mut base, mut cur) = (String::new(), String::new());
    for (d, k, b, c) in rows {
        for (text, v) in [(&mut base, b), (&mut cur, c)] {
            let _ = writeln!(
                text,
                r#"{{"id": "d{d}-q{k}", "doc_id": "doc{d}", "prediction": "p", "reference": "r", "m0": {v}}}"#
            );
        }
    }
    (base, cur)
}

/// `benchgate plan`'s promise, simulated: from one big run and a second run
/// of the same system it proposes a size for a drop; benchmarks of that
/// size with that drop fail the gate 80% ± 5% of the time — 0/1 scores
/// without clusters (McNemar) and with documents (cluster randomization),
/// and continuous scores.
#[test]
fn plan_sizes_catch_the_drop_four_times_in_five() {
    let start = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = 1_000 * scale();
    let mut lines = String::new();
    let mut powers = Vec::new();
    // (binary, questions per document, kept outcomes, churn shift, drop, clustered)
    let cases = [
        (true, 1, 0.8, (0.0, 0.0), 0.05, false),
        (true, 10, 0.5, (0.6, 0.25), 0.05, true),
        (false, 1, 0.8, (0.0, 0.0), 0.02, false),
        (false, 10, 0.8, (0.4, 0.1), 0.03, true),
    ];
    for (c, &(binary, questions, sticky, churn, drop, clustered)) in cases.iter().enumerate() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x91A0 + c as u64);
        // A big planning run keeps the estimates' own error small.
        let (base, cur) = plan_runs(
            &mut rng,
            20_000 / questions,
            questions,
            binary,
            sticky,
            churn,
            0.0,
        );
        std::fs::write(dir.path().join("baseline.jsonl"), base).expect("write");
        std::fs::write(dir.path().join("current.jsonl"), cur).expect("write");
        let mut config = Config::builder(
            dir.path().join("baseline.jsonl"),
            vec![dir.path().join("current.jsonl")],
        );
        config.gate.metrics = vec!["m0".into()];
        config.stats.cluster_by = clustered.then(|| "doc_id".to_string());
        let request = benchgate::PlanRequest {
            metric: "m0".into(),
            size: benchgate::PlanSize::Drop(drop),
            power: 0.8,
            tolerance: 0.0,
            second_run: true,
        };
        let config = config.build().expect("valid settings");
        let plan = benchgate::plan(&config, &request).expect("plan");
        let examples = plan.examples.expect("a size");
        let docs = plan.clusters.unwrap_or(examples);
        let mut caught = 0;
        for i in 0..runs {
            let (base, cur) = plan_runs(&mut rng, docs, questions, binary, sticky, churn, drop);
            std::fs::write(dir.path().join("b.jsonl"), base).expect("write");
            std::fs::write(dir.path().join("c.jsonl"), cur).expect("write");
            let mut gate =
                Config::builder(dir.path().join("b.jsonl"), vec![dir.path().join("c.jsonl")]);
            gate.gate.metrics = vec!["m0".into()];
            gate.stats.cluster_by = config.stats().cluster_by.clone();
            gate.stats.resamples = 1_000;
            gate.stats.seed = i as u64;
            let gate = gate.build().expect("valid settings");
            let report = benchgate::compare(&gate).expect("compare");
            caught += usize::from(report.verdict == GateVerdict::Fail);
        }
        let power = caught as f64 / runs as f64;
        let _ = writeln!(
            lines,
            "  {}, {}: drop {drop} → plan {examples} examples{} (churn {:.3}, design effect {:.2}); caught {power:.3}",
            if binary { "0/1" } else { "continuous" },
            if clustered { "10 per document, --cluster-by" } else { "independent" },
            plan.clusters.map(|k| format!(" = {k} documents")).unwrap_or_default(),
            plan.churn,
            plan.design_effect
        );
        powers.push(power);
    }
    eprintln!("plan [{:.1?}]:\n{lines}", start.elapsed());
    for (c, power) in powers.into_iter().enumerate() {
        assert!((power - 0.8).abs() <= 0.05, "case {c}: caught {power}");
    }
}
