//! The paired bootstrap (Koehn 2004): each resample draws `n` example indices
//! with replacement and takes both sides of each drawn example together.
//!
//! One draw of indices serves every metric and every slice: a slice's value in a
//! resample is computed from the drawn examples that belong to it, so slice sizes
//! vary across resamples as they would across benchmarks.


use super::rng::{index_below, stream, Indices};
use super::{Design, Resampled};

#[cfg(any(test, feature = "internals"))]
/// Column sums and group counts of `resamples` paired bootstrap resamples.
/// Resample `b` uses its own random stream, so the output is identical at any
/// thread count.
pub fn bootstrap(design: &Design, resamples: usize, seed: u64) -> Resampled {
    bootstrap_with_progress(design, resamples, seed, &|_| {})
}

/// [`bootstrap`], calling `done` after each resample.
pub fn bootstrap_with_progress(
    design: &Design,
    resamples: usize,
    seed: u64,
    done: &(dyn Fn(u64) + Sync),
) -> Resampled {
    let (groups, width, n) = (design.groups, design.width, design.n);
    let count_n = u32::try_from(n).unwrap_or(u32::MAX);
    Resampled::in_parallel(design, resamples, n == 0, done, |b, sums, counts| {
            let mut rng = stream(seed, 0, b as u64);
            counts[0] = count_n;
            if groups == 1 {
                // The common case: keep the accumulators in registers.
                match width {
                    1 => resample_fixed::<1>(design, &mut rng, sums),
                    2 => resample_fixed::<2>(design, &mut rng, sums),
                    3 => resample_fixed::<3>(design, &mut rng, sums),
                    4 => resample_fixed::<4>(design, &mut rng, sums),
                    5 => resample_fixed::<5>(design, &mut rng, sums),
                    6 => resample_fixed::<6>(design, &mut rng, sums),
                    7 => resample_fixed::<7>(design, &mut rng, sums),
                    8 => resample_fixed::<8>(design, &mut rng, sums),
                    _ => resample_rows(design, &mut rng, sums),
                }
            } else {
                resample_general(design, &mut rng, sums, counts);
            }
    })
}

/// How many indices are drawn before their rows are read: drawing first lets
/// the memory loads of a batch overlap.
const BATCH: usize = 64;

fn resample_fixed<const W: usize>(
    design: &Design,
    rng: &mut impl rand_core::RngCore,
    sums: &mut [f64],
) {
    let n = design.n;
    if u32::try_from(n).is_err() {
        return resample_wide::<W>(design, rng, sums);
    }
    let Some(mut indices) = Indices::new(&mut *rng, n) else {
        return;
    };
    // Two accumulator sets break the floating-point add dependency chain.
    let mut acc = [[0.0f64; W]; 2];
    let mut idx = [0usize; BATCH];
    let mut left = n;
    while left > 0 {
        let take = left.min(BATCH);
        for slot in &mut idx[..take] {
            *slot = indices.next_index();
        }
        for (k, &i) in idx[..take].iter().enumerate() {
            let row = &design.data[i * W..i * W + W];
            let a = &mut acc[k & 1];
            for c in 0..W {
                a[c] += row[c];
            }
        }
        left -= take;
    }
    for c in 0..W {
        sums[c] = acc[0][c] + acc[1][c];
    }
}

/// `resample_fixed` for designs of 2^32 examples or more.
fn resample_wide<const W: usize>(
    design: &Design,
    rng: &mut impl rand_core::RngCore,
    sums: &mut [f64],
) {
    let n = design.n;
    for _ in 0..n {
        let i = index_below(rng, n);
        for (acc, x) in sums.iter_mut().zip(&design.data[i * W..i * W + W]) {
            *acc += x;
        }
    }
}

/// `resample_fixed` for wide rows (corpus metrics such as BLEU and chrF keep
/// dozens of statistics): indices drawn in batches, rows added with a
/// vectorisable loop.
fn resample_rows(design: &Design, rng: &mut impl rand_core::RngCore, sums: &mut [f64]) {
    let (n, width) = (design.n, design.width);
    let Some(mut indices) = Indices::new(&mut *rng, n) else {
        return resample_general(design, rng, sums, &mut [0]);
    };
    let acc = &mut sums[..width];
    let mut idx = [0usize; BATCH];
    let mut left = n;
    while left > 0 {
        let take = left.min(BATCH);
        for slot in &mut idx[..take] {
            *slot = indices.next_index();
        }
        for &i in &idx[..take] {
            for (a, x) in acc.iter_mut().zip(design.row(i)) {
                *a += x;
            }
        }
        left -= take;
    }
}

fn resample_general(
    design: &Design,
    rng: &mut impl rand_core::RngCore,
    sums: &mut [f64],
    counts: &mut [u32],
) {
    let (n, width) = (design.n, design.width);
    let (overall, per_group) = sums.split_at_mut(width);
    for _ in 0..n {
        let i = index_below(rng, n);
        let row = design.row(i);
        for (acc, x) in overall.iter_mut().zip(row) {
            *acc += x;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn design(values: &[f64]) -> Design {
        Design::new(values.len(), 1, values.to_vec())
    }

    #[test]
    fn same_seed_same_sums_any_thread_count() {
        let d = design(&(0..500).map(|i| f64::from(i % 7) - 3.0).collect::<Vec<_>>());
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
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
        let d = Design::new(4, 1, vec![1.0, 1.0, 1.0, 1.0])
            .with_groups(2, &[vec![1], vec![], vec![1], vec![]]);
        let r = bootstrap(&d, 50, 3);
        for b in 0..50 {
            let drawn = r.counts[b * 2 + 1];
            assert_eq!(r.sums[b * 2 + 1], f64::from(drawn));
            assert_eq!(r.counts[b * 2], 4);
        }
    }
}
