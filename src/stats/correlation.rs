//! Correlation coefficients as scipy computes them: Pearson's r
//! (`scipy.stats.pearsonr`), Spearman's rho (`spearmanr`: Pearson's r of average
//! ranks) and Kendall's tau-b (`kendalltau`, ties adjusted).
//!
//! Each returns `NaN` where scipy does: fewer than two points, or a constant
//! input (the coefficient is undefined). Callers decide what an undefined
//! coefficient means for them.

/// A correlation coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Correlation {
    /// Kendall's tau-b.
    Kendall,
    /// Spearman's rank correlation.
    Spearman,
    /// Pearson's linear correlation.
    Pearson,
}

impl Correlation {
    /// Every coefficient, in report order.
    pub const ALL: [Correlation; 3] = [
        Correlation::Kendall,
        Correlation::Spearman,
        Correlation::Pearson,
    ];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Correlation::Kendall => "kendall",
            Correlation::Spearman => "spearman",
            Correlation::Pearson => "pearson",
        }
    }

    /// The coefficient of `x` and `y` (same length).
    pub fn compute(self, x: &[f64], y: &[f64]) -> f64 {
        match self {
            Correlation::Kendall => kendall_tau_b(x, y),
            Correlation::Spearman => spearman(x, y),
            Correlation::Pearson => pearson(x, y),
        }
    }
}

/// Pearson's r; `NaN` for fewer than two points or a constant input.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return f64::NAN;
    }
    let (x, y) = (&x[..n], &y[..n]);
    let mx = x.iter().sum::<f64>() / n as f64;
    let my = y.iter().sum::<f64>() / n as f64;
    // scipy's constant-input check: every value equal to the first.
    if x.iter().all(|&v| v == x[0]) || y.iter().all(|&v| v == y[0]) {
        return f64::NAN;
    }
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let r = sxy / (sxx.sqrt() * syy.sqrt());
    r.clamp(-1.0, 1.0)
}

/// Average (fractional) ranks, 1-based, ties sharing the mean of their ranks
/// (`scipy.stats.rankdata(method="average")`).
pub fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && x[order[j]] == x[order[i]] {
            j += 1;
        }
        // Positions i..j (0-based) hold ranks i+1..=j; their mean is (i+1+j)/2.
        let rank = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = rank;
        }
        i = j;
    }
    ranks
}

/// Spearman's rho: Pearson's r of the average ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    pearson(&average_ranks(&x[..n]), &average_ranks(&y[..n]))
}

/// Kendall's tau-b: (concordant − discordant) / √((n₀ − n₁)(n₀ − n₂)), where n₁
/// and n₂ count the pairs tied in `x` and in `y`. Quadratic in the length, which
/// suits its use here (systems per input, or systems).
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return f64::NAN;
    }
    let (mut concordant, mut discordant) = (0i64, 0i64);
    let (mut tied_x, mut tied_y) = (0i64, 0i64);
    for i in 0..n {
        for j in i + 1..n {
            let dx = x[i].total_cmp(&x[j]) as i64;
            let dy = y[i].total_cmp(&y[j]) as i64;
            if x[i] == x[j] {
                tied_x += 1;
            }
            if y[i] == y[j] {
                tied_y += 1;
            }
            if x[i] != x[j] && y[i] != y[j] {
                if dx == dy {
                    concordant += 1;
                } else {
                    discordant += 1;
                }
            }
        }
    }
    let pairs = (n * (n - 1) / 2) as i64;
    let denom = ((pairs - tied_x) as f64 * (pairs - tied_y) as f64).sqrt();
    if denom == 0.0 {
        return f64::NAN;
    }
    ((concordant - discordant) as f64 / denom).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_reversed_orders() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [10.0, 20.0, 30.0, 40.0];
        let z = [4.0, 3.0, 2.0, 1.0];
        for c in Correlation::ALL {
            assert!((c.compute(&x, &y) - 1.0).abs() < 1e-12, "{c:?}");
            assert!((c.compute(&x, &z) + 1.0).abs() < 1e-12, "{c:?}");
        }
    }

    #[test]
    fn undefined_cases_are_nan() {
        for c in Correlation::ALL {
            assert!(c.compute(&[1.0], &[2.0]).is_nan());
            assert!(c.compute(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_nan());
        }
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(
            average_ranks(&[3.0, 1.0, 3.0, 2.0]),
            vec![3.5, 1.0, 3.5, 2.0]
        );
    }

    #[test]
    fn tau_b_with_ties_matches_hand_count() {
        // Pairs: (0,1) C, (0,2) tie x, (0,3) C, (1,2) D... computed by hand:
        // x = [1,2,1,3], y = [1,3,2,2]
        // (0,1): dx+ dy+ C; (0,2): x tie; (0,3): dx+ dy+ C; (1,2): dx- dy- C;
        // (1,3): dx+ dy- D; (2,3): dx+ y tie.
        // C=3, D=1, n0=6, n1=1, n2=1 → 2/5.
        let t = kendall_tau_b(&[1.0, 2.0, 1.0, 3.0], &[1.0, 3.0, 2.0, 2.0]);
        assert!((t - 0.4).abs() < 1e-12, "{t}");
    }
}
