//! `benchgate baseline write` end to end: the header, the per-example scores, and
//! a written baseline comparing exactly like the results it came from.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn benchgate(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_benchgate"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("GITHUB_SHA");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("benchgate runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("baseline written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn a_written_baseline_compares_like_its_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("baseline.jsonl");
    let out_s = out.to_str().expect("utf-8 path");
    let w = benchgate(
        &[
            "baseline",
            "write",
            "--from",
            "fixtures/tickets/baseline.jsonl",
            "--out",
            out_s,
            "--commit",
            "abc123",
        ],
        &[],
    );
    assert!(w.status.success(), "{}", String::from_utf8_lossy(&w.stderr));
    let file = lines(&out);
    assert_eq!(file.len(), 201, "a header and 200 rows");
    let header = &file[0]["benchgate_baseline"];
    assert_eq!(header["format_version"], 1);
    assert_eq!(header["commit"], "abc123");
    assert_eq!(header["examples"], 200);
    assert_eq!(header["metrics"], serde_json::json!(["exact_match", "f1"]));
    assert_eq!(header["benchgate_version"], env!("CARGO_PKG_VERSION"));
    assert!(header["config_hash"]
        .as_str()
        .expect("hash")
        .starts_with("sha256:"));
    let date = header["date"].as_str().expect("date");
    assert!(
        date.len() == 20 && date.ends_with('Z'),
        "RFC 3339 UTC: {date}"
    );

    // The per-example scores are the ones `score` computes (its JSONL is a
    // scores file of the same layout: a header, then the rows).
    let scored = benchgate(
        &[
            "score",
            "--input",
            "fixtures/tickets/baseline.jsonl",
            "--metric",
            "f1",
            "--format",
            "jsonl",
        ],
        &[],
    );
    let f1: Vec<f64> = String::from_utf8_lossy(&scored.stdout)
        .lines()
        .skip(1)
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("line")["benchgate_scores"]["f1"]
                .as_f64()
                .expect("f1")
        })
        .collect();
    assert_eq!(f1.len(), file.len() - 1);
    let written: Vec<f64> = file[1..]
        .iter()
        .map(|r| r["benchgate_scores"]["f1"].as_f64().expect("f1"))
        .collect();
    assert_eq!(f1, written);

    // Comparing against it gives the report comparing against the raw file gives.
    let args = |baseline: &str| {
        benchgate(
            &[
                "compare",
                "--baseline",
                baseline,
                "--current",
                "fixtures/tickets/current.jsonl",
                "--format",
                "json",
            ],
            &[],
        )
    };
    let raw = json(&args("fixtures/tickets/baseline.jsonl"));
    let via = json(&args(out_s));
    assert_eq!(raw["metrics"], via["metrics"]);
    assert_eq!(raw["verdict"], via["verdict"]);
    assert_eq!(
        via["dataset"]["baseline_fingerprint"],
        header["dataset_fingerprint"]
    );
    assert_eq!(
        raw["dataset"]["baseline_fingerprint"],
        header["dataset_fingerprint"]
    );
    assert_eq!(via["dataset"]["baseline_header"]["commit"], "abc123");
    assert!(via["baseline_source"]
        .as_str()
        .expect("source")
        .contains("commit abc123"));
}

#[test]
fn the_commit_comes_from_github_sha_and_rewrites_leave_no_temp_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("b.jsonl");
    std::fs::write(&out, "old").expect("write");
    let w = benchgate(
        &[
            "baseline",
            "write",
            "--from",
            "fixtures/cases/small/baseline.jsonl",
            "--out",
            out.to_str().expect("utf-8"),
        ],
        &[("GITHUB_SHA", "feedbeef")],
    );
    assert!(w.status.success(), "{}", String::from_utf8_lossy(&w.stderr));
    assert_eq!(lines(&out)[0]["benchgate_baseline"]["commit"], "feedbeef");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("b.jsonl")]);
}

#[test]
fn a_bad_source_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("b.jsonl");
    let w = benchgate(
        &[
            "baseline",
            "write",
            "--from",
            "fixtures/cases/bad/no_id.jsonl",
            "--out",
            out.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert_eq!(w.status.code(), Some(2));
    let err = String::from_utf8_lossy(&w.stderr);
    assert!(err.contains("no_id.jsonl:2"), "{err}");
    assert!(!out.exists());
}

/// The README's workflow keeps the results as `baseline.jsonl` (`cp`): for an
/// lm-eval samples file the task came from the file name, so the kept copy's
/// ids have no task. Renaming either file never changes the comparison: the
/// examples pair by doc id, the metrics and verdicts are those of the
/// original names, and the report says why.
#[test]
fn a_renamed_lm_eval_samples_file_compares_like_the_original() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases/lm-eval/two-runs");
    let old = root.join("samples_gsm8k_2026-11-20T10-00-00.000000.jsonl");
    let new = root.join("samples_gsm8k_2026-11-27T10-00-00.000000.jsonl");
    let kept = dir.path().join("baseline.jsonl");
    std::fs::copy(&old, &kept).expect("copy");
    let other_task = dir
        .path()
        .join("samples_gsm8k_cot_2026-12-01T00-00-00.000000.jsonl");
    std::fs::copy(&new, &other_task).expect("copy");
    let run = |base: &Path, cur: &Path| {
        let out = benchgate(
            &[
                "compare",
                "--baseline",
                base.to_str().expect("utf-8"),
                "--current",
                cur.to_str().expect("utf-8"),
                "--format",
                "json",
            ],
            &[],
        );
        (out.status.code(), json(&out))
    };
    let (code, original) = run(&old, &new);
    let rows = |r: &Value| -> Vec<(String, String, String)> {
        r["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .map(|m| {
                (
                    m["name"].to_string(),
                    m["delta"].to_string(),
                    m["verdict"].to_string(),
                )
            })
            .collect()
    };
    for (base, cur) in [(&kept, &new), (&old, &other_task), (&kept, &other_task)] {
        let (c, renamed) = run(base, cur);
        assert_eq!(c, code, "{base:?} vs {cur:?}");
        assert_eq!(rows(&renamed), rows(&original), "{base:?} vs {cur:?}");
        assert_eq!(
            renamed["examples"]["compared"], original["examples"]["compared"],
            "{base:?} vs {cur:?}"
        );
        assert!(
            renamed["warnings"]
                .as_array()
                .expect("warnings")
                .iter()
                .any(|w| w["code"] == "task-from-file-name"
                    && w["message"]
                        .as_str()
                        .is_some_and(|w| w.contains("paired by doc id"))),
            "{renamed}"
        );
    }
}

/// `baseline write --from` a tool's file records the metrics `compare` uses
/// for it — the tool's own per-sample metrics — not the text metrics of a
/// plain file.
#[test]
fn a_baseline_of_a_tool_file_records_the_tools_metrics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("b.jsonl");
    let from = "fixtures/cases/lm-eval/samples_gsm8k_2026-11-27T10-00-00.000000.jsonl";
    let written = benchgate(
        &[
            "baseline",
            "write",
            "--from",
            from,
            "--out",
            out.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert!(written.status.success(), "{written:?}");
    let header = &lines(&out)[0]["benchgate_baseline"];
    assert_eq!(
        header["metrics"],
        serde_json::json!(["exact_match,flexible-extract", "exact_match,strict-match"])
    );
    let compared = benchgate(
        &[
            "compare",
            "--baseline",
            out.to_str().expect("utf-8"),
            "--current",
            from,
            "--format",
            "json",
        ],
        &[],
    );
    let names: Vec<String> = json(&compared)["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .map(|m| m["name"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(
        names,
        ["exact_match,flexible-extract", "exact_match,strict-match"]
    );
}
