//! Pairing baseline and current examples by id.
//!
//! Rows sharing an id are repeated samples of one example; they must share its
//! reference. Examples only in the baseline are *missing* (a crashed shard must
//! not pass silently); examples only in the current run are *added* and stay out
//! of the paired statistics.

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
}

/// Groups rows by id, checking that repeated rows agree on the reference.
pub fn group(data: Dataset) -> Result<Side> {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(data.rows.len());
    let mut examples: Vec<Example> = Vec::new();
    for row in data.rows {
        if let Some(&i) = index.get(&row.id) {
            let first = examples[i].first();
            if first.references != row.references {
                return Err(Error::input(
                    Location::file(&data.path).at_line(row.line).with_field("reference"),
                    format!(
                        "id \"{}\" repeats with a different reference than on line {}; repeated rows are samples of one example and must share its reference",
                        row.id, first.line
                    ),
                ));
            }
            examples[i].samples.push(row);
        } else {
            index.insert(row.id.clone(), examples.len());
            examples.push(Example {
                id: row.id.clone(),
                samples: vec![row],
            });
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
        .then_with(|| a.tags.cmp(&b.tags))
        .then_with(|| numbers(a).cmp(&numbers(b)))
}

/// Pairs the two sides by id.
pub fn align(baseline: Side, current: Side) -> Aligned {
    let order: Vec<String> = current.examples.iter().map(|e| e.id.clone()).collect();
    let mut current_by_id: HashMap<String, Example> = current
        .examples
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    let mut paired_base = Vec::new();
    let mut paired_cur = Vec::new();
    let mut missing = Vec::new();
    for example in baseline.examples {
        match current_by_id.remove(&example.id) {
            Some(cur) => {
                paired_base.push(example);
                paired_cur.push(cur);
            }
            None => missing.push(example.id),
        }
    }
    let added = order
        .into_iter()
        .filter(|id| current_by_id.contains_key(id))
        .collect();
    Aligned {
        baseline: paired_base,
        current: paired_cur,
        missing,
        added,
    }
}
