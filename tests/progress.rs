//! Progress on stderr: one line per stage with its time when stderr is not a
//! terminal (CI logs), bars when it is one (run under a pseudo-terminal here),
//! nothing with `--quiet`. `BENCHGATE_PROGRESS_DELAY_MS=0` shows every stage, so
//! the small fixture exercises what a long run would print.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_benchgate");
const STAGES: [&str; 5] = ["load", "align", "score", "resample", "judge"];

fn compare(extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "compare",
        "--baseline",
        "fixtures/tickets/baseline.jsonl",
        "--current",
        "fixtures/tickets/current.jsonl",
        "--resamples",
        "2000",
    ])
    .args(extra)
    .env_remove("GITHUB_ACTIONS")
    .env("NO_COLOR", "1");
    cmd
}

fn run(mut cmd: Command) -> Output {
    let out = cmd.output().expect("benchgate runs");
    assert_eq!(out.status.code(), Some(1), "the fixture regresses");
    out
}

#[test]
fn without_a_terminal_each_stage_is_one_line_with_its_time() {
    let mut cmd = compare(&[]);
    cmd.env("BENCHGATE_PROGRESS_DELAY_MS", "0");
    let stderr = String::from_utf8(run(cmd).stderr).expect("utf-8");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), STAGES.len(), "{stderr}");
    for (line, stage) in lines.iter().zip(STAGES) {
        let time = line
            .strip_prefix(&format!("benchgate: {stage} took "))
            .and_then(|rest| rest.strip_suffix(" s"))
            .unwrap_or_else(|| panic!("unexpected stage line {line:?}"));
        assert!(time.parse::<f64>().is_ok(), "{line}");
    }
    assert!(!stderr.contains('\u{1b}'), "no terminal escapes in a log");
}

#[test]
fn without_a_terminal_short_stages_print_nothing() {
    let mut cmd = compare(&[]);
    cmd.env_remove("BENCHGATE_PROGRESS_DELAY_MS");
    let out = run(cmd);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn quiet_prints_no_stage_lines() {
    let mut cmd = compare(&["--quiet"]);
    cmd.env("BENCHGATE_PROGRESS_DELAY_MS", "0");
    let out = run(cmd);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(!out.stdout.is_empty());
}

#[cfg(unix)]
pub(crate) mod terminal {
    use std::io::Read;
    use std::process::{Command, Stdio};

    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    use rustix::termios::{tcsetwinsize, Winsize};

    /// Runs `cmd` with stdout and stderr on a pseudo-terminal; returns what it
    /// wrote there and its exit code.
    pub(crate) fn in_terminal(mut cmd: Command) -> (String, Option<i32>) {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let size = Winsize {
            ws_row: 40,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        tcsetwinsize(&master, size).expect("window size");
        let name = ptsname(&master, Vec::new()).expect("ptsname");
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().expect("pty name"))
            .expect("open the pty");
        cmd.stdin(Stdio::null())
            .stdout(slave.try_clone().expect("dup"))
            .stderr(slave);
        let mut child = cmd.spawn().expect("benchgate runs");
        // The parent's copies of the terminal end must close, or reading never ends.
        drop(cmd);
        let mut master = std::fs::File::from(master);
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            let mut buf = [0u8; 4096];
            // Linux reports EIO once the last writer has gone.
            while let Ok(k) = master.read(&mut buf) {
                if k == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..k]);
            }
            out
        });
        let status = child.wait().expect("wait");
        let out = reader.join().expect("reader");
        (String::from_utf8_lossy(&out).into_owned(), status.code())
    }

    #[test]
    fn on_a_terminal_long_stages_show_bars_and_their_times() {
        let mut cmd = super::compare(&[]);
        cmd.env("BENCHGATE_PROGRESS_DELAY_MS", "0");
        let (out, code) = in_terminal(cmd);
        assert_eq!(code, Some(1), "{out}");
        for stage in ["load", "score", "resample"] {
            assert!(
                out.contains(&format!("benchgate: {stage:<8} [")),
                "no {stage} bar in {out:?}"
            );
        }
        assert!(
            out.contains("2,000/2,000") || out.contains("/2,000"),
            "{out:?}"
        );
        for stage in super::STAGES {
            assert!(
                out.contains(&format!("benchgate: {stage} took ")),
                "no {stage} line in {out:?}"
            );
        }
        assert!(
            out.contains("FAIL benchgate"),
            "the report follows: {out:?}"
        );
    }

    #[test]
    fn on_a_terminal_quiet_shows_nothing_but_the_report() {
        let mut cmd = super::compare(&["--quiet"]);
        cmd.env("BENCHGATE_PROGRESS_DELAY_MS", "0");
        let (out, code) = in_terminal(cmd);
        assert_eq!(code, Some(1), "{out}");
        assert!(out.contains("FAIL benchgate"), "{out:?}");
        assert!(!out.contains("benchgate: "), "{out:?}");
    }

    #[test]
    fn on_a_terminal_short_stages_show_no_bar() {
        let mut cmd = super::compare(&[]);
        cmd.env_remove("BENCHGATE_PROGRESS_DELAY_MS");
        let (out, code) = in_terminal(cmd);
        assert_eq!(code, Some(1), "{out}");
        assert!(!out.contains("benchgate: "), "{out:?}");
    }
}
