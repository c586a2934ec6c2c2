//! External scores: any numeric field of the input, averaged.
//!
//! A *partial* external metric is one a tool reports on some rows only (lm-eval
//! reports `acc,none` on a multiple-choice task's rows and
//! `exact_match,strict-match` on another task's): its statistics are the value
//! and a count of one, or zeros where the row has no value, and its corpus
//! value is the mean over the rows that have one.

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
    /// A metric reading field `name`.
    pub fn new(name: &str, direction: Direction) -> Self {
        External {
            name: name.to_string(),
            direction,
            partial: false,
        }
    }

    /// The same metric, scoring only the rows that have a value for it.
    #[must_use]
    pub fn partial(mut self, partial: bool) -> Self {
        self.partial = partial;
        self
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
                out.fill(0.0);
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
    fn corpus(&self, sums: &[f64], n: f64) -> f64 {
        match (self.partial, sums) {
            (true, [total, count]) if *count > 0.0 => total / count,
            (true, _) => f64::NAN,
            (false, _) if n > 0.0 => sums[0] / n,
            (false, _) => f64::NAN,
        }
    }
    fn has_value(&self, stats: &[f64]) -> bool {
        !self.partial || stats.get(1).is_some_and(|c| *c > 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;
    use crate::load::record::{FieldMap, Value};

    fn row(fields: Vec<(&str, Value)>) -> Row {
        let mut pairs = vec![
            ("id", Value::Text("1".into())),
            ("prediction", Value::Text("p".into())),
        ];
        pairs.extend(fields);
        Row::from_fields(pairs, &FieldMap::default(), &Location::file("t.jsonl")).expect("row")
    }

    #[test]
    fn a_partial_metric_scores_the_rows_that_have_it() {
        let acc = External::new("acc,none", Direction::Higher).partial(true);
        let (with, without) = (row(vec![("acc,none", Value::Number(0.5))]), row(vec![]));
        let mut out = [9.0; 2];
        acc.stats(&with, &mut out).expect("scored");
        assert_eq!(out, [0.5, 1.0]);
        assert!(acc.has_value(&out));
        acc.stats(&without, &mut out).expect("no value is no error");
        assert_eq!(out, [0.0, 0.0]);
        assert!(!acc.has_value(&out));
        assert!(acc.example_score(&out).is_nan());
        // The mean over the rows that have a value, whatever the others.
        assert_eq!(acc.corpus(&[1.5, 2.0], 5.0), 0.75);
        // A text where the number should be stays an error, and a full metric
        // still needs a value on every row.
        let text = row(vec![("acc,none", Value::Text("high".into()))]);
        assert!(acc.stats(&text, &mut out).is_err());
        let full = External::new("acc,none", Direction::Higher);
        assert_eq!(full.arity(), 1);
        assert!(full.stats(&without, &mut out[..1]).is_err());
    }
}
