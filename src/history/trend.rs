//! Trend statistics of a short series of corpus values: the Mann–Kendall trend
//! test and Sen's slope.
//!
//! The test follows Gilbert (1987) as `pymannkendall.original_test` computes it:
//! S = Σ_{i<j} sign(x_j − x_i); its variance under "no trend" with the tie
//! correction, Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18 over groups of `t`
//! equal values; the continuity-corrected z = (S − sign(S)) / √Var(S); and normal
//! p-values. Ties are exact equality, as in pymannkendall. Sen's slope is the
//! median of the pairwise slopes (x_j − x_i) / (j − i).

use serde::Serialize;

use crate::metrics::Direction;
use crate::stats::normal_cdf;

/// The Mann–Kendall statistics of one series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannKendall {
    /// Values in the series.
    pub n: usize,
    /// Kendall's S: concordant minus discordant pairs in time order.
    pub s: i64,
    /// Var(S) under "no trend", tie-corrected.
    pub var_s: f64,
    /// The continuity-corrected standard score; 0 when Var(S) is 0.
    pub z: f64,
    /// Two-sided p-value of "no trend".
    pub p_two_sided: f64,
    /// One-sided p-value of "no decrease" (small when the values fall).
    pub p_decreasing: f64,
    /// One-sided p-value of "no increase" (small when the values rise).
    pub p_increasing: f64,
    /// Kendall's tau, S / (n(n−1)/2).
    pub tau: f64,
}

/// Mann–Kendall's test of a monotonic trend in `x` (in time order).
pub fn mann_kendall(x: &[f64]) -> MannKendall {
    let n = x.len();
    let mut s: i64 = 0;
    for (i, a) in x.iter().enumerate() {
        for b in &x[i + 1..] {
            if b > a {
                s += 1;
            } else if b < a {
                s -= 1;
            }
        }
    }
    let nf = n as f64;
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut start = 0;
    while start < sorted.len() {
        let end = start
            + sorted[start..]
                .iter()
                .take_while(|v| **v == sorted[start])
                .count()
                .max(1);
        let t = (end - start) as f64;
        ties += t * (t - 1.0) * (2.0 * t + 5.0);
        start = end;
    }
    let var_s = ((nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0).max(0.0);
    let z = if var_s <= 0.0 || s == 0 {
        0.0
    } else {
        (s - s.signum()) as f64 / var_s.sqrt()
    };
    let pairs = nf * (nf - 1.0) / 2.0;
    MannKendall {
        n,
        s,
        var_s,
        z,
        p_two_sided: 2.0 * (1.0 - normal_cdf(z.abs())),
        p_decreasing: normal_cdf(z),
        p_increasing: normal_cdf(-z),
        tau: if pairs > 0.0 { s as f64 / pairs } else { 0.0 },
    }
}

impl MannKendall {
    /// One-sided p-value of "not getting worse" for a metric with `direction`:
    /// a decrease is worse when higher is better, an increase when lower is.
    pub fn p_worse(&self, direction: Direction) -> f64 {
        match direction {
            Direction::Higher => self.p_decreasing,
            Direction::Lower => self.p_increasing,
        }
    }
}

/// Sen's slope: the median of the pairwise slopes, per entry; NaN below two
/// values.
pub fn sens_slope(x: &[f64]) -> f64 {
    let mut slopes = Vec::with_capacity(x.len() * x.len().saturating_sub(1) / 2);
    for (i, a) in x.iter().enumerate() {
        for (d, b) in x[i + 1..].iter().enumerate() {
            slopes.push((b - a) / (d + 1) as f64);
        }
    }
    if slopes.is_empty() {
        return f64::NAN;
    }
    slopes.sort_by(f64::total_cmp);
    let m = slopes.len() / 2;
    if slopes.len() % 2 == 1 {
        slopes[m]
    } else {
        (slopes[m - 1] + slopes[m]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strict_decline_has_the_extreme_s() {
        let mk = mann_kendall(&[5.0, 4.0, 3.0, 2.0, 1.0]);
        assert_eq!(mk.s, -10);
        assert!((mk.var_s - 5.0 * 4.0 * 15.0 / 18.0).abs() < 1e-12);
        assert!((mk.z - (-9.0 / mk.var_s.sqrt())).abs() < 1e-12);
        assert!(mk.p_decreasing < 0.05);
        assert!(mk.p_increasing > 0.95);
        assert_eq!(mk.tau, -1.0);
        assert_eq!(sens_slope(&[5.0, 4.0, 3.0, 2.0, 1.0]), -1.0);
    }

    #[test]
    fn a_constant_series_has_no_trend() {
        let mk = mann_kendall(&[0.5; 8]);
        assert_eq!((mk.s, mk.var_s, mk.z), (0, 0.0, 0.0));
        assert!((mk.p_two_sided - 1.0).abs() < 1e-6);
        assert_eq!(sens_slope(&[0.5; 8]), 0.0);
    }

    #[test]
    fn ties_shrink_the_variance() {
        // Groups of sizes 2, 1, 2: Σ t(t−1)(2t+5) = 18 + 0 + 18.
        let mk = mann_kendall(&[1.0, 1.0, 2.0, 3.0, 3.0]);
        assert!((mk.var_s - (5.0 * 4.0 * 15.0 - 36.0) / 18.0).abs() < 1e-12);
        assert_eq!(mk.s, 8);
    }

    #[test]
    fn short_series_are_harmless() {
        assert_eq!(mann_kendall(&[]).z, 0.0);
        assert_eq!(mann_kendall(&[1.0]).s, 0);
        assert!(sens_slope(&[1.0]).is_nan());
    }

    #[test]
    fn worse_follows_the_direction() {
        let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert!(mk.p_worse(Direction::Lower) < 0.05);
        assert!(mk.p_worse(Direction::Higher) > 0.95);
    }
}
