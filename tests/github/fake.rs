//! A stateful fake of the three GitHub REST operations benchgate calls, served by
//! wiremock on 127.0.0.1.
//!
//! Its response bodies are built from the examples in GitHub's OpenAPI
//! description, and every request body is checked against the description's
//! request schema (`openapi.json` beside this file, extracted by
//! `scripts/github/extract.mjs`); so are the fake's own responses, so the fake
//! cannot drift from what GitHub documents. Violations are recorded and fail the
//! test that caused them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The repository of the webhook examples' events.
pub const REPOSITORY: &str = "Codertocat/Hello-World";
/// The pull request of the `pull_request` examples.
pub const PR: u64 = 2;
/// The head commit of the webhook examples' pull request.
pub const HEAD_SHA: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
/// The token the fake accepts.
pub const TOKEN: &str = "ghs_FakeTokenThatMustNeverBePrinted0123";

/// A canned failure: status, extra headers, message.
pub type Canned = (u16, Vec<(String, String)>, String);

/// A status and the response that carries it.
type Reply = (u16, ResponseTemplate);

struct Operation {
    request: Option<jsonschema::Validator>,
    response: jsonschema::Validator,
    example: Value,
    status: u16,
}

struct Spec {
    list: Operation,
    create: Operation,
    update: Operation,
    pull: Operation,
    delete_status: u16,
    error: jsonschema::Validator,
}

fn status(spec: &Value, id: &str) -> u16 {
    u16::try_from(
        spec["operations"][id]["response_status"]
            .as_u64()
            .expect("status"),
    )
    .expect("u16")
}

fn operation(spec: &Value, id: &str) -> Operation {
    let op = &spec["operations"][id];
    let compile = |schema: &Value| jsonschema::validator_for(schema).expect("schema compiles");
    Operation {
        request: op.get("request_schema").map(compile),
        response: compile(&op["response_schema"]),
        example: op["response_example"].clone(),
        status: u16::try_from(op["response_status"].as_u64().expect("status")).expect("u16"),
    }
}

impl Spec {
    fn load() -> Spec {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/github/openapi.json");
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("openapi.json"))
                .expect("json");
        Spec {
            list: operation(&spec, "issues/list-comments"),
            create: operation(&spec, "issues/create-comment"),
            update: operation(&spec, "issues/update-comment"),
            pull: operation(&spec, "pulls/get"),
            delete_status: status(&spec, "issues/delete-comment"),
            error: jsonschema::validator_for(&spec["error_schema"]).expect("error schema"),
        }
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GET`, `POST`, `PATCH`, …
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The status answered.
    pub status: u16,
}

/// What the fake knows and how it misbehaves.
#[derive(Default)]
pub struct State {
    /// The pull request's comments, oldest first.
    pub comments: Vec<Value>,
    /// Every request, in order.
    pub seen: Vec<Seen>,
    /// Requests or responses that break GitHub's description.
    pub violations: Vec<String>,
    /// Statuses to answer the next requests with, whatever they ask.
    pub fail_next: VecDeque<Canned>,
    /// Answer every request with this status (e.g. 503), forever.
    pub fail_always: Option<u16>,
    /// Answer creates and edits with 403 "Resource not accessible by integration".
    pub read_only: bool,
    /// Apply this many creates, then answer them with 502 anyway.
    pub apply_then_502: usize,
    /// Hold the next response this long (a hanging request).
    pub delay_next: Option<std::time::Duration>,
    /// Put a `next` link to this base URL on the first page.
    pub foreign_next: Option<String>,
    /// Apply `fail_next` and `fail_always` only to requests with this method.
    pub fail_only: Option<&'static str>,
    /// Hold every response this long (GitHub hanging for good).
    pub delay_always: Option<std::time::Duration>,
    /// The pull request does not exist (or the token cannot see it): 404.
    pub missing_pr: bool,
    /// The pull request's head commit (`GET /pulls/{n}`); the webhook
    /// examples' head by default.
    pub head_sha: String,
    /// Hold each response a random 0..this many milliseconds (racing runs).
    pub jitter_ms: u64,
    jitter_state: u64,
    next_id: u64,
    clock: u64,
}

/// The fake server and its state.
#[derive(Clone)]
pub struct FakeGithub {
    state: Arc<Mutex<State>>,
    spec: Arc<Spec>,
    /// The API base: the server's address plus the path prefix.
    pub api_url: String,
    prefix: String,
}

fn user(login: &str, bot: bool, example: &Value) -> Value {
    let mut u = example["user"].clone();
    u["login"] = json!(login);
    u["type"] = json!(if bot { "Bot" } else { "User" });
    u["id"] = json!(if bot { 41_898_282 } else { 1 });
    u
}

impl State {
    /// Starts the jitter from `seed` (each round of a race differs).
    pub fn seed_jitter(&mut self, seed: u64) {
        self.jitter_state = 0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1;
    }
}

impl FakeGithub {
    /// Starts a server; `prefix` is `""` (github.com) or `"/api/v3"` (GitHub Enterprise).
    pub async fn start(prefix: &str) -> (MockServer, FakeGithub) {
        let server = MockServer::start().await;
        let fake = FakeGithub {
            state: Arc::new(Mutex::new(State {
                next_id: 1_000,
                head_sha: HEAD_SHA.to_string(),
                jitter_state: 0x9e37_79b9_7f4a_7c15,
                ..State::default()
            })),
            spec: Arc::new(Spec::load()),
            api_url: format!("{}{prefix}", server.uri()),
            prefix: prefix.to_string(),
        };
        Mock::given(any())
            .respond_with(fake.clone())
            .mount(&server)
            .await;
        (server, fake)
    }

    /// The state, to arrange or inspect.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a comment by someone else.
    pub fn add_foreign(&self, body: &str) -> u64 {
        self.add(body, false)
    }

    /// Adds a comment by the Actions bot.
    pub fn add_bot(&self, body: &str) -> u64 {
        self.add(body, true)
    }

    fn add(&self, body: &str, bot: bool) -> u64 {
        let example = self.spec.create.example.clone();
        let mut state = self.state();
        let comment = self.comment(&mut state, &example, body, bot);
        let id = comment["id"].as_u64().expect("id");
        state.comments.push(comment);
        id
    }

    /// Bodies of the comments, oldest first.
    pub fn bodies(&self) -> Vec<String> {
        self.state()
            .comments
            .iter()
            .map(|c| c["body"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Requests seen with `method`.
    pub fn count(&self, method: &str) -> usize {
        self.state()
            .seen
            .iter()
            .filter(|s| s.method == method)
            .count()
    }

    fn comment(&self, state: &mut State, example: &Value, body: &str, bot: bool) -> Value {
        state.next_id += 1;
        state.clock += 1;
        let id = state.next_id;
        let mut c = example.clone();
        c["id"] = json!(id);
        c["body"] = json!(body);
        c["url"] = json!(format!(
            "{}/repos/{REPOSITORY}/issues/comments/{id}",
            self.api_url
        ));
        c["html_url"] = json!(format!(
            "https://github.com/{REPOSITORY}/pull/{PR}#issuecomment-{id}"
        ));
        c["issue_url"] = json!(format!("{}/repos/{REPOSITORY}/issues/{PR}", self.api_url));
        c["user"] = if bot {
            user("github-actions[bot]", true, example)
        } else {
            user("octocat", false, example)
        };
        let t = format!(
            "2024-01-01T00:{:02}:{:02}Z",
            state.clock / 60 % 60,
            state.clock % 60
        );
        c["created_at"] = json!(t);
        c["updated_at"] = json!(t);
        c
    }

    fn check(
        &self,
        state: &mut State,
        what: &str,
        validator: &jsonschema::Validator,
        value: &Value,
    ) -> bool {
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            state
                .violations
                .push(format!("{what}: {}", errors.join("; ")));
        }
        errors.is_empty()
    }

    fn error(&self, state: &mut State, status: u16, message: &str) -> Reply {
        let body = json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest/issues/comments",
            "status": status.to_string(),
        });
        self.check(state, "error body", &self.spec.error, &body);
        (status, ResponseTemplate::new(status).set_body_json(body))
    }

    fn route(&self, state: &mut State, request: &Request) -> Reply {
        let method = request.method.as_str().to_string();
        let Some(path) = request.url.path().strip_prefix(&self.prefix) else {
            state.violations.push(format!(
                "{method} {} is outside the API prefix",
                request.url
            ));
            return self.error(state, 404, "Not Found");
        };
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let query: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        let repo_ok = |o: &str, r: &str| format!("{o}/{r}") == REPOSITORY;
        match (method.as_str(), parts.as_slice()) {
            ("GET", ["repos", o, r, "issues", n, "comments"]) if repo_ok(o, r) => {
                self.list(state, n, &query)
            }
            // GitHub's own next links use the repository's id.
            ("GET", ["repositories", "1296269", "issues", n, "comments"]) => {
                self.list(state, n, &query)
            }
            ("POST", ["repos", o, r, "issues", n, "comments"]) if repo_ok(o, r) => {
                if *n != PR.to_string() {
                    return self.error(state, 404, "Not Found");
                }
                let Some(body) = self.request_body(state, &self.spec.create, request) else {
                    return self.error(state, 422, "Validation Failed");
                };
                if state.read_only {
                    return self.error(state, 403, "Resource not accessible by integration");
                }
                let example = self.spec.create.example.clone();
                let comment = self.comment(state, &example, &body, true);
                state.comments.push(comment.clone());
                if state.apply_then_502 > 0 {
                    state.apply_then_502 -= 1;
                    return (
                        502,
                        ResponseTemplate::new(502).set_body_string("<html>502 Bad Gateway</html>"),
                    );
                }
                self.check(
                    state,
                    "create response",
                    &self.spec.create.response,
                    &comment,
                );
                let status = self.spec.create.status;
                let location = comment["url"].as_str().unwrap_or_default().to_string();
                (
                    status,
                    ResponseTemplate::new(status)
                        .insert_header("location", location.as_str())
                        .set_body_json(comment),
                )
            }
            ("GET", ["repos", o, r, "pulls", n]) if repo_ok(o, r) => {
                if *n != PR.to_string() {
                    return self.error(state, 404, "Not Found");
                }
                let mut pull = self.spec.pull.example.clone();
                pull["number"] = json!(PR);
                pull["head"]["sha"] = json!(state.head_sha.clone());
                // GitHub's example team lacks the `type` its own schema requires
                // (@octokit/openapi 23.0.2); a pull request without reviewer teams.
                pull["requested_teams"] = json!([]);
                self.check(state, "pull response", &self.spec.pull.response, &pull);
                let status = self.spec.pull.status;
                (status, ResponseTemplate::new(status).set_body_json(pull))
            }
            ("DELETE", ["repos", o, r, "issues", "comments", id]) if repo_ok(o, r) => {
                if state.read_only {
                    return self.error(state, 403, "Resource not accessible by integration");
                }
                let id: Option<u64> = id.parse().ok();
                let before = state.comments.len();
                state
                    .comments
                    .retain(|c| c["id"].as_u64().is_none() || c["id"].as_u64() != id);
                if state.comments.len() == before {
                    return self.error(state, 404, "Not Found");
                }
                let status = self.spec.delete_status;
                (status, ResponseTemplate::new(status))
            }
            ("PATCH", ["repos", o, r, "issues", "comments", id]) if repo_ok(o, r) => {
                let Some(body) = self.request_body(state, &self.spec.update, request) else {
                    return self.error(state, 422, "Validation Failed");
                };
                if state.read_only {
                    return self.error(state, 403, "Resource not accessible by integration");
                }
                state.clock += 1;
                let t = format!(
                    "2024-01-02T00:{:02}:{:02}Z",
                    state.clock / 60 % 60,
                    state.clock % 60
                );
                let id: Option<u64> = id.parse().ok();
                let Some(c) = state
                    .comments
                    .iter_mut()
                    .find(|c| c["id"].as_u64().is_some() && c["id"].as_u64() == id)
                else {
                    return self.error(state, 404, "Not Found");
                };
                c["body"] = json!(body);
                c["updated_at"] = json!(t);
                let comment = c.clone();
                self.check(
                    state,
                    "update response",
                    &self.spec.update.response,
                    &comment,
                );
                let status = self.spec.update.status;
                (status, ResponseTemplate::new(status).set_body_json(comment))
            }
            _ => {
                state
                    .violations
                    .push(format!("unexpected request {method} {}", request.url));
                self.error(state, 404, "Not Found")
            }
        }
    }

    fn request_body(&self, state: &mut State, op: &Operation, request: &Request) -> Option<String> {
        let json_type = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json_type {
            state
                .violations
                .push("request body without content-type application/json".into());
        }
        let Ok(value) = serde_json::from_slice::<Value>(&request.body) else {
            state.violations.push("request body is not JSON".into());
            return None;
        };
        let schema = op.request.as_ref().expect("operation takes a body");
        if !self.check(state, "request body", schema, &value) {
            return None;
        }
        value["body"].as_str().map(str::to_string)
    }

    fn list(&self, state: &mut State, n: &str, query: &BTreeMap<String, String>) -> Reply {
        if n != PR.to_string() {
            return self.error(state, 404, "Not Found");
        }
        let per_page: usize = query
            .get("per_page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(30)
            .clamp(1, 100);
        let page: usize = query
            .get("page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        let total = state.comments.len();
        let items: Vec<Value> = state
            .comments
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .cloned()
            .collect();
        let items = Value::Array(items);
        self.check(state, "list response", &self.spec.list.response, &items);
        let last = total.div_ceil(per_page).max(1);
        let link = |base: &str, p: usize| {
            format!(
                "<{base}/repositories/1296269/issues/{n}/comments?per_page={per_page}&page={p}>"
            )
        };
        let mut links = Vec::new();
        if let Some(foreign) = state.foreign_next.clone().filter(|_| page == 1) {
            links.push(format!("{}; rel=\"next\"", link(&foreign, 2)));
        } else if page < last {
            links.push(format!("{}; rel=\"next\"", link(&self.api_url, page + 1)));
            links.push(format!("{}; rel=\"last\"", link(&self.api_url, last)));
        }
        if page > 1 {
            links.push(format!("{}; rel=\"prev\"", link(&self.api_url, page - 1)));
            links.push(format!("{}; rel=\"first\"", link(&self.api_url, 1)));
        }
        let status = self.spec.list.status;
        let mut template = ResponseTemplate::new(status).set_body_json(items);
        if !links.is_empty() {
            template = template.insert_header("link", links.join(", "));
        }
        (status, template)
    }
}

impl Respond for FakeGithub {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state();
        let method = request.method.as_str().to_string();
        let path = match request.url.query() {
            Some(q) => format!("{}?{q}", request.url.path()),
            None => request.url.path().to_string(),
        };
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        if !header("accept").contains("application/vnd.github+json") {
            state.violations.push(format!(
                "{method} {path}: Accept is \"{}\"",
                header("accept")
            ));
        }
        if header("x-github-api-version").is_empty() {
            state
                .violations
                .push(format!("{method} {path}: no X-GitHub-Api-Version"));
        }
        let faulty = state.fail_only.is_none_or(|m| m == method);
        let (status, template) = if header("authorization") != format!("Bearer {TOKEN}") {
            self.error(&mut state, 401, "Bad credentials")
        } else if let Some((status, headers, message)) =
            faulty.then(|| state.fail_next.pop_front()).flatten()
        {
            let (status, mut t) = self.error(&mut state, status, &message);
            for (k, v) in headers {
                t = t.insert_header(k.as_str(), v.as_str());
            }
            (status, t)
        } else if state.missing_pr {
            self.error(&mut state, 404, "Not Found")
        } else if let Some(status) = state.fail_always.filter(|_| faulty) {
            let reason = http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error");
            (
                status,
                ResponseTemplate::new(status).set_body_string(reason),
            )
        } else {
            self.route(&mut state, request)
        };
        let jitter = (state.jitter_ms > 0).then(|| {
            // xorshift: the fake's own jitter, no dependency.
            let mut x = state.jitter_state;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.jitter_state = x;
            std::time::Duration::from_millis(x % state.jitter_ms)
        });
        let template = match state.delay_next.take().or(state.delay_always).or(jitter) {
            Some(delay) => template.set_delay(delay),
            None => template,
        };
        state.seen.push(Seen {
            method,
            path,
            status,
        });
        template
    }
}
