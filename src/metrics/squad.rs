//! SQuAD v1.1 exact match and token F1 (`evaluate-v1.1.py`), best over references.

use super::normalize::{py_lower, py_split, strip_ascii_punctuation};
use super::{Metric, MetricError};
use crate::load::Row;
use std::collections::HashMap;

/// The SQuAD `normalize_answer`: lowercase, drop ASCII punctuation, drop the
/// articles a/an/the, collapse whitespace.
pub fn normalize_answer(s: &str) -> String {
    let text = strip_ascii_punctuation(&py_lower(s));
    let text = remove_articles(&text);
    py_split(&text).collect::<Vec<_>>().join(" ")
}

/// Python's `re.sub(r"\b(a|an|the)\b", " ", text)`. Written out because
/// Python's `\b` uses `str.isalnum()` (so "²" and "½" are word characters),
/// which the regex crate's Unicode `\b` does not.
fn remove_articles(text: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut after_word = false;
    while let Some((start, c)) = chars.next() {
        if !after_word && is_word(c) {
            let mut end = text.len();
            while let Some(&(j, d)) = chars.peek() {
                if !is_word(d) {
                    end = j;
                    break;
                }
                chars.next();
            }
            let word = &text[start..end];
            if matches!(word, "a" | "an" | "the") {
                out.push(' ');
            } else {
                out.push_str(word);
            }
            after_word = true;
        } else {
            out.push(c);
            after_word = is_word(c);
        }
    }
    out
}

/// SQuAD v1.1 token F1 of one prediction against one reference.
pub fn f1_score(prediction: &str, reference: &str) -> f64 {
    let pred = normalize_answer(prediction);
    let gold = normalize_answer(reference);
    let pred_tokens: Vec<&str> = py_split(&pred).collect();
    let gold_tokens: Vec<&str> = py_split(&gold).collect();
    let same = common_tokens(&pred_tokens, &gold_tokens);
    if same == 0 {
        return 0.0;
    }
    // Same operation order as the official script, so the last bit agrees.
    let precision = 1.0 * same as f64 / pred_tokens.len() as f64;
    let recall = 1.0 * same as f64 / gold_tokens.len() as f64;
    (2.0 * precision * recall) / (precision + recall)
}

/// The size of the multiset intersection (Python's `Counter(a) & Counter(b)`).
/// Answers are short: below a few dozen tokens, pairing tokens by a linear
/// search beats hashing them.
fn common_tokens(pred: &[&str], gold: &[&str]) -> i64 {
    let mut same = 0i64;
    if gold.len() <= 32 {
        let mut used = [false; 32];
        for t in pred {
            if let Some(j) = (0..gold.len()).find(|&j| !used[j] && gold[j] == *t) {
                used[j] = true;
                same += 1;
            }
        }
        return same;
    }
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for t in gold {
        *counts.entry(t).or_default() += 1;
    }
    for t in pred {
        if let Some(c) = counts.get_mut(t) {
            if *c > 0 {
                *c -= 1;
                same += 1;
            }
        }
    }
    same
}

/// SQuAD v1.1 exact match of normalised strings.
pub fn em_score(prediction: &str, reference: &str) -> f64 {
    f64::from(u8::from(
        normalize_answer(prediction) == normalize_answer(reference),
    ))
}

fn best_over_references(
    row: &Row,
    out: &mut [f64],
    score: fn(&str, &str) -> f64,
) -> Result<(), MetricError> {
    if row.references.is_empty() {
        return Err(needs_reference());
    }
    out[0] = row
        .references
        .iter()
        .map(|r| score(&row.prediction, r))
        .fold(0.0, f64::max);
    Ok(())
}

pub(super) fn needs_reference() -> MetricError {
    MetricError {
        field: "reference".into(),
        message: "this metric needs a reference and the row has none".into(),
    }
}

/// `f1`: SQuAD token F1.
#[derive(Debug, Clone, Copy)]
pub struct SquadF1;

impl Metric for SquadF1 {
    fn name(&self) -> &str {
        "f1"
    }
    fn stats(&self, row: &Row, out: &mut [f64]) -> Result<(), MetricError> {
        best_over_references(row, out, f1_score)
    }
}

/// `squad_em`: SQuAD normalised exact match.
#[derive(Debug, Clone, Copy)]
pub struct SquadEm;

impl Metric for SquadEm {
    fn name(&self) -> &str {
        "squad_em"
    }
    fn stats(&self, row: &Row, out: &mut [f64]) -> Result<(), MetricError> {
        best_over_references(row, out, em_score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_token_lists_count_the_same_intersection() {
        let pred = ["a", "b", "a", "c", "a", "d"];
        let gold = ["a", "a", "b", "e"];
        assert_eq!(common_tokens(&pred, &gold), 3);
        // Past 32 gold tokens the hashed count takes over: a×20 b×10 e×10
        // against a×18 b×6 c×6 d×6 share a×18 and b×6.
        let long_gold: Vec<&str> = gold.iter().copied().cycle().take(40).collect();
        let long_pred: Vec<&str> = pred.iter().copied().cycle().take(36).collect();
        assert_eq!(common_tokens(&long_pred, &long_gold), 24);
        assert_eq!(common_tokens(&long_pred, &long_gold[..32]), 8 * 2 + 6);
    }

    #[test]
    fn official_examples() {
        assert_eq!(normalize_answer("The  Cat, sat!"), "cat sat");
        assert_eq!(
            f1_score("the cat sat", "a cat sat down"),
            2.0 * 1.0 * (2.0 / 3.0) / (1.0 + 2.0 / 3.0)
        );
        assert_eq!(f1_score("", ""), 0.0);
        assert_eq!(em_score("An apple.", "apple"), 1.0);
    }
}
