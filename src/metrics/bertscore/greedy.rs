//! BERTScore's arithmetic once the embeddings exist: idf weights, greedy
//! cosine matching, the maximum over references and the baseline rescaling,
//! each in f32 in the order bert-score 0.3.13 computes it, so the numbers agree
//! to float rounding.

// The matching runs on the encoder's embeddings: without the `bertscore`
// feature only `rescale` (of stored values) is called; the rest is checked by
// the tests.
#![cfg_attr(
    not(any(test, feature = "internals", feature = "bertscore")),
    allow(dead_code)
)]

use std::collections::HashMap;

/// Token embeddings of one sentence, each row L2-normalised (row-major,
/// `len × dim`), special tokens included.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    /// Number of tokens, [CLS] and [SEP] included.
    pub len: usize,
    /// Hidden size.
    pub dim: usize,
    /// The rows.
    pub data: Vec<f32>,
}

impl Embedding {
    /// Normalises each row of `data` (`len × dim`) to unit length, as bert-score
    /// does with `emb.div_(torch.norm(emb, dim=-1).unsqueeze(-1))`.
    pub fn normalised(len: usize, dim: usize, mut data: Vec<f32>) -> Embedding {
        for row in data.chunks_mut(dim.max(1)) {
            let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            row.iter_mut().for_each(|x| *x /= norm);
        }
        Embedding { len, dim, data }
    }

    fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
}

/// Token weights: 1 for every token, or idf from a set of reference sentences;
/// the special tokens always weigh 0.
#[derive(Debug, Clone)]
pub struct Weights {
    idf: Option<(HashMap<u32, f64>, f64)>,
    specials: [u32; 2],
}

impl Weights {
    /// Every token weighs 1 but `cls` and `sep`.
    pub fn uniform(cls: u32, sep: u32) -> Weights {
        Weights {
            idf: None,
            specials: [cls, sep],
        }
    }

    /// bert-score's `get_idf_dict`: over `M` documents, a token in `df` of them
    /// weighs ln((M + 1) / (df + 1)); a token in none weighs ln(M + 1).
    pub fn idf<'a>(documents: impl IntoIterator<Item = &'a [u32]>, cls: u32, sep: u32) -> Weights {
        let mut df: HashMap<u32, usize> = HashMap::new();
        let mut m = 0usize;
        for doc in documents {
            m += 1;
            let mut seen: Vec<u32> = doc.to_vec();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                *df.entry(t).or_default() += 1;
            }
        }
        let m1 = (m + 1) as f64;
        let table = df
            .into_iter()
            .map(|(t, c)| (t, (m1 / (c + 1) as f64).ln()))
            .collect();
        Weights {
            idf: Some((table, m1.ln())),
            specials: [cls, sep],
        }
    }

    /// A sentence's weights, normalised to sum 1 (NaN when they sum to 0, as
    /// bert-score's division gives; such sentences are scored 0 by the caller).
    pub fn of(&self, ids: &[u32]) -> Vec<f32> {
        let mut w: Vec<f32> = ids
            .iter()
            .map(|t| {
                if self.specials.contains(t) {
                    0.0
                } else {
                    match &self.idf {
                        None => 1.0,
                        // bert-score pads the Python floats into a float32 tensor.
                        Some((table, unseen)) => *table.get(t).unwrap_or(unseen) as f32,
                    }
                }
            })
            .collect();
        let sum: f32 = w.iter().sum();
        w.iter_mut().for_each(|x| *x /= sum);
        w
    }
}

/// Precision, recall and F of a candidate against one reference (bert-score's
/// `greedy_cos_idf`): each candidate token takes its best cosine among the
/// reference tokens and the other way round, weighted by `cand_w` and `ref_w`.
/// A sentence with no token besides [CLS] and [SEP] scores 0 on all three.
pub fn greedy(cand: &Embedding, cand_w: &[f32], reference: &Embedding, ref_w: &[f32]) -> [f32; 3] {
    if cand.len <= 2 || reference.len <= 2 {
        return [0.0; 3];
    }
    let mut best_ref = vec![f32::NEG_INFINITY; reference.len];
    let mut p = 0.0f32;
    for (i, w) in cand_w.iter().enumerate().take(cand.len) {
        let c = cand.row(i);
        let mut best = f32::NEG_INFINITY;
        for (j, b) in best_ref.iter_mut().enumerate() {
            let s = dot(c, reference.row(j));
            best = best.max(s);
            *b = b.max(s);
        }
        p += best * w;
    }
    let r: f32 = best_ref.iter().zip(ref_w).map(|(b, w)| b * w).sum();
    let f = 2.0 * p * r / (p + r);
    [p, r, if f.is_nan() { 0.0 } else { f }]
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent sums, as a vectorised kernel would keep them.
    let mut acc = [0.0f32; 8];
    let chunks = a.len() / 8 * 8;
    for (x, y) in a[..chunks].chunks_exact(8).zip(b[..chunks].chunks_exact(8)) {
        for ((s, x), y) in acc.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
    }
    let tail: f32 = a[chunks..]
        .iter()
        .zip(&b[chunks..])
        .map(|(x, y)| x * y)
        .sum();
    acc.iter().sum::<f32>() + tail
}

/// The maximum of P, of R and of F over several references, each on its own
/// (bert-score's `all_preds[beg:end].max(dim=0)`).
pub fn best_of(scores: impl IntoIterator<Item = [f32; 3]>) -> [f32; 3] {
    scores.into_iter().fold([f32::NEG_INFINITY; 3], |acc, s| {
        [acc[0].max(s[0]), acc[1].max(s[1]), acc[2].max(s[2])]
    })
}

/// bert-score's baseline rescaling, `(score - b) / (1 - b)` per component.
pub fn rescale(scores: [f32; 3], baseline: [f32; 3]) -> [f32; 3] {
    [0, 1, 2].map(|k| (scores[k] - baseline[k]) / (1.0 - baseline[k]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emb(rows: &[[f32; 2]]) -> Embedding {
        Embedding::normalised(rows.len(), 2, rows.iter().flatten().copied().collect())
    }

    #[test]
    fn identical_sentences_score_one() {
        let e = emb(&[[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [1.0, 1.0]]);
        let w = Weights::uniform(0, 3).of(&[0, 1, 2, 3]);
        let [p, r, f] = greedy(&e, &w, &e, &w);
        assert!((p - 1.0).abs() < 1e-6 && (r - 1.0).abs() < 1e-6 && (f - 1.0).abs() < 1e-6);
    }

    #[test]
    fn idf_follows_bert_score() {
        let docs: [&[u32]; 3] = [&[0, 5, 5, 6, 9], &[0, 5, 9], &[0, 7, 9]];
        let w = Weights::idf(docs, 0, 9);
        // token 5 in 2 of 3 documents, 6 in 1, 8 in none: ln(4/3), ln(4/2), ln(4).
        let got = w.of(&[0, 5, 6, 8, 9]);
        let raw = [0.0, (4.0f64 / 3.0).ln(), 2.0f64.ln(), 4.0f64.ln(), 0.0];
        let sum: f64 = raw.iter().sum();
        for (g, r) in got.iter().zip(raw) {
            assert!((f64::from(*g) - r / sum).abs() < 1e-6, "{got:?}");
        }
    }

    #[test]
    fn empty_sentences_score_zero() {
        let e = emb(&[[1.0, 0.0], [0.0, 1.0]]);
        let w = Weights::uniform(0, 1).of(&[0, 1]);
        assert!(w.iter().all(|x| x.is_nan()));
        assert_eq!(greedy(&e, &w, &e, &w), [0.0; 3]);
    }

    #[test]
    fn several_references_take_each_maximum_apart() {
        assert_eq!(best_of([[0.9, 0.1, 0.3], [0.2, 0.8, 0.4]]), [0.9, 0.8, 0.4]);
    }

    #[test]
    fn rescaling_maps_the_baseline_to_zero() {
        let b = [0.5, 0.25, 0.4];
        assert_eq!(rescale(b, b), [0.0; 3]);
        assert_eq!(rescale([1.0; 3], b), [1.0; 3]);
    }
}
