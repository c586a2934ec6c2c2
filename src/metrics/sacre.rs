//! BLEU, chrF and chrF++, equal to sacrebleu 2.6.0.
//!
//! Each example keeps sacrebleu's own sufficient statistics, so corpus values
//! computed from their sums (and from the sums of any resample) are exactly
//! sacrebleu's `corpus_score`:
//!
//! - `bleu` (10 statistics): hypothesis length, closest reference length (ties go
//!   to the shorter), matched n-grams of orders 1–4 (counts clipped by the
//!   maximum count over the references), hypothesis n-grams of orders 1–4. The
//!   corpus value is `corpus_bleu` with its defaults (exponential smoothing,
//!   effective order off, brevity penalty); the per-example score is
//!   `sentence_bleu` (exponential smoothing, effective order on).
//! - `chrf` (18 statistics) and `chrf++` (24): for each character order 1–6, then
//!   each word order 1–2 for chrF++, the hypothesis n-grams (0 when the reference
//!   has none of that order), the reference n-grams, the matches. With several
//!   references, an example keeps the first reference with the strictly highest
//!   sentence-level chrF. The corpus value averages precision and recall over the
//!   orders where both sides have n-grams, then takes the F-score with β = 2.
//!
//! Both read on sacrebleu's 0–100 scale. Text is processed as sacrebleu does:
//! Python's `str.split()` whitespace (which includes U+001C–U+001F), `str.lower()`
//! for lowercasing, n-grams of Unicode scalar values. N-grams are counted by
//! sorting packed integer keys, never by allocating strings: words are numbered
//! per example, characters are their code points.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::normalize::{is_py_space, py_lower, py_split, ASCII_PUNCTUATION};
use super::squad::needs_reference;
use super::{Metric, MetricError, MetricOptions, Scale};
use crate::error::{Error, Result};
use crate::load::Row;

pub use super::sacre_tokenize::Tokenizer;

/// Options of BLEU and chrF.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SacreOptions {
    /// BLEU tokenizer name (13a by default): one of [`Tokenizer::NAMES`].
    pub tokenize: Option<String>,
    /// Lowercase before BLEU (sacrebleu `--lowercase`).
    pub lowercase: bool,
    /// Lowercase before chrF and chrF++ (sacrebleu `--chrf-lowercase`).
    pub chrf_lowercase: bool,
    /// Keep whitespace in chrF's character n-grams (sacrebleu `--chrf-whitespace`).
    pub chrf_whitespace: bool,
}

/// The BLEU or chrF metric called `name`, if it is one.
pub(super) fn build(name: &str, options: &MetricOptions) -> Option<Result<Box<dyn Metric>>> {
    let o = &options.sacrebleu;
    match name {
        "bleu" => Some(Bleu::new(o).map(|m| Box::new(m) as Box<dyn Metric>)),
        "chrf" => Some(Ok(Box::new(Chrf::new(0, o)))),
        "chrf++" => Some(Ok(Box::new(Chrf::new(2, o)))),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Counting n-grams

/// FxHash (rustc's hasher): fast, and good enough to number the words of one
/// example, where a collision costs a probe, never a wrong count.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Numbers distinct words; equal words get equal numbers.
struct Interner<'a> {
    ids: HashMap<&'a str, u32, BuildHasherDefault<FxHasher>>,
}

impl<'a> Interner<'a> {
    fn new() -> Self {
        Interner {
            ids: HashMap::with_capacity_and_hasher(64, BuildHasherDefault::default()),
        }
    }

    fn intern(&mut self, word: &'a str) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(word).or_insert(next)
    }

    fn all(&mut self, words: impl Iterator<Item = &'a str>, out: &mut Vec<u32>) {
        out.clear();
        out.extend(words.map(|w| self.intern(w)));
    }
}

/// The n-grams of order `n` of `seq` as integers (`bits` per element, `n × bits`
/// ≤ 128, so keys of one order are equal exactly when the n-grams are), sorted.
fn sorted_keys(seq: &[u32], n: usize, bits: u32, out: &mut Vec<u128>) {
    out.clear();
    if seq.len() >= n {
        out.extend(seq.windows(n).map(|w| {
            w.iter()
                .fold(0u128, |k, &x| (k << bits) | u128::from(x))
        }));
        out.sort_unstable();
    }
}

/// Distinct keys of a sorted slice with their counts.
fn runs(sorted: &[u128], out: &mut Vec<(u128, u32)>) {
    out.clear();
    for &k in sorted {
        match out.last_mut() {
            Some((last, count)) if *last == k => *count += 1,
            _ => out.push((k, 1)),
        }
    }
}

/// For each run of `hyp`, calls `f(run index, count of its key in reference)`
/// for keys the reference has.
fn merge(hyp: &[(u128, u32)], reference: &[u128], mut f: impl FnMut(usize, u32)) {
    let mut j = 0;
    for (i, &(key, _)) in hyp.iter().enumerate() {
        while j < reference.len() && reference[j] < key {
            j += 1;
        }
        let start = j;
        while j < reference.len() && reference[j] == key {
            j += 1;
        }
        if j > start {
            f(i, (j - start) as u32);
        }
    }
}

// ---------------------------------------------------------------------------
// BLEU

/// Highest BLEU n-gram order.
const BLEU_ORDER: usize = 4;

/// sacrebleu's BLEU (`BLEU()` defaults unless options say otherwise).
#[derive(Debug, Clone)]
pub struct Bleu {
    tokenizer: Tokenizer,
    lowercase: bool,
}

impl Bleu {
    /// BLEU with the tokenizer and lowercasing of `options`; an unknown
    /// tokenizer name is a configuration error.
    pub fn new(options: &SacreOptions) -> Result<Bleu> {
        let tokenizer = match options.tokenize.as_deref() {
            None => Tokenizer::V13a,
            Some(name) => Tokenizer::from_name(name).ok_or_else(|| {
                Error::Config(format!(
                    "unknown BLEU tokenizer \"{name}\"; valid tokenizers: {} (sacrebleu's ja-mecab, ko-mecab, spm and flores tokenizers are not available)",
                    Tokenizer::NAMES.join(", ")
                ))
            })?,
        };
        Ok(Bleu::with_tokenizer(tokenizer, options.lowercase))
    }

    /// BLEU with `tokenizer`, lowercasing first if `lowercase`.
    pub fn with_tokenizer(tokenizer: Tokenizer, lowercase: bool) -> Bleu {
        Bleu {
            tokenizer,
            lowercase,
        }
    }

    /// `BLEU._preprocess_segment`: lowercase, right-strip, tokenize.
    fn preprocess(&self, text: &str, scratch: &mut Vec<u8>) -> String {
        let lowered;
        let text = if self.lowercase {
            lowered = py_lower(text);
            lowered.as_str()
        } else {
            text
        };
        let mut out = String::new();
        self.tokenizer
            .tokenize_into(text.trim_end_matches(is_py_space), &mut out, scratch);
        out
    }

    /// The ten statistics of `hypothesis` against `references` (at least one).
    fn segment_stats(&self, hypothesis: &str, references: &[String], out: &mut [f64]) {
        let mut scratch = Vec::new();
        let hyp_text = self.preprocess(hypothesis, &mut scratch);
        let ref_texts: Vec<String> = references
            .iter()
            .map(|r| self.preprocess(r, &mut scratch))
            .collect();
        let mut interner = Interner::new();
        let mut hyp = Vec::new();
        interner.all(py_split(&hyp_text), &mut hyp);
        let refs: Vec<Vec<u32>> = ref_texts
            .iter()
            .map(|t| {
                let mut ids = Vec::new();
                interner.all(py_split(t), &mut ids);
                ids
            })
            .collect();
        bleu_counts(&hyp, &refs, out);
    }
}

/// `BLEU._get_closest_ref_len`: the reference length closest to `hyp_len`, the
/// shorter one on a tie.
fn closest_ref_len(hyp_len: usize, ref_lens: impl Iterator<Item = usize>) -> usize {
    let mut best: Option<(usize, usize)> = None;
    for len in ref_lens {
        let diff = hyp_len.abs_diff(len);
        best = match best {
            Some((d, l)) if d < diff || (d == diff && l <= len) => Some((d, l)),
            _ => Some((diff, len)),
        };
    }
    best.map_or(0, |(_, l)| l)
}

/// `BLEU._compute_segment_statistics` on word numbers.
fn bleu_counts(hyp: &[u32], refs: &[Vec<u32>], out: &mut [f64]) {
    out[0] = hyp.len() as f64;
    out[1] = closest_ref_len(hyp.len(), refs.iter().map(Vec::len)) as f64;
    let mut hyp_keys = Vec::new();
    let mut ref_keys = Vec::new();
    let mut hyp_runs = Vec::new();
    let mut clip: Vec<u32> = Vec::new();
    for n in 1..=BLEU_ORDER {
        sorted_keys(hyp, n, 32, &mut hyp_keys);
        runs(&hyp_keys, &mut hyp_runs);
        clip.clear();
        clip.resize(hyp_runs.len(), 0);
        for r in refs {
            sorted_keys(r, n, 32, &mut ref_keys);
            merge(&hyp_runs, &ref_keys, |i, c| clip[i] = clip[i].max(c));
        }
        let correct: u64 = hyp_runs
            .iter()
            .zip(&clip)
            .map(|(&(_, h), &c)| u64::from(h.min(c)))
            .sum();
        out[1 + n] = correct as f64;
        out[1 + BLEU_ORDER + n] = hyp_keys.len() as f64;
    }
}

/// `sacrebleu.utils.my_log`.
fn my_log(x: f64) -> f64 {
    if x == 0.0 {
        -9_999_999_999.0
    } else {
        x.ln()
    }
}

/// `BLEU.compute_bleu` with exponential smoothing, on the ten statistics.
pub fn bleu_from_stats(stats: &[f64], effective_order: bool) -> f64 {
    let (sys_len, ref_len) = (stats[0], stats[1]);
    let correct = &stats[2..2 + BLEU_ORDER];
    let total = &stats[2 + BLEU_ORDER..2 + 2 * BLEU_ORDER];
    let mut bp = 1.0;
    if sys_len < ref_len {
        bp = if sys_len > 0.0 {
            (1.0 - ref_len / sys_len).exp()
        } else {
            0.0
        };
    }
    if correct.iter().all(|&c| c == 0.0) {
        return 0.0;
    }
    let mut precisions = [0.0f64; BLEU_ORDER];
    let mut smooth_mteval = 1.0;
    let mut eff_order = BLEU_ORDER;
    for n in 1..=BLEU_ORDER {
        if total[n - 1] == 0.0 {
            break;
        }
        if effective_order {
            eff_order = n;
        }
        if correct[n - 1] == 0.0 {
            smooth_mteval *= 2.0;
            precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1]);
        } else {
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
        }
    }
    let mut log_sum = 0.0;
    for &p in &precisions[..eff_order] {
        log_sum += my_log(p);
    }
    bp * (log_sum / eff_order as f64).exp()
}

impl Metric for Bleu {
    fn name(&self) -> &str {
        "bleu"
    }
    fn scale(&self) -> Scale {
        Scale::Raw
    }
    fn arity(&self) -> usize {
        2 + 2 * BLEU_ORDER
    }
    fn stats(&self, row: &Row, out: &mut [f64]) -> std::result::Result<(), MetricError> {
        if row.references.is_empty() {
            return Err(needs_reference());
        }
        self.segment_stats(&row.prediction, &row.references, out);
        Ok(())
    }
    /// `corpus_bleu`: effective order off.
    fn corpus(&self, sums: &[f64], n: f64) -> f64 {
        if n > 0.0 {
            bleu_from_stats(sums, false)
        } else {
            f64::NAN
        }
    }
    /// `sentence_bleu`: effective order on.
    fn example_score(&self, stats: &[f64]) -> f64 {
        bleu_from_stats(stats, true)
    }
    fn is_mean(&self) -> bool {
        false
    }
}

// ---------------------------------------------------------------------------
// chrF

/// chrF's character n-gram order.
const CHAR_ORDER: usize = 6;
/// chrF's β: recall weighs β² times as much as precision.
const BETA: f64 = 2.0;

/// sacrebleu's chrF (`word_order` 0) or chrF++ (`word_order` 2).
#[derive(Debug, Clone)]
pub struct Chrf {
    word_order: usize,
    lowercase: bool,
    whitespace: bool,
}

/// One side's n-grams, per order, ready to match.
#[derive(Default)]
struct ChrfSide {
    /// Sorted keys per order (characters, then words).
    keys: Vec<Vec<u128>>,
}

impl Chrf {
    /// chrF with `word_order` word n-gram orders (0 for chrF, 2 for chrF++) and
    /// the lowercasing and whitespace settings of `options`.
    pub fn new(word_order: usize, options: &SacreOptions) -> Chrf {
        Chrf {
            word_order: word_order.min(2),
            lowercase: options.chrf_lowercase,
            whitespace: options.chrf_whitespace,
        }
    }

    fn orders(&self) -> usize {
        CHAR_ORDER + self.word_order
    }

    /// Character and word n-grams of one (preprocessed) segment.
    fn side<'a>(&self, text: &'a str, interner: &mut Interner<'a>) -> ChrfSide {
        let chars: Vec<u32> = if self.whitespace {
            text.chars().map(u32::from).collect()
        } else {
            text.chars()
                .filter(|&c| !is_py_space(c))
                .map(u32::from)
                .collect()
        };
        let mut keys = Vec::with_capacity(self.orders());
        for n in 1..=CHAR_ORDER {
            let mut k = Vec::new();
            sorted_keys(&chars, n, 21, &mut k);
            keys.push(k);
        }
        if self.word_order > 0 {
            let mut words = Vec::new();
            interner.all(remove_punctuation(text), &mut words);
            for n in 1..=self.word_order {
                let mut k = Vec::new();
                sorted_keys(&words, n, 32, &mut k);
                keys.push(k);
            }
        }
        ChrfSide { keys }
    }

    /// `CHRF._compute_segment_statistics`.
    fn segment_stats(&self, hypothesis: &str, references: &[String], out: &mut [f64]) {
        let lower = |s: &str| {
            if self.lowercase {
                py_lower(s)
            } else {
                s.to_string()
            }
        };
        let hyp_text = lower(hypothesis);
        let ref_texts: Vec<String> = references.iter().map(|r| lower(r)).collect();
        let mut interner = Interner::new();
        let hyp = self.side(&hyp_text, &mut interner);
        let hyp_runs: Vec<Vec<(u128, u32)>> = hyp
            .keys
            .iter()
            .map(|k| {
                let mut r = Vec::new();
                runs(k, &mut r);
                r
            })
            .collect();
        let mut best_f = -1.0;
        let mut stats = vec![0.0; 3 * self.orders()];
        for text in &ref_texts {
            let reference = self.side(text, &mut interner);
            for (i, (h, r)) in hyp_runs.iter().zip(&reference.keys).enumerate() {
                let mut matches = 0u64;
                merge(h, r, |j, c| matches += u64::from(h[j].1.min(c)));
                let hyp_count = if r.is_empty() { 0 } else { hyp.keys[i].len() };
                stats[3 * i] = hyp_count as f64;
                stats[3 * i + 1] = r.len() as f64;
                stats[3 * i + 2] = matches as f64;
            }
            let f = chrf_from_stats(&stats);
            if f > best_f {
                best_f = f;
                out.copy_from_slice(&stats);
            }
        }
    }
}

/// `CHRF._remove_punctuation`: whitespace-split words, with one ASCII
/// punctuation character split off the end of a word, or else off its start.
fn remove_punctuation(text: &str) -> impl Iterator<Item = &str> {
    let is_punct = |c: char| c.is_ascii() && ASCII_PUNCTUATION.contains(c);
    py_split(text).flat_map(move |w| {
        let mut it = w.chars();
        let first = it.next();
        let last = it.next_back();
        let (a, b) = match (first, last) {
            (Some(_), Some(l)) if is_punct(l) => {
                let cut = w.len() - l.len_utf8();
                (&w[..cut], Some(&w[cut..]))
            }
            (Some(f), Some(_)) if is_punct(f) => {
                let cut = f.len_utf8();
                (&w[..cut], Some(&w[cut..]))
            }
            _ => (w, None),
        };
        std::iter::once(a).chain(b)
    })
}

/// `CHRF._compute_f_score` (β = 2, no epsilon smoothing) on `[hyp, ref, match]`
/// triples, one per order; on the 0–100 scale.
pub fn chrf_from_stats(stats: &[f64]) -> f64 {
    const EPS: f64 = 1e-16;
    let factor = BETA * BETA;
    let (mut avg_prec, mut avg_rec) = (0.0f64, 0.0f64);
    let mut effective_order = 0usize;
    for s in stats.chunks_exact(3) {
        let (n_hyp, n_ref, n_match) = (s[0], s[1], s[2]);
        let prec = if n_hyp > 0.0 { n_match / n_hyp } else { EPS };
        let rec = if n_ref > 0.0 { n_match / n_ref } else { EPS };
        if n_hyp > 0.0 && n_ref > 0.0 {
            avg_prec += prec;
            avg_rec += rec;
            effective_order += 1;
        }
    }
    if effective_order == 0 {
        avg_prec = 0.0;
        avg_rec = 0.0;
    } else {
        avg_prec /= effective_order as f64;
        avg_rec /= effective_order as f64;
    }
    if avg_prec + avg_rec != 0.0 {
        let mut score = (1.0 + factor) * avg_prec * avg_rec;
        score /= (factor * avg_prec) + avg_rec;
        100.0 * score
    } else {
        0.0
    }
}

impl Metric for Chrf {
    fn name(&self) -> &str {
        if self.word_order == 0 {
            "chrf"
        } else {
            "chrf++"
        }
    }
    fn scale(&self) -> Scale {
        Scale::Raw
    }
    fn arity(&self) -> usize {
        3 * self.orders()
    }
    fn stats(&self, row: &Row, out: &mut [f64]) -> std::result::Result<(), MetricError> {
        if row.references.is_empty() {
            return Err(needs_reference());
        }
        self.segment_stats(&row.prediction, &row.references, out);
        Ok(())
    }
    fn corpus(&self, sums: &[f64], n: f64) -> f64 {
        if n > 0.0 {
            chrf_from_stats(sums)
        } else {
            f64::NAN
        }
    }
    fn example_score(&self, stats: &[f64]) -> f64 {
        chrf_from_stats(stats)
    }
    fn is_mean(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(metric: &dyn Metric, hyp: &str, refs: &[&str]) -> Vec<f64> {
        let row = Row {
            id: "x".into(),
            prediction: hyp.into(),
            references: refs.iter().map(|s| (*s).to_string()).collect(),
            input: None,
            numbers: Default::default(),
            tags: Default::default(),
            line: 1,
        };
        let mut out = vec![0.0; metric.arity()];
        metric.stats(&row, &mut out).expect("scorable");
        out
    }

    #[test]
    fn bleu_counts_match_sacrebleu() {
        let bleu = Bleu::with_tokenizer(Tokenizer::V13a, false);
        let s = stats(
            &bleu,
            "the cat sat on the mat",
            &["the cat is on the mat", "a cat sat"],
        );
        assert_eq!(s, [6.0, 6.0, 6.0, 4.0, 1.0, 0.0, 6.0, 5.0, 4.0, 3.0]);
        // sacrebleu.sentence_bleu(hyp, refs).score
        assert!((bleu.example_score(&s) - 42.728_700_639_623_4).abs() < 1e-9);
    }

    #[test]
    fn closest_length_prefers_shorter_on_ties() {
        assert_eq!(closest_ref_len(5, [7, 3, 6, 4].into_iter()), 4);
        assert_eq!(closest_ref_len(5, [6, 4].into_iter()), 4);
        assert_eq!(closest_ref_len(0, std::iter::empty()), 0);
    }

    #[test]
    fn chrf_multi_reference_keeps_first_best() {
        let chrf = Chrf::new(0, &SacreOptions::default());
        let one = stats(&chrf, "abc", &["abc"]);
        let two = stats(&chrf, "abc", &["xyz", "abc", "abc"]);
        assert_eq!(one, two);
        assert!((chrf.example_score(&one) - 100.0).abs() < 1e-12);
    }

    #[test]
    fn punctuation_split() {
        let words: Vec<&str> = remove_punctuation("(hi) a, ,b é. x").collect();
        assert_eq!(words, ["(hi", ")", "a", ",", ",", "b", "é", ".", "x"]);
    }

    #[test]
    fn bad_tokenizer_is_a_config_error() {
        let options = SacreOptions {
            tokenize: Some("moses".into()),
            ..SacreOptions::default()
        };
        let err = Bleu::new(&options).expect_err("unknown tokenizer");
        assert!(err.to_string().contains("13a, intl, zh, char, none"));
    }
}
