//! Property tests of the statistics primitives (`benchgate::stats`) and of the
//! gate's rows, on random paired differences, resample counts and seeds:
//!
//! - translation equivariance: adding c to every paired difference shifts the
//!   interval of the bootstrap and of sign-flip randomization by c (same seed);
//! - one construction: for every method (bootstrap, sign flips, exact
//!   enumeration) and level, the interval lies below 0 exactly when the
//!   one-sided p-value is at most the level, above 0 exactly when the other
//!   one is; p-values lie in (0, 1], never below 1/(B + 1) for Monte Carlo
//!   methods, and the two one-sided ones cover everything (sum ≥ 1);
//! - symmetry: negating every difference swaps p_less and p_greater, keeps the
//!   two-sided p, and negates the interval;
//! - determinism: the same seed gives identical resample sums in a one-thread
//!   pool and in the global pool, with and without slices;
//! - identical sides (all differences 0, or identical corpus statistics) give
//!   p = 1 and the interval [0, 0];
//! - every row the gate reports (random scores, sizes, repeats, slices,
//!   directions, tolerances, tests) is self-consistent: its verdict is the one
//!   its interval and tolerance give, and its adjusted p is at most alpha
//!   exactly when its interval excludes 0;
//! - Holm's adjusted p-values are at least the raw ones, at most 1 and at most
//!   Bonferroni's, and keep the raw order.

use std::fmt::Write as _;

use benchgate::config::{Config, MetricGate, TestKind};
use benchgate::design::{Design, Layout};
use benchgate::metrics::Direction;
use benchgate::report::Verdict;
use benchgate::stats::{bootstrap, sign_flip, Resampled, TestResult, TypicalValues};
use proptest::prelude::*;

const TAIL: f64 = 0.025;
const DELTA: Layout = Layout::Delta { col: 0 };

fn mean_corpus(sums: &[f64], n: f64) -> f64 {
    sums[0] / n
}

fn design(diffs: &[f64]) -> Design {
    Design::new(diffs.len(), 1, diffs.to_vec())
}

fn typical(r: &Resampled, layout: Layout, corpus: &dyn Fn(&[f64], f64) -> f64) -> TypicalValues {
    let draws = r.deltas(layout, 0, corpus);
    TypicalValues::from_draws(&draws, r.b - draws.len())
}

fn boot(diffs: &[f64], b: usize, seed: u64) -> TypicalValues {
    typical(&bootstrap(&design(diffs), b, seed), DELTA, &mean_corpus)
}

fn flips(diffs: &[f64], b: usize, seed: u64) -> TypicalValues {
    typical(&sign_flip(&design(diffs), b, seed), DELTA, &mean_corpus)
}

/// Exact enumeration, when every difference is −1, 0 or +1.
fn exact(diffs: &[f64]) -> Option<TypicalValues> {
    let count = |x: f64| diffs.iter().filter(|&&d| d == x).count();
    (count(1.0) + count(-1.0) + count(0.0) == diffs.len())
        .then(|| TypicalValues::exact_sign_flip(count(1.0), count(-1.0), count(0.0)))
}

/// Paired differences: continuous ones, or the −1/0/1 of a binary metric.
fn diffs() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        prop::collection::vec(-1.0f64..1.0, 3..80),
        prop::collection::vec(prop_oneof![Just(-1.0), Just(0.0), Just(1.0)], 3..80),
    ]
}

fn assert_p_sane(t: &TestResult, floor: f64) -> Result<(), TestCaseError> {
    for x in [t.p_two_sided, t.p_less, t.p_greater] {
        prop_assert!(x > 0.0 && x <= 1.0, "p-value {x} outside (0, 1]");
        prop_assert!(x >= floor - 1e-15, "p-value {x} below {floor}");
    }
    prop_assert!(
        t.p_less + t.p_greater >= 1.0 - 1e-12,
        "p_less {} + p_greater {} < 1",
        t.p_less,
        t.p_greater
    );
    prop_assert!(t.ci_low <= t.ci_high, "[{}, {}]", t.ci_low, t.ci_high);
    Ok(())
}

/// Equal up to rounding (infinite bounds equal themselves).
fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn intervals_are_translation_equivariant(
        d in diffs(),
        c in -10.0f64..10.0,
        b in 100usize..400,
        seed in any::<u64>(),
    ) {
        let shifted: Vec<f64> = d.iter().map(|x| x + c).collect();
        for (plain, moved) in [
            (boot(&d, b, seed), boot(&shifted, b, seed)),
            (flips(&d, b, seed), flips(&shifted, b, seed)),
        ] {
            let (t, t_c) = (plain.invert(TAIL), moved.invert(TAIL));
            prop_assert!(
                close(t_c.ci_low, t.ci_low + c) && close(t_c.ci_high, t.ci_high + c),
                "[{}, {}] + {c} vs [{}, {}]", t.ci_low, t.ci_high, t_c.ci_low, t_c.ci_high
            );
        }
    }

    #[test]
    fn interval_and_p_value_are_one_construction(
        d in diffs(),
        b in 50usize..600,
        seed in any::<u64>(),
        tail in prop_oneof![Just(0.025), Just(0.005), 0.0001f64..0.3],
    ) {
        let floor = 1.0 / (b as f64 + 1.0);
        let mut methods = vec![(boot(&d, b, seed), floor), (flips(&d, b, seed), floor)];
        methods.extend(exact(&d).map(|e| (e, 0.0)));
        for (values, floor) in methods {
            let t = values.invert(tail);
            assert_p_sane(&t, floor)?;
            prop_assert_eq!(t.ci_high < 0.0, t.p_less <= tail, "{:?} at {}", t, tail);
            prop_assert_eq!(t.ci_low > 0.0, t.p_greater <= tail, "{:?} at {}", t, tail);
            prop_assert!(close(t.p_two_sided, (2.0 * t.p_less.min(t.p_greater)).min(1.0)));
        }
    }

    #[test]
    fn negating_differences_swaps_the_sides(d in diffs(), b in 20usize..400, seed in any::<u64>()) {
        let negated: Vec<f64> = d.iter().map(|x| -x).collect();
        let mut pairs = vec![
            (boot(&d, b, seed), boot(&negated, b, seed)),
            (flips(&d, b, seed), flips(&negated, b, seed)),
        ];
        if let (Some(e), Some(e_n)) = (exact(&d), exact(&negated)) {
            pairs.push((e, e_n));
        }
        for (plain, neg) in pairs {
            let (t, t_n) = (plain.invert(TAIL), neg.invert(TAIL));
            prop_assert!(
                close(t_n.ci_low, -t.ci_high) && close(t_n.ci_high, -t.ci_low),
                "[{}, {}] negated vs [{}, {}]", t.ci_low, t.ci_high, t_n.ci_low, t_n.ci_high
            );
            prop_assert!(close(t_n.p_less, t.p_greater) && close(t_n.p_greater, t.p_less));
            prop_assert!(close(t_n.p_two_sided, t.p_two_sided));
        }
    }

    #[test]
    fn same_seed_same_sums_at_any_thread_count(
        d in diffs(),
        b in 1usize..300,
        seed in any::<u64>(),
        slice_bits in any::<u64>(),
    ) {
        // Column 0 a paired difference, columns 1-2 one corpus statistic per side;
        // examples fall into zero, one or both of two slices.
        let n = d.len();
        let data: Vec<f64> = d.iter().flat_map(|&x| [x, x.abs(), (x * 3.0).sin().abs()]).collect();
        let membership: Vec<Vec<u32>> = (0..n)
            .map(|i| (1..3u32).filter(|g| (slice_bits >> ((i * 2 + *g as usize) % 64)) & 1 == 1).collect())
            .collect();
        for design in [Design::new(n, 3, data.clone()), Design::new(n, 3, data).with_groups(3, &membership)] {
            let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool");
            let same = |a: &Resampled, z: &Resampled| a.sums == z.sums && a.counts == z.counts;
            let (boot_one, flip_one) =
                one.install(|| (bootstrap(&design, b, seed), sign_flip(&design, b, seed)));
            prop_assert!(same(&boot_one, &bootstrap(&design, b, seed)));
            prop_assert!(same(&flip_one, &sign_flip(&design, b, seed)));
        }
    }

    #[test]
    fn identical_sides_give_p_one_and_a_zero_interval(
        n in 1usize..80,
        stats in prop::collection::vec(0.0f64..5.0, 80),
        b in 1usize..300,
        seed in any::<u64>(),
    ) {
        let zeros = vec![0.0; n];
        let ratio = |sums: &[f64], count: f64| sums[0] / (sums[1] + count);
        let corpus = Layout::Corpus { base: 0, cur: 2, k: 2 };
        // A two-statistic corpus metric whose sides are equal in every example.
        let same: Vec<f64> = (0..n).flat_map(|i| {
            let (x, y) = (stats[i], stats[(i + 1) % 80]);
            [x, y, x, y]
        }).collect();
        let same = Design::new(n, 4, same);
        let mut cases = vec![
            (boot(&zeros, b, seed), true),
            (typical(&bootstrap(&same, b, seed), corpus, &ratio), true),
            (flips(&zeros, b, seed), false),
        ];
        cases.extend(exact(&zeros).map(|e| (e, false)));
        for (values, every_round_counts) in cases {
            let t = values.invert(TAIL);
            prop_assert_eq!(t.p_two_sided, 1.0);
            // [0, 0], unless the level is out of reach: too few rounds, or (sign
            // flips of very few examples) too many rounds that flip nothing.
            let bounded = t.ci_low.is_finite() && t.ci_high.is_finite();
            if bounded || (every_round_counts && b >= 40) {
                prop_assert_eq!((t.ci_low, t.ci_high), (0.0, 0.0));
            }
        }
    }
}

/// The samples of one side of an example: (binary, continuous) per sample.
type Samples = Vec<(bool, f64)>;

/// One random A/A-or-not comparison for the row property: per-sample scores
/// of two metrics, repeats, a category tag, and the settings that shape rows.
#[derive(Debug, Clone)]
struct Case {
    /// Per id: (category, baseline samples, current samples), each sample a
    /// (binary, continuous) pair.
    examples: Vec<(u8, Samples, Samples)>,
    slices: bool,
    lower: bool,
    tolerance: f64,
    test: TestKind,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    let sample = (any::<bool>(), 0.0f64..1.0);
    let example = (
        0u8..3,
        prop::collection::vec(sample.clone(), 1..3),
        prop::collection::vec(sample, 1..3),
    );
    (
        prop::collection::vec(example, 5..70),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(0.0), Just(0.05), 0.0f64..0.3],
        prop_oneof![Just(TestKind::Randomization), Just(TestKind::Bootstrap)],
        any::<u64>(),
    )
        .prop_map(|(examples, slices, lower, tolerance, test, seed)| Case {
            examples,
            slices,
            lower,
            tolerance,
            test,
            seed,
        })
}

fn write_side(path: &std::path::Path, case: &Case, current: bool) {
    let mut text = String::new();
    for (i, (category, base, cur)) in case.examples.iter().enumerate() {
        for (hit, score) in if current { cur } else { base } {
            let _ = writeln!(
                text,
                r#"{{"id": "ex-{i:03}", "prediction": "p", "category": "c{category}", "hit": {}, "score": {score}}}"#,
                u8::from(*hit)
            );
        }
    }
    std::fs::write(path, text).expect("write a result file");
}

/// The verdict the row's interval and tolerance call for (see `judge`).
fn expected(direction: Direction, low: f64, high: f64, tolerance: f64) -> Verdict {
    let sign = direction.sign();
    let (a, b) = (low * sign, high * sign);
    let (low, high) = (a.min(b), a.max(b));
    if high < -tolerance {
        Verdict::Regressed
    } else if low > tolerance {
        Verdict::Improved
    } else if low >= -tolerance && high <= tolerance {
        Verdict::Unchanged
    } else if tolerance == 0.0 {
        Verdict::NotSignificant
    } else {
        Verdict::Inconclusive
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_row_is_self_consistent(case in case()) {
        let dir = tempfile::tempdir().expect("tempdir");
        write_side(&dir.path().join("baseline.jsonl"), &case, false);
        write_side(&dir.path().join("current.jsonl"), &case, true);
        let mut config = Config::builder(dir.path().join("baseline.jsonl"), vec![dir.path().join("current.jsonl")]);
        config.gate.metrics = vec!["hit".into(), "score".into()];
        config.stats.min_examples = 5;
        config.stats.resamples = 400;
        config.stats.seed = case.seed;
        config.stats.test = case.test;
        if case.slices {
            config.stats.slice_by = vec!["category".into()];
        }
        if case.lower {
            config.gate.metric_options.directions.push(("score".into(), Direction::Lower));
        }
        for name in ["hit", "score"] {
            config.gate.by_metric.insert(name.into(), MetricGate { tolerance: case.tolerance, ..MetricGate::default() });
        }
        let config = config.build().expect("valid settings");
        let report = benchgate::compare(&config).expect("compare");
        let alpha = report.settings.alpha;
        let rows = report.metrics.iter().map(|m| (m.direction, m.ci_low, m.ci_high, m.p_adjusted, m.verdict, m.n))
            .chain(report.slices.iter().map(|s| (s.direction, s.ci_low, s.ci_high, s.p_adjusted, s.verdict, s.n)));
        for (direction, low, high, p, verdict, n) in rows {
            if n < config.stats().min_examples {
                prop_assert_eq!(verdict, Verdict::Inconclusive);
                continue;
            }
            prop_assert_eq!(verdict, expected(direction, low, high, case.tolerance), "[{}, {}] tol {}", low, high, case.tolerance);
            // One construction: the adjusted p of the regression test (at the
            // tolerance) is at most alpha exactly when the row regressed (away
            // from rounding at the boundary itself).
            if (p - alpha).abs() > 1e-9 {
                prop_assert_eq!(p <= alpha, verdict == Verdict::Regressed, "p {} for [{}, {}] tol {}", p, low, high, case.tolerance);
            }
        }
    }
}
