//! Throughput of the paired bootstrap: 100,000 examples × 10,000 resamples × 4
//! mean metrics (the target is at most 2 s on a 2-core machine) with the Poisson
//! resampler that `auto` picks at that size and with the multinomial one, and
//! the Poisson one with 8 slices, so the cost of slicing shows.

use benchgate::design::Design;
use benchgate::stats::{bootstrap, poisson_bootstrap};
use criterion::{criterion_group, criterion_main, Criterion};
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn design(n: usize, width: usize) -> Design {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let data = (0..n * width)
        .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
        .collect();
    Design::new(n, width, data)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("paired_bootstrap");
    group.sample_size(10);
    let d = design(100_000, 4);
    // `--resampler auto` uses the Poisson bootstrap from 20,000 examples on.
    group.bench_function("poisson n=100k B=10k metrics=4", |b| {
        b.iter(|| poisson_bootstrap(&d, 10_000, 12_345))
    });
    group.bench_function("multinomial n=100k B=10k metrics=4", |b| {
        b.iter(|| bootstrap(&d, 10_000, 12_345))
    });
    let membership: Vec<Vec<u32>> = (0..100_000u32).map(|i| vec![1 + i % 8]).collect();
    let sliced = design(100_000, 4).with_groups(9, &membership);
    group.bench_function("poisson n=100k B=10k metrics=4 slices=8", |b| {
        b.iter(|| poisson_bootstrap(&sliced, 10_000, 12_345))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
