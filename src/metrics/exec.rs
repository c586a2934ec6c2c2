//! `exec`: a user command scores each example — "the generated code compiles",
//! "its unit tests pass".
//!
//! The command reads the example as JSON on stdin (`id`, `prediction`,
//! `references`, `reference`, `input`, `tags`, `numbers`) and prints a number or
//! `{"score": x, "reason": "..."}`. A non-zero exit or a timeout scores 0 with the
//! reason shown in the report. Results are cached in `.benchgate-cache/exec/` by a
//! hash of (command, example), so an unchanged output is never run again.
//! Examples run in parallel on the scoring thread pool.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::reuse::{example_json, KeyKind, Reuse, SettingsHasher};
use super::{Metric, MetricError, Scale};
use crate::error::{Error, Result};
use crate::load::Row;

/// Where results are cached, relative to the working directory.
pub const CACHE_DIR: &str = ".benchgate-cache/exec";

/// A command as a metric.
pub struct Exec {
    name: String,
    command: Vec<String>,
    timeout: Duration,
    cache: Option<PathBuf>,
    memo: Mutex<HashMap<String, Outcome>>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Outcome {
    score: f64,
    reason: Option<String>,
}

impl Exec {
    /// A metric running `command` with a per-example timeout; `cache` is the
    /// cache folder (`None` disables caching).
    pub fn new(
        name: &str,
        command: Vec<String>,
        timeout_s: f64,
        cache: Option<PathBuf>,
    ) -> Result<Self> {
        if command.is_empty() || command[0].trim().is_empty() {
            return Err(Error::Settings(format!(
                "{name}: no command; set [metric.{name}] command = [\"python3\", \"checks/compiles.py\"] or --exec \"PROGRAM ARGS\""
            )));
        }
        if !(timeout_s.is_finite() && timeout_s > 0.0) {
            return Err(Error::Settings(format!(
                "{name}: the timeout must be a positive number of seconds"
            )));
        }
        Ok(Exec {
            name: name.to_string(),
            command,
            timeout: Duration::from_secs_f64(timeout_s),
            cache,
            memo: Mutex::new(HashMap::new()),
        })
    }
}

impl Exec {
    fn key(&self, example: &str) -> String {
        let mut h = Sha256::new();
        for part in &self.command {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        h.update(b"\n");
        h.update(example.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn outcome(&self, row: &Row) -> std::result::Result<Outcome, MetricError> {
        let example = example_json(row);
        let key = self.key(&example);
        if let Some(o) = self.memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(o);
        }
        let cached = self
            .cache
            .as_ref()
            .map(|dir| dir.join(format!("{key}.json")));
        if let Some(o) = cached
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| serde_json::from_str::<Outcome>(&t).ok())
        {
            return Ok(self.remember(key, o));
        }
        let (outcome, cacheable) = self.run(&example)?;
        if let (true, Some(path)) = (cacheable, cached) {
            // A cache that cannot be written only costs time.
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if let Ok(text) = serde_json::to_string(&outcome) {
                let _ = crate::atomic::write_atomic(&path, &text);
            }
        }
        Ok(self.remember(key, outcome))
    }

    fn remember(&self, key: String, o: Outcome) -> Outcome {
        if let Ok(mut m) = self.memo.lock() {
            m.insert(key, o.clone());
        }
        o
    }

    /// Runs the command once; the flag says whether the outcome may be cached.
    fn run(&self, example: &str) -> std::result::Result<(Outcome, bool), MetricError> {
        let fail = |message: String| MetricError {
            field: "prediction".into(),
            message,
        };
        let mut child = Command::new(&self.command[0])
            .args(&self.command[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                fail(format!(
                    "{}: cannot start {:?}: {e}",
                    self.name, self.command[0]
                ))
            })?;
        let mut stdin = child.stdin.take();
        let payload = example.as_bytes().to_vec();
        let writer = std::thread::spawn(move || {
            if let Some(s) = stdin.as_mut() {
                let _ = s.write_all(&payload);
            }
        });
        let mut out_pipe = child.stdout.take();
        let mut err_pipe = child.stderr.take();
        let out_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = out_pipe.as_mut() {
                let _ = p.take(1 << 20).read_to_end(&mut buf);
            }
            buf
        });
        let err_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = err_pipe.as_mut() {
                let _ = p.take(1 << 16).read_to_end(&mut buf);
            }
            buf
        });
        let start = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if start.elapsed() >= self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => {
                    return Err(fail(format!(
                        "{}: waiting for the command failed: {e}",
                        self.name
                    )))
                }
            }
        };
        let _ = writer.join();
        let stdout = out_reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        let Some(status) = status else {
            let reason = format!("timed out after {} s", self.timeout.as_secs_f64());
            return Ok((
                Outcome {
                    score: 0.0,
                    reason: Some(reason),
                },
                false,
            ));
        };
        if !status.success() {
            let first = String::from_utf8_lossy(&stderr)
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_string();
            let code = status
                .code()
                .map_or("a signal".to_string(), |c| format!("code {c}"));
            let reason = if first.is_empty() {
                format!("exited with {code}")
            } else {
                format!("exited with {code}: {first}")
            };
            return Ok((
                Outcome {
                    score: 0.0,
                    reason: Some(reason),
                },
                true,
            ));
        }
        let text = String::from_utf8_lossy(&stdout);
        let text = text.trim();
        let parsed = if let Ok(x) = text.parse::<f64>() {
            Some(Outcome {
                score: x,
                reason: None,
            })
        } else {
            serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| {
                    let score = v.get("score")?.as_f64()?;
                    let reason = v.get("reason").and_then(|r| r.as_str()).map(str::to_string);
                    Some(Outcome { score, reason })
                })
        };
        match parsed {
            Some(o) if o.score.is_finite() => Ok((o, true)),
            _ => Err(fail(format!(
                "{}: the command printed {:?}; it must print a finite number or {{\"score\": x, \"reason\": \"...\"}}",
                self.name,
                text.chars().take(200).collect::<String>()
            ))),
        }
    }
}

impl Metric for Exec {
    fn name(&self) -> &str {
        &self.name
    }

    fn scale(&self) -> Scale {
        Scale::Raw
    }

    fn stats(&self, row: &Row, out: &mut [f64]) -> std::result::Result<(), MetricError> {
        out[0] = self.outcome(row)?.score;
        Ok(())
    }

    fn reason(&self, row: &Row) -> Option<String> {
        self.outcome(row).ok().and_then(|o| o.reason)
    }

    /// The command, the contents of every file it names (the script that
    /// scores: `python3 checks/compiles.py`), and the timeout. A named file
    /// that cannot be read turns reuse off.
    fn reuse(&self, _idf_rows: &[&Row]) -> Option<Reuse> {
        let mut h = SettingsHasher::new("exec");
        for part in &self.command {
            h.text(part);
            let path = std::path::Path::new(part);
            if path.is_file() {
                h.file(path)?;
            }
        }
        h.text(&self.timeout.as_secs_f64().to_string());
        Some(Reuse {
            settings: h.finish(),
            key: KeyKind::Example,
        })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn row(prediction: &str) -> Row {
        Row::new("1", prediction, vec!["ref".into()])
    }

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn numbers_objects_failures_and_timeouts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Some(dir.path().join("cache"));
        let mut out = [0.0];
        let number =
            Exec::new("exec", sh("cat >/dev/null; echo 0.75"), 5.0, cache.clone()).expect("exec");
        number.stats(&row("x"), &mut out).expect("runs");
        assert_eq!(out[0], 0.75);
        let object = Exec::new("exec", sh("grep -q compiles && echo '{\"score\": 1, \"reason\": \"ok\"}' || echo '{\"score\": 0, \"reason\": \"syntax error\"}'"), 5.0, cache.clone()).expect("exec");
        object.stats(&row("it compiles"), &mut out).expect("runs");
        assert_eq!(out[0], 1.0);
        assert_eq!(object.reason(&row("nope")).as_deref(), Some("syntax error"));
        let failing = Exec::new("exec", sh("echo boom >&2; exit 3"), 5.0, None).expect("exec");
        failing.stats(&row("x"), &mut out).expect("runs");
        assert_eq!(out[0], 0.0);
        assert_eq!(
            failing.reason(&row("x")).as_deref(),
            Some("exited with code 3: boom")
        );
        let slow = Exec::new("exec", sh("sleep 5"), 0.2, None).expect("exec");
        slow.stats(&row("x"), &mut out).expect("runs");
        assert_eq!(out[0], 0.0);
        assert!(slow
            .reason(&row("x"))
            .expect("reason")
            .starts_with("timed out"));
        let garbage = Exec::new("exec", sh("echo hello"), 5.0, None).expect("exec");
        assert!(garbage.stats(&row("x"), &mut out).is_err());
    }

    #[test]
    fn cached_results_are_not_run_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let counter = dir.path().join("runs");
        let script = format!("cat >/dev/null; echo x >> {}; echo 1", counter.display());
        let cache = Some(dir.path().join("cache"));
        let mut out = [0.0];
        for _ in 0..2 {
            let e = Exec::new("exec", sh(&script), 5.0, cache.clone()).expect("exec");
            e.stats(&row("same"), &mut out).expect("runs");
        }
        let runs = std::fs::read_to_string(&counter).expect("counter");
        assert_eq!(runs.lines().count(), 1);
    }
}
