//! The GitHub Actions side of `--github` that needs no network: the run's
//! environment and event, the job summary (`$GITHUB_STEP_SUMMARY`), step outputs
//! (`$GITHUB_OUTPUT`) and workflow commands (`::error`, `::warning`,
//! `::stop-commands`), each escaped so that untrusted text cannot forge one.
//! The annotations a report makes are `publish::annotations`'s.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use octocrab::secrecy::SecretString;

/// Something the Actions files or the event payload did not allow.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActionsError {
    /// `GITHUB_EVENT_PATH` names a file that cannot be read.
    #[error("{}: cannot read the event payload named by GITHUB_EVENT_PATH: {cause}", path.display())]
    EventRead {
        /// The payload file.
        path: PathBuf,
        /// What the operating system said.
        cause: std::io::Error,
    },
    /// The event payload is not JSON.
    #[error("{}: the event payload named by GITHUB_EVENT_PATH is not JSON: {cause}", path.display())]
    EventParse {
        /// The payload file.
        path: PathBuf,
        /// What the parser said.
        cause: serde_json::Error,
    },
    /// The job summary could not be appended to.
    #[error("{}: cannot append the report to the job summary (GITHUB_STEP_SUMMARY): {cause}", path.display())]
    Summary {
        /// The summary file.
        path: PathBuf,
        /// What the operating system said.
        cause: std::io::Error,
    },
    /// The step outputs could not be written.
    #[error("{}: cannot write the step outputs (GITHUB_OUTPUT): {cause}", path.display())]
    Outputs {
        /// The outputs file.
        path: PathBuf,
        /// What the operating system said.
        cause: std::io::Error,
    },
}

/// The variables GitHub Actions sets for a step, read once.
///
/// The token is kept as a [`SecretString`], whose `Debug` prints nothing of it.
#[derive(Debug, Default)]
pub struct ActionsEnv {
    /// `GITHUB_EVENT_NAME`: `pull_request`, `push`, …
    pub event_name: Option<String>,
    /// `GITHUB_EVENT_PATH`: the webhook payload that started the run.
    pub event_path: Option<PathBuf>,
    /// `GITHUB_REPOSITORY`: `owner/name`.
    pub repository: Option<String>,
    /// `GITHUB_API_URL`: `https://api.github.com`, or GitHub Enterprise's `…/api/v3`.
    pub api_url: Option<String>,
    /// `GITHUB_SERVER_URL`: `https://github.com`.
    pub server_url: Option<String>,
    /// `GITHUB_RUN_ID`: links the comment to the run.
    pub run_id: Option<String>,
    /// `GITHUB_SHA`: the commit the run checked out.
    pub sha: Option<String>,
    /// `GITHUB_STEP_SUMMARY`: the job summary file.
    pub step_summary: Option<PathBuf>,
    /// `GITHUB_OUTPUT`: the step outputs file.
    pub output: Option<PathBuf>,
    /// `RUNNER_TEMP`: where the JSON report goes when `--json-out` is not given.
    pub runner_temp: Option<PathBuf>,
    /// `GITHUB_TOKEN`.
    pub token: Option<SecretString>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl ActionsEnv {
    /// Reads the environment of the current process.
    pub fn from_env() -> Self {
        ActionsEnv {
            event_name: var("GITHUB_EVENT_NAME"),
            event_path: var("GITHUB_EVENT_PATH").map(PathBuf::from),
            repository: var("GITHUB_REPOSITORY"),
            api_url: var("GITHUB_API_URL"),
            server_url: var("GITHUB_SERVER_URL"),
            run_id: var("GITHUB_RUN_ID"),
            sha: var("GITHUB_SHA"),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: var("GITHUB_OUTPUT").map(PathBuf::from),
            runner_temp: var("RUNNER_TEMP").map(PathBuf::from),
            token: var("GITHUB_TOKEN").map(|t| SecretString::from(t.trim().to_string())),
        }
    }

    /// The event that started the run, from `GITHUB_EVENT_PATH`.
    pub fn event(&self) -> Result<Event, ActionsError> {
        let Some(path) = &self.event_path else {
            return Ok(Event::Other {
                name: self.event_name.clone(),
            });
        };
        let text = std::fs::read_to_string(path).map_err(|cause| ActionsError::EventRead {
            path: path.clone(),
            cause,
        })?;
        let payload: serde_json::Value =
            serde_json::from_str(&text).map_err(|cause| ActionsError::EventParse {
                path: path.clone(),
                cause,
            })?;
        Ok(Event::from_payload(self.event_name.as_deref(), &payload))
    }

    /// `owner/name` when `GITHUB_REPOSITORY` has that shape.
    pub fn repository(&self) -> Option<&str> {
        self.repository.as_deref().filter(|r| valid_repository(r))
    }

    /// The link to this workflow run, when the environment says where it is.
    pub fn run_url(&self) -> Option<String> {
        let server = self.server_url.as_deref().unwrap_or("https://github.com");
        let repo = self.repository()?;
        let run = self.run_id.as_deref()?;
        let safe_server = (server.starts_with("https://") || server.starts_with("http://"))
            && !server.contains(['"', '<', '>', ' ', ')', '(', '\'']);
        (safe_server && run.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{}/{repo}/actions/runs/{run}", server.trim_end_matches('/')))
    }
}

fn valid_repository(r: &str) -> bool {
    let ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    matches!(r.split_once('/'), Some((owner, name)) if ok(owner) && ok(name))
}

/// What started the run, as far as commenting is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A pull request (`pull_request` or `pull_request_target`): comment on it.
    PullRequest {
        /// The pull request's number.
        number: u64,
        /// The head commit, when the payload has it.
        head_sha: Option<String>,
    },
    /// Anything else (`push`, `workflow_dispatch`, no payload): no comment.
    Other {
        /// `GITHUB_EVENT_NAME`, when set.
        name: Option<String>,
    },
}

impl Event {
    /// Reads the pull request out of a webhook payload.
    pub fn from_payload(name: Option<&str>, payload: &serde_json::Value) -> Event {
        let pr = &payload["pull_request"];
        let number = pr["number"].as_u64().or_else(|| {
            // `pull_request*` payloads also carry the number at the top level.
            pr.is_object().then(|| payload["number"].as_u64()).flatten()
        });
        match number {
            Some(number) => Event::PullRequest {
                number,
                head_sha: pr["head"]["sha"]
                    .as_str()
                    .filter(|s| s.bytes().all(|b| b.is_ascii_hexdigit()))
                    .map(str::to_string),
            },
            None => Event::Other {
                name: name.map(str::to_string),
            },
        }
    }
}

/// Appends `markdown` to the job summary.
pub fn append_summary(path: &Path, markdown: &str) -> Result<(), ActionsError> {
    let err = |cause| ActionsError::Summary {
        path: path.to_path_buf(),
        cause,
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(err)?;
    let mut text = markdown.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    f.write_all(text.as_bytes()).map_err(err)
}

/// Appends step outputs in the multi-line form `name<<DELIMITER … DELIMITER`,
/// with a delimiter that occurs in no value.
pub fn write_outputs(path: &Path, outputs: &[(&str, String)]) -> Result<(), ActionsError> {
    let text = format_outputs(outputs, &random_token());
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|cause| ActionsError::Outputs {
            path: path.to_path_buf(),
            cause,
        })?;
    f.write_all(text.as_bytes())
        .map_err(|cause| ActionsError::Outputs {
            path: path.to_path_buf(),
            cause,
        })
}

/// The `$GITHUB_OUTPUT` text for `outputs`, delimited by `ghadelimiter_SEED…`.
pub fn format_outputs(outputs: &[(&str, String)], seed: &str) -> String {
    let mut delimiter = format!("ghadelimiter_{seed}");
    while outputs
        .iter()
        .any(|(k, v)| v.contains(&delimiter) || k.contains(&delimiter))
    {
        delimiter.push('_');
    }
    let mut out = String::new();
    for (name, value) in outputs {
        let _ = write!(out, "{name}<<{delimiter}\n{value}\n{delimiter}\n");
    }
    out
}

/// A hard-to-guess token for output delimiters and `::stop-commands::`.
pub fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the operating system's randomness.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    let a = h.finish();
    let b = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!("{a:016x}{b:016x}")
}

/// Escapes the message of a workflow command (what follows `::`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (`title=…`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command line: `::error title=…::message`.
pub fn command(kind: &str, title: &str, message: &str) -> String {
    format!(
        "::{kind} title={}::{}",
        escape_property(title),
        escape_data(message)
    )
}

/// Wraps untrusted text (model outputs in the terminal report) so the runner
/// reads no workflow command inside it.
pub fn guard_commands(text: &str) -> String {
    let token = random_token();
    let mut text = text.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    format!("::stop-commands::{token}\n{text}::{token}::\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_cannot_be_forged() {
        let line = command("error", "a, b: c", "x\n::add-mask::y 100%\r");
        assert_eq!(
            line,
            "::error title=a%2C b%3A c::x%0A::add-mask::y 100%25%0D"
        );
        assert_eq!(line.lines().count(), 1);
    }

    #[test]
    fn outputs_survive_multi_line_values_and_delimiter_collisions() {
        let text = format_outputs(
            &[
                ("verdict", "fail".into()),
                ("evil", "a\nghadelimiter_s\nverdict=pass".into()),
            ],
            "s",
        );
        assert_eq!(
            text,
            "verdict<<ghadelimiter_s_\nfail\nghadelimiter_s_\n\
             evil<<ghadelimiter_s_\na\nghadelimiter_s\nverdict=pass\nghadelimiter_s_\n"
        );
    }

    #[test]
    fn guarded_text_stops_and_resumes_commands() {
        let out = guard_commands("::error::forged\nok");
        let lines: Vec<&str> = out.lines().collect();
        let token = lines[0]
            .strip_prefix("::stop-commands::")
            .expect("stop line");
        assert!(token.len() >= 32);
        assert_eq!(lines[1], "::error::forged");
        assert_eq!(lines[3], format!("::{token}::"));
    }

    #[test]
    fn random_tokens_differ() {
        assert_ne!(random_token(), random_token());
    }

    #[test]
    fn pull_request_events_name_their_number() {
        let payload = serde_json::json!({
            "action": "opened", "number": 7,
            "pull_request": {"number": 7, "head": {"sha": "abc123"}}
        });
        assert_eq!(
            Event::from_payload(Some("pull_request"), &payload),
            Event::PullRequest {
                number: 7,
                head_sha: Some("abc123".into())
            }
        );
        let push = serde_json::json!({"ref": "refs/heads/main", "number": 3});
        assert_eq!(
            Event::from_payload(Some("push"), &push),
            Event::Other {
                name: Some("push".into())
            }
        );
    }

    #[test]
    fn repositories_are_owner_slash_name() {
        assert!(valid_repository("octo-org/hello.world_2"));
        for bad in ["", "x", "a/b/c", "../x", "a/..", "a b/c", "a/b?x"] {
            assert!(!valid_repository(bad), "{bad}");
        }
    }

    #[test]
    fn run_links_need_a_plain_server_and_a_numeric_run() {
        let mut env = ActionsEnv {
            repository: Some("acme/bot".into()),
            run_id: Some("4242".into()),
            server_url: Some("https://github.example/".into()),
            ..ActionsEnv::default()
        };
        assert_eq!(
            env.run_url().as_deref(),
            Some("https://github.example/acme/bot/actions/runs/4242")
        );
        env.run_id = Some("1)<x".into());
        assert_eq!(env.run_url(), None);
    }

    #[test]
    fn debug_output_hides_the_token() {
        let env = ActionsEnv {
            token: Some(SecretString::from("ghs_secret123".to_string())),
            ..ActionsEnv::default()
        };
        assert!(!format!("{env:?}").contains("ghs_secret123"));
    }
}
