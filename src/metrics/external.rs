//! External scores: any numeric field of the input, averaged.
//!
//! A tool's metric that some samples lack (an Inspect scorer that did not run
//! on every sample, a DeepEval metric that errored) is *partial*: a sample
//! without it is missing for that metric, never a zero. Its statistics are
//! (value, 1) or (0, 0), so the corpus value is the mean over the samples that
//! have it, and the scoring stage leaves an example that lacks it on either
//! side out of its paired comparison.

use super::{Direction, Metric, MetricError, Scale};
use crate::load::Row;

/// A numeric field used as a metric.
#[derive(Debug, Clone)]
pub struct External {
    name: String,
    direction: Direction,
    partial: bool,
}

impl External {
    /// A metric reading field `name`, which every row must have.
    pub fn new(name: &str, direction: Direction) -> Self {
        External {
            name: name.to_string(),
            direction,
            partial: false,
        }
    }

    /// A metric reading field `name`, which rows may lack.
    pub fn partial(name: &str, direction: Direction) -> Self {
        External {
            partial: true,
            ..External::new(name, direction)
        }
    }
}

/// Names that usually mean "lower is better"; anything else is higher-is-better.
/// Always overridable with `--direction NAME=higher|lower` or the config.
pub fn guess_direction(name: &str) -> Direction {
    let lower = name.to_ascii_lowercase();
    let hints = [
        "latency",
        "cost",
        "duration",
        "time",
        "_ms",
        "_sec",
        "tokens",
        "error",
        "loss",
        "perplexity",
        "price",
    ];
    if hints.iter().any(|h| lower.contains(h)) {
        Direction::Lower
    } else {
        Direction::Higher
    }
}

impl Metric for External {
    fn name(&self) -> &str {
        &self.name
    }
    fn direction(&self) -> Direction {
        self.direction
    }
    fn scale(&self) -> Scale {
        Scale::Raw
    }
    fn arity(&self) -> usize {
        if self.partial {
            2
        } else {
            1
        }
    }
    fn counts_present(&self) -> bool {
        self.partial
    }
    fn corpus(&self, sums: &[f64], n: f64) -> f64 {
        let (sum, count) = if self.partial {
            (sums[0], sums[1])
        } else {
            (sums[0], n)
        };
        if count > 0.0 {
            sum / count
        } else {
            f64::NAN
        }
    }
    fn stats(&self, row: &Row, out: &mut [f64]) -> Result<(), MetricError> {
        match row.numbers.get(&self.name) {
            Some(x) => {
                out[0] = *x;
                if self.partial {
                    out[1] = 1.0;
                }
                Ok(())
            }
            None if self.partial && !row.tags.contains_key(&self.name) => {
                out[0] = 0.0;
                out[1] = 0.0;
                Ok(())
            }
            None => Err(MetricError {
                field: self.name.clone(),
                message: match row.tags.get(&self.name) {
                    Some(text) => format!("expected a number for this metric, found \"{text}\""),
                    None => "the row has no value for this metric; every row needs one".into(),
                },
            }),
        }
    }
}
