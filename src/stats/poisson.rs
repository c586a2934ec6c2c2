//! The Poisson bootstrap: instead of drawing `n` indices, every example gets an
//! independent Poisson(1) weight in every resample. For large `n` the two are
//! the same distribution to within O(1/n) (the multinomial counts of a bootstrap
//! are asymptotically independent Poisson(1)), and the Poisson form streams
//! through memory in order: resamples are processed in blocks over cache-sized
//! tiles of examples, so a million examples cost a sequential pass per block of
//! resamples rather than random reads per draw.
//!
//! As in the multinomial bootstrap, each resample has its own random stream, so
//! results do not depend on the thread count. A resample's size (the sum of its
//! weights) varies around `n`; mean metrics divide by it.

use rand_core::RngCore;
use rayon::prelude::*;

use super::rng::stream;
use super::{Design, Resampled};

/// Resamples handled together in one pass over the examples.
const BLOCK: usize = 16;
/// Examples per tile: a tile of rows stays in cache while a block passes over it.
const TILE: usize = 4096;
/// Weights drawn at once, before the rows they weigh are read.
const BATCH: usize = 64;

/// P(X ≤ k) for X ~ Poisson(1), scaled to 2^32, k = 0..=11. The remaining mass
/// (about 1e-9 beyond 11) goes to weight 12.
const CDF: [u32; 12] = cdf_table();

const fn cdf_table() -> [u32; 12] {
    // e^-1 * sum_{j<=k} 1/j!, computed in f64 at compile time.
    let mut out = [0u32; 12];
    let mut term = 0.367_879_441_171_442_33_f64;
    let mut cdf = 0.0;
    let mut k = 0;
    while k < 12 {
        cdf += term;
        out[k] = (cdf * 4_294_967_296.0) as u32;
        term /= (k + 1) as f64;
        k += 1;
    }
    out
}

/// Poisson(1) weights from 32-bit uniforms, two per 64-bit draw.
struct Weights<R> {
    rng: R,
    spare: Option<u32>,
}

impl<R: RngCore> Weights<R> {
    #[inline]
    fn next(&mut self) -> u32 {
        let u = match self.spare.take() {
            Some(u) => u,
            None => {
                let x = self.rng.next_u64();
                self.spare = Some((x >> 32) as u32);
                x as u32
            }
        };
        weight(u)
    }

    /// Fills `out` with weights, in the order calls of `next` would give them:
    /// uniforms first (a tight generator loop), then weights (branch-free).
    #[inline]
    fn fill(&mut self, out: &mut [u32]) {
        let mut start = 0;
        if let Some(u) = self.spare.take() {
            if let Some(first) = out.first_mut() {
                *first = u;
                start = 1;
            } else {
                self.spare = Some(u);
            }
        }
        let mut pairs = out[start..].chunks_exact_mut(2);
        for pair in &mut pairs {
            let x = self.rng.next_u64();
            pair[0] = x as u32;
            pair[1] = (x >> 32) as u32;
        }
        if let [last] = pairs.into_remainder() {
            let x = self.rng.next_u64();
            *last = x as u32;
            self.spare = Some((x >> 32) as u32);
        }
        // Branch-free for weights 0–6; the tail (under 1e-4 of draws) takes a call.
        for u in out.iter_mut() {
            let x = *u;
            *u = if x >= CDF[5] {
                weight(x)
            } else {
                CDF[..5].iter().map(|&c| u32::from(x >= c)).sum::<u32>()
            };
        }
    }
}

/// The Poisson(1) weight of a 32-bit uniform.
#[cold]
#[inline(never)]
fn weight(u: u32) -> u32 {
    // Branch-free for the common weights 0–4 (98% of draws); the tail loops.
    let mut k = u32::from(u >= CDF[0])
        + u32::from(u >= CDF[1])
        + u32::from(u >= CDF[2])
        + u32::from(u >= CDF[3]);
    if k == 4 {
        while (k as usize) < CDF.len() && u >= CDF[k as usize] {
            k += 1;
        }
    }
    k
}

#[cfg(any(test, feature = "internals"))]
/// Column sums and group weights of `resamples` Poisson bootstrap resamples.
pub fn poisson_bootstrap(design: &Design, resamples: usize, seed: u64) -> Resampled {
    poisson_bootstrap_with_progress(design, resamples, seed, &|_| {})
}

/// [`poisson_bootstrap`], calling `done` with each block's resamples when it ends.
pub fn poisson_bootstrap_with_progress(
    design: &Design,
    resamples: usize,
    seed: u64,
    done: &(dyn Fn(u64) + Sync),
) -> Resampled {
    let mut out = Resampled::zeroed(resamples, design.groups, design.width);
    let (groups, width, n) = (design.groups, design.width, design.n);
    if n == 0 || width == 0 {
        return out;
    }
    out.sums
        .par_chunks_mut(BLOCK * groups * width)
        .zip(out.counts.par_chunks_mut(BLOCK * groups))
        .enumerate()
        .for_each(|(block, (sums, counts))| {
            let r = counts.len() / groups;
            let mut weights: Vec<Weights<_>> = (0..r)
                .map(|j| Weights {
                    rng: stream(seed, 2, (block * BLOCK + j) as u64),
                    spare: None,
                })
                .collect();
            let mut totals = vec![0u64; r * groups];
            if groups == 1 {
                match width {
                    1 => tiles_fixed::<1>(design, &mut weights, sums, &mut totals),
                    2 => tiles_fixed::<2>(design, &mut weights, sums, &mut totals),
                    3 => tiles_fixed::<3>(design, &mut weights, sums, &mut totals),
                    4 => tiles_fixed::<4>(design, &mut weights, sums, &mut totals),
                    5 => tiles_fixed::<5>(design, &mut weights, sums, &mut totals),
                    6 => tiles_fixed::<6>(design, &mut weights, sums, &mut totals),
                    7 => tiles_fixed::<7>(design, &mut weights, sums, &mut totals),
                    8 => tiles_fixed::<8>(design, &mut weights, sums, &mut totals),
                    _ => tiles_general(design, &mut weights, sums, &mut totals),
                }
            } else {
                match width {
                    1 => tiles_groups::<1>(design, &mut weights, sums, &mut totals),
                    2 => tiles_groups::<2>(design, &mut weights, sums, &mut totals),
                    3 => tiles_groups::<3>(design, &mut weights, sums, &mut totals),
                    4 => tiles_groups::<4>(design, &mut weights, sums, &mut totals),
                    5 => tiles_groups::<5>(design, &mut weights, sums, &mut totals),
                    6 => tiles_groups::<6>(design, &mut weights, sums, &mut totals),
                    7 => tiles_groups::<7>(design, &mut weights, sums, &mut totals),
                    8 => tiles_groups::<8>(design, &mut weights, sums, &mut totals),
                    _ => tiles_general(design, &mut weights, sums, &mut totals),
                }
            }
            for (c, t) in counts.iter_mut().zip(totals) {
                *c = u32::try_from(t).unwrap_or(u32::MAX);
            }
            done(r as u64);
        });
    out
}

fn tiles_fixed<const W: usize>(
    design: &Design,
    weights: &mut [Weights<impl RngCore>],
    sums: &mut [f64],
    totals: &mut [u64],
) {
    let n = design.n;
    let mut start = 0;
    while start < n {
        let end = (start + TILE).min(n);
        let rows = &design.data[start * W..end * W];
        for (j, w) in weights.iter_mut().enumerate() {
            // Two accumulators, alternating rows, halve the add dependency chain.
            let (mut acc0, mut acc1) = ([0.0f64; W], [0.0f64; W]);
            let mut total = 0u64;
            let mut ks = [0u32; BATCH];
            for batch in rows.chunks(BATCH * W) {
                let ks = &mut ks[..batch.len() / W];
                w.fill(ks);
                total += ks.iter().map(|&k| u64::from(k)).sum::<u64>();
                let mut pairs = batch.chunks_exact(2 * W);
                for (two, k2) in (&mut pairs).zip(ks.chunks_exact(2)) {
                    let (r0, r1) = two.split_at(W);
                    let (k0, k1) = (f64::from(k2[0]), f64::from(k2[1]));
                    for c in 0..W {
                        acc0[c] += k0 * r0[c];
                        acc1[c] += k1 * r1[c];
                    }
                }
                let rest = pairs.remainder();
                if let (false, Some(&k)) = (rest.is_empty(), ks.last()) {
                    for c in 0..W {
                        acc0[c] += f64::from(k) * rest[c];
                    }
                }
            }
            for (c, s) in sums[j * W..(j + 1) * W].iter_mut().enumerate() {
                *s += acc0[c] + acc1[c];
            }
            totals[j] += total;
        }
        start = end;
    }
}

/// `tiles_general` for slices over narrow rows: weights drawn a batch at a
/// time (branch-free) and rows of a fixed width, so the whole-run sums stay in
/// registers. Same random stream, same sums as `tiles_general`.
fn tiles_groups<const W: usize>(
    design: &Design,
    weights: &mut [Weights<impl RngCore>],
    sums: &mut [f64],
    totals: &mut [u64],
) {
    let (n, groups) = (design.n, design.groups);
    let mut ks = [0u32; BATCH];
    let mut start = 0;
    while start < n {
        let end = (start + TILE).min(n);
        for (j, w) in weights.iter_mut().enumerate() {
            let acc = &mut sums[j * groups * W..(j + 1) * groups * W];
            let tot = &mut totals[j * groups..(j + 1) * groups];
            let (all, per_group) = acc.split_at_mut(W);
            let mut all_acc = [0.0f64; W];
            let mut all_tot = 0u64;
            let mut i0 = start;
            while i0 < end {
                let m = BATCH.min(end - i0);
                let ks = &mut ks[..m];
                w.fill(ks);
                let rows = &design.data[i0 * W..(i0 + m) * W];
                for (t, (&k, row)) in ks.iter().zip(rows.chunks_exact(W)).enumerate() {
                    let kf = f64::from(k);
                    all_tot += u64::from(k);
                    for c in 0..W {
                        all_acc[c] += kf * row[c];
                    }
                    if k == 0 {
                        continue;
                    }
                    for &g in design.groups_of(i0 + t) {
                        let g = g as usize;
                        tot[g] += u64::from(k);
                        let a = &mut per_group[(g - 1) * W..g * W];
                        for c in 0..W {
                            a[c] += kf * row[c];
                        }
                    }
                }
                i0 += m;
            }
            for c in 0..W {
                all[c] += all_acc[c];
            }
            tot[0] += all_tot;
        }
        start = end;
    }
}

fn tiles_general(
    design: &Design,
    weights: &mut [Weights<impl RngCore>],
    sums: &mut [f64],
    totals: &mut [u64],
) {
    let (n, groups, width) = (design.n, design.groups, design.width);
    let mut start = 0;
    while start < n {
        let end = (start + TILE).min(n);
        for (j, w) in weights.iter_mut().enumerate() {
            let acc = &mut sums[j * groups * width..(j + 1) * groups * width];
            let tot = &mut totals[j * groups..(j + 1) * groups];
            for i in start..end {
                let k = w.next();
                if k == 0 {
                    continue;
                }
                let kf = f64::from(k);
                let row = design.row(i);
                for (a, x) in acc[..width].iter_mut().zip(row) {
                    *a += kf * x;
                }
                tot[0] += u64::from(k);
                for &g in design.groups_of(i) {
                    let g = g as usize;
                    tot[g] += u64::from(k);
                    for (a, x) in acc[g * width..(g + 1) * width].iter_mut().zip(row) {
                        *a += kf * x;
                    }
                }
            }
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{bootstrap, percentile_ci, Layout};

    #[test]
    fn weights_have_poisson_one_moments() {
        let mut w = Weights {
            rng: stream(3, 9, 0),
            spare: None,
        };
        let draws: Vec<f64> = (0..400_000).map(|_| f64::from(w.next())).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!((mean - 1.0).abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
        let zeros = draws.iter().filter(|&&x| x == 0.0).count() as f64 / draws.len() as f64;
        assert!((zeros - (-1.0f64).exp()).abs() < 0.005, "{zeros}");
    }

    #[test]
    fn same_intervals_as_the_multinomial_bootstrap() {
        // 20,000 paired differences with a skewed distribution.
        let n = 20_000;
        let data: Vec<f64> = (0..n)
            .map(|i| {
                let u = ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64
                    / (1u64 << 53) as f64;
                if u < 0.1 {
                    -1.0
                } else if u < 0.25 {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        let d = Design::new(n, 1, data);
        let mean = |sums: &[f64], k: f64| sums[0] / k;
        let multi = bootstrap(&d, 2000, 1).deltas(Layout::Delta { col: 0 }, 0, &mean);
        let pois = poisson_bootstrap(&d, 2000, 1).deltas(Layout::Delta { col: 0 }, 0, &mean);
        let (ml, mh) = percentile_ci(&multi, 0.95);
        let (pl, ph) = percentile_ci(&pois, 0.95);
        let width = mh - ml;
        // Simulation error of a percentile from 2,000 resamples is a few percent of the width.
        assert!((ml - pl).abs() < 0.08 * width, "{ml} vs {pl}");
        assert!((mh - ph).abs() < 0.08 * width, "{mh} vs {ph}");
    }

    #[test]
    fn sliced_kernel_matches_the_general_one() {
        let n = 5_000;
        let data = (0..n * 3)
            .map(|i| ((i * 7919) % 101) as f64 / 10.0 - 5.0)
            .collect();
        let membership: Vec<Vec<u32>> = (0..n)
            .map(|i| match i % 5 {
                0 => vec![],
                r => vec![1 + (r as u32 % 3)],
            })
            .collect();
        let d = Design::new(n, 3, data).with_groups(4, &membership);
        let b = 40;
        let fast = poisson_bootstrap(&d, b, 9);
        let mut weights: Vec<Weights<_>> = (0..b)
            .map(|j| Weights {
                rng: stream(9, 2, j as u64),
                spare: None,
            })
            .collect();
        let mut sums = vec![0.0; b * 4 * 3];
        let mut totals = vec![0u64; b * 4];
        tiles_general(&d, &mut weights, &mut sums, &mut totals);
        let counts: Vec<u32> = totals.iter().map(|&t| t as u32).collect();
        assert_eq!(fast.counts, counts);
        for (x, y) in fast.sums.iter().zip(&sums) {
            assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0), "{x} vs {y}");
        }
    }

    #[test]
    fn thread_count_does_not_matter() {
        let d = Design::new(10_000, 2, (0..20_000).map(|i| f64::from(i % 13)).collect())
            .with_groups(
                3,
                &(0..10_000u32).map(|i| vec![1 + i % 2]).collect::<Vec<_>>(),
            );
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        let a = one.install(|| poisson_bootstrap(&d, 100, 5));
        let b = poisson_bootstrap(&d, 100, 5);
        assert_eq!(a.sums, b.sums);
        assert_eq!(a.counts, b.counts);
    }
}
