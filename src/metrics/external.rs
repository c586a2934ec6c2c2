//! External scores: any numeric field of the input, averaged, and the guess of
//! which way is better from the field's name when the user did not say.
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
    /// Why the direction was guessed, when it was not given.
    guessed: Option<String>,
    partial: bool,
}

impl External {
    /// A metric reading field `name`, with the direction given.
    pub fn new(name: &str, direction: Direction) -> Self {
        External {
            name: name.to_string(),
            direction,
            guessed: None,
            partial: false,
        }
    }

    /// A metric reading field `name`, its direction guessed from the name.
    pub fn guessed(name: &str) -> Self {
        let (direction, why) = guess_direction(name);
        External {
            name: name.to_string(),
            direction,
            guessed: Some(why),
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

/// Head words of names whose smaller values are better: time, money, size and
/// error counts.
const LOWER_WORDS: &[&str] = &[
    "latency",
    "duration",
    "time",
    "elapsed",
    "runtime",
    "ttft",
    "cost",
    "price",
    "spend",
    "token",
    "tokens",
    "error",
    "errors",
    "loss",
    "perplexity",
    "ppl",
    "wer",
    "cer",
];

/// Units that, as a name's last part, mean a time or an amount of money.
const LOWER_UNITS: &[&str] = &[
    "ms", "s", "sec", "secs", "second", "seconds", "us", "ns", "mins", "minutes", "usd", "eur",
    "gbp", "dollars", "cents",
];

/// Trailing parts that qualify the head word rather than name the quantity
/// (`latency_p95`, `error_rate`, `token_count`, `score_mean`).
const QUALIFIERS: &[&str] = &[
    "mean", "avg", "average", "median", "total", "sum", "max", "min", "std", "rate", "ratio",
    "count", "num", "pct", "percent",
];

/// Time units that, after `per`, make a throughput (`tokens_per_second`).
const PER_TIME: &[&str] = &["s", "sec", "second", "ms", "min", "minute", "hour", "hr"];

/// A name's parts: split on `_`, `-`, `.`, spaces and case changes
/// (`latencyMs`, `TTFTMs` → `ttft`, `ms`), lowercased.
pub fn name_parts(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if boundary && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Whether smaller values of a field named `name` are better, and why: by
/// whole name parts, never substrings. A rate per unit of time is a
/// throughput (higher is better); a last part that is a time or money unit
/// (`latency_ms`, `cost_usd`) means lower; otherwise the last part that is not
/// a qualifier (`latency_p95`, `error_rate`) is the head word, and a head word
/// for time, money, tokens or errors (`n_tokens`, `total_cost`) means lower.
/// Anything else is higher-is-better (`sentiment_score`,
/// `answer_tokens_correct`). Always overridable with
/// `--direction NAME=higher|lower` or the config.
pub fn guess_direction(name: &str) -> (Direction, String) {
    let parts = name_parts(name);
    if let Some(per) = parts.iter().position(|p| p == "per") {
        if parts
            .get(per + 1)
            .is_some_and(|u| PER_TIME.contains(&u.as_str()))
        {
            return (Direction::Higher, format!("a rate per {}", parts[per + 1]));
        }
        let head = parts[..per].join("_");
        if !head.is_empty() {
            let (direction, why) = guess_direction(&head);
            return (direction, format!("{why}, before per"));
        }
    }
    if let Some(last) = parts.last().filter(|p| LOWER_UNITS.contains(&p.as_str())) {
        return (Direction::Lower, format!("unit {last}"));
    }
    let head = parts
        .iter()
        .rev()
        .find(|p| !QUALIFIERS.contains(&p.as_str()) && !is_percentile(p));
    match head {
        Some(h) if LOWER_WORDS.contains(&h.as_str()) => (Direction::Lower, format!("word {h}")),
        _ => (Direction::Higher, "no known word in the name".into()),
    }
}

/// `p50`, `p95`, `p99`…
fn is_percentile(part: &str) -> bool {
    part.len() > 1 && part.starts_with('p') && part[1..].chars().all(|c| c.is_ascii_digit())
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
    fn assumed_direction(&self) -> Option<String> {
        self.guessed.clone()
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
    fn counts_present(&self) -> bool {
        self.partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;
    use crate::load::record::{FieldMap, Value};

    fn lower(name: &str) -> bool {
        guess_direction(name).0 == Direction::Lower
    }

    #[test]
    fn names_split_on_separators_and_case() {
        assert_eq!(name_parts("latency_ms"), ["latency", "ms"]);
        assert_eq!(name_parts("latencyMs"), ["latency", "ms"]);
        assert_eq!(name_parts("TTFTMs"), ["ttft", "ms"]);
        assert_eq!(name_parts("cost-usd.total"), ["cost", "usd", "total"]);
        assert_eq!(name_parts("p95Latency"), ["p95", "latency"]);
    }

    #[test]
    fn lower_is_better_by_whole_parts() {
        for name in [
            "latency_ms",
            "latency",
            "cost_usd",
            "n_tokens",
            "output_tokens",
            "total_cost",
            "error_rate",
            "num_errors",
            "latency_p95",
            "responseTime",
            "runtime_s",
            "TTFTMs",
            "cost_per_call",
            "wer",
            "eval_loss",
            "duration_seconds",
            "price",
        ] {
            assert!(lower(name), "{name} should be lower-is-better");
        }
    }

    #[test]
    fn substrings_do_not_count() {
        for name in [
            "sentiment_score",
            "answer_tokens_correct",
            "judge",
            "uptime",
            "timeliness",
            "tokens_per_second",
            "tokens_saved",
            "success_rate",
            "costly_mistakes_avoided",
            "errorless",
            "bertscore",
            "accuracy",
            "time_saved_pct_points",
            "score_min",
        ] {
            assert!(!lower(name), "{name} should be higher-is-better");
        }
    }

    #[test]
    fn the_reason_names_the_part() {
        assert_eq!(guess_direction("latency_ms").1, "unit ms");
        assert_eq!(guess_direction("n_tokens").1, "word tokens");
        assert_eq!(guess_direction("judge").1, "no known word in the name");
        assert_eq!(guess_direction("cost_per_call").1, "word cost, before per");
        assert_eq!(guess_direction("tokens_per_second").1, "a rate per second");
    }

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
