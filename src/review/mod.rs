//! Human review as ground truth: blind pairwise review sheets and the verdict
//! read back from them.
//!
//! `review sample` ([`sample`]) draws a stratified sample of the compared
//! examples and writes a sheet in which each row shows the input, the
//! reference and the two outputs as A and B in a per-row random order; which of
//! A and B is the baseline goes to a separate key file ([`Key`]), so the
//! reviewer works blind. `review score` ([`score`]) reads the filled sheet with
//! the key and reports the human win rate of the current run, a sign test, and
//! how often each metric agreed with the reviewers.

pub mod sample;
pub mod score;
pub mod sheet;
pub mod verdict;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

/// Why an example was drawn: what the metrics said about it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Stratum {
    /// More metrics got worse on it than better.
    Regressed,
    /// More metrics got better on it than worse.
    Improved,
    /// The outputs differ, but the metrics' votes cancel or are all ties.
    Unchanged,
    /// Both outputs are the same text (after trimming): never sent to
    /// reviewers, counted as ties.
    Identical,
}

impl Stratum {
    /// Every stratum, in report order.
    pub const ALL: [Stratum; 4] = [
        Stratum::Regressed,
        Stratum::Improved,
        Stratum::Unchanged,
        Stratum::Identical,
    ];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Stratum::Regressed => "regressed",
            Stratum::Improved => "improved",
            Stratum::Unchanged => "unchanged",
            Stratum::Identical => "identical",
        }
    }
}

/// Which run an output label stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The baseline run.
    Baseline,
    /// The current run.
    Current,
}

/// A stratum's size in the comparison and in the sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratumCount {
    /// The stratum.
    pub stratum: Stratum,
    /// Compared examples in it.
    pub population: usize,
    /// Of those, rows on the sheet.
    pub sampled: usize,
}

/// A metric of the key, with the direction that makes its scores a preference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyMetric {
    /// Name.
    pub name: String,
    /// `higher` or `lower` is better.
    pub direction: crate::metrics::Direction,
}

/// One sheet row's secret: which output is which, and the metrics' scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRow {
    /// The sheet's row number (1-based).
    pub row: usize,
    /// Example id.
    pub id: String,
    /// Why it was drawn.
    pub stratum: Stratum,
    /// What output A is.
    pub a: Side,
    /// Per metric (in the key's order): [baseline score, current score].
    pub scores: Vec<[f64; 2]>,
}

/// The key file: everything `review score` needs besides the filled sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Key {
    /// Layout version of this file.
    pub benchgate_review_key: u32,
    /// Seed of the sample and the A/B order.
    pub seed: u64,
    /// Baseline file.
    pub baseline: String,
    /// Current file(s).
    pub current: Vec<String>,
    /// Metrics that stratified the sample.
    pub metrics: Vec<KeyMetric>,
    /// Strata sizes (for the weighted win rate).
    pub strata: Vec<StratumCount>,
    /// One entry per sheet row.
    pub rows: Vec<KeyRow>,
}

impl Key {
    /// Reads a key file, naming the file and what is wrong with it.
    pub fn read(path: &Path) -> Result<Key> {
        let text = std::fs::read_to_string(path).map_err(|cause| Error::Io {
            path: path.to_path_buf(),
            cause,
        })?;
        let key: Key = serde_json::from_str(&text).map_err(|e| {
            Error::input(
                Location::file(path).at_line(e.line()).at_column(e.column()),
                format!("not a review key written by `benchgate review sample`: {e}"),
            )
        })?;
        if key.benchgate_review_key != 1 {
            return Err(Error::input(
                Location::file(path).with_field("benchgate_review_key"),
                format!(
                    "layout version {} is not one this benchgate reads (1); write the key again with this version",
                    key.benchgate_review_key
                ),
            ));
        }
        if let Some(r) = key
            .rows
            .iter()
            .find(|r| r.scores.len() != key.metrics.len())
        {
            return Err(Error::input(
                Location::file(path).with_field("rows"),
                format!(
                    "row {} has {} scores for {} metrics; the key was edited or truncated",
                    r.row,
                    r.scores.len(),
                    key.metrics.len()
                ),
            ));
        }
        Ok(key)
    }
}
