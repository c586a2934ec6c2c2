//! Did the mix change? Two samples of categories (the slices of a reference
//! and a current window, or of a benchmark and live traffic) compared as a
//! 2 × k table of counts.
//!
//! The statistic is the likelihood-ratio G = 2 Σ O ln(O/E) of homogeneity
//! (Sokal & Rohlf, *Biometry*, §17). Its p-value is exact-conditional where
//! that is affordable: the window labels are permuted over the rows
//! (`rounds` times, each its own random stream), which draws tables with the
//! observed margins from their multivariate hypergeometric law — Fisher's
//! exact test in Monte Carlo form, valid for any counts, sparse ones
//! included (Agresti, *Categorical Data Analysis*, §3.5). Beyond
//! [`super::unpaired::PERMUTATION_BUDGET`] rows × rounds, G's χ² limit with
//! k − 1 degrees of freedom: with that many rows every expected count that
//! matters is large.
//!
//! Which categories moved: each cell's adjusted residual (O − E)/√(E·(1 −
//! row share)·(1 − column share)) (Haberman 1973), standard normal under
//! homogeneity, compared with the two-sided Bonferroni bound at α/k.

use rayon::prelude::*;

/// The test of a 2 × k table.
#[derive(Debug, Clone, PartialEq)]
pub struct Homogeneity {
    /// G statistic.
    pub g: f64,
    /// Degrees of freedom (categories seen − 1).
    pub df: usize,
    /// p-value of "the mix did not change".
    pub p_value: f64,
    /// True when the p-value is the Monte Carlo exact-conditional one,
    /// false for the χ² limit.
    pub exact: bool,
    /// Adjusted residual of each category's current count (0 for a
    /// category seen on neither side).
    pub residuals: Vec<f64>,
}

/// G of counts `(reference, current)` per category.
fn g_statistic(reference: &[u64], current: &[u64]) -> f64 {
    let nr: u64 = reference.iter().sum();
    let nc: u64 = current.iter().sum();
    let n = (nr + nc) as f64;
    let mut g = 0.0;
    for (&r, &c) in reference.iter().zip(current) {
        let col = (r + c) as f64;
        for (o, row) in [(r, nr), (c, nc)] {
            if o > 0 {
                let e = col * row as f64 / n;
                g += o as f64 * (o as f64 / e).ln();
            }
        }
    }
    2.0 * g
}

/// Tests whether the category shares of two samples differ; `reference[k]`
/// and `current[k]` count category k on each side.
pub fn homogeneity(reference: &[u64], current: &[u64], rounds: usize, seed: u64) -> Homogeneity {
    let nr: u64 = reference.iter().sum();
    let nc: u64 = current.iter().sum();
    let n = nr + nc;
    let seen = reference
        .iter()
        .zip(current)
        .filter(|(&r, &c)| r + c > 0)
        .count();
    let df = seen.saturating_sub(1);
    let g = g_statistic(reference, current);
    let residuals = reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| {
            let col = (r + c) as f64;
            if col == 0.0 || nr == 0 || nc == 0 {
                return 0.0;
            }
            let nf = n as f64;
            let e = col * nc as f64 / nf;
            let v = e * (1.0 - nc as f64 / nf) * (1.0 - col / nf);
            if v > 0.0 {
                (c as f64 - e) / v.sqrt()
            } else {
                0.0
            }
        })
        .collect();
    if df == 0 || nr == 0 || nc == 0 {
        return Homogeneity {
            g,
            df,
            p_value: 1.0,
            exact: true,
            residuals,
        };
    }
    let drawn = nr.min(nc) as usize;
    let exact = rounds > 0 && drawn.saturating_mul(rounds) <= super::unpaired::PERMUTATION_BUDGET;
    let p_value = if exact {
        // Category label of every row; a permutation draws the smaller side.
        let labels: Vec<u32> = reference
            .iter()
            .zip(current)
            .enumerate()
            .flat_map(|(k, (&r, &c))| std::iter::repeat_n(k as u32, (r + c) as usize))
            .collect();
        let k = reference.len();
        let small_is_current = nc <= nr;
        let totals: Vec<u64> = reference.iter().zip(current).map(|(r, c)| r + c).collect();
        let at_least = (0..rounds)
            .into_par_iter()
            .map_init(
                || (labels.clone(), vec![0u64; k], vec![0u64; k]),
                |(order, drawn_counts, rest), b| {
                    let mut rng = super::rng::stream(seed, 0x6_7E57, b as u64);
                    drawn_counts.fill(0);
                    let len = order.len();
                    let mut swaps = Vec::with_capacity(drawn);
                    for i in 0..drawn {
                        let j = i + super::rng::index_below(&mut rng, len - i);
                        order.swap(i, j);
                        swaps.push((i, j));
                        drawn_counts[order[i] as usize] += 1;
                    }
                    for &(i, j) in swaps.iter().rev() {
                        order.swap(i, j);
                    }
                    for ((r, &t), &d) in rest.iter_mut().zip(&totals).zip(drawn_counts.iter()) {
                        *r = t - d;
                    }
                    let gb = if small_is_current {
                        g_statistic(rest, drawn_counts)
                    } else {
                        g_statistic(drawn_counts, rest)
                    };
                    // A relative tolerance: equal tables must count as "as extreme".
                    u64::from(gb >= g * (1.0 - 1e-9))
                },
            )
            .sum::<u64>();
        (at_least + 1) as f64 / (rounds + 1) as f64
    } else {
        chi_square_sf(g, df as f64)
    };
    Homogeneity {
        g,
        df,
        p_value,
        exact,
        residuals,
    }
}

/// P(χ²_df ≥ x): the regularised upper incomplete gamma Q(df/2, x/2).
pub fn chi_square_sf(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    upper_gamma(df / 2.0, x / 2.0)
}

/// Q(a, x), by its series below a + 1 and its continued fraction above
/// (Numerical Recipes §6.2), to about 1e-14.
fn upper_gamma(a: f64, x: f64) -> f64 {
    if x < a + 1.0 {
        let mut sum = 1.0 / a;
        let mut term = sum;
        let mut ap = a;
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        let p = sum * (-x + a * x.ln() - ln_gamma(a)).exp();
        (1.0 - p).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        ((-x + a * x.ln() - ln_gamma(a)).exp() * h).clamp(0.0, 1.0)
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, &g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi_square_tail_agrees_with_tables() {
        // Critical values of χ²₁ and χ²₅ at 0.05; closed forms for even and
        // odd df: Q(2, 1) = e⁻¹·2, and for df 3, erfc(√(x/2)) + √(2x/π)·e^(−x/2).
        assert!((chi_square_sf(3.841_458_820_694_124, 1.0) - 0.05).abs() < 1e-10);
        assert!((chi_square_sf(11.070_497_693_516_351, 5.0) - 0.05).abs() < 1e-10);
        assert!((chi_square_sf(2.0, 4.0) - 0.735_758_882_342_884_7).abs() < 1e-10);
        assert!((chi_square_sf(40.0, 3.0) - 1.065_509_033_425_586_1e-8).abs() < 1e-18);
    }

    #[test]
    fn the_exact_and_the_limit_p_values_agree_on_large_counts() {
        let (r, c) = ([300, 200, 100], [250, 260, 90]);
        let exact = homogeneity(&r, &c, 4_000, 3);
        let limit = homogeneity(&r, &c, 0, 3);
        assert!(exact.exact && !limit.exact);
        assert!(
            (exact.p_value - limit.p_value).abs() < 0.01,
            "{exact:?} {limit:?}"
        );
        assert!(exact.residuals[1] > 2.0, "{:?}", exact.residuals);
        let same = homogeneity(&[50, 50], &[50, 50], 1_000, 3);
        assert!(same.g.abs() < 1e-12 && same.p_value == 1.0, "{same:?}");
    }
}
