//! Outputs are never half-written: `--json-out` and `--markdown-out` go to a
//! temporary file that is renamed into place only when every output is on
//! disk, so a failed write leaves the previous files as they were, removes its
//! temporary files, exits with 2 and names the file. (`write_atomic_with`,
//! which baselines and history use, is tested with an injected writer error
//! beside its code in `src/publish/mod.rs`.)
//!
//! The read-only and full-disk cases mount a tiny tmpfs, which needs root on
//! Linux: they are `#[ignore]`d here and run by `.ci/run` with `--ignored`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PASS: [&str; 2] = [
    "fixtures/cases/aa/baseline.jsonl",
    "fixtures/cases/aa/current.jsonl",
];
const REGRESSION: [&str; 2] = [
    "fixtures/tickets/baseline.jsonl",
    "fixtures/tickets/current.jsonl",
];

fn benchgate(inputs: [&str; 2], outputs: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_benchgate"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["compare", "--baseline", inputs[0], "--current", inputs[1]])
        .args(["--resamples", "1000", "--quiet"]);
    for (flag, path) in outputs {
        cmd.arg(flag).arg(path);
    }
    cmd.output().expect("run benchgate")
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Exit code 2, the file named, the promise that the old file is intact.
fn assert_refused(out: &Output, path: &Path, why: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("cannot write the output (the previous file, if any, is unchanged)"),
        "{stderr}"
    );
    assert!(stderr.contains(why), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
}

#[test]
fn a_failed_json_out_leaves_the_markdown_out_as_it_was_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let md = dir.path().join("report.md");
    std::fs::write(&md, "previous markdown").expect("write");
    let not_a_dir = dir.path().join("a-file");
    std::fs::write(&not_a_dir, "x").expect("write");
    let json = not_a_dir.join("report.json");
    let out = benchgate(
        REGRESSION,
        &[("--markdown-out", &md), ("--json-out", &json)],
    );
    assert_refused(&out, &json, "Not a directory");
    assert_eq!(
        std::fs::read_to_string(&md).expect("read"),
        "previous markdown"
    );
    assert_eq!(names(dir.path()), ["a-file", "report.md"]);
}

#[test]
fn an_output_path_that_is_a_directory_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("report.json");
    std::fs::write(&json, "{\"previous\": true}").expect("write");
    let md = dir.path().join("reports");
    std::fs::create_dir(&md).expect("mkdir");
    let out = benchgate(PASS, &[("--markdown-out", &md), ("--json-out", &json)]);
    assert_refused(&out, &md, "is a directory");
    assert_eq!(
        std::fs::read_to_string(&json).expect("read"),
        "{\"previous\": true}"
    );
    assert_eq!(names(dir.path()), ["report.json", "reports"]);
    assert!(names(&md).is_empty());
}

#[test]
fn outputs_are_replaced_whole_on_success() {
    let dir = tempfile::tempdir().expect("tempdir");
    let md = dir.path().join("report.md");
    let json = dir.path().join("report.json");
    std::fs::write(&md, "x".repeat(1_000_000)).expect("write");
    let out = benchgate(PASS, &[("--markdown-out", &md), ("--json-out", &json)]);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&md).expect("read");
    assert!(
        text.starts_with("<!-- benchgate:suite=default -->"),
        "{text}"
    );
    assert!(!text.contains("xxx"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(names(dir.path()), ["report.json", "report.md"]);
}

/// A tmpfs mounted on a fresh directory, unmounted when dropped.
#[cfg(target_os = "linux")]
struct Tmpfs {
    dir: tempfile::TempDir,
}

#[cfg(target_os = "linux")]
impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().expect("tempdir");
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "benchgate-test",
            ])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "mounting a tmpfs failed: this test needs root on Linux (.ci/run runs it)"
        );
        Tmpfs { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.dir.path())
            .status()
            .expect("run mount");
        assert!(status.success(), "remount read-only failed");
    }
}

#[cfg(target_os = "linux")]
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[cfg(target_os = "linux")]
#[test]
#[ignore = "mounts a tmpfs: needs root on Linux; .ci/run runs it"]
fn a_read_only_directory_keeps_the_previous_reports() {
    let fs = Tmpfs::mount("1m");
    let md = fs.path().join("report.md");
    let json = fs.path().join("report.json");
    std::fs::write(&md, "previous markdown").expect("write");
    std::fs::write(&json, "{\"previous\": true}").expect("write");
    fs.remount_read_only();
    let out = benchgate(
        REGRESSION,
        &[("--markdown-out", &md), ("--json-out", &json)],
    );
    assert_refused(&out, &md, "Read-only file system");
    assert_eq!(
        std::fs::read_to_string(&md).expect("read"),
        "previous markdown"
    );
    assert_eq!(
        std::fs::read_to_string(&json).expect("read"),
        "{\"previous\": true}"
    );
    assert_eq!(names(&fs.path()), ["report.json", "report.md"]);
}

#[cfg(target_os = "linux")]
#[test]
#[ignore = "mounts a tmpfs: needs root on Linux; .ci/run runs it"]
fn a_full_disk_keeps_the_previous_reports() {
    let fs = Tmpfs::mount("256k");
    let md = fs.path().join("report.md");
    let json = fs.path().join("report.json");
    std::fs::write(&md, "previous markdown").expect("write");
    std::fs::write(&json, "{\"previous\": true}").expect("write");
    // Fill the disk but for a few kilobytes, less than either report needs.
    let filler = fs.path().join("filler");
    let mut size = 256 * 1024;
    while size > 4096 {
        if std::fs::write(&filler, vec![0u8; size]).is_ok() {
            break;
        }
        size -= 4096;
    }
    let free = 256 * 1024 - size;
    assert!(free <= 8 * 1024, "{free} bytes left");
    let out = benchgate(
        REGRESSION,
        &[("--markdown-out", &md), ("--json-out", &json)],
    );
    assert_refused(&out, &md, "No space left on device");
    assert_eq!(
        std::fs::read_to_string(&md).expect("read"),
        "previous markdown"
    );
    assert_eq!(
        std::fs::read_to_string(&json).expect("read"),
        "{\"previous\": true}"
    );
    assert_eq!(names(&fs.path()), ["filler", "report.json", "report.md"]);
}
