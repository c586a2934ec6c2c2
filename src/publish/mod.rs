//! Writing outputs. Files are written through [`crate::atomic`] (a temporary
//! file beside the target, then renamed), so a failed run never leaves half a
//! file and the previous file stays intact. With `--github` the report also
//! goes to GitHub Actions: the job summary, step outputs and annotations
//! ([`annotations`], [`actions`]), and the sticky PR comment ([`github`], the
//! only network code).
//!
//! The writer ([`crate::atomic`]), the GitHub client ([`crate::github`]) and
//! the Actions environment ([`crate::github::actions`]) sit in the bottom
//! layer: the artifact baseline reader and the exec cache use them too.

pub mod annotations;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use octocrab::secrecy::SecretString;

use crate::atomic::write_atomic;
use crate::error::Error;
use crate::github::actions::{self, ActionsEnv, ActionsError, Event};
use crate::github::{
    self, CommentAction, CommentMode, Connection, GithubError, Post, Posted, RetryPolicy, Target,
};
use crate::report::{GateVerdict, Report};

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
                format!("<code>{}</code>", crate::escape::html_text(&name))
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
        .join(format!("benchgate-{name}.json"))
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
) -> std::result::Result<(), PublishError> {
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
    let title = format!("benchgate · {}", report.suite);
    let mut lines = annotations::annotations(report);
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
        let (regressions, improvements) = annotations::regressions_and_improvements(report);
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
        None => Ok(()),
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
    let token = env
        .token
        .clone()
        .ok_or_else(|| Skip::Warn(no_token("PR")))?;
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
    let connection = connection(env, options, token);
    let target = Target {
        repository: repository.to_string(),
        number,
        issue: false,
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
                eprintln!("benchgate: {what}{removed}");
            } else {
                eprintln!("benchgate: {what}: {}{removed}", posted.url);
            }
            Ok(Some(posted))
        }
        Err(e) if e.is_unauthorized() => Err(Skip::Fatal(e.into())),
        Err(e) => Err(Skip::Warn(e.to_string())),
    }
}

/// Why a comment cannot be posted without a token.
fn no_token(what: &str) -> String {
    format!("no {what} comment: GITHUB_TOKEN is empty; pass `github-token: ${{{{ github.token }}}}` (the default) to the action, or set GITHUB_TOKEN")
}

/// The API connection of a run: `GITHUB_API_URL` (github.com by default), the
/// token, and retries bounded by `--github-timeout`.
fn connection(env: &ActionsEnv, options: &GithubOptions, token: SecretString) -> Connection {
    Connection {
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
    }
}

/// The marker of `benchgate monitor`'s comment on a tracking issue.
pub const MONITOR_MARKER: &str = "<!-- benchgate:monitor -->";

/// Publishes a rendered `monitor` report to GitHub Actions: the job summary,
/// the step outputs (`alarm`, `reasons`, `comment-url`) and, with
/// `issue`, one comment on that tracking issue, edited in place week after
/// week (found by [`MONITOR_MARKER`]). As with the PR comment, only a
/// rejected token (or an unwritable Actions file) is an error; any other
/// failure to comment is a `::warning` printed to `out`, after everything else
/// has been written.
pub fn monitor_github(
    markdown: &str,
    alarm: bool,
    reasons: &[String],
    issue: Option<u64>,
    options: &GithubOptions,
    env: &ActionsEnv,
    out: &mut dyn Write,
) -> std::result::Result<(), PublishError> {
    if let Some(path) = &env.step_summary {
        actions::append_summary(path, markdown)?;
    }
    let (posted, fatal) = match issue.map(|n| issue_comment(markdown, n, options, env)) {
        None => (None, None),
        Some(Ok(posted)) => (Some(posted), None),
        Some(Err(Skip::Warn(w))) => {
            let line = actions::command("warning", "benchgate monitor", &w);
            writeln!(out, "{line}").map_err(PublishError::Stdout)?;
            (None, None)
        }
        Some(Err(Skip::Fatal(e))) => (None, Some(e)),
    };
    if let Some(path) = &env.output {
        actions::write_outputs(
            path,
            &[
                ("alarm", alarm.to_string()),
                ("reasons", reasons.join("; ")),
                ("comment-url", posted.map(|p| p.url).unwrap_or_default()),
            ],
        )?;
    }
    match fatal {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Creates or edits the monitor's comment on tracking issue `number`.
fn issue_comment(
    markdown: &str,
    number: u64,
    options: &GithubOptions,
    env: &ActionsEnv,
) -> std::result::Result<Posted, Skip> {
    let repository = env.repository().ok_or_else(|| {
        Skip::Warn("no issue comment: GITHUB_REPOSITORY is not set to owner/name".into())
    })?;
    let token = env
        .token
        .clone()
        .ok_or_else(|| Skip::Warn(no_token("issue")))?;
    let body = github::comment_body(
        &format!("{MONITOR_MARKER}\n{markdown}"),
        env.run_url().as_deref(),
        None,
    );
    let target = Target {
        repository: repository.to_string(),
        number,
        issue: true,
    };
    let post = Post {
        marker: MONITOR_MARKER,
        body: &body,
        mode: CommentMode::OnChange,
        commit: None,
        edit_only: false,
    };
    match github::post_comment(connection(env, options, token), &target, &post) {
        Ok(posted) => {
            let what = match posted.action {
                CommentAction::Created => "issue comment created",
                CommentAction::Unchanged => "issue comment unchanged",
                _ => "issue comment updated",
            };
            eprintln!("benchgate: {what} on issue #{number}: {}", posted.url);
            Ok(posted)
        }
        Err(e) if e.is_unauthorized() => Err(Skip::Fatal(e.into())),
        Err(e) => Err(Skip::Warn(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
