//! A small statistics library for paired comparisons: the design matrix of
//! per-example statistics, the paired bootstrap, paired sign-flip
//! randomization, the inversion of either into one interval and test per row
//! (`inversion`), and multiplicity corrections.
//!
//! Statistics know nothing of metrics' meaning: a metric is a set of columns of
//! the design and a function from column sums to a corpus value.

mod bootstrap;
pub(crate) mod cluster;
pub mod contingency;
pub mod correlation;
pub(crate) mod graph;
pub mod inversion;
pub(crate) mod mcnemar;
pub(crate) mod plan;
mod poisson;
pub mod proportion;
mod randomization;
pub mod rng;
pub mod unpaired;

// The design is what scoring hands to the resamplers: it is made one layer
// below (`crate::design`).
use crate::design::{Design, Layout};

#[cfg(any(test, feature = "internals"))]
pub use bootstrap::bootstrap;
pub use inversion::{Method, TestResult, TypicalValues};
#[cfg(any(test, feature = "internals"))]
pub use poisson::poisson_bootstrap;
#[cfg(any(test, feature = "internals"))]
pub use randomization::sign_flip;
pub use randomization::sign_flip_with_progress;

/// How bootstrap resamples are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Resampler {
    /// Multinomial below [`POISSON_MIN_N`] examples, Poisson from there on.
    Auto,
    /// `n` indices drawn with replacement (Koehn 2004, sacrebleu).
    Multinomial,
    /// Independent Poisson(1) weights per example (large benchmarks).
    Poisson,
}

/// From this many examples on, `auto` uses the Poisson bootstrap.
pub const POISSON_MIN_N: usize = 20_000;

impl Resampler {
    /// The resampler actually used for `n` examples (never `Auto`).
    pub fn resolve(self, n: usize) -> Resampler {
        match self {
            Resampler::Auto if n >= POISSON_MIN_N => Resampler::Poisson,
            Resampler::Auto => Resampler::Multinomial,
            other => other,
        }
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Resampler::Auto => "auto",
            Resampler::Multinomial => "multinomial",
            Resampler::Poisson => "poisson",
        }
    }
}

/// Bootstrap resamples with the chosen resampler, calling `done` (from any
/// thread) with the number of resamples finished as it goes.
pub fn resample_with_progress(
    design: &Design,
    resamples: usize,
    seed: u64,
    resampler: Resampler,
    done: &(dyn Fn(u64) + Sync),
) -> Resampled {
    match resampler.resolve(design.n) {
        Resampler::Poisson => {
            poisson::poisson_bootstrap_with_progress(design, resamples, seed, done)
        }
        _ => bootstrap::bootstrap_with_progress(design, resamples, seed, done),
    }
}

/// Column sums of every resample: `sums[(b * groups + g) * width + c]` and the
/// number of examples drawn into group `g` in resample `b`.
#[derive(Debug, Clone)]
pub struct Resampled {
    /// Resamples.
    pub b: usize,
    /// Groups.
    pub groups: usize,
    /// Columns.
    pub width: usize,
    /// Column sums.
    pub sums: Vec<f64>,
    /// Examples per group per resample.
    pub counts: Vec<u32>,
}

impl Resampled {
    /// `rounds` resamples of `design` in parallel: round `r`'s metric sums
    /// and group counts are filled by `each(r, sums, counts)`, then `done(1)`
    /// is called. All zero when `skip` (nothing to resample). Each round
    /// draws from its own stream, so the output does not depend on threads.
    fn in_parallel(
        design: &Design,
        rounds: usize,
        skip: bool,
        done: &(dyn Fn(u64) + Sync),
        each: impl Fn(usize, &mut [f64], &mut [u32]) + Sync,
    ) -> Self {
        let (groups, width) = (design.groups, design.width);
        let mut out = Resampled::zeroed(rounds, groups, width);
        if skip || width == 0 {
            return out;
        }
        use rayon::prelude::*;
        out.sums
            .par_chunks_mut(groups * width)
            .zip(out.counts.par_chunks_mut(groups))
            .enumerate()
            .for_each(|(r, (sums, counts))| {
                each(r, sums, counts);
                done(1);
            });
        out
    }

    fn zeroed(b: usize, groups: usize, width: usize) -> Self {
        Resampled {
            b,
            groups,
            width,
            sums: vec![0.0; b * groups * width],
            counts: vec![0; b * groups],
        }
    }

    /// The resampled deltas of one metric in one group, skipping resamples that
    /// drew no example of the group.
    pub fn deltas(
        &self,
        layout: Layout,
        group: usize,
        corpus: &dyn Fn(&[f64], f64) -> f64,
    ) -> Vec<f64> {
        self.group_rows(group)
            .map(|(sums, n)| match layout {
                Layout::Delta { col } => sums[col] / n,
                Layout::Corpus { base, cur, k } => {
                    corpus(&sums[cur..cur + k], n) - corpus(&sums[base..base + k], n)
                }
            })
            .collect()
    }

    /// Each resample's column sums in `group` with its example count, for the
    /// resamples that drew an example of the group.
    fn group_rows(&self, group: usize) -> impl Iterator<Item = (&[f64], f64)> + '_ {
        (0..self.b).filter_map(move |b| {
            let count = self.counts[b * self.groups + group];
            let start = (b * self.groups + group) * self.width;
            (count > 0).then(|| (&self.sums[start..start + self.width], f64::from(count)))
        })
    }
}

impl Resampled {
    /// The resampled corpus values of one side (the `k` columns from `first`)
    /// in one group, skipping resamples that drew no example of the group.
    pub fn side_values(
        &self,
        first: usize,
        k: usize,
        group: usize,
        corpus: &dyn Fn(&[f64], f64) -> f64,
    ) -> Vec<f64> {
        self.group_rows(group)
            .map(|(sums, n)| corpus(&sums[first..first + k], n))
            .collect()
    }
}

/// The normal-approximation interval mean ± z·sd/√n of `values` at
/// `confidence` (sd with n − 1); `None` below two values or when one is not
/// finite.
pub fn mean_ci(values: &[f64], confidence: f64) -> Option<(f64, f64)> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
    let half =
        normal_quantile(1.0 - (1.0 - confidence) / 2.0) * (ss / (nf - 1.0)).sqrt() / nf.sqrt();
    (mean.is_finite() && half.is_finite()).then_some((mean - half, mean + half))
}

/// The `q` quantile of sorted values, linearly interpolated (numpy's default).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// The standard normal quantile function (Acklam's rational approximation,
/// relative error below 1.2e-9), for sample-size estimates and power checks.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let low = 0.024_25;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

/// The standard normal distribution function (via erfc's continued fraction is
/// overkill here: a high-precision Abramowitz–Stegun 7.1.26 form suffices for
/// power estimates, absolute error below 1.5e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-z * z).exp();
    if x >= 0.0 {
        1.0 - erfc / 2.0
    } else {
        erfc / 2.0
    }
}

/// Percentile confidence interval at `confidence` of resampled deltas.
pub fn percentile_ci(resampled: &[f64], confidence: f64) -> (f64, f64) {
    let mut sorted = resampled.to_vec();
    sorted.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    (quantile(&sorted, tail), quantile(&sorted, 1.0 - tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_ci_is_the_normal_interval() {
        // mean 2.5, sd √(5/3), n 4: half-width 1.959964 · 1.290994 / 2.
        let (lo, hi) = mean_ci(&[1.0, 2.0, 3.0, 4.0], 0.95).expect("four values");
        assert!((lo - (2.5 - 1.265_151_3)).abs() < 1e-6, "{lo}");
        assert!((hi - (2.5 + 1.265_151_3)).abs() < 1e-6, "{hi}");
        assert_eq!(mean_ci(&[1.0], 0.95), None);
        assert_eq!(mean_ci(&[1.0, f64::NAN], 0.95), None);
    }

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.125), 1.5);
        assert_eq!(quantile(&v, 1.0), 5.0);
    }

    #[test]
    fn normal_functions_agree_with_tables() {
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_quantile(0.05) + 1.644_853_627).abs() < 1e-8);
        assert!((normal_quantile(0.001) + 3.090_232_306).abs() < 1e-8);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_254).abs() < 1e-6);
    }
}
