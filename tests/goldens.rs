//! Metric values against goldens produced by the reference implementations
//! (`scripts/goldens/make_basic_goldens.py`: the SQuAD v1.1 script's functions,
//! Hugging Face evaluate's `exact_match`, scikit-learn). No Python needed here.

use crate::common;

use benchgate::load::Row;
use benchgate::metrics::{ExactMatch, ExactMatchOptions, Metric, SquadEm, SquadF1};

fn row(prediction: &str, references: Vec<String>) -> Row {
    Row::new("x", prediction, references)
}

fn score(metric: &dyn Metric, r: &Row) -> f64 {
    let mut out = [0.0];
    metric.stats(r, &mut out).expect("scorable");
    out[0]
}

#[test]
fn squad_and_exact_match_equal_the_reference_implementations() {
    let em = |o: ExactMatchOptions| ExactMatch::new(o).expect("valid options");
    let variants: Vec<(&str, ExactMatch)> = vec![
        ("exact_match", em(ExactMatchOptions::default())),
        (
            "exact_match_ignore_case",
            em(ExactMatchOptions {
                ignore_case: true,
                ..Default::default()
            }),
        ),
        (
            "exact_match_ignore_punct",
            em(ExactMatchOptions {
                ignore_punctuation: true,
                ..Default::default()
            }),
        ),
        (
            "exact_match_ignore_numbers",
            em(ExactMatchOptions {
                ignore_numbers: true,
                ..Default::default()
            }),
        ),
        (
            "exact_match_all",
            em(ExactMatchOptions {
                ignore_case: true,
                ignore_punctuation: true,
                ignore_numbers: true,
                ..Default::default()
            }),
        ),
        (
            "exact_match_regex",
            em(ExactMatchOptions {
                regexes_to_ignore: vec!["the ".into(), "yell".into(), "YELL".into()],
                ..Default::default()
            }),
        ),
    ];
    let mut failures = Vec::new();
    let all = common::golden_cases("basic_metrics.jsonl");
    assert!(all.len() > 1000, "the golden corpus is unexpectedly small");
    for (i, case) in all.iter().enumerate() {
        let prediction = case["prediction"].as_str().expect("prediction");
        let references = common::strings(&case["references"]);
        let r = row(prediction, references.clone());
        for (field, metric) in [
            ("squad_f1", &SquadF1 as &dyn Metric),
            ("squad_em", &SquadEm),
        ] {
            let want = case[field].as_f64().expect("number");
            let got = score(metric, &r);
            if (got - want).abs() > 1e-9 {
                failures.push(format!(
                    "case {i} {field}: got {got}, want {want}: {prediction:?} vs {references:?}"
                ));
            }
        }
        // HF evaluate compares with one reference: the goldens use the first.
        let first = row(prediction, references.into_iter().take(1).collect());
        for (field, metric) in &variants {
            if let Some(want) = case[*field].as_f64() {
                let got = score(metric, &first);
                if got != want {
                    failures.push(format!(
                        "case {i} {field}: got {got}, want {want}: {prediction:?}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn accuracy_and_macro_f1_equal_scikit_learn() {
    use benchgate::metrics::{Accuracy, MacroF1};
    for case in common::golden_cases("classification.jsonl") {
        let name = case["name"].as_str().expect("name");
        let truth = common::strings(&case["y_true"]);
        let pred = common::strings(&case["y_pred"]);
        let rows: Vec<Row> = truth
            .iter()
            .zip(&pred)
            .map(|(t, p)| row(p, vec![t.clone()]))
            .collect();
        let mut labels: Vec<String> = truth.iter().chain(&pred).cloned().collect();
        labels.sort();
        labels.dedup();
        let macro_f1 = MacroF1::new(labels).expect("few labels");
        let mut sums = vec![0.0; macro_f1.arity()];
        let mut buf = vec![0.0; macro_f1.arity()];
        let mut correct = 0.0;
        for r in &rows {
            macro_f1.stats(r, &mut buf).expect("scorable");
            sums.iter_mut().zip(&buf).for_each(|(s, b)| *s += b);
            correct += score(&Accuracy, r);
        }
        let n = rows.len() as f64;
        let want_acc = case["accuracy"].as_f64().expect("accuracy");
        assert!(
            (correct / n - want_acc).abs() < 1e-12,
            "{name}: accuracy {} vs {want_acc}",
            correct / n
        );
        let got = macro_f1.corpus(&sums, n);
        for key in ["macro_f1", "macro_f1_default"] {
            let want = case[key].as_f64().expect("macro f1");
            // numpy sums per-class scores pairwise: agree to rounding, not bit for bit.
            assert!((got - want).abs() < 1e-12, "{name}: {key} {got} vs {want}");
        }
    }
}
