//! Two independent samples: the difference of means of a reference window and
//! a current window of live traffic, held at the reference window's mix.
//!
//! The windows' inputs are different inputs, so nothing pairs; and the mix of
//! traffic (the share of each slice) moves the raw mean without any change of
//! the model. The estimate is therefore the **directly standardised**
//! difference (the epidemiologists' way to compare death rates of two
//! populations of different ages): within each stratum the current mean minus
//! the reference mean, weighted by the stratum's share of the *reference*
//! window, `Δ = Σ_s w_s (ȳ_s − x̄_s)`. With one stratum it is the plain
//! difference of means. Its standard error is `se² = Σ_s w_s² (v_ys/n_ys +
//! v_xs/n_xs)` (Welch's, stratum by stratum).
//!
//! **The test** is a stratified, studentised permutation test: under "the
//! model did not change" the rows of a stratum are exchangeable between the
//! windows, whatever the windows' mixes, so permuting the window labels
//! within each stratum and recomputing `t = Δ/se` gives its exact null
//! distribution (a Monte Carlo sample of it: `rounds` permutations, each with
//! its own random stream). Studentising keeps the test valid for equal means
//! when the windows' spreads differ, where a permutation of the raw
//! difference is not (Janssen 1997, "Studentized permutation tests for
//! non-i.i.d. hypotheses", Stat. Probab. Lett. 36:9; Chung & Romano 2013,
//! Ann. Stat. 41:484).
//!
//! **The interval** inverts the same test for a shift: the typical values
//! `Δ − t_b·se` ([`TypicalValues`], Hartigan 1969), so that an interval that
//! ends beyond −tolerance and a p-value at or below the row's level are one
//! statement (`crate::stats::inversion`).
//!
//! **Large windows**: when the permutations would draw more than
//! [`PERMUTATION_BUDGET`] values in all, the permutation distribution of `t`
//! is replaced by its limit, the standard normal (Welch's large-sample test
//! and interval): at tens of thousands of rows per stratum the two agree to
//! the third decimal of a p-value, and a million rows take milliseconds.

use rand_core::RngCore;
use rayon::prelude::*;

use super::inversion::{TestResult, TypicalValues};
use super::{normal_cdf, normal_quantile};

/// Values permuted in all (rows drawn × rounds) above which the normal limit
/// replaces the Monte Carlo permutation distribution.
pub const PERMUTATION_BUDGET: usize = 200_000_000;

/// One stratum: its reference and current values and its weight.
#[derive(Debug, Clone, Copy)]
pub struct Stratum<'a> {
    /// The reference window's values.
    pub reference: &'a [f64],
    /// The current window's values.
    pub current: &'a [f64],
    /// Its share of the reference window (weights are normalised to sum 1).
    pub weight: f64,
}

/// The standardised difference and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Σ w (ȳ − x̄).
    pub delta: f64,
    /// Its standard error (Welch's, by stratum).
    pub se: f64,
}

/// How a row was tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnpairedMethod {
    /// Stratified studentised permutation test, Monte Carlo.
    Permutation,
    /// Welch's normal limit (large windows).
    Normal,
}

impl UnpairedMethod {
    /// Its name in reports.
    pub fn label(self) -> &'static str {
        match self {
            UnpairedMethod::Permutation => "studentised permutation",
            UnpairedMethod::Normal => "Welch (normal limit)",
        }
    }
}

/// What the test says about the standardised difference.
#[derive(Debug, Clone)]
pub struct Unpaired {
    /// The estimate.
    pub estimate: Estimate,
    /// The method.
    pub method: UnpairedMethod,
    values: Values,
}

#[derive(Debug, Clone)]
enum Values {
    Typical(TypicalValues),
    Normal,
}

impl Unpaired {
    /// Interval at one-sided level `tail` per side, and the p-values of "no change".
    pub fn invert(&self, tail: f64) -> TestResult {
        match &self.values {
            Values::Typical(v) => v.invert(tail),
            Values::Normal => {
                let Estimate { delta, se } = self.estimate;
                let z = normal_quantile(1.0 - tail);
                let p_less = self.p_at_least(0.0);
                let p_greater = self.p_at_most(0.0);
                TestResult {
                    ci_low: delta - z * se,
                    ci_high: delta + z * se,
                    p_two_sided: (2.0 * p_less.min(p_greater)).min(1.0),
                    p_less,
                    p_greater,
                }
            }
        }
    }

    /// One-sided p-value against "the difference is at least `x`".
    pub fn p_at_least(&self, x: f64) -> f64 {
        match &self.values {
            Values::Typical(v) => v.mass_at_least(x).min(1.0),
            Values::Normal => normal_tail(self.estimate, x, 1.0),
        }
    }

    /// One-sided p-value against "the difference is at most `x`".
    pub fn p_at_most(&self, x: f64) -> f64 {
        match &self.values {
            Values::Typical(v) => v.mass_at_most(x).min(1.0),
            Values::Normal => normal_tail(self.estimate, x, -1.0),
        }
    }
}

/// Φ(sign·(Δ − x)/se), with se = 0 handled as a point mass at Δ.
fn normal_tail(e: Estimate, x: f64, sign: f64) -> f64 {
    let d = sign * (e.delta - x);
    if e.se > 0.0 {
        normal_cdf(d / e.se)
    } else if d >= 0.0 {
        1.0
    } else {
        0.0
    }
}

/// Mean and variance (n − 1) of `values`; variance 0 below two values.
fn moments(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
    (mean, ss / (n - 1) as f64)
}

/// Normalised weights of the strata that have rows on both sides.
fn weights(strata: &[Stratum<'_>]) -> Vec<f64> {
    let usable = |s: &Stratum<'_>| !s.reference.is_empty() && !s.current.is_empty();
    let total: f64 = strata
        .iter()
        .filter(|s| usable(s))
        .map(|s| s.weight.max(0.0))
        .sum();
    strata
        .iter()
        .map(|s| {
            if usable(s) && total > 0.0 {
                s.weight.max(0.0) / total
            } else {
                0.0
            }
        })
        .collect()
}

/// The standardised difference of `strata` (strata without rows on one side
/// are left out and the others' weights renormalised).
pub fn estimate(strata: &[Stratum<'_>]) -> Estimate {
    let w = weights(strata);
    let mut delta = 0.0;
    let mut var = 0.0;
    for (s, &w) in strata.iter().zip(&w) {
        if w == 0.0 {
            continue;
        }
        let (mx, vx) = moments(s.reference);
        let (my, vy) = moments(s.current);
        delta += w * (my - mx);
        var += w * w * (vy / s.current.len() as f64 + vx / s.reference.len() as f64);
    }
    Estimate {
        delta,
        se: var.max(0.0).sqrt(),
    }
}

/// One stratum ready for permutation: pooled values centred on their mean,
/// their sums, and how many current rows each permutation draws.
struct Pool {
    values: Vec<f64>,
    sum: f64,
    squares: f64,
    n_ref: usize,
    n_cur: usize,
    weight: f64,
}

impl Pool {
    fn new(s: &Stratum<'_>, weight: f64) -> Pool {
        let n = s.reference.len() + s.current.len();
        let mean = s.reference.iter().chain(s.current).sum::<f64>() / n.max(1) as f64;
        let values: Vec<f64> = s
            .reference
            .iter()
            .chain(s.current)
            .map(|x| x - mean)
            .collect();
        Pool {
            sum: values.iter().sum(),
            squares: values.iter().map(|x| x * x).sum(),
            values,
            n_ref: s.reference.len(),
            n_cur: s.current.len(),
            weight,
        }
    }

    /// Rows one permutation draws: the smaller side.
    fn drawn(&self) -> usize {
        self.n_ref.min(self.n_cur)
    }
}

/// The permuted (Δ, se) of one round, drawing with `rng`, `index` the scratch
/// permutation of each pool (restored before returning).
fn permuted(pools: &[Pool], index: &mut [Vec<u32>], rng: &mut impl RngCore) -> (f64, f64) {
    let mut delta = 0.0;
    let mut var = 0.0;
    for (p, idx) in pools.iter().zip(index.iter_mut()) {
        let n = p.values.len();
        let m = p.drawn();
        // A partial Fisher–Yates shuffle draws a uniform subset of m rows…
        let mut s = 0.0;
        let mut q = 0.0;
        let mut swaps: Vec<(usize, usize)> = Vec::with_capacity(m);
        for i in 0..m {
            let j = i + super::rng::index_below(rng, n - i);
            idx.swap(i, j);
            swaps.push((i, j));
            let x = p.values[idx[i] as usize];
            s += x;
            q += x * x;
        }
        // …and undoing it leaves the next round the same start, whatever
        // thread runs it: results do not depend on the thread count.
        for &(i, j) in swaps.iter().rev() {
            idx.swap(i, j);
        }
        let (rest_s, rest_q) = (p.sum - s, p.squares - q);
        let (cur, refs) = if m == p.n_cur {
            ((s, q, m), (rest_s, rest_q, n - m))
        } else {
            ((rest_s, rest_q, n - m), (s, q, m))
        };
        let stats = |(s, q, k): (f64, f64, usize)| {
            let k = k as f64;
            let mean = s / k;
            let v = if k > 1.0 {
                ((q - s * mean) / (k - 1.0)).max(0.0)
            } else {
                0.0
            };
            (mean, v, k)
        };
        let (my, vy, ny) = stats(cur);
        let (mx, vx, nx) = stats(refs);
        delta += p.weight * (my - mx);
        var += p.weight * p.weight * (vy / ny + vx / nx);
    }
    (delta, var.sqrt())
}

/// Tests the standardised difference of `strata`: the stratified studentised
/// permutation test with `rounds` permutations (seeded by `seed` and `salt`),
/// or Welch's normal limit beyond [`PERMUTATION_BUDGET`].
pub fn test(strata: &[Stratum<'_>], rounds: usize, seed: u64, salt: u64) -> Unpaired {
    let est = estimate(strata);
    let w = weights(strata);
    let pools: Vec<Pool> = strata
        .iter()
        .zip(&w)
        .filter(|(_, &w)| w > 0.0)
        .map(|(s, &w)| Pool::new(s, w))
        .collect();
    let drawn: usize = pools.iter().map(Pool::drawn).sum();
    if rounds == 0 || drawn.saturating_mul(rounds) > PERMUTATION_BUDGET {
        return Unpaired {
            estimate: est,
            method: UnpairedMethod::Normal,
            values: Values::Normal,
        };
    }
    let studentised = est.se > 0.0;
    let start: Vec<Vec<u32>> = pools
        .iter()
        .map(|p| (0..p.values.len() as u32).collect())
        .collect();
    let draws: Vec<f64> = (0..rounds)
        .into_par_iter()
        .map_init(
            || start.clone(),
            |index, b| {
                let mut rng = super::rng::stream(seed, salt, b as u64);
                let (d, se) = permuted(&pools, index, &mut rng);
                if studentised {
                    let t = if se > 0.0 {
                        d / se
                    } else if d == 0.0 {
                        0.0
                    } else {
                        f64::INFINITY.copysign(d)
                    };
                    est.delta - t * est.se
                } else {
                    est.delta - d
                }
            },
        )
        .collect();
    Unpaired {
        estimate: est,
        method: UnpairedMethod::Permutation,
        values: Values::Typical(TypicalValues::from_draws(&draws, 0)),
    }
}

/// The area under the ROC curve of scores of positives against negatives:
/// the chance a random positive scores above a random negative, ties half
/// (the Mann–Whitney U over n₁·n₀). `None` when a class is empty.
pub fn auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let n1 = positive.iter().filter(|&&p| p).count();
    let n0 = positive.len() - n1;
    if n1 == 0 || n0 == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks over ties, summed over the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            if positive[k] {
                rank_sum += avg;
            }
        }
        i = j + 1;
    }
    let (n1f, n0f) = (n1 as f64, n0 as f64);
    Some((rank_sum - n1f * (n1f + 1.0) / 2.0) / (n1f * n0f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardising_holds_the_reference_mix() {
        // Stratum a: 0.5 → 0.5, stratum b: −0.5 → −0.5; the current window is
        // mostly b, so the raw mean falls while neither stratum moved.
        let (ra, rb) = (vec![0.5; 80], vec![-0.5; 20]);
        let (ca, cb) = (vec![0.5; 20], vec![-0.5; 80]);
        let strata = [
            Stratum {
                reference: &ra,
                current: &ca,
                weight: 0.8,
            },
            Stratum {
                reference: &rb,
                current: &cb,
                weight: 0.2,
            },
        ];
        let e = estimate(&strata);
        assert!(e.delta.abs() < 1e-12 && e.se == 0.0, "{e:?}");
    }

    #[test]
    fn the_interval_and_the_p_value_agree() {
        let x: Vec<f64> = (0..60).map(|i| f64::from(i % 7)).collect();
        let y: Vec<f64> = (0..50).map(|i| f64::from(i % 7) - 1.5).collect();
        let strata = [Stratum {
            reference: &x,
            current: &y,
            weight: 1.0,
        }];
        for rounds in [2_000, 0] {
            let t = test(&strata, rounds, 7, 1);
            let r = t.invert(0.025);
            assert!(r.ci_high < 0.0, "{r:?}");
            assert!(t.p_at_least(0.0) <= 0.025);
            // At the interval's upper end the test no longer rejects.
            assert!(t.p_at_least(r.ci_high) > 0.025 || rounds == 0);
        }
    }

    #[test]
    fn auc_counts_ties_half() {
        let scores = [0.1, 0.4, 0.35, 0.8, 0.4];
        let pos = [false, false, true, true, true];
        // Pairs (pos, neg): 0.35>0.1, 0.35<0.4, 0.8>both, 0.4>0.1, 0.4=0.4 → 4.5/6.
        assert!((auc(&scores, &pos).expect("both classes") - 0.75).abs() < 1e-12);
        assert_eq!(auc(&[1.0], &[true]), None);
    }
}
