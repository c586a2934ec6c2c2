//! Flaky examples, solid changes and `--rerun-out` (issue 17), checked against
//! an independent reading of the fixture: `fixtures/cases/noise/` holds 150
//! multiple-choice questions answered in three samples per run
//! (`fixtures/cases/noise.py`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use benchgate::config::Config;
use benchgate::report::{Report, Stability};

const DIR: &str = "fixtures/cases/noise";

/// Per id, the `correct` values of its samples: (baseline, current).
fn samples() -> BTreeMap<String, (Vec<f64>, Vec<f64>)> {
    let mut out: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for (side, file) in [(0, "baseline.jsonl"), (1, "current.jsonl")] {
        let text = std::fs::read_to_string(Path::new(DIR).join(file)).expect("fixture");
        for line in text.lines() {
            let row: serde_json::Value = serde_json::from_str(line).expect("json");
            let id = row["id"].as_str().expect("id").to_string();
            let value = row["correct"].as_f64().expect("correct");
            let entry = out.entry(id).or_default();
            if side == 0 {
                entry.0.push(value);
            } else {
                entry.1.push(value);
            }
        }
    }
    out
}

/// The share of pairs of `xs` that differ.
fn flip_rate(xs: &[f64]) -> f64 {
    let mut differ = 0u32;
    let mut pairs = 0u32;
    for i in 0..xs.len() {
        for j in i + 1..xs.len() {
            pairs += 1;
            differ += u32::from(xs[i] != xs[j]);
        }
    }
    f64::from(differ) / f64::from(pairs)
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn max(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

fn min(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::INFINITY, f64::min)
}

fn compare(metric: &str) -> Report {
    let mut config = Config::builder(
        Path::new(DIR).join("baseline.jsonl"),
        vec![Path::new(DIR).join("current.jsonl")],
    );
    config.gate.metrics = vec![metric.into()];
    config.stats.resamples = 2_000;
    config.outputs.top_k = 200;
    let config = config.build().expect("valid settings");
    benchgate::compare(&config).expect("compare")
}

#[test]
fn flaky_and_solid_counts_match_the_samples() {
    let data = samples();
    let flaky: Vec<&String> = data
        .iter()
        .filter(|(_, (b, _))| flip_rate(b) > 0.1)
        .map(|(id, _)| id)
        .collect();
    let solid_worse = data.values().filter(|(b, c)| max(c) < min(b)).count();
    let solid_better = data.values().filter(|(b, c)| min(c) > max(b)).count();
    let flaky_delta: f64 = data
        .values()
        .filter(|(b, _)| flip_rate(b) > 0.1)
        .map(|(b, c)| mean(c) - mean(b))
        .sum::<f64>()
        / data.len() as f64;

    let report = compare("correct");
    let row = &report.metrics[0];
    let noise = row.noise.as_ref().expect("repeated samples are measured");
    assert_eq!(noise.samples, [3.0, 3.0]);
    assert!(noise.binary);
    assert_eq!(noise.flaky, flaky.len());
    assert!(
        noise.flaky > 10,
        "the fixture has coin flips: {}",
        noise.flaky
    );
    assert_eq!(noise.solid_regressions, solid_worse);
    assert!(
        solid_worse >= 20,
        "every broken question is solid: {solid_worse}"
    );
    assert_eq!(noise.solid_improvements, solid_better);
    assert!((noise.flaky_delta - flaky_delta).abs() < 1e-12);
    let mean_flip: f64 = data.values().map(|(b, _)| flip_rate(b)).sum::<f64>() / data.len() as f64;
    let reported = noise.flip_rate.expect("0/1: flip rates");
    assert!(
        (reported[0] - mean_flip).abs() < 1e-12,
        "{reported:?} vs {mean_flip}"
    );
    assert!(row.mde.is_some_and(|m| m > 0.0 && m < 0.2), "{:?}", row.mde);
}

#[test]
fn solid_regressions_are_listed_first_and_flaky_ones_marked() {
    let data = samples();
    let report = compare("correct");
    assert_eq!(
        report.metrics[0].verdict,
        benchgate::report::Verdict::Regressed
    );
    let listed = &report.regressed_examples;
    assert!(!listed.is_empty());
    let rank = |s: Option<Stability>| match s {
        Some(Stability::Solid) => 0,
        Some(Stability::Uncertain) => 1,
        Some(Stability::Flaky) => 2,
        None => panic!("three samples a side: every listed example is classified"),
    };
    let ranks: Vec<u8> = listed.iter().map(|e| rank(e.stability)).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    for e in listed {
        let (b, c) = &data[&e.id];
        let expected = if max(c) < min(b) {
            Stability::Solid
        } else if flip_rate(b) > 0.1 {
            Stability::Flaky
        } else {
            Stability::Uncertain
        };
        assert_eq!(e.stability, Some(expected), "{}", e.id);
        let base = e.baseline_samples.expect("three baseline samples");
        assert_eq!(base.n, 3);
        assert!((base.mean_difference - flip_rate(b)).abs() < 1e-12);
    }
    assert!(listed.iter().any(|e| e.stability == Some(Stability::Flaky)));
    assert_eq!(listed[0].stability, Some(Stability::Solid));
}

#[test]
fn rerun_ids_are_the_uncertain_ones_and_the_cli_writes_them() {
    let data = samples();
    let expected: Vec<String> = data
        .iter()
        .filter(|(_, (b, c))| {
            let solid = max(c) < min(b) || min(c) > max(b);
            !solid && (flip_rate(b) > 0.1 || mean(b) != mean(c))
        })
        .map(|(id, _)| id.clone())
        .collect();
    let report = compare("correct");
    assert_eq!(report.rerun_ids, expected);
    assert!(!expected.is_empty());

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("rerun.txt");
    let status = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(["compare", "--baseline"])
        .arg(Path::new(DIR).join("baseline.jsonl"))
        .arg("--current")
        .arg(Path::new(DIR).join("current.jsonl"))
        .args(["--metric", "correct", "--resamples", "500", "--rerun-out"])
        .arg(&out)
        .output()
        .expect("run benchgate");
    assert_eq!(status.status.code(), Some(1), "the fixture regresses");
    let written = std::fs::read_to_string(&out).expect("rerun file");
    assert_eq!(written, expected.join("\n") + "\n");
}

#[test]
fn a_higher_threshold_calls_fewer_examples_flaky() {
    let mut config = Config::builder(
        Path::new(DIR).join("baseline.jsonl"),
        vec![Path::new(DIR).join("current.jsonl")],
    );
    config.gate.metrics = vec!["correct".into()];
    config.stats.resamples = 500;
    let flaky = |threshold: f64| {
        let mut c = config.clone();
        c.gate.flaky_threshold = threshold;
        let r = benchgate::compare(&c.build().expect("valid settings")).expect("compare");
        r.metrics[0].noise.as_ref().expect("noise").flaky
    };
    // Three samples: a flip rate is 0 or 2/3.
    assert!(flaky(0.5) > 0);
    assert_eq!(flaky(0.5), flaky(0.1));
    assert_eq!(flaky(0.7), 0);
}

#[test]
fn one_sample_per_run_classifies_nothing_and_reruns_every_changed_example() {
    let mut config = Config::builder(
        "fixtures/tickets/baseline.jsonl".into(),
        vec!["fixtures/tickets/current.jsonl".into()],
    );
    config.gate.metrics = vec!["f1".into()];
    config.stats.resamples = 500;
    let config = config.build().expect("valid settings");
    let report = benchgate::compare(&config).expect("compare");
    assert!(report.metrics[0].noise.is_none());
    assert!(report
        .regressed_examples
        .iter()
        .all(|e| e.stability.is_none()));
    assert!(report.metrics[0].mde.is_some());
    // An example's f1 changes only where its prediction changed.
    let predictions = |file: &str| -> BTreeMap<String, String> {
        std::fs::read_to_string(file)
            .expect("fixture")
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("json");
                (
                    v["id"].as_str().expect("id").to_string(),
                    v["prediction"].as_str().expect("prediction").to_string(),
                )
            })
            .collect()
    };
    let (b, c) = (
        predictions("fixtures/tickets/baseline.jsonl"),
        predictions("fixtures/tickets/current.jsonl"),
    );
    let reworded = b.iter().filter(|(id, p)| c[*id] != **p).count();
    assert!(report.rerun_ids.iter().all(|id| b[id] != c[id]));
    let changed = report.rerun_ids.len();
    assert!(
        changed > 50 && changed <= reworded,
        "{changed} of {reworded}"
    );
}
