//! Paired sign-flip randomization. Under "no difference" the two results of an
//! example are exchangeable, so its paired difference is as likely to have
//! either sign; each round flips a random half of the examples (each with
//! probability ½, independently).
//!
//! A round is recorded as the column sums over the *flipped* examples and their
//! number, per group: the mean difference over the flipped subset is one of
//! Hartigan's (1969) typical values, and the quantiles of those subset means
//! are the bounds of the interval that inverts the sign-flip test (see
//! [`super::inversion`]).

use rand_core::RngCore;

use super::rng::stream;
use super::{Design, Resampled};

#[cfg(any(test, feature = "internals"))]
/// Column sums and sizes of the flipped subsets of `rounds` sign-flip rounds,
/// per group. Round `r` uses its own random stream, so the output is identical
/// at any thread count. Only the paired-difference columns of mean metrics
/// mean anything here; corpus metrics are resampled by the bootstrap.
pub fn sign_flip(design: &Design, rounds: usize, seed: u64) -> Resampled {
    sign_flip_with_progress(design, rounds, seed, &|_| {})
}

/// [`sign_flip`], calling `done` after each round.
pub fn sign_flip_with_progress(
    design: &Design,
    rounds: usize,
    seed: u64,
    done: &(dyn Fn(u64) + Sync),
) -> Resampled {
    let (width, n) = (design.width, design.n);
    Resampled::in_parallel(design, rounds, n == 0, done, |r, sums, counts| {
            let mut rng = stream(seed, 1, r as u64);
            let mut start = 0;
            while start < n {
                let end = (start + 64).min(n);
                let mut bits = rng.next_u64();
                if end - start < 64 {
                    bits &= (1u64 << (end - start)) - 1;
                }
                // Visit the flipped examples of this word only.
                while bits != 0 {
                    let i = start + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let row = design.row(i);
                    for (acc, x) in sums[..width].iter_mut().zip(row) {
                        *acc += x;
                    }
                    counts[0] += 1;
                    for &g in design.groups_of(i) {
                        let g = g as usize;
                        counts[g] += 1;
                        for (acc, x) in sums[g * width..(g + 1) * width].iter_mut().zip(row) {
                            *acc += x;
                        }
                    }
                }
                start = end;
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Layout;

    #[test]
    fn subsets_are_about_half_and_their_means_are_typical_values() {
        let values: Vec<f64> = (0..200).map(|i| f64::from(i % 5)).collect();
        let d = Design::new(200, 1, values);
        let r = sign_flip(&d, 2000, 9);
        let mean_size = r.counts.iter().map(|&c| f64::from(c)).sum::<f64>() / 2000.0;
        assert!((mean_size - 100.0).abs() < 1.0, "{mean_size}");
        let means = r.deltas(Layout::Delta { col: 0 }, 0, &|s, n| s[0] / n);
        let avg = means.iter().sum::<f64>() / means.len() as f64;
        assert!((avg - 2.0).abs() < 0.02, "{avg}");
        assert!(means.iter().all(|m| (0.0..=4.0).contains(m)));
    }

    #[test]
    fn groups_count_their_flipped_members() {
        let d = Design::new(70, 1, vec![1.0; 70]).with_groups(
            2,
            &(0..70)
                .map(|i| if i % 2 == 0 { vec![1] } else { vec![] })
                .collect::<Vec<_>>(),
        );
        let r = sign_flip(&d, 50, 3);
        for b in 0..50 {
            assert_eq!(r.sums[b * 2 + 1], f64::from(r.counts[b * 2 + 1]));
            assert_eq!(r.sums[b * 2], f64::from(r.counts[b * 2]));
            assert!(r.counts[b * 2 + 1] <= 35);
        }
    }

    #[test]
    fn same_seed_same_sums_any_thread_count() {
        let d = Design::new(300, 1, (0..300).map(|i| f64::from(i % 7) - 3.0).collect());
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        let a = one.install(|| sign_flip(&d, 100, 12345));
        let b = sign_flip(&d, 100, 12345);
        assert_eq!(a.sums, b.sums);
        assert_eq!(a.counts, b.counts);
        assert_ne!(a.sums, sign_flip(&d, 100, 54321).sums);
    }
}
