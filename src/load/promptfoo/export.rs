//! promptfoo's CSV export (`promptfoo eval -o results.csv`), in its three
//! layouts:
//!
//! - **2023–2025**: the test's vars, then one `[provider] label` column per
//!   variant whose cells read `[PASS] (0.82, Tone: 1.00)\n\noutput\n\nPass
//!   Reason: …` (`[FAIL]`, and since 2024 `[ERROR]`); scores have 2 decimals.
//! - **early 2023**: the same columns, cells holding only the output (no
//!   verdict, no score): such a file has no metric of promptfoo's own.
//! - **0.121 on**: `Description` (when a test has one), the vars, then per
//!   variant its output column followed by `Status`, `Score`, `Named Scores`
//!   (JSON), `Metric: NAME` columns, `Grader Reason` and `Comment`; redteam
//!   columns may follow. Cells that start with `=`, `+`, `-` or `@` carry a
//!   leading `'` against spreadsheet formulas, which the reader removes.
//!
//! A row is a test (its index is the row's, from 0); an empty var cell is a
//! var the test does not have. The CSV holds no asserts, so its rows have no
//! `test_hash`; the input is the variant's prompt label (the template).

use std::path::Path;

use serde_json::Value as Json;

use super::{named_score, take_non_finite, Parsed, Sample, Test, VariantInfo};
use crate::error::{Error, Location, Result};

/// One variant's columns.
struct Group {
    variant: usize,
    /// The output column.
    output: usize,
    /// Status, Score, Named Scores and `Metric:` columns (0.121 on).
    status: Option<usize>,
    score: Option<usize>,
    named: Option<usize>,
    metrics: Vec<(usize, String)>,
}

/// The columns of an export.
struct Layout {
    description: Option<usize>,
    vars: Vec<(usize, String)>,
    groups: Vec<Group>,
    variants: Vec<VariantInfo>,
    /// Columns after the variants (redteam's), read as tags.
    extra: Vec<(usize, String)>,
    /// Cells escaped against spreadsheet formulas (0.121 on).
    escaped: bool,
}

/// Whether the CSV is a promptfoo export (see [`layout`]).
pub(super) fn is_export(bytes: &[u8]) -> bool {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => {
            let names: Vec<String> = record.iter().map(str::to_string).collect();
            layout(&names).is_some()
        }
        _ => false,
    }
}

/// `[provider] label` → (provider, label).
fn variant_header(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix('[')?;
    let end = rest.find("] ")?;
    let (provider, label) = (&rest[..end], &rest[end + 2..]);
    (!provider.is_empty() && !label.trim().is_empty()).then_some((provider, label))
}

/// The layout the header row describes, or `None` when it is not promptfoo's:
/// its last columns must be `[provider] label` columns, or groups of
/// `label, Status, Score, Named Scores, …, Grader Reason, Comment`.
fn layout(names: &[String]) -> Option<Layout> {
    let names: Vec<&str> = names.iter().map(|n| unescape(n, true)).collect();
    let n = names.len();
    let at = |i: usize| names.get(i).copied().unwrap_or_default();
    let grouped: Vec<usize> = (0..n)
        .filter(|&i| at(i + 1) == "Status" && at(i + 2) == "Score" && at(i + 3) == "Named Scores")
        .collect();
    let mut variants = Vec::new();
    let mut groups = Vec::new();
    let split = |name: &str| match variant_header(name) {
        Some((p, l)) => VariantInfo {
            provider: p.to_string(),
            label: l.to_string(),
            template: None,
        },
        None => VariantInfo {
            provider: String::new(),
            label: name.to_string(),
            template: None,
        },
    };
    if let Some(&first) = grouped.first() {
        let mut i = first;
        while grouped.contains(&i) {
            let mut metrics = Vec::new();
            let mut j = i + 4;
            while let Some(name) = at(j).strip_prefix("Metric: ") {
                metrics.push((j, name.to_string()));
                j += 1;
            }
            if at(j) != "Grader Reason" || at(j + 1) != "Comment" {
                return None;
            }
            groups.push(Group {
                variant: variants.len(),
                output: i,
                status: Some(i + 1),
                score: Some(i + 2),
                named: Some(i + 3),
                metrics,
            });
            variants.push(split(at(i)));
            i = j + 2;
        }
        let description = (at(0) == "Description").then_some(0);
        let vars = (usize::from(description.is_some())..first)
            .map(|c| (c, at(c).to_string()))
            .collect();
        let extra = (i..n).map(|c| (c, at(c).to_string())).collect();
        return Some(Layout {
            description,
            vars,
            groups,
            variants,
            extra,
            escaped: true,
        });
    }
    // Older layouts: vars, then `[provider] label` columns to the end.
    let first = (0..n)
        .rev()
        .take_while(|&i| variant_header(at(i)).is_some())
        .last()?;
    for c in first..n {
        groups.push(Group {
            variant: variants.len(),
            output: c,
            status: None,
            score: None,
            named: None,
            metrics: Vec::new(),
        });
        variants.push(split(at(c)));
    }
    Some(Layout {
        description: None,
        vars: (0..first).map(|c| (c, at(c).to_string())).collect(),
        groups,
        variants,
        extra: Vec::new(),
        escaped: false,
    })
}

/// A cell without the `'` promptfoo puts before a formula-like value.
fn unescape(cell: &str, escaped: bool) -> &str {
    if !escaped {
        return cell;
    }
    match cell.strip_prefix('\'') {
        Some(rest)
            if rest
                .trim_start_matches(|c: char| {
                    c.is_whitespace() || "\u{200b}\u{200c}\u{200d}".contains(c)
                })
                .starts_with(['=', '+', '-', '@']) =>
        {
            rest
        }
        _ => cell,
    }
}

/// Reads a CSV export.
pub(super) fn read(path: &Path, bytes: &[u8]) -> Result<Parsed> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(bytes);
    let csv_err = |e: csv::Error| super::super::delimited::csv_error(path, "CSV", &e);
    let mut records = reader.records();
    let header = match records.next() {
        Some(r) => r.map_err(csv_err)?,
        None => return Err(not_export(path)),
    };
    let names: Vec<String> = header.iter().map(str::to_string).collect();
    let layout = layout(&names).ok_or_else(|| match old_layout(bytes) {
        Some(which) => old_export(path, which),
        None => not_export(path),
    })?;
    let mut samples = Vec::new();
    for (index, record) in records.enumerate() {
        let record = record.map_err(csv_err)?;
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        let cell = |c: usize| unescape(record.get(c).unwrap_or_default(), layout.escaped);
        let vars: serde_json::Map<String, Json> = layout
            .vars
            .iter()
            .filter(|(c, _)| !cell(*c).is_empty())
            .map(|(c, name)| (name.clone(), Json::String(cell(*c).to_string())))
            .collect();
        let description = layout
            .description
            .map(|c| cell(c).to_string())
            .filter(|d| !d.is_empty());
        let tags: Vec<(String, String)> = layout
            .extra
            .iter()
            .filter(|(c, name)| {
                matches!(name.as_str(), "pluginId" | "strategyId") && !cell(*c).is_empty()
            })
            .map(|(c, name)| (name.clone(), cell(*c).to_string()))
            .collect();
        for group in &layout.groups {
            let loc = |c: usize| {
                Location::file(path)
                    .at_line(line)
                    .at_column(c + 1)
                    .with_field(names[c].clone())
            };
            let parsed = match group.status {
                Some(status) => grouped_cell(group, status, &cell, &loc)?,
                None => verdict_cell(cell(group.output), &loc(group.output))?,
            };
            let Some(Cell {
                output: prediction,
                mut numbers,
                nulls,
                error,
            }) = parsed
            else {
                continue;
            };
            let mut non_finite = take_non_finite(&mut numbers);
            non_finite.extend(nulls.into_iter().map(|name| (name, "null".to_string())));
            samples.push(Sample {
                line,
                test: Test {
                    description: description.clone(),
                    vars: vars.clone(),
                    asserts: None,
                    index: Some(index as u64),
                },
                variant: group.variant,
                prediction,
                input: Some(layout.variants[group.variant].label.clone()),
                numbers,
                non_finite,
                tags: tags.clone(),
                error,
            });
        }
    }
    Ok(Parsed {
        samples,
        variants: layout.variants,
    })
}

/// promptfoo's CSV exports of 2023, which name neither the provider nor
/// the test and so cannot pair tests reliably: which one the bytes are.
///
/// - early 2023: a first column `RESULT` (PASS/FAIL), then one column per
///   prompt, then the vars;
/// - mid-2023: the header holds the raw prompts (a chat prompt's JSON), and
///   each output cell starts with `[PASS] ` or `[FAIL] `.
pub(super) fn old_layout(bytes: &[u8]) -> Option<&'static str> {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = reader.records().take(2).filter_map(std::result::Result::ok);
    let header = rows.next()?;
    let first = rows.next()?;
    if header.get(0).is_some_and(|h| h.trim() == "RESULT")
        && first
            .get(0)
            .is_some_and(|c| matches!(c.trim(), "PASS" | "FAIL"))
    {
        return Some("the early-2023 CSV layout (a RESULT column of PASS/FAIL, one column per prompt, then the vars)");
    }
    if first
        .iter()
        .any(|c| c.starts_with("[PASS] ") || c.starts_with("[FAIL] "))
    {
        return Some("the mid-2023 CSV layout (the raw prompts as the header, outputs as \"[PASS] …\" and \"[FAIL] …\")");
    }
    None
}

/// The error for an old CSV layout: what it is, why it cannot be compared,
/// and what to export instead.
fn old_export(path: &Path, which: &str) -> Error {
    Error::input(
        Location::file(path).at_line(1),
        format!(
            "a promptfoo CSV export in {which}: it names no provider and no test, so its rows cannot be paired with another run's; export the eval as JSON instead (`promptfoo export <eval id> -o results.json`, or `promptfoo eval -o results.json`), which benchgate reads in every version"
        ),
    )
}

fn not_export(path: &Path) -> Error {
    Error::input(
        Location::file(path).at_line(1),
        "not a promptfoo CSV export: expected the vars' columns and then one \"[provider] prompt\" column per prompt and provider, as `promptfoo eval -o results.csv` writes",
    )
}

/// What a variant's cells say of one test.
struct Cell {
    output: String,
    /// Scores, in promptfoo's order; some may not be finite.
    numbers: Vec<(String, f64)>,
    /// Named scores the JSON column wrote as null (JavaScript's NaN or
    /// ±Infinity).
    nulls: Vec<String>,
    /// An `[ERROR]` result.
    error: bool,
}

/// A 0.121 group: output, Status, Score, Named Scores, `Metric:` columns.
fn grouped_cell<'a>(
    group: &Group,
    status: usize,
    cell: &dyn Fn(usize) -> &'a str,
    loc: &dyn Fn(usize) -> Location,
) -> Result<Option<Cell>> {
    let verdict = cell(status);
    let pass = match verdict {
        "" => return Ok(None),
        "PASS" => true,
        "FAIL" | "ERROR" => false,
        other => {
            return Err(Error::input(
                loc(status),
                format!("expected PASS, FAIL or ERROR, found \"{other}\""),
            ))
        }
    };
    let mut numbers = Vec::new();
    let mut nulls = Vec::new();
    if let Some(c) = group.score {
        if let Some(x) = number(cell(c), &loc(c))? {
            numbers.push(("score".to_string(), x));
        }
    }
    numbers.push(("pass".to_string(), f64::from(u8::from(pass))));
    if let Some(c) = group.named {
        let text = cell(c);
        if !text.is_empty() {
            let named: serde_json::Map<String, Json> = serde_json::from_str(text)
                .map_err(|_| Error::input(loc(c), "expected the named scores as a JSON object"))?;
            for (name, value) in named {
                if value.is_null() {
                    // JSON.stringify writes a NaN or infinite score as null.
                    nulls.push(named_score(&name));
                    continue;
                }
                let x = value
                    .as_f64()
                    .or_else(|| crate::load::non_finite::value(&value))
                    .ok_or_else(|| {
                        Error::input(loc(c), format!("the named score {name} is not a number"))
                    })?;
                numbers.push((named_score(&name), x));
            }
        }
    }
    for (c, name) in &group.metrics {
        if let Some(x) = number(cell(*c), &loc(*c))? {
            let name = named_score(name);
            numbers.retain(|(k, _)| *k != name);
            nulls.retain(|k| *k != name);
            numbers.push((name, x));
        }
    }
    Ok(Some(Cell {
        output: cell(group.output).to_string(),
        numbers,
        nulls,
        error: verdict == "ERROR",
    }))
}

/// A score cell: empty or `undefined` is none; `NaN`, `Infinity` and
/// `-Infinity` (JavaScript's text of them) are themselves.
fn number(text: &str, loc: &Location) -> Result<Option<f64>> {
    let text = text.trim();
    if text.is_empty() || text == "undefined" {
        return Ok(None);
    }
    if let Some(x) = crate::load::non_finite::text(text) {
        return Ok(Some(x));
    }
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        _ => Err(Error::input(
            loc.clone(),
            format!("expected a score, found \"{text}\""),
        )),
    }
}

/// A 2023–2025 cell, `[PASS] (0.82, Tone: 1.00)\n\noutput\n\nPass Reason: …`,
/// or an early-2023 cell holding only the output.
fn verdict_cell(text: &str, loc: &Location) -> Result<Option<Cell>> {
    if text.is_empty() {
        return Ok(None);
    }
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let verdict = ["[PASS] (", "[FAIL] (", "[ERROR] ("]
        .iter()
        .find(|p| first.starts_with(**p) && first.ends_with(')'));
    let Some(prefix) = verdict else {
        return Ok(Some(Cell {
            output: text.to_string(),
            numbers: Vec::new(),
            nulls: Vec::new(),
            error: false,
        }));
    };
    let pass = *prefix == "[PASS] (";
    let inner = &first[prefix.len()..first.len() - 1];
    let mut parts = inner.split(", ");
    let mut numbers = Vec::new();
    if let Some(x) = number(parts.next().unwrap_or_default(), loc)? {
        numbers.push(("score".to_string(), x));
    }
    numbers.push(("pass".to_string(), f64::from(u8::from(pass))));
    // Named scores, `name: 0.50`; a name holding ", " is put back together.
    let mut pending = String::new();
    for part in parts {
        if !pending.is_empty() {
            pending.push_str(", ");
        }
        pending.push_str(part);
        if let Some((name, value)) = pending.rsplit_once(": ") {
            let x = crate::load::non_finite::text(value)
                .or_else(|| value.trim().parse::<f64>().ok().filter(|x| x.is_finite()));
            if let Some(x) = x {
                numbers.push((named_score(name), x));
                pending.clear();
            }
        }
    }
    if !pending.is_empty() {
        return Err(Error::input(
            loc.clone(),
            format!("cannot read the named scores in \"{first}\"; expected \"NAME: SCORE\" pairs"),
        ));
    }
    let reason = if pass {
        "Pass Reason: "
    } else {
        "Fail Reason: "
    };
    let body = rest.strip_prefix('\n').unwrap_or(rest);
    let output = match body.rfind(&format!("\n\n{reason}")) {
        Some(at) => &body[..at],
        None if body.trim_start_matches('\n').starts_with(reason) => "",
        None => body,
    };
    Ok(Some(Cell {
        output: output.trim_matches('\n').to_string(),
        numbers,
        nulls: Vec::new(),
        error: *prefix == "[ERROR] (",
    }))
}
