//! Is live traffic still like the benchmark? A domain classifier's held-out
//! AUC over word n-grams, with an exact permutation test and the interval that
//! inverts it, and the words most typical of each side.
//!
//! **The score** (the approach of Evidently's text drift, and of
//! "classifier two-sample tests", Lopez-Paz & Oquab 2017): a classifier
//! learns to tell a live input from a benchmark input; if it cannot, the two
//! are alike. The classifier is multinomial naive Bayes over the presence of
//! each word and word pair (Laplace smoothing; binarised counts, as Wang &
//! Manning 2012 recommend for short texts), trained and scored by 5-fold
//! cross-validation stratified by side, so that every input is scored by a
//! model that never saw it; the score is the AUC of those held-out scores
//! (0.5: no better than chance; 1: every live input is told apart).
//!
//! **The test**: under "no drift" the side labels are exchangeable, so the
//! whole procedure (folds included: they are a fixed function of the labels)
//! rerun on permuted labels gives the exact null distribution of the score;
//! the p-value is (count at least as large + 1)/(rounds + 1). Two random
//! halves of the same inputs are an A/A comparison: the test raises a false
//! alarm at most α of the time (`tests/monitor.rs`).
//!
//! **The interval** inverts the same test for a shift, as every interval of
//! benchgate does ([`crate::stats::TypicalValues`]): the typical values are
//! `score − (A_b − ½)` for the permuted scores `A_b`, so the interval's lower
//! end is above ½ exactly when the test rejects at its level. It is two-sided
//! at 1 − 2α and clipped to [0, 1].
//!
//! **Typical terms**: the n-grams whose document frequencies differ most
//! between the sides by the weighted log-odds with an informative Dirichlet
//! prior (Monroe, Colaresi & Quinn 2008, "Fightin' words", Political Analysis
//! 16:372), ranked by their z-scores.
//!
//! At most [`MAX_DOCS`] inputs of a side take part (a seeded random sample;
//! the current window's arrive sampled to that size already,
//! [`super::tally`]): the question is whether the texts differ, which a
//! sample that size answers, and the permutations stay affordable at a
//! million rows.

use rayon::prelude::*;

use super::text::{ngrams, Vocabulary};
use crate::stats::rng::{index_below, stream};
use crate::stats::TypicalValues;

/// Inputs per side at most.
pub const MAX_DOCS: usize = 20_000;
/// Folds of the cross-validation.
const FOLDS: usize = 5;
/// Typical terms shown per side.
const TERMS: usize = 8;
/// Term occurrences (documents, both sides) below which a term is not shown.
const MIN_TERM_DOCS: u32 = 3;
/// Permutation rounds at most (each retrains the classifier five times).
pub const MAX_ROUNDS: usize = 1_000;
/// Feature occurrences × rounds above which the rounds are reduced.
const WORK_BUDGET: usize = 400_000_000;

const SALT_SAMPLE: u64 = 0xD21F;
const SALT_FOLDS: u64 = 0xD220;
const SALT_PERMUTE: u64 = 0xD221;

/// What the classifier test found.
#[derive(Debug, Clone)]
pub struct Drift {
    /// Held-out AUC.
    pub score: f64,
    /// Interval of the score (two-sided at 1 − 2·alpha).
    pub ci: (f64, f64),
    /// One-sided p-value of "no drift".
    pub p_value: f64,
    /// Permutations run.
    pub rounds: usize,
    /// Inputs used per side (benchmark, live).
    pub used: [usize; 2],
    /// Terms most typical of the benchmark, then of live traffic.
    pub typical: [Vec<String>; 2],
}

/// A seeded sample of at most `max` of `0..n`, in order.
fn sample(n: usize, max: usize, seed: u64, salt: u64) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    let mut rng = stream(seed, salt, 0);
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..max {
        let j = i + index_below(&mut rng, n - i);
        all.swap(i, j);
    }
    let mut picked = all[..max].to_vec();
    picked.sort_unstable();
    picked
}

/// The fold of every document: a fixed function of the labels (each side's
/// documents, in the order of a seeded priority, dealt round the folds).
fn folds(labels: &[bool], priority: &[u64]) -> Vec<u8> {
    let mut out = vec![0u8; labels.len()];
    for side in [false, true] {
        let mut docs: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == side).collect();
        docs.sort_by_key(|&i| priority[i]);
        for (rank, &i) in docs.iter().enumerate() {
            out[i] = (rank % FOLDS) as u8;
        }
    }
    out
}

/// Held-out naive Bayes scores of every document under `labels`.
fn held_out_scores(docs: &[Vec<u32>], labels: &[bool], fold: &[u8], vocab: usize) -> Vec<f64> {
    // counts[(k * 2 + side) * vocab + term]: documents of fold k and side with the term.
    let mut counts = vec![0u32; FOLDS * 2 * vocab];
    let mut totals = [[0u64; 2]; FOLDS];
    for ((d, &l), &k) in docs.iter().zip(labels).zip(fold) {
        let side = usize::from(l);
        let base = (usize::from(k) * 2 + side) * vocab;
        for &t in d {
            counts[base + t as usize] += 1;
        }
        totals[usize::from(k)][side] += d.len() as u64;
    }
    let mut all = vec![0u32; 2 * vocab];
    for k in 0..FOLDS {
        for side in 0..2 {
            let base = (k * 2 + side) * vocab;
            for t in 0..vocab {
                all[side * vocab + t] += counts[base + t];
            }
        }
    }
    let grand: [u64; 2] = [
        totals.iter().map(|t| t[0]).sum(),
        totals.iter().map(|t| t[1]).sum(),
    ];
    let v = vocab as f64;
    docs.iter()
        .zip(fold)
        .map(|(d, &k)| {
            let k = usize::from(k);
            let n0 = (grand[0] - totals[k][0]) as f64 + v;
            let n1 = (grand[1] - totals[k][1]) as f64 + v;
            d.iter()
                .map(|&t| {
                    let t = t as usize;
                    let c0 = f64::from(all[t] - counts[(k * 2) * vocab + t]);
                    let c1 = f64::from(all[vocab + t] - counts[(k * 2 + 1) * vocab + t]);
                    ((c1 + 1.0) / n1).ln() - ((c0 + 1.0) / n0).ln()
                })
                .sum()
        })
        .collect()
}

/// The cross-validated AUC of telling `labels` apart.
fn score(docs: &[Vec<u32>], labels: &[bool], priority: &[u64], vocab: usize) -> f64 {
    let fold = folds(labels, priority);
    let scores = held_out_scores(docs, labels, &fold, vocab);
    crate::stats::unpaired::auc(&scores, labels).unwrap_or(0.5)
}

/// Tests whether `live` inputs differ from `benchmark` inputs.
pub fn drift(
    benchmark: &[&str],
    live: &[&str],
    alpha: f64,
    rounds: usize,
    seed: u64,
) -> Option<Drift> {
    if benchmark.len() < FOLDS || live.len() < FOLDS {
        return None;
    }
    let b = sample(benchmark.len(), MAX_DOCS, seed, SALT_SAMPLE);
    let l = sample(live.len(), MAX_DOCS, seed, SALT_SAMPLE + 1);
    let texts: Vec<&str> = b
        .iter()
        .map(|&i| benchmark[i])
        .chain(l.iter().map(|&i| live[i]))
        .collect();
    let labels: Vec<bool> = (0..texts.len()).map(|i| i >= b.len()).collect();
    let mut vocab = Vocabulary::default();
    let docs: Vec<Vec<u32>> = texts
        .iter()
        .map(|t| {
            let mut ids: Vec<u32> = ngrams(t).into_iter().map(|g| vocab.id(g)).collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    let v = vocab.len().max(1);
    let mut prng = stream(seed, SALT_FOLDS, 0);
    let priority: Vec<u64> = (0..docs.len())
        .map(|_| rand_core::RngCore::next_u64(&mut prng))
        .collect();
    let observed = score(&docs, &labels, &priority, v);
    let nnz: usize = docs.iter().map(Vec::len).sum::<usize>() + FOLDS * 2 * v;
    let rounds = rounds.min(MAX_ROUNDS).min(WORK_BUDGET / nnz.max(1)).max(19);
    let null: Vec<f64> = (0..rounds)
        .into_par_iter()
        .map(|r| {
            let mut rng = stream(seed, SALT_PERMUTE, r as u64);
            let mut permuted = labels.clone();
            for i in (1..permuted.len()).rev() {
                let j = index_below(&mut rng, i + 1);
                permuted.swap(i, j);
            }
            observed - (score(&docs, &permuted, &priority, v) - 0.5)
        })
        .collect();
    let typical_values = TypicalValues::from_draws(&null, 0);
    let p_value = typical_values.mass_at_most(0.5).min(1.0);
    let ci = (
        typical_values.lower(alpha).clamp(0.0, 1.0),
        typical_values.upper(alpha).clamp(0.0, 1.0),
    );
    Some(Drift {
        score: observed,
        ci,
        p_value,
        rounds,
        used: [b.len(), l.len()],
        typical: typical_terms(&docs, &labels, &vocab),
    })
}

/// The terms most typical of each side (benchmark first) by Monroe et al.'s
/// weighted log-odds z-scores over document frequencies.
fn typical_terms(docs: &[Vec<u32>], labels: &[bool], vocab: &Vocabulary) -> [Vec<String>; 2] {
    let v = vocab.len();
    let mut df = vec![[0u32; 2]; v];
    let mut n = [0f64; 2];
    for (d, &l) in docs.iter().zip(labels) {
        let side = usize::from(l);
        for &t in d {
            df[t as usize][side] += 1;
        }
        n[side] += d.len() as f64;
    }
    let total = n[0] + n[1];
    // The prior: a thousand-document-sized pseudo-corpus of the pooled shares.
    let a0 = 1_000.0;
    let mut z: Vec<(f64, usize)> = df
        .iter()
        .enumerate()
        .filter(|(_, c)| c[0] + c[1] >= MIN_TERM_DOCS)
        .map(|(t, c)| {
            let (y0, y1) = (f64::from(c[0]), f64::from(c[1]));
            let a = a0 * (y0 + y1) / total.max(1.0);
            let logit = |y: f64, n: f64| ((y + a) / (n + a0 - y - a).max(1e-9)).ln();
            let delta = logit(y1, n[1]) - logit(y0, n[0]);
            let var = 1.0 / (y1 + a) + 1.0 / (y0 + a);
            (delta / var.sqrt(), t)
        })
        .collect();
    z.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let live: Vec<String> = z
        .iter()
        .take_while(|(s, _)| *s > 1.96)
        .take(TERMS)
        .map(|&(_, t)| vocab.terms[t].clone())
        .collect();
    let bench: Vec<String> = z
        .iter()
        .rev()
        .take_while(|(s, _)| *s < -1.96)
        .take(TERMS)
        .map(|&(_, t)| vocab.terms[t].clone())
        .collect();
    [bench, live]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_topics_drift_and_the_same_topics_do_not() {
        let bench: Vec<String> = (0..60)
            .map(|i| format!("where is my order number {i} it has not arrived"))
            .collect();
        let moved: Vec<String> = (0..60)
            .map(|i| format!("my crypto wallet transfer {i} failed please help"))
            .collect();
        let b: Vec<&str> = bench.iter().map(String::as_str).collect();
        let m: Vec<&str> = moved.iter().map(String::as_str).collect();
        let d = drift(&b, &m, 0.05, 200, 1).expect("enough inputs");
        assert!(d.score > 0.95 && d.p_value < 0.01 && d.ci.0 > 0.5, "{d:?}");
        assert!(
            d.typical[1].iter().any(|t| t.contains("wallet")),
            "{:?}",
            d.typical
        );
        assert!(
            d.typical[0].iter().any(|t| t.contains("order")),
            "{:?}",
            d.typical
        );
        let (x, y) = b.split_at(30);
        let same = drift(x, y, 0.05, 200, 1).expect("enough inputs");
        assert!(same.p_value > 0.05 && same.ci.0 <= 0.5, "{same:?}");
    }
}
