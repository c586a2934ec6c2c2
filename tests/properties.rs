//! Property tests of the statistics primitives (`evalgate::stats`), on random
//! paired differences, resample counts and seeds:
//!
//! - translation equivariance: adding c to every paired difference shifts the
//!   bootstrap's percentile interval by c (same seed);
//! - sanity of intervals and p-values: the interval is ordered and holds the
//!   resampled deltas' mean, p-values lie in (0, 1], never below 1/(B + 1), and
//!   the one-sided pair covers every resample (p_less + p_greater > 1);
//! - symmetry: negating every difference swaps p_less and p_greater, keeps the
//!   two-sided p, and negates the interval (bootstrap and randomization);
//! - determinism: the same seed gives identical resample sums in a one-thread
//!   pool and in the global pool, with and without slices;
//! - identical sides (all differences 0, or identical corpus statistics) give
//!   p = 1 and the interval [0, 0];
//! - Holm's adjusted p-values are at least the raw ones, at most 1 and at most
//!   Bonferroni's, and keep the raw order.

use evalgate::stats::{
    bootstrap, holm, p_values, percentile_ci, randomization, Design, Layout, NullKind, Resampled,
};
use proptest::prelude::*;

const CONFIDENCE: f64 = 0.95;
const DELTA: Layout = Layout::Delta { col: 0 };

fn mean_corpus(sums: &[f64], n: f64) -> f64 {
    sums[0] / n
}

fn design(diffs: &[f64]) -> Design {
    Design::new(diffs.len(), 1, diffs.to_vec())
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn boot_deltas(diffs: &[f64], b: usize, seed: u64) -> Vec<f64> {
    bootstrap(&design(diffs), b, seed).deltas(DELTA, 0, &mean_corpus)
}

fn rand_deltas(diffs: &[f64], b: usize, seed: u64) -> Vec<f64> {
    randomization(&design(diffs), &[DELTA], b, seed).deltas(DELTA, 0, &mean_corpus)
}

/// Paired differences: continuous ones, or the −1/0/1 of a binary metric.
fn diffs() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        prop::collection::vec(-1.0f64..1.0, 3..80),
        prop::collection::vec(prop_oneof![Just(-1.0), Just(0.0), Just(1.0)], 3..80),
    ]
}

fn assert_p_sane(p: (f64, f64, f64), b: usize) -> Result<(), TestCaseError> {
    let (two, less, greater) = p;
    let floor = 1.0 / (b as f64 + 1.0);
    for x in [two, less, greater] {
        prop_assert!(x > 0.0 && x <= 1.0, "p-value {x} outside (0, 1]");
        prop_assert!(x >= floor - 1e-15, "p-value {x} below 1/(B+1) = {floor}");
    }
    prop_assert!(
        less + greater >= 1.0 + floor - 1e-12,
        "p_less {less} + p_greater {greater} ≤ 1"
    );
    Ok(())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bootstrap_interval_is_translation_equivariant(
        d in diffs(),
        c in -10.0f64..10.0,
        b in 20usize..400,
        seed in any::<u64>(),
    ) {
        let shifted: Vec<f64> = d.iter().map(|x| x + c).collect();
        let (lo, hi) = percentile_ci(&boot_deltas(&d, b, seed), CONFIDENCE);
        let (lo_c, hi_c) = percentile_ci(&boot_deltas(&shifted, b, seed), CONFIDENCE);
        prop_assert!(close(lo_c, lo + c) && close(hi_c, hi + c), "[{lo}, {hi}] + {c} vs [{lo_c}, {hi_c}]");
    }

    #[test]
    fn intervals_and_p_values_are_sane(d in diffs(), b in 100usize..600, seed in any::<u64>()) {
        let observed = mean(&d);
        let deltas = boot_deltas(&d, b, seed);
        prop_assert_eq!(deltas.len(), b);
        let (lo, hi) = percentile_ci(&deltas, CONFIDENCE);
        let centre = mean(&deltas);
        prop_assert!(lo <= hi, "[{lo}, {hi}]");
        prop_assert!(lo <= centre + 1e-9 && centre <= hi + 1e-9, "mean {centre} outside [{lo}, {hi}]");
        assert_p_sane(p_values(observed, &deltas, NullKind::ShiftedBootstrap), b)?;
        assert_p_sane(p_values(observed, &rand_deltas(&d, b, seed), NullKind::Randomization), b)?;
    }

    #[test]
    fn one_sided_p_grows_with_the_observed_delta(
        d in diffs(),
        b in 20usize..300,
        seed in any::<u64>(),
        x in -1.0f64..1.0,
        step in 0.0f64..0.5,
    ) {
        let deltas = boot_deltas(&d, b, seed);
        for kind in [NullKind::ShiftedBootstrap, NullKind::Randomization] {
            let (_, less_a, greater_a) = p_values(x, &deltas, kind);
            let (_, less_b, greater_b) = p_values(x + step, &deltas, kind);
            prop_assert!(less_a <= less_b && greater_a >= greater_b);
        }
    }

    #[test]
    fn negating_differences_swaps_the_sides(d in diffs(), b in 20usize..400, seed in any::<u64>()) {
        let negated: Vec<f64> = d.iter().map(|x| -x).collect();
        let (observed, observed_neg) = (mean(&d), mean(&negated));
        prop_assert_eq!(observed_neg, -observed);

        let (deltas, deltas_neg) = (boot_deltas(&d, b, seed), boot_deltas(&negated, b, seed));
        let (lo, hi) = percentile_ci(&deltas, CONFIDENCE);
        let (lo_n, hi_n) = percentile_ci(&deltas_neg, CONFIDENCE);
        prop_assert!(close(lo_n, -hi) && close(hi_n, -lo), "[{lo}, {hi}] negated vs [{lo_n}, {hi_n}]");
        let (two, less, greater) = p_values(observed, &deltas, NullKind::ShiftedBootstrap);
        let (two_n, less_n, greater_n) = p_values(observed_neg, &deltas_neg, NullKind::ShiftedBootstrap);
        prop_assert_eq!((two_n, less_n, greater_n), (two, greater, less));

        let (deltas, deltas_neg) = (rand_deltas(&d, b, seed), rand_deltas(&negated, b, seed));
        let (two, less, greater) = p_values(observed, &deltas, NullKind::Randomization);
        let (two_n, less_n, greater_n) = p_values(observed_neg, &deltas_neg, NullKind::Randomization);
        prop_assert_eq!((two_n, less_n, greater_n), (two, greater, less));
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
        let layouts = [DELTA, Layout::Corpus { base: 1, cur: 2, k: 1 }];
        for design in [Design::new(n, 3, data.clone()), Design::new(n, 3, data).with_groups(3, &membership)] {
            let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool");
            let same = |a: &Resampled, z: &Resampled| a.sums == z.sums && a.counts == z.counts;
            let (boot_one, rand_one) =
                one.install(|| (bootstrap(&design, b, seed), randomization(&design, &layouts, b, seed)));
            prop_assert!(same(&boot_one, &bootstrap(&design, b, seed)));
            prop_assert!(same(&rand_one, &randomization(&design, &layouts, b, seed)));
        }
    }

    #[test]
    fn identical_sides_give_p_one_and_a_zero_interval(
        n in 1usize..80,
        stats in prop::collection::vec(0.0f64..5.0, 80),
        b in 1usize..300,
        seed in any::<u64>(),
    ) {
        let zeros = design(&vec![0.0; n]);
        let ratio = |sums: &[f64], count: f64| sums[0] / (sums[1] + count);
        let corpus = Layout::Corpus { base: 0, cur: 2, k: 2 };
        // A two-statistic corpus metric whose sides are equal in every example.
        let same: Vec<f64> = (0..n).flat_map(|i| {
            let (x, y) = (stats[i], stats[(i + 1) % 80]);
            [x, y, x, y]
        }).collect();
        let same = Design::new(n, 4, same);
        let cases: [(Vec<f64>, Vec<f64>); 2] = [
            (
                bootstrap(&zeros, b, seed).deltas(DELTA, 0, &mean_corpus),
                randomization(&zeros, &[DELTA], b, seed).deltas(DELTA, 0, &mean_corpus),
            ),
            (
                bootstrap(&same, b, seed).deltas(corpus, 0, &ratio),
                randomization(&same, &[corpus], b, seed).deltas(corpus, 0, &ratio),
            ),
        ];
        for (boot, rand) in cases {
            prop_assert_eq!(percentile_ci(&boot, CONFIDENCE), (0.0, 0.0));
            prop_assert_eq!(p_values(0.0, &boot, NullKind::ShiftedBootstrap), (1.0, 1.0, 1.0));
            prop_assert_eq!(p_values(0.0, &rand, NullKind::Randomization), (1.0, 1.0, 1.0));
        }
    }

    #[test]
    fn holm_bounds_and_order(p in prop::collection::vec(0.0f64..=1.0, 1..40)) {
        let adjusted = holm(&p);
        let m = p.len() as f64;
        prop_assert_eq!(adjusted.len(), p.len());
        for (a, raw) in adjusted.iter().zip(&p) {
            prop_assert!(*a >= *raw && *a <= 1.0, "{raw} adjusted to {a}");
            prop_assert!(*a <= (m * raw).min(1.0) + 1e-12, "{raw} adjusted to {a}, above Bonferroni");
        }
        for i in 0..p.len() {
            for j in 0..p.len() {
                if p[i] <= p[j] {
                    prop_assert!(adjusted[i] <= adjusted[j], "p {} ≤ {} but adjusted {} > {}", p[i], p[j], adjusted[i], adjusted[j]);
                }
            }
        }
        if p.len() == 1 {
            prop_assert_eq!(adjusted[0], p[0]);
        }
        let reversed: Vec<f64> = p.iter().rev().copied().collect();
        let mut back = holm(&reversed);
        back.reverse();
        prop_assert_eq!(back, adjusted);
    }
}
