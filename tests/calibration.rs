//! Calibration of the gate's statistics: not the shape of their output but how
//! often they are right.
//!
//! - A/A false-regression rates of the paired bootstrap and of paired
//!   approximate randomization, on simulated evaluations with no true
//!   difference (a binary exact-match-like metric and a continuous
//!   token-F1-like one, each example with its own latent difficulty): the
//!   one-sided false-regression rate must not exceed alpha and the two-sided
//!   rejection rate must be alpha, both up to three simulation standard errors.
//! - Power against a known drop, compared with the normal-theory power
//!   Φ(δ·√n/σ_d − z₁₋α) of the one-sided test.
//! - The whole pipeline (`evalgate::compare`: load, score, resample, Holm,
//!   decision) on A/A result files: the gate must fail at most alpha of the time.
//!
//! Every simulation is seeded, so the figures are the same on every run. Set
//! `EVALGATE_CALIBRATION_SCALE=k` to simulate k times as many datasets (the
//! bounds tighten with the simulation error), and run with `--nocapture` to see
//! the figures.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use evalgate::config::{Config, TestKind};
use evalgate::report::GateVerdict;
use evalgate::stats::{
    bootstrap, normal_cdf, normal_quantile, p_values, randomization, Design, Layout, NullKind,
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
    std::env::var("EVALGATE_CALIBRATION_SCALE")
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
}

/// What one test said about one dataset.
struct Outcome {
    delta: f64,
    p_two: f64,
    p_less: f64,
    p_greater: f64,
}

/// Runs the paired test on current − baseline, as the gate does for a mean metric.
fn run(test: Test, pairs: &[(f64, f64)], resamples: usize, seed: u64) -> Outcome {
    let diffs: Vec<f64> = pairs.iter().map(|(b, c)| c - b).collect();
    let n = diffs.len();
    let delta = diffs.iter().sum::<f64>() / n as f64;
    let design = Design::new(n, 1, diffs);
    let layout = Layout::Delta { col: 0 };
    let mean = |sums: &[f64], n: f64| sums[0] / n;
    let (p_two, p_less, p_greater) = match test {
        Test::Bootstrap => {
            let r = bootstrap(&design, resamples, seed);
            p_values(
                delta,
                &r.deltas(layout, 0, &mean),
                NullKind::ShiftedBootstrap,
            )
        }
        Test::Randomization => {
            let r = randomization(&design, &[layout], resamples, seed);
            p_values(delta, &r.deltas(layout, 0, &mean), NullKind::Randomization)
        }
    };
    Outcome {
        delta,
        p_two,
        p_less,
        p_greater,
    }
}

/// Rejection counts over many simulated datasets.
#[derive(Debug, Default)]
struct Rates {
    datasets: usize,
    /// delta < 0 and p_less ≤ alpha: what the gate calls a regression.
    regressions: usize,
    /// delta > 0 and p_greater ≤ alpha.
    improvements: usize,
    /// p_two ≤ alpha.
    two_sided: usize,
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
        if o.delta < 0.0 && o.p_less <= ALPHA {
            rates.regressions += 1;
        }
        if o.delta > 0.0 && o.p_greater <= ALPHA {
            rates.improvements += 1;
        }
        if o.p_two <= ALPHA {
            rates.two_sided += 1;
        }
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
    let bound = 3.0 * se(ALPHA, datasets);
    let (regress, improve, two) = (
        r.rate(r.regressions),
        r.rate(r.improvements),
        r.rate(r.two_sided),
    );
    eprintln!(
        "A/A {name}: {datasets} datasets, n={N}, B={RESAMPLES}: false regressions {regress:.4}, \
         false improvements {improve:.4}, two-sided {two:.4} (alpha {ALPHA}, 3se {bound:.4}) [{:.1?}]",
        start.elapsed()
    );
    assert!(
        regress <= ALPHA + bound,
        "{name}: false-regression rate {regress} exceeds alpha {ALPHA} + 3se {bound}"
    );
    assert!(
        (two - ALPHA).abs() <= bound,
        "{name}: two-sided rejection rate {two} is not alpha {ALPHA} ± 3se {bound}"
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

/// Normal-theory power of the one-sided test at alpha against a mean drop
/// `drop` of differences with standard deviation `sd`, over `n` examples.
fn theoretical_power(drop: f64, sd: f64, n: usize) -> f64 {
    normal_cdf(drop * (n as f64).sqrt() / sd - normal_quantile(1.0 - ALPHA))
}

fn check_power(name: &str, model: Model, sd: f64, drop: f64) {
    let theory = theoretical_power(drop, sd, N);
    assert!(
        (0.5..=0.8).contains(&theory),
        "choose a drop with moderate power, not {theory}"
    );
    let datasets = DATASETS * scale();
    // Simulation error plus an allowance for the normal approximation (the
    // bootstrap's plug-in variance, discreteness, B = 1,000).
    let tolerance = 3.0 * se(theory, datasets) + 0.01;
    for test in [Test::Bootstrap, Test::Randomization] {
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
    // δ·√n/σ = 0.045·√200/0.3 ≈ 2.12: theoretical power ≈ 0.68.
    let (drop, sd) = (0.045, 0.3);
    check_power(
        "normal differences",
        Model::NormalDiff { drop, sd },
        sd,
        drop,
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
    check_power("binary", Model::Binary { drop }, sd, drop);
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
    let mut config = Config::new(dir.join("baseline.jsonl"), vec![dir.join("current.jsonl")]);
    config.metrics = metrics.iter().map(|m| (*m).to_string()).collect();
    config.slice_by = slice_by.iter().map(|s| (*s).to_string()).collect();
    config.resamples = 500;
    config.seed = seed;
    config.test = test;
    let report = evalgate::compare(&config).expect("compare");
    assert_eq!(report.metrics.len(), metrics.len());
    assert!(report.metrics.iter().all(|m| m.n == N));
    assert_eq!(
        report.settings.tests, tests,
        "Holm's family: every metric in every group"
    );
    report.verdict == GateVerdict::Fail
}

/// A/A through `evalgate::compare` with one metric: the gate's false-failure
/// rate is the one-sided false-regression rate, and the gate must agree with
/// the primitives run on the same numbers with the same seed.
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
                TestKind::Bootstrap => run(Test::Bootstrap, &pairs, 500, seed),
                TestKind::Randomization => run(Test::Randomization, &pairs, 500, seed),
            };
            disagreements +=
                usize::from(failed != (primitive.delta < 0.0 && primitive.p_less <= ALPHA));
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

/// A/A through `evalgate::compare` with two metrics (continuous and binary)
/// over two slices: six tests under Holm, so the gate fails (any regression)
/// at most alpha of the time.
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
