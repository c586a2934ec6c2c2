//! ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum, equal to Google's rouge-score 0.1.2.
//!
//! Per example the value is `RougeScorer([type], use_stemmer).score(target=reference,
//! prediction=prediction).fmeasure`, and with several references `score_multi`'s:
//! the highest F over the references. The corpus value is the plain mean (Hugging Face
//! `evaluate` reports a bootstrap median instead; see the parity notes).
//!
//! What has to match rouge-score, and where it lives here:
//! - tokenizer (`tokenize`): Python-lowercase, every character outside `[a-z0-9]`
//!   separates tokens, tokens longer than three characters are stemmed with NLTK's
//!   Porter stemmer (`rouge_porter`). Non-ASCII letters therefore vanish ("Größe" →
//!   `gr e`) except the two whose lowercase is ASCII ("İ" → `i`, Kelvin "K" → `k`).
//! - scores: the same integer counts and the same floating-point operation order
//!   (`2 * p * r / (p + r)`), so values agree to the last bit.
//! - ROUGE-Lsum: lines split on `"\n"`; each reference line takes the union of one LCS
//!   per candidate line, chosen by rouge-score's backtrack tie-break, and hits are
//!   clipped by token counts.
//!
//! Speed: tokens are interned to `u32` ids through a per-thread vocabulary that doubles
//! as the stemmer's cache, n-gram overlaps are counted without hashing, and LCS tables
//! are computed 64 cells at a time (bit-parallel LCS, Allison–Dix/Hyyrö).

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use super::squad::needs_reference;
use super::{Metric, MetricError, MetricOptions};
use crate::error::Result;
use crate::load::Row;

#[cfg(any(test, feature = "internals"))]
pub use super::rouge_porter::porter_stem;

/// Options of the ROUGE metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RougeOptions {
    /// Stem tokens with NLTK's Porter stemmer (`use_stemmer=True`).
    pub stemmer: bool,
}

/// The ROUGE variants rouge-score computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RougeType {
    /// Unigram overlap (`rouge1`).
    Rouge1,
    /// Bigram overlap (`rouge2`).
    Rouge2,
    /// Longest common subsequence of the whole texts (`rougeL`).
    RougeL,
    /// Summary-level LCS over newline-separated sentences (`rougeLsum`).
    RougeLsum,
}

impl RougeType {
    /// All variants, in the order rouge-score's documentation lists them.
    pub const ALL: [RougeType; 4] = [
        RougeType::Rouge1,
        RougeType::Rouge2,
        RougeType::RougeL,
        RougeType::RougeLsum,
    ];

    /// The variant called `name` in rouge-score (`rouge1`, `rouge2`, `rougeL`, `rougeLsum`).
    pub fn from_name(name: &str) -> Option<RougeType> {
        RougeType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The rouge-score name, which is also the metric name.
    pub fn name(self) -> &'static str {
        match self {
            RougeType::Rouge1 => "rouge1",
            RougeType::Rouge2 => "rouge2",
            RougeType::RougeL => "rougeL",
            RougeType::RougeLsum => "rougeLsum",
        }
    }
}

/// One ROUGE metric: the F-measure of one variant, best over the references.
#[derive(Debug, Clone)]
pub struct Rouge {
    kind: RougeType,
    stemmer: bool,
}

impl Rouge {
    /// The metric for `kind` with `options`.
    pub fn new(kind: RougeType, options: &RougeOptions) -> Rouge {
        Rouge {
            kind,
            stemmer: options.stemmer,
        }
    }

    #[cfg(any(test, feature = "internals"))]
    /// rouge-score's `score(target=reference, prediction=prediction)[type].fmeasure`.
    pub fn fmeasure(&self, prediction: &str, reference: &str) -> f64 {
        self.best_fmeasure(prediction, &[reference]).unwrap_or(0.0)
    }

    /// `score_multi(references, prediction)[type].fmeasure`: the highest F over the
    /// references; `None` when there are none.
    pub fn best_fmeasure<S: AsRef<str>>(&self, prediction: &str, references: &[S]) -> Option<f64> {
        if references.is_empty() {
            return None;
        }
        Some(SCRATCH.with(|scratch| {
            let mut guard = scratch.borrow_mut();
            let Scratch {
                plain,
                stemmed,
                word,
                pred,
                refr,
                work,
            } = &mut *guard;
            let vocab = if self.stemmer { stemmed } else { plain };
            vocab.trim();
            tokenize(prediction, vocab, word, pred);
            let mut best = f64::NEG_INFINITY;
            for reference in references {
                tokenize(reference.as_ref(), vocab, word, refr);
                work.fit(vocab.len());
                let f = match self.kind {
                    RougeType::Rouge1 => rouge_1(&refr.ids, &pred.ids, work),
                    RougeType::Rouge2 => rouge_2(&refr.ids, &pred.ids, work),
                    RougeType::RougeL => rouge_l(&refr.ids, &pred.ids, work),
                    RougeType::RougeLsum => rouge_lsum(refr, pred, work),
                };
                // np.argmax: the first maximum wins, so only a strictly larger F replaces.
                if f > best {
                    best = f;
                }
            }
            best
        }))
    }
}

impl Metric for Rouge {
    fn name(&self) -> &str {
        self.kind.name()
    }
    fn stats(&self, row: &Row, out: &mut [f64]) -> std::result::Result<(), MetricError> {
        out[0] = self
            .best_fmeasure(&row.prediction, &row.references)
            .ok_or_else(needs_reference)?;
        Ok(())
    }
}

/// The ROUGE metric called `name`, if it is one.
pub(super) fn build(name: &str, options: &MetricOptions) -> Option<Result<Box<dyn Metric>>> {
    let kind = RougeType::from_name(name)?;
    Some(Ok(Box::new(Rouge::new(kind, &options.rouge))))
}

#[cfg(any(test, feature = "internals"))]
/// rouge-score's tokenizer (`tokenize.tokenize`), returning the token strings.
pub fn tokenize_text(text: &str, stemmer: bool) -> Vec<String> {
    let mut vocab = Vocab::new(stemmer);
    let mut tokens = Tokens::default();
    tokenize(text, &mut vocab, &mut Word::default(), &mut tokens);
    let mut names = vec![String::new(); vocab.len()];
    for (form, &id) in &vocab.forms {
        names[id as usize] = form.iter().copied().map(char::from).collect();
    }
    tokens
        .ids
        .iter()
        .map(|&id| names[id as usize].clone())
        .collect()
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Per-thread state reused across examples: vocabularies and buffers.
struct Scratch {
    plain: Vocab,
    stemmed: Vocab,
    word: Word,
    pred: Tokens,
    refr: Tokens,
    work: Work,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            plain: Vocab::new(false),
            stemmed: Vocab::new(true),
            word: Word::default(),
            pred: Tokens::default(),
            refr: Tokens::default(),
            work: Work::default(),
        }
    }
}

/// A vocabulary is dropped when it grows past this many raw tokens; ids only need
/// to be consistent within one example.
const VOCAB_LIMIT: usize = 1 << 20;

/// Token ids: raw token → id of its (stemmed) form. With the stemmer it is also the
/// stemmer's cache. Tokens of up to 16 bytes (nearly all) are keyed by their bytes
/// packed into two words, which saves hashing and comparing slices.
struct Vocab {
    stem: bool,
    short: HashMap<Key, u32, FastHash>,
    long: HashMap<Box<[u8]>, u32, FastHash>,
    forms: HashMap<Box<[u8]>, u32, FastHash>,
    buf: Vec<u8>,
}

impl Vocab {
    fn new(stem: bool) -> Vocab {
        Vocab {
            stem,
            short: HashMap::default(),
            long: HashMap::default(),
            forms: HashMap::default(),
            buf: Vec::new(),
        }
    }

    /// Number of distinct ids handed out.
    fn len(&self) -> usize {
        self.forms.len()
    }

    /// Forgets everything once the vocabulary is large; call between examples.
    fn trim(&mut self) {
        if self.short.len() + self.long.len() > VOCAB_LIMIT {
            self.short.clear();
            self.long.clear();
            self.forms.clear();
        }
    }

    /// The id of a raw `[a-z0-9]+` token, `None` when rouge-score drops it.
    fn id(&mut self, word: &Word) -> Option<u32> {
        let id = if word.len <= 16 {
            match self.short.get(&word.key) {
                Some(&id) => id,
                None => {
                    let bytes = word.key.bytes();
                    let id = self.new_id(&bytes[..word.len]);
                    self.short.insert(word.key, id);
                    id
                }
            }
        } else {
            match self.long.get(word.long.as_slice()) {
                Some(&id) => id,
                None => {
                    let id = self.new_id(&word.long);
                    self.long.insert(word.long.as_slice().into(), id);
                    id
                }
            }
        };
        (id != DROPPED).then_some(id)
    }

    /// Stems a token seen for the first time and interns its form.
    fn new_id(&mut self, token: &[u8]) -> u32 {
        self.buf.clear();
        self.buf.extend_from_slice(token);
        // rouge-score stems only tokens longer than three characters.
        if self.stem && token.len() > 3 {
            super::rouge_porter::stem_ascii(&mut self.buf);
        }
        // Its final `^[a-z0-9]+$` filter can only drop an empty stem.
        if self.buf.is_empty() {
            return DROPPED;
        }
        if let Some(&id) = self.forms.get(self.buf.as_slice()) {
            return id;
        }
        match u32::try_from(self.forms.len()) {
            Ok(id) if id != DROPPED => {
                self.forms.insert(self.buf.as_slice().into(), id);
                id
            }
            _ => DROPPED,
        }
    }
}

/// The id of a token rouge-score drops.
const DROPPED: u32 = u32::MAX;

/// The first 16 bytes of a token, little-endian in two words, zero-padded (tokens
/// have no zero bytes, so padding keeps keys unique).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
struct Key(u64, u64);

impl Key {
    fn bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.0.to_le_bytes());
        out[8..].copy_from_slice(&self.1.to_le_bytes());
        out
    }
}

/// A folded-multiply hash (as in foldhash) for the token maps: several times faster
/// than SipHash on short keys, and it mixes into the low bits hashbrown indexes by.
/// Not collision-resistant, which is acceptable for a user's own evaluation files (a
/// flood of collisions would only slow scoring down).
#[derive(Debug, Clone, Copy, Default)]
struct FastHash;

impl BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0x243f_6a88_85a3_08d3)
    }
}

struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        let product = u128::from(self.0 ^ word) * 0x9e37_79b9_7f4a_7c15;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The token being read: its key, and the whole token in `long` once it is longer
/// than 16 bytes.
#[derive(Default)]
struct Word {
    key: Key,
    len: usize,
    long: Vec<u8>,
}

impl Word {
    /// Appends lowercase bytes, keeping the key in registers for the run.
    fn extend(&mut self, bytes: impl Iterator<Item = u8>) {
        let (mut lo, mut hi, mut len) = (self.key.0, self.key.1, self.len);
        for b in bytes {
            if len < 8 {
                lo |= u64::from(b) << (8 * len);
            } else if len < 16 {
                hi |= u64::from(b) << (8 * (len - 8));
            } else {
                if len == 16 {
                    self.long.clear();
                    self.long.extend_from_slice(&Key(lo, hi).bytes());
                }
                self.long.push(b);
            }
            len += 1;
        }
        self.key = Key(lo, hi);
        self.len = len;
    }

    /// Appends the first `run` bytes of `chunk` (lowercase, little-endian).
    fn extend_chunk(&mut self, chunk: u64, run: usize) {
        if run == 0 {
            return;
        }
        let bits = if run >= 8 {
            chunk
        } else {
            chunk & ((1u64 << (8 * run)) - 1)
        };
        match self.len {
            // The key is zero from here on, so whole words can be set at once.
            0 => {
                self.key.0 = bits;
                self.len = run;
            }
            8 => {
                self.key.1 = bits;
                self.len += run;
            }
            _ => self.extend(bits.to_le_bytes().into_iter().take(run)),
        }
    }

    fn clear(&mut self) {
        self.key = Key::default();
        self.len = 0;
    }
}

/// A tokenized text: ids, and where each `"\n"`-separated line ends.
#[derive(Default)]
struct Tokens {
    ids: Vec<u32>,
    line_ends: Vec<usize>,
}

impl Tokens {
    /// Token ids of each line that has tokens (rouge-score's sentences; lines
    /// without tokens contribute nothing to ROUGE-Lsum).
    fn lines(&self) -> impl Iterator<Item = &[u32]> {
        let mut start = 0;
        self.line_ends.iter().filter_map(move |&end| {
            let line = &self.ids[start..end];
            start = end;
            (!line.is_empty()).then_some(line)
        })
    }
}

/// rouge-score's `tokenize(text, stemmer)`: lowercase, split on every character
/// outside `[a-z0-9]`, stem when the vocabulary stems. Tokenizing the whole text
/// equals concatenating the tokens of its lines (`"\n"` separates tokens anyway),
/// so one pass serves all variants.
fn tokenize(text: &str, vocab: &mut Vocab, word: &mut Word, out: &mut Tokens) {
    fn flush(word: &mut Word, vocab: &mut Vocab, ids: &mut Vec<u32>) {
        if word.len > 0 {
            ids.extend(vocab.id(word));
            word.clear();
        }
    }
    out.ids.clear();
    out.line_ends.clear();
    word.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() {
            // A run of ASCII letters and digits, eight bytes at a time.
            loop {
                let chunk = load8(bytes, i);
                let run = (!alnum_mask(chunk) & HIGH_BITS).trailing_zeros() as usize / 8;
                // `| 0x20` lowercases letters and leaves digits alone.
                word.extend_chunk(chunk | 0x2020_2020_2020_2020, run);
                i += run;
                if run < 8 {
                    break;
                }
            }
        } else if b.is_ascii() {
            i += 1;
            flush(word, vocab, &mut out.ids);
            if b == b'\n' {
                out.line_ends.push(out.ids.len());
            }
        } else {
            // `i` is always at a character boundary.
            let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                break;
            };
            i += c.len_utf8();
            // Python's str.lower(); only "İ" (→ "i̇") and the Kelvin sign (→ "k")
            // lowercase to anything in [a-z0-9].
            for lower in c.to_lowercase() {
                if lower.is_ascii_lowercase() || lower.is_ascii_digit() {
                    word.extend(std::iter::once(lower as u8));
                } else {
                    flush(word, vocab, &mut out.ids);
                }
            }
        }
    }
    flush(word, vocab, &mut out.ids);
    out.line_ends.push(out.ids.len());
}

const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Eight bytes of `bytes` from `i`, little-endian, zero-padded past the end.
fn load8(bytes: &[u8], i: usize) -> u64 {
    let mut chunk = [0u8; 8];
    match bytes.get(i..i + 8) {
        Some(eight) => chunk.copy_from_slice(eight),
        None => {
            let rest = bytes.get(i..).unwrap_or_default();
            chunk[..rest.len()].copy_from_slice(rest);
        }
    }
    u64::from_le_bytes(chunk)
}

/// 0x80 in each byte of `x` that is an ASCII letter or digit, 0 elsewhere. Bytes are
/// cut to 7 bits first so that no addition carries into the next byte.
fn alnum_mask(x: u64) -> u64 {
    const fn each(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    let ascii = !x & HIGH_BITS;
    let x7 = x & each(0x7f);
    let y = x7 | each(0x20);
    let letter = (y + each(0x80 - b'a')) & !(y + each(0x80 - b'z' - 1));
    let digit = (x7 + each(0x80 - b'0')) & !(x7 + each(0x80 - b'9' - 1));
    (letter | digit) & ascii
}

/// `scoring.fmeasure`, same operation order.
fn fmeasure(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

/// `_score_ngrams`: precision and recall divide by the n-gram counts (at least 1).
fn ngram_score(overlap: usize, target_count: usize, prediction_count: usize) -> f64 {
    let precision = overlap as f64 / prediction_count.max(1) as f64;
    let recall = overlap as f64 / target_count.max(1) as f64;
    fmeasure(precision, recall)
}

/// Buffers indexed by token id (kept all-zero / empty between uses) and LCS space.
#[derive(Default)]
struct Work {
    count_target: Vec<u32>,
    count_prediction: Vec<u32>,
    slot: Vec<u32>,
    masks: Vec<u64>,
    columns: Vec<u64>,
    marked: Vec<bool>,
    keys_target: Vec<u64>,
    keys_prediction: Vec<u64>,
}

const NO_SLOT: u32 = u32::MAX;

impl Work {
    /// Makes the id-indexed buffers cover `n` ids.
    fn fit(&mut self, n: usize) {
        if self.slot.len() < n {
            self.count_target.resize(n, 0);
            self.count_prediction.resize(n, 0);
            self.slot.resize(n, NO_SLOT);
        }
    }
}

fn rouge_1(target: &[u32], prediction: &[u32], work: &mut Work) -> f64 {
    let counts = &mut work.count_target;
    for &t in target {
        counts[t as usize] += 1;
    }
    let mut overlap = 0;
    for &t in prediction {
        let c = &mut counts[t as usize];
        if *c > 0 {
            *c -= 1;
            overlap += 1;
        }
    }
    for &t in target {
        counts[t as usize] = 0;
    }
    ngram_score(overlap, target.len(), prediction.len())
}

fn rouge_2(target: &[u32], prediction: &[u32], work: &mut Work) -> f64 {
    fn bigrams(tokens: &[u32], keys: &mut Vec<u64>) {
        keys.clear();
        keys.extend(
            tokens
                .windows(2)
                .map(|w| (u64::from(w[0]) << 32) | u64::from(w[1])),
        );
        keys.sort_unstable();
    }
    bigrams(target, &mut work.keys_target);
    bigrams(prediction, &mut work.keys_prediction);
    let (a, b) = (&work.keys_target, &work.keys_prediction);
    // Sum over distinct bigrams of min(count in target, count in prediction).
    let (mut i, mut j, mut overlap) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                overlap += 1;
                i += 1;
                j += 1;
            }
        }
    }
    ngram_score(overlap, a.len(), b.len())
}

fn rouge_l(target: &[u32], prediction: &[u32], work: &mut Work) -> f64 {
    if target.is_empty() || prediction.is_empty() {
        return 0.0;
    }
    // The LCS length is symmetric; the shorter side gives the smaller masks.
    let (a, b) = if target.len() <= prediction.len() {
        (target, prediction)
    } else {
        (prediction, target)
    };
    let words = build_masks(a, work);
    let mut column = std::mem::take(&mut work.columns);
    column.clear();
    column.resize(words, u64::MAX);
    for &t in b {
        let slot = work.slot[t as usize];
        if slot != NO_SLOT {
            let mask = &work.masks[slot as usize * words..][..words];
            advance(&mut column, mask);
        }
    }
    let lcs = zeros_before(&column, a.len());
    work.columns = column;
    clear_masks(a, work);
    let precision = lcs as f64 / prediction.len() as f64;
    let recall = lcs as f64 / target.len() as f64;
    fmeasure(precision, recall)
}

/// `_summary_level_lcs(reference sentences, candidate sentences)`.
fn rouge_lsum(target: &Tokens, prediction: &Tokens, work: &mut Work) -> f64 {
    let (m, n) = (target.ids.len(), prediction.ids.len());
    if m == 0 || n == 0 {
        return 0.0;
    }
    // One sentence each: the union LCS is the LCS, no hit can be clipped, and the
    // operations are rougeL's.
    if target.lines().nth(1).is_none() && prediction.lines().nth(1).is_none() {
        return rouge_l(&target.ids, &prediction.ids, work);
    }
    for &t in &target.ids {
        work.count_target[t as usize] += 1;
    }
    for &t in &prediction.ids {
        work.count_prediction[t as usize] += 1;
    }
    let mut marked = std::mem::take(&mut work.marked);
    let mut hits = 0usize;
    for r in target.lines() {
        marked.clear();
        marked.resize(r.len(), false);
        let words = build_masks(r, work);
        for c in prediction.lines() {
            mark_lcs(r, c, words, work, &mut marked);
        }
        clear_masks(r, work);
        // `_union_lcs` gives the marked tokens in reference order; each counts
        // while both sides still have that token left.
        for (&t, _) in r.iter().zip(&marked).filter(|(_, &m)| m) {
            let (ct, cp) = (
                &mut work.count_target[t as usize],
                &mut work.count_prediction[t as usize],
            );
            if *cp > 0 && *ct > 0 {
                hits += 1;
                *cp -= 1;
                *ct -= 1;
            }
        }
    }
    work.marked = marked;
    for &t in &target.ids {
        work.count_target[t as usize] = 0;
    }
    for &t in &prediction.ids {
        work.count_prediction[t as usize] = 0;
    }
    let recall = hits as f64 / m as f64;
    let precision = hits as f64 / n as f64;
    fmeasure(precision, recall)
}

/// Marks the positions of `r` on rouge-score's LCS of `r` and `c` (`lcs_ind`), given
/// the masks of `r`.
///
/// Column `j` of the LCS table is kept as a bit vector: bit `i` is 0 exactly when
/// `table[i + 1][j] = table[i][j] + 1`, so `table[i][j]` is the number of zeros among
/// the first `i` bits.
fn mark_lcs(r: &[u32], c: &[u32], words: usize, work: &mut Work, marked: &mut [bool]) {
    let columns = &mut work.columns;
    columns.clear();
    columns.resize(words * (c.len() + 1), u64::MAX);
    for (j, &t) in c.iter().enumerate() {
        let (done, rest) = columns.split_at_mut((j + 1) * words);
        let next = &mut rest[..words];
        next.copy_from_slice(&done[j * words..]);
        let slot = work.slot[t as usize];
        if slot != NO_SLOT {
            advance(next, &work.masks[slot as usize * words..][..words]);
        }
    }
    let table = |i: usize, j: usize| zeros_before(&columns[j * words..][..words], i);
    // `_backtrack_norec`: diagonal on a match, else left when strictly larger, else up.
    let (mut i, mut j) = (r.len(), c.len());
    while i > 0 && j > 0 {
        if r[i - 1] == c[j - 1] {
            marked[i - 1] = true;
            i -= 1;
            j -= 1;
        } else if table(i, j - 1) > table(i - 1, j) {
            j -= 1;
        } else {
            i -= 1;
        }
    }
}

/// Assigns each distinct token of `a` a bit mask of its positions; returns the
/// number of 64-bit words per mask.
fn build_masks(a: &[u32], work: &mut Work) -> usize {
    let words = a.len().div_ceil(64);
    work.masks.clear();
    let mut slots = 0u32;
    for (i, &t) in a.iter().enumerate() {
        let slot = &mut work.slot[t as usize];
        if *slot == NO_SLOT {
            *slot = slots;
            slots += 1;
            work.masks.resize(work.masks.len() + words, 0);
        }
        work.masks[*slot as usize * words + i / 64] |= 1 << (i % 64);
    }
    words
}

fn clear_masks(a: &[u32], work: &mut Work) {
    for &t in a {
        work.slot[t as usize] = NO_SLOT;
    }
}

/// One step of bit-parallel LCS: `v = (v + (v & m)) | (v & !m)` over multi-word vectors.
fn advance(v: &mut [u64], m: &[u64]) {
    let mut carry = false;
    for (x, &mask) in v.iter_mut().zip(m) {
        let u = *x & mask;
        let (sum, c1) = x.overflowing_add(u);
        let (sum, c2) = sum.overflowing_add(u64::from(carry));
        carry = c1 || c2;
        *x = sum | (*x & !mask);
    }
}

/// Number of zero bits among the first `i` bits of `v`.
fn zeros_before(v: &[u64], i: usize) -> usize {
    let full = i / 64;
    let mut ones: usize = v[..full].iter().map(|w| w.count_ones() as usize).sum();
    let rest = i % 64;
    if rest > 0 {
        ones += (v[full] & ((1u64 << rest) - 1)).count_ones() as usize;
    }
    i - ones
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rouge-score's `_lcs_table`, written out as in Python.
    fn lcs_table(r: &[u32], c: &[u32]) -> Vec<Vec<usize>> {
        let mut t = vec![vec![0; c.len() + 1]; r.len() + 1];
        for i in 1..=r.len() {
            for j in 1..=c.len() {
                t[i][j] = if r[i - 1] == c[j - 1] {
                    t[i - 1][j - 1] + 1
                } else {
                    t[i - 1][j].max(t[i][j - 1])
                };
            }
        }
        t
    }

    /// A small deterministic generator (xorshift) for the randomised checks.
    fn sequence(state: &mut u64, len: usize, alphabet: u64) -> Vec<u32> {
        (0..len)
            .map(|_| {
                *state ^= *state << 13;
                *state ^= *state >> 7;
                *state ^= *state << 17;
                (*state % alphabet) as u32
            })
            .collect()
    }

    #[test]
    fn bit_parallel_columns_equal_the_table_and_its_backtrack() {
        let mut state = 0x9e37_79b9_7f4a_7c15;
        let mut work = Work::default();
        work.fit(64);
        for round in 0..400 {
            let (lr, lc) = (round % 150, (round * 7) % 140);
            let alphabet = 2 + (round as u64 % 9);
            let r = sequence(&mut state, lr, alphabet);
            let c = sequence(&mut state, lc, alphabet);
            let t = lcs_table(&r, &c);
            let words = build_masks(&r, &mut work);
            let mut marked = vec![false; r.len()];
            if !r.is_empty() {
                mark_lcs(&r, &c, words, &mut work, &mut marked);
                for (i, row) in t.iter().enumerate() {
                    for (j, &cell) in row.iter().enumerate() {
                        let column = &work.columns[j * words..][..words];
                        assert_eq!(zeros_before(column, i), cell);
                    }
                }
            }
            clear_masks(&r, &mut work);
            // The Python backtrack.
            let mut expected = vec![false; r.len()];
            let (mut i, mut j) = (r.len(), c.len());
            while i > 0 && j > 0 {
                if r[i - 1] == c[j - 1] {
                    expected[i - 1] = true;
                    i -= 1;
                    j -= 1;
                } else if t[i][j - 1] > t[i - 1][j] {
                    j -= 1;
                } else {
                    i -= 1;
                }
            }
            assert_eq!(marked, expected);
            let lcs = t[r.len()][c.len()];
            let f = rouge_l(&r, &c, &mut work);
            let want = if r.is_empty() || c.is_empty() {
                0.0
            } else {
                fmeasure(lcs as f64 / c.len() as f64, lcs as f64 / r.len() as f64)
            };
            assert_eq!(f, want);
            assert!(work.slot.iter().all(|&s| s == NO_SLOT));
        }
    }

    #[test]
    fn alnum_mask_classifies_every_byte_in_every_position() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                // Neighbours that would carry into the byte if the mask let them.
                for fill in [0x00, 0x7f, 0xff, b'z', b'9'] {
                    let mut bytes = [fill; 8];
                    bytes[pos] = b;
                    let mask = alnum_mask(u64::from_le_bytes(bytes));
                    let got = mask.to_le_bytes()[pos] == 0x80;
                    assert_eq!(got, b.is_ascii_alphanumeric(), "byte {b:#x} at {pos}");
                }
            }
        }
    }

    #[test]
    fn tokenizer_follows_rouge_score() {
        assert_eq!(
            tokenize_text("Café, Größe; İstanbul 3,000 — 东京 \u{212a}m", false),
            ["caf", "gr", "e", "i", "stanbul", "3", "000", "km"]
        );
        assert_eq!(
            tokenize_text("The skies were dying generously", true),
            ["the", "sky", "were", "die", "gener"]
        );
        assert!(tokenize_text(" \n\t ", true).is_empty());
        // Runs longer than eight and sixteen bytes, and tokens continued by "K".
        let long = "abcdefghijklmnopqrstuvwxyz0123456789";
        assert_eq!(tokenize_text(&long.to_uppercase(), false), [long]);
        assert_eq!(
            tokenize_text("ABCDEFGH\u{212a}xyz 0123456789abcdef\u{212a}", false),
            ["abcdefghkxyz", "0123456789abcdefk"]
        );
    }

    #[test]
    fn article_tickets() {
        let l = Rouge::new(RougeType::RougeL, &RougeOptions::default());
        let f = l.fmeasure(
            "User locked out of account, error 503, needs help.",
            "Customer locked out, error 503, requires urgent help.",
        );
        let (p, r) = (5.0 / 9.0, 5.0 / 8.0);
        assert_eq!(f, 2.0 * p * r / (p + r));
        assert_eq!(l.best_fmeasure::<&str>("x", &[]), None);
    }
}
