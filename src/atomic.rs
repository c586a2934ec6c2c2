//! The atomic file writer: every file benchgate writes (reports, baselines,
//! history, the exec cache) goes to a temporary file beside its target and is
//! renamed over it, so a failed run never leaves half a file and the previous
//! file stays intact.
//!
//! Bottom layer: used by every stage that writes, imports nothing of benchgate
//! but its error type.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `contents` to `path` atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, contents: &str) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(contents.as_bytes()))
}

/// Writes what `write` produces to `path` atomically: into a temporary file
/// beside it, flushed to disk, then renamed over `path`. When `write` or the
/// disk fails, the temporary file is removed and the previous file at `path`
/// is left as it was. Baselines, history and reports all go through here.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let staged = stage(path, write)?;
    staged.commit()
}

/// Writes several files so that either all are replaced or none is: every
/// file is written to its temporary file first, and only when all of them are
/// on disk are they renamed into place.
pub fn write_all_atomic(files: &[(&Path, &str)]) -> Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, contents) in files {
        // On an error, the files staged so far are removed as they drop.
        staged.push(stage(path, |w| w.write_all(contents.as_bytes()))?);
    }
    for file in staged {
        file.commit()?;
    }
    Ok(())
}

/// A complete temporary file waiting to be renamed over its target; removed if
/// dropped before [`Staged::commit`].
struct Staged {
    tmp: Option<PathBuf>,
    path: PathBuf,
}

fn stage(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<Staged> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.benchgate-{}.tmp", std::process::id()));
    let staged = Staged {
        tmp: Some(tmp.clone()),
        path: path.to_path_buf(),
    };
    let result = (|| {
        // The rename would fail after the other files were replaced: fail now.
        if path.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a directory; name a file",
            ));
        }
        let file = std::fs::File::create(&tmp)?;
        let mut out = std::io::BufWriter::new(file);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    })();
    match result {
        Ok(()) => Ok(staged),
        Err(cause) => Err(Error::Output {
            path: path.to_path_buf(),
            cause,
        }),
    }
}

impl Staged {
    fn commit(mut self) -> Result<()> {
        let Some(tmp) = self.tmp.take() else {
            return Ok(());
        };
        std::fs::rename(&tmp, &self.path).map_err(|cause| {
            let _ = std::fs::remove_file(&tmp);
            Error::Output {
                path: self.path.clone(),
                cause,
            }
        })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.md");
        write_atomic(&path, "first").expect("write");
        write_atomic(&path, "second").expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "second");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    #[test]
    fn a_failing_writer_keeps_the_old_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("baseline.jsonl");
        write_atomic(&path, "previous\n").expect("write");
        let e = write_atomic_with(&path, |w| {
            w.write_all(b"half of the new ")?;
            Err(std::io::Error::other("injected: disk full"))
        })
        .expect_err("the writer failed");
        let message = e.to_string();
        assert!(message.contains("baseline.jsonl"), "{message}");
        assert!(
            message.contains("previous file, if any, is unchanged"),
            "{message}"
        );
        assert!(message.contains("injected: disk full"), "{message}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "previous\n");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    #[test]
    fn several_files_are_replaced_all_or_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let md = dir.path().join("report.md");
        let json = dir.path().join("report.json");
        write_all_atomic(&[(&md, "old md"), (&json, "old json")]).expect("write");
        // The second target is a directory: nothing may change.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(&blocked).expect("mkdir");
        std::fs::write(blocked.join("inside"), "x").expect("write");
        let e = write_all_atomic(&[(&md, "new md"), (&blocked, "new")]);
        assert!(
            matches!(e, Err(Error::Output { ref path, .. }) if path == &blocked),
            "{e:?}"
        );
        assert_eq!(std::fs::read_to_string(&md).expect("read"), "old md");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("no-such-dir").join("out.json");
        assert!(matches!(
            write_atomic(&missing, "x"),
            Err(Error::Output { .. })
        ));
    }
}
