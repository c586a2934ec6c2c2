//! Where the baseline comes from: result files, `git:REF:PATH` (the file at a
//! ref, [`super::git`]) or `artifact:NAME[:PATH]` (a file of a GitHub Actions
//! artifact, [`super::artifact`]). A single `--baseline` value that starts with
//! `git:` or `artifact:` names such a source; anything else is files.

use std::path::PathBuf;

use super::artifact::{ArtifactSettings, ArtifactSource};
use super::git::GitSource;
use super::{load_all_with_progress, Dataset, FieldMap};
use crate::error::Result;

/// Where the baseline comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineSource {
    /// Result files on disk.
    Files(Vec<PathBuf>),
    /// `git:REF:PATH`.
    Git(GitSource),
    /// `artifact:NAME[:PATH]`.
    Artifact(ArtifactSource),
}

impl BaselineSource {
    /// The source that the `--baseline` values name.
    pub fn parse(paths: &[PathBuf]) -> Result<Self> {
        if let [one] = paths {
            let spec = one.to_string_lossy();
            if let Some(git) = GitSource::parse(&spec) {
                return Ok(BaselineSource::Git(git?));
            }
            if let Some(artifact) = ArtifactSource::parse(&spec) {
                return Ok(BaselineSource::Artifact(artifact?));
            }
        }
        Ok(BaselineSource::Files(paths.to_vec()))
    }

    /// The files on disk it reads: none for a git or artifact source.
    pub fn files(&self) -> &[PathBuf] {
        match self {
            BaselineSource::Files(paths) => paths,
            BaselineSource::Git(_) | BaselineSource::Artifact(_) => &[],
        }
    }

    /// Reads the baseline: its rows, and how reports name where they came
    /// from. `read` hears of the bytes read from files as they go.
    pub fn load(
        &self,
        fields: &FieldMap,
        artifact: &ArtifactSettings,
        read: &dyn Fn(u64),
    ) -> Result<(Dataset, String)> {
        match self {
            BaselineSource::Files(paths) => {
                Ok((load_all_with_progress(paths, fields, read)?, shown(paths)))
            }
            BaselineSource::Git(source) => source.load(fields),
            BaselineSource::Artifact(source) => source.load(fields, artifact),
        }
    }
}

/// Paths as a report names them: the one path, or the first and how many more.
pub fn shown(paths: &[PathBuf]) -> String {
    match paths {
        [] => String::new(),
        [one] => one.display().to_string(),
        [first, rest @ ..] => format!("{} and {} more", first.display(), rest.len()),
    }
}
