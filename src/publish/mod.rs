//! Writing outputs. Files are written to a temporary file beside the target and
//! renamed, so a failed run never leaves half a file and the previous file stays
//! intact. With `--github` the report also goes to GitHub Actions: the job
//! summary, step outputs and annotations ([`actions`]), and the sticky PR
//! comment ([`github`], the only network code).

pub mod actions;
pub mod github;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::report::{GateVerdict, Report};
use actions::{ActionsEnv, ActionsError, Event};
use github::{
    CommentAction, CommentMode, Connection, GithubError, Post, Posted, RetryPolicy, Target,
};

/// Settings of `--github`.
#[derive(Debug, Clone, Copy)]
pub struct GithubOptions {
    /// When to post the PR comment.
    pub comment: CommentMode,
    /// Bound on all GitHub API calls, retries and waits included.
    pub timeout: Duration,
    /// Log each API request (never the token) to stderr.
    pub verbose: bool,
}

/// The renderings `--github` publishes.
#[derive(Debug, Clone, Copy)]
pub struct Rendered<'a> {
    /// The markdown report (summary and comment).
    pub markdown: &'a str,
    /// The JSON report.
    pub json: &'a str,
    /// Where the JSON report was already written (`--json-out`), if anywhere.
    pub json_out: Option<&'a Path>,
    /// The HTML report(s) written (`--html-out`), if any.
    pub html: Option<&'a HtmlLink>,
}

/// The HTML report(s) of a run, for the `html-report` output and the line in
/// the comment and the job summary that links them.
#[derive(Debug, Clone)]
pub struct HtmlLink {
    /// Where they were written (one per suite).
    pub paths: Vec<PathBuf>,
    /// Changed examples they list, together.
    pub changed: usize,
}

impl HtmlLink {
    /// The markdown line that points to the report in the run's artifacts
    /// (`None` outside a workflow run, where there is nothing to link to).
    pub fn line(&self, run_url: Option<&str>) -> Option<String> {
        let url = run_url?;
        let names: Vec<String> = self
            .paths
            .iter()
            .map(|p| {
                let name = p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                format!("<code>{}</code>", crate::render::escape::html_text(&name))
            })
            .collect();
        let noun = if self.changed == 1 {
            "example"
        } else {
            "examples"
        };
        Some(format!(
            "📄 **[Full report]({url}#artifacts)**: all {} {noun} whose output or score changed, with filters and side-by-side diffs ({} in this run's artifacts).",
            crate::render::group_thousands(self.changed),
            names.join(", ")
        ))
    }
}

/// `markdown` with `line` before its closing `<sub>` footer (or at the end),
/// unless that would pass GitHub's comment limit.
fn with_line(markdown: &str, line: Option<&str>) -> String {
    let Some(line) = line else {
        return markdown.to_string();
    };
    let body = markdown.trim_end();
    let (head, foot) = match body.rfind('\n') {
        Some(i) if body[i + 1..].starts_with("<sub>") => body.split_at(i + 1),
        _ => (body, ""),
    };
    let out = if foot.is_empty() {
        format!("{body}\n\n{line}\n")
    } else {
        format!("{head}{line}\n\n{foot}\n")
    };
    if out.chars().count() > crate::render::MAX_COMMENT_CHARS - 200 {
        return markdown.to_string();
    }
    out
}

/// What `--github` did.
#[derive(Debug, Clone)]
pub struct Published {
    /// Where the JSON report is (the `report-json` output).
    pub json_path: PathBuf,
    /// The PR comment, when one was posted or found unchanged.
    pub comment: Option<Posted>,
}

/// What stops `--github` (exit code 2). A comment that cannot be posted for any
/// other reason than a rejected token is only a warning.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The Actions files or event.
    #[error(transparent)]
    Actions(#[from] ActionsError),
    /// GitHub rejected the token.
    #[error(transparent)]
    Github(#[from] GithubError),
    /// The JSON report could not be written.
    #[error(transparent)]
    Output(#[from] Error),
    /// Workflow commands could not be printed.
    #[error("cannot print workflow commands: {0}")]
    Stdout(std::io::Error),
}

/// Where the JSON report goes when `--json-out` is not given.
fn default_json_path(env: &ActionsEnv, suite: &str) -> PathBuf {
    let name: String = suite
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    env.runner_temp
        .clone()
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("evalgate-{name}.json"))
}

/// Publishes a rendered report to GitHub Actions: the JSON report file, the job
/// summary, `::error`/`::warning` annotations (printed to `out`), the PR comment
/// on pull requests, and the step outputs. The verdict is the caller's; only a
/// rejected token (or an unwritable Actions file) is an error, after everything
/// else has been written.
pub fn github_actions(
    report: &Report,
    rendered: Rendered<'_>,
    options: &GithubOptions,
    env: &ActionsEnv,
    out: &mut dyn Write,
) -> std::result::Result<Published, PublishError> {
    let json_path = match rendered.json_out {
        Some(p) => p.to_path_buf(),
        None => {
            let p = default_json_path(env, &report.suite);
            write_atomic(&p, rendered.json)?;
            p
        }
    };
    let run_url = env.run_url();
    let html_line = rendered
        .html
        .as_ref()
        .and_then(|h| h.line(run_url.as_deref()));
    let markdown = with_line(rendered.markdown, html_line.as_deref());
    if let Some(summary) = &env.step_summary {
        actions::append_summary(summary, &markdown)?;
    }
    let title = format!("evalgate · {}", report.suite);
    let mut lines = actions::annotations(report);
    let (comment, fatal) = match comment(report, &markdown, options, env) {
        Ok(posted) => (posted, None),
        Err(Skip::Warn(w)) => {
            lines.push(actions::command("warning", &title, &w));
            (None, None)
        }
        Err(Skip::Fatal(e)) => (None, Some(e)),
    };
    for line in &lines {
        writeln!(out, "{line}").map_err(PublishError::Stdout)?;
    }
    if let Some(path) = &env.output {
        let (regressions, improvements) = actions::regressions_and_improvements(report);
        let verdict = match report.verdict {
            GateVerdict::Pass => "pass",
            GateVerdict::Fail => "fail",
        };
        actions::write_outputs(
            path,
            &[
                ("verdict", verdict.to_string()),
                ("regressions", regressions.to_string()),
                ("improvements", improvements.to_string()),
                ("report-json", json_path.display().to_string()),
                (
                    "html-report",
                    rendered.html.as_ref().map_or_else(String::new, |h| {
                        h.paths
                            .iter()
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join("\n")
                    }),
                ),
                (
                    "comment-url",
                    comment.as_ref().map(|c| c.url.clone()).unwrap_or_default(),
                ),
            ],
        )?;
    }
    match fatal {
        Some(e) => Err(e),
        None => Ok(Published { json_path, comment }),
    }
}

/// Why no comment was posted.
enum Skip {
    /// Said as a `::warning`; the run goes on.
    Warn(String),
    /// Stops the run (exit code 2).
    Fatal(PublishError),
}

/// Posts the PR comment when the event is a pull request and commenting is on.
fn comment(
    report: &Report,
    markdown: &str,
    options: &GithubOptions,
    env: &ActionsEnv,
) -> std::result::Result<Option<Posted>, Skip> {
    if options.comment == CommentMode::Never {
        return Ok(None);
    }
    let event = env
        .event()
        .map_err(|e| Skip::Warn(format!("no PR comment: {e}")))?;
    let Event::PullRequest { number, head_sha } = event else {
        return Ok(None);
    };
    let repository = env.repository().ok_or_else(|| {
        Skip::Warn("no PR comment: GITHUB_REPOSITORY is not set to owner/name".into())
    })?;
    let token = env.token.clone().ok_or_else(|| {
        Skip::Warn(
            "no PR comment: GITHUB_TOKEN is empty; pass `github-token: ${{ github.token }}` (the default) to the action, or set GITHUB_TOKEN"
                .into(),
        )
    })?;
    let commit = head_sha.as_deref().or(env.sha.as_deref());
    // `on-failure`: a passing run only turns an existing comment into one
    // "resolved" line.
    let quiet_pass = options.comment == CommentMode::OnFailure
        && report.verdict == GateVerdict::Pass
        && !report
            .metrics
            .iter()
            .map(|m| m.verdict)
            .chain(report.slices.iter().map(|s| s.verdict))
            .any(|v| v == crate::report::Verdict::Inconclusive);
    let resolved;
    let markdown = if quiet_pass {
        resolved = crate::render::resolved(&report.suite, commit);
        resolved.as_str()
    } else {
        markdown
    };
    let body = github::comment_body(markdown, env.run_url().as_deref(), commit);
    let connection = Connection {
        api_url: env
            .api_url
            .clone()
            .unwrap_or_else(|| "https://api.github.com".into()),
        token,
        policy: RetryPolicy {
            total: options.timeout,
            // Leave room for a retry after a request that hangs.
            request_timeout: (options.timeout / 3).clamp(
                Duration::from_secs(1),
                RetryPolicy::default().request_timeout,
            ),
            ..RetryPolicy::default()
        },
        verbose: options.verbose,
    };
    let target = Target {
        repository: repository.to_string(),
        number,
    };
    let marker = crate::render::marker(&report.suite);
    let post = Post {
        marker: &marker,
        body: &body,
        mode: options.comment,
        // The head check needs the pull request's head commit, which only the
        // event says (GITHUB_SHA is the merge commit of a pull_request run).
        commit: head_sha.as_deref(),
        edit_only: quiet_pass,
    };
    match github::post_comment(connection, &target, &post) {
        Ok(posted) => {
            let what = match &posted.action {
                CommentAction::Created => "PR comment created".to_string(),
                CommentAction::Updated if quiet_pass => "PR comment marked resolved".to_string(),
                CommentAction::Updated => "PR comment updated".to_string(),
                CommentAction::Unchanged => "PR comment unchanged".to_string(),
                CommentAction::Stale { head } => format!(
                    "PR comment left alone: this run's commit is no longer the head of pull request #{number} ({}); the run of the head reports there",
                    head.get(..7).unwrap_or(head)
                ),
                CommentAction::NotNeeded => {
                    "no PR comment: the gate passed (--comment on-failure)".to_string()
                }
            };
            let removed = match posted.removed {
                0 => String::new(),
                n => format!(" ({n} duplicate(s) from a concurrent run deleted)"),
            };
            if posted.url.is_empty() {
                eprintln!("evalgate: {what}{removed}");
            } else {
                eprintln!("evalgate: {what}: {}{removed}", posted.url);
            }
            Ok(Some(posted))
        }
        Err(e) if e.is_unauthorized() => Err(Skip::Fatal(e.into())),
        Err(e) => Err(Skip::Warn(e.to_string())),
    }
}

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
    let tmp = dir.join(format!(".{name}.evalgate-{}.tmp", std::process::id()));
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
    fn the_report_line_goes_before_the_footer_and_only_in_a_run() {
        let link = HtmlLink {
            paths: vec![PathBuf::from("/tmp/out/report.html")],
            changed: 1234,
        };
        assert_eq!(link.line(None), None, "nothing to link to outside a run");
        let run = "https://github.com/acme/bot/actions/runs/42";
        let line = link.line(Some(run)).expect("a line");
        assert!(
            line.starts_with(&format!(
                "📄 **[Full report]({run}#artifacts)**: all 1,234 examples"
            )),
            "{line}"
        );
        assert!(line.contains("<code>report.html</code>"), "{line}");
        let md = "### title\n\n| a |\n\n<sub>footer</sub>\n";
        assert_eq!(
            with_line(md, Some(&line)),
            format!("### title\n\n| a |\n\n{line}\n\n<sub>footer</sub>\n")
        );
        assert_eq!(with_line(md, None), md);
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
