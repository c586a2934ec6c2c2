//! Every changed example, in full, for the HTML report (`--html-out`).
//!
//! The report ([`crate::report::Report`]) carries the verdicts and the few worst
//! examples a PR comment has room for; the HTML report lists *every* example
//! whose output or score changed. This module copies what the page shows out of
//! the aligned examples and their per-example scores: plain data, counted but
//! not judged (no statistics here either). Examples whose output and every
//! score are identical on both sides are counted, not listed.

use std::collections::HashMap;

use crate::align::Aligned;
use crate::score::{MetricScores, Slices};

/// Longest text (input, reference, output) copied into the page, in
/// characters; a longer one is cut and says how much is left out.
pub const TEXT_CHARS: usize = 1 << 20;

/// The changed examples of one comparison.
#[derive(Debug, Clone, Default)]
pub struct ExampleTable {
    /// Metric names, in the order of [`crate::report::Report::metrics`] and of
    /// each row's `scores`.
    pub metrics: Vec<String>,
    /// Examples compared (listed or not).
    pub compared: usize,
    /// Tags shown on rows, interned: (field, value).
    pub tags: Vec<(String, String)>,
    /// Slice groups (`--slice-by`): every compared example's membership is
    /// counted, so a filtered view can say "12 of the 37 in category=billing".
    pub slices: Vec<SliceGroup>,
    /// The listed examples, in id order.
    pub rows: Vec<ExampleRow>,
}

/// One slice (a value of a `--slice-by` field).
#[derive(Debug, Clone)]
pub struct SliceGroup {
    /// The tag field.
    pub field: String,
    /// Its value.
    pub value: String,
    /// Examples compared in the slice.
    pub size: usize,
}

/// One changed example.
#[derive(Debug, Clone)]
pub struct ExampleRow {
    /// Example id.
    pub id: String,
    /// The model input (the baseline's, else the current one's).
    pub input: Option<String>,
    /// The references.
    pub references: Vec<String>,
    /// Baseline output (the sample whose prediction sorts first).
    pub baseline: String,
    /// Current output (likewise).
    pub current: String,
    /// Per metric, the example's (baseline, current) score, averaged over
    /// repeated samples.
    pub scores: Vec<[f64; 2]>,
    /// Indices into [`ExampleTable::tags`].
    pub tags: Vec<u32>,
    /// Indices into [`ExampleTable::slices`].
    pub slices: Vec<u32>,
}

/// The changed examples of `aligned`, with their scores and slices.
pub fn table(aligned: &Aligned, scores: &[MetricScores], slices: &Slices) -> ExampleTable {
    let mut out = ExampleTable {
        metrics: scores.iter().map(|s| s.metric.name().to_string()).collect(),
        compared: aligned.baseline.len(),
        tags: Vec::new(),
        slices: slices
            .keys
            .iter()
            .zip(&slices.members)
            .map(|((field, value), members)| SliceGroup {
                field: field.clone(),
                value: value.clone(),
                size: members.len(),
            })
            .collect(),
        rows: Vec::new(),
    };
    let mut interned: HashMap<(String, String), u32> = HashMap::new();
    for (i, (b, c)) in aligned.baseline.iter().zip(&aligned.current).enumerate() {
        let (base, cur) = (b.first(), c.first());
        let row_scores: Vec<[f64; 2]> = scores
            .iter()
            .map(|s| {
                let (x, y) = s.example_scores(i);
                [x, y]
            })
            .collect();
        // NaN never equals itself: two NaN scores are the same score.
        let same = |[x, y]: [f64; 2]| x == y || (x.is_nan() && y.is_nan());
        if base.prediction == cur.prediction && row_scores.iter().all(|&s| same(s)) {
            continue;
        }
        let mut tags = Vec::new();
        // Content hashes (lm-eval's doc_hash, …) identify, they do not describe.
        for (k, v) in base.tags.iter().filter(|(k, _)| !k.ends_with("_hash")) {
            let key = (k.to_string(), v.to_string());
            let next = u32::try_from(out.tags.len()).unwrap_or(u32::MAX);
            let index = *interned.entry(key.clone()).or_insert_with(|| {
                out.tags.push(key);
                next
            });
            tags.push(index);
        }
        out.rows.push(ExampleRow {
            id: base.id.to_string(),
            input: base
                .input
                .as_ref()
                .or(cur.input.as_ref())
                .map(|t| cut(t.as_str())),
            references: base.references.iter().map(|r| cut(r.as_str())).collect(),
            baseline: cut(base.prediction.as_str()),
            current: cut(cur.prediction.as_str()),
            scores: row_scores,
            tags,
            slices: slices
                .membership
                .get(i)
                .map(|groups| groups.iter().map(|g| g - 1).collect())
                .unwrap_or_default(),
        });
    }
    out
}

/// `text`, or its first [`TEXT_CHARS`] characters and a note of what is left out.
fn cut(text: &str) -> String {
    match text.char_indices().nth(TEXT_CHARS) {
        None => text.to_string(),
        Some((end, _)) => format!(
            "{}… ({} more characters in the result file)",
            &text[..end],
            text[end..].chars().count()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_and_say_so() {
        let long = "é".repeat(TEXT_CHARS + 5);
        let s = cut(&long);
        assert!(
            s.ends_with("… (5 more characters in the result file)"),
            "{}",
            &s[s.len() - 60..]
        );
        assert_eq!(cut("short"), "short");
    }
}
