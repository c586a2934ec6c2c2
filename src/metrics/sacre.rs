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
//! for lowercasing, n-grams of Unicode scalar values.
//!
//! No n-gram is ever built. The words (or characters) of an example's
//! hypothesis and references are numbered, then the n-grams one order at a
//! time: an n-gram's number is that of the pair (number of its first n − 1
//! elements, number of its last element), looked up in a small table reused
//! across examples. Matches are counted on those numbers.

use std::borrow::Cow;
use std::cell::RefCell;

use super::normalize::{is_py_space, py_lower, ASCII_PUNCTUATION};
use super::squad::needs_reference;
use super::{Metric, MetricError, MetricOptions, Scale};
use crate::error::{Error, Result};
use crate::load::{Row, Text};

use super::sacre_tokenize::split_spans;
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
// Numbering n-grams

/// FxHash (rustc's hash) of a byte string.
fn fx_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = 0u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    (h.rotate_left(5) ^ bytes.len() as u64).wrapping_mul(K)
}

/// Numbers the words of a few texts 0, 1, 2… in order of first appearance:
/// an open-addressing map from a word, kept as where it first occurred, to its
/// id, emptied in O(1) by a generation stamp.
#[derive(Default)]
struct WordMap {
    slots: Vec<WordSlot>,
    stamp: u32,
    mask: usize,
    shift: u32,
    len: u32,
}

/// One entry of a [`WordMap`]: live when its stamp is the map's.
#[derive(Default, Clone, Copy)]
struct WordSlot {
    hash: u64,
    text: usize,
    start: usize,
    end: usize,
    id: u32,
    stamp: u32,
}

impl WordMap {
    /// Numbers the words `texts[k][a..b]` for the spans `(a, b)` of `spans[k]`,
    /// writing their ids to `ids[k]`.
    fn number<S: AsRef<str>>(
        &mut self,
        texts: &[S],
        spans: &[Vec<(usize, usize)>],
        ids: &mut [Vec<u32>],
    ) {
        let words: usize = spans.iter().map(Vec::len).sum();
        (self.mask, self.shift) = restamp(&mut self.slots, &mut self.stamp, words, |s| s.stamp = 0);
        self.len = 0;
        for (k, (sp, out)) in spans.iter().zip(ids.iter_mut()).enumerate() {
            out.clear();
            for &(a, b) in sp {
                out.push(self.id(texts, k, a, b));
            }
        }
    }

    fn id<S: AsRef<str>>(&mut self, texts: &[S], text: usize, start: usize, end: usize) -> u32 {
        let word = texts[text]
            .as_ref()
            .as_bytes()
            .get(start..end)
            .unwrap_or_default();
        let hash = fx_hash(word);
        let mut i = (hash >> self.shift) as usize;
        loop {
            let slot = self.slots[i];
            if slot.stamp != self.stamp {
                self.slots[i] = WordSlot {
                    hash,
                    text,
                    start,
                    end,
                    id: self.len,
                    stamp: self.stamp,
                };
                self.len += 1;
                return self.len - 1;
            }
            if slot.hash == hash
                && texts[slot.text]
                    .as_ref()
                    .as_bytes()
                    .get(slot.start..slot.end)
                    == Some(word)
            {
                return slot.id;
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Empties an open-addressing table sized for about `capacity` keys by moving
/// to a new generation `stamp` (clearing the slots only when the stamp wraps or
/// the table grows); returns the index mask and the hash shift.
fn restamp<T: Default + Clone>(
    slots: &mut Vec<T>,
    stamp: &mut u32,
    capacity: usize,
    clear: impl Fn(&mut T),
) -> (usize, u32) {
    let size = (capacity.max(8) * 2).next_power_of_two();
    if size > slots.len() {
        *slots = vec![T::default(); size];
        *stamp = 0;
    }
    *stamp = stamp.wrapping_add(1);
    if *stamp == 0 {
        slots.iter_mut().for_each(clear);
        *stamp = 1;
    }
    (size - 1, 64 - size.trailing_zeros())
}

/// An open-addressing map from `u64` keys to dense ids 0, 1, 2… in order of
/// first appearance, emptied in O(1) by a generation stamp.
#[derive(Default)]
struct IdMap {
    slots: Vec<Slot>,
    stamp: u32,
    mask: usize,
    shift: u32,
    len: u32,
}

/// One entry of an [`IdMap`]: live when its stamp is the map's.
#[derive(Default, Clone, Copy)]
struct Slot {
    key: u64,
    id: u32,
    stamp: u32,
}

/// Id of an n-gram the hypothesis does not have.
const ABSENT: u32 = u32::MAX;

impl IdMap {
    /// Empties the map, sized for about `capacity` distinct keys.
    fn reset(&mut self, capacity: usize) {
        (self.mask, self.shift) =
            restamp(&mut self.slots, &mut self.stamp, capacity, |s| s.stamp = 0);
        self.len = 0;
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The id of `key`, a new one if the key is new.
    #[inline]
    fn id(&mut self, key: u64) -> u32 {
        if 2 * (self.len as usize + 1) > self.mask + 1 {
            self.grow();
        }
        let mut i = self.home(key);
        loop {
            let slot = &mut self.slots[i];
            if slot.stamp != self.stamp {
                *slot = Slot {
                    key,
                    id: self.len,
                    stamp: self.stamp,
                };
                self.len += 1;
                return slot.id;
            }
            if slot.key == key {
                return slot.id;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// A new id for no key (for keys numbered elsewhere).
    #[inline]
    fn fresh(&mut self) -> u32 {
        self.len += 1;
        self.len - 1
    }

    /// The id of `key`, or [`ABSENT`].
    #[inline]
    fn get(&self, key: u64) -> u32 {
        let mut i = self.home(key);
        loop {
            let slot = &self.slots[i];
            if slot.stamp != self.stamp {
                return ABSENT;
            }
            if slot.key == key {
                return slot.id;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Doubles the slots, keeping the entries (only when `reset` was told too
    /// small a capacity).
    fn grow(&mut self) {
        let live: Vec<Slot> = self.slots[..=self.mask]
            .iter()
            .filter(|s| s.stamp == self.stamp)
            .copied()
            .collect();
        let len = self.len;
        self.reset(self.mask + 1);
        for s in live {
            let mut i = self.home(s.key);
            while self.slots[i].stamp == self.stamp {
                i = (i + 1) & self.mask;
            }
            self.slots[i] = Slot {
                stamp: self.stamp,
                ..s
            };
        }
        self.len = len;
    }
}

/// The n-grams of several sequences, a hypothesis (sequence 0) and its
/// references, numbered one order at a time so that equal n-grams of the
/// current order have equal ids in every sequence; from order 2 on, reference
/// n-grams the hypothesis lacks are [`ABSENT`]. The id of an n-gram is that of
/// the pair (id of its first n − 1 elements, id of its last element), so no
/// n-gram is ever built.
#[derive(Default)]
struct Grams {
    /// Unigram ids of each sequence.
    uni: Vec<Vec<u32>>,
    /// Ids of the n-grams of the current order, by start position.
    cur: Vec<Vec<u32>>,
    /// Current order.
    order: usize,
    /// Ids of the current order are below it.
    distinct: usize,
    /// Distinct unigrams.
    distinct_unigrams: usize,
    /// How often each id of the current order occurs in the hypothesis.
    hyp_count: Vec<u32>,
    /// Per reference, its n-grams of the current order matched by hypothesis
    /// n-grams, each hypothesis n-gram matching at most once: the sum over
    /// ids of min(hypothesis count, reference count).
    matches: Vec<u64>,
    /// Hypothesis counts not matched yet (working space).
    avail: Vec<u32>,
    words: WordMap,
    map: IdMap,
    /// A table indexed by (prefix id, last unigram id): `stamp << 32 | id`,
    /// live when `stamp` is `direct_stamp`.
    direct: Vec<u64>,
    direct_stamp: u32,
}

/// Largest (prefixes × unigrams) key space numbered with a direct table.
const DIRECT_LIMIT: usize = 1 << 15;

impl Grams {
    /// Starts over with `sequences` empty sequences; set the unigrams next.
    fn start(&mut self, sequences: usize) {
        for v in [&mut self.uni, &mut self.cur] {
            v.resize_with(sequences, Vec::new);
            v.truncate(sequences);
        }
        self.uni.iter_mut().for_each(Vec::clear);
        self.order = 0;
    }

    /// Unigram ids of words: `texts[k][a..b]` for the spans `(a, b)` of
    /// `spans[k]`.
    fn set_words<S: AsRef<str>>(&mut self, texts: &[S], spans: &[Vec<(usize, usize)>]) {
        self.words.number(texts, spans, &mut self.uni);
        self.distinct_unigrams = self.words.len as usize;
    }

    /// Unigram ids of the characters (scalar values) of `texts`, whitespace
    /// (Python's) left out unless `whitespace`.
    fn set_chars<S: AsRef<str>>(&mut self, texts: &[S], whitespace: bool) {
        // Distinct characters are few; the map grows if need be.
        let capacity: usize = texts.iter().map(|t| t.as_ref().len()).sum();
        self.map.reset(capacity.min(1 << 10));
        let Grams { uni, map, .. } = self;
        // ASCII characters get their ids from a table, the others from the map.
        let mut ascii = [ABSENT; 128];
        for (u, text) in uni.iter_mut().zip(texts) {
            let text = text.as_ref();
            let bytes = text.as_bytes();
            u.reserve(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                let b = bytes[i];
                if b < 0x80 {
                    i += 1;
                    if !whitespace && matches!(b, b'\t'..=b'\r' | 0x1c..=b' ') {
                        continue;
                    }
                    let slot = &mut ascii[usize::from(b)];
                    if *slot == ABSENT {
                        *slot = map.fresh();
                    }
                    u.push(*slot);
                } else {
                    let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                        break; // unreachable: `i` is always a character boundary
                    };
                    i += c.len_utf8();
                    if !whitespace && is_py_space(c) {
                        continue;
                    }
                    u.push(map.id(u64::from(c)));
                }
            }
        }
        self.distinct_unigrams = self.map.len as usize;
    }

    /// Ids of the n-grams of the current order in sequence `s` that can match.
    fn ids(&self, s: usize) -> impl Iterator<Item = usize> + '_ {
        self.cur[s]
            .iter()
            .filter(|&&id| id != ABSENT)
            .map(|&id| id as usize)
    }

    /// Number of n-grams of the current order in sequence `s`.
    fn total(&self, s: usize) -> usize {
        self.cur[s].len()
    }

    /// Moves to the next order (1 first).
    fn next_order(&mut self) {
        self.order += 1;
        let n = self.order;
        let Grams {
            uni,
            cur,
            distinct,
            distinct_unigrams,
            hyp_count,
            matches,
            avail,
            map,
            direct,
            direct_stamp,
            ..
        } = self;
        if n > 1 && matches.iter().all(|&m| m == 0) {
            // Nothing matched at order n − 1, so nothing can at order n: only
            // the numbers of n-grams are left to count.
            for (c, u) in cur.iter_mut().zip(uni.iter()) {
                c.truncate(u.len().saturating_sub(n - 1));
                c.fill(ABSENT);
            }
            *distinct = 0;
            hyp_count.clear();
            return;
        }
        matches.clear();
        let (hyp, refs) = cur.split_at_mut(1);
        let (hyp, hyp_uni) = (&mut hyp[0], &uni[0]);
        if n == 1 {
            for (c, u) in cur.iter_mut().zip(uni.iter()) {
                c.clear();
                c.extend_from_slice(u);
            }
            *distinct = *distinct_unigrams;
            hyp_count.clear();
            hyp_count.resize(*distinct, 0);
            for &id in &uni[0] {
                hyp_count[id as usize] += 1;
            }
        } else if (*distinct + 1).saturating_mul(*distinct_unigrams) <= DIRECT_LIMIT {
            // Small key space: a table indexed by (prefix, last), whose row
            // `prefixes` is never written, for reference prefixes the
            // hypothesis lacks. Written without unpredictable branches.
            let prefixes = *distinct;
            let width = *distinct_unigrams;
            if direct.len() < (prefixes + 1) * width {
                direct.resize((prefixes + 1) * width, 0);
            }
            *direct_stamp = direct_stamp.wrapping_add(1);
            if *direct_stamp == 0 {
                direct.fill(0);
                *direct_stamp = 1;
            }
            let stamp = *direct_stamp;
            let count = hyp_uni.len().saturating_sub(n - 1);
            hyp_count.clear();
            hyp_count.resize(count, 0);
            let mut next = 0u32;
            let lasts = hyp_uni.get(n - 1..).unwrap_or_default();
            // Local slices keep the loops from reloading the vectors' fields.
            let (table, counts) = (&mut direct[..], &mut hyp_count[..]);
            for (id, &last) in hyp[..count].iter_mut().zip(lasts) {
                let entry = &mut table[*id as usize * width + last as usize];
                let live = (*entry >> 32) as u32 == stamp;
                let new = if live { *entry as u32 } else { next };
                *entry = (u64::from(stamp) << 32) | u64::from(new);
                next += u32::from(!live);
                counts[new as usize] += 1;
                *id = new;
            }
            hyp.truncate(count);
            hyp_count.truncate(next as usize);
            *distinct = next as usize;
            let table = &direct[..];
            let none = hyp_count.len();
            for (c, u) in refs.iter_mut().zip(&uni[1..]) {
                // Hypothesis n-grams not matched yet; ABSENT ids take from a
                // last, empty slot.
                avail.clear();
                avail.extend_from_slice(hyp_count);
                avail.push(0);
                let left = &mut avail[..];
                let mut matched = 0u64;
                let count = u.len().saturating_sub(n - 1);
                let lasts = u.get(n - 1..).unwrap_or_default();
                for (id, &last) in c[..count].iter_mut().zip(lasts) {
                    let prefix = (*id as usize).min(prefixes);
                    let entry = table[prefix * width + last as usize];
                    let live = (entry >> 32) as u32 == stamp;
                    *id = if live { entry as u32 } else { ABSENT };
                    let slot = &mut left[if live { entry as u32 as usize } else { none }];
                    let take = u32::from(*slot > 0);
                    *slot -= take;
                    matched += u64::from(take);
                }
                c.truncate(count);
                matches.push(matched);
            }
            return;
        } else {
            let key = |prefix: u32, last: u32| (u64::from(prefix) << 32) | u64::from(last);
            let count = hyp_uni.len().saturating_sub(n - 1);
            map.reset(count);
            hyp_count.clear();
            hyp_count.resize(count, 0);
            let lasts = hyp_uni.get(n - 1..).unwrap_or_default();
            for (id, &last) in hyp[..count].iter_mut().zip(lasts) {
                *id = map.id(key(*id, last));
                hyp_count[*id as usize] += 1;
            }
            hyp.truncate(count);
            hyp_count.truncate(map.len as usize);
            *distinct = map.len as usize;
            for (c, u) in refs.iter_mut().zip(&uni[1..]) {
                let count = u.len().saturating_sub(n - 1);
                let lasts = u.get(n - 1..).unwrap_or_default();
                for (id, &last) in c[..count].iter_mut().zip(lasts) {
                    if *id != ABSENT {
                        *id = map.get(key(*id, last));
                    }
                }
                c.truncate(count);
            }
        }
        self.count_matches();
    }

    /// The matches per reference of the current order.
    fn count_matches(&mut self) {
        let Grams {
            cur,
            hyp_count,
            matches,
            avail,
            ..
        } = self;
        matches.clear();
        for c in &cur[1..] {
            avail.clear();
            avail.extend_from_slice(hyp_count);
            avail.push(0);
            let none = hyp_count.len();
            let left = &mut avail[..];
            let mut matched = 0u64;
            for &id in c {
                let slot = &mut left[(id as usize).min(none)];
                let take = u32::from(*slot > 0);
                *slot -= take;
                matched += u64::from(take);
            }
            matches.push(matched);
        }
    }
}

/// Per-id counters.
#[derive(Default)]
struct Counters {
    a: Vec<u32>,
    b: Vec<u32>,
    c: Vec<u32>,
}

/// Working memory reused across the examples a thread scores.
#[derive(Default)]
struct Scratch {
    grams: Grams,
    counters: Counters,
    per_ref: Vec<f64>,
    /// Token or word spans per sequence.
    spans: Vec<Vec<(usize, usize)>>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch memory.
fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => f(&mut Scratch::default()),
    })
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
                Error::Settings(format!(
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

    /// The ten statistics of `hypothesis` against `references` (at least one).
    fn segment_stats(&self, hypothesis: &str, references: &[Text], out: &mut [f64]) {
        // `BLEU._preprocess_segment`: lowercase, right-strip, tokenize.
        let texts = lowered(hypothesis, references, self.lowercase);
        with_scratch(|scratch| {
            let Scratch {
                grams,
                counters,
                spans,
                ..
            } = scratch;
            spans.resize_with(texts.len(), Vec::new);
            let tokenized: Vec<Cow<'_, str>> = texts
                .iter()
                .zip(spans.iter_mut())
                .map(|(t, sp)| {
                    self.tokenizer
                        .tokens_into(t.trim_end_matches(is_py_space), sp)
                })
                .collect();
            grams.start(texts.len());
            grams.set_words(&tokenized, &spans[..texts.len()]);
            bleu_counts(grams, counters, out);
        });
    }
}

/// The hypothesis then the references, lowercased with Python's `str.lower()`
/// if `lower`.
fn lowered<'a>(hypothesis: &'a str, references: &'a [Text], lower: bool) -> Vec<Cow<'a, str>> {
    std::iter::once(hypothesis)
        .chain(references.iter().map(Text::as_str))
        .map(|t| {
            if lower {
                Cow::Owned(py_lower(t))
            } else {
                Cow::Borrowed(t)
            }
        })
        .collect()
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

/// `BLEU._compute_segment_statistics` on numbered words: sequence 0 of `grams`
/// is the hypothesis, the others the references.
fn bleu_counts(grams: &mut Grams, counters: &mut Counters, out: &mut [f64]) {
    let hyp_len = grams.uni[0].len();
    out[0] = hyp_len as f64;
    out[1] = closest_ref_len(hyp_len, grams.uni[1..].iter().map(Vec::len)) as f64;
    for n in 1..=BLEU_ORDER {
        grams.next_order();
        out[1 + BLEU_ORDER + n] = grams.total(0) as f64;
        if let [matched] = grams.matches[..] {
            out[1 + n] = matched as f64;
            continue;
        }
        // Several references: counts clipped by the maximum over them.
        let Counters {
            a: clip,
            b: count,
            c: used,
        } = counters;
        for v in [&mut *clip, &mut *count, &mut *used] {
            v.clear();
            v.resize(grams.distinct, 0);
        }
        for r in 1..grams.cur.len() {
            for id in grams.ids(r) {
                count[id] += 1;
            }
            for id in grams.ids(r) {
                clip[id] = clip[id].max(count[id]);
            }
            for id in grams.ids(r) {
                count[id] = 0;
            }
        }
        let mut correct = 0u64;
        for id in grams.ids(0) {
            if used[id] < clip[id] {
                used[id] += 1;
                correct += 1;
            }
        }
        out[1 + n] = correct as f64;
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
    name: &'static str,
    word_order: usize,
    lowercase: bool,
    whitespace: bool,
}

impl Chrf {
    /// chrF with `word_order` word n-gram orders (0 for chrF, 2 for chrF++) and
    /// the lowercasing and whitespace settings of `options`.
    pub fn new(word_order: usize, options: &SacreOptions) -> Chrf {
        Chrf {
            name: match word_order {
                0 => "chrf",
                1 => "chrf+",
                _ => "chrf++",
            },
            word_order,
            lowercase: options.chrf_lowercase,
            whitespace: options.chrf_whitespace,
        }
    }

    fn orders(&self) -> usize {
        CHAR_ORDER + self.word_order
    }

    /// `CHRF._compute_segment_statistics`.
    fn segment_stats(&self, hypothesis: &str, references: &[Text], out: &mut [f64]) {
        // `CHRF._preprocess_segment`: lowercase.
        let texts = lowered(hypothesis, references, self.lowercase);
        let width = 3 * self.orders();
        with_scratch(|scratch| {
            let Scratch {
                grams,
                per_ref,
                spans,
                ..
            } = scratch;
            per_ref.clear();
            per_ref.resize(references.len() * width, 0.0);
            grams.start(texts.len());
            grams.set_chars(&texts, self.whitespace);
            for n in 1..=CHAR_ORDER {
                grams.next_order();
                chrf_order(grams, per_ref, width, 3 * (n - 1));
            }
            if self.word_order > 0 {
                spans.resize_with(texts.len(), Vec::new);
                for (t, sp) in texts.iter().zip(spans.iter_mut()) {
                    punctuation_spans(t, sp);
                }
                grams.start(texts.len());
                grams.set_words(&texts, &spans[..texts.len()]);
                for n in 1..=self.word_order {
                    grams.next_order();
                    chrf_order(grams, per_ref, width, 3 * (CHAR_ORDER + n - 1));
                }
            }
            let mut best_f = -1.0;
            for stats in per_ref.chunks_exact(width) {
                let f = chrf_from_stats(stats);
                if f > best_f {
                    best_f = f;
                    out.copy_from_slice(stats);
                }
            }
        });
    }
}

/// The `[hyp, ref, match]` statistics of the current order of `grams` for each
/// reference, written at `offset` of each reference's `width` statistics.
fn chrf_order(grams: &Grams, per_ref: &mut [f64], width: usize, offset: usize) {
    let hyp_total = grams.total(0);
    for (k, (stats, &matched)) in per_ref
        .chunks_exact_mut(width)
        .zip(&grams.matches)
        .enumerate()
    {
        let ref_total = grams.total(k + 1);
        // `hyp_count if ref_ngrams else 0`
        stats[offset] = if ref_total == 0 {
            0.0
        } else {
            hyp_total as f64
        };
        stats[offset + 1] = ref_total as f64;
        stats[offset + 2] = matched as f64;
    }
}

/// `CHRF._remove_punctuation` as spans of `text`: whitespace-split words, with
/// one ASCII punctuation character split off the end of a word, or else off its
/// start.
fn punctuation_spans(text: &str, spans: &mut Vec<(usize, usize)>) {
    let is_punct = |b: u8| b.is_ascii() && ASCII_PUNCTUATION.as_bytes().contains(&b);
    let mut words = Vec::new();
    split_spans(text, &mut words);
    spans.clear();
    for (a, b) in words {
        let w = &text.as_bytes()[a..b];
        let one_char = text[a..b].chars().nth(1).is_none();
        match (w.first(), w.last()) {
            (_, Some(&l)) if !one_char && is_punct(l) => spans.extend([(a, b - 1), (b - 1, b)]),
            (Some(&f), _) if !one_char && is_punct(f) => spans.extend([(a, a + 1), (a + 1, b)]),
            _ => spans.push((a, b)),
        }
    }
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
        self.name
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
            references: refs.iter().map(|s| (*s).into()).collect(),
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
        let text = "(hi) a, ,b é. x";
        let mut spans = Vec::new();
        punctuation_spans(text, &mut spans);
        let words: Vec<&str> = spans.iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(words, ["(hi", ")", "a", ",", ",", "b", "é", ".", "x"]);
    }

    /// sacrebleu's counting written plainly: n-grams as vectors in hash maps.
    fn naive_counts<T: Clone + Eq + std::hash::Hash>(
        seq: &[T],
        n: usize,
    ) -> std::collections::HashMap<Vec<T>, u32> {
        let mut counts = std::collections::HashMap::new();
        for w in seq.windows(n) {
            *counts.entry(w.to_vec()).or_insert(0) += 1;
        }
        counts
    }

    fn naive_bleu(hyp: &[String], refs: &[Vec<String>]) -> Vec<f64> {
        let mut out = vec![
            hyp.len() as f64,
            closest_ref_len(hyp.len(), refs.iter().map(Vec::len)) as f64,
        ];
        let (mut correct, mut total) = (Vec::new(), Vec::new());
        for n in 1..=BLEU_ORDER {
            let mut max_ref = std::collections::HashMap::new();
            for r in refs {
                for (g, c) in naive_counts(r, n) {
                    let m = max_ref.entry(g).or_insert(0);
                    *m = c.max(*m);
                }
            }
            let h = naive_counts(hyp, n);
            let hits: u32 = h
                .iter()
                .map(|(g, &c)| c.min(max_ref.get(g).copied().unwrap_or(0)))
                .sum();
            correct.push(f64::from(hits));
            total.push(hyp.len().saturating_sub(n - 1) as f64);
        }
        out.extend(correct);
        out.extend(total);
        out
    }

    fn naive_chrf(hyp: &str, refs: &[String], word_order: usize) -> Vec<f64> {
        let chars = |t: &str| -> Vec<char> { t.chars().filter(|&c| !is_py_space(c)).collect() };
        let words = |t: &str| -> Vec<String> {
            let mut spans = Vec::new();
            punctuation_spans(t, &mut spans);
            spans.iter().map(|&(a, b)| t[a..b].to_string()).collect()
        };
        let side = |seq_c: Vec<char>, seq_w: Vec<String>| {
            let mut c: Vec<_> = (1..=CHAR_ORDER).map(|n| naive_counts(&seq_c, n)).collect();
            let w: Vec<_> = (1..=word_order).map(|n| naive_counts(&seq_w, n)).collect();
            let c_w: Vec<std::collections::HashMap<Vec<String>, u32>> = w;
            (std::mem::take(&mut c), c_w)
        };
        let (hc, hw) = side(chars(hyp), words(hyp));
        let mut best = (-1.0, Vec::new());
        for r in refs {
            let (rc, rw) = side(chars(r), words(r));
            let mut stats = Vec::new();
            let mut push = |h_total: u32, r_total: u32, hits: u32| {
                stats.extend([
                    if r_total == 0 {
                        0.0
                    } else {
                        f64::from(h_total)
                    },
                    f64::from(r_total),
                    f64::from(hits),
                ]);
            };
            for (h, r) in hc.iter().zip(&rc) {
                let hits = h
                    .iter()
                    .map(|(g, &c)| c.min(r.get(g).copied().unwrap_or(0)))
                    .sum();
                push(h.values().sum(), r.values().sum(), hits);
            }
            for (h, r) in hw.iter().zip(&rw) {
                let hits = h
                    .iter()
                    .map(|(g, &c)| c.min(r.get(g).copied().unwrap_or(0)))
                    .sum();
                push(h.values().sum(), r.values().sum(), hits);
            }
            let f = chrf_from_stats(&stats);
            if f > best.0 {
                best = (f, stats);
            }
        }
        best.1
    }

    /// Random text: words from a small vocabulary, punctuation, whitespace of
    /// every kind, and characters from all over Unicode (so that some texts
    /// have more distinct characters than the tables start with).
    fn random_text(state: &mut u64, len: usize) -> String {
        let mut next = move || {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            *state
        };
        let vocab = [
            "the", "cat", "a", "1,000.50", "sat", "(on)", "mat.", "x-\ny", "&amp;",
        ];
        let spaces = [" ", " ", " ", "\u{1c}", "\u{3000}", "\t", ""];
        let mut out = String::new();
        for _ in 0..len {
            match next() % 4 {
                0 | 1 => out.push_str(vocab[(next() % vocab.len() as u64) as usize]),
                2 => out.push(char::from_u32((next() % 0x3_0000) as u32).unwrap_or('?')),
                _ => out.push(char::from(b"!,.-:;?'\"()"[(next() % 11) as usize])),
            }
            out.push_str(spaces[(next() % spaces.len() as u64) as usize]);
        }
        out
    }

    #[test]
    fn counts_equal_a_plain_implementation() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let bleu = Bleu::with_tokenizer(Tokenizer::V13a, false);
        let chrf = Chrf::new(0, &SacreOptions::default());
        let chrfpp = Chrf::new(2, &SacreOptions::default());
        for case in 0..120 {
            // A few long texts take the hash-map paths.
            let len = if case % 20 == 0 { 3000 } else { case % 40 };
            let hyp = random_text(&mut state, len);
            let refs: Vec<String> = (0..1 + case % 3)
                .map(|k| {
                    if k == 0 && case % 2 == 0 {
                        hyp.chars().rev().collect()
                    } else {
                        random_text(&mut state, len)
                    }
                })
                .collect();
            let refs_str: Vec<&str> = refs.iter().map(String::as_str).collect();
            let tokens = |t: &str| -> Vec<String> {
                let t = Tokenizer::V13a.tokenize(t.trim_end_matches(is_py_space));
                super::super::normalize::py_split(&t)
                    .map(str::to_string)
                    .collect()
            };
            let hyp_tokens = tokens(&hyp);
            let ref_tokens: Vec<Vec<String>> = refs.iter().map(|r| tokens(r)).collect();
            assert_eq!(
                stats(&bleu, &hyp, &refs_str),
                naive_bleu(&hyp_tokens, &ref_tokens),
                "case {case}"
            );
            assert_eq!(
                stats(&chrf, &hyp, &refs_str),
                naive_chrf(&hyp, &refs, 0),
                "case {case}"
            );
            assert_eq!(
                stats(&chrfpp, &hyp, &refs_str),
                naive_chrf(&hyp, &refs, 2),
                "case {case}"
            );
        }
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
