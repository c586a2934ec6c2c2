//! Clustered resampling: examples that belong together (the questions of one
//! document, the turns of one conversation) move together, so the unit of
//! every resample is the cluster, not the example.
//!
//! - The **cluster bootstrap** draws as many clusters as there are, with
//!   replacement, and takes every example of each drawn cluster (both sides
//!   together): the sums of the drawn clusters' statistics give the corpus
//!   and mean values of the resample, so corpus metrics resample clusters of
//!   sufficient statistics.
//! - **Cluster sign-flip** randomization flips the differences of whole
//!   clusters. Under "no change" a cluster's summed difference is as likely
//!   to have either sign. For a shift δ₀ the test of Σ over flipped clusters
//!   of (T_c − m_c·δ₀) ≤ 0 is "the flipped clusters' mean difference ΣT/Σm
//!   is at most δ₀", so the subset means weighted by cluster size are the
//!   typical values of [`super::inversion`], as for single examples. With
//!   few clusters (2^C no more than the rounds asked for) every pattern is
//!   enumerated: the test is then exact at the cluster level.
//!
//! Both write a [`Resampled`] of the same shape as the unclustered
//! resamplers, so the rows' tests and intervals read them unchanged; a
//! group's count in a resample is the number of its examples drawn (or
//! flipped). Repeated samples of one id are already one example (averaged in
//! the design), so they stay nested in its cluster.
//!
//! [`design_effect`] measures how much clustering inflates the variance of a
//! mean difference (Kish's design effect), from which the effective sample
//! size and the intra-cluster correlation follow.

use rand_core::RngCore;

use super::rng::{index_below, stream};
use super::Resampled;
use crate::design::{Clusters, Design};

/// Per cluster, per group it touches: the number of its examples in the group
/// and their summed statistics.
struct Units {
    width: usize,
    /// Entries of cluster `c`: `offsets[c]..offsets[c + 1]`.
    offsets: Vec<usize>,
    groups: Vec<u32>,
    counts: Vec<u32>,
    /// `entries × width` sums.
    sums: Vec<f64>,
}

impl Units {
    fn new(design: &Design, clusters: &Clusters) -> Self {
        let width = design.width;
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); clusters.count];
        for (i, &c) in clusters.of.iter().enumerate().take(design.n) {
            members[c as usize].push(i);
        }
        let mut units = Units {
            width,
            offsets: vec![0],
            groups: Vec::new(),
            counts: Vec::new(),
            sums: Vec::new(),
        };
        let mut by_group: std::collections::BTreeMap<u32, (u32, Vec<f64>)> = Default::default();
        for list in &members {
            by_group.clear();
            for &i in list {
                let row = design.row(i);
                for g in std::iter::once(0).chain(design.groups_of(i).iter().copied()) {
                    let (count, sums) = by_group.entry(g).or_insert_with(|| (0, vec![0.0; width]));
                    *count += 1;
                    for (a, x) in sums.iter_mut().zip(row) {
                        *a += x;
                    }
                }
            }
            for (&g, (count, sums)) in &by_group {
                units.groups.push(g);
                units.counts.push(*count);
                units.sums.extend_from_slice(sums);
            }
            units.offsets.push(units.groups.len());
        }
        units
    }

    fn clusters(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Adds cluster `c` to one resample's sums and counts.
    fn add(&self, c: usize, sums: &mut [f64], counts: &mut [u32]) {
        let w = self.width;
        for e in self.offsets[c]..self.offsets[c + 1] {
            let g = self.groups[e] as usize;
            counts[g] += self.counts[e];
            for (a, x) in sums[g * w..(g + 1) * w]
                .iter_mut()
                .zip(&self.sums[e * w..(e + 1) * w])
            {
                *a += x;
            }
        }
    }
}

impl Units {
    /// `rounds` resamples in parallel: `each(r, sums, counts)` adds round
    /// `r`'s clusters to its sums and group counts (none when there is
    /// nothing to resample).
    fn resample(
        &self,
        design: &Design,
        rounds: usize,
        done: &(dyn Fn(u64) + Sync),
        each: impl Fn(usize, &mut [f64], &mut [u32]) + Sync,
    ) -> Resampled {
        Resampled::in_parallel(design, rounds, self.clusters() == 0, done, each)
    }
}

/// The cluster bootstrap: `resamples` draws of as many clusters as there are,
/// with replacement. Resample `b` uses its own random stream, so the output
/// is identical at any thread count.
pub fn bootstrap(
    design: &Design,
    clusters: &Clusters,
    resamples: usize,
    seed: u64,
    done: &(dyn Fn(u64) + Sync),
) -> Resampled {
    let units = Units::new(design, clusters);
    let c = units.clusters();
    units.resample(design, resamples, done, |b, sums, counts| {
        let mut rng = stream(seed, 2, b as u64);
        for _ in 0..c {
            units.add(index_below(&mut rng, c), sums, counts);
        }
    })
}

/// Most clusters whose sign patterns are all enumerated (2^20 rounds).
pub const EXACT_MAX_CLUSTERS: usize = 20;

/// Cluster sign-flip randomization: each round records the sums and counts
/// of the examples of the flipped clusters, per group. With 2^C ≤ `rounds`
/// every pattern is enumerated once (an exact test; the result has 2^C
/// rounds), otherwise each round flips each cluster with probability ½ from
/// its own random stream.
pub fn sign_flip(
    design: &Design,
    clusters: &Clusters,
    rounds: usize,
    seed: u64,
    done: &(dyn Fn(u64) + Sync),
) -> Resampled {
    let units = Units::new(design, clusters);
    let c = units.clusters();
    let exact = c <= EXACT_MAX_CLUSTERS && (1usize << c) <= rounds;
    let rounds = if exact { 1usize << c } else { rounds };
    units.resample(design, rounds, done, |r, sums, counts| {
        if exact {
            for k in (0..c).filter(|k| r >> k & 1 == 1) {
                units.add(k, sums, counts);
            }
            return;
        }
        let mut rng = stream(seed, 3, r as u64);
        for start in (0..c).step_by(64) {
            let bits = rng.next_u64();
            for k in start..(start + 64).min(c) {
                if bits >> (k - start) & 1 == 1 {
                    units.add(k, sums, counts);
                }
            }
        }
    })
}

/// How clustering inflates the variance of a mean difference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DesignEffect {
    /// Kish's design effect: the variance of the mean under clustering over
    /// its variance if the examples were independent.
    pub deff: f64,
    /// The intra-cluster correlation of the differences implied by the design
    /// effect: (deff − 1)/(m̃ − 1), m̃ = Σm²/N the size-weighted mean cluster size.
    pub icc: f64,
    /// Examples worth of independent evidence: N / deff.
    pub effective_n: f64,
}

/// The design effect of the mean of `values`, example `i` in cluster `of[i]`:
/// the cluster-robust variance (C/(C − 1))·Σ_c(T_c − m_c·x̄)²/N² over the
/// independent one s²/N, C the clusters present. `None` with fewer than two
/// clusters, fewer than two examples, or values without spread.
pub fn design_effect(values: &[f64], of: &[u32]) -> Option<DesignEffect> {
    let n = values.len();
    if n < 2 || of.len() != n {
        return None;
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let ss: f64 = values.iter().map(|x| (x - mean).powi(2)).sum();
    if !(ss > 0.0 && ss.is_finite()) {
        return None;
    }
    // Ordered, so the sums below add in one order on every run.
    let mut by_cluster: std::collections::BTreeMap<u32, (f64, f64)> = Default::default();
    for (&k, x) in of.iter().zip(values) {
        let e = by_cluster.entry(k).or_insert((0.0, 0.0));
        e.0 += 1.0;
        e.1 += x - mean;
    }
    let c = by_cluster.len();
    if c < 2 {
        return None;
    }
    let cf = c as f64;
    let squares: f64 = by_cluster.values().map(|(_, r)| r * r).sum();
    let clustered = cf / (cf - 1.0) * squares / (nf * nf);
    let independent = ss / (nf - 1.0) / nf;
    let deff = clustered / independent;
    let weighted = by_cluster.values().map(|(m, _)| m * m).sum::<f64>() / nf;
    let icc = if weighted > 1.0 {
        ((deff - 1.0) / (weighted - 1.0)).clamp(-1.0 / (weighted - 1.0), 1.0)
    } else {
        0.0
    };
    Some(DesignEffect {
        deff,
        icc,
        effective_n: nf / deff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Layout;

    fn labels(n: usize, per: usize) -> Clusters {
        let l: Vec<String> = (0..n).map(|i| format!("d{}", i / per)).collect();
        Clusters::from_labels(&l)
    }

    #[test]
    fn labels_number_clusters_in_order() {
        let c = Clusters::from_labels(&["b", "a", "b", "c"]);
        assert_eq!(c.of, vec![0, 1, 0, 2]);
        assert_eq!(c.count, 3);
        assert_eq!(c.sizes(), vec![2, 1, 1]);
    }

    #[test]
    fn a_bootstrap_resample_takes_whole_clusters() {
        // Cluster k holds 3 examples of value k: every resample's sum is 3×
        // a sum of drawn cluster values, and its count a multiple of 3.
        let values: Vec<f64> = (0..30).map(|i| f64::from(i / 3)).collect();
        let d = Design::new(30, 1, values);
        let r = bootstrap(&d, &labels(30, 3), 200, 7, &|_| {});
        for b in 0..200 {
            assert_eq!(r.counts[b], 30);
            assert_eq!(r.sums[b] % 3.0, 0.0);
        }
        let means = r.deltas(Layout::Delta { col: 0 }, 0, &|s, n| s[0] / n);
        let avg = means.iter().sum::<f64>() / means.len() as f64;
        assert!((avg - 4.5).abs() < 0.2, "{avg}");
    }

    #[test]
    fn few_clusters_enumerate_every_sign_pattern() {
        let values: Vec<f64> = (0..12).map(|i| f64::from(i / 4) + 1.0).collect();
        let d = Design::new(12, 1, values);
        let r = sign_flip(&d, &labels(12, 4), 1000, 1, &|_| {});
        // 3 clusters: 8 patterns, each flipping a multiple of 4 examples.
        assert_eq!(r.b, 8);
        let mut sizes: Vec<u32> = r.counts.clone();
        sizes.sort_unstable();
        assert_eq!(sizes, vec![0, 4, 4, 4, 8, 8, 8, 12]);
        // The full pattern's mean is the observed mean.
        let means = r.deltas(Layout::Delta { col: 0 }, 0, &|s, n| s[0] / n);
        assert!(means.iter().any(|&m| (m - 2.0).abs() < 1e-12));
    }

    #[test]
    fn slices_get_their_members_of_each_cluster() {
        // Two clusters of 4; examples 0, 1 and 4 are in slice 1.
        let d = Design::new(8, 1, vec![1.0; 8]).with_groups(
            2,
            &(0..8)
                .map(|i| {
                    if [0, 1, 4].contains(&i) {
                        vec![1]
                    } else {
                        vec![]
                    }
                })
                .collect::<Vec<_>>(),
        );
        let r = sign_flip(&d, &labels(8, 4), 100, 1, &|_| {});
        assert_eq!(r.b, 4);
        let mut slice: Vec<u32> = (0..4).map(|b| r.counts[b * 2 + 1]).collect();
        slice.sort_unstable();
        assert_eq!(slice, vec![0, 1, 2, 3]);
        for b in 0..4 {
            assert_eq!(r.sums[b * 2 + 1], f64::from(r.counts[b * 2 + 1]));
        }
    }

    #[test]
    fn same_seed_same_rounds_any_thread_count() {
        let d = Design::new(400, 1, (0..400).map(|i| f64::from(i % 7) - 3.0).collect());
        let cl = labels(400, 5);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        let a = one.install(|| sign_flip(&d, &cl, 100, 3, &|_| {}));
        let b = sign_flip(&d, &cl, 100, 3, &|_| {});
        assert_eq!(a.sums, b.sums);
        let a = one.install(|| bootstrap(&d, &cl, 100, 3, &|_| {}));
        let b = bootstrap(&d, &cl, 100, 3, &|_| {});
        assert_eq!(a.sums, b.sums);
    }

    #[test]
    fn design_effect_of_identical_clusters_is_their_size() {
        // Every example of a cluster has the same value: deff = m, ICC = 1.
        let values: Vec<f64> = (0..100).map(|i| f64::from((i / 10) % 2)).collect();
        let e = design_effect(&values, &labels(100, 10).of).expect("spread");
        // (C/(C−1))·(N−1)/N·m: 10/9 · 99/100 · 10.
        assert!((e.deff - 11.0).abs() < 1e-9, "{e:?}");
        assert!((e.icc - 1.0).abs() < 1e-12, "{e:?}");
        assert!((e.effective_n - 100.0 / 11.0).abs() < 1e-9);
        // Values alternating within clusters: the cluster sums cancel.
        let values: Vec<f64> = (0..100).map(|i| f64::from(i % 2)).collect();
        let e = design_effect(&values, &labels(100, 10).of).expect("spread");
        assert!(e.deff < 1e-12 && e.icc < 0.0, "{e:?}");
        assert_eq!(design_effect(&[1.0; 10], &labels(10, 5).of), None);
        assert_eq!(design_effect(&[1.0, 0.0], &labels(2, 2).of), None);
    }
}
