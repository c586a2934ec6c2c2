//! Seeded random numbers: one independent stream per resample, so that results do
//! not depend on how resamples are spread over threads.

use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator of resample `index` of a run seeded with `seed`.
pub fn stream(seed: u64, salt: u64, index: u64) -> Xoshiro256PlusPlus {
    // SplitMix64-style mixing keeps nearby (seed, index) pairs far apart; the
    // generator's own seeding expands the result to its 256-bit state.
    let mut z = seed
        .wrapping_add(salt.wrapping_mul(0xD1B5_4A32_D192_ED03))
        .wrapping_add(index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Xoshiro256PlusPlus::seed_from_u64(z ^ (z >> 31))
}

/// A uniform index below `n` by Lemire's multiply-shift; its bias is at most
/// n / 2^64, far below anything a resampling estimate can see.
#[inline]
pub fn index_below(rng: &mut impl RngCore, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

/// Uniform indices below `n` (n < 2^32), two per 64-bit draw, exactly unbiased:
/// Lemire's multiply-shift with its rejection step.
pub struct Indices<R> {
    rng: R,
    n: u32,
    threshold: u32,
    spare: Option<u32>,
}

impl<R: RngCore> Indices<R> {
    /// Indices below `n`; `None` when `n` is 0 or does not fit 32 bits.
    pub fn new(rng: R, n: usize) -> Option<Self> {
        let n = u32::try_from(n).ok().filter(|&n| n > 0)?;
        Some(Indices {
            rng,
            n,
            threshold: n.wrapping_neg() % n,
            spare: None,
        })
    }

    #[inline]
    fn next_u32(&mut self) -> u32 {
        if let Some(x) = self.spare.take() {
            return x;
        }
        let x = self.rng.next_u64();
        self.spare = Some((x >> 32) as u32);
        x as u32
    }

    /// The next index.
    #[inline]
    pub fn next_index(&mut self) -> usize {
        loop {
            let m = u64::from(self.next_u32()) * u64::from(self.n);
            if (m as u32) >= self.threshold {
                return (m >> 32) as usize;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(12345, 0, 7), |r, _: u64| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(12345, 0, 7), |r, _: u64| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(stream(12345, 0, 8), |r, _: u64| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn paired_indices_are_uniform() {
        let mut idx = Indices::new(stream(5, 0, 0), 7).expect("n fits");
        let mut seen = [0u32; 7];
        for _ in 0..70_000 {
            seen[idx.next_index()] += 1;
        }
        assert!(
            seen.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{seen:?}"
        );
        assert!(Indices::new(stream(5, 0, 0), 0).is_none());
    }

    #[test]
    fn indices_stay_in_range_and_cover_it() {
        let mut rng = stream(1, 0, 0);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[index_below(&mut rng, 7)] += 1;
        }
        assert!(seen.iter().all(|&c| (800..1200).contains(&c)), "{seen:?}");
    }
}
