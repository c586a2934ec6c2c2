//! Baselines from GitHub Actions artifacts: `artifact:NAME[:PATH]` is the file
//! PATH inside the artifact NAME of the latest successful run of a workflow on
//! the pull request's base branch, read through the GitHub REST API.
//!
//! The lookup, in the order a reader would do it by hand:
//!
//! 1. the base branch: `--artifact-branch`, else `GITHUB_BASE_REF`, else the
//!    pull request (or merge queue) in the event payload;
//! 2. the workflow: `--artifact-workflow`, else the running workflow's file
//!    (`GITHUB_WORKFLOW_REF`), else `GITHUB_WORKFLOW` (a file, or a name looked up
//!    among the repository's workflows);
//! 3. its latest successful run on that branch (`status=success`), skipping runs
//!    of pull requests and of forks: a fork's branch may share the base branch's
//!    name, and its artifacts must never become the baseline;
//! 4. the run's artifact named NAME; an expired one is an error, not a fallback
//!    to an older run, so a stale baseline is never used silently;
//! 5. the zip, through the redirect GitHub answers with, downloaded by a client
//!    that has no token (the storage host never sees it); then the file PATH in
//!    it (or its only file), parsed by the normal loader under the name
//!    `artifact:NAME:PATH`, so `.jsonl`, `.csv` and `.gz` are recognised. An
//!    artifact uploaded unzipped (`archive: false`) is the file itself.
//!
//! Every failure is an [`ArtifactError`] naming the workflow, branch and
//! artifact looked for, and what to do. Network time is bounded by
//! `--github-timeout`; the HTTP calls and their retries are
//! [`crate::github`]'s.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use octocrab::secrecy::SecretString;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;

use super::{load_bytes, Dataset, FieldMap};
use crate::error::Result;
use crate::github::{Failure, GitHub, RetryPolicy};

/// The most benchgate downloads or unpacks for one baseline file.
pub const MAX_BYTES: usize = 1 << 30;

/// A parsed `artifact:NAME[:PATH]` source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactSource {
    /// The artifact's name, as given to actions/upload-artifact.
    pub name: String,
    /// The file inside it; `None` when the artifact holds a single file.
    pub path: Option<String>,
}

/// Where to look and how long to wait (flags of `compare`).
#[derive(Debug, Clone)]
pub struct ArtifactSettings {
    /// `--artifact-workflow`: the workflow file (or id, or name) that uploads the artifact.
    pub workflow: Option<String>,
    /// `--artifact-branch`: the branch whose runs to read.
    pub branch: Option<String>,
    /// Bound on all API calls and the download, retries included (`--github-timeout`).
    pub timeout: Duration,
    /// Log each request (never the token, never the signed download address).
    pub verbose: bool,
}

impl Default for ArtifactSettings {
    fn default() -> Self {
        ArtifactSettings {
            workflow: None,
            branch: None,
            timeout: RetryPolicy::default().total,
            verbose: false,
        }
    }
}

/// The Actions variables the lookup reads.
#[derive(Debug, Default)]
pub struct ArtifactEnv {
    /// `GITHUB_REPOSITORY`: `owner/name`.
    pub repository: Option<String>,
    /// `GITHUB_API_URL` (`https://api.github.com` when unset).
    pub api_url: Option<String>,
    /// `GITHUB_TOKEN`.
    pub token: Option<SecretString>,
    /// `GITHUB_BASE_REF`: the pull request's base branch.
    pub base_ref: Option<String>,
    /// `GITHUB_EVENT_PATH`: the webhook payload (its `pull_request.base.ref`).
    pub event_path: Option<PathBuf>,
    /// `GITHUB_WORKFLOW_REF`: `owner/repo/.github/workflows/FILE@REF`.
    pub workflow_ref: Option<String>,
    /// `GITHUB_WORKFLOW`: the workflow's name (its file path when it has none).
    pub workflow: Option<String>,
}

impl ArtifactEnv {
    /// Reads the environment of the current process.
    pub fn from_env() -> Self {
        let actions = crate::github::actions::ActionsEnv::from_env();
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ArtifactEnv {
            repository: actions.repository().map(str::to_string),
            api_url: actions.api_url,
            token: actions.token,
            base_ref: var("GITHUB_BASE_REF"),
            event_path: actions.event_path,
            workflow_ref: var("GITHUB_WORKFLOW_REF"),
            workflow: var("GITHUB_WORKFLOW"),
        }
    }

    /// The base branch from the event payload: a pull request's, or a merge
    /// queue's (`refs/heads/main`).
    fn payload_base(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.event_path.as_ref()?).ok()?;
        let payload: serde_json::Value = serde_json::from_str(&text).ok()?;
        let base = [
            &payload["pull_request"]["base"]["ref"],
            &payload["merge_group"]["base_ref"],
        ]
        .into_iter()
        .find_map(|v| v.as_str().filter(|b| !b.is_empty()))
        .map(str::to_string);
        base
    }
}

/// How the workflow is named to the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Workflow {
    /// Its file name under `.github/workflows` (or its numeric id): usable as is.
    File(String),
    /// Its `name:`, looked up among the repository's workflows.
    Name(String),
}

impl Workflow {
    /// From a flag or `GITHUB_WORKFLOW`: a `.yml`/`.yaml` path or an id is a
    /// file, anything else a name.
    fn from_text(text: &str) -> Workflow {
        let t = text.trim();
        let base = t.rsplit('/').next().unwrap_or(t);
        if base.ends_with(".yml") || base.ends_with(".yaml") {
            Workflow::File(base.to_string())
        } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            Workflow::File(t.to_string())
        } else {
            Workflow::Name(t.to_string())
        }
    }

    /// From `GITHUB_WORKFLOW_REF` (`owner/repo/.github/workflows/evals.yml@refs/…`).
    fn from_ref(workflow_ref: &str) -> Option<Workflow> {
        let path = workflow_ref.split('@').next()?;
        let file = path.rsplit('/').next()?;
        (!file.is_empty()).then(|| Workflow::File(file.to_string()))
    }
}

impl std::fmt::Display for Workflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Workflow::File(file) => write!(f, "{file}"),
            Workflow::Name(name) => write!(f, "\"{name}\""),
        }
    }
}

/// What was looked for: every error names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// `owner/name`.
    pub repository: String,
    /// The workflow.
    pub workflow: Workflow,
    /// The base branch.
    pub branch: String,
    /// The artifact's name.
    pub artifact: String,
}

impl std::fmt::Display for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "artifact \"{}\" of workflow {} on branch {} of {}",
            self.artifact, self.workflow, self.branch, self.repository
        )
    }
}

impl From<ArtifactError> for crate::error::Error {
    fn from(e: ArtifactError) -> Self {
        crate::error::Error::Artifact(Box::new(e))
    }
}

/// Why an artifact baseline could not be read; each message says what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// The `artifact:` spec is malformed.
    #[error("\"{spec}\": an artifact baseline is artifact:NAME[:PATH], e.g. artifact:evals-baseline:baseline.jsonl")]
    Spec {
        /// What was given.
        spec: String,
    },
    /// `GITHUB_REPOSITORY` is missing.
    #[error("artifact \"{artifact}\": GITHUB_REPOSITORY is not set to owner/name; artifact baselines are read through the GitHub API from a GitHub Actions job (elsewhere, set GITHUB_REPOSITORY, GITHUB_TOKEN and --artifact-branch)")]
    NoRepository {
        /// The artifact looked for.
        artifact: String,
    },
    /// No base branch is known.
    #[error("artifact \"{artifact}\" of workflow {workflow}: no branch to look on: GITHUB_BASE_REF is empty and the event is not a pull request; pass --artifact-branch BRANCH (e.g. --artifact-branch main)")]
    NoBranch {
        /// The artifact looked for.
        artifact: String,
        /// The workflow, as far as known.
        workflow: String,
    },
    /// No workflow is known.
    #[error("artifact \"{artifact}\" on branch {branch}: no workflow to look in: GITHUB_WORKFLOW_REF and GITHUB_WORKFLOW are not set; pass --artifact-workflow FILE.yml, the workflow file that uploads the artifact")]
    NoWorkflow {
        /// The artifact looked for.
        artifact: String,
        /// The branch.
        branch: String,
    },
    /// `GITHUB_TOKEN` is missing.
    #[error("{lookup}: GITHUB_TOKEN is empty; give the step `env: GITHUB_TOKEN: ${{{{ github.token }}}}` and the job `permissions: actions: read`")]
    NoToken {
        /// What was looked for.
        lookup: Box<Lookup>,
    },
    /// The HTTP client could not start (e.g. `GITHUB_API_URL` is not a URL).
    #[error("{lookup}: {detail}")]
    Client {
        /// What was looked for.
        lookup: Box<Lookup>,
        /// Why.
        detail: String,
    },
    /// An API call failed.
    #[error("{lookup}: {call} failed: {}", describe(failure))]
    Api {
        /// What was looked for.
        lookup: Box<Lookup>,
        /// The call, in words.
        call: String,
        /// Why.
        failure: Failure,
    },
    /// The workflow is not in the repository.
    #[error("{lookup}: the repository has no such workflow ({detail}); pass --artifact-workflow FILE.yml, the file under .github/workflows that uploads the artifact")]
    NoSuchWorkflow {
        /// What was looked for.
        lookup: Box<Lookup>,
        /// What GitHub said, or the workflows there are.
        detail: String,
    },
    /// No successful run on the branch.
    #[error("{lookup}: the workflow has no successful run on {} (pull request and fork runs do not count); run it on {} (a push or workflow_dispatch) so that it uploads the artifact, or point --artifact-workflow / --artifact-branch elsewhere", lookup.branch, lookup.branch)]
    NoRun {
        /// What was looked for.
        lookup: Box<Lookup>,
    },
    /// The run has no artifact of that name.
    #[error("{lookup}: the latest successful run, {run} (commit {commit}), has no artifact of that name (it has: {available}); check `name:` of actions/upload-artifact in the workflow and that the upload step ran on {}", lookup.branch)]
    NoArtifact {
        /// What was looked for.
        lookup: Box<Lookup>,
        /// The run's id.
        run: u64,
        /// Its head commit, short.
        commit: String,
        /// The artifacts it has, or `none`.
        available: String,
    },
    /// The artifact expired.
    #[error("{lookup}: the artifact of run {run} (commit {commit}) has expired{}; re-run the workflow on {} to upload a fresh one, and raise `retention-days` of actions/upload-artifact", expires_at.as_deref().map(|t| format!(" (at {t})")).unwrap_or_default(), lookup.branch)]
    Expired {
        /// What was looked for.
        lookup: Box<Lookup>,
        /// The run's id.
        run: u64,
        /// Its head commit, short.
        commit: String,
        /// When it expired, as GitHub says.
        expires_at: Option<String>,
    },
    /// The download is not a zip benchgate can read.
    #[error("{lookup}: the artifact of run {run} is not a readable zip ({detail}); download it from the run's page to check it")]
    Zip {
        /// What was looked for.
        lookup: Box<Lookup>,
        /// The run's id.
        run: u64,
        /// What went wrong.
        detail: String,
    },
    /// The file asked for is not in the artifact.
    #[error("{lookup}: the artifact of run {run} has no file \"{path}\"; it holds: {files}. Name one: artifact:{}:FILE", lookup.artifact)]
    NoFile {
        /// What was looked for.
        lookup: Box<Lookup>,
        /// The run's id.
        run: u64,
        /// The path asked for.
        path: String,
        /// The files it holds.
        files: String,
    },
    /// Several files and none named.
    #[error("{lookup}: the artifact of run {run} holds {count} files ({files}); name the baseline: artifact:{}:FILE", lookup.artifact)]
    Ambiguous {
        /// What was looked for.
        lookup: Box<Lookup>,
        /// The run's id.
        run: u64,
        /// How many files.
        count: usize,
        /// The files it holds.
        files: String,
    },
}

/// A failed call, in words that fit reading artifacts (the comment's wording
/// speaks of `pull-requests: write`).
fn describe(failure: &Failure) -> String {
    match failure {
        Failure::Unauthorized { message } => format!(
            "GitHub rejected the token (HTTP 401: {message}); pass a valid token as GITHUB_TOKEN (`${{{{ github.token }}}}`)"
        ),
        Failure::Forbidden { message } => format!(
            "the token may not read Actions (HTTP 403: {message}); add `permissions: actions: read` to the job"
        ),
        Failure::NotFound { message } => format!(
            "not found (HTTP 404: {message}); check GITHUB_REPOSITORY and that the token can read it (`permissions: actions: read`)"
        ),
        Failure::GaveUp {
            attempts,
            seconds,
            last,
        } => format!(
            "gave up after {attempts} attempt(s) in {seconds} s ({last}); GitHub may be having trouble (https://www.githubstatus.com); raise --github-timeout to wait longer"
        ),
        other => other.to_string(),
    }
}

impl ArtifactSource {
    /// Parses `artifact:NAME[:PATH]`; `None` when `spec` does not start with `artifact:`.
    pub fn parse(spec: &str) -> Option<Result<Self>> {
        let rest = spec.strip_prefix("artifact:")?;
        let (name, path) = match rest.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (rest, None),
        };
        // upload-artifact forbids these in names; a path must name something.
        let bad_name = name.is_empty() || name.contains(['/', '\\', '"', '<', '>', '|', '*', '?']);
        if bad_name || path.is_some_and(|p| p.trim_start_matches("./").is_empty()) {
            return Some(Err(ArtifactError::Spec {
                spec: spec.to_string(),
            }
            .into()));
        }
        Some(Ok(ArtifactSource {
            name: name.to_string(),
            path: path.map(|p| p.trim_start_matches("./").to_string()),
        }))
    }

    /// Downloads and parses the baseline, reading the Actions variables of this
    /// process; returns the data and a description for the report's footer
    /// (`artifact:evals-baseline:baseline.jsonl @ 1a2b3c4 (run 123 of evals.yml on main)`).
    pub fn load(
        &self,
        fields: &FieldMap,
        settings: &ArtifactSettings,
    ) -> Result<(Dataset, String)> {
        self.load_with(fields, settings, &ArtifactEnv::from_env())
    }

    /// [`Self::load`] with the Actions variables given.
    pub fn load_with(
        &self,
        fields: &FieldMap,
        settings: &ArtifactSettings,
        env: &ArtifactEnv,
    ) -> Result<(Dataset, String)> {
        let (lookup, token) = self.lookup(settings, env)?;
        let api_url = env
            .api_url
            .clone()
            .unwrap_or_else(|| "https://api.github.com".into());
        let policy = RetryPolicy {
            total: settings.timeout,
            // Leave room for a retry after a request that hangs.
            request_timeout: (settings.timeout / 3).clamp(
                Duration::from_secs(1),
                RetryPolicy::default().request_timeout,
            ),
            ..RetryPolicy::default()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ArtifactError::Client {
                lookup: Box::new(lookup.clone()),
                detail: format!("cannot start the HTTP client: {e}"),
            })?;
        let (found, zip) = runtime.block_on(async {
            let github = GitHub::new(&api_url, token, policy, settings.verbose).map_err(|e| {
                ArtifactError::Client {
                    lookup: Box::new(lookup.clone()),
                    detail: e.to_string(),
                }
            })?;
            fetch(&github, lookup).await
        })?;
        let (name, bytes) = self.pick(&found, zip)?;
        // The name ends like the file inside, so the format is detected as for files.
        let data = load_bytes(Path::new(&name), bytes, fields)?;
        let description = format!(
            "{name} @ {} (run {} of {} on {})",
            found.commit, found.run, found.lookup.workflow, found.lookup.branch
        );
        Ok((data, description))
    }

    /// Branch, workflow, repository and token, from the flags and the environment.
    fn lookup(
        &self,
        settings: &ArtifactSettings,
        env: &ArtifactEnv,
    ) -> Result<(Lookup, SecretString), ArtifactError> {
        let workflow = settings
            .workflow
            .as_deref()
            .map(Workflow::from_text)
            .or_else(|| env.workflow_ref.as_deref().and_then(Workflow::from_ref))
            .or_else(|| env.workflow.as_deref().map(Workflow::from_text));
        let branch = settings
            .branch
            .clone()
            .or_else(|| env.base_ref.clone())
            .or_else(|| env.payload_base())
            .map(|b| b.strip_prefix("refs/heads/").unwrap_or(&b).to_string());
        let artifact = self.name.clone();
        let branch = branch.ok_or_else(|| ArtifactError::NoBranch {
            artifact: artifact.clone(),
            workflow: workflow
                .as_ref()
                .map_or_else(|| "(unknown)".to_string(), ToString::to_string),
        })?;
        let workflow = workflow.ok_or_else(|| ArtifactError::NoWorkflow {
            artifact: artifact.clone(),
            branch: branch.clone(),
        })?;
        let repository = env
            .repository
            .clone()
            .ok_or_else(|| ArtifactError::NoRepository {
                artifact: artifact.clone(),
            })?;
        let lookup = Lookup {
            repository,
            workflow,
            branch,
            artifact,
        };
        let token = env.token.clone().ok_or_else(|| ArtifactError::NoToken {
            lookup: Box::new(lookup.clone()),
        })?;
        Ok((lookup, token))
    }

    /// The baseline file and its name (`artifact:NAME:PATH`): PATH in the zip,
    /// or its only file. An artifact uploaded with `archive: false`
    /// (actions/upload-artifact v7) is not a zip but the file itself, named
    /// after the artifact (`artifact:NAME`).
    fn pick(&self, found: &Found, zip: Vec<u8>) -> Result<(String, Vec<u8>), ArtifactError> {
        if !zip.starts_with(b"PK\x03\x04") && !zip.starts_with(b"PK\x05\x06") {
            return match &self.path {
                Some(path) if *path != self.name => Err(ArtifactError::NoFile {
                    lookup: Box::new(found.lookup.clone()),
                    run: found.run,
                    path: path.clone(),
                    files: format!("only itself, {} (uploaded unzipped)", self.name),
                }),
                _ => Ok((format!("artifact:{}", self.name), zip)),
            };
        }
        let zip_error = |detail: String| ArtifactError::Zip {
            lookup: Box::new(found.lookup.clone()),
            run: found.run,
            detail,
        };
        let mut archive =
            zip::ZipArchive::new(Cursor::new(&zip)).map_err(|e| zip_error(e.to_string()))?;
        let mut files = Vec::new();
        for i in 0..archive.len() {
            let entry = archive.by_index(i).map_err(|e| zip_error(e.to_string()))?;
            if entry.is_file() {
                files.push(entry.name().to_string());
            }
        }
        let listing = || {
            if files.is_empty() {
                "no files".to_string()
            } else {
                files.join(", ")
            }
        };
        let chosen = match &self.path {
            Some(path) => files
                .iter()
                .find(|f| f.as_str() == path)
                .cloned()
                .ok_or_else(|| ArtifactError::NoFile {
                    lookup: Box::new(found.lookup.clone()),
                    run: found.run,
                    path: path.clone(),
                    files: listing(),
                })?,
            None if files.len() == 1 => files[0].clone(),
            None => {
                return Err(ArtifactError::Ambiguous {
                    lookup: Box::new(found.lookup.clone()),
                    run: found.run,
                    count: files.len(),
                    files: listing(),
                })
            }
        };
        let entry = archive
            .by_name(&chosen)
            .map_err(|e| zip_error(e.to_string()))?;
        let mut bytes = Vec::new();
        entry
            .take(MAX_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| zip_error(format!("{chosen}: {e}")))?;
        if bytes.len() > MAX_BYTES {
            return Err(zip_error(format!(
                "{chosen} unpacks to more than {} MiB",
                MAX_BYTES >> 20
            )));
        }
        Ok((format!("artifact:{}:{chosen}", self.name), bytes))
    }
}

/// The run and artifact found.
#[derive(Debug)]
struct Found {
    lookup: Lookup,
    run: u64,
    /// The run's head commit, short.
    commit: String,
}

#[derive(Debug, Deserialize)]
struct Workflows {
    workflows: Vec<WorkflowEntry>,
}

#[derive(Debug, Deserialize)]
struct WorkflowEntry {
    name: String,
    path: String,
}

#[derive(Debug, Deserialize)]
struct Runs {
    workflow_runs: Vec<Run>,
}

#[derive(Debug, Deserialize)]
struct Run {
    id: u64,
    head_sha: String,
    event: String,
    head_repository: Option<Repository>,
}

#[derive(Debug, Deserialize)]
struct Repository {
    full_name: String,
}

#[derive(Debug, Deserialize)]
struct Artifacts {
    artifacts: Vec<Artifact>,
}

#[derive(Debug, Deserialize)]
struct Artifact {
    id: u64,
    name: String,
    expired: bool,
    expires_at: Option<String>,
}

/// Everything but RFC 3986's unreserved characters, for a path segment or a query value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

fn short(sha: &str) -> String {
    sha.get(..7).unwrap_or(sha).to_string()
}

/// The API side: workflow, run, artifact, zip.
async fn fetch(github: &GitHub, mut lookup: Lookup) -> Result<(Found, Vec<u8>), ArtifactError> {
    let repo = lookup.repository.clone();
    let api = |lookup: &Lookup, call: &str, failure: Failure| ArtifactError::Api {
        lookup: Box::new(lookup.clone()),
        call: call.to_string(),
        failure,
    };
    let file = match &lookup.workflow {
        Workflow::File(file) => file.clone(),
        Workflow::Name(name) => {
            let route = format!("/repos/{repo}/actions/workflows?per_page=100");
            let list: Workflows = github
                .get_json(&route, "workflow list")
                .await
                .map_err(|f| api(&lookup, "listing the repository's workflows", f))?;
            let found = list.workflows.iter().find(|w| &w.name == name);
            match found {
                Some(w) => w.path.rsplit('/').next().unwrap_or(&w.path).to_string(),
                None => {
                    let known: Vec<String> = list
                        .workflows
                        .iter()
                        .map(|w| format!("\"{}\" ({})", w.name, w.path))
                        .collect();
                    return Err(ArtifactError::NoSuchWorkflow {
                        lookup: Box::new(lookup),
                        detail: format!(
                            "it has {}",
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    });
                }
            }
        }
    };
    lookup.workflow = Workflow::File(file.clone());
    // Newest first; a page is enough to get past a few pull request or fork runs.
    let route = format!(
        "/repos/{repo}/actions/workflows/{}/runs?branch={}&status=success&exclude_pull_requests=true&per_page=30",
        encode(&file),
        encode(&lookup.branch)
    );
    let runs: Runs = match github.get_json(&route, "workflow run list").await {
        Ok(runs) => runs,
        Err(Failure::NotFound { message }) => {
            return Err(ArtifactError::NoSuchWorkflow {
                lookup: Box::new(lookup),
                detail: format!("HTTP 404: {message}"),
            })
        }
        Err(f) => return Err(api(&lookup, "listing the workflow's runs", f)),
    };
    let run = runs
        .workflow_runs
        .into_iter()
        .find(|r| {
            !r.event.starts_with("pull_request")
                && r.head_repository
                    .as_ref()
                    .is_some_and(|h| h.full_name.eq_ignore_ascii_case(&repo))
        })
        .ok_or_else(|| ArtifactError::NoRun {
            lookup: Box::new(lookup.clone()),
        })?;
    let commit = short(&run.head_sha);
    let route = format!(
        "/repos/{repo}/actions/runs/{}/artifacts?per_page=100",
        run.id
    );
    let list: Artifacts = github
        .get_json(&route, "artifact list")
        .await
        .map_err(|f| {
            api(
                &lookup,
                &format!("listing the artifacts of run {}", run.id),
                f,
            )
        })?;
    let mut named: Vec<&Artifact> = list
        .artifacts
        .iter()
        .filter(|a| a.name == lookup.artifact)
        .collect();
    // A re-run may upload again: the newest live one wins.
    named.sort_by_key(|a| (!a.expired, a.id));
    let Some(artifact) = named.last() else {
        let mut names: Vec<&str> = list.artifacts.iter().map(|a| a.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        return Err(ArtifactError::NoArtifact {
            lookup: Box::new(lookup),
            run: run.id,
            commit,
            available: if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            },
        });
    };
    let expired = |lookup: Lookup| ArtifactError::Expired {
        lookup: Box::new(lookup),
        run: run.id,
        commit: commit.clone(),
        expires_at: artifact.expires_at.clone(),
    };
    if artifact.expired {
        return Err(expired(lookup));
    }
    let route = format!("/repos/{repo}/actions/artifacts/{}/zip", artifact.id);
    let call = format!("downloading artifact {} of run {}", artifact.id, run.id);
    let location = match github.get_redirect(&route).await {
        Ok(location) => location,
        // 410 Gone: it expired between the listing and the download.
        Err(Failure::Status { status: 410, .. }) => return Err(expired(lookup)),
        Err(f) => return Err(api(&lookup, &call, f)),
    };
    let zip = github
        .download(&location, MAX_BYTES)
        .await
        .map_err(|f| api(&lookup, &call, f))?;
    Ok((
        Found {
            lookup,
            run: run.id,
            commit,
        },
        zip,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let ok = |s: &str| ArtifactSource::parse(s).and_then(|r| r.ok());
        assert_eq!(
            ok("artifact:evals-baseline:baseline.jsonl"),
            Some(ArtifactSource {
                name: "evals-baseline".into(),
                path: Some("baseline.jsonl".into())
            })
        );
        assert_eq!(
            ok("artifact:evals-baseline"),
            Some(ArtifactSource {
                name: "evals-baseline".into(),
                path: None
            })
        );
        assert_eq!(
            ok("artifact:b:./dir/x.csv").and_then(|s| s.path),
            Some("dir/x.csv".into())
        );
        assert!(ArtifactSource::parse("evals/baseline.jsonl").is_none());
        for bad in ["artifact:", "artifact::x", "artifact:a/b", "artifact:x:"] {
            assert!(matches!(ArtifactSource::parse(bad), Some(Err(_))), "{bad}");
        }
    }

    #[test]
    fn workflows_are_named_by_file_when_possible() {
        assert_eq!(
            Workflow::from_ref("octo/repo/.github/workflows/evals.yml@refs/pull/2/merge"),
            Some(Workflow::File("evals.yml".into()))
        );
        assert_eq!(
            Workflow::from_text(".github/workflows/ci.yaml"),
            Workflow::File("ci.yaml".into())
        );
        assert_eq!(
            Workflow::from_text("161335"),
            Workflow::File("161335".into())
        );
        assert_eq!(Workflow::from_text("CI"), Workflow::Name("CI".into()));
    }

    #[test]
    fn the_branch_comes_from_the_flag_then_the_environment_then_the_payload() {
        let dir = tempfile::tempdir().expect("tempdir");
        let payload = dir.path().join("event.json");
        std::fs::write(&payload, r#"{"pull_request":{"base":{"ref":"develop"}}}"#).expect("write");
        let source = ArtifactSource {
            name: "a".into(),
            path: None,
        };
        let mut env = ArtifactEnv {
            repository: Some("o/r".into()),
            token: Some(SecretString::from("t".to_string())),
            event_path: Some(payload),
            workflow: Some("evals.yml".into()),
            ..ArtifactEnv::default()
        };
        let mut settings = ArtifactSettings::default();
        let branch = |s: &ArtifactSettings, e: &ArtifactEnv| {
            source.lookup(s, e).map(|(l, _)| l.branch).expect("lookup")
        };
        assert_eq!(branch(&settings, &env), "develop");
        env.base_ref = Some("main".into());
        assert_eq!(branch(&settings, &env), "main");
        settings.branch = Some("refs/heads/release".into());
        assert_eq!(branch(&settings, &env), "release");
        // A merge queue's payload names the base as a full ref.
        std::fs::write(
            env.event_path.as_ref().expect("path"),
            r#"{"merge_group":{"base_ref":"refs/heads/trunk"}}"#,
        )
        .expect("write");
        env.base_ref = None;
        settings.branch = None;
        assert_eq!(branch(&settings, &env), "trunk");
    }
}
