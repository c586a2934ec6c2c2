//! The paired bootstrap (Koehn 2004): each resample draws `n` example indices
//! with replacement and takes both sides of each drawn example together.
//!
//! One draw of indices serves every metric and every slice: a slice's value in a
//! resample is computed from the drawn examples that belong to it, so slice sizes
//! vary across resamples as they would across benchmarks.

use rayon::prelude::*;

use super::rng::{index_below, stream};
use super::{Design, Resampled};

/// Column sums and group counts of `resamples` paired bootstrap resamples.
/// Resample `b` uses its own random stream, so the output is identical at any
/// thread count.
pub fn bootstrap(design: &Design, resamples: usize, seed: u64) -> Resampled {
    let mut out = Resampled::zeroed(resamples, design.groups, design.width);
    let (groups, width, n) = (design.groups, design.width, design.n);
    if n == 0 || width == 0 {
        return out;
    }
    let count_n = u32::try_from(n).unwrap_or(u32::MAX);
    out.sums
        .par_chunks_mut(groups * width)
        .zip(out.counts.par_chunks_mut(groups))
        .enumerate()
        .for_each(|(b, (sums, counts))| {
            let mut rng = stream(seed, 0, b as u64);
            counts[0] = count_n;
            let (overall, per_group) = sums.split_at_mut(width);
            let sliced = groups > 1;
            for _ in 0..n {
                let i = index_below(&mut rng, n);
                let row = design.row(i);
                for (acc, x) in overall.iter_mut().zip(row) {
                    *acc += x;
                }
                if sliced {
                    for &g in design.groups_of(i) {
                        let g = g as usize;
                        counts[g] += 1;
                        let start = (g - 1) * width;
                        for (acc, x) in per_group[start..start + width].iter_mut().zip(row) {
                            *acc += x;
                        }
                    }
                }
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design(values: &[f64]) -> Design {
        Design::new(values.len(), 1, values.to_vec())
    }

    #[test]
    fn same_seed_same_sums_any_thread_count() {
        let d = design(&(0..500).map(|i| f64::from(i % 7) - 3.0).collect::<Vec<_>>());
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        let a = one.install(|| bootstrap(&d, 200, 12345));
        let b = bootstrap(&d, 200, 12345);
        assert_eq!(a.sums, b.sums);
        let c = bootstrap(&d, 200, 54321);
        assert_ne!(a.sums, c.sums);
    }

    #[test]
    fn resampled_mean_is_centred_on_the_sample_mean() {
        let values: Vec<f64> = (0..1000).map(|i| f64::from(i % 10) / 10.0).collect();
        let mean = values.iter().sum::<f64>() / 1000.0;
        let r = bootstrap(&design(&values), 2000, 1);
        let avg = r.sums.iter().sum::<f64>() / 2000.0 / 1000.0;
        assert!((avg - mean).abs() < 0.005, "{avg} vs {mean}");
    }

    #[test]
    fn groups_count_their_members() {
        let d = Design::new(4, 1, vec![1.0, 1.0, 1.0, 1.0]).with_groups(2, &[vec![1], vec![], vec![1], vec![]]);
        let r = bootstrap(&d, 50, 3);
        for b in 0..50 {
            let drawn = r.counts[b * 2 + 1];
            assert_eq!(r.sums[b * 2 + 1], f64::from(drawn));
            assert_eq!(r.counts[b * 2], 4);
        }
    }
}
