//! Pairing baseline and current examples by id.
//!
//! Rows sharing an id are repeated samples of one example; they must share its
//! reference. Examples only in the baseline are *missing* (a crashed shard must
//! not pass silently); examples only in the current run are *added*, and
//! examples whose input or references changed are *edited*; both stay out of
//! the paired statistics.

use std::collections::HashMap;

use crate::error::{Error, Location, Result};
use crate::load::{Dataset, Row};

/// One example: every row (sample) that carries its id.
#[derive(Debug, Clone)]
pub struct Example {
    /// The id.
    pub id: String,
    /// Its samples, ordered by content (prediction first); never empty.
    pub samples: Vec<Row>,
}

impl Example {
    /// The first sample (the prediction that sorts first), which stands for
    /// the example in reports.
    pub fn first(&self) -> &Row {
        &self.samples[0]
    }
}

/// Examples of one side, ordered by id.
#[derive(Debug, Clone)]
pub struct Side {
    /// Where the rows came from.
    pub path: std::path::PathBuf,
    /// The examples.
    pub examples: Vec<Example>,
}

/// Baseline and current examples paired by id.
#[derive(Debug, Clone)]
pub struct Aligned {
    /// Baseline examples present in both sides, ordered by id.
    pub baseline: Vec<Example>,
    /// The current examples, index for index with `baseline`.
    pub current: Vec<Example>,
    /// Ids in the baseline but not in the current run.
    pub missing: Vec<String>,
    /// Ids in the current run but not in the baseline.
    pub added: Vec<String>,
    /// Ids in both whose input or references differ (see
    /// [`crate::baseline::content_differs`]), in baseline order.
    pub edited: Vec<String>,
}

/// Groups rows by id, checking that repeated rows agree on the reference.
pub fn group(data: Dataset) -> Result<Side> {
    // Index by borrowed ids first, then move the rows: no id is copied for the
    // index, and a file of unique ids (the common case) moves each row once.
    let mut owner: Vec<u32> = Vec::with_capacity(data.rows.len());
    let mut firsts: Vec<usize> = Vec::new();
    {
        let mut index: HashMap<&str, u32> = HashMap::with_capacity(data.rows.len());
        for (r, row) in data.rows.iter().enumerate() {
            let next = u32::try_from(firsts.len()).map_err(|_| {
                Error::input(
                    Location::file(&data.path).at_line(row.line),
                    "more than 4 billion examples in one file; split it into shards",
                )
            })?;
            let e = *index.entry(row.id.as_str()).or_insert(next);
            if e == next {
                firsts.push(r);
            } else {
                let first = &data.rows[firsts[e as usize]];
                if first.references != row.references {
                    return Err(Error::input(
                        Location::file(&data.path).at_line(row.line).with_field("reference"),
                        format!(
                            "id \"{}\" repeats with a different reference than on line {}; repeated rows are samples of one example and must share its reference",
                            row.id, first.line
                        ),
                    ));
                }
            }
            owner.push(e);
        }
    }
    let mut examples: Vec<Example> = Vec::with_capacity(firsts.len());
    for (row, e) in data.rows.into_iter().zip(owner) {
        let e = e as usize;
        if e == examples.len() {
            examples.push(Example {
                id: row.id.clone(),
                samples: vec![row],
            });
        } else {
            examples[e].samples.push(row);
        }
    }
    // Same input, same report: nothing downstream may depend on the order of
    // the lines. Examples go by id, an example's samples by their content.
    for example in &mut examples {
        example.samples.sort_by(sample_order);
    }
    examples.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Side {
        path: data.path,
        examples,
    })
}

/// A total order of an example's samples by what they hold (not their line).
fn sample_order(a: &Row, b: &Row) -> std::cmp::Ordering {
    let numbers = |r: &Row| {
        r.numbers
            .iter()
            .map(|(k, v)| (k.clone(), v.to_bits()))
            .collect::<Vec<_>>()
    };
    a.prediction
        .cmp(&b.prediction)
        .then_with(|| a.input.cmp(&b.input))
        .then_with(|| a.tags.iter().cmp(b.tags.iter()))
        .then_with(|| numbers(a).cmp(&numbers(b)))
}

/// Pairs the two sides by id.
pub fn align(baseline: Side, current: Side) -> Aligned {
    // For each baseline example, the index of its current example.
    let partner: Vec<Option<usize>> = {
        let by_id: HashMap<&str, usize> = current
            .examples
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        baseline
            .examples
            .iter()
            .map(|e| by_id.get(e.id.as_str()).copied())
            .collect()
    };
    let mut current: Vec<Option<Example>> = current.examples.into_iter().map(Some).collect();
    let paired = partner.iter().filter(|p| p.is_some()).count();
    let mut paired_base = Vec::with_capacity(paired);
    let mut paired_cur = Vec::with_capacity(paired);
    let mut missing = Vec::new();
    let mut edited = Vec::new();
    for (example, partner) in baseline.examples.into_iter().zip(partner) {
        match partner.and_then(|i| current[i].take()) {
            Some(cur) if crate::baseline::content_differs(example.first(), cur.first()) => {
                edited.push(example.id);
            }
            Some(cur) => {
                paired_base.push(example);
                paired_cur.push(cur);
            }
            None => missing.push(example.id),
        }
    }
    let added = current.into_iter().flatten().map(|e| e.id).collect();
    Aligned {
        baseline: paired_base,
        current: paired_cur,
        missing,
        added,
        edited,
    }
}
