//! A client for the OpenAI-compatible chat-completions API (`POST
//! {base_url}/chat/completions`), the one OpenAI, Azure OpenAI, vLLM, Ollama,
//! llama.cpp's server and most gateways speak.
//!
//! It is hyper's client over rustls (ring, the operating system's roots), the
//! stack octocrab already builds for the GitHub client, so the judges add no
//! crate to the build. Each judgement is one request; [`run_all`] sends them
//! with at most `concurrency` in flight on a single-threaded Tokio runtime and
//! stops at the first failure (the requests still in flight are dropped).
//!
//! Every request is retried, up to `max_retries` times, when it may succeed
//! on a second try: HTTP 429, 408 and 5xx (waiting as long as `retry-after-ms`
//! or `Retry-After` asks, seconds or an HTTP date, at most [`MAX_WAIT`]; else
//! an exponential backoff with jitter from one second), a connection that
//! failed, no answer within the timeout, and an answer that is not the JSON
//! the schema asks for. A refusal (`message.refusal`, or `finish_reason`
//! `content_filter`) and any other status fail at once: asking again would
//! pay for the same answer.
//!
//! The API key is sent as `Authorization: Bearer …`, or as Azure OpenAI's
//! `api-key: …` header ([`Auth`]; the default on Azure's hosts), marked
//! sensitive either way, and is in no error, log or report: [`Secret`] prints as
//! `[redacted]`, and any text a server sends back is scrubbed of the key
//! before it is shown. No key (a local server) sends no header.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt as _, TryStreamExt as _};
use http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use serde::Deserialize;
use serde_json::Value;

/// The longest wait a `Retry-After` may ask for before a retry.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// Largest response body read, in bytes.
const MAX_BODY: usize = 8 << 20;

/// An API key: never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A key; `None` when empty.
    pub fn new(key: String) -> Option<Secret> {
        let key = key.trim().to_string();
        (!key.is_empty()).then_some(Secret(key))
    }

    /// `text` with every occurrence of the key replaced.
    pub fn scrub(&self, text: &str) -> String {
        text.replace(&self.0, "[redacted]")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How the key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Auth {
    /// `Authorization: Bearer KEY`: OpenAI and most servers and gateways.
    Bearer,
    /// `api-key: KEY`: Azure OpenAI's key header.
    ApiKey,
}

impl Auth {
    /// The header Azure OpenAI's hosts take (`*.openai.azure.com`,
    /// `*.cognitiveservices.azure.com`, `*.services.ai.azure.com`), bearer
    /// elsewhere.
    fn for_host(host: &str) -> Auth {
        let host = host.to_ascii_lowercase();
        let azure = [
            ".openai.azure.com",
            ".cognitiveservices.azure.com",
            ".services.ai.azure.com",
        ];
        if azure.iter().any(|suffix| host.ends_with(suffix)) {
            Auth::ApiKey
        } else {
            Auth::Bearer
        }
    }
}

/// Where and how to send judgements.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `{base_url}/chat/completions`.
    url: http::Uri,
    /// The URL as messages show it: without user information or query.
    pub shown: String,
    /// The key, when there is one.
    pub key: Option<Secret>,
    /// How the key is sent.
    pub auth: Auth,
}

impl Endpoint {
    /// The endpoint under `base_url` (`https://api.openai.com/v1`), sending
    /// the key as `auth` says (by default as the host expects: see [`Auth`]).
    pub fn new(
        base_url: &str,
        key: Option<Secret>,
        auth: Option<Auth>,
    ) -> Result<Endpoint, String> {
        // A query (Azure's `?api-version=…`) stays after the path.
        let (base, query) = match base_url.trim().split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (base_url.trim(), String::new()),
        };
        let base = base.trim_end_matches('/');
        let url: http::Uri = format!("{base}/chat/completions{query}")
            .parse()
            .map_err(|e| {
                format!("the judge's base URL is not a URL ({e}); it must start with http:// or https://")
            })?;
        let scheme = url.scheme_str().unwrap_or("");
        if scheme != "http" && scheme != "https" {
            return Err("the judge's base URL must start with http:// or https://".into());
        }
        let host = url.host().unwrap_or("");
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let shown = format!("{scheme}://{host}{port}{}", url.path());
        let auth = auth.unwrap_or_else(|| Auth::for_host(host));
        Ok(Endpoint {
            url,
            shown,
            key,
            auth,
        })
    }
}

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// One attempt, connection to the last byte of the answer.
    pub timeout: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The first backoff; it doubles per retry, with jitter.
    pub base_delay: Duration,
    /// The largest backoff.
    pub max_delay: Duration,
}

/// Tokens a request cost, as the server counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    /// Prompt (input) tokens.
    pub prompt: u64,
    /// Completion (output) tokens.
    pub completion: u64,
}

impl std::ops::AddAssign for Tokens {
    fn add_assign(&mut self, other: Tokens) {
        self.prompt += other.prompt;
        self.completion += other.completion;
    }
}

/// What one judgement cost and how it went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cost {
    /// Tokens over every attempt that got an answer (each is billed).
    pub tokens: Tokens,
    /// Attempts after the first.
    pub retries: u32,
}

/// Why a judgement could not be had.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No connection (refused, DNS, TLS).
    #[error("cannot reach the judge at {url}: {cause} ({attempts}); check the base URL ([judge] base_url or OPENAI_BASE_URL) and that the server is running")]
    Unreachable {
        /// The endpoint.
        url: String,
        /// What failed.
        cause: String,
        /// "1 attempt", "4 attempts".
        attempts: String,
    },
    /// No answer within the timeout.
    #[error("no answer from {url} within {seconds} s ({attempts}); raise [judge] timeout_s, or lower concurrency if the server is overloaded")]
    Timeout {
        /// The endpoint.
        url: String,
        /// The timeout.
        seconds: f64,
        /// "1 attempt", "4 attempts".
        attempts: String,
    },
    /// A status that a retry does not change, or one that stayed after every retry.
    #[error("HTTP {status} from {url}: {message}{hint} ({attempts})")]
    Status {
        /// The endpoint.
        url: String,
        /// The status code.
        status: u16,
        /// The server's message (scrubbed of the key).
        message: String,
        /// What to do about it.
        hint: String,
        /// "1 attempt", "4 attempts".
        attempts: String,
    },
    /// The model declined to judge.
    #[error("the judge refused to answer: {message}")]
    Refused {
        /// Its words (scrubbed of the key).
        message: String,
    },
    /// An answer that is not the JSON asked for, after every retry.
    #[error("the judge's answer is not the JSON asked for ({why}) ({attempts}): {answer}")]
    Unparseable {
        /// What is wrong with it.
        why: String,
        /// The start of the answer (scrubbed of the key).
        answer: String,
        /// "1 attempt", "4 attempts".
        attempts: String,
    },
}

/// One attempt's outcome.
enum Attempt<T> {
    Done(T, Tokens),
    /// Worth another try, after the wait the server asked for (if any).
    Retry(CallError, Option<Duration>, Tokens),
    Fail(CallError),
}

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// A connection pool to one endpoint.
pub struct Client {
    http: HyperClient<Connector, Full<Bytes>>,
    endpoint: Endpoint,
    policy: Policy,
}

fn attempts(n: u32) -> String {
    if n == 1 {
        "1 attempt".into()
    } else {
        format!("{n} attempts")
    }
}

/// An error and its causes, one after the other.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The first `n` characters of `text`, with an ellipsis when cut.
pub fn clip(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

impl Client {
    /// A client; must be called inside a Tokio runtime.
    pub fn new(endpoint: Endpoint, policy: Policy) -> Client {
        // The operating system's roots; a machine without any still reaches
        // plain-http servers (a local model), and https fails with rustls'
        // own message.
        let tls = {
            use hyper_rustls::ConfigBuilderExt as _;
            match rustls::ClientConfig::builder().with_native_roots() {
                Ok(builder) => builder.with_no_client_auth(),
                Err(_) => rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
            }
        };
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let http = HyperClient::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
        Client {
            http,
            endpoint,
            policy,
        }
    }

    fn scrub(&self, text: &str) -> String {
        match &self.endpoint.key {
            Some(k) => k.scrub(text),
            None => text.to_string(),
        }
    }

    /// Sends `body` until an answer passes `check` (which reads the
    /// message's JSON content), retrying as the module doc says.
    pub async fn call<T>(
        &self,
        body: &Value,
        check: &(dyn Fn(&Value) -> Result<T, String> + Sync),
    ) -> Result<(T, Cost), CallError> {
        let payload = Bytes::from(body.to_string());
        let mut cost = Cost::default();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let outcome = match tokio::time::timeout(
                self.policy.timeout,
                self.attempt(payload.clone(), check, attempt),
            )
            .await
            {
                Ok(outcome) => outcome,
                Err(_) => Attempt::Retry(
                    CallError::Timeout {
                        url: self.endpoint.shown.clone(),
                        seconds: self.policy.timeout.as_secs_f64(),
                        attempts: attempts(attempt),
                    },
                    None,
                    Tokens::default(),
                ),
            };
            match outcome {
                Attempt::Done(t, tokens) => {
                    cost.tokens += tokens;
                    return Ok((t, cost));
                }
                Attempt::Fail(e) => return Err(e),
                Attempt::Retry(e, wait, tokens) => {
                    cost.tokens += tokens;
                    if attempt > self.policy.max_retries {
                        return Err(e);
                    }
                    cost.retries += 1;
                    let wait = wait
                        .unwrap_or_else(|| {
                            backoff(&self.policy, attempt, crate::github::unit_random())
                        })
                        .min(MAX_WAIT);
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn attempt<T>(
        &self,
        payload: Bytes,
        check: &(dyn Fn(&Value) -> Result<T, String> + Sync),
        attempt: u32,
    ) -> Attempt<T> {
        let url = &self.endpoint.shown;
        let mut request = http::Request::post(self.endpoint.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, concat!("benchgate/", env!("CARGO_PKG_VERSION")));
        if let Some(key) = &self.endpoint.key {
            let (name, text) = match self.endpoint.auth {
                Auth::Bearer => (AUTHORIZATION, format!("Bearer {}", key.0)),
                Auth::ApiKey => (HeaderName::from_static("api-key"), key.0.clone()),
            };
            let Ok(mut value) = HeaderValue::from_str(&text) else {
                return Attempt::Fail(CallError::Status {
                    url: url.clone(),
                    status: 0,
                    message: "the API key holds characters a header cannot carry".into(),
                    hint: "; check the variable that holds it".into(),
                    attempts: attempts(attempt),
                });
            };
            value.set_sensitive(true);
            request = request.header(name, value);
        }
        let request = match request.body(Full::new(payload)) {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Fail(CallError::Unreachable {
                    url: url.clone(),
                    cause: self.scrub(&e.to_string()),
                    attempts: attempts(attempt),
                })
            }
        };
        let response = match self.http.request(request).await {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry(
                    CallError::Unreachable {
                        url: url.clone(),
                        cause: self.scrub(&chain(&e)),
                        attempts: attempts(attempt),
                    },
                    None,
                    Tokens::default(),
                )
            }
        };
        let status = response.status();
        let wait = requested_wait(response.headers(), chrono::Utc::now());
        let body = match Limited::new(response.into_body(), MAX_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                return Attempt::Retry(
                    CallError::Unreachable {
                        url: url.clone(),
                        cause: format!("the answer broke off: {}", self.scrub(&e.to_string())),
                        attempts: attempts(attempt),
                    },
                    None,
                    Tokens::default(),
                )
            }
        };
        let text = String::from_utf8_lossy(&body);
        if !status.is_success() {
            let s = status.as_u16();
            let error = CallError::Status {
                url: url.clone(),
                status: s,
                message: self.scrub(&clip(&server_message(&text), 300)),
                hint: match s {
                    401 | 403 => "; check the API key (OPENAI_API_KEY, or the variable [judge] api_key_env names)".into(),
                    404 => "; check the base URL (it usually ends in /v1) and the model name".into(),
                    429 => "; the provider's rate limit: lower [judge] concurrency".into(),
                    _ => String::new(),
                },
                attempts: attempts(attempt),
            };
            return if s == 429 || s == 408 || status.is_server_error() {
                Attempt::Retry(error, wait, Tokens::default())
            } else {
                Attempt::Fail(error)
            };
        }
        self.read_answer(&text, check, attempt)
    }

    /// Reads a 200 answer: the message's JSON content, checked.
    fn read_answer<T>(
        &self,
        text: &str,
        check: &(dyn Fn(&Value) -> Result<T, String> + Sync),
        attempt: u32,
    ) -> Attempt<T> {
        let unparseable = |why: String, answer: &str, tokens: Tokens| {
            Attempt::Retry(
                CallError::Unparseable {
                    why,
                    answer: self.scrub(&clip(answer, 200)),
                    attempts: attempts(attempt),
                },
                None,
                tokens,
            )
        };
        let Ok(response) = serde_json::from_str::<Value>(text) else {
            return unparseable("the response is not JSON".into(), text, Tokens::default());
        };
        let usage = &response["usage"];
        let tokens = Tokens {
            prompt: usage["prompt_tokens"].as_u64().unwrap_or(0),
            completion: usage["completion_tokens"].as_u64().unwrap_or(0),
        };
        let choice = &response["choices"][0];
        let message = &choice["message"];
        if let Some(refusal) = message["refusal"].as_str().filter(|r| !r.trim().is_empty()) {
            return Attempt::Fail(CallError::Refused {
                message: self.scrub(&clip(refusal, 300)),
            });
        }
        if choice["finish_reason"].as_str() == Some("content_filter") {
            return Attempt::Fail(CallError::Refused {
                message: "the provider's content filter stopped the answer (finish_reason content_filter)".into(),
            });
        }
        let Some(content) = message["content"].as_str() else {
            return unparseable(
                "the response has no choices[0].message.content".into(),
                text,
                tokens,
            );
        };
        let parsed = read_json(strip_fence(content))
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|v| check(&v));
        let cut = choice["finish_reason"].as_str() == Some("length");
        match parsed {
            Ok(t) => Attempt::Done(t, tokens),
            Err(why) if cut => unparseable(
                format!("{why}; the answer was cut at its token limit (finish_reason \"length\"): raise [judge] max_tokens"),
                content,
                tokens,
            ),
            Err(why) => unparseable(why, content, tokens),
        }
    }
}

/// The answer's JSON; a raw line break or tab inside a string (which small
/// models under a lenient grammar write) is read as a space.
fn read_json(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(text).or_else(|e| {
        if !text.contains(|c: char| c.is_ascii_control()) {
            return Err(e);
        }
        let spaced: String = text
            .chars()
            .map(|c| if c.is_ascii_control() { ' ' } else { c })
            .collect();
        serde_json::from_str(&spaced).map_err(|_| e)
    })
}

/// A JSON answer some models wrap in a markdown fence anyway.
fn strip_fence(content: &str) -> &str {
    let t = content.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    let rest = rest.strip_prefix("json").unwrap_or(rest);
    rest.strip_suffix("```").unwrap_or(rest).trim()
}

/// The `error.message` of an OpenAI-style error body, else the body.
fn server_message(body: &str) -> String {
    let from_json = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        v["error"]["message"]
            .as_str()
            .or_else(|| v["error"].as_str())
            .or_else(|| v["message"].as_str())
            .map(str::to_string)
    });
    let text = from_json.unwrap_or_else(|| body.trim().to_string());
    if text.is_empty() {
        "no message".into()
    } else {
        text
    }
}

/// How long the server asks to wait: `retry-after-ms` (OpenAI's), else
/// `Retry-After` in seconds or as an HTTP date.
pub fn requested_wait(headers: &HeaderMap, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// The backoff of the judges' retry policy (GitHub's rule:
/// `github::backoff_delay`).
pub fn backoff(policy: &Policy, retry: u32, unit_random: f64) -> Duration {
    crate::github::backoff_delay(policy.base_delay, policy.max_delay, retry, unit_random)
}

/// Sends every request body in `bodies`, at most `policy.concurrency` at
/// once, each until an answer passes `check`. The answers come back in the
/// order of `bodies`; the first failure stops the rest and names its index.
pub fn run_all<T: Send>(
    endpoint: &Endpoint,
    policy: Policy,
    bodies: Vec<Value>,
    check: &(dyn Fn(&Value) -> Result<T, String> + Sync),
    done: &dyn Fn(usize, usize),
) -> Result<Vec<(T, Cost)>, (usize, CallError)> {
    if bodies.is_empty() {
        return Ok(Vec::new());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            (
                0,
                CallError::Unreachable {
                    url: endpoint.shown.clone(),
                    cause: format!("cannot start the HTTP runtime: {e}"),
                    attempts: attempts(0),
                },
            )
        })?;
    runtime.block_on(async {
        let client = Client::new(endpoint.clone(), policy);
        let client = &client;
        let (total, finished) = (bodies.len(), std::cell::Cell::new(0));
        done(0, total);
        let mut answers: Vec<(usize, (T, Cost))> =
            futures_util::stream::iter(bodies.iter().enumerate())
                .map(|(i, body)| async move {
                    client
                        .call(body, check)
                        .await
                        .map(|answer| (i, answer))
                        .map_err(|e| (i, e))
                })
                .buffer_unordered(policy.concurrency.max(1))
                .inspect_ok(|_| {
                    finished.set(finished.get() + 1);
                    done(finished.get(), total);
                })
                .try_collect()
                .await?;
        answers.sort_by_key(|(i, _)| *i);
        Ok(answers.into_iter().map(|(_, a)| a).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_milliseconds_and_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("date")
            .with_timezone(&chrono::Utc);
        let h = |pairs: &[(&str, &str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(
                    http::header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                    HeaderValue::from_str(v).expect("value"),
                );
            }
            m
        };
        assert_eq!(
            requested_wait(&h(&[("retry-after", "3")]), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            requested_wait(&h(&[("retry-after", "3"), ("retry-after-ms", "250")]), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            requested_wait(&h(&[("retry-after", "Thu, 01 Jan 2026 00:00:07 GMT")]), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(requested_wait(&h(&[("retry-after", "soon")]), now), None);
        assert_eq!(requested_wait(&h(&[]), now), None);
    }

    #[test]
    fn the_key_is_never_printed() {
        let key = Secret::new("sk-test-abc123".into()).expect("key");
        assert_eq!(format!("{key:?}"), "[redacted]");
        assert_eq!(
            key.scrub("invalid key sk-test-abc123 given"),
            "invalid key [redacted] given"
        );
        let endpoint = Endpoint::new("https://user:pw@example.com/v1/?x=1", Some(key), None)
            .expect("endpoint");
        assert_eq!(endpoint.shown, "https://example.com/v1/chat/completions");
        assert!(!format!("{endpoint:?}").contains("sk-test"));
        assert!(Endpoint::new("ftp://example.com", None, None).is_err());
    }

    #[test]
    fn azure_hosts_take_the_api_key_header_unless_told() {
        let auth = |url: &str, told| Endpoint::new(url, None, told).expect("endpoint").auth;
        assert_eq!(auth("https://api.openai.com/v1", None), Auth::Bearer);
        assert_eq!(auth("http://127.0.0.1:8080/v1", None), Auth::Bearer);
        assert_eq!(
            auth(
                "https://acme.openai.azure.com/openai/v1?api-version=preview",
                None
            ),
            Auth::ApiKey
        );
        assert_eq!(
            auth("https://acme.cognitiveservices.azure.com/openai/v1", None),
            Auth::ApiKey
        );
        // A gateway in front of Azure that wants a bearer token says so.
        assert_eq!(
            auth(
                "https://acme.openai.azure.com/openai/v1",
                Some(Auth::Bearer)
            ),
            Auth::Bearer
        );
        assert_eq!(
            auth("http://127.0.0.1:8080/v1", Some(Auth::ApiKey)),
            Auth::ApiKey
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = Policy {
            max_retries: 5,
            timeout: Duration::from_secs(1),
            concurrency: 1,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
        };
        assert_eq!(backoff(&policy, 1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(&policy, 3, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(&policy, 9, 1.0), Duration::from_secs(8));
        assert_eq!(backoff(&policy, 2, 0.0), Duration::from_secs(1));
    }

    #[test]
    fn raw_line_breaks_in_strings_are_read_as_spaces() {
        let v = read_json("{\"reason\": \"two\nlines\", \"score\": 3}").expect("read");
        assert_eq!(v["reason"], "two lines");
        assert!(read_json("{\"score\": }").is_err());
    }

    #[test]
    fn fenced_json_is_read() {
        assert_eq!(strip_fence("```json\n{\"a\": 1}\n```"), "{\"a\": 1}");
        assert_eq!(strip_fence(" {\"a\": 1} "), "{\"a\": 1}");
    }
}
