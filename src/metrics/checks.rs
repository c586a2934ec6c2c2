//! Pass/fail checks on the prediction alone or against the reference:
//! `json_valid`, `json_schema`, `regex`, `contains`, and user-named checks of
//! those kinds (`[metric.has_refund] kind = "contains"`). Each scores 1 or 0 and
//! the corpus value is the pass rate.

use std::path::{Path, PathBuf};

use regex::{Regex, RegexBuilder};

use super::{Metric, MetricError};
use crate::error::{Error, Result};
use crate::load::Row;

/// Seconds an `exec` check may run per prediction unless set (`--exec-timeout`,
/// `timeout_s`).
pub(crate) const EXEC_TIMEOUT_S: f64 = 30.0;

/// What a check does, from flags or `[metric.NAME]`.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckSpec {
    /// The prediction parses as JSON.
    JsonValid,
    /// The prediction parses as JSON and validates against a schema file.
    JsonSchema {
        /// The schema (draft 2020-12, 2019-09, 7, 6 or 4, chosen by its `$schema`).
        schema: PathBuf,
    },
    /// The prediction matches a regular expression.
    Regex {
        /// The pattern (Rust `regex` syntax).
        pattern: String,
        /// The whole prediction must match, not just a part of it.
        full_match: bool,
        /// Match case-insensitively.
        ignore_case: bool,
    },
    /// The prediction contains a text (or, without one, one of the references).
    Contains {
        /// The text; `None` means "a reference".
        text: Option<String>,
        /// Compare case-insensitively.
        ignore_case: bool,
    },
    /// A user command scores each example (see `exec`).
    Exec {
        /// Program and arguments.
        command: Vec<String>,
        /// Seconds before the command is killed and the example scores 0.
        timeout_s: f64,
    },
}

/// A check as a metric.
pub struct Check {
    name: String,
    kind: Kind,
}

enum Kind {
    JsonValid,
    JsonSchema(Box<jsonschema::Validator>),
    Regex(Regex),
    Contains {
        text: Option<String>,
        ignore_case: bool,
    },
}

impl Check {
    /// Builds check `name` from its spec (not `Exec`, which is its own metric).
    pub fn new(name: &str, spec: &CheckSpec) -> Result<Self> {
        let kind = match spec {
            CheckSpec::JsonValid => Kind::JsonValid,
            CheckSpec::JsonSchema { schema } => {
                Kind::JsonSchema(Box::new(load_schema(name, schema)?))
            }
            CheckSpec::Regex {
                pattern,
                full_match,
                ignore_case,
            } => {
                let source = if *full_match {
                    format!(r"\A(?:{pattern})\z")
                } else {
                    pattern.clone()
                };
                let re = RegexBuilder::new(&source)
                    .case_insensitive(*ignore_case)
                    .size_limit(1 << 24)
                    .build()
                    .map_err(|e| {
                        Error::Settings(format!("{name}: invalid regex \"{pattern}\": {e}"))
                    })?;
                Kind::Regex(re)
            }
            CheckSpec::Contains { text, ignore_case } => Kind::Contains {
                text: text.as_ref().map(|t| {
                    if *ignore_case {
                        t.to_lowercase()
                    } else {
                        t.clone()
                    }
                }),
                ignore_case: *ignore_case,
            },
            CheckSpec::Exec { .. } => {
                return Err(Error::Settings(format!(
                    "{name}: exec checks are built by the exec metric"
                )))
            }
        };
        Ok(Check {
            name: name.to_string(),
            kind,
        })
    }

    fn evaluate(&self, row: &Row) -> std::result::Result<(bool, Option<String>), MetricError> {
        Ok(match &self.kind {
            Kind::JsonValid => match serde_json::from_str::<serde_json::Value>(&row.prediction) {
                Ok(_) => (true, None),
                Err(e) => (false, Some(format!("not valid JSON: {e}"))),
            },
            Kind::JsonSchema(validator) => {
                match serde_json::from_str::<serde_json::Value>(&row.prediction) {
                    Err(e) => (false, Some(format!("not valid JSON: {e}"))),
                    Ok(value) => match validator.iter_errors(&value).next() {
                        None => (true, None),
                        Some(err) => {
                            let at = err.instance_path().to_string();
                            let at = if at.is_empty() {
                                "the document".to_string()
                            } else {
                                at
                            };
                            (false, Some(format!("{at}: {err}")))
                        }
                    },
                }
            }
            Kind::Regex(re) => (re.is_match(&row.prediction), None),
            Kind::Contains { text, ignore_case } => {
                let fold = |s: &str| {
                    if *ignore_case {
                        s.to_lowercase()
                    } else {
                        s.to_string()
                    }
                };
                let prediction = fold(&row.prediction);
                match text {
                    Some(t) => (prediction.contains(t.as_str()), None),
                    None => {
                        if row.references.is_empty() {
                            return Err(super::squad::needs_reference());
                        }
                        (
                            row.references.iter().any(|r| prediction.contains(&fold(r))),
                            None,
                        )
                    }
                }
            }
        })
    }
}

fn load_schema(name: &str, path: &Path) -> Result<jsonschema::Validator> {
    let text = std::fs::read_to_string(path).map_err(|cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    let schema: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::Settings(format!(
            "{}: {name}: the schema is not valid JSON: {e}",
            path.display()
        ))
    })?;
    jsonschema::validator_for(&schema).map_err(|e| {
        Error::Settings(format!(
            "{}: {name}: invalid JSON Schema: {e}",
            path.display()
        ))
    })
}

impl Metric for Check {
    fn name(&self) -> &str {
        &self.name
    }

    fn stats(&self, row: &Row, out: &mut [f64]) -> std::result::Result<(), MetricError> {
        out[0] = f64::from(u8::from(self.evaluate(row)?.0));
        Ok(())
    }

    fn reason(&self, row: &Row) -> Option<String> {
        self.evaluate(row).ok().and_then(|(_, reason)| reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(prediction: &str, reference: &str) -> Row {
        Row::new("1", prediction, vec![reference.into()])
    }

    fn score(check: &Check, r: &Row) -> f64 {
        let mut out = [0.0];
        check.stats(r, &mut out).expect("scorable");
        out[0]
    }

    #[test]
    fn json_valid_and_schema() {
        let dir = tempfile::tempdir().expect("tempdir");
        let schema = dir.path().join("s.json");
        std::fs::write(
            &schema,
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["priority"], "properties": {"priority": {"enum": ["low", "high"]}}}"#,
        )
        .expect("write");
        let valid = Check::new("json_valid", &CheckSpec::JsonValid).expect("check");
        let schema = Check::new("json_schema", &CheckSpec::JsonSchema { schema }).expect("schema");
        assert_eq!(score(&valid, &row("{\"a\": 1}", "")), 1.0);
        assert_eq!(score(&valid, &row("{\"a\": 1", "")), 0.0);
        assert_eq!(score(&schema, &row("{\"priority\": \"high\"}", "")), 1.0);
        let bad = row("{\"priority\": \"urgent\"}", "");
        assert_eq!(score(&schema, &bad), 0.0);
        assert!(schema
            .reason(&bad)
            .expect("reason")
            .starts_with("/priority"));
    }

    #[test]
    fn regex_search_and_full_match() {
        let search = CheckSpec::Regex {
            pattern: "error \\d+".into(),
            full_match: false,
            ignore_case: true,
        };
        let full = CheckSpec::Regex {
            pattern: "error \\d+".into(),
            full_match: true,
            ignore_case: false,
        };
        let r = row("Customer sees ERROR 503 today", "");
        assert_eq!(score(&Check::new("regex", &search).expect("re"), &r), 1.0);
        assert_eq!(score(&Check::new("regex", &full).expect("re"), &r), 0.0);
        assert_eq!(
            score(
                &Check::new("regex", &full).expect("re"),
                &row("error 7", "")
            ),
            1.0
        );
    }

    #[test]
    fn contains_text_or_reference() {
        let reference = CheckSpec::Contains {
            text: None,
            ignore_case: true,
        };
        let text = CheckSpec::Contains {
            text: Some("Refund".into()),
            ignore_case: false,
        };
        let r = row("The answer is PARIS, France", "Paris");
        assert_eq!(
            score(&Check::new("contains", &reference).expect("c"), &r),
            1.0
        );
        assert_eq!(score(&Check::new("contains", &text).expect("c"), &r), 0.0);
    }
}
