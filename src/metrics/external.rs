//! External scores: any numeric field of the input, averaged.

use super::{Direction, Metric, MetricError, Scale};
use crate::load::Row;

/// A numeric field used as a metric.
#[derive(Debug, Clone)]
pub struct External {
    name: String,
    direction: Direction,
}

impl External {
    /// A metric reading field `name`.
    pub fn new(name: &str, direction: Direction) -> Self {
        External {
            name: name.to_string(),
            direction,
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
    fn stats(&self, row: &Row, out: &mut [f64]) -> Result<(), MetricError> {
        match row.numbers.get(&self.name) {
            Some(x) => {
                out[0] = *x;
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
