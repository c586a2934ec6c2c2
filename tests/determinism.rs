//! Same inputs and seed give byte-identical output at any thread count.

use std::process::Command;

fn run(threads: &str, format: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_evalgate"))
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
        .expect("evalgate runs");
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
        Command::new(env!("CARGO_BIN_EXE_evalgate"))
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
            .expect("evalgate runs")
            .stdout
    };
    assert_eq!(go("1"), go("3"));
}
