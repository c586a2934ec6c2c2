//! Facts copied right: `copied_facts` and `copied_facts_recall`.
//!
//! A summary that says "$226.98" where the ticket said "$229.68", or "order
//! #12354" where it said "#12345", is worse than one that scores lower on
//! ROUGE. These metrics look only at *facts*: the URLs, email addresses, dates,
//! ids, amounts and numbers of a text.
//!
//! - `copied_facts`: of the facts in the prediction, the share that also appear
//!   in the input (precision; 1 when the prediction states none). Needs the
//!   input.
//! - `copied_facts_recall`: of the facts in the reference, the share the
//!   prediction states (1 when the reference states none; with several
//!   references, the best).
//!
//! Extraction, in this order, each match masked before the next kind is looked
//! for (so the digits of a date or a URL are not counted again as numbers):
//!
//! 1. URLs (`http://`, `https://`), lower-cased, without a trailing `/` or
//!    trailing punctuation;
//! 2. email addresses, lower-cased;
//! 3. dates: ISO `2024-03-15`; numeric `15/03/2024`, `3/15/24`, `15.03.2024`
//!    (day first when the first number is above 12, else month first, as US
//!    tickets write them; two-digit years are 20xx); month names
//!    `March 15, 2024`, `Mar 15`, `15 March 2024`, `15th of March`. A date
//!    without a year matches the same day and month with any year;
//! 4. ids: `#12345`, `order 12345`, `invoice no. INV-2024-001`,
//!    `ticket: TK-77` (after order, invoice, ticket, case, ref, reference,
//!    account, confirmation, tracking), and tokens mixing letters and digits
//!    (`AB12345`, `INV-2024-001`), upper-cased without the `#`;
//! 5. amounts and numbers: `$1,234.50`, `€20`, `15%`, `3.5`, `42`: currency
//!    signs, thousands separators and trailing zeros after the decimal point go
//!    (`$1,234.50` = `1234.5` = `1,234.5`).
//!
//! Ids and numbers share one space of values, so `#12345` in the ticket and
//! `12345` in the summary are the same fact. Facts are sets: a fact stated
//! twice counts once.

use std::sync::OnceLock;

use regex::Regex;

use super::{Metric, MetricError};
use crate::load::Row;

/// One fact: its normalised text, and its day, month and year when a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The normalised value (`1234.5`, `INV-2024-001`, `2024-03-15`, `03-15`).
    pub key: String,
    /// What the text said.
    pub shown: String,
    date: Option<(u32, u32, Option<u32>)>,
}

impl Fact {
    fn matches(&self, other: &Fact) -> bool {
        match (self.date, other.date) {
            (Some((m, d, y)), Some((m2, d2, y2))) => {
                m == m2 && d == d2 && (y.is_none() || y2.is_none() || y == y2)
            }
            _ => self.key == other.key,
        }
    }
}

struct Patterns {
    url: Regex,
    email: Regex,
    iso_date: Regex,
    numeric_date: Regex,
    month_day: Regex,
    day_month: Regex,
    keyword_id: Regex,
    hash_id: Regex,
    mixed_id: Regex,
    number: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let re = |p: &str| Regex::new(p).expect("a valid built-in pattern");
        const MONTH: &str = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";
        Patterns {
            url: re(r#"(?i)\bhttps?://[^\s<>"'`]+"#),
            email: re(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"),
            iso_date: re(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),
            numeric_date: re(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})\b"),
            month_day: re(&format!(
                r"(?i)\b{MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?"
            )),
            day_month: re(&format!(
                r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}(?:,?\s+(\d{{4}})\b)?"
            )),
            keyword_id: re(
                r"(?i)\b(?:order|invoice|ticket|case|ref|reference|account|confirmation|tracking)(?:\s+(?:no\.?|number|num|id))?\s*[:#]?\s*([a-z0-9][a-z0-9-]*\d[a-z0-9-]*|\d[a-z0-9-]*)",
            ),
            hash_id: re(r"#\s?([A-Za-z0-9][A-Za-z0-9-]*)"),
            mixed_id: re(r"\b(?:[A-Za-z]+[-_]?\d[A-Za-z0-9_-]*|\d+[A-Za-z][A-Za-z0-9_-]*)\b"),
            number: re(r"[$€£¥]?\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)%?"),
        }
    })
}

fn month_number(name: &str) -> u32 {
    let m = name.to_ascii_lowercase();
    [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|p| m.starts_with(p))
    .map_or(0, |i| i as u32 + 1)
}

fn date_fact(shown: &str, month: u32, day: u32, year: Option<u32>) -> Option<Fact> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let key = match year {
        Some(y) => format!("{y:04}-{month:02}-{day:02}"),
        None => format!("{month:02}-{day:02}"),
    };
    Some(Fact {
        key,
        shown: shown.to_string(),
        date: Some((month, day, year)),
    })
}

/// `1,234.50` → `1234.5`; `007` stays `007` (ids keep their zeros).
fn normalise_number(digits: &str) -> String {
    let plain: String = digits.chars().filter(|&c| c != ',').collect();
    match plain.split_once('.') {
        Some((int, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                int.to_string()
            } else {
                format!("{int}.{frac}")
            }
        }
        None => plain,
    }
}

/// Matches found in the masked text: (start, end, text), the text being the
/// whole match or, when the pattern has one, its first group.
fn matches(re: &Regex, masked: &str) -> Vec<(usize, usize, String)> {
    re.captures_iter(masked)
        .filter_map(|c| {
            let m = c.get(1).or_else(|| c.get(0))?;
            Some((m.start(), m.end(), m.as_str().to_string()))
        })
        .collect()
}

/// The facts of a text, in the order it states them.
pub fn extract(text: &str) -> Vec<Fact> {
    let p = patterns();
    let mut masked = text.to_string();
    // (offset in the text, fact).
    let mut facts: Vec<(usize, Fact)> = Vec::new();
    // Records each match as a fact and blanks it out, byte for byte, so later
    // kinds do not see its digits again and every offset stays where it was.
    let mut take = |masked: &mut String, found: Vec<(usize, usize, Option<Fact>)>| {
        for (start, end, fact) in found {
            if let Some(fact) = fact {
                facts.push((start, fact));
                masked.replace_range(start..end, &" ".repeat(end - start));
            }
        }
    };
    let plain = |key: String, shown: &str| {
        Some(Fact {
            key,
            shown: shown.to_string(),
            date: None,
        })
    };
    let urls = matches(&p.url, &masked)
        .into_iter()
        .map(|(start, _, s)| {
            let s = s.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"']);
            let key = s.to_lowercase().trim_end_matches('/').to_string();
            (start, start + s.len(), plain(key, s))
        })
        .collect();
    take(&mut masked, urls);
    let emails = matches(&p.email, &masked)
        .into_iter()
        .map(|(a, b, s)| (a, b, plain(s.to_lowercase(), &s)))
        .collect();
    take(&mut masked, emails);
    for kind in 0..4 {
        let re = [&p.iso_date, &p.numeric_date, &p.month_day, &p.day_month][kind];
        let found = re
            .captures_iter(&masked)
            .filter_map(|c| {
                let m = c.get(0)?;
                let n = |i: usize| c.get(i).and_then(|g| g.as_str().parse::<u32>().ok());
                let fact = match kind {
                    0 => date_fact(m.as_str(), n(2)?, n(3)?, n(1)),
                    1 => {
                        let (a, b) = (n(1)?, n(2)?);
                        let y = n(3).map(|y| if y < 100 { 2000 + y } else { y });
                        if a > 12 {
                            date_fact(m.as_str(), b, a, y)
                        } else {
                            date_fact(m.as_str(), a, b, y)
                        }
                    }
                    2 => date_fact(m.as_str(), month_number(c.get(1)?.as_str()), n(2)?, n(3)),
                    _ => date_fact(m.as_str(), month_number(c.get(2)?.as_str()), n(1)?, n(3)),
                };
                Some((m.start(), m.end(), fact))
            })
            .collect();
        take(&mut masked, found);
    }
    for re in [&p.keyword_id, &p.hash_id] {
        let ids = matches(re, &masked)
            .into_iter()
            .map(|(a, b, s)| {
                let key = if s.bytes().all(|b| b.is_ascii_digit()) {
                    s.clone()
                } else {
                    s.to_uppercase()
                };
                (a, b, plain(key, &s))
            })
            .collect();
        take(&mut masked, ids);
    }
    let mixed = matches(&p.mixed_id, &masked)
        .into_iter()
        .map(|(a, b, s)| (a, b, plain(s.to_uppercase(), &s)))
        .collect();
    take(&mut masked, mixed);
    for c in p.number.captures_iter(&masked) {
        if let (Some(all), Some(digits)) = (c.get(0), c.get(1)) {
            let shown = all.as_str().trim();
            if let Some(fact) = plain(normalise_number(digits.as_str()), shown) {
                facts.push((all.start(), fact));
            }
        }
    }
    facts.sort_by_key(|(at, _)| *at);
    let mut unique: Vec<Fact> = Vec::with_capacity(facts.len());
    for (_, fact) in facts {
        if !unique
            .iter()
            .any(|f| f.key == fact.key && f.date == fact.date)
        {
            unique.push(fact);
        }
    }
    unique
}

/// Of `facts`, those that match none of `against`.
pub fn missing<'a>(facts: &'a [Fact], against: &[Fact]) -> Vec<&'a Fact> {
    facts
        .iter()
        .filter(|f| !against.iter().any(|g| f.matches(g)))
        .collect()
}

fn share(facts: &[Fact], against: &[Fact]) -> f64 {
    if facts.is_empty() {
        return 1.0;
    }
    let kept = facts.len() - missing(facts, against).len();
    kept as f64 / facts.len() as f64
}

/// `copied_facts` (precision against the input) or `copied_facts_recall`
/// (recall of the reference's facts).
#[derive(Debug, Clone, Copy)]
pub struct CopiedFacts {
    recall: bool,
}

/// The metric called `name`, when it is one of this module's.
pub fn build(name: &str) -> Option<CopiedFacts> {
    match name {
        "copied_facts" => Some(CopiedFacts { recall: false }),
        "copied_facts_recall" => Some(CopiedFacts { recall: true }),
        _ => None,
    }
}

impl Metric for CopiedFacts {
    fn name(&self) -> &str {
        if self.recall {
            "copied_facts_recall"
        } else {
            "copied_facts"
        }
    }
    fn stats(&self, row: &Row, out: &mut [f64]) -> Result<(), MetricError> {
        let predicted = extract(&row.prediction);
        out[0] = if self.recall {
            if row.references.is_empty() {
                return Err(MetricError {
                    field: "reference".into(),
                    message: "copied_facts_recall needs a reference (the facts the prediction should state)".into(),
                });
            }
            row.references
                .iter()
                .map(|r| share(&extract(r), &predicted))
                .fold(f64::NEG_INFINITY, f64::max)
        } else {
            let Some(input) = &row.input else {
                return Err(MetricError {
                    field: "input".into(),
                    message: "copied_facts needs the input (the facts the prediction may copy); name its field with --input-field".into(),
                });
            };
            share(&predicted, &extract(input))
        };
        Ok(())
    }
    fn reason(&self, row: &Row) -> Option<String> {
        let predicted = extract(&row.prediction);
        let (facts, against, what) = if self.recall {
            let reference = row.references.first()?;
            (extract(reference), predicted, "left out of the prediction")
        } else {
            (
                predicted,
                extract(row.input.as_deref()?),
                "not in the input",
            )
        };
        let lost = missing(&facts, &against);
        if lost.is_empty() {
            return None;
        }
        let shown: Vec<String> = lost.iter().map(|f| format!("“{}”", f.shown)).collect();
        Some(format!("{what}: {}", shown.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        extract(text).into_iter().map(|f| f.key).collect()
    }

    #[test]
    fn amounts_and_numbers_are_normalised() {
        assert_eq!(keys("refund $1,234.50 now"), ["1234.5"]);
        assert_eq!(keys("1234.50 and 1,234.5"), ["1234.5"]);
        assert_eq!(keys("€20, 15% off, 3 items"), ["20", "15", "3"]);
        assert_eq!(keys("error code 503"), ["503"]);
    }

    #[test]
    fn ids_with_and_without_their_marks() {
        assert_eq!(keys("order #12345"), ["12345"]);
        assert_eq!(keys("Order 12345 is late"), ["12345"]);
        assert_eq!(keys("invoice no. INV-2024-001"), ["INV-2024-001"]);
        assert_eq!(keys("ticket: tk-77"), ["TK-77"]);
        assert_eq!(keys("code AB12345"), ["AB12345"]);
    }

    #[test]
    fn emails_urls_and_dates() {
        assert_eq!(keys("Mail Jane.Doe@Example.com."), ["jane.doe@example.com"]);
        assert_eq!(
            keys("see https://Example.com/path/, thanks"),
            ["https://example.com/path"]
        );
        assert_eq!(keys("on 2024-03-15"), ["2024-03-15"]);
        assert_eq!(keys("on 3/15/2024"), ["2024-03-15"]);
        assert_eq!(keys("on 15/03/24"), ["2024-03-15"]);
        assert_eq!(keys("March 15, 2024"), ["2024-03-15"]);
        assert_eq!(keys("the 15th of March"), ["03-15"]);
        assert_eq!(keys("since Mar 5"), ["03-05"]);
    }

    #[test]
    fn a_date_without_a_year_matches_any_year() {
        let a = extract("billed March 15");
        let b = extract("billed on 2024-03-15");
        assert!(missing(&a, &b).is_empty());
        assert_eq!(missing(&extract("March 16"), &b).len(), 1);
    }

    #[test]
    fn precision_against_the_input_and_recall_of_the_reference() {
        let score = |name: &str, row: &Row| {
            let mut out = [0.0];
            build(name)
                .expect("metric")
                .stats(row, &mut out)
                .expect("scores");
            out[0]
        };
        let mut row = Row::new(
            "t",
            "Refund $226.98 for order #12354.",
            vec!["Refund $229.68 for order #12345.".into()],
        );
        row.input = Some("I was charged $229.68 twice for order #12345.".into());
        assert_eq!(score("copied_facts", &row), 0.0);
        let reason = build("copied_facts").expect("metric").reason(&row);
        assert_eq!(
            reason.as_deref(),
            Some("not in the input: “$226.98”, “12354”")
        );
        assert_eq!(score("copied_facts_recall", &row), 0.0);
        row.prediction = "Refund of $229.68 for order 12345 (and 2 items)".into();
        let copied = score("copied_facts", &row);
        assert!((copied - 2.0 / 3.0).abs() < 1e-12, "{copied}");
        row.prediction = "Sorry about that.".into();
        assert_eq!(
            score("copied_facts", &row),
            1.0,
            "no fact stated: nothing copied wrong"
        );
    }

    #[test]
    fn no_input_is_an_error_naming_the_field() {
        let row = Row::new("t", "order 5", vec![]);
        let err = build("copied_facts")
            .expect("metric")
            .stats(&row, &mut [0.0])
            .expect_err("needs input");
        assert_eq!(err.field, "input");
    }
}
