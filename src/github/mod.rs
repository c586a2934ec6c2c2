//! The GitHub REST API side of `--github`: one sticky comment per suite on the
//! pull request, found again by its hidden marker and edited in place. Also the
//! reads behind `--baseline artifact:NAME` (runs, artifacts, the download; see
//! [`crate::load::artifact`]), and the Actions environment ([`actions`]).
//!
//! Bottom layer: both the artifact baseline reader (`load`) and the publisher
//! (`publish`) use this client, so it imports nothing of benchgate; what a
//! report turns into (the comment's markdown, the annotations) is made above it.
//!
//! The only network code of benchgate. Requests go through octocrab with
//! `GITHUB_API_URL` as the base (so GitHub Enterprise's `/api/v3` prefix and
//! test servers work); the retry policy is benchgate's own, bounded in attempts and
//! in time, and honours `Retry-After` and `x-ratelimit-reset`. A create that may
//! have reached GitHub before an error is never repeated blindly: the comments are
//! listed again first, so a pull request gets one comment, never two.
//!
//! Two runs of one pull request may post at the same moment (two pushes a few
//! seconds apart). GitHub has no lock and no conditional edit for comments, so
//! the protocol is: a run whose commit is no longer the pull request's head
//! never writes (`GET /pulls/{n}` says which commit is the head; the newer run
//! reports); after creating its comment a run lists the comments again, and if
//! another run created one for the same suite meanwhile, the oldest stays, holds
//! this run's report, and the newer ones are deleted (only comments whose first
//! line is the suite's marker, never anyone else's). The head is read again just
//! before every edit, so an older run cannot overwrite a newer run's report
//! unless the push lands between that read and the edit.
//!
//! The token lives in a [`SecretString`]: it is sent only as the
//! `Authorization` header to the API host and never logged.

pub mod actions;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::header::{HeaderMap, ACCEPT};
use http::{Method, StatusCode, Uri};
use octocrab::secrecy::SecretString;
use octocrab::Octocrab;
use serde::Deserialize;

/// When `--github` posts the PR comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CommentMode {
    /// Create the comment, or edit it on every run.
    Always,
    /// Create the comment, or edit it only when the report changed.
    #[default]
    OnChange,
    /// Comment only when the gate fails or a metric is inconclusive; when a
    /// later run passes, the existing comment is edited to one "resolved" line
    /// (not deleted: the discussion under it stays readable).
    OnFailure,
    /// Never comment (summary, outputs and annotations only).
    Never,
}

/// Why one API call failed; each message says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// HTTP 401: the token is wrong or expired.
    #[error("GitHub rejected the token (HTTP 401: {message}); pass a valid token: `github-token: ${{{{ github.token }}}}` (the default) to the action, or GITHUB_TOKEN to the binary")]
    Unauthorized {
        /// GitHub's message.
        message: String,
    },
    /// HTTP 403 that is not a rate limit: the token may not do this.
    #[error("the token is not allowed to do this (HTTP 403: {message}); add `permissions: pull-requests: write` to the job. Pull requests from forks get a read-only token whatever the workflow asks: for them the report is in the job summary")]
    Forbidden {
        /// GitHub's message.
        message: String,
    },
    /// HTTP 404.
    #[error("not found (HTTP 404: {message}); check GITHUB_REPOSITORY and that the token can read the repository (`permissions: pull-requests: write` also grants reading)")]
    NotFound {
        /// GitHub's message.
        message: String,
    },
    /// Any other refusal.
    #[error("HTTP {status}: {message}")]
    Status {
        /// The status code.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// Retries ran out of attempts or time.
    #[error("gave up after {attempts} attempt(s) in {seconds} s ({last}); the report is in the job summary. GitHub may be having trouble (https://www.githubstatus.com); raise --github-timeout to wait longer")]
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// Seconds spent.
        seconds: u64,
        /// The last thing that went wrong.
        last: String,
    },
    /// The response is not what GitHub's description documents.
    #[error("GitHub's answer is not what its API description documents ({0}); is GITHUB_API_URL a GitHub API?")]
    BadResponse(String),
    /// A download is larger than benchgate reads.
    #[error("the download is larger than {} MiB, more than benchgate reads", limit / (1024 * 1024))]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

/// A failed GitHub API call: one variant per call benchgate makes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GithubError {
    /// `GITHUB_API_URL` is not an http(s) URL.
    #[error(
        "GITHUB_API_URL \"{url}\" is not an http(s) URL; unset it to use https://api.github.com"
    )]
    ApiUrl {
        /// The value given.
        url: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot start the HTTP client for GitHub: {0}")]
    Client(String),
    /// `GET /repos/{owner}/{repo}/issues/{number}/comments` failed.
    #[error("listing the comments of {on} failed: {failure}")]
    ListComments {
        /// The pull request or issue.
        on: Thread,
        /// Why.
        failure: Failure,
    },
    /// `POST /repos/{owner}/{repo}/issues/{number}/comments` failed.
    #[error("creating benchgate's comment on {on} failed: {failure}")]
    CreateComment {
        /// The pull request or issue.
        on: Thread,
        /// Why.
        failure: Failure,
    },
    /// `GET /repos/{owner}/{repo}/pulls/{number}` failed.
    #[error("reading pull request #{pr} (its head commit) failed: {failure}")]
    PullRequest {
        /// The pull request.
        pr: u64,
        /// Why.
        failure: Failure,
    },
    /// `DELETE /repos/{owner}/{repo}/issues/comments/{id}` failed.
    #[error("deleting benchgate's duplicate comment {id} on {on} failed: {failure}")]
    DeleteComment {
        /// The pull request or issue.
        on: Thread,
        /// The comment.
        id: u64,
        /// Why.
        failure: Failure,
    },
    /// `PATCH /repos/{owner}/{repo}/issues/comments/{id}` failed.
    #[error("editing benchgate's comment {id} on {on} failed: {failure}")]
    UpdateComment {
        /// The pull request or issue.
        on: Thread,
        /// The comment.
        id: u64,
        /// Why.
        failure: Failure,
    },
}

impl GithubError {
    /// The call failed because the token was rejected (HTTP 401).
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            GithubError::ListComments {
                failure: Failure::Unauthorized { .. },
                ..
            } | GithubError::CreateComment {
                failure: Failure::Unauthorized { .. },
                ..
            } | GithubError::UpdateComment {
                failure: Failure::Unauthorized { .. },
                ..
            } | GithubError::DeleteComment {
                failure: Failure::Unauthorized { .. },
                ..
            }
        )
    }
}

/// How hard to try: attempts per call, backoff, and a bound on the whole.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// First backoff; it doubles per attempt, with jitter.
    pub base_delay: Duration,
    /// Largest backoff (a `Retry-After` from GitHub may ask for more).
    pub max_delay: Duration,
    /// One request, connection to last byte.
    pub request_timeout: Duration,
    /// Everything, retries and waits included.
    pub total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
            total: Duration::from_secs(120),
        }
    }
}

/// The pull request (or tracking issue) to comment on.
#[derive(Debug, Clone)]
pub struct Target {
    /// `owner/name`.
    pub repository: String,
    /// The pull request's (or issue's) number.
    pub number: u64,
    /// A tracking issue (`monitor --issue`), not a pull request: it has no
    /// head commit to check the run against.
    pub issue: bool,
}

impl Target {
    /// What the errors name: "pull request #7" or "issue #7".
    pub fn thread(&self) -> Thread {
        if self.issue {
            Thread::Issue(self.number)
        } else {
            Thread::PullRequest(self.number)
        }
    }
}

/// A conversation benchgate comments on (issues and pull requests share
/// GitHub's comment API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thread {
    /// A pull request, by number.
    PullRequest(u64),
    /// An issue, by number.
    Issue(u64),
}

impl std::fmt::Display for Thread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Thread::PullRequest(n) => write!(f, "pull request #{n}"),
            Thread::Issue(n) => write!(f, "issue #{n}"),
        }
    }
}

/// A comment as the API returns it (the fields benchgate reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    /// Its id.
    pub id: u64,
    /// Its markdown.
    #[serde(default)]
    pub body: Option<String>,
    /// Its address on the web.
    pub html_url: String,
}

/// What happened to the comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentAction {
    /// A new comment was created.
    Created,
    /// Ours was edited in place.
    Updated,
    /// Ours already said this (`--comment on-change`).
    Unchanged,
    /// This run's commit is no longer the pull request's head: the comment was
    /// left to the newer run.
    Stale {
        /// The head commit.
        head: String,
    },
    /// `--comment on-failure` on a passing run with no comment to resolve:
    /// nothing was posted.
    NotNeeded,
}

/// The comment after posting.
#[derive(Debug, Clone)]
pub struct Posted {
    /// What was done.
    pub action: CommentAction,
    /// Its address on the web; empty when there is none.
    pub url: String,
    /// Duplicates of the suite's comment (from runs racing this one) deleted.
    pub removed: usize,
}

/// What a run asks of its suite's comment.
#[derive(Debug, Clone, Copy)]
pub struct Post<'a> {
    /// The suite's marker (`<!-- benchgate:suite=NAME -->`).
    pub marker: &'a str,
    /// The comment body (see [`comment_body`]).
    pub body: &'a str,
    /// When to edit.
    pub mode: CommentMode,
    /// The commit the report is of (the pull request's head when the run
    /// started); `None` skips the head check.
    pub commit: Option<&'a str>,
    /// Only edit an existing comment, never create one (the "resolved" line of
    /// `--comment on-failure`).
    pub edit_only: bool,
}

/// GitHub's limit on a comment body, in characters.
pub const MAX_COMMENT_CHARS: usize = 65_536;

/// Ends the line that links a comment to its run; ignored when comparing bodies.
pub const RUN_MARK: &str = "<!-- benchgate:run -->";

/// The comment body: the markdown report, its marker line naming the commit,
/// then a line linking the run, when it fits under GitHub's limit.
pub fn comment_body(markdown: &str, run_url: Option<&str>, sha: Option<&str>) -> String {
    let sha = sha.filter(|s| is_sha(s));
    let mut body = markdown.trim_end().to_string();
    if let Some(sha) = sha {
        let first = body.lines().next().unwrap_or_default();
        if is_marker(first) && first.ends_with(" -->") {
            let tagged = format!("{} commit={sha} -->", &first[..first.len() - 4]);
            body.replace_range(..first.len(), &tagged);
        }
    }
    body.push('\n');
    let mut parts = Vec::new();
    if let Some(url) = run_url {
        let run = url.rsplit('/').next().unwrap_or(url);
        parts.push(format!("[workflow run {run}]({url})"));
    }
    if let Some(sha) = sha {
        parts.push(format!("commit {}", &sha[..7]));
    }
    if !parts.is_empty() {
        let line = format!("\n<sub>{}</sub> {RUN_MARK}\n", parts.join(" · "));
        if body.chars().count() + line.chars().count() <= MAX_COMMENT_CHARS {
            body.push_str(&line);
        }
    }
    body
}

fn is_sha(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A suite's marker, or `monitor`'s on a tracking issue.
fn is_marker(line: &str) -> bool {
    (line.starts_with("<!-- benchgate:suite=") || line == "<!-- benchgate:monitor -->")
        && line.ends_with("-->")
}

/// The first line of a body without its ` commit=SHA` part.
fn marker_of(body: &str) -> Option<String> {
    let first = body
        .trim_start_matches('\u{feff}')
        .lines()
        .next()?
        .trim_end();
    if !is_marker(first) {
        return None;
    }
    Some(match first.rfind(" commit=") {
        Some(i) if first[i + 8..].strip_suffix(" -->").is_some_and(is_sha) => {
            format!("{} -->", &first[..i])
        }
        _ => first.to_string(),
    })
}

#[cfg(any(test, feature = "internals"))]
/// The commit a comment's marker line names, if any.
pub fn commit_of(body: &str) -> Option<&str> {
    let first = body
        .trim_start_matches('\u{feff}')
        .lines()
        .next()?
        .trim_end();
    let i = first.rfind(" commit=")?;
    first[i + 8..].strip_suffix(" -->").filter(|s| is_sha(s))
}

/// Whether two commit ids name the same commit (one may be abbreviated).
fn same_commit(a: &str, b: &str) -> bool {
    let n = a.len().min(b.len());
    n >= 7 && a[..n].eq_ignore_ascii_case(&b[..n])
}

/// Whether a comment is the one benchgate keeps for `marker`'s suite: its first
/// line is exactly the marker, with or without the commit it reports on. A
/// comment that only mentions benchgate, quotes the marker further down, or
/// carries another suite's marker is someone else's.
pub fn is_ours(body: &str, marker: &str) -> bool {
    marker_of(body).is_some_and(|m| m == marker)
}

/// Whether two bodies say the same, ignoring the run line, the marker's commit
/// and line endings (GitHub may hand bodies back with `\r\n`).
pub fn same_report(a: &str, b: &str) -> bool {
    fn content(s: &str) -> Vec<&str> {
        let mut lines: Vec<&str> = s
            .lines()
            .filter(|l| !l.trim_end().ends_with(RUN_MARK))
            .map(str::trim_end)
            .collect();
        if let Some(first) = lines.first_mut() {
            if let Some(i) = first.rfind(" commit=").filter(|_| is_marker(first)) {
                *first = &first[..i];
            }
        }
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        lines
    }
    content(a) == content(b)
}

/// The URL of the `rel="next"` page in a `Link` header.
pub fn next_link(link: &str) -> Option<&str> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p == "rel=\"next\"" || p == "rel=next"
        });
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then_some(url)
    })
}

/// The path and query of `url` when it points into the API at `base` (same
/// scheme, host and port, under its path); `None` for any other host.
pub fn on_api_host(base: &Uri, url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    let port = |u: &Uri| {
        u.port_u16().or(match u.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        })
    };
    let same = uri.scheme() == base.scheme()
        && uri
            .host()
            .zip(base.host())
            .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
        && port(&uri) == port(base);
    let prefix = base.path().trim_end_matches('/');
    let pq = uri.path_and_query()?;
    let under = pq.path() == prefix || pq.path().starts_with(&format!("{prefix}/"));
    (same && under).then(|| pq.as_str().to_string())
}

/// One response, read whole.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq)]
enum Attempt {
    /// Worth another try, after `wait` when GitHub said how long.
    Retry { why: String, wait: Option<Duration> },
    /// Final.
    Fail(Failure),
}

/// GitHub's `message`, or the start of the body, on one line.
fn message(body: &str) -> String {
    let text = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| body.to_string());
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    let t = one_line.trim();
    if t.is_empty() {
        "no message".into()
    } else {
        t.to_string()
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// How long GitHub asks to wait: `Retry-After` seconds, or until
/// `x-ratelimit-reset` when no requests remain.
fn requested_wait(headers: &HeaderMap, now_epoch: u64) -> Option<Duration> {
    if let Some(secs) = header(headers, "retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    if header(headers, "x-ratelimit-remaining") == Some("0") {
        let reset = header(headers, "x-ratelimit-reset")?.parse::<u64>().ok()?;
        return Some(Duration::from_secs(reset.saturating_sub(now_epoch) + 1));
    }
    None
}

/// Sorts a non-success response into retry or failure.
fn classify(status: StatusCode, headers: &HeaderMap, body: &str, now_epoch: u64) -> Attempt {
    let msg = message(body);
    let wait = requested_wait(headers, now_epoch);
    let rate_limited = wait.is_some() || msg.to_ascii_lowercase().contains("rate limit");
    match status.as_u16() {
        401 => Attempt::Fail(Failure::Unauthorized { message: msg }),
        403 | 429 if rate_limited => Attempt::Retry {
            why: format!("HTTP {}: {msg}", status.as_u16()),
            // GitHub's advice for a secondary rate limit without a header: a minute.
            wait: wait.or(Some(Duration::from_secs(60))),
        },
        429 => Attempt::Retry {
            why: format!("HTTP 429: {msg}"),
            wait: None,
        },
        403 => Attempt::Fail(Failure::Forbidden { message: msg }),
        404 => Attempt::Fail(Failure::NotFound { message: msg }),
        s if status.is_server_error() => Attempt::Retry {
            why: format!("HTTP {s}: {msg}"),
            wait,
        },
        s => Attempt::Fail(Failure::Status {
            status: s,
            message: msg,
        }),
    }
}

/// The backoff of GitHub's retry policy ([`backoff_delay`]).
fn backoff(policy: &RetryPolicy, attempt: u32, unit_random: f64) -> Duration {
    backoff_delay(policy.base_delay, policy.max_delay, attempt, unit_random)
}

/// Exponential backoff with jitter: between half and all of
/// `base · 2^(attempt−1)`, at most `max`. The one rule of every HTTP client
/// here (GitHub's, and the LLM judges').
pub(crate) fn backoff_delay(
    base: Duration,
    max: Duration,
    attempt: u32,
    unit_random: f64,
) -> Duration {
    let exp = base
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .min(max);
    exp.mul_f64(0.5 + 0.5 * unit_random.clamp(0.0, 1.0))
}

/// A number in [0, 1) for jitter, from the standard library's random hasher
/// keys (no random-number crate in the client).
pub(crate) fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let x = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A GitHub API client with benchgate's retry policy.
pub struct GitHub {
    octo: Octocrab,
    base: Uri,
    policy: RetryPolicy,
    started: Instant,
    verbose: bool,
}

impl GitHub {
    /// A client for the API at `api_url`; must be called inside a Tokio runtime.
    pub fn new(
        api_url: &str,
        token: SecretString,
        policy: RetryPolicy,
        verbose: bool,
    ) -> Result<Self, GithubError> {
        let bad_url = || GithubError::ApiUrl {
            url: api_url.to_string(),
        };
        let base: Uri = api_url
            .trim_end_matches('/')
            .parse()
            .map_err(|_| bad_url())?;
        if !matches!(base.scheme_str(), Some("http" | "https")) || base.host().is_none() {
            return Err(bad_url());
        }
        let octo = Octocrab::builder()
            .base_uri(base.clone())
            .map_err(|_| bad_url())?
            .personal_token(token)
            // Prism, like some proxies, answers 406 to the bare vendor type.
            .add_header(
                ACCEPT,
                "application/vnd.github+json, application/json".into(),
            )
            .set_connect_timeout(Some(policy.request_timeout))
            .set_read_timeout(Some(policy.request_timeout))
            .build()
            .map_err(|e| GithubError::Client(e.to_string()))?;
        Ok(GitHub {
            octo,
            base,
            policy,
            started: Instant::now(),
            verbose,
        })
    }

    fn log(&self, line: &str) {
        if self.verbose {
            eprintln!("benchgate: {line}");
        }
    }

    /// One request; `route` is a path (and query) under the API base.
    async fn once(
        &self,
        method: &Method,
        route: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, Attempt> {
        self.once_accepting(method, route, body, StatusCode::is_success)
            .await
    }

    /// [`Self::once`], with `accept` saying which statuses are an answer.
    async fn once_accepting(
        &self,
        method: &Method,
        route: &str,
        body: Option<&serde_json::Value>,
        accept: fn(&StatusCode) -> bool,
    ) -> Result<Reply, Attempt> {
        let remaining = self.policy.total.saturating_sub(self.started.elapsed());
        let limit = self.policy.request_timeout.min(remaining);
        let t0 = Instant::now();
        let request = async {
            let response = match *method {
                Method::POST => self.octo._post(route, body).await,
                Method::PATCH => self.octo._patch(route, body).await,
                Method::DELETE => self.octo._delete(route, body).await,
                _ => self.octo._get(route).await,
            }?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = self.octo.body_to_string(response).await?;
            Ok::<_, octocrab::Error>(Reply {
                status,
                headers,
                body,
            })
        };
        let result = tokio::time::timeout(limit, request).await;
        let ms = t0.elapsed().as_millis();
        match result {
            Err(_) => {
                self.log(&format!("{method} {route} timed out after {ms} ms"));
                Err(Attempt::Retry {
                    why: format!("no answer within {} s", limit.as_secs_f64().ceil()),
                    wait: None,
                })
            }
            Ok(Err(e)) => {
                let why = error_chain(&e);
                self.log(&format!("{method} {route} failed after {ms} ms: {why}"));
                Err(Attempt::Retry { why, wait: None })
            }
            Ok(Ok(reply)) => {
                self.log(&format!(
                    "{method} {route} -> {} ({ms} ms)",
                    reply.status.as_u16()
                ));
                if accept(&reply.status) {
                    Ok(reply)
                } else {
                    Err(classify(
                        reply.status,
                        &reply.headers,
                        &reply.body,
                        now_epoch(),
                    ))
                }
            }
        }
    }

    /// Waits before attempt `attempt + 1`, or says why not.
    async fn pause(
        &self,
        attempt: u32,
        why: String,
        wait: Option<Duration>,
    ) -> Result<(), Failure> {
        let elapsed = self.started.elapsed();
        let give_up = |last: String| Failure::GaveUp {
            attempts: attempt,
            seconds: elapsed.as_secs(),
            last,
        };
        if attempt >= self.policy.max_attempts {
            return Err(give_up(why));
        }
        let delay = wait.unwrap_or_else(|| backoff(&self.policy, attempt, unit_random()));
        if elapsed + delay >= self.policy.total {
            return Err(give_up(format!(
                "{why}; the next try would be in {} s, past --github-timeout",
                delay.as_secs_f64().ceil()
            )));
        }
        self.log(&format!("retrying in {:.1} s ({why})", delay.as_secs_f64()));
        tokio::time::sleep(delay).await;
        Ok(())
    }

    /// A request that is safe to repeat, retried by the policy.
    async fn send(
        &self,
        method: Method,
        route: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, Failure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.once(&method, route, body).await {
                Ok(reply) => return Ok(reply),
                Err(Attempt::Fail(f)) => return Err(f),
                Err(Attempt::Retry { why, wait }) => self.pause(attempt, why, wait).await?,
            }
        }
    }

    /// Every comment of the pull request (or issue), page by page; `next` links are followed
    /// only on the API host.
    pub async fn list_comments(&self, target: &Target) -> Result<Vec<Comment>, GithubError> {
        const MAX_PAGES: usize = 100;
        let err = |failure| GithubError::ListComments {
            on: target.thread(),
            failure,
        };
        let mut route = format!(
            "/repos/{}/issues/{}/comments?per_page=100",
            target.repository, target.number
        );
        let mut comments = Vec::new();
        for _ in 0..MAX_PAGES {
            let reply = self.send(Method::GET, &route, None).await.map_err(err)?;
            let page: Vec<Comment> = serde_json::from_str(&reply.body)
                .map_err(|e| err(Failure::BadResponse(format!("comment list: {e}"))))?;
            comments.extend(page);
            let Some(next) = header(&reply.headers, "link").and_then(next_link) else {
                break;
            };
            match on_api_host(&self.base, next) {
                Some(next_route) => route = next_route,
                None => {
                    self.log("not following a next-page link that leaves the API host");
                    break;
                }
            }
        }
        Ok(comments)
    }

    /// Edits comment `id` in place (PATCH, as GitHub documents it).
    pub async fn update_comment(
        &self,
        target: &Target,
        id: u64,
        body: &str,
    ) -> Result<Comment, GithubError> {
        let err = |failure| GithubError::UpdateComment {
            on: target.thread(),
            id,
            failure,
        };
        let route = format!("/repos/{}/issues/comments/{id}", target.repository);
        let json = serde_json::json!({ "body": body });
        let reply = self
            .send(Method::PATCH, &route, Some(&json))
            .await
            .map_err(err)?;
        serde_json::from_str(&reply.body)
            .map_err(|e| err(Failure::BadResponse(format!("edited comment: {e}"))))
    }

    /// Deletes comment `id`; one that is gone already (a racing run deleted
    /// it) counts as deleted.
    pub async fn delete_comment(&self, target: &Target, id: u64) -> Result<(), GithubError> {
        let route = format!("/repos/{}/issues/comments/{id}", target.repository);
        match self.send(Method::DELETE, &route, None).await {
            Ok(_) | Err(Failure::NotFound { .. }) => Ok(()),
            Err(failure) => Err(GithubError::DeleteComment {
                on: target.thread(),
                id,
                failure,
            }),
        }
    }

    /// The pull request's head commit (`GET /repos/{owner}/{repo}/pulls/{n}`).
    pub async fn head_commit(&self, target: &Target) -> Result<String, GithubError> {
        #[derive(Deserialize)]
        struct Head {
            sha: String,
        }
        #[derive(Deserialize)]
        struct Pull {
            head: Head,
        }
        let route = format!("/repos/{}/pulls/{}", target.repository, target.number);
        let pull: Pull = self
            .get_json(&route, "pull request")
            .await
            .map_err(|failure| GithubError::PullRequest {
                pr: target.number,
                failure,
            })?;
        Ok(pull.head.sha)
    }

    /// The head commit when it is not `commit` (this run is stale); `None`
    /// when this run is the head's or the head cannot be read (the check is a
    /// guard against an older report, not a reason to post nothing).
    async fn newer_head(&self, target: &Target, commit: Option<&str>) -> Option<String> {
        let commit = commit?;
        match self.head_commit(target).await {
            Ok(head) if !same_commit(&head, commit) => Some(head),
            Ok(_) => None,
            Err(e) => {
                eprintln!("benchgate: cannot tell whether {commit} is still the head of pull request #{} ({e}); posting anyway", target.number);
                None
            }
        }
    }

    /// The suite's comments, oldest first.
    async fn ours(&self, target: &Target, marker: &str) -> Result<Vec<Comment>, GithubError> {
        let mut ours: Vec<Comment> = self
            .list_comments(target)
            .await?
            .into_iter()
            .filter(|c| c.body.as_deref().is_some_and(|b| is_ours(b, marker)))
            .collect();
        // Comment ids grow with creation time.
        ours.sort_by_key(|c| c.id);
        Ok(ours)
    }

    /// Writes the report into `keep` (unless it says the same already under
    /// `on-change`/`on-failure`), then deletes the other comments of the suite.
    async fn settle(
        &self,
        target: &Target,
        post: &Post<'_>,
        keep: &Comment,
        others: &[Comment],
        fresh: bool,
    ) -> Result<Posted, GithubError> {
        let old = keep.body.as_deref().unwrap_or_default();
        let done = if fresh {
            CommentAction::Created
        } else {
            CommentAction::Updated
        };
        let mut url = keep.html_url.clone();
        let action = if fresh && old == post.body {
            done
        } else if post.mode != CommentMode::Always && same_report(old, post.body) {
            if fresh {
                done
            } else {
                CommentAction::Unchanged
            }
        } else if let Some(head) = self.newer_head(target, post.commit).await {
            CommentAction::Stale { head }
        } else {
            url = self
                .update_comment(target, keep.id, post.body)
                .await?
                .html_url;
            done
        };
        for other in others {
            self.delete_comment(target, other.id).await?;
        }
        Ok(Posted {
            action,
            url,
            removed: others.len(),
        })
    }

    /// Creates or edits the suite's comment (found by its marker), keeping
    /// exactly one per suite when runs race (see the module documentation).
    pub async fn upsert_comment(
        &self,
        target: &Target,
        post: &Post<'_>,
    ) -> Result<Posted, GithubError> {
        let create_err = |failure| GithubError::CreateComment {
            on: target.thread(),
            failure,
        };
        let route = format!(
            "/repos/{}/issues/{}/comments",
            target.repository, target.number
        );
        let json = serde_json::json!({ "body": post.body });
        let mut attempt = 0;
        let mut checked = false;
        loop {
            let ours = self.ours(target, post.marker).await?;
            // A run whose commit is no longer the head leaves the comment to
            // the run of the head (checked once, after the first listing).
            if !std::mem::replace(&mut checked, true) {
                if let Some(head) = self.newer_head(target, post.commit).await {
                    let url = ours.first().map(|c| c.html_url.clone()).unwrap_or_default();
                    return Ok(Posted {
                        action: CommentAction::Stale { head },
                        url,
                        removed: 0,
                    });
                }
            }
            if let Some((keep, others)) = ours.split_first() {
                return self.settle(target, post, keep, others, false).await;
            }
            if post.edit_only {
                return Ok(Posted {
                    action: CommentAction::NotNeeded,
                    url: String::new(),
                    removed: 0,
                });
            }
            attempt += 1;
            match self.once(&Method::POST, &route, Some(&json)).await {
                Ok(reply) => {
                    let created: Comment = serde_json::from_str(&reply.body).map_err(|e| {
                        create_err(Failure::BadResponse(format!("created comment: {e}")))
                    })?;
                    // Another run may have created the suite's comment at the
                    // same moment: the oldest stays and holds this report.
                    let ours = self.ours(target, post.marker).await?;
                    let Some((keep, others)) = ours.split_first() else {
                        // Ours is not listed yet (or a racing run deleted it
                        // after keeping an older one that is gone too).
                        return Ok(Posted {
                            action: CommentAction::Created,
                            url: created.html_url,
                            removed: 0,
                        });
                    };
                    let fresh = keep.id == created.id;
                    return self.settle(target, post, keep, others, fresh).await;
                }
                Err(Attempt::Fail(f)) => return Err(create_err(f)),
                // The create may have been applied before the error: the loop
                // lists the comments again before creating.
                Err(Attempt::Retry { why, wait }) => {
                    self.pause(attempt, why, wait).await.map_err(create_err)?;
                }
            }
        }
    }
}

/// The calls behind `--baseline artifact:NAME` ([`crate::load::artifact`]): read
/// JSON, follow a download's redirect, fetch the download without the token.
impl GitHub {
    /// GETs `route` (retried by the policy) and parses the JSON answer; `what`
    /// names the answer in errors.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        what: &str,
    ) -> Result<T, Failure> {
        let reply = self.send(Method::GET, route, None).await?;
        serde_json::from_str(&reply.body).map_err(|e| Failure::BadResponse(format!("{what}: {e}")))
    }

    /// GETs `route`, which GitHub answers with a redirect, and returns the
    /// absolute address it points to.
    pub async fn get_redirect(&self, route: &str) -> Result<String, Failure> {
        let mut attempt = 0;
        let reply = loop {
            attempt += 1;
            match self
                .once_accepting(&Method::GET, route, None, StatusCode::is_redirection)
                .await
            {
                Ok(reply) => break reply,
                Err(Attempt::Fail(f)) => return Err(f),
                Err(Attempt::Retry { why, wait }) => self.pause(attempt, why, wait).await?,
            }
        };
        let location = header(&reply.headers, "location").ok_or_else(|| {
            Failure::BadResponse(format!(
                "HTTP {} without a Location header",
                reply.status.as_u16()
            ))
        })?;
        if location.starts_with('/') && !location.starts_with("//") {
            let origin = format!(
                "{}://{}",
                self.base.scheme_str().unwrap_or("https"),
                self.base
                    .authority()
                    .map(|a| a.as_str())
                    .unwrap_or_default()
            );
            return Ok(format!("{origin}{location}"));
        }
        Ok(location.to_string())
    }

    /// Downloads `url`, at most `limit` bytes, retried by the policy. The
    /// address is off the API host (an artifact's signed storage address), so
    /// the request goes through a client that has no token: the storage host
    /// never sees it. The address itself is signed and is not logged.
    pub async fn download(&self, url: &str, limit: usize) -> Result<Vec<u8>, Failure> {
        let uri: Uri = url
            .parse()
            .map_err(|_| Failure::BadResponse("the download address is not a URL".into()))?;
        // Plain http only when the API itself is (a test server on loopback).
        let scheme_ok = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => self.base.scheme_str() == Some("http"),
            _ => false,
        };
        let host = match uri.host() {
            Some(h) if scheme_ok => h.to_string(),
            _ => {
                return Err(Failure::BadResponse(
                    "the download address is not an https URL".into(),
                ))
            }
        };
        let client = Octocrab::builder()
            .set_connect_timeout(Some(self.policy.request_timeout))
            .set_read_timeout(Some(self.policy.request_timeout))
            .build()
            .map_err(|e| Failure::BadResponse(format!("cannot start the download client: {e}")))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The transfer may take longer than one API call: it gets what is
            // left of the whole budget.
            let remaining = self.policy.total.saturating_sub(self.started.elapsed());
            let t0 = Instant::now();
            let result = tokio::time::timeout(remaining, fetch(&client, &uri, limit)).await;
            let ms = t0.elapsed().as_millis();
            let outcome = match result {
                Err(_) => Attempt::Retry {
                    why: format!(
                        "the download did not finish within {} s",
                        remaining.as_secs_f64().ceil()
                    ),
                    wait: None,
                },
                Ok(outcome) => match outcome {
                    Ok(bytes) => {
                        self.log(&format!(
                            "GET (download from {host}) -> {} bytes ({ms} ms)",
                            bytes.len()
                        ));
                        return Ok(bytes);
                    }
                    Err(a) => a,
                },
            };
            match outcome {
                Attempt::Fail(f) => {
                    self.log(&format!("GET (download from {host}) failed: {f}"));
                    return Err(f);
                }
                Attempt::Retry { why, wait } => {
                    self.log(&format!("GET (download from {host}) failed: {why}"));
                    self.pause(attempt, why, wait).await?;
                }
            }
        }
    }
}

/// One download attempt: the body when the status is a success.
async fn fetch(client: &Octocrab, uri: &Uri, limit: usize) -> Result<Vec<u8>, Attempt> {
    use http_body_util::{BodyExt, Limited};
    let retry = |why: String| Attempt::Retry { why, wait: None };
    let response = client
        ._get(uri.clone())
        .await
        .map_err(|e| retry(error_chain(&e)))?;
    let status = response.status();
    let too_large = Attempt::Fail(Failure::TooLarge { limit });
    let declared = header(response.headers(), "content-length").and_then(|v| v.parse::<u64>().ok());
    if status.is_success() && declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large);
    }
    let body = Limited::new(response.into_body(), limit)
        .collect()
        .await
        .map(|c| c.to_bytes().to_vec());
    match body {
        Ok(bytes) if status.is_success() => Ok(bytes),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large),
        Err(e) => Err(retry(format!("reading the download: {e}"))),
        Ok(bytes) => {
            let msg = message(&String::from_utf8_lossy(&bytes));
            let why = format!("HTTP {}: {msg}", status.as_u16());
            if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                Err(retry(why))
            } else {
                Err(Attempt::Fail(Failure::Status {
                    status: status.as_u16(),
                    message: msg,
                }))
            }
        }
    }
}

/// An error and its causes on one line (octocrab's `Display` stops at the top).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![first_line(&e.to_string())];
    let mut source = e.source();
    while let Some(s) = source {
        let line = first_line(&s.to_string());
        // hyper repeats a cause inside its own message: say it once.
        if !parts.last().is_some_and(|p| p.ends_with(&line)) {
            parts.push(line);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_string()
}

/// Where and how to reach the API.
pub struct Connection {
    /// `GITHUB_API_URL`.
    pub api_url: String,
    /// The token.
    pub token: SecretString,
    /// Retries and time bounds.
    pub policy: RetryPolicy,
    /// Log each request (method, path, status; never headers) to stderr.
    pub verbose: bool,
}

/// Creates or edits the suite's comment, blocking: a current-thread Tokio
/// runtime lives for this call only.
pub fn post_comment(
    connection: Connection,
    target: &Target,
    post: &Post<'_>,
) -> Result<Posted, GithubError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| GithubError::Client(e.to_string()))?;
    runtime.block_on(async {
        let Connection {
            api_url,
            token,
            policy,
            verbose,
        } = connection;
        let github = GitHub::new(&api_url, token, policy, verbose)?;
        github.upsert_comment(target, post).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn only_a_first_line_marker_makes_a_comment_ours() {
        let m = "<!-- benchgate:suite=default -->";
        assert!(is_ours("<!-- benchgate:suite=default -->\n### report", m));
        assert!(is_ours("<!-- benchgate:suite=default -->\r\n### report", m));
        assert!(!is_ours(
            "benchgate is great <!-- benchgate:suite=default -->",
            m
        ));
        assert!(!is_ours("> quoted\n<!-- benchgate:suite=default -->", m));
        assert!(!is_ours("<!-- benchgate:suite=default-2 -->\n", m));
        // The marker line may name the commit it reports on.
        let tagged = "<!-- benchgate:suite=default commit=0123abc -->\n### report";
        assert!(is_ours(tagged, m));
        assert_eq!(commit_of(tagged), Some("0123abc"));
        assert!(!is_ours("<!-- benchgate:suite=default commit=zz -->\n", m));
        assert!(!is_ours(
            "<!-- benchgate:suite=default-2 commit=0123abc -->\n",
            m
        ));
        assert!(!is_ours("", m));
    }

    #[test]
    fn the_body_names_its_commit_and_still_compares_by_content() {
        let sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
        let body = comment_body("<!-- benchgate:suite=s -->\n### r\n", None, Some(sha));
        assert!(body.starts_with(&format!("<!-- benchgate:suite=s commit={sha} -->\n### r")));
        assert_eq!(commit_of(&body), Some(sha));
        let other = comment_body("<!-- benchgate:suite=s -->\n### r\n", None, Some("abcdef0"));
        assert!(same_report(&body, &other), "only the commit differs");
        assert!(!same_report(
            &body,
            &comment_body("<!-- benchgate:suite=s -->\n### q\n", None, Some(sha))
        ));
        assert!(same_commit(sha, "ec26c3e") && !same_commit(sha, "ec26c3f"));
        // Text that is not a marker is left as it is.
        assert_eq!(
            comment_body("### r", None, Some(sha)).lines().next(),
            Some("### r")
        );
    }

    #[test]
    fn bodies_compare_without_the_run_line_and_line_endings() {
        let a = comment_body(
            "<!-- m -->\nreport\n",
            Some("https://g/r/actions/runs/1"),
            None,
        );
        let b = comment_body(
            "<!-- m -->\r\nreport",
            Some("https://g/r/actions/runs/2"),
            None,
        );
        assert_ne!(a, b);
        assert!(same_report(&a, &b));
        assert!(!same_report(&a, "<!-- m -->\nother report\n"));
        assert!(a.contains("[workflow run 1](https://g/r/actions/runs/1)"));
    }

    #[test]
    fn the_run_line_never_breaks_the_size_limit() {
        let big = "x".repeat(MAX_COMMENT_CHARS - 5);
        let body = comment_body(&big, Some("https://g/r/actions/runs/1"), Some("abcdef1234"));
        assert!(!body.contains(RUN_MARK));
    }

    #[test]
    fn next_links_are_parsed_and_kept_on_the_api_host() {
        let link = "<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel=\"next\", <https://api.github.com/x?page=5>; rel=\"last\"";
        let next = next_link(link).expect("next");
        assert_eq!(
            next,
            "https://api.github.com/repositories/1/issues/2/comments?page=2"
        );
        assert_eq!(next_link("<https://a/x?page=1>; rel=\"prev\""), None);
        let base: Uri = "https://api.github.com".parse().expect("uri");
        assert_eq!(
            on_api_host(&base, next).as_deref(),
            Some("/repositories/1/issues/2/comments?page=2")
        );
        assert_eq!(
            on_api_host(&base, "https://API.github.com:443/x").as_deref(),
            Some("/x")
        );
        for elsewhere in [
            "https://evil.example/x?page=2",
            "http://api.github.com/x",
            "https://api.github.com:8443/x",
            "/relative?page=2",
        ] {
            assert_eq!(on_api_host(&base, elsewhere), None, "{elsewhere}");
        }
        let ghe: Uri = "http://127.0.0.1:8080/api/v3".parse().expect("uri");
        assert_eq!(
            on_api_host(&ghe, "http://127.0.0.1:8080/api/v3/repos/a/b?page=2").as_deref(),
            Some("/api/v3/repos/a/b?page=2")
        );
        assert_eq!(on_api_host(&ghe, "http://127.0.0.1:8080/other/x"), None);
        assert_eq!(on_api_host(&ghe, "http://127.0.0.1:8080/api/v3x/y"), None);
    }

    #[test]
    fn responses_are_sorted_into_retries_and_failures() {
        let none = HeaderMap::new();
        let c = |s: u16, h: &HeaderMap, b: &str| {
            classify(StatusCode::from_u16(s).expect("status"), h, b, 1_000)
        };
        assert!(matches!(
            c(401, &none, r#"{"message":"Bad credentials"}"#),
            Attempt::Fail(Failure::Unauthorized { message }) if message == "Bad credentials"
        ));
        assert!(matches!(
            c(
                403,
                &none,
                r#"{"message":"Resource not accessible by integration"}"#
            ),
            Attempt::Fail(Failure::Forbidden { .. })
        ));
        assert_eq!(
            c(502, &none, "<html>bad gateway</html>"),
            Attempt::Retry {
                why: "HTTP 502: <html>bad gateway</html>".into(),
                wait: None
            }
        );
        let retry_after = headers(&[("retry-after", "7")]);
        assert!(matches!(
            c(403, &retry_after, r#"{"message":"You have exceeded a secondary rate limit"}"#),
            Attempt::Retry { wait: Some(w), .. } if w == Duration::from_secs(7)
        ));
        let reset = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1010"),
        ]);
        assert!(matches!(
            c(403, &reset, r#"{"message":"API rate limit exceeded"}"#),
            Attempt::Retry { wait: Some(w), .. } if w == Duration::from_secs(11)
        ));
        assert!(matches!(
            c(403, &none, r#"{"message":"You have exceeded a secondary rate limit."}"#),
            Attempt::Retry { wait: Some(w), .. } if w == Duration::from_secs(60)
        ));
        assert!(matches!(
            c(422, &none, r#"{"message":"Validation Failed"}"#),
            Attempt::Fail(Failure::Status { status: 422, .. })
        ));
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(backoff(&p, 1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(&p, 1, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(&p, 3, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(&p, 30, 1.0), p.max_delay);
        let r = unit_random();
        assert!((0.0..1.0).contains(&r));
    }

    #[test]
    fn messages_are_one_short_line() {
        assert_eq!(message("line1\nline2"), "line1 line2");
        assert_eq!(message(""), "no message");
        assert_eq!(message(&"x".repeat(1000)).len(), 300);
    }

    #[test]
    fn bad_api_urls_are_named() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            for url in ["ftp://x", "not a url", "/relative"] {
                let e = GitHub::new(
                    url,
                    SecretString::from("t".to_string()),
                    RetryPolicy::default(),
                    false,
                )
                .err()
                .expect("error");
                assert!(e.to_string().contains("GITHUB_API_URL"), "{e}");
            }
        });
    }
}
