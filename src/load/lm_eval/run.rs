//! A run as lm-eval writes it: the samples files of a directory (or glob),
//! one per task, and what their names say (task, date stamp).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};

/// A directory given as a run becomes its samples files; then a run must hold
/// one samples file per task.
pub fn expand_runs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            if found.is_empty() {
                return Err(Error::input(
                    Location::file(p),
                    "a directory is read as one lm-evaluation-harness run, and this one holds no samples file (samples_<task>_<date>.jsonl); name the result files, or a quoted glob",
                ));
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    one_file_per_task(&out)?;
    Ok(out)
}

/// The samples files under `dir`: `samples_*.jsonl[.gz]`, and the older
/// `*.jsonl` in a folder with a `results.json`.
fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let io = |cause| Error::Io {
        path: dir.to_path_buf(),
        cause,
    };
    let mut older = Vec::new();
    let mut has_results = false;
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        if entry.file_type().map_err(io)?.is_dir() {
            walk(&path, found)?;
            continue;
        }
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("samples_") && (name.ends_with(".jsonl") || name.ends_with(".jsonl.gz"))
        {
            found.push(path);
        } else if name == "results.json" {
            has_results = true;
        } else if name.ends_with(".jsonl") {
            older.push(path);
        }
    }
    if has_results {
        found.extend(older);
    }
    Ok(())
}

fn one_file_per_task(paths: &[PathBuf]) -> Result<()> {
    let mut by_task: HashMap<String, &PathBuf> = HashMap::new();
    for p in paths {
        let Some(task) = task_from_name(p) else {
            continue;
        };
        if let Some(other) = by_task.insert(task.clone(), p) {
            let (dir, date) = (p.parent().unwrap_or(Path::new("")), date_of(p));
            let (first, second) = if other.parent() == Some(dir) {
                (file_name(other), file_name(p))
            } else {
                (other.display().to_string(), p.display().to_string())
            };
            let glob = dir.join(format!(
                "samples_*_{}.jsonl",
                date.as_deref().unwrap_or("<date>")
            ));
            return Err(Error::input(
                Location::file(dir),
                format!(
                    "{first} and {second} are both samples of the task {task}: a run holds one samples file per task, so these are two runs in one folder; pass one run, e.g. a quoted glob of its date stamp '{}'",
                    glob.display()
                ),
            ));
        }
    }
    Ok(())
}

/// The name without `.gz` and `.jsonl`, after `samples_`.
pub(super) fn samples_stem(path: &Path) -> Option<&str> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_prefix("samples_")?;
    let stem = stem.strip_suffix(".gz").unwrap_or(stem);
    stem.strip_suffix(".jsonl")
}

/// The task of `samples_<task>_<date>.jsonl`.
pub(super) fn task_from_name(path: &Path) -> Option<String> {
    let stem = samples_stem(path)?;
    let task = match stem.rsplit_once('_') {
        Some((task, date)) if looks_like_date(date) => task,
        _ => stem,
    };
    (!task.is_empty()).then(|| task.to_string())
}

/// The date stamp of `samples_<task>_<date>.jsonl`.
pub(super) fn date_of(path: &Path) -> Option<String> {
    let (_, date) = samples_stem(path)?.rsplit_once('_')?;
    looks_like_date(date).then(|| date.to_string())
}

/// `2024-08-21T03-44-09.494230` and the like.
pub(super) fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

pub(super) fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    )
}
