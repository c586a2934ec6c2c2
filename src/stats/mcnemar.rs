//! McNemar's mid-p test for a paired 0/1 metric at any number of examples, and
//! the interval that inverts it.
//!
//! Only discordant pairs carry evidence: `gains` examples went 0 → 1 and
//! `losses` went 1 → 0, `d = gains + losses`. Given `d`, the number of gains is
//! Binomial(d, π) with π the share of changes that are gains, and the delta of
//! the metric is `d·(2π − 1)/n`. "No change" is π = ½, so the one-sided
//! p-value against "no drop" is P(X ≥ losses) for X ~ Bin(d, ½) — McNemar's
//! exact test (McNemar 1947) — in its mid-p form (Lancaster 1961): the
//! observed count weighs half. Fagerland, Lydersen & Laake (2013, BMC Med. Res.
//! Methodol. 13:91) recommend the mid-p test for paired proportions: it holds
//! its level in practice (the conventional exact test rejects about 4% of the
//! time at α = 5%, which costs power) and it is a closed-form binomial sum —
//! no resampling, the same p-value for every seed, any n.
//!
//! The interval inverts the same test: the delta's bounds are `d·(2π − 1)/n`
//! at the values of π that the one-sided mid-p binomial test at level `tail`
//! just accepts (found by bisection on the tail sum, which is monotone in π).
//! It is exact for π given `d`; scaling by the observed `d/n` is what makes it
//! an interval of the delta. At δ = 0 (π = ½) the inversion *is* the p-value
//! above, and the bounds are forced to agree with it at the last bit, so the
//! verdict read off the interval and the p-value never disagree.

use super::inversion::TestResult;

/// The counts a paired 0/1 comparison needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct McNemar {
    /// Examples 0 → 1.
    pub gains: usize,
    /// Examples 1 → 0.
    pub losses: usize,
    /// All examples, discordant or not.
    pub n: usize,
}

impl McNemar {
    /// The delta of the metric, from counts (exactly 0 when gains equal losses).
    pub fn delta(&self) -> f64 {
        if self.gains == self.losses || self.n == 0 {
            0.0
        } else {
            (self.gains as f64 - self.losses as f64) / self.n as f64
        }
    }

    /// Mid-p one-sided p-value against "the delta is at least `x`" (small when
    /// the data show a delta below `x`).
    pub fn p_at_least(&self, x: f64) -> f64 {
        let d = self.gains + self.losses;
        if d == 0 {
            return if x <= 0.0 { 0.5 } else { 0.0 };
        }
        match self.share(x) {
            Some(pi) => Tail::new(d, self.gains).mid_below(pi),
            None if x < 0.0 => 1.0,
            None => 0.0,
        }
    }

    /// Mid-p one-sided p-value against "the delta is at most `x`".
    pub fn p_at_most(&self, x: f64) -> f64 {
        McNemar {
            gains: self.losses,
            losses: self.gains,
            n: self.n,
        }
        .p_at_least(-x)
    }

    /// The share of gains π at which the delta is `x`, when it lies in [0, 1].
    fn share(&self, x: f64) -> Option<f64> {
        let d = (self.gains + self.losses) as f64;
        let pi = 0.5 + x * self.n as f64 / (2.0 * d);
        (0.0..=1.0).contains(&pi).then_some(pi)
    }

    /// The interval at one-sided level `tail` per side and the p-values of
    /// "no change", from the same binomial sums.
    pub fn invert(&self, tail: f64) -> TestResult {
        let p_less = self.p_at_least(0.0).min(1.0);
        let p_greater = self.p_at_most(0.0).min(1.0);
        let d = self.gains + self.losses;
        let scale = d as f64 / self.n.max(1) as f64;
        let mut high = scale * (2.0 * Tail::new(d, self.gains).upper_share(tail) - 1.0);
        let mut low = -scale * (2.0 * Tail::new(d, self.losses).upper_share(tail) - 1.0);
        // The test at 0 decides the sign of each bound, to the last bit.
        if p_less <= tail {
            high = high.min(-f64::from_bits(1));
        } else {
            high = high.max(0.0);
        }
        if p_greater <= tail {
            low = low.max(f64::from_bits(1));
        } else {
            low = low.min(0.0);
        }
        TestResult {
            ci_low: low,
            ci_high: high,
            p_two_sided: (2.0 * p_less.min(p_greater)).min(1.0),
            p_less,
            p_greater,
        }
    }
}

/// Mid-p lower tail of Binomial(d, π) at the observed count `g`:
/// P(X < g) + ½·P(X = g), as a function of π.
struct Tail {
    d: usize,
    g: usize,
    /// ln C(d, g).
    ln_choose: f64,
}

impl Tail {
    fn new(d: usize, g: usize) -> Self {
        let k = g.min(d - g);
        let ln_choose = (0..k)
            .map(|j| ((d - j) as f64).ln() - ((j + 1) as f64).ln())
            .sum();
        Tail { d, g, ln_choose }
    }

    /// P(X < g) + ½·P(X = g) for X ~ Bin(d, π). The tail that lies away from
    /// the mode is summed from `g` outward (terms only shrink, relative to
    /// P(X = g)); the other is its complement.
    fn mid_below(&self, pi: f64) -> f64 {
        let (d, g) = (self.d, self.g);
        if pi <= 0.0 {
            return if g == 0 { 0.5 } else { 1.0 };
        }
        if pi >= 1.0 {
            return if g == d { 0.5 } else { 0.0 };
        }
        let ln_at = self.ln_choose + g as f64 * pi.ln() + (d - g) as f64 * (1.0 - pi).ln();
        let at = ln_at.exp();
        let odds = pi / (1.0 - pi);
        let mode = ((d + 1) as f64 * pi).floor() as usize;
        // Sum of P(X = k)/P(X = g) over the tail away from the mode.
        let mut rel = 0.0;
        let mut term = 1.0;
        if g <= mode {
            // Below g: P(k − 1)/P(k) = k / ((d − k + 1)·odds).
            let mut k = g;
            while k > 0 {
                term *= k as f64 / ((d - k + 1) as f64 * odds);
                rel += term;
                if term < rel * 1e-17 {
                    break;
                }
                k -= 1;
            }
            ((rel * at) + 0.5 * at).min(1.0)
        } else {
            // Above g: P(k + 1)/P(k) = (d − k)·odds / (k + 1).
            let mut k = g;
            while k < d {
                term *= (d - k) as f64 * odds / (k + 1) as f64;
                rel += term;
                if term < rel * 1e-17 {
                    break;
                }
                k += 1;
            }
            (1.0 - rel * at - 0.5 * at).max(0.0)
        }
    }

    /// The largest share of gains π that the one-sided mid-p test at level
    /// `tail` accepts (the tail below the observed count is still above
    /// `tail`), by bisection: the tail falls as π grows.
    fn upper_share(&self, tail: f64) -> f64 {
        if self.d == 0 || self.mid_below(1.0) > tail {
            return 1.0;
        }
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if self.mid_below(mid) > tail {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(gains: usize, losses: usize, n: usize) -> McNemar {
        McNemar { gains, losses, n }
    }

    /// Mid-p by direct summation of the binomial(d, ½) probabilities.
    fn direct(d: u32, losses: u32) -> f64 {
        let choose = |k: u32| (0..k).fold(1.0f64, |c, j| c * f64::from(d - j) / f64::from(j + 1));
        let half = 0.5f64.powi(d as i32);
        let above: f64 = (losses + 1..=d).map(|k| choose(k) * half).sum();
        above + 0.5 * choose(losses) * half
    }

    #[test]
    fn p_value_is_the_mid_p_binomial_sum() {
        for (g, l) in [(1, 6), (0, 6), (3, 3), (10, 25), (37, 75), (0, 0), (40, 1)] {
            let t = counts(g, l, 500);
            let want = if g + l == 0 {
                0.5
            } else {
                direct((g + l) as u32, l as u32)
            };
            assert!((t.p_at_least(0.0) - want).abs() < 1e-12, "{g} {l}");
        }
        // 1 gain, 6 losses: ½·7/128 + 1/128 = 9/256.
        let t = counts(1, 6, 20);
        assert!((t.invert(0.05).p_less - 9.0 / 256.0).abs() < 1e-15);
    }

    #[test]
    fn large_counts_stay_finite_and_ordered() {
        let t = counts(7_400, 7_900, 100_000);
        let r = t.invert(0.025);
        assert!(r.ci_low < t.delta() && t.delta() < r.ci_high, "{r:?}");
        assert!(r.ci_high < 0.0 && r.p_less < 0.025, "{r:?}");
        let half_width = (r.ci_high - r.ci_low) / 2.0;
        // Normal theory: 1.96·√(d)/n.
        let normal = 1.96 * (15_300f64).sqrt() / 100_000.0;
        assert!(
            (half_width / normal - 1.0).abs() < 0.02,
            "{half_width} vs {normal}"
        );
    }

    #[test]
    fn interval_and_p_agree_at_every_level() {
        for (g, l) in [
            (0, 0),
            (0, 3),
            (3, 0),
            (1, 6),
            (5, 5),
            (12, 30),
            (80, 40),
            (0, 9),
        ] {
            let t = counts(g, l, 200);
            for tail in [0.001, 0.005, 0.0125, 0.025, 0.05, 0.1, 0.2] {
                let r = t.invert(tail);
                assert_eq!(r.ci_high < 0.0, r.p_less <= tail, "{g} {l} {tail} {r:?}");
                assert_eq!(r.ci_low > 0.0, r.p_greater <= tail, "{g} {l} {tail} {r:?}");
                assert!(r.ci_low <= r.ci_high);
                let dn = (g + l) as f64 / 200.0;
                assert!(r.ci_low >= -dn - 1e-12 && r.ci_high <= dn + 1e-12, "{r:?}");
            }
        }
    }

    #[test]
    fn margin_p_values_match_the_bounds() {
        let t = counts(20, 45, 400);
        let r = t.invert(0.05);
        // Just above the upper bound the test rejects; just below it accepts.
        assert!(t.p_at_least(r.ci_high + 1e-9) <= 0.05);
        assert!(t.p_at_least(r.ci_high - 1e-9) > 0.05);
        assert!(t.p_at_most(r.ci_low - 1e-9) <= 0.05);
        assert!(t.p_at_most(r.ci_low + 1e-9) > 0.05);
    }
}
