//! How big a benchmark must be: the examples (or clusters) the gate needs to
//! catch a drop with a given power, and the smallest drop a given size
//! catches — for the tests `compare` runs, so the promise holds for the gate.
//!
//! The model. A run of the benchmark and a second run of the same system
//! measure the run-to-run churn: per-example differences e with second
//! moment σ² (for 0/1 scores, the share of examples that changed) and, with
//! clusters, the design effect of their mean. A true drop δ then adds to
//! them:
//!
//! - 0/1 metrics: δ·N more examples flip from pass to fail, at random among
//!   those that passed both runs (each adds −1 to its difference);
//! - other mean metrics: every difference moves by −δ (the shift model of
//!   the minimum detectable drop `compare` reports).
//!
//! The test's reference distribution then has variance V₀/N and the mean
//! difference V₁/N per example:
//!
//! V₀ = deff·σ² + E[F²] + δ²·(m̃ − 1), V₁ = deff·σ² + Var F,
//!
//! with F the drop's part of one difference (E[F²] = δ, Var F = δ − δ² for
//! 0/1; δ² and 0 for a shift) and m̃ = Σm²/N the size-weighted mean cluster
//! size (1 without clusters). Without clusters and for 0/1 scores, V₀ and
//! V₁ are those of McNemar's test (discordant share d + δ, and d + δ − δ²):
//! the same formula as `compare`'s minimum detectable drop. The gate catches
//! the drop with power 1 − β when
//!
//! (δ − τ)·√N ≥ z₁₋α·√V₀ + z₁₋β·√V₁,
//!
//! τ the tolerance and α the one-sided level the row is tested at.

use super::normal_quantile;

/// What a run (and a second run of the same system) says about a metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    /// Every score is 0 or 1.
    pub binary: bool,
    /// Second moment of the run-to-run differences (0 without a second run).
    pub churn: f64,
    /// Design effect of the differences' mean (1 without clusters, or when
    /// the differences do not vary).
    pub deff: f64,
    /// Size-weighted mean cluster size Σm²/N (1 without clusters).
    pub weighted_size: f64,
    /// How far the metric can fall: the baseline value for a fraction that
    /// is higher-is-better (1 − it when lower is better), unbounded otherwise.
    pub room: f64,
}

/// The gate's level and the power asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// One-sided level of the row.
    pub alpha: f64,
    /// Power, e.g. 0.8.
    pub power: f64,
    /// The metric's tolerance.
    pub tolerance: f64,
}

impl Model {
    /// (V₀, V₁) at a drop δ (see the module doc).
    fn variances(&self, delta: f64) -> (f64, f64) {
        let churn = self.deff * self.churn;
        let (square, var) = if self.binary {
            (delta, delta - delta * delta)
        } else {
            (delta * delta, 0.0)
        };
        let cluster = delta * delta * (self.weighted_size - 1.0).max(0.0);
        (churn + square + cluster, churn + var)
    }

    /// How far short (δ − τ)·√n falls of what the test needs; ≥ 0 when the
    /// drop is caught with the target power.
    fn margin(&self, delta: f64, n: f64, t: Target) -> f64 {
        let (v0, v1) = self.variances(delta);
        let z = normal_quantile(1.0 - t.alpha);
        let zb = normal_quantile(t.power);
        (delta - t.tolerance) * n.sqrt() - z * v0.max(0.0).sqrt() - zb * v1.max(0.0).sqrt()
    }

    /// Examples needed to catch a true drop `delta` (`None` when the drop is
    /// not beyond the tolerance, or more than the metric can fall).
    pub fn examples(&self, delta: f64, t: Target) -> Option<f64> {
        if !(delta > t.tolerance && delta <= self.room && valid(t)) {
            return None;
        }
        let (v0, v1) = self.variances(delta);
        let z = normal_quantile(1.0 - t.alpha);
        let zb = normal_quantile(t.power);
        let root = (z * v0.max(0.0).sqrt() + zb * v1.max(0.0).sqrt()) / (delta - t.tolerance);
        Some(root * root)
    }

    /// The smallest true drop `n` examples catch with the target power
    /// (`None` when even the largest drop the metric allows is not).
    pub fn detectable(&self, n: f64, t: Target) -> Option<f64> {
        if n.is_nan() || n <= 0.0 || !valid(t) {
            return None;
        }
        let top = if self.room.is_finite() {
            self.room
        } else {
            // An unbounded metric: grow the bracket until the drop is caught.
            let mut top = t.tolerance + 1.0;
            while self.margin(top, n, t) < 0.0 && top < 1e12 {
                top *= 2.0;
            }
            top
        };
        if self.margin(top, n, t) < 0.0 {
            return None;
        }
        let (mut lo, mut hi) = (t.tolerance, top);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.margin(mid, n, t) < 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(hi)
    }
}

fn valid(t: Target) -> bool {
    t.alpha > 0.0 && t.alpha < 1.0 && t.power > 0.0 && t.power < 1.0 && t.tolerance >= 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Target = Target {
        alpha: 0.05,
        power: 0.8,
        tolerance: 0.0,
    };

    fn binary(churn: f64) -> Model {
        Model {
            binary: true,
            churn,
            deff: 1.0,
            weighted_size: 1.0,
            room: 0.7,
        }
    }

    #[test]
    fn a_deterministic_0_1_run_needs_the_textbook_size() {
        // d = 0: δ√n = z√δ + z_β√(δ − δ²), so n = ((1.6449 + 0.8416·√0.95)/√0.05)².
        let n = binary(0.0).examples(0.05, T).expect("n");
        let expected = ((1.644_853_6 + 0.841_621_2 * 0.95f64.sqrt()) / 0.05f64.sqrt()).powi(2);
        assert!((n - expected).abs() < 1e-4, "{n} vs {expected}");
    }

    #[test]
    fn examples_and_detectable_drop_are_inverse() {
        for model in [
            binary(0.15),
            Model {
                binary: false,
                churn: 0.04,
                deff: 2.5,
                weighted_size: 10.0,
                room: f64::INFINITY,
            },
        ] {
            let n = model.examples(0.05, T).expect("n");
            let d = model.detectable(n, T).expect("drop");
            assert!((d - 0.05).abs() < 1e-9, "{model:?}: {d}");
        }
    }

    #[test]
    fn churn_clusters_and_tolerance_cost_examples() {
        let base = binary(0.1).examples(0.05, T).expect("n");
        assert!(binary(0.2).examples(0.05, T).expect("n") > base);
        let clustered = Model {
            deff: 3.0,
            weighted_size: 10.0,
            ..binary(0.1)
        };
        assert!(clustered.examples(0.05, T).expect("n") > 2.0 * base);
        let tolerant = Target {
            tolerance: 0.02,
            ..T
        };
        assert!(binary(0.1).examples(0.05, tolerant).expect("n") > base);
        assert_eq!(binary(0.1).examples(0.02, tolerant), None);
        assert_eq!(binary(0.1).examples(0.8, T), None, "more than the room");
        assert_eq!(binary(0.1).detectable(3.0, T), None);
    }
}
