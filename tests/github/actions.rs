//! A fake of the GitHub Actions REST operations behind `--baseline artifact:NAME`,
//! served by wiremock on 127.0.0.1: the repository's workflows, a workflow's
//! runs, a run's artifacts, and an artifact's download, which answers 302 to a
//! second server standing for the storage host (another origin, as on GitHub).
//!
//! Response bodies are built from the examples of GitHub's OpenAPI description
//! (`openapi.json` beside this file) and checked against its response schemas;
//! query parameters are checked against the documented ones. Violations are
//! recorded and fail the test that caused them.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The repository the runs belong to.
pub const REPOSITORY: &str = "Codertocat/Hello-World";
/// The token the fake accepts.
pub const TOKEN: &str = "ghs_FakeArtifactTokenNeverToBeSent0123";
/// The signature on the storage address (a credential of its own: never logged).
pub const SIGNATURE: &str = "sig-5ecret-do-not-log";

/// Builds a zip holding `files` (deflated, as actions/upload-artifact does).
pub fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        if let Some((dir, _)) = name.rsplit_once('/') {
            let _ = writer.add_directory(format!("{dir}/"), options);
        }
        writer.start_file(*name, options).expect("zip entry");
        writer.write_all(bytes).expect("zip write");
    }
    writer.finish().expect("zip finish").into_inner()
}

/// An artifact of a run.
#[derive(Debug, Clone)]
pub struct FakeArtifact {
    /// Its name.
    pub name: String,
    /// What GitHub serves: a zip, or the file itself (`archive: false`).
    pub zip: Vec<u8>,
    /// Listed as expired.
    pub expired: bool,
    /// Listed as live, but the download answers 410 (expired in between).
    pub gone: bool,
}

impl FakeArtifact {
    /// A live artifact.
    pub fn new(name: &str, zip: Vec<u8>) -> Self {
        FakeArtifact {
            name: name.into(),
            zip,
            expired: false,
            gone: false,
        }
    }
}

/// A workflow run.
#[derive(Debug, Clone)]
pub struct FakeRun {
    /// Its id.
    pub id: u64,
    /// The workflow file it ran (`evals.yml`).
    pub workflow: String,
    /// `head_branch`.
    pub branch: String,
    /// `head_sha`.
    pub sha: String,
    /// `push`, `pull_request`, …
    pub event: String,
    /// Whether its head repository is a fork.
    pub fork: bool,
    /// `conclusion: success`.
    pub success: bool,
    /// Its artifacts.
    pub artifacts: Vec<FakeArtifact>,
}

impl FakeRun {
    /// A successful push run of `evals.yml` on main.
    pub fn push(id: u64, sha: &str, artifacts: Vec<FakeArtifact>) -> Self {
        FakeRun {
            id,
            workflow: "evals.yml".into(),
            branch: "main".into(),
            sha: sha.into(),
            event: "push".into(),
            fork: false,
            success: true,
            artifacts,
        }
    }
}

/// One request as a server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `api` or `storage`.
    pub server: &'static str,
    /// Path and query.
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The status answered.
    pub status: u16,
}

/// What the fake knows and how it misbehaves.
#[derive(Default)]
pub struct State {
    /// The repository's workflows: (name, path).
    pub workflows: Vec<(String, String)>,
    /// Runs, newest first.
    pub runs: Vec<FakeRun>,
    /// Every request, in order.
    pub seen: Vec<Seen>,
    /// Requests or responses that break GitHub's description.
    pub violations: Vec<String>,
    /// Answer API requests with 403 "Resource not accessible by integration".
    pub forbidden: bool,
    /// Hold every API response this long.
    pub delay: Option<Duration>,
}

struct Operation {
    path: String,
    query: Vec<String>,
    response: Option<jsonschema::Validator>,
    example: Value,
    headers: BTreeMap<String, String>,
}

struct Spec {
    workflows: Operation,
    runs: Operation,
    artifacts: Operation,
    download: Operation,
    error: jsonschema::Validator,
}

fn operation(spec: &Value, id: &str) -> Operation {
    let op = &spec["operations"][id];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Operation {
        path: op["path"].as_str().expect("path").to_string(),
        query: strings(&op["query_parameters"]),
        response: op
            .get("response_schema")
            .map(|s| jsonschema::validator_for(s).expect("schema compiles")),
        example: op["response_example"].clone(),
        headers: op["response_headers"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

impl Spec {
    fn load() -> Spec {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/github/openapi.json");
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("openapi.json"))
                .expect("json");
        Spec {
            workflows: operation(&spec, "actions/list-repo-workflows"),
            runs: operation(&spec, "actions/list-workflow-runs"),
            artifacts: operation(&spec, "actions/list-workflow-run-artifacts"),
            download: operation(&spec, "actions/download-artifact"),
            error: jsonschema::validator_for(&spec["error_schema"]).expect("error schema"),
        }
    }
}

/// A status and the response that carries it.
type Reply = (u16, ResponseTemplate);

/// The two fake servers and their shared state.
#[derive(Clone)]
pub struct FakeActions {
    state: Arc<Mutex<State>>,
    spec: Arc<Spec>,
    /// The API base (`GITHUB_API_URL`).
    pub api_url: String,
    /// The storage host's base.
    pub storage_url: String,
    prefix: String,
}

/// Keeps both servers alive.
pub struct Servers {
    _api: MockServer,
    _storage: MockServer,
}

#[derive(Clone)]
struct Api(FakeActions);
#[derive(Clone)]
struct Storage(FakeActions);

impl FakeActions {
    /// Starts the API (under `prefix`: `""` or GitHub Enterprise's `/api/v3`)
    /// and the storage server.
    pub async fn start(prefix: &str) -> (Servers, FakeActions) {
        let api = MockServer::start().await;
        let storage = MockServer::start().await;
        let fake = FakeActions {
            state: Arc::new(Mutex::new(State {
                workflows: vec![
                    ("Evals".into(), ".github/workflows/evals.yml".into()),
                    ("CI".into(), ".github/workflows/ci.yml".into()),
                ],
                ..State::default()
            })),
            spec: Arc::new(Spec::load()),
            api_url: format!("{}{prefix}", api.uri()),
            storage_url: storage.uri(),
            prefix: prefix.to_string(),
        };
        Mock::given(any())
            .respond_with(Api(fake.clone()))
            .mount(&api)
            .await;
        Mock::given(any())
            .respond_with(Storage(fake.clone()))
            .mount(&storage)
            .await;
        (
            Servers {
                _api: api,
                _storage: storage,
            },
            fake,
        )
    }

    /// The state, to arrange or inspect.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Requests seen by `server`.
    pub fn seen(&self, server: &str) -> Vec<Seen> {
        self.state()
            .seen
            .iter()
            .filter(|s| s.server == server)
            .cloned()
            .collect()
    }

    fn check(
        &self,
        state: &mut State,
        what: &str,
        validator: &jsonschema::Validator,
        value: &Value,
    ) {
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            state
                .violations
                .push(format!("{what}: {}", errors.join("; ")));
        }
    }

    fn error(&self, state: &mut State, status: u16, message: &str) -> Reply {
        let body = json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest/actions/artifacts",
            "status": status.to_string(),
        });
        self.check(state, "error body", &self.spec.error, &body);
        (status, ResponseTemplate::new(status).set_body_json(body))
    }

    /// Checks the query against the operation's documented parameters.
    fn query(
        &self,
        state: &mut State,
        op: &Operation,
        request: &Request,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (k, v) in request.url.query_pairs() {
            if !op.query.iter().any(|q| q == k.as_ref()) {
                state.violations.push(format!(
                    "{}: query parameter \"{k}\" is not documented (documented: {:?})",
                    op.path, op.query
                ));
            }
            out.insert(k.into_owned(), v.into_owned());
        }
        out
    }

    fn reply(&self, state: &mut State, op: &Operation, body: Value) -> Reply {
        if let Some(schema) = &op.response {
            self.check(state, &format!("response of {}", op.path), schema, &body);
        }
        let mut t = ResponseTemplate::new(200).set_body_json(body);
        for (k, v) in &op.headers {
            // The examples' Link points at api.github.com: a real next page would
            // be on our host; there is none.
            if !k.eq_ignore_ascii_case("link") {
                t = t.insert_header(k.as_str(), v.as_str());
            }
        }
        (200, t)
    }

    fn run_json(&self, run: &FakeRun) -> Value {
        let mut r = self.spec.runs.example["workflow_runs"][0].clone();
        r["id"] = json!(run.id);
        r["head_branch"] = json!(run.branch);
        r["head_sha"] = json!(run.sha);
        r["event"] = json!(run.event);
        r["status"] = json!("completed");
        r["conclusion"] = json!(if run.success { "success" } else { "failure" });
        r["path"] = json!(format!(".github/workflows/{}", run.workflow));
        r["head_commit"]["id"] = json!(run.sha);
        let owner = if run.fork { "forker" } else { "Codertocat" };
        r["head_repository"]["full_name"] = json!(format!("{owner}/Hello-World"));
        r["head_repository"]["owner"]["login"] = json!(owner);
        r["repository"]["full_name"] = json!(REPOSITORY);
        r
    }

    fn artifact_json(&self, run: &FakeRun, index: usize, a: &FakeArtifact) -> Value {
        let id = run.id * 10 + index as u64;
        let mut x = self.spec.artifacts.example["artifacts"][0].clone();
        x["id"] = json!(id);
        x["name"] = json!(a.name);
        x["size_in_bytes"] = json!(a.zip.len());
        x["expired"] = json!(a.expired);
        x["expires_at"] = json!("2024-03-21T14:59:22Z");
        x["url"] = json!(format!(
            "{}/repos/{REPOSITORY}/actions/artifacts/{id}",
            self.api_url
        ));
        x["archive_download_url"] = json!(format!(
            "{}/repos/{REPOSITORY}/actions/artifacts/{id}/zip",
            self.api_url
        ));
        x["workflow_run"]["id"] = json!(run.id);
        x["workflow_run"]["head_branch"] = json!(run.branch);
        x["workflow_run"]["head_sha"] = json!(run.sha);
        x
    }

    fn route_api(&self, state: &mut State, request: &Request) -> Reply {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {TOKEN}")) {
            return self.error(state, 401, "Bad credentials");
        }
        if state.forbidden {
            return self.error(state, 403, "Resource not accessible by integration");
        }
        let Some(path) = request.url.path().strip_prefix(&self.prefix) else {
            state
                .violations
                .push(format!("{} is outside the API prefix", request.url.path()));
            return self.error(state, 404, "Not Found");
        };
        let Some(rest) = path.strip_prefix(&format!("/repos/{REPOSITORY}/actions/")) else {
            return self.error(state, 404, "Not Found");
        };
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            ["workflows"] => {
                self.query(state, &self.spec.workflows, request);
                let mut body = self.spec.workflows.example.clone();
                let template = body["workflows"][0].clone();
                let list: Vec<Value> = state
                    .workflows
                    .iter()
                    .enumerate()
                    .map(|(i, (name, path))| {
                        let mut w = template.clone();
                        w["id"] = json!(161_335 + i);
                        w["name"] = json!(name);
                        w["path"] = json!(path);
                        w
                    })
                    .collect();
                body["total_count"] = json!(list.len());
                body["workflows"] = json!(list);
                self.reply(state, &self.spec.workflows, body)
            }
            ["workflows", workflow, "runs"] => {
                let q = self.query(state, &self.spec.runs, request);
                let known = state
                    .workflows
                    .iter()
                    .any(|(_, p)| p.rsplit('/').next() == Some(*workflow));
                if !known {
                    return self.error(state, 404, "Not Found");
                }
                let per_page: usize = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(30);
                let runs: Vec<Value> = state
                    .runs
                    .iter()
                    .filter(|r| r.workflow == *workflow)
                    .filter(|r| q.get("branch").is_none_or(|b| *b == r.branch))
                    .filter(|r| q.get("status").is_none_or(|s| s != "success" || r.success))
                    .take(per_page)
                    .map(|r| self.run_json(r))
                    .collect();
                let mut body = self.spec.runs.example.clone();
                body["total_count"] = json!(runs.len());
                body["workflow_runs"] = json!(runs);
                self.reply(state, &self.spec.runs, body)
            }
            ["runs", id, "artifacts"] => {
                self.query(state, &self.spec.artifacts, request);
                let Some(run) = state.runs.iter().find(|r| r.id.to_string() == *id).cloned() else {
                    return self.error(state, 404, "Not Found");
                };
                let list: Vec<Value> = run
                    .artifacts
                    .iter()
                    .enumerate()
                    .map(|(i, a)| self.artifact_json(&run, i, a))
                    .collect();
                let mut body = self.spec.artifacts.example.clone();
                body["total_count"] = json!(list.len());
                body["artifacts"] = json!(list);
                self.reply(state, &self.spec.artifacts, body)
            }
            ["artifacts", id, format] => {
                self.query(state, &self.spec.download, request);
                if *format != "zip" {
                    state
                        .violations
                        .push(format!("archive_format must be zip, got {format}"));
                }
                let found = state.runs.iter().find_map(|r| {
                    r.artifacts
                        .iter()
                        .enumerate()
                        .find(|(i, _)| (r.id * 10 + *i as u64).to_string() == *id)
                        .map(|(_, a)| a.clone())
                });
                match found {
                    None => self.error(state, 404, "Not Found"),
                    Some(a) if a.expired || a.gone => {
                        self.error(state, 410, "Artifact has expired")
                    }
                    Some(_) => (
                        302,
                        ResponseTemplate::new(302).insert_header(
                            "Location",
                            format!(
                                "{}/blobs/{id}.zip?sv=2019&sig={SIGNATURE}",
                                self.storage_url
                            )
                            .as_str(),
                        ),
                    ),
                }
            }
            _ => {
                state
                    .violations
                    .push(format!("GET {path} is not an operation the fake knows"));
                self.error(state, 404, "Not Found")
            }
        }
    }

    fn route_storage(&self, state: &State, request: &Request) -> Reply {
        let id = request
            .url
            .path()
            .strip_prefix("/blobs/")
            .and_then(|p| p.strip_suffix(".zip"));
        let signed = request
            .url
            .query_pairs()
            .any(|(k, v)| k == "sig" && v == SIGNATURE);
        let zip = state.runs.iter().find_map(|r| {
            r.artifacts.iter().enumerate().find_map(|(i, a)| {
                (Some((r.id * 10 + i as u64).to_string().as_str()) == id).then(|| a.zip.clone())
            })
        });
        match zip {
            Some(bytes) if signed => {
                // An artifact uploaded with `archive: false` is served as is.
                let kind = if bytes.starts_with(b"PK") {
                    "application/zip"
                } else {
                    "application/octet-stream"
                };
                (
                    200,
                    ResponseTemplate::new(200)
                        .insert_header("content-type", kind)
                        .set_body_bytes(bytes),
                )
            }
            _ => (
                403,
                ResponseTemplate::new(403)
                    .set_body_string("<Error><Code>AuthenticationFailed</Code></Error>"),
            ),
        }
    }
}

impl Respond for Api {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let fake = &self.0;
        let mut state = fake.state();
        let (status, mut t) = fake.route_api(&mut state, request);
        if let Some(d) = state.delay {
            t = t.set_delay(d);
        }
        let seen = Seen {
            server: "api",
            path: path_and_query(request),
            authorization: header(request, "authorization"),
            status,
        };
        state.seen.push(seen);
        t
    }
}

impl Respond for Storage {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let fake = &self.0;
        let mut state = fake.state();
        let (status, t) = fake.route_storage(&state, request);
        let seen = Seen {
            server: "storage",
            path: path_and_query(request),
            authorization: header(request, "authorization"),
            status,
        };
        state.seen.push(seen);
        t
    }
}

fn path_and_query(request: &Request) -> String {
    match request.url.query() {
        Some(q) => format!("{}?{q}", request.url.path()),
        None => request.url.path().to_string(),
    }
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
