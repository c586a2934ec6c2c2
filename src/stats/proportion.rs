//! A rate estimated from a stratified sample: the human win rate of a review
//! sheet, whose rows were drawn in fixed shares from strata of very different
//! sizes (by default 40% from the examples that got worse, 40% from those that
//! got better, 20% from the rest).
//!
//! **Estimate.** Each stratum's mean outcome (a row scores 1, 0 or ½) weighted
//! by the stratum's share of the population; strata known without sampling
//! (identical outputs, ½ by definition) enter with their known value.
//!
//! **Interval: Wilson's score interval at Kish's effective sample size**, with
//! continuity correction (Newcombe 1998, method 4). The
//! sampled strata's combined rate `q` is estimated with variance
//! `Σ w_h² σ_h² / n_h` (`w_h` the stratum's share among sampled strata). With
//! outcomes in [0, 1] and mean `q`, no stratum's variance can exceed what the
//! same strata would have if every stratum had rate `q`; that bound is
//! `q(1 − q) / n_eff` with `n_eff = 1 / Σ (w_h² / n_h)`, Kish's effective size
//! of a weighted sample (Kish 1965, *Survey Sampling*, §11.7). Wilson's score
//! interval (Wilson 1927, JASA 22:209) at that size — the design-effect-adjusted
//! Wilson interval that Dean & Pagano (2015, J. Surv. Stat. Methodol. 3:484)
//! found to hold its coverage best among common methods on small samples — is
//! then never of zero width: 24 unanimous rows of a stratum widen it as 24
//! Bernoulli trials would, instead of pinning that stratum's rate (a stratified
//! bootstrap of unanimous strata cannot vary, and gave [0.463, 0.463]). The
//! bound makes it conservative when strata differ a lot; the continuity
//! correction keeps it at or above its level where they do not (without it,
//! 60 coin-flip rows covered a true ½ 93.8% of the time at 95%).
//!
//! **Test.** The (continuity-corrected) score test of "the rate is ½" at the
//! same effective size: the
//! interval excludes ½ exactly when its two-sided p-value is below 1 − level.
//! A sign test over the sheet's rows is not valid here: the rows were drawn in
//! equal shares from "worse" and "better" strata, so wins and losses on the
//! sheet balance by design whatever the model did.

use super::{normal_cdf, normal_quantile};

/// A stratum of the sample: its weight in the population (its size) and the
/// outcomes of its reviewed rows, each in [0, 1].
#[derive(Debug, Clone, Copy)]
pub struct Sampled<'a> {
    /// The stratum's size in the population.
    pub weight: f64,
    /// Reviewed outcomes.
    pub outcomes: &'a [f64],
}

/// The weighted rate with its interval and test of ½.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StratifiedRate {
    /// The weighted rate.
    pub estimate: f64,
    /// Lower end of the Wilson interval.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
    /// Two-sided p-value of the score test of "the rate is ½".
    pub p_half: f64,
    /// Kish's effective sample size of the sampled strata.
    pub effective_n: f64,
}

/// The weighted rate of `sampled` strata plus `known` ones (weight, value),
/// with its Wilson interval at `confidence` (see the module doc). Strata
/// without outcomes or weight are left out by the caller.
pub fn stratified_rate(
    sampled: &[Sampled<'_>],
    known: &[(f64, f64)],
    confidence: f64,
) -> StratifiedRate {
    let total: f64 =
        sampled.iter().map(|s| s.weight).sum::<f64>() + known.iter().map(|k| k.0).sum::<f64>();
    let fixed: f64 = known.iter().map(|(w, v)| w / total * v).sum();
    let sampled_share: f64 = sampled.iter().map(|s| s.weight).sum::<f64>() / total;
    let inner: f64 = sampled.iter().map(|s| s.weight).sum();
    if sampled.is_empty() || inner <= 0.0 {
        return StratifiedRate {
            estimate: fixed,
            ci_low: fixed,
            ci_high: fixed,
            p_half: if fixed == 0.5 { 1.0 } else { 0.0 },
            effective_n: 0.0,
        };
    }
    let mut q = 0.0;
    let mut inverse_n = 0.0;
    for s in sampled {
        let w = s.weight / inner;
        let n = s.outcomes.len() as f64;
        q += w * s.outcomes.iter().sum::<f64>() / n;
        inverse_n += w * w / n;
    }
    let n = 1.0 / inverse_n;
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    let (low, high) = wilson(q, n, z);
    // The rate is ½ exactly when the sampled strata's rate is q0.
    let q0 = (0.5 - fixed) / sampled_share;
    let p_half = if q0 > 0.0 && q0 < 1.0 {
        score_test(q, q0, n)
    } else if q == q0 {
        1.0
    } else {
        0.0
    };
    StratifiedRate {
        estimate: fixed + sampled_share * q,
        ci_low: fixed + sampled_share * low,
        ci_high: fixed + sampled_share * high,
        p_half,
        effective_n: n,
    }
}

/// Wilson's score interval with continuity correction for a rate `p` observed
/// on `n` (effective) trials (Newcombe 1998, Stat. Med. 17:857, method 4):
/// the set of rates `r` with |p − r| − 1/(2n) ≤ z·√(r(1 − r)/n).
fn wilson(p: f64, n: f64, z: f64) -> (f64, f64) {
    let z2 = z * z;
    let denominator = 2.0 * (n + z2);
    let low = if p <= 0.0 {
        0.0
    } else {
        let root = (z2 - 2.0 - 1.0 / n + 4.0 * p * (n * (1.0 - p) + 1.0)).max(0.0);
        ((2.0 * n * p + z2 - 1.0 - z * root.sqrt()) / denominator).clamp(0.0, 1.0)
    };
    let high = if p >= 1.0 {
        1.0
    } else {
        let root = (z2 + 2.0 - 1.0 / n + 4.0 * p * (n * (1.0 - p) - 1.0)).max(0.0);
        ((2.0 * n * p + z2 + 1.0 + z * root.sqrt()) / denominator).clamp(0.0, 1.0)
    };
    (low, high)
}

/// Two-sided p-value of the continuity-corrected score test of rate `r0`
/// for a rate `p` on `n` trials: the test whose acceptance region is
/// [`wilson`]'s interval.
fn score_test(p: f64, r0: f64, n: f64) -> f64 {
    let distance = ((p - r0).abs() - 1.0 / (2.0 * n)).max(0.0);
    let score = distance / (r0 * (1.0 - r0) / n).sqrt();
    (2.0 * (1.0 - normal_cdf(score))).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_stratum_is_wilsons_interval() {
        // 0 of 24: Wilson's corrected 95% interval is [0, 0.1715] (Newcombe
        // 1998: (z² + 1 + z·√(z² + 2 − 1/24)) / (2·(24 + z²)) = 0.171715).
        let zeros = [0.0; 24];
        let r = stratified_rate(
            &[Sampled {
                weight: 1.0,
                outcomes: &zeros,
            }],
            &[],
            0.95,
        );
        assert_eq!(r.estimate, 0.0);
        assert_eq!(r.ci_low, 0.0);
        assert!((r.ci_high - 0.171_715).abs() < 1e-5, "{r:?}");
        assert!((r.effective_n - 24.0).abs() < 1e-12);
        // 7 of 10: [0.35367, 0.91905]; at each end |0.7 − r| − 1/20 equals
        // z·√(r(1 − r)/10) (checked by hand: 0.16905 at r = 0.91905).
        let seven: Vec<f64> = (0..10).map(|i| f64::from(u8::from(i < 7))).collect();
        let r = stratified_rate(
            &[Sampled {
                weight: 5.0,
                outcomes: &seven,
            }],
            &[],
            0.95,
        );
        assert!(
            (r.ci_low - 0.353_67).abs() < 1e-5 && (r.ci_high - 0.919_05).abs() < 1e-5,
            "{r:?}"
        );
        // The corrected score test: z = (0.2 − 0.05)/√(0.25/10) = 0.9487, p = 0.3428.
        assert!((r.p_half - 0.3428).abs() < 1e-3, "{r:?}");
    }

    #[test]
    fn unanimous_strata_give_an_interval_of_positive_width() {
        // The sheet: 24 losses in the "regressed" stratum (177
        // examples), 24 wins in "improved" (103), identical outputs known at ½.
        let (losses, wins) = ([0.0; 24], [1.0; 24]);
        let r = stratified_rate(
            &[
                Sampled {
                    weight: 177.0,
                    outcomes: &losses,
                },
                Sampled {
                    weight: 103.0,
                    outcomes: &wins,
                },
            ],
            &[(20.0, 0.5)],
            0.95,
        );
        assert!((r.estimate - (103.0 + 10.0) / 300.0).abs() < 1e-12);
        assert!(r.ci_high - r.ci_low > 0.1, "{r:?}");
        assert!(r.ci_low < r.estimate && r.estimate < r.ci_high);
        // n_eff = 1/(w1²/24 + w2²/24), w = 177/280, 103/280.
        let (w1, w2) = (177.0 / 280.0, 103.0 / 280.0);
        assert!((r.effective_n - 24.0 / (w1 * w1 + w2 * w2)).abs() < 1e-9);
    }

    #[test]
    fn the_interval_excludes_a_half_exactly_when_the_test_rejects() {
        for wins in 0..=30 {
            let a: Vec<f64> = (0..30).map(|i| f64::from(u8::from(i < wins))).collect();
            let b = [0.5, 1.0, 0.0, 1.0];
            let r = stratified_rate(
                &[
                    Sampled {
                        weight: 60.0,
                        outcomes: &a,
                    },
                    Sampled {
                        weight: 30.0,
                        outcomes: &b,
                    },
                ],
                &[(10.0, 0.5)],
                0.95,
            );
            let excludes = r.ci_high < 0.5 || r.ci_low > 0.5;
            assert_eq!(excludes, r.p_half < 0.05, "{wins}: {r:?}");
        }
    }
}
