//! Non-finite per-sample values (`NaN`, `Infinity`, `-Infinity`): one rule
//! for every reader of a tool's files, and the plain formats' refusal.
//!
//! # The rule
//!
//! 1. **The file is read.** Tools written in Python — lm-evaluation-harness,
//!    Inspect AI, DeepEval, OpenAI evals — save with Python's `json`, which
//!    writes a float that is NaN or infinite as the bare token `NaN`,
//!    `Infinity` or `-Infinity`. That is not JSON, so a tool's reader first
//!    turns each such token outside a string into the string of itself
//!    ([`quote`], [`Quoted`] for a stream): the file parses, and every line
//!    keeps its number. promptfoo (JavaScript) writes `null` in its JSON
//!    for such a score (`JSON.stringify`) and the text `NaN` or `Infinity`
//!    in its CSV cells; those are read the same way (see below).
//! 2. **A non-finite metric value is missing there, never a number.** It is
//!    missing for that metric on that example (the example still counts for
//!    its other metrics), as a `null` would be; where the reader averages
//!    several values into one example's (Inspect's epochs, OpenAI evals'
//!    events), it is left out of that average. It is never a 0, never the
//!    worst value, and never the NaN that would make the metric's mean NaN.
//! 3. **It is counted and listed.** [`Tally`] gathers them, per metric, and
//!    writes one warning per metric, which the report carries to the
//!    comment: `samples_reg.jsonl: 3 examples had a non-finite mae,none
//!    (reg/1 Infinity, reg/2 NaN, reg/3 -Infinity); they are left out of
//!    mae,none (missing for those examples, never a number)`.
//!
//! A value that is a string saying `NaN`, `Infinity` or `-Infinity` where a
//! score belongs counts as that value (after [`quote`], a tool's bare token
//! and such a string are the same thing). promptfoo's `null` score or named
//! score is its JSON for NaN and ±Infinity (a promptfoo score is always a
//! number otherwise), so promptfoo counts it too, shown as `null`.
//!
//! Values that are not metrics keep their reader's own rule (a log-likelihood
//! of `-inf` is the lowest; a stated aggregate that is not a number is not
//! checked).
//!
//! Plain JSONL, JSON and CSV files — the user's own — are not a tool's
//! output: a non-finite number in them is an error naming the file, line and
//! column (`json::json_error`, `delimited`), which asks for `null` or an
//! empty cell, the way to write a missing value.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;

use serde_json::Value as Json;

use crate::diagnostic::{Code, Diagnostic, Warning};

/// The tokens Python's `json` writes for non-finite floats, longest first
/// (`-Infinity` before `Infinity`).
const TOKENS: [&[u8]; 3] = [b"-Infinity", b"Infinity", b"NaN"];

/// The non-finite value that `value` stands for: the string `NaN`,
/// `Infinity` or `-Infinity` (what [`quote`] makes of Python's bare tokens).
pub(crate) fn value(value: &Json) -> Option<f64> {
    match value {
        Json::String(s) => text(s),
        _ => None,
    }
}

/// The non-finite value a text says: exactly `NaN`, `Infinity` or
/// `-Infinity` (surrounding spaces aside), as Python and JavaScript print them.
pub(crate) fn text(s: &str) -> Option<f64> {
    match s.trim() {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// A non-finite value as the tools write it.
pub(crate) fn shown(x: f64) -> &'static str {
    if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// The non-finite values a file's reader left out, per metric: each with the
/// example's id and the value as the file wrote it.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    by_metric: BTreeMap<String, Vec<String>>,
}

impl Tally {
    /// Records that `metric` of example `id` was `x` (not finite), and so is
    /// missing there.
    pub(crate) fn record(&mut self, metric: &str, id: &str, x: f64) {
        self.record_shown(metric, id, shown(x));
    }

    /// [`Tally::record`] for a value written otherwise (promptfoo's `null`).
    pub(crate) fn record_shown(&mut self, metric: &str, id: &str, value: &str) {
        self.by_metric
            .entry(metric.to_string())
            .or_default()
            .push(format!("{id} {value}"));
    }

    /// One warning per metric that had non-finite values, in metric order:
    /// how many, the first five, and what became of them.
    pub(crate) fn warnings(&self, file: &str) -> Vec<Warning> {
        self.by_metric
            .iter()
            .map(|(metric, ids)| {
                let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
                let more = if ids.len() > shown.len() {
                    format!(", … ({} more)", ids.len() - shown.len())
                } else {
                    String::new()
                };
                Diagnostic::new(
                    Code::NonFiniteValues,
                    format!(
                        "{file}: {} examples had a non-finite {metric} ({}{more}); they are left out of {metric} (missing for those examples, never a number)",
                        ids.len(),
                        shown.join(", ")
                    ),
                )
            })
            .collect()
    }
}

/// Where a scan of JSON text stands between two pieces of it.
#[derive(Debug, Default, Clone, Copy)]
struct Scan {
    in_string: bool,
    escaped: bool,
}

impl Scan {
    /// Copies `input` to `out`, each bare token outside a string quoted, and
    /// returns how many bytes it took: all of them, unless the input ends in
    /// what may be the start of a token and more is to come (`last` false).
    fn feed(&mut self, input: &[u8], last: bool, out: &mut Vec<u8>) -> usize {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            if self.in_string {
                out.push(b);
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                i += 1;
                continue;
            }
            if b == b'"' {
                self.in_string = true;
                out.push(b);
                i += 1;
                continue;
            }
            let rest = &input[i..];
            if let Some(t) = TOKENS.iter().find(|t| rest.starts_with(t)) {
                out.push(b'"');
                out.extend_from_slice(t);
                out.push(b'"');
                i += t.len();
                continue;
            }
            if !last && TOKENS.iter().any(|t| t.starts_with(rest)) {
                // `-Inf` at the end of a piece: the next piece decides.
                return i;
            }
            out.push(b);
            i += 1;
        }
        input.len()
    }
}

/// JSON text with Python's bare `NaN`, `Infinity` and `-Infinity` outside
/// strings turned into strings of themselves, so that it parses and each
/// value is seen as what it is. No newline moves: lines keep their numbers.
/// Text without such a token comes back as it is, uncopied.
pub(crate) fn quote(bytes: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memmem::find(bytes, b"Infinity").is_none()
        && memchr::memmem::find(bytes, b"NaN").is_none()
    {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() + 64);
    Scan::default().feed(bytes, true, &mut out);
    Cow::Owned(out)
}

/// [`quote`] over a reader (an archive entry parsed as it is inflated), a
/// piece at a time.
pub(crate) struct Quoted<R> {
    inner: R,
    scan: Scan,
    /// Read from `inner`, not yet scanned (the start of a token, at most).
    pending: Vec<u8>,
    /// Scanned, not yet handed out (from `at`).
    out: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> Quoted<R> {
    /// Quotes what `inner` reads.
    pub(crate) fn new(inner: R) -> Self {
        Quoted {
            inner,
            scan: Scan::default(),
            pending: Vec::new(),
            out: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Quoted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.at < self.out.len() {
                let n = buf.len().min(self.out.len() - self.at);
                buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            if self.done || buf.is_empty() {
                return Ok(0);
            }
            self.out.clear();
            self.at = 0;
            let mut piece = [0u8; 8 << 10];
            let n = self.inner.read(&mut piece)?;
            self.done = n == 0;
            self.pending.extend_from_slice(&piece[..n]);
            let used = self.scan.feed(&self.pending, self.done, &mut self.out);
            self.pending.drain(..used);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "{\"a\": NaN, \"b\": [Infinity, -Infinity], \"c\": \"NaN \\\" Infinity\",\n \"d\": -1.5e3, \"e\": null}\n";
    const QUOTED: &str = "{\"a\": \"NaN\", \"b\": [\"Infinity\", \"-Infinity\"], \"c\": \"NaN \\\" Infinity\",\n \"d\": -1.5e3, \"e\": null}\n";

    #[test]
    fn bare_tokens_outside_strings_become_strings_and_lines_stay() {
        assert_eq!(quote(TEXT.as_bytes()).as_ref(), QUOTED.as_bytes());
        let plain = b"{\"a\": 1.0, \"b\": \"text\"}";
        assert!(matches!(quote(plain), Cow::Borrowed(_)));
        let v: Json = serde_json::from_slice(&quote(TEXT.as_bytes())).expect("parses");
        assert!(value(&v["a"]).is_some_and(f64::is_nan));
        assert_eq!(value(&v["b"][0]), Some(f64::INFINITY));
        assert_eq!(value(&v["b"][1]), Some(f64::NEG_INFINITY));
        assert_eq!(value(&v["c"]), None);
        assert_eq!(value(&v["d"]), None);
    }

    #[test]
    fn a_stream_is_quoted_as_the_whole_text_is_whatever_its_pieces() {
        /// Hands out `n` bytes per read: tokens and escapes cut anywhere.
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.1.min(self.0.len()).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        for n in 1..=TEXT.len() {
            let mut out = Vec::new();
            Quoted::new(Trickle(TEXT.as_bytes(), n))
                .read_to_end(&mut out)
                .expect("in memory");
            assert_eq!(String::from_utf8_lossy(&out), QUOTED, "pieces of {n}");
        }
        // A text that ends inside what could have been a token keeps it.
        let mut out = Vec::new();
        Quoted::new(Trickle(b"[1, -Inf", 3))
            .read_to_end(&mut out)
            .expect("in memory");
        assert_eq!(out, b"[1, -Inf");
    }

    #[test]
    fn the_tally_lists_five_per_metric_and_counts_the_rest() {
        let mut tally = Tally::default();
        for i in 0..7 {
            tally.record("mae", &format!("q{i}"), f64::INFINITY);
        }
        tally.record("acc", "q1", f64::NAN);
        tally.record_shown("score", "t", "null");
        assert_eq!(
            crate::diagnostic::texts(&tally.warnings("f.json")),
            [
                "f.json: 1 examples had a non-finite acc (q1 NaN); they are left out of acc (missing for those examples, never a number)",
                "f.json: 7 examples had a non-finite mae (q0 Infinity, q1 Infinity, q2 Infinity, q3 Infinity, q4 Infinity, … (2 more)); they are left out of mae (missing for those examples, never a number)",
                "f.json: 1 examples had a non-finite score (t null); they are left out of score (missing for those examples, never a number)",
            ]
        );
        assert!(Tally::default().warnings("f").is_empty());
        assert_eq!(text(" -Infinity "), Some(f64::NEG_INFINITY));
        assert_eq!(text("inf"), None);
    }
}
