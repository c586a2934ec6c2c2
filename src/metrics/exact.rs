//! `exact_match` (Hugging Face evaluate's options) and `accuracy` (label equality).

use regex::Regex;

use super::normalize::{py_lower, strip_ascii_punctuation};
use super::squad::needs_reference;
use super::{Metric, MetricError};
use crate::error::{Error, Result};
use crate::load::Row;

/// Options of HF evaluate's `exact_match`, applied in its order: regexes removed,
/// then case folded, then ASCII punctuation removed, then digits removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExactMatchOptions {
    /// Regular expressions whose matches are deleted from both sides first.
    pub regexes_to_ignore: Vec<String>,
    /// Compare lowercased text.
    pub ignore_case: bool,
    /// Delete `string.punctuation` characters.
    pub ignore_punctuation: bool,
    /// Delete ASCII digits.
    pub ignore_numbers: bool,
}

/// `exact_match`: 1 when the normalised prediction equals a normalised reference.
#[derive(Debug, Clone)]
pub struct ExactMatch {
    options: ExactMatchOptions,
    regexes: Vec<Regex>,
}

impl ExactMatch {
    /// Compiles the options' regexes; a bad one is a configuration error.
    pub fn new(options: ExactMatchOptions) -> Result<Self> {
        let regexes = options
            .regexes_to_ignore
            .iter()
            .map(|r| {
                Regex::new(r).map_err(|e| {
                    Error::Settings(format!("exact_match: invalid regex_to_ignore \"{r}\": {e}"))
                })
            })
            .collect::<Result<_>>()?;
        Ok(ExactMatch { options, regexes })
    }

    /// Applies the options to one string.
    pub fn normalize(&self, s: &str) -> String {
        let mut text = s.to_string();
        for re in &self.regexes {
            text = re.replace_all(&text, "").into_owned();
        }
        if self.options.ignore_case {
            text = py_lower(&text);
        }
        if self.options.ignore_punctuation {
            text = strip_ascii_punctuation(&text);
        }
        if self.options.ignore_numbers {
            text.retain(|c| !c.is_ascii_digit());
        }
        text
    }
}

impl Metric for ExactMatch {
    fn name(&self) -> &str {
        "exact_match"
    }
    fn stats(&self, row: &Row, out: &mut [f64]) -> Result<(), MetricError> {
        if row.references.is_empty() {
            return Err(needs_reference());
        }
        let pred = self.normalize(&row.prediction);
        let hit = row.references.iter().any(|r| self.normalize(r) == pred);
        out[0] = f64::from(u8::from(hit));
        Ok(())
    }
}

/// `accuracy`: 1 when the prediction is exactly the label (any of the references).
#[derive(Debug, Clone, Copy)]
pub struct Accuracy;

impl Metric for Accuracy {
    fn name(&self) -> &str {
        "accuracy"
    }
    fn stats(&self, row: &Row, out: &mut [f64]) -> Result<(), MetricError> {
        if row.references.is_empty() {
            return Err(needs_reference());
        }
        out[0] = f64::from(u8::from(row.references.contains(&row.prediction)));
        Ok(())
    }
}
