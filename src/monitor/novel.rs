//! Novel inputs: the live inputs least like any benchmark input, the cases to
//! add to the benchmark first.
//!
//! Each text is a TF-IDF vector over its word unigrams and bigrams
//! (sublinear term frequency 1 + ln tf, smoothed idf ln((1 + N)/(1 + df)) + 1
//! over the benchmark and the distinct live inputs, as scikit-learn's
//! `TfidfVectorizer(sublinear_tf=True)`), normalised to length 1. A live
//! input's **similarity** is its cosine similarity with its nearest
//! benchmark input (an exact search through an inverted index of the
//! benchmark's terms): 1 for an input the benchmark has word for word, 0 for
//! one that shares no word with any. Identical live inputs count once, with
//! how often they were seen.

use std::collections::HashMap;

use rayon::prelude::*;

use super::text::{ngram_counts, Vocabulary};

/// One live input and its nearest benchmark input.
#[derive(Debug, Clone, PartialEq)]
pub struct Nearest {
    /// Index of the (first) live row with this input.
    pub row: usize,
    /// Cosine similarity with the nearest benchmark input.
    pub similarity: f64,
    /// Index of that benchmark input (`None` when no word is shared).
    pub nearest: Option<usize>,
    /// Live rows with this same input.
    pub count: usize,
}

/// Sparse unit vectors: (term, weight) sorted by term.
type Vector = Vec<(u32, f32)>;

fn vectors(texts: &[&str], vocab: &mut Vocabulary) -> Vec<Vec<(u32, u32)>> {
    texts
        .iter()
        .map(|t| {
            let mut v: Vec<(u32, u32)> = ngram_counts(t)
                .into_iter()
                .map(|(g, n)| (vocab.id(g), n))
                .collect();
            v.sort_unstable();
            v
        })
        .collect()
}

fn weigh(counts: &[(u32, u32)], idf: &[f64]) -> Vector {
    let mut v: Vec<(u32, f64)> = counts
        .iter()
        .map(|&(t, n)| (t, (1.0 + f64::from(n).ln()) * idf[t as usize]))
        .collect();
    let norm = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, w)| *w /= norm);
    }
    v.into_iter().map(|(t, w)| (t, w as f32)).collect()
}

/// Every distinct live input with its nearest benchmark input, least similar
/// first (ties: the more frequent first, then the earlier).
pub fn nearest(benchmark: &[&str], live: &[(usize, &str)]) -> Vec<Nearest> {
    // Distinct live inputs, first row and count.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut distinct: Vec<(usize, &str, usize)> = Vec::new();
    for &(row, text) in live {
        match seen.get(text) {
            Some(&k) => distinct[k].2 += 1,
            None => {
                seen.insert(text, distinct.len());
                distinct.push((row, text, 1));
            }
        }
    }
    let mut vocab = Vocabulary::default();
    let bench_counts = vectors(benchmark, &mut vocab);
    let live_texts: Vec<&str> = distinct.iter().map(|d| d.1).collect();
    let live_counts = vectors(&live_texts, &mut vocab);
    let mut df = vec![0u32; vocab.len()];
    for v in bench_counts.iter().chain(&live_counts) {
        for &(t, _) in v {
            df[t as usize] += 1;
        }
    }
    let n = (bench_counts.len() + live_counts.len()) as f64;
    let idf: Vec<f64> = df
        .iter()
        .map(|&d| ((1.0 + n) / (1.0 + f64::from(d))).ln() + 1.0)
        .collect();
    let bench: Vec<Vector> = bench_counts.iter().map(|c| weigh(c, &idf)).collect();
    let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); vocab.len()];
    for (doc, v) in bench.iter().enumerate() {
        for &(t, w) in v {
            postings[t as usize].push((u32::try_from(doc).unwrap_or(u32::MAX), w));
        }
    }
    let mut out: Vec<Nearest> = live_counts
        .par_iter()
        .zip(distinct.par_iter())
        .map_init(
            || (vec![0f32; bench.len()], Vec::<u32>::new()),
            |(acc, touched), (counts, &(row, _, count))| {
                for &(t, w) in &weigh(counts, &idf) {
                    for &(doc, bw) in &postings[t as usize] {
                        if acc[doc as usize] == 0.0 {
                            touched.push(doc);
                        }
                        acc[doc as usize] += w * bw;
                    }
                }
                let mut best: Option<(usize, f32)> = None;
                for &doc in touched.iter() {
                    let s = acc[doc as usize];
                    if best.is_none_or(|(b, bs)| s > bs || (s == bs && (doc as usize) < b)) {
                        best = Some((doc as usize, s));
                    }
                    acc[doc as usize] = 0.0;
                }
                touched.clear();
                Nearest {
                    row,
                    similarity: best.map_or(0.0, |(_, s)| f64::from(s).clamp(0.0, 1.0)),
                    nearest: best.map(|(d, _)| d),
                    count,
                }
            },
        )
        .collect();
    out.sort_by(|a, b| {
        a.similarity
            .total_cmp(&b.similarity)
            .then(b.count.cmp(&a.count))
            .then(a.row.cmp(&b.row))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_sharing_no_words_comes_first() {
        let bench = ["where is my order", "refund for my order please"];
        let live = [
            (0, "where is my order"),
            (1, "quantum entanglement homework"),
            (2, "where is my order"),
            (3, "refund please"),
        ];
        let n = nearest(&bench, &live);
        assert_eq!(n.len(), 3);
        assert_eq!((n[0].row, n[0].similarity, n[0].nearest), (1, 0.0, None));
        assert_eq!(n[2].row, 0);
        assert!((n[2].similarity - 1.0).abs() < 1e-6 && n[2].count == 2);
        assert_eq!(n[1].nearest, Some(1));
    }
}
