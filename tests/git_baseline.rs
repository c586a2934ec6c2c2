//! `--baseline git:REF:PATH` in a temporary repository: the file as it was at the
//! ref, the commit in the footer, and a clear error for a missing ref.

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

fn benchgate(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn baseline_from_a_git_ref() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    std::fs::create_dir(d.join("evals")).expect("mkdir");
    std::fs::copy(
        root.join("fixtures/tickets/baseline.jsonl"),
        d.join("evals/results.jsonl"),
    )
    .expect("copy");
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "baseline"]);
    // The working tree now holds the current run; the baseline comes from git.
    std::fs::copy(
        root.join("fixtures/tickets/current.jsonl"),
        d.join("evals/results.jsonl"),
    )
    .expect("copy");

    let out = benchgate(
        d,
        &[
            "compare",
            "--baseline",
            "git:main:evals/results.jsonl",
            "--current",
            "evals/results.jsonl",
            "--metric",
            "f1",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let source = report["baseline_source"].as_str().expect("source");
    assert!(
        source.starts_with("git:main:evals/results.jsonl @ "),
        "{source}"
    );
    assert_eq!(report["examples"]["compared"], 200);

    let out = benchgate(
        d,
        &[
            "compare",
            "--baseline",
            "git:origin/main:evals/results.jsonl",
            "--current",
            "evals/results.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fetch-depth: 0") && err.contains("git fetch origin main"),
        "{err}"
    );

    let out = benchgate(
        d,
        &[
            "compare",
            "--baseline",
            "git:main:evals/missing.jsonl",
            "--current",
            "evals/results.jsonl",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in commit"));
}
