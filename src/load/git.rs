//! Baselines read from git: `git:REF:PATH` is the file as it is at a ref
//! (`git:origin/main:evals/results.jsonl`), read with the `git` of the working
//! repository. A ref missing from a shallow clone gets an error naming the fix.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{load_bytes, Dataset, FieldMap};
use crate::error::{Error, Result};

/// A parsed `git:REF:PATH` source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSource {
    /// The ref (branch, tag, commit, `origin/main`, `HEAD~1`).
    pub reference: String,
    /// The file's path in the repository.
    pub path: String,
}

impl GitSource {
    /// Parses `git:REF:PATH`; `None` when `spec` does not start with `git:`.
    pub fn parse(spec: &str) -> Option<Result<Self>> {
        let rest = spec.strip_prefix("git:")?;
        Some(match rest.split_once(':') {
            Some((r, p)) if !r.is_empty() && !p.is_empty() => {
                Ok(GitSource { reference: r.to_string(), path: p.to_string() })
            }
            _ => Err(Error::Settings(format!(
                "\"{spec}\": a git baseline is git:REF:PATH, e.g. git:origin/main:evals/results.jsonl"
            ))),
        })
    }

    /// Reads the file at the ref and parses it; returns the data and a
    /// description with the commit (`git:origin/main:evals/results.jsonl @ 1a2b3c4`).
    pub fn load(&self, fields: &FieldMap) -> Result<(Dataset, String)> {
        let commit = git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{}^{{commit}}", self.reference),
        ])
        .map_err(|e| self.error(&e))?;
        let commit = String::from_utf8_lossy(&commit).trim().to_string();
        if commit.is_empty() {
            return Err(self.error("unknown revision"));
        }
        let bytes = git(&["show", &format!("{commit}:{}", self.path)]).map_err(|e| {
            Error::Git(format!(
                "git:{}:{}: the file is not in commit {} ({}); check the path, relative to the repository root",
                self.reference,
                self.path,
                short(&commit),
                e.trim()
            ))
        })?;
        let name = PathBuf::from(format!("git:{}:{}", self.reference, self.path));
        // The format is chosen from the path's extension, as for files.
        let mut data = load_bytes(Path::new(&self.path), bytes, fields)?;
        data.path = name;
        Ok((
            data,
            format!("git:{}:{} @ {}", self.reference, self.path, short(&commit)),
        ))
    }

    fn error(&self, detail: &str) -> Error {
        Error::Git(format!(
            "git:{}:{}: the ref \"{}\" is not in this clone ({}). In GitHub Actions the checkout is shallow: use `fetch-depth: 0` in actions/checkout, or run `git fetch origin {}` before benchgate",
            self.reference,
            self.path,
            self.reference,
            detail.trim(),
            self.reference.strip_prefix("origin/").unwrap_or(&self.reference)
        ))
    }
}

fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// Runs git, returning stdout or stderr as the error.
fn git(args: &[&str]) -> std::result::Result<Vec<u8>, String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(if err.is_empty() {
            "unknown revision".into()
        } else {
            err
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        assert_eq!(
            GitSource::parse("git:origin/main:evals/r.jsonl").map(|r| r.ok()),
            Some(Some(GitSource {
                reference: "origin/main".into(),
                path: "evals/r.jsonl".into()
            }))
        );
        assert!(GitSource::parse("evals/r.jsonl").is_none());
        assert!(matches!(GitSource::parse("git:main"), Some(Err(_))));
    }
}
