//! One construction for a row's interval and its test: the interval is the set
//! of deltas a test does not reject, and the p-value is read off the same
//! distribution, so the two cannot disagree.
//!
//! Every method yields *typical values* of the delta — values that, under the
//! method's model, fall above or below the true delta with known probabilities
//! (Hartigan 1969, "Using subsample values as typical values", JASA 64:1303) —
//! plus a mass that counts as "at least as extreme" on both sides whatever the
//! delta (the observed arrangement itself, and rounds that drew no example):
//!
//! - **Sign-flip randomization** ([`Method::Randomization`]): the mean
//!   difference over a random subset of examples (each in it with probability
//!   ½). Flipping the signs of the subset's differences `dᵢ − δ` leaves
//!   `Σ (dᵢ − δ)` at least as small exactly when the subset's mean is ≥ δ, so
//!   the one-sided sign-flip test of "the delta is δ" rejects exactly where δ
//!   passes the subset means' quantile: the interval inverts the randomization
//!   test for a shift (Hartigan 1969). Under "no change" the test is exact in finite samples
//!   whenever the paired differences are symmetric about zero (an A/A
//!   comparison: the two sides of an example are exchangeable), whatever the
//!   number of examples, repeats or slices; the p-value keeps the observed
//!   arrangement in the count ((count + 1)/(rounds + 1), Phipson & Smyth 2010),
//!   so it is never 0 and never below its level.
//! - **Exact sign test** ([`TypicalValues::exact_sign_flip`]): the same subset
//!   means, enumerated completely instead of drawn, when every difference is
//!   −1, 0 or +1. At δ = 0 it is McNemar's exact test on the discordant pairs
//!   (McNemar 1947). The gate itself tests 0/1 metrics with the closed-form
//!   binomial sums of `stats::mcnemar` (any n); the enumeration stays
//!   as the reference the calibration tests compare constructions with.
//! - **Paired bootstrap** ([`Method::Bootstrap`]): the resampled deltas
//!   (Koehn 2004), for corpus metrics (BLEU, chrF, macro-F1) and for
//!   `--test bootstrap`. The interval is the percentile interval and the
//!   p-value its inversion: twice the share of resampled deltas on the far
//!   side of 0 (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*),
//!   centred on the observed delta
//!   as the interval is. It is a large-sample method.
//!
//! Each row is inverted at the one-sided level `tail` its family gives it
//! (`crate::stats::graph`): the interval is two-sided at 1 − 2·tail, and its
//! end on the worse side is the one-sided test's bound.
//!
//! The upper bound is the largest typical value `v` such that
//! `always + P(V ≥ v) > tail`; a delta above it is rejected. The one-sided
//! p-value against "the delta is not below 0" is `always + P(V ≥ 0)`, summed in
//! the same order, so `upper < 0` exactly when that p-value is ≤ `tail`; the
//! lower bound mirrors it.

use serde::Serialize;

/// Which test decided a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// McNemar's mid-p test of a 0/1 metric: binomial sums, no resampling
    /// (`stats::mcnemar`).
    Exact,
    /// Monte Carlo sign-flip randomization, inverted into an interval.
    Randomization,
    /// Paired bootstrap: percentile interval and its inversion.
    Bootstrap,
}

impl Method {
    /// Its name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Method::Exact => "McNemar mid-p (exact)",
            Method::Randomization => "sign-flip randomization",
            Method::Bootstrap => "paired bootstrap",
        }
    }
}

/// What one test says about one observed delta.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestResult {
    /// Lower end of the delta's interval (−∞ when the data cannot bound it).
    pub ci_low: f64,
    /// Upper end (+∞ when the data cannot bound it).
    pub ci_high: f64,
    /// Two-sided p-value of "no change": 2 · min(`p_less`, `p_greater`), at most 1.
    pub p_two_sided: f64,
    /// One-sided p-value against "the delta is not below 0".
    pub p_less: f64,
    /// One-sided p-value against "the delta is not above 0".
    pub p_greater: f64,
}

/// Typical values of a delta with their probabilities, sorted by value, and
/// the mass that counts on both sides at every delta.
#[derive(Debug, Clone)]
pub struct TypicalValues {
    points: Vec<(f64, f64)>,
    always: f64,
    /// Mid-p: a value equal to the tested delta (and the `always` mass, which
    /// is the observed arrangement itself) counts half (see [`Self::mid_p`]).
    mid: bool,
}

impl TypicalValues {
    /// Values drawn by a Monte Carlo method (`draws`), plus `skipped` rounds
    /// that gave no value (no example of the group drawn or flipped). Each
    /// weighs 1/(rounds + 1); the observed arrangement and the skipped rounds
    /// count on both sides. A non-finite draw counts as skipped.
    pub fn from_draws(draws: &[f64], skipped: usize) -> Self {
        let rounds = draws.len() + skipped;
        let w = 1.0 / (rounds as f64 + 1.0);
        let mut finite: Vec<f64> = draws.iter().copied().filter(|x| x.is_finite()).collect();
        let unusable = skipped + (draws.len() - finite.len());
        finite.sort_by(f64::total_cmp);
        TypicalValues {
            points: finite.into_iter().map(|v| (v, w)).collect(),
            always: (1 + unusable) as f64 * w,
            mid: false,
        }
    }

    #[cfg(any(test, feature = "internals"))]
    /// The exact distribution of the subset means of `gains` differences of
    /// +1, `losses` of −1 and `zeros` of 0, each example in the subset with
    /// probability ½; the empty subset is the "always" mass.
    pub fn exact_sign_flip(gains: usize, losses: usize, zeros: usize) -> Self {
        let n = gains + losses + zeros;
        let (pg, pl, pz) = (
            binomial_half(gains),
            binomial_half(losses),
            binomial_half(zeros),
        );
        // Mass of each (G − L, G + L + Z): the subset mean is their ratio.
        let stride = n + 1;
        let mut grid = vec![0.0f64; (gains + losses + 1) * stride];
        for (g, &wg) in pg.iter().enumerate() {
            for (l, &wl) in pl.iter().enumerate() {
                let w = wg * wl;
                if w == 0.0 {
                    continue;
                }
                let row = (g + losses - l) * stride + g + l;
                for (z, &wz) in pz.iter().enumerate() {
                    grid[row + z] += w * wz;
                }
            }
        }
        let mut always = 0.0;
        let mut points = Vec::new();
        for (d, row) in grid.chunks(stride).enumerate() {
            let diff = d as f64 - losses as f64;
            for (size, &w) in row.iter().enumerate() {
                if w == 0.0 {
                    continue;
                }
                if size == 0 {
                    always += w;
                } else {
                    points.push((diff / size as f64, w));
                }
            }
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        TypicalValues {
            points,
            always,
            mid: false,
        }
    }

    #[cfg(any(test, feature = "internals"))]
    /// The mid-p version of the same test (Lancaster 1961): an arrangement as
    /// extreme as the observed one — a typical value equal to the tested
    /// delta, and the `always` mass — counts half instead of whole. For 0/1
    /// differences the statistic takes few values and ties carry much mass,
    /// so the conventional test rejects less often than its level (McNemar's
    /// exact test at α = 0.05: about 0.04); at 0 the mid-p test is McNemar's
    /// mid-p test, which Fagerland, Lydersen & Laake (2013, BMC Med. Res.
    /// Methodol. 13:91) found to hold its level in practice while being
    /// markedly less conservative. The interval inverts the mid-p test: its
    /// set of accepted deltas can be open at a typical value (accepted just
    /// below it, rejected at it); such an end is reported as the nearest
    /// double inside, so that an interval "ending at 0" that excludes 0 reads
    /// as ending below it and the p-value and interval still agree exactly.
    pub fn mid_p(mut self) -> Self {
        self.mid = true;
        self
    }

    /// The weight of the `always` mass on each side.
    fn always_weight(&self) -> f64 {
        if self.mid {
            self.always / 2.0
        } else {
            self.always
        }
    }

    /// `always` plus the mass of values ≥ `x`, summed from the largest value
    /// down (mid-p: `always` and values equal to `x` count half).
    pub fn mass_at_least(&self, x: f64) -> f64 {
        let mut acc = self.always_weight();
        for &(v, w) in self.points.iter().rev() {
            if v < x {
                break;
            }
            acc += if self.mid && v == x { w / 2.0 } else { w };
        }
        acc
    }

    /// `always` plus the mass of values ≤ `x`, summed from the smallest value
    /// up (mid-p: `always` and values equal to `x` count half).
    pub fn mass_at_most(&self, x: f64) -> f64 {
        let mut acc = self.always_weight();
        for &(v, w) in &self.points {
            if v > x {
                break;
            }
            acc += if self.mid && v == x { w / 2.0 } else { w };
        }
        acc
    }

    /// The largest value `v` with `always + P(V ≥ v) > tail`: deltas above it
    /// are rejected at one-sided level `tail`. +∞ when none can be.
    pub fn upper(&self, tail: f64) -> f64 {
        let always = self.always_weight();
        if always > tail {
            return f64::INFINITY;
        }
        let mut acc = always;
        let mut i = self.points.len();
        while i > 0 {
            let v = self.points[i - 1].0;
            let above = acc;
            while i > 0 && self.points[i - 1].0 == v {
                acc += self.points[i - 1].1;
                i -= 1;
            }
            if !self.mid {
                if acc > tail {
                    return v;
                }
            } else if above + (acc - above) / 2.0 > tail {
                // Accepted at v itself.
                return v;
            } else if acc > tail {
                // Accepted just below v (where v's mass counts whole), not at v.
                return next_down(v);
            }
        }
        f64::NEG_INFINITY
    }

    /// The smallest value `v` with `always + P(V ≤ v) > tail`.
    pub fn lower(&self, tail: f64) -> f64 {
        let always = self.always_weight();
        if always > tail {
            return f64::NEG_INFINITY;
        }
        let mut acc = always;
        let mut i = 0;
        while i < self.points.len() {
            let v = self.points[i].0;
            let below = acc;
            while i < self.points.len() && self.points[i].0 == v {
                acc += self.points[i].1;
                i += 1;
            }
            if !self.mid {
                if acc > tail {
                    return v;
                }
            } else if below + (acc - below) / 2.0 > tail {
                return v;
            } else if acc > tail {
                return next_up(v);
            }
        }
        f64::INFINITY
    }

    /// The interval at one-sided level `tail` per side and the p-values of
    /// "no change", from the same typical values.
    pub fn invert(&self, tail: f64) -> TestResult {
        let p_less = self.mass_at_least(0.0).min(1.0);
        let p_greater = self.mass_at_most(0.0).min(1.0);
        TestResult {
            ci_low: self.lower(tail),
            ci_high: self.upper(tail),
            p_two_sided: (2.0 * p_less.min(p_greater)).min(1.0),
            p_less,
            p_greater,
        }
    }
}

/// The largest double below `v` (`f64::next_down`, stable only since Rust 1.86).
fn next_down(v: f64) -> f64 {
    if v.is_nan() || v == f64::NEG_INFINITY {
        v
    } else if v == 0.0 {
        -f64::from_bits(1)
    } else if v > 0.0 {
        f64::from_bits(v.to_bits() - 1)
    } else {
        f64::from_bits(v.to_bits() + 1)
    }
}

/// The smallest double above `v`.
fn next_up(v: f64) -> f64 {
    -next_down(-v)
}

#[cfg(any(test, feature = "internals"))]
/// P(X = j), j = 0..=k, for X ~ Binomial(k, ½), computed in logs.
fn binomial_half(k: usize) -> Vec<f64> {
    let ln2 = std::f64::consts::LN_2;
    let mut out = Vec::with_capacity(k + 1);
    let mut ln_choose = 0.0f64;
    for j in 0..=k {
        out.push((ln_choose - k as f64 * ln2).exp());
        if j < k {
            ln_choose += ((k - j) as f64).ln() - ((j + 1) as f64).ln();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_half_sums_to_one() {
        for k in [0, 1, 5, 40, 200] {
            let p = binomial_half(k);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{k}");
        }
        assert!((binomial_half(3)[0] - 0.125).abs() < 1e-15);
    }

    #[test]
    fn three_losses_in_twenty_is_mcnemar_exact() {
        // 3 losses, 0 gains: P(Bin(3, ½) ≥ 3) = 1/8 one-sided, 1/4 two-sided.
        let t = TypicalValues::exact_sign_flip(0, 3, 17).invert(0.025);
        assert!((t.p_less - 0.125).abs() < 1e-12, "{t:?}");
        assert!((t.p_two_sided - 0.25).abs() < 1e-12);
        assert!(t.ci_high >= 0.0 && t.ci_low < 0.0, "{t:?}");
        // 6 losses: 1/64 one-sided, below 0.025: the interval ends below 0.
        let t = TypicalValues::exact_sign_flip(0, 6, 14).invert(0.025);
        assert!((t.p_two_sided - 2.0 / 64.0).abs() < 1e-12);
        assert!(t.ci_high < 0.0, "{t:?}");
    }

    #[test]
    fn mid_p_at_zero_is_mcnemars_mid_p() {
        // 1 gain, 6 losses: P(X > 6) + ½P(X = 6) for X ~ Bin(7, ½)
        // = ½ · 7/128 + 1/128 = 9/256 one-sided.
        let t = TypicalValues::exact_sign_flip(1, 6, 13)
            .mid_p()
            .invert(0.025);
        assert!((t.p_less - 9.0 / 256.0).abs() < 1e-12, "{t:?}");
        let exact = TypicalValues::exact_sign_flip(1, 6, 13).invert(0.025);
        assert!((exact.p_less - 8.0 / 128.0).abs() < 1e-12, "{exact:?}");
        // 0 gains, 6 losses: mid-p ½ · 1/64 = 1/128 < 0.025 < 1/64 + …: the
        // mid-p interval excludes 0 where the conventional one does at 0.0125.
        let t = TypicalValues::exact_sign_flip(0, 6, 14)
            .mid_p()
            .invert(0.0125);
        assert!((t.p_less - 1.0 / 128.0).abs() < 1e-12);
        assert!(t.ci_high < 0.0, "{t:?}");
        let conventional = TypicalValues::exact_sign_flip(0, 6, 14).invert(0.0125);
        assert!(conventional.ci_high >= 0.0, "{conventional:?}");
    }

    #[test]
    fn no_discordant_pair_gives_a_zero_interval_and_p_one() {
        let t = TypicalValues::exact_sign_flip(0, 0, 30).invert(0.025);
        assert_eq!((t.ci_low, t.ci_high), (0.0, 0.0));
        assert_eq!(t.p_two_sided, 1.0);
        let t = TypicalValues::from_draws(&[0.0; 500], 0).invert(0.025);
        assert_eq!((t.ci_low, t.ci_high), (0.0, 0.0));
        assert_eq!(t.p_two_sided, 1.0);
    }

    #[test]
    fn too_few_rounds_leave_the_interval_unbounded() {
        // 19 rounds: the smallest one-sided p is 1/20 > 0.025.
        let draws: Vec<f64> = (1..20).map(f64::from).collect();
        let t = TypicalValues::from_draws(&draws, 0).invert(0.025);
        assert_eq!(t.ci_low, f64::NEG_INFINITY);
        assert_eq!(t.ci_high, f64::INFINITY);
        assert!(t.p_two_sided > 0.05);
    }

    #[test]
    fn bounds_and_p_values_agree_at_every_level() {
        let draws: Vec<f64> = (0..999).map(|i| f64::from(i % 37) / 10.0 - 0.5).collect();
        let binary: Vec<f64> = (0..999).map(|i| f64::from(i % 5) / 4.0 - 0.5).collect();
        let values = [
            TypicalValues::from_draws(&draws, 3),
            TypicalValues::exact_sign_flip(4, 9, 7),
            TypicalValues::exact_sign_flip(2, 2, 0),
            TypicalValues::exact_sign_flip(4, 9, 7).mid_p(),
            TypicalValues::exact_sign_flip(0, 9, 7).mid_p(),
            TypicalValues::exact_sign_flip(1, 12, 0).mid_p(),
            TypicalValues::exact_sign_flip(2, 2, 0).mid_p(),
            TypicalValues::from_draws(&binary, 3).mid_p(),
        ];
        for v in &values {
            for tail in [0.001, 0.005, 0.0125, 0.025, 0.05, 0.2] {
                let t = v.invert(tail);
                assert_eq!(t.ci_high < 0.0, t.p_less <= tail, "{tail} {t:?}");
                assert_eq!(t.ci_low > 0.0, t.p_greater <= tail, "{tail} {t:?}");
                assert!(t.ci_low <= t.ci_high);
            }
        }
    }

    #[test]
    fn next_double_helpers_step_one_ulp() {
        assert_eq!(next_down(1.0), 1.0 - f64::EPSILON / 2.0);
        assert_eq!(next_up(1.0), 1.0 + f64::EPSILON);
        assert!(next_down(0.0) < 0.0 && next_up(0.0) > 0.0);
        assert_eq!(next_up(next_down(-0.25)), -0.25);
    }
}
