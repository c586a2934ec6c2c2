//! ROUGE and Porter-stemmer values against goldens produced by rouge-score 0.1.2 and
//! nltk 3.10.4 (`scripts/goldens/make_rouge_goldens.py`). No Python needed here.

use std::collections::BTreeMap;

use crate::common;

use benchgate::load::Row;
use benchgate::metrics::rouge::{porter_stem, Rouge, RougeOptions, RougeType};
use benchgate::metrics::Metric;
use serde_json::value::RawValue;
use serde_json::Value;

fn cases(name: &str) -> Vec<Value> {
    common::golden_lines(name)
        .iter()
        .map(|l| serde_json::from_str(l).expect("golden line is JSON"))
        .collect()
}

/// The golden numbers of a line, parsed from their text with Rust's correctly
/// rounded parser, so the comparison does not depend on serde_json's features.
fn numbers(line: &str) -> BTreeMap<String, f64> {
    let fields: BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(line).expect("golden line is a JSON object");
    fields
        .into_iter()
        .filter_map(|(k, v)| v.get().parse::<f64>().ok().map(|x| (k, x)))
        .collect()
}

fn row(case: &Value) -> Row {
    Row::new(
        case["name"].as_str().expect("name"),
        case["prediction"].as_str().expect("prediction"),
        common::strings(&case["references"]),
    )
}

/// The four metrics, with or without the stemmer, keyed like the golden fields.
fn rouge_metrics(stemmer: bool) -> Vec<(String, Rouge)> {
    let options = RougeOptions { stemmer };
    RougeType::ALL
        .iter()
        .map(|&t| {
            let key = format!("{}{}", t.name(), if stemmer { "_stem" } else { "" });
            (key, Rouge::new(t, &options))
        })
        .collect()
}

#[test]
fn rouge_equals_rouge_score() {
    let golden = cases("rouge.jsonl");
    let values: Vec<_> = common::golden_lines("rouge.jsonl")
        .iter()
        .map(|l| numbers(l))
        .collect();
    assert!(golden.len() > 2000, "{} cases", golden.len());
    let metrics: Vec<_> = rouge_metrics(false)
        .into_iter()
        .chain(rouge_metrics(true))
        .collect();
    let (mut compared, mut inexact, mut failures) = (0, 0, Vec::new());
    for (case, values) in golden.iter().zip(&values) {
        let r = row(case);
        for (key, metric) in &metrics {
            let want = values[key];
            let mut out = [f64::NAN];
            metric.stats(&r, &mut out).expect("scorable");
            compared += 1;
            if out[0] != want {
                inexact += 1;
            }
            if (out[0] - want).abs() > 1e-12 || out[0].is_nan() {
                failures.push(format!("{} {key}: got {}, want {want}", r.id, out[0]));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} values differ:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    // Same counts and operation order as rouge-score: every value should be bit-identical.
    assert_eq!(
        inexact, 0,
        "{inexact} of {compared} values within 1e-12 but not equal"
    );
}

#[test]
fn article_tickets_are_named_cases() {
    let golden = cases("rouge.jsonl");
    let rouge_l = rouge_metrics(false).swap_remove(2).1;
    for (model, want) in [
        ("model1", [0.5882, 0.3750, 0.5882]),
        ("model2", [0.3000, 0.3750, 0.5556]),
    ] {
        let got: Vec<f64> = golden
            .iter()
            .filter(|c| {
                c["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&format!("article/{model}/")))
            })
            .map(|c| {
                let mut out = [0.0];
                rouge_l.stats(&row(c), &mut out).expect("scorable");
                (out[0] * 1e4).round() / 1e4
            })
            .collect();
        assert_eq!(got, want, "{model}");
    }
}

#[test]
fn porter_equals_nltk() {
    let golden = cases("porter.jsonl");
    assert!(golden.len() > 2000, "{} words", golden.len());
    let failures: Vec<String> = golden
        .iter()
        .filter_map(|c| {
            let word = c["word"].as_str().expect("word");
            let want = c["stem"].as_str().expect("stem");
            let got = porter_stem(word);
            (got != want).then(|| format!("{word}: got {got}, want {want}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} words differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_row_without_reference_is_an_error() {
    for (_, metric) in rouge_metrics(false) {
        let mut r = row(&serde_json::json!({
            "name": "x", "prediction": "a b", "references": []
        }));
        let mut out = [0.0];
        let err = metric.stats(&r, &mut out).expect_err("needs a reference");
        assert_eq!(err.field, "reference");
        r.references.push(String::new().into());
        metric
            .stats(&r, &mut out)
            .expect("an empty reference scores");
        assert_eq!(out[0], 0.0);
    }
}
