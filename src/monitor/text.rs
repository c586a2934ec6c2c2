//! Word n-grams of inputs, shared by the drift classifier and the search for
//! novel inputs: lower-cased runs of letters and digits (any script), and the
//! pairs of adjacent ones (`"refund status"`), so that both single words and
//! short phrases tell texts apart.

/// The distinct unigrams and bigrams of `text`, sorted.
pub fn ngrams(text: &str) -> Vec<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut out: Vec<String> = words.clone();
    out.extend(words.windows(2).map(|p| format!("{} {}", p[0], p[1])));
    out.sort_unstable();
    out.dedup();
    out
}

/// Every n-gram of `text` with its count (for term frequencies).
pub fn ngram_counts(text: &str) -> Vec<(String, u32)> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut all: Vec<String> = words.clone();
    all.extend(words.windows(2).map(|p| format!("{} {}", p[0], p[1])));
    all.sort_unstable();
    let mut out: Vec<(String, u32)> = Vec::new();
    for g in all {
        match out.last_mut() {
            Some((last, n)) if *last == g => *n += 1,
            _ => out.push((g, 1)),
        }
    }
    out
}

/// Interns n-grams as dense ids.
#[derive(Debug, Default)]
pub struct Vocabulary {
    ids: std::collections::HashMap<String, u32>,
    /// The n-gram of each id.
    pub terms: Vec<String>,
}

impl Vocabulary {
    /// The id of `term`, new or known.
    pub fn id(&mut self, term: String) -> u32 {
        if let Some(&id) = self.ids.get(&term) {
            return id;
        }
        let id = u32::try_from(self.terms.len()).unwrap_or(u32::MAX);
        self.terms.push(term.clone());
        self.ids.insert(term, id);
        id
    }

    /// The id of a known `term`.
    pub fn get(&self, term: &str) -> Option<u32> {
        self.ids.get(term).copied()
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ngrams_are_words_and_pairs() {
        assert_eq!(
            ngrams("Refund, refund status!"),
            ["refund", "refund refund", "refund status", "status"]
        );
        assert_eq!(
            ngram_counts("a b a b"),
            [
                ("a".to_string(), 2),
                ("a b".to_string(), 2),
                ("b".to_string(), 2),
                ("b a".to_string(), 1)
            ]
        );
    }
}
