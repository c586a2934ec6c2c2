//! Same input, same bytes: reports do not depend on the run, the thread count
//! or the order of the input lines.

use std::process::Command;

fn run(threads: &str, format: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAYON_NUM_THREADS", threads)
        .args([
            "compare",
            "--baseline",
            "fixtures/tickets/baseline.jsonl",
            "--current",
            "fixtures/tickets/current.jsonl",
            "--slice-by",
            "category",
            "--format",
            format,
        ])
        .output()
        .expect("benchgate runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn output_does_not_depend_on_thread_count() {
    for format in ["json", "markdown"] {
        let one = run("1", format);
        assert_eq!(
            one,
            run("2", format),
            "{format} differs between 1 and 2 threads"
        );
        assert_eq!(
            one,
            run("7", format),
            "{format} differs between 1 and 7 threads"
        );
    }
}

#[test]
fn randomization_is_deterministic_too() {
    let go = |threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_benchgate"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "compare",
                "--baseline",
                "fixtures/cases/aa/baseline.jsonl",
                "--current",
                "fixtures/cases/aa/current.jsonl",
                "--test",
                "randomization",
                "--format",
                "json",
            ])
            .output()
            .expect("benchgate runs")
            .stdout
    };
    assert_eq!(go("1"), go("3"));
}

/// Every process hashes with its own seed: a sum over a hash map's values
/// would change in the last digits from run to run. Six runs of a clustered
/// comparison (design effect, ICC, effective n) print the same bytes.
#[test]
fn clustered_figures_do_not_depend_on_the_process() {
    let go = || {
        let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "compare",
                "--baseline",
                "fixtures/cases/clustered/baseline.jsonl",
                "--current",
                "fixtures/cases/clustered/current.jsonl",
                "--metric",
                "correct",
                "--cluster-by",
                "doc_id",
                "--format",
                "json",
                "--quiet",
            ])
            .output()
            .expect("benchgate runs");
        assert_eq!(out.status.code(), Some(0));
        out.stdout
    };
    let first = go();
    assert!(String::from_utf8_lossy(&first).contains("\"icc\""));
    for _ in 0..5 {
        assert_eq!(first, go(), "a clustered report differs between runs");
    }
}

/// A fixture's two files, copied (lines in a given order) into a fresh
/// directory under fixed names, so reports from different orders name the
/// same files.
struct Fixture {
    dir: tempfile::TempDir,
}

/// Xorshift: a fixed, dependency-free shuffle.
fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    let mut x = seed.max(1);
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = usize::try_from(x % (i as u64 + 1)).expect("index");
        items.swap(i, j);
    }
    items
}

impl Fixture {
    fn new(case: &str, shuffle: Option<u64>) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        for (k, side) in ["baseline", "current"].iter().enumerate() {
            let src = format!(
                "{}/fixtures/{case}/{side}.jsonl",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&src).expect("fixture");
            let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            if let Some(seed) = shuffle {
                lines = shuffled(lines, seed.wrapping_mul(31).wrapping_add(k as u64));
            }
            let mut out = lines.join("\n");
            out.push('\n');
            std::fs::write(dir.path().join(format!("{side}.jsonl")), out).expect("write");
        }
        Fixture { dir }
    }

    /// (JSON report, markdown report) of one run.
    fn reports(&self, threads: &str, args: &[&str]) -> (Vec<u8>, Vec<u8>) {
        let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
            .current_dir(self.dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .args(["compare", "--baseline", "baseline.jsonl"])
            .args([
                "--current",
                "current.jsonl",
                "--resamples",
                "2000",
                "--quiet",
            ])
            .args(["--json-out", "report.json", "--markdown-out", "report.md"])
            .args(args)
            .output()
            .expect("benchgate runs");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read = |name: &str| std::fs::read(self.dir.path().join(name)).expect("report");
        (read("report.json"), read("report.md"))
    }
}

/// Same input, same bytes: across runs, across RAYON_NUM_THREADS = 1, 2 and 8,
/// and across the order of the input lines, for per-example and corpus
/// metrics, slices, repeated samples and missing examples.
#[test]
fn reports_are_byte_identical_across_runs_threads_and_line_order() {
    let cases: &[(&str, &[&str])] = &[
        ("tickets", &["--slice-by", "category"]),
        (
            "tickets",
            &["--metric", "bleu", "--metric", "chrf", "--metric", "rougeL"],
        ),
        ("cases/repeated", &["--slice-by", "category"]),
        (
            "cases/labels",
            &["--metric", "macro_f1", "--metric", "accuracy"],
        ),
        ("cases/missing", &["--allow-missing"]),
    ];
    let mut compared = 0;
    for (case, args) in cases {
        let original = Fixture::new(case, None);
        let reference = original.reports("1", args);
        let label = format!("{case} {args:?}");
        assert_eq!(
            reference,
            original.reports("1", args),
            "{label}: run to run"
        );
        for threads in ["2", "8"] {
            let (json, md) = original.reports(threads, args);
            assert!(
                json == reference.0,
                "{label}: JSON differs with {threads} threads"
            );
            assert!(
                md == reference.1,
                "{label}: markdown differs with {threads} threads"
            );
            compared += 2;
        }
        for seed in [1, 2, 3] {
            let (json, md) = Fixture::new(case, Some(seed)).reports("2", args);
            assert!(
                json == reference.0,
                "{label}: JSON differs for shuffled lines (seed {seed}):\n{}",
                first_difference(&reference.0, &json)
            );
            assert!(
                md == reference.1,
                "{label}: markdown differs for shuffled lines (seed {seed}):\n{}",
                first_difference(&reference.1, &md)
            );
            compared += 2;
        }
    }
    assert_eq!(compared, 50);
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    a.lines()
        .zip(b.lines())
        .find(|(x, y)| x != y)
        .map(|(x, y)| format!("- {x}\n+ {y}"))
        .unwrap_or_else(|| "(one is a prefix of the other)".into())
}
