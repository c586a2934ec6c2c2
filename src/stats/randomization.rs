//! Paired approximate randomization: under "no difference" the two outputs of an
//! example are exchangeable, so each round swaps each example's sides with
//! probability ½. The deltas it yields are already a null distribution.

use rand_core::RngCore;
use rayon::prelude::*;

use super::rng::stream;
use super::{Design, Layout, Resampled};

/// Column sums of `rounds` randomization rounds; counts are the group sizes.
pub fn randomization(design: &Design, layouts: &[Layout], rounds: usize, seed: u64) -> Resampled {
    let (groups, width, n) = (design.groups, design.width, design.n);
    let mut out = Resampled::zeroed(rounds, groups, width);
    // For each column, the column whose value it receives when an example's
    // sides are swapped; `None` marks a paired-difference column, negated instead.
    let mut partner: Vec<Option<usize>> = vec![None; width];
    for layout in layouts {
        if let Layout::Corpus { base, cur, k } = *layout {
            for j in 0..k {
                partner[base + j] = Some(cur + j);
                partner[cur + j] = Some(base + j);
            }
        }
    }
    let sizes: Vec<u32> = design
        .group_sizes
        .iter()
        .map(|&s| u32::try_from(s).unwrap_or(u32::MAX))
        .collect();
    out.sums
        .par_chunks_mut(groups * width)
        .zip(out.counts.par_chunks_mut(groups))
        .enumerate()
        .for_each(|(r, (sums, counts))| {
            counts.copy_from_slice(&sizes);
            let mut rng = stream(seed, 1, r as u64);
            let mut bits = 0u64;
            for i in 0..n {
                if i % 64 == 0 {
                    bits = rng.next_u64();
                }
                let swapped = (bits >> (i % 64)) & 1 == 1;
                let row = design.row(i);
                let mut add = |start: usize| {
                    for c in 0..width {
                        sums[start + c] += match (swapped, partner[c]) {
                            (false, _) => row[c],
                            (true, None) => -row[c],
                            (true, Some(p)) => row[p],
                        };
                    }
                };
                add(0);
                for &g in design.groups_of(i) {
                    add(g as usize * width);
                }
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_columns_are_symmetric_around_zero() {
        let d = Design::new(200, 1, vec![0.1; 200]);
        let r = randomization(&d, &[Layout::Delta { col: 0 }], 4000, 9);
        let mean = r.sums.iter().sum::<f64>() / 4000.0;
        assert!(mean.abs() < 1.0, "{mean}");
        assert!(r.sums.iter().all(|s| s.abs() <= 20.0 + 1e-9));
    }

    #[test]
    fn corpus_columns_swap_sides() {
        // base stat 1, current stat 0 for every example: a swap moves 1 across.
        let d = Design::new(64, 2, [1.0, 0.0].repeat(64));
        let r = randomization(
            &d,
            &[Layout::Corpus {
                base: 0,
                cur: 1,
                k: 1,
            }],
            10,
            2,
        );
        for b in 0..10 {
            assert_eq!(r.sums[b * 2] + r.sums[b * 2 + 1], 64.0);
        }
    }
}
