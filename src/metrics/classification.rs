//! `macro_f1`: macro-averaged F1 over labels, from summed per-label counts, equal
//! to scikit-learn's `f1_score(average="macro")`.
//!
//! Each example contributes a true positive to its label when the prediction is
//! right, otherwise a false positive to the predicted label and a false negative
//! to the true one. The corpus value averages per-label F1 = 2·tp / (2·tp + fp + fn)
//! over the labels that occur (as true or predicted labels) in the data scored —
//! exactly sklearn's label set — so labels never predicted count with F1 = 0.

use super::squad::needs_reference;
use super::{Metric, MetricError};
use crate::error::{Error, Result};
use crate::load::Row;

/// The most labels `macro_f1` accepts: beyond that the prediction is free text,
/// not a label.
pub const MAX_LABELS: usize = 1_000;

/// Macro-averaged F1.
#[derive(Debug, Clone)]
pub struct MacroF1 {
    labels: Vec<String>,
}

impl MacroF1 {
    /// A metric over `labels` (every label in either side's references and predictions).
    pub fn new(mut labels: Vec<String>) -> Result<Self> {
        labels.sort();
        labels.dedup();
        if labels.len() > MAX_LABELS {
            return Err(Error::Settings(format!(
                "macro_f1: the data has {} distinct labels (at most {MAX_LABELS}); are the predictions free text rather than labels?",
                labels.len()
            )));
        }
        Ok(MacroF1 { labels })
    }

    fn index(&self, label: &str) -> Option<usize> {
        self.labels.binary_search_by(|l| l.as_str().cmp(label)).ok()
    }
}

impl Metric for MacroF1 {
    fn name(&self) -> &str {
        "macro_f1"
    }

    fn arity(&self) -> usize {
        3 * self.labels.len()
    }

    fn is_mean(&self) -> bool {
        false
    }

    fn stats(&self, row: &Row, out: &mut [f64]) -> std::result::Result<(), MetricError> {
        out.fill(0.0);
        let truth = row.references.first().ok_or_else(needs_reference)?;
        let unknown = |what: &str| MetricError {
            field: what.into(),
            message: "label not seen when the label set was built".into(),
        };
        let t = self.index(truth).ok_or_else(|| unknown("reference"))?;
        let p = self
            .index(&row.prediction)
            .ok_or_else(|| unknown("prediction"))?;
        if t == p {
            out[3 * t] = 1.0;
        } else {
            out[3 * p + 1] = 1.0;
            out[3 * t + 2] = 1.0;
        }
        Ok(())
    }

    fn corpus(&self, sums: &[f64], _n: f64) -> f64 {
        let mut total = 0.0;
        let mut present = 0usize;
        for c in sums.chunks_exact(3) {
            let denom = 2.0 * c[0] + c[1] + c[2];
            if denom > 0.0 {
                total += 2.0 * c[0] / denom;
                present += 1;
            }
        }
        if present == 0 {
            0.0
        } else {
            total / present as f64
        }
    }

    fn example_score(&self, stats: &[f64]) -> f64 {
        // Right or wrong, for display and ranking.
        stats.chunks_exact(3).map(|c| c[0]).sum()
    }
}
