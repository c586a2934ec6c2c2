//! The results json of a run (`results_<date>.json`, `results.json`): the
//! harness's own aggregates, which the samples' means are checked against, and
//! the filter names that older samples files leave out.

use std::path::Path;

use serde_json::{Map, Value as Json};

use super::run::{date_of, file_name, looks_like_date};
use super::Tally;
use crate::diagnostic::{Code, Diagnostic, Warning};

/// The results json of the run a samples file belongs to.
pub(super) struct Results {
    /// Its file name, for messages.
    pub(super) name: String,
    json: Json,
}

impl Results {
    /// `results_<date>.json` with the samples' date stamp; else the one
    /// undated `*results*.json` beside them that names the task (or, without
    /// a task, one that names a task the file name ends with).
    pub(super) fn beside(
        samples: &Path,
        task: Option<&str>,
        warnings: &mut Vec<Warning>,
    ) -> Option<Results> {
        let dir = samples
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Some(date) = date_of(samples) {
            let dated = dir.join(format!("results_{date}.json"));
            if dated.is_file() {
                return Self::open(&dated, warnings);
            }
        }
        let mut found: Vec<Results> = Vec::new();
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            let dated = name
                .strip_prefix("results_")
                .and_then(|n| n.strip_suffix(".json"))
                .is_some_and(looks_like_date);
            if dated || !name.ends_with(".json") || !name.contains("results") || !path.is_file() {
                continue;
            }
            let Some(r) = Self::open(&path, warnings) else {
                continue;
            };
            let names_task = match task {
                Some(t) => r.task(t).is_some(),
                None => r.task_of(samples).is_some(),
            };
            if names_task {
                found.push(r);
            }
        }
        (found.len() == 1).then(|| found.remove(0))
    }

    fn open(path: &Path, warnings: &mut Vec<Warning>) -> Option<Results> {
        let name = file_name(path);
        let parsed = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<Json>(&b).map_err(|e| e.to_string()));
        match parsed {
            Ok(json) if json.get("results").is_some_and(Json::is_object) => {
                Some(Results { name, json })
            }
            Ok(_) => None,
            Err(e) => {
                warnings.push(Diagnostic::new(Code::SummaryUnreadable, format!(
                    "{name} beside the samples cannot be read as lm-eval's results ({e}); the samples' means are not checked against it"
                )));
                None
            }
        }
    }

    /// The harness's own `higher_is_better` of a task's metric, when the
    /// results json states it.
    pub(super) fn higher_is_better(&self, task: &str, metric: &str) -> Option<bool> {
        self.json
            .get("higher_is_better")?
            .get(task)?
            .get(metric)?
            .as_bool()
    }

    pub(super) fn task(&self, task: &str) -> Option<&Map<String, Json>> {
        self.json.get("results")?.get(task)?.as_object()
    }

    /// The task an older `<model args>_<task>.jsonl` is of: the longest task
    /// name the file's stem ends with.
    pub(super) fn task_of(&self, samples: &Path) -> Option<String> {
        let name = file_name(samples);
        let stem = name.strip_suffix(".gz").unwrap_or(&name);
        let stem = stem.strip_suffix(".jsonl").unwrap_or(stem);
        self.json
            .get("results")?
            .as_object()?
            .keys()
            .filter(|t| stem == t.as_str() || stem.ends_with(&format!("_{t}")))
            .max_by_key(|t| t.len())
            .cloned()
    }

    /// The task's filters in the order of its `filter_list` (else of its
    /// `metric,filter` results).
    pub(super) fn filters(&self, task: &str) -> Vec<String> {
        let listed: Vec<String> = self
            .json
            .get("configs")
            .and_then(|c| c.get(task))
            .and_then(|c| c.get("filter_list"))
            .and_then(Json::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|f| f.get("name").and_then(Json::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if !listed.is_empty() {
            return listed;
        }
        let mut out: Vec<String> = Vec::new();
        for key in self.task(task).into_iter().flat_map(Map::keys) {
            if let Some((metric, filter)) = key.split_once(',') {
                if !metric.ends_with("_stderr") && !out.iter().any(|f| f == filter) {
                    out.push(filter.to_string());
                }
            }
        }
        out
    }

    /// Documents the run scored of the task, when the file says.
    fn documents(&self, task: &str) -> Option<usize> {
        let n = self
            .json
            .get("n-samples")
            .and_then(|n| n.get(task))
            .and_then(|n| n.get("effective"))
            .or_else(|| self.task(task)?.get("sample_len"))?;
        n.as_u64().and_then(|n| usize::try_from(n).ok())
    }

    /// Warnings where the samples' means are not the harness's aggregates.
    pub(super) fn check(&self, task: &str, tally: &Tally, warnings: &mut Vec<Warning>) {
        let name = &self.name;
        let Some(entry) = self.task(task) else {
            warnings.push(Diagnostic::new(Code::SummaryUnreadable, format!(
                "lm-eval's {name} beside the samples has no results for {task}; the samples' means are not checked against it"
            )));
            return;
        };
        let mean = |(sum, count): (f64, usize)| sum / count.max(1) as f64;
        let pairs: Vec<(&String, f64, f64)> = tally
            .sums
            .iter()
            .filter_map(|(metric, &s)| {
                let theirs = entry.get(metric).and_then(Json::as_f64)?;
                Some((metric, theirs, mean(s)))
            })
            .collect();
        let held = tally.docs.values().copied().max().unwrap_or(0);
        if let Some(scored) = self.documents(task).filter(|&d| d != held) {
            let figures: Vec<String> = pairs
                .iter()
                .map(|(m, theirs, ours)| {
                    format!("{m} {} there, {} here", short(*theirs), short(*ours))
                })
                .collect();
            warnings.push(Diagnostic::new(Code::SummaryMismatch, format!(
                "lm-eval's {name} scored {scored} documents of {task}, the samples file holds {held}: its means are not the run's ({})",
                figures.join("; ")
            )));
            return;
        }
        let differ: Vec<String> = pairs
            .iter()
            .filter(|(_, theirs, ours)| (theirs - ours).abs() > 1e-9)
            .map(|(m, theirs, ours)| {
                format!(
                    "{m} = {}, the samples give {}",
                    short(*theirs),
                    short(*ours)
                )
            })
            .collect();
        if !differ.is_empty() {
            warnings.push(Diagnostic::new(Code::SummaryMismatch, format!(
                "lm-eval's {name} says for {task}: {} — the samples are not of that run, or are read wrongly",
                differ.join("; ")
            )));
        }
        let absent: Vec<&String> = entry
            .iter()
            .filter(|(key, value)| {
                key.split_once(',').is_some_and(|(m, _)| {
                    !m.ends_with("_stderr") && !tally.skipped.iter().any(|s| s == m)
                }) && value.is_number()
                    && !tally.sums.contains_key(key.as_str())
            })
            .map(|(key, _)| key)
            .collect();
        if !absent.is_empty() {
            warnings.push(Diagnostic::new(
                Code::SummaryMismatch,
                format!(
                    "lm-eval's {name} reports {} for {task}, which the samples hold no value of",
                    absent
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
}

/// A mean for a message: at most four decimals.
fn short(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}
