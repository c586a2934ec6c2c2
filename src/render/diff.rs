//! Word-level diff of a baseline output against a current one (`similar`).

use similar::{ChangeTag, TextDiff};

/// A piece of the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// In both outputs.
    Same(String),
    /// Only in the baseline output.
    Removed(String),
    /// Only in the current output.
    Added(String),
}

/// The word diff of `old` → `new`; whitespace runs count as words so that the
/// pieces concatenate back to the inputs.
pub fn word_diff(old: &str, new: &str) -> Vec<Piece> {
    let diff = TextDiff::configure()
        .timeout(std::time::Duration::from_millis(200))
        .diff_words(old, new);
    let mut out: Vec<Piece> = Vec::new();
    for change in diff.iter_all_changes() {
        let text = change.value().to_string();
        let piece = match change.tag() {
            ChangeTag::Equal => Piece::Same(text),
            ChangeTag::Delete => Piece::Removed(text),
            ChangeTag::Insert => Piece::Added(text),
        };
        // Merge neighbours of the same kind into one run.
        match (out.last_mut(), piece) {
            (Some(Piece::Same(a)), Piece::Same(b))
            | (Some(Piece::Removed(a)), Piece::Removed(b))
            | (Some(Piece::Added(a)), Piece::Added(b)) => a.push_str(&b),
            (_, p) => out.push(p),
        }
    }
    out
}

/// One side of a diff as runs of (changed, text); whitespace between two changed
/// runs joins them, so that a replaced phrase reads as one change.
pub fn side(pieces: &[Piece], old: bool) -> Vec<(bool, String)> {
    let mut runs: Vec<(bool, String)> = Vec::new();
    for p in pieces {
        let (changed, text) = match (p, old) {
            (Piece::Same(t), _) => (false, t),
            (Piece::Removed(t), true) | (Piece::Added(t), false) => (true, t),
            _ => continue,
        };
        match runs.last_mut() {
            Some((c, t)) if *c == changed => t.push_str(text),
            _ => runs.push((changed, text.clone())),
        }
    }
    // changed, blank, changed → one changed run.
    let mut merged: Vec<(bool, String)> = Vec::new();
    for run in runs {
        let n = merged.len();
        if run.0
            && n >= 2
            && merged[n - 2].0
            && !merged[n - 1].0
            && merged[n - 1].1.trim().is_empty()
        {
            let (_, blank) = merged.pop().unwrap_or_default();
            let last = &mut merged[n - 2].1;
            last.push_str(&blank);
            last.push_str(&run.1);
        } else {
            merged.push(run);
        }
    }
    merged
}

/// The two sides of a diff as text, changed runs wrapped in markers:
/// `[-removed-]` on the old side, `{+added+}` on the new side.
pub fn marked_sides(pieces: &[Piece]) -> (String, String) {
    let mark = |old: bool, open: &str, close: &str| {
        let mut out = String::new();
        for (changed, text) in side(pieces, old) {
            if changed {
                wrap(&mut out, &text, open, close);
            } else {
                out.push_str(&text);
            }
        }
        out
    };
    (mark(true, "[-", "-]"), mark(false, "{+", "+}"))
}

/// Wraps the non-blank part of `t`, keeping surrounding whitespace outside.
fn wrap(out: &mut String, t: &str, open: &str, close: &str) {
    let trimmed = t.trim();
    if trimmed.is_empty() {
        out.push_str(t);
        return;
    }
    let start = t.len() - t.trim_start().len();
    out.push_str(&t[..start]);
    out.push_str(open);
    out.push_str(trimmed);
    out.push_str(close);
    out.push_str(&t[start + trimmed.len()..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_changed_words() {
        let pieces = word_diff(
            "Customer double-charged on March invoice",
            "Customer has a question about billing",
        );
        let (old, new) = marked_sides(&pieces);
        assert!(old.starts_with("Customer [-"), "{old}");
        assert!(new.contains("{+"), "{new}");
        assert_eq!(old.matches("[-").count(), 1, "{old}");
        let rebuilt_old: String = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Same(t) | Piece::Removed(t) => Some(t.as_str()),
                Piece::Added(_) => None,
            })
            .collect();
        assert_eq!(rebuilt_old, "Customer double-charged on March invoice");
    }
}
